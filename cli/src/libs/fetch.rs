//! Getting sources: a crate's from the package registry with cargo itself (so mirrors,
//! proxies and `CARGO_HOME` settings are honoured), and release tarballs from the sources
//! directory ([`sources_dir`]), checked against its `SHA256SUMS` before use.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::log::Log;

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    manifest_path: PathBuf,
}

/// Scratch manifest depending on exactly `name = "=version"`. It is its own
/// workspace root, so a cache inside some workspace does not confuse cargo.
fn scratch_manifest(name: &str, version: &str) -> String {
    format!(
        "[package]\nname = \"sslprobe-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\n{name} = \"={version}\"\n"
    )
}

/// Finds `name`@`version` in `cargo metadata` output, returning its source directory.
fn source_dir(metadata_json: &[u8], name: &str, version: &str) -> Result<PathBuf> {
    let meta: Metadata =
        serde_json::from_slice(metadata_json).context("parsing `cargo metadata` output")?;
    let pkg = meta
        .packages
        .iter()
        .find(|p| p.name == name && p.version == version)
        .with_context(|| format!("`cargo metadata` did not resolve {name} {version}"))?;
    pkg.manifest_path
        .parent()
        .map(Path::to_path_buf)
        .context("manifest path has no parent")
}

/// Makes cargo download and unpack `name` `=version` (a scratch project in
/// `work`, `cargo metadata`), and returns the unpacked source directory inside
/// cargo's registry (read-only use: copy out of it). Retries with `--offline`
/// when the online attempt fails and the crate may already be local.
pub fn fetch_crate(name: &str, version: &str, work: &Path, log: &mut Log) -> Result<PathBuf> {
    std::fs::create_dir_all(work.join("src"))
        .with_context(|| format!("creating {}", work.display()))?;
    std::fs::write(work.join("Cargo.toml"), scratch_manifest(name, version))?;
    std::fs::write(work.join("src/lib.rs"), "")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut last_err = None;
    for offline in [false, true] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(work.join("Cargo.toml"))
            .current_dir(work)
            .stdin(Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        match log.output(&mut cmd) {
            Ok(stdout) => return source_dir(&stdout, name, version),
            Err(e) => last_err = Some(e),
        }
    }
    let err = last_err.unwrap_or_else(|| anyhow::anyhow!("cargo metadata did not run"));
    bail!("fetching {name} {version} from the registry failed: {err:#}")
}

/// Environment variable naming the directory that holds release tarballs and their `SHA256SUMS`.
pub const SOURCES_ENV: &str = "SSLPROBE_SOURCES";

/// The checksum file every sources directory must have.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// A sources directory used when `$SSLPROBE_SOURCES` is not set (this repository's developer
/// tasks use `../shared/sources` beside the checkout; the `sslprobe` command has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultSources {
    /// How to name it in messages, e.g. `../shared/sources (beside the workspace)`.
    pub description: String,
    /// The directory.
    pub dir: PathBuf,
}

/// Where the sources directory is looked for: `(description, directory)` pairs, in order.
/// `$SSLPROBE_SOURCES` when set and non-empty (relative to `cwd`) is the only candidate;
/// otherwise the default, if any.
fn source_candidates(
    env: Option<OsString>,
    cwd: &Path,
    default: Option<&DefaultSources>,
) -> Vec<(String, PathBuf)> {
    match env.filter(|v| !v.is_empty()) {
        Some(v) => vec![(format!("${SOURCES_ENV}"), cwd.join(v))],
        None => default
            .map(|d| (d.description.clone(), d.dir.clone()))
            .into_iter()
            .collect(),
    }
}

/// Resolves the sources directory: `$SSLPROBE_SOURCES` (which must then be a directory), else
/// the default when it exists. `Ok(Err(why))`, saying what to set, when there is none.
fn resolve_sources(
    env: Option<OsString>,
    cwd: &Path,
    default: Option<&DefaultSources>,
) -> Result<std::result::Result<PathBuf, String>> {
    let explicit = env.as_ref().is_some_and(|v| !v.is_empty());
    let mut looked = Vec::new();
    for (what, dir) in source_candidates(env, cwd, default) {
        if dir.is_dir() {
            return Ok(Ok(dir));
        }
        if explicit {
            bail!("{what} is {}, which is not a directory", dir.display());
        }
        looked.push(format!("{what}: {} does not exist", dir.display()));
    }
    let mut why = format!("{SOURCES_ENV} is not set");
    for l in looked {
        why.push_str("; ");
        why.push_str(&l);
    }
    Ok(Err(why))
}

/// The sources directory, or why there is none (see [`SOURCES_ENV`]): `Ok(Err(reason))` when
/// none was found, `Err` when `$SSLPROBE_SOURCES` names something that is not a directory.
/// `default` is used when the variable is not set.
pub fn sources_dir_with(
    default: Option<&DefaultSources>,
) -> Result<std::result::Result<PathBuf, String>> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    resolve_sources(std::env::var_os(SOURCES_ENV), &cwd, default)
}

/// [`sources_dir_with`] without a default: `$SSLPROBE_SOURCES` or nothing.
pub fn sources_dir() -> Result<std::result::Result<PathBuf, String>> {
    sources_dir_with(None)
}

/// The expected SHA256 of `file` in a checksum list: GNU `sha256sum` lines (`<hex>  <file>`,
/// `<hex> *<file>`) or BSD/`sha256 -r` tag lines (`SHA256 (<file>) = <hex>`, as LibreSSL's release
/// site writes them).
fn expected_sha256(sums: &str, file: &str) -> Option<String> {
    let is_hex = |h: &str| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit());
    for line in sums.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("SHA256 (") {
            if let Some((name, hex)) = rest.split_once(") = ") {
                if name == file && is_hex(hex.trim()) {
                    return Some(hex.trim().to_ascii_lowercase());
                }
            }
        } else if let Some((hex, name)) = line.split_once(char::is_whitespace) {
            let name = name.trim_start();
            let name = name.strip_prefix('*').unwrap_or(name);
            if name == file && is_hex(hex) {
                return Some(hex.to_ascii_lowercase());
            }
        }
    }
    None
}

/// The SHA256 of a file, computed by `sha256sum`.
fn sha256_of(path: &Path, log: &mut Log) -> Result<String> {
    let out = log.output(Command::new("sha256sum").arg("--").arg(path))?;
    let text = String::from_utf8_lossy(&out);
    let hex = text.split_whitespace().next().unwrap_or_default();
    if hex.len() != 64 {
        bail!("sha256sum printed `{}` for {}", text.trim(), path.display());
    }
    Ok(hex.to_ascii_lowercase())
}

/// Finds `file` in the sources directory and checks it against the directory's `SHA256SUMS`.
/// Returns the tarball's path and its SHA256. Every way this can fail (no directory, no
/// tarball, no checksum file, no line for the tarball, a different checksum) is an error
/// that says which, and where it looked.
pub fn verified_tarball(
    file: &str,
    default: Option<&DefaultSources>,
    log: &mut Log,
) -> Result<(PathBuf, String)> {
    let dir = match sources_dir_with(default)? {
        Ok(dir) => dir,
        Err(looked) => return Err(no_sources(file, &looked).into()),
    };
    verify_in(&dir, file, log)
}

/// A release tarball that is not there: the library cannot be built until the user provides
/// it (set [`SOURCES_ENV`]). Distinct from a build that fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoTarball {
    /// The tarball's file name.
    pub file: String,
    /// What is missing and what to set, in one sentence.
    pub why: String,
}

impl std::fmt::Display for NoTarball {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for NoTarball {}

/// Checks, without reading it, that `file` is in the sources directory: the cheap question
/// asked before a build starts, so that a missing tarball leaves nothing half-built behind.
pub fn tarball_present(file: &str, default: Option<&DefaultSources>) -> Result<()> {
    match sources_dir_with(default)? {
        Ok(dir) if dir.join(file).is_file() => Ok(()),
        Ok(dir) => Err(not_in(&dir, file).into()),
        Err(looked) => Err(no_sources(file, &looked).into()),
    }
}

/// The [`NoTarball`] for a sources directory without the file.
fn not_in(dir: &Path, file: &str) -> NoTarball {
    NoTarball {
        file: file.to_string(),
        why: format!(
            "no source tarball: {} does not exist (sources directory {}; {SOURCES_ENV} names the \
             directory holding {file} and a {SHA256SUMS} listing it)",
            dir.join(file).display(),
            dir.display()
        ),
    }
}

/// The [`NoTarball`] for a missing sources directory.
fn no_sources(file: &str, looked: &str) -> NoTarball {
    NoTarball {
        file: file.to_string(),
        why: format!(
            "no source tarball for {file} ({looked}): put {file} and a {SHA256SUMS} listing it \
             (LibreSSL's release site publishes both) in a directory and set {SOURCES_ENV} to it"
        ),
    }
}

/// [`verified_tarball`] in a given directory.
fn verify_in(dir: &Path, file: &str, log: &mut Log) -> Result<(PathBuf, String)> {
    let path = dir.join(file);
    if !path.is_file() {
        return Err(not_in(dir, file).into());
    }
    let sums_path = dir.join(SHA256SUMS);
    let sums = std::fs::read_to_string(&sums_path).with_context(|| {
        format!(
            "{file} cannot be verified: reading {} failed",
            sums_path.display()
        )
    })?;
    let want = expected_sha256(&sums, file)
        .with_context(|| format!("{} has no SHA256 line for {file}", sums_path.display()))?;
    let got = sha256_of(&path, log)?;
    if got != want {
        bail!(
            "checksum mismatch for {}: SHA256 is {got}, {} says {want}; refusing to build it",
            path.display(),
            sums_path.display()
        );
    }
    log.note(&format!(
        "{} sha256 {got} matches {SHA256SUMS}",
        path.display()
    ));
    Ok((path, got))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sslprobe-fetch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn checksum_lines_in_both_formats() {
        let gnu = format!("{ABC}  lib-1.tar.gz\n{}  other.tar.gz\n", "0".repeat(64));
        assert_eq!(expected_sha256(&gnu, "lib-1.tar.gz").as_deref(), Some(ABC));
        assert_eq!(expected_sha256(&gnu, "lib-2.tar.gz"), None);
        let star = format!(
            "{}  x\n{} *lib-1.tar.gz\n",
            "1".repeat(64),
            ABC.to_uppercase()
        );
        assert_eq!(expected_sha256(&star, "lib-1.tar.gz").as_deref(), Some(ABC));
        let bsd = format!(
            "SHA256 (lib-1.tar.gz.asc) = {}\nSHA256 (lib-1.tar.gz) = {ABC}\n",
            "2".repeat(64)
        );
        assert_eq!(expected_sha256(&bsd, "lib-1.tar.gz").as_deref(), Some(ABC));
        assert_eq!(
            expected_sha256("garbage lib-1.tar.gz\n", "lib-1.tar.gz"),
            None
        );
    }

    #[test]
    fn tarballs_are_verified_before_use() {
        let dir = scratch("verify");
        let mut log = Log::create(&dir.join("log")).unwrap();
        // missing tarball
        let e = verify_in(&dir, "lib-1.tar.gz", &mut log)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no source tarball") && e.contains("lib-1.tar.gz"),
            "{e}"
        );
        std::fs::write(dir.join("lib-1.tar.gz"), "abc").unwrap();
        // missing SHA256SUMS
        let e = format!(
            "{:#}",
            verify_in(&dir, "lib-1.tar.gz", &mut log).unwrap_err()
        );
        assert!(
            e.contains("cannot be verified") && e.contains(SHA256SUMS),
            "{e}"
        );
        // no line for it
        std::fs::write(dir.join(SHA256SUMS), format!("{ABC}  other.tar.gz\n")).unwrap();
        let e = verify_in(&dir, "lib-1.tar.gz", &mut log)
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no SHA256 line for lib-1.tar.gz"), "{e}");
        // right checksum
        std::fs::write(dir.join(SHA256SUMS), format!("{ABC}  lib-1.tar.gz\n")).unwrap();
        let (path, sum) = verify_in(&dir, "lib-1.tar.gz", &mut log).unwrap();
        assert_eq!((path, sum.as_str()), (dir.join("lib-1.tar.gz"), ABC));
        // a changed byte
        std::fs::write(dir.join("lib-1.tar.gz"), "abd").unwrap();
        let e = verify_in(&dir, "lib-1.tar.gz", &mut log)
            .unwrap_err()
            .to_string();
        assert!(e.contains("checksum mismatch") && e.contains(ABC), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sources_directory_resolution() {
        let root = scratch("sources");
        let shared = root.join("shared/sources");
        let default = DefaultSources {
            description: "../shared/sources (beside the workspace)".into(),
            dir: shared.clone(),
        };
        // no variable, no default: nothing, and the reason names the variable
        let why = resolve_sources(None, &root, None).unwrap().unwrap_err();
        assert!(why.contains(SOURCES_ENV), "{why}");
        // a default that does not exist: not found, saying where it looked
        let why = resolve_sources(None, &root, Some(&default))
            .unwrap()
            .unwrap_err();
        assert!(
            why.contains(SOURCES_ENV) && why.contains("shared/sources"),
            "{why}"
        );
        std::fs::create_dir_all(&shared).unwrap();
        assert_eq!(
            resolve_sources(None, &root, Some(&default)).unwrap(),
            Ok(shared.clone())
        );
        assert_eq!(
            resolve_sources(Some("".into()), &root, Some(&default)).unwrap(),
            Ok(shared)
        );
        // the variable wins, relative to the current directory
        std::fs::create_dir_all(root.join("mine")).unwrap();
        assert_eq!(
            resolve_sources(Some("mine".into()), &root, Some(&default)).unwrap(),
            Ok(root.join("mine"))
        );
        // and must be a directory
        let e = resolve_sources(Some("nope".into()), &root, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(SOURCES_ENV) && e.contains("not a directory"),
            "{e}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_tarball_is_its_own_error() {
        let dir = scratch("notarball");
        let mut log = Log::create(&dir.join("log")).unwrap();
        let e = verify_in(&dir, "libressl-9.9.9.tar.gz", &mut log).unwrap_err();
        let missing = e.downcast_ref::<NoTarball>().expect("a NoTarball error");
        assert_eq!(missing.file, "libressl-9.9.9.tar.gz");
        assert!(missing.why.contains(SOURCES_ENV), "{}", missing.why);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn manifest_pins_exact_version() {
        let m = scratch_manifest("openssl-src", "111.28.2+1.1.1w");
        assert!(m.contains("openssl-src = \"=111.28.2+1.1.1w\""));
        assert!(m.contains("[workspace]"));
    }

    #[test]
    fn finds_package_in_metadata() {
        let json = br#"{"packages":[
            {"name":"cc","version":"1.2.0","manifest_path":"/r/cc-1.2.0/Cargo.toml"},
            {"name":"openssl-src","version":"111.28.2+1.1.1w",
             "manifest_path":"/r/openssl-src-111.28.2+1.1.1w/Cargo.toml"}]}"#;
        let dir = source_dir(json, "openssl-src", "111.28.2+1.1.1w").unwrap();
        assert_eq!(dir, Path::new("/r/openssl-src-111.28.2+1.1.1w"));
        assert!(source_dir(json, "openssl-src", "111.28.1+1.1.1w").is_err());
    }
}
