//! Looking at a built library: its identifying macros and exported symbols.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use super::tools::env_program;
use super::Linkage;

/// Whether a macro identifies the library or its version.
fn is_identifying(name: &str) -> bool {
    matches!(
        name,
        "OPENSSL_VERSION_NUMBER"
            | "OPENSSL_VERSION_MAJOR"
            | "OPENSSL_VERSION_MINOR"
            | "OPENSSL_VERSION_PATCH"
            | "OPENSSL_VERSION_TEXT"
            | "OPENSSL_IS_BORINGSSL"
            | "OPENSSL_IS_AWSLC"
            | "LIBRESSL_VERSION_NUMBER"
            | "LIBRESSL_VERSION_TEXT"
            | "BORINGSSL_API_VERSION"
            | "LIBWOLFSSL_VERSION_STRING"
            | "LIBWOLFSSL_VERSION_HEX"
    ) || name.starts_with("AWSLC_")
}

/// Parses `cc -E -dM` output into the identifying `#define`s.
pub fn parse_macros(dump: &str) -> BTreeMap<String, String> {
    dump.lines()
        .filter_map(|line| line.strip_prefix("#define "))
        .filter_map(|rest| {
            let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
            // function-like macros (`AWSLC_CONCAT(a,b)`) identify nothing
            (is_identifying(name) && !name.contains('('))
                .then(|| (name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// Preprocesses `<openssl/ssl.h>` (after `pre_includes`) with `-I include_dir`
/// and returns the identifying macros (`OPENSSL_VERSION_NUMBER`,
/// `LIBRESSL_VERSION_NUMBER`, `BORINGSSL_API_VERSION`, `AWSLC_*`, ...).
pub fn identifying_macros(
    include_dir: &Path,
    pre_includes: &[String],
) -> Result<BTreeMap<String, String>> {
    let mut source = String::new();
    for h in pre_includes {
        source.push_str(&format!("#include <{h}>\n"));
    }
    source.push_str("#include <openssl/ssl.h>\n");
    let out = preprocess(include_dir, &["-dM"], &source)
        .context("preprocessing <openssl/ssl.h> for its identifying macros")?;
    Ok(parse_macros(&out))
}

/// Runs `$CC -E <flags> -x c -I include_dir -` on `source` (C from stdin) and returns the
/// preprocessor output; the compiler's stderr is in the error.
pub fn preprocess(include_dir: &Path, flags: &[&str], source: &str) -> Result<String> {
    let cc = env_program("CC", "cc");
    let mut child = Command::new(&cc)
        .arg("-E")
        .args(flags)
        .args(["-x", "c", "-I"])
        .arg(include_dir)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {} -E", cc.to_string_lossy()))?;
    child
        .stdin
        .take()
        .context("cc stdin")?
        .write_all(source.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "preprocessing with -I{} failed:\n{}",
            include_dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Normalizes a macro value for comparison: hex literals lower-cased and
/// stripped of `L`/`UL` suffixes, everything else trimmed.
pub fn normalize_macro(value: &str) -> String {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("0x") {
        lower.trim_end_matches(['l', 'u']).to_string()
    } else {
        v.to_string()
    }
}

/// Parses `nm` output into the names of defined global symbols (version
/// suffixes such as `@@OPENSSL_1_1_1` removed).
pub fn parse_nm(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // "<addr> <type> <name>"; undefined ones are "U <name>" (2 fields)
            if fields.len() != 3 {
                return None;
            }
            let kind = fields[1];
            if kind.len() != 1 || kind == "U" || kind == "w" || kind == "v" {
                return None;
            }
            if !kind.chars().all(|c| c.is_ascii_uppercase()) {
                return None; // local symbol
            }
            let name = fields[2].split('@').next().unwrap_or(fields[2]);
            Some(name.to_string())
        })
        .collect()
}

/// Defined global symbols of a library file (`nm -g --defined-only`, with `-D`
/// for shared objects).
pub fn defined_symbols(lib: &Path, linkage: Linkage) -> Result<BTreeSet<String>> {
    let mut cmd = Command::new(env_program("NM", "nm"));
    if linkage == Linkage::Shared {
        cmd.arg("-D");
    }
    let out = cmd
        .args(["-g", "--defined-only"])
        .arg(lib)
        .output()
        .with_context(|| format!("running nm on {}", lib.display()))?;
    if !out.status.success() {
        bail!(
            "nm {} failed: {}",
            lib.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(parse_nm(&String::from_utf8_lossy(&out.stdout)))
}

/// The last `n` lines of a log file (empty when unreadable).
pub fn log_tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_are_filtered() {
        let dump = "#define OPENSSL_VERSION_NUMBER 0x1010117fL\n#define SSL_OP_ALL 0x1\n\
                    #define AWSLC_API_VERSION 37\n#define OPENSSL_IS_BORINGSSL\n\
                    #define AWSLC_CONCAT(left,right) left ##right\n\
                    #define OPENSSL_VERSION_TEXT \"OpenSSL 1.1.1w  11 Sep 2023\"\n";
        let m = parse_macros(dump);
        assert_eq!(m["OPENSSL_VERSION_NUMBER"], "0x1010117fL");
        assert_eq!(m["AWSLC_API_VERSION"], "37");
        assert_eq!(m["OPENSSL_IS_BORINGSSL"], "");
        assert_eq!(m["OPENSSL_VERSION_TEXT"], "\"OpenSSL 1.1.1w  11 Sep 2023\"");
        assert!(!m.contains_key("SSL_OP_ALL"));
        assert!(!m.keys().any(|k| k.contains("CONCAT")), "{m:?}");
    }

    #[test]
    fn macro_normalization() {
        assert_eq!(normalize_macro("0x1010117FL"), "0x1010117f");
        assert_eq!(normalize_macro("0x3010000fUL"), "0x3010000f");
        assert_eq!(normalize_macro(" 44 "), "44");
        assert_eq!(normalize_macro("\"5.12.0\""), "\"5.12.0\"");
    }

    #[test]
    fn nm_parsing() {
        let text =
            "\nssl_lib.o:\n0000000000000010 T SSL_CTX_new\n                 U CRYPTO_malloc\n\
                    0000000000000020 t local_fn\n0000000000000030 T SSL_new@@OPENSSL_1_1_0\n\
                    0000000000000040 D some_data\n                 w __gmon_start__\n";
        let syms = parse_nm(text);
        let want: BTreeSet<String> = ["SSL_CTX_new", "SSL_new", "some_data"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(syms, want);
    }
}
