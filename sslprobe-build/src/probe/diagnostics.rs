//! Reading what the compiler and the linker said, and turning failures into diagnoses.
//!
//! Everything that parses compiler or linker output lives here, shared by the build script and
//! `sslprobe probe`: error locations and undefined symbols (GNU ld, gold, lld, mold, ld64), the
//! dependency file, flags a compiler rejected, and the three diagnoses a failed run can end in —
//! a broken C toolchain (checked with a program that needs no SSL library), a header/library
//! mismatch (a probe that compiles but whose symbol does not link), and a missing dependency of
//! a static library.

use super::source::{include_label, Block};
use crate::compiler::{render_command, toolchain_vars, Compiler};
use crate::error::{Error, Result};
use crate::locate::Location;
use crate::log::Log;
use crate::results::{Results, Source};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cuts the compiler's spelling suggestion (`; did you mean 'X'?`) from a diagnostic: in a batch
/// it names the decoy `Prober::source` plants, and elsewhere it depends on what else the unit
/// declares, so failure excerpts read the same in every mode without it.
pub(crate) fn without_suggestion(line: &str) -> String {
    match line.find("; did you mean ") {
        Some(i) => match line[i..].find('?') {
            Some(j) => format!("{}{}", &line[..i], &line[i + j + 1..]),
            None => line[..i].to_string(),
        },
        None => line.to_string(),
    }
}

/// Parses a Make dependency file (`sslprobe: a.c b.h \` …) into the prerequisites, leaving out
/// `source` itself. Handles `\ ` (space), `\#`, `$$` and backslash-newline continuations.
pub(crate) fn parse_depfile(text: &str, source: &Path) -> Vec<PathBuf> {
    let rest = text.trim_start().strip_prefix("sslprobe:").unwrap_or(text);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<PathBuf>| {
        if !cur.is_empty() {
            out.push(PathBuf::from(std::mem::take(cur)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(' ') | Some('#') => cur.push(chars.next().unwrap_or(' ')),
                Some('\n') | Some('\r') => {
                    chars.next();
                    flush(&mut cur, &mut out);
                }
                _ => cur.push('\\'),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                cur.push('$');
            }
            c if c.is_whitespace() => flush(&mut cur, &mut out),
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    out.retain(|p| p != source && !p.ends_with(source.file_name().unwrap_or_default()));
    out.into_iter()
        .map(|p| {
            if p.is_relative() {
                std::path::absolute(&p).unwrap_or(p)
            } else {
                p
            }
        })
        .collect()
}

/// Parses `file:line[:col]: [fatal ]error: …` into `(file, line)`.
pub(crate) fn error_location(line: &str) -> Option<(&str, usize)> {
    let idx = line
        .find(": fatal error: ")
        .or_else(|| line.find(": error: "))?;
    let head = &line[..idx];
    let (rest, last) = head.rsplit_once(':')?;
    let last: usize = last.trim().parse().ok()?;
    // `file:line:col` or `file:line`.
    match rest.rsplit_once(':') {
        Some((file, l)) if !file.is_empty() => match l.trim().parse::<usize>() {
            Ok(l) => Some((file, l)),
            Err(_) => Some((rest, last)),
        },
        _ => Some((rest, last)),
    }
}

pub(crate) fn identifiers(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
}

/// The undefined symbol a linker line names, and the linker's own phrase from `undefined` on
/// (free of object-file names and section offsets, so it reads the same in every batch).
pub(crate) fn undefined_symbol(line: &str) -> Option<(String, String)> {
    let quotes: &[char] = &['`', '\'', '"', '‘', '’'];
    if let Some(i) = line
        .find("undefined reference to ")
        .or_else(|| line.find("undefined symbol: "))
    {
        let phrase = line[i..].trim_end().to_string();
        // After the first quote (or colon); the quote may be a multi-byte `‘`.
        let after = &phrase[phrase
            .char_indices()
            .find(|(_, c)| ['`', '\'', '‘', ':'].contains(c))
            .map(|(k, c)| k + c.len_utf8())
            .unwrap_or(0)..];
        let sym: String = after
            .trim_start_matches(|c: char| c.is_whitespace() || quotes.contains(&c))
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$' || *c == '.')
            .collect();
        return (!sym.is_empty()).then_some((sym, phrase));
    }
    // ld64: `  "_SSL_foo", referenced from:`
    if let Some(i) = line.find("\", referenced from:") {
        let sym = line[..i].trim().trim_start_matches('"');
        if !sym.is_empty() {
            return Some((sym.to_string(), format!("undefined symbol: {sym}")));
        }
    }
    None
}

pub(crate) fn first_errors(output: &str) -> String {
    let errs: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("error") || l.contains("undefined"))
        .take(3)
        .map(str::trim)
        .collect();
    if errs.is_empty() {
        output.lines().take(3).collect::<Vec<_>>().join("\n")
    } else {
        errs.join("\n")
    }
}

/// Whether a failed link shows C++ ABI symbols missing from the library's own objects.
pub(crate) fn needs_cxx_runtime(output: &str) -> bool {
    [
        "__cxa_",
        "__gxx_personality",
        "operator delete(",
        "operator new(",
        "vtable for __cxxabiv1",
        "std::terminate",
    ]
    .iter()
    .any(|sig| output.contains(sig))
}

/// A one-line guess at why the sanity probe failed.
pub(crate) fn diagnose(output: &str) -> String {
    let o = output.to_ascii_lowercase();
    if o.contains("openssl/ssl.h") && (o.contains("no such file") || o.contains("not found")) {
        "the compiler cannot find <openssl/ssl.h>: the include directory is wrong or the headers are not installed (Debian: apt install libssl-dev)".into()
    } else if o.contains("cannot find -lssl")
        || o.contains("cannot find -lcrypto")
        || o.contains("unable to find library")
    {
        "the linker cannot find libssl/libcrypto in the library directories".into()
    } else if o.contains("undefined reference") || o.contains("undefined symbol") {
        "libssl was found but does not export SSL_CTX_new, or its dependencies are missing (static builds may need extra system libraries): the headers and the library may not belong together".into()
    } else if o.contains("unrecognized") || o.contains("unknown argument") || o.contains("invalid")
    {
        "the compiler rejected a flag (check CFLAGS / the compiler given by CC)".into()
    } else if output.trim().is_empty() {
        "the compiler failed without printing anything (is CC a real C compiler?)".into()
    } else {
        "see the compiler output below".into()
    }
}

/// Undefined symbols named in linker output (`undefined reference to `X'`, lld's
/// `undefined symbol: X`).
pub(crate) fn undefined_symbols(output: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (sym, _) in output.lines().filter_map(undefined_symbol) {
        if !v.contains(&sym) {
            v.push(sym);
        }
    }
    v
}

/// Whether an undefined symbol looks like one of the SSL library's own (`SSL_…`, `X509_…`,
/// `OPENSSL_…`, `OSSL_…`, `d2i_…`): upper-case prefix and an underscore, or the ASN.1 codecs.
pub(crate) fn is_library_symbol(sym: &str) -> bool {
    let prefix: String = sym.chars().take_while(|c| *c != '_').collect();
    (!prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && sym.len() > prefix.len() + 1
        && prefix.starts_with(|c: char| c.is_ascii_uppercase()))
        || sym.starts_with("d2i_")
        || sym.starts_with("i2d_")
}

/// The header/library consistency check every user of probe results must run (the build
/// script, [`crate::Probe`] and `sslprobe probe` all do): a probed API that compiled but did not
/// link because its own symbol (or any library-style symbol) is missing means the headers and
/// the libraries belong to different builds — [`Error::Mismatch`], never "absent". A missing
/// dependency of a static library is an [`Error::Mismatch`] too. The diagnosis is also written
/// to `log`.
///
/// ```no_run
/// # fn main() -> sslprobe_build::Result<()> {
/// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
/// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
/// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
/// let mut log = sslprobe_build::probe::Log::in_memory();
/// if let Err(e @ sslprobe_build::Error::Mismatch { .. }) = sslprobe_build::probe::check_links(&results, &mut log) {
///     // Headers of one build, libraries of another: no result of this run can be trusted.
///     return Err(e);
/// }
/// # Ok(()) }
/// ```
pub fn check_links(results: &Results, log: &mut Log) -> Result<()> {
    let mut mismatched: Vec<String> = Vec::new();
    let mut symbols: Vec<String> = Vec::new();
    let mut missing_deps = Vec::new();
    for a in results
        .apis
        .iter()
        .filter(|a| a.source == Source::Probe && !a.present)
    {
        let Some(f) = &a.failure else { continue };
        let syms = undefined_symbols(f);
        if syms.is_empty() {
            continue;
        }
        // Mach-O prefixes C symbols with an underscore.
        let c_name = |s: &String| s.strip_prefix('_').unwrap_or(s).to_string();
        let is_own = |s: &String| *s == a.name || c_name(s) == a.name;
        if syms
            .iter()
            .any(|s| is_own(s) || is_library_symbol(&c_name(s)))
        {
            if matches!(syms.as_slice(), [only] if is_own(only)) {
                mismatched.push(a.name.clone());
            } else {
                mismatched.push(format!("{} (undefined: {})", a.name, syms.join(", ")));
            }
            for s in syms {
                if !symbols.contains(&s) {
                    symbols.push(s);
                }
            }
        } else {
            missing_deps.push(format!("{} (undefined: {})", a.name, syms.join(", ")));
        }
    }
    let loc = &results.location;
    let dirs = |d: &[PathBuf]| {
        if d.is_empty() {
            "the compiler's default directories".to_string()
        } else {
            d.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if !mismatched.is_empty() {
        let accept: Vec<String> = results
            .apis
            .iter()
            .filter(|a| {
                mismatched
                    .iter()
                    .any(|m| m == &a.name || m.starts_with(&format!("{} (", a.name)))
            })
            .map(|a| format!("{}=0", crate::catalog::override_var_name(&a.name)))
            .collect();
        let e = Error::Mismatch {
            what: format!(
                "header/library mismatch: {} compile against the {} headers in {} but do not link. The symbols {} \
                 that those headers declare were not found in the libraries",
                mismatched.join(", "),
                results.library.describe(),
                dirs(&loc.include_dirs),
                symbols.join(", "),
            ),
            lib_dirs: loc.lib_dirs.clone(),
            hint: format!(
                "the headers and the libraries come from different builds or versions of the library, so no probe \
                 result can be trusted. Point OPENSSL_DIR (or OPENSSL_INCLUDE_DIR and OPENSSL_LIB_DIR) at one \
                 installation. To accept these APIs as absent anyway, set {}",
                accept.join(" ")
            ),
        };
        log.note(&format!("diagnosis: {e}"));
        return Err(e);
    }
    if !missing_deps.is_empty() {
        let e = Error::Mismatch {
            what: format!(
                "symbols the libraries in {} need are missing: {} compile but do not link because of references \
                 nothing provides",
                dirs(&loc.lib_dirs),
                missing_deps.join("; "),
            ),
            lib_dirs: loc.lib_dirs.clone(),
            hint: "a dependency of the (static?) libraries is missing from the link: add it with OPENSSL_LIBS or \
                   link the shared libraries (OPENSSL_STATIC=0); the log has the full linker output"
                .into(),
        };
        log.note(&format!("diagnosis: {e}"));
        return Err(e);
    }
    Ok(())
}

/// Compiles and links `int main(void) { return 0; }` with no OpenSSL at all. `Ok(None)`: the
/// toolchain works; `Ok(Some((command, output)))`: it does not.
pub(crate) fn toolchain_check(
    cc: &Compiler,
    scratch: &Path,
    log: &mut Log,
) -> Result<Option<(String, String)>> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = scratch.join(format!("toolchain-check-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let src_text =
        "/* sslprobe toolchain check: no OpenSSL involved */\nint main(void) { return 0; }\n";
    let src = dir.join("toolchain_check.c");
    std::fs::write(&src, src_text).map_err(|e| Error::io(&src, e))?;
    let mut cmd = cc.compile_link_command(&Location::none(), &src, &dir.join("toolchain_check"))?;
    let command = render_command(&cmd);
    let res = cmd.output();
    let _ = std::fs::remove_dir_all(&dir);
    let o = res.map_err(|e| Error::Toolchain {
        message: format!(
            "could not run the C compiler {}: {e}\n  command: {command}",
            cc.path().display()
        ),
    })?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    log.entry(
        "toolchain check (no OpenSSL)",
        src_text,
        &command,
        o.status.code(),
        &output,
    );
    Ok((!o.status.success()).then_some((command, output)))
}

/// The flags a compiler said it does not accept.
pub(crate) fn rejected_flags(output: &str) -> Vec<String> {
    const MARKERS: &[&str] = &[
        "unrecognized command-line option",
        "unrecognized command line option",
        "unrecognized option",
        "unknown argument:",
        "unknown argument",
        "unsupported option",
        "invalid argument",
        "unknown option",
    ];
    let mut v = Vec::new();
    for line in output.lines() {
        let Some(m) = MARKERS.iter().find(|m| line.contains(*m)) else {
            continue;
        };
        let rest = &line[line.find(m).map_or(0, |i| i + m.len())..];
        let flag: String = rest
            .trim_start_matches(|c: char| c.is_whitespace() || "`'‘’\":".contains(c))
            .chars()
            .take_while(|c| !c.is_whitespace() && !"`'‘’\";".contains(*c))
            .collect();
        if !flag.is_empty() && !v.contains(&flag) {
            v.push(flag);
        }
    }
    v
}

pub(crate) fn toolchain_diagnosis(output: &str, cc: &Compiler, target: &str) -> String {
    // The process environment, as the `cc` crate read it (a build script has already recorded
    // these names for `rerun-if-env-changed`).
    let vars = toolchain_vars(&crate::env::ProcessEnv::new(), target);
    let base = "the C toolchain itself is broken: even `int main(void) { return 0; }`, which needs no OpenSSL, does not \
                compile and link (command and output below), so this says nothing about the SSL library";
    let flags = rejected_flags(output);
    if !flags.is_empty() {
        let parts: Vec<String> = flags
            .iter()
            .map(|f| {
                let from: Vec<&str> = vars
                    .iter()
                    .filter(|(_, v)| v.split_whitespace().any(|w| w == f))
                    .map(|(k, _)| k.as_str())
                    .collect();
                if from.is_empty() {
                    format!("`{f}`")
                } else {
                    format!("`{f}` (from {})", from.join(", "))
                }
            })
            .collect();
        return format!(
            "the compiler rejected the flag {}; {base}",
            parts.join(", ")
        );
    }
    let cc_vars: Vec<String> = vars
        .iter()
        .filter(|(k, _)| k == "CC" || k.starts_with("CC_") || k.ends_with("_CC"))
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    let from = if cc_vars.is_empty() {
        String::new()
    } else {
        format!(" (from {})", cc_vars.join(", "))
    };
    if output.trim().is_empty() {
        format!(
            "the C compiler {}{from} failed without printing anything: it is not a working C compiler; {base}",
            cc.path().display()
        )
    } else {
        format!("the C compiler {}{from} fails; {base}", cc.path().display())
    }
}

/// Identification or the sanity probe failed: is it the toolchain or the library? One compile
/// and link of a program that needs no SSL library tells; a broken toolchain becomes a
/// [`Error::Sanity`] whose diagnosis names the flag or the compiler, anything else stands.
pub(crate) fn explain(e: Error, cc: &Compiler, scratch: &Path, log: &mut Log) -> Error {
    if !matches!(e, Error::Identify { .. } | Error::Sanity { .. }) {
        return e;
    }
    match toolchain_check(cc, scratch, log) {
        Ok(None) => {
            log.note("toolchain check passed: the C compiler works without OpenSSL, so the failure is about the OpenSSL headers or libraries");
            e
        }
        // The check used no include or library directory: say so rather than list the location's.
        Ok(Some((command, output))) => Error::Sanity {
            command,
            include_dirs: Vec::new(),
            lib_dirs: Vec::new(),
            diagnosis: toolchain_diagnosis(&output, cc, cc.target()),
            output,
        },
        Err(err) => err,
    }
}

/// Maps compiler and linker diagnostics to the blocks of `set` that caused them; returns the
/// culprits and up to three lines of diagnostics each.
pub(super) fn attribute(
    blocks: &[Block],
    set: &[usize],
    output: &str,
) -> (BTreeSet<usize>, BTreeMap<usize, String>) {
    let mut culprits = BTreeSet::new();
    let mut excerpts: BTreeMap<usize, String> = BTreeMap::new();
    let mut add = |i: usize, line: &str, culprits: &mut BTreeSet<usize>| {
        culprits.insert(i);
        let e = excerpts.entry(i).or_default();
        let line = line.trim();
        if e.lines().count() < 3 && !e.lines().any(|l| l == line) {
            if !e.is_empty() {
                e.push('\n');
            }
            e.push_str(line);
        }
    };
    let mut by_label: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in set {
        for inc in &blocks[i].includes {
            by_label.entry(include_label(inc)).or_default().push(i);
        }
    }
    let funcs: BTreeMap<&str, usize> = set.iter().map(|&i| (blocks[i].func.as_str(), i)).collect();
    // gcc/clang name the enclosing function before its first diagnostic (`x.c: In function
    // 'f':`) and reset with `At top level:`. That attributes errors whose location is inside a
    // library header, e.g. wolfSSL's `#define SSL_CTX_get_num_tickets wolfSSL_CTX_…` expanded
    // in a probe: the error points at the header line, the context names the probe.
    let mut in_function: Option<usize> = None;
    let mut compile_errors = false;
    for line in output.lines() {
        if line.contains("In function") {
            in_function = identifiers(line).find_map(|t| funcs.get(t).copied());
            continue;
        }
        if line.contains("At top level:") {
            in_function = None;
            continue;
        }
        let Some((file, l)) = error_location(line) else {
            continue;
        };
        compile_errors = true;
        let line = without_suggestion(line);
        let line = line.as_str();
        if let Some(users) = by_label.get(file) {
            for &i in users {
                add(i, line, &mut culprits);
            }
            continue;
        }
        let mut hit = false;
        for &i in set {
            let (lo, hi) = blocks[i].line_range();
            if blocks[i].file == file && l >= lo && l <= hi {
                add(i, line, &mut culprits);
                hit = true;
            }
        }
        if !hit {
            if let Some(i) = in_function {
                add(i, line, &mut culprits);
            }
        }
    }
    if compile_errors {
        return (culprits, excerpts);
    }
    // Link errors. The function is named by GNU ld on a preceding `in function` line, by gold
    // on the same line, by lld/mold on following `>>>` lines, by ld64 on following indented
    // lines; otherwise the undefined symbol is looked up in the block bodies.
    let by_func: BTreeMap<&str, usize> =
        set.iter().map(|&i| (blocks[i].func.as_str(), i)).collect();
    let ours = |text: &str| -> Vec<usize> {
        identifiers(text)
            .filter_map(|t| {
                by_func
                    .get(t)
                    .or_else(|| by_func.get(t.strip_prefix('_')?))
                    .copied()
            })
            .collect()
    };
    let lines: Vec<&str> = output.lines().collect();
    let mut context: Option<usize> = None;
    let mut unattributed = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let lower = line.to_ascii_lowercase();
        let undefined = undefined_symbol(line);
        if lower.contains("in function") && undefined.is_none() {
            // GNU ld: `…: in function `f':` sets the context for the lines after it.
            context = ours(line).first().copied();
            continue;
        }
        let Some((sym, phrase)) = undefined else {
            continue;
        };
        let mut hits = ours(line.split("undefined").next().unwrap_or(""));
        if hits.is_empty() {
            for next in &lines[k + 1..] {
                let t = next.trim_start();
                let lld = t.starts_with(">>>");
                let ld64 = next.starts_with("      ") && !t.is_empty();
                if !(lld || ld64) {
                    break;
                }
                hits.extend(ours(t));
            }
        }
        if hits.is_empty() {
            hits.extend(context);
        }
        for &i in &hits {
            add(i, &phrase, &mut culprits);
        }
        if hits.is_empty() {
            unattributed.push((sym, phrase));
        }
    }
    for (sym, phrase) in unattributed {
        let bare = sym.strip_prefix('_').unwrap_or(&sym);
        for &i in set {
            if identifiers(&blocks[i].body).any(|t| t == sym || t == bare) {
                add(i, &phrase, &mut culprits);
            }
        }
    }
    (culprits, excerpts)
}

/// Why `block` (alone in `set`, possibly with the sanity probe) failed: its attributed
/// diagnostics, which read the same as in a batch, else the first error lines.
pub(super) fn failure_text(blocks: &[Block], set: &[usize], block: usize, output: &str) -> String {
    let (_, excerpts) = attribute(blocks, set, output);
    excerpts
        .get(&block)
        .cloned()
        .unwrap_or_else(|| first_errors(output))
}

/// Compiler output as plain text: ANSI escape sequences (colour forced by a wrapper or a flag)
/// removed, so that locations and linker messages can be read.
pub(crate) fn plain(output: &str) -> String {
    if !output.contains('\x1b') {
        return output.to_string();
    }
    let mut out = String::with_capacity(output.len());
    let mut chars = output.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: ESC [ parameters final-byte (0x40..=0x7e).
            Some('[') => {
                chars.next();
                for d in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&d) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks): ESC ] ... (BEL | ESC \).
            Some(']') => {
                chars.next();
                while let Some(d) = chars.next() {
                    if d == '\x07' {
                        break;
                    }
                    if d == '\x1b' {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_symbols_from_gnu_ld_and_lld() {
        let gnu = "/usr/bin/ld: /tmp/x.o: in function `sslprobe_ssl_ctx_set_num_tickets__fn':\nprobes/ssl_ctx_set_num_tickets.c:5: undefined reference to `SSL_CTX_set_num_tickets'\ncollect2: error: ld returned 1 exit status";
        assert_eq!(undefined_symbols(gnu), ["SSL_CTX_set_num_tickets"]);
        let utf8 = "x.c:(.text+0x1): undefined reference to ‘SSL_set_num_tickets’";
        assert_eq!(undefined_symbols(utf8), ["SSL_set_num_tickets"]);
        let lld = "ld.lld: error: undefined symbol: SSL_CTX_get_num_tickets\n>>> referenced by x.c";
        assert_eq!(undefined_symbols(lld), ["SSL_CTX_get_num_tickets"]);
        assert!(undefined_symbols("x.c:3:5: error: 'SSL_X' undeclared").is_empty());
    }

    #[test]
    fn library_symbols() {
        for s in [
            "SSL_get1_peer_certificate",
            "X509_get_signature_info",
            "OPENSSL_init_ssl",
            "OSSL_LIB_CTX_new",
            "BIO_meth_new",
            "d2i_X509",
            "EVP_MD_fetch",
        ] {
            assert!(is_library_symbol(s), "{s}");
        }
        for s in [
            "dlopen",
            "pthread_once",
            "__cxa_throw",
            "_Unwind_Resume",
            "SSL",
            "SSL_",
            "memcpy",
        ] {
            assert!(!is_library_symbol(s), "{s}");
        }
    }

    #[test]
    fn rejected_flags_from_gcc_and_clang() {
        assert_eq!(
            rejected_flags(
                "gcc: error: unrecognized command-line option '--definitely-not-a-flag'"
            ),
            ["--definitely-not-a-flag"]
        );
        assert_eq!(
            rejected_flags(
                "gcc: error: unrecognized command-line option ‘--bogus’; did you mean ‘--bogo’?"
            ),
            ["--bogus"]
        );
        assert_eq!(
            rejected_flags("clang: error: unknown argument: '--definitely-not-a-flag'"),
            ["--definitely-not-a-flag"]
        );
        assert!(rejected_flags("x.c:1:1: error: expected ';'").is_empty());
    }

    #[test]
    fn recognises_a_missing_cxx_runtime() {
        assert!(needs_cxx_runtime(
            "libssl.a(ssl_key_share.cc.o): in function `x': undefined reference to `operator delete(void*, unsigned long)'"
        ));
        assert!(needs_cxx_runtime(
            "undefined reference to `__cxa_begin_catch'"
        ));
        assert!(!needs_cxx_runtime("undefined reference to `SSL_CTX_new'"));
        assert!(!needs_cxx_runtime("cannot find -lssl"));
    }

    #[test]
    fn parses_error_locations() {
        assert_eq!(
            error_location("probes/a.c:12:5: error: foo"),
            Some(("probes/a.c", 12))
        );
        assert_eq!(
            error_location("probes/a.c:12: error: foo"),
            Some(("probes/a.c", 12))
        );
        assert_eq!(
            error_location("/x/y:z.c:3:1: fatal error: x.h: No such file"),
            Some(("/x/y:z.c", 3))
        );
        assert_eq!(
            error_location("sslprobe-include <openssl/quic.h>:1:10: fatal error: openssl/quic.h: No such file or directory"),
            Some(("sslprobe-include <openssl/quic.h>", 1))
        );
        assert_eq!(
            error_location("collect2: error: ld returned 1 exit status"),
            None
        );
        assert_eq!(
            error_location("cc1: error: unrecognized command-line option '-fnope'"),
            None
        );
        assert_eq!(
            error_location(
                "/tmp/a.o:probe3.c:function sslprobe_a__fn: error: undefined reference to 'X'"
            ),
            None
        );
        assert_eq!(error_location("note: something"), None);
    }

    #[test]
    fn depfiles() {
        let src = Path::new("/s/probe1.c");
        let d = "sslprobe: /s/probe1.c /usr/include/openssl/ssl.h \\\n /usr/include/my\\ dir/x.h /p/$$x.h \\\n  /usr/include/stdio.h\n";
        assert_eq!(
            parse_depfile(d, src),
            [
                "/usr/include/openssl/ssl.h",
                "/usr/include/my dir/x.h",
                "/p/$x.h",
                "/usr/include/stdio.h"
            ]
            .map(PathBuf::from)
        );
    }
}
