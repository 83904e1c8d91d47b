//! Getting a crate's sources from crates.io with cargo itself (so mirrors,
//! proxies and `CARGO_HOME` settings are honoured).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::build::Log;

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

#[cfg(test)]
mod tests {
    use super::*;

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
