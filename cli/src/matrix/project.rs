//! The crate `sslprobe matrix` runs in, as `cargo metadata` describes it: where its target
//! directory is, whether it uses `openssl-sys` and `sslprobe`, and which feature makes
//! `openssl-sys` generate its bindings (BoringSSL, AWS-LC).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
    #[serde(default)]
    resolve: Option<Resolve>,
}

#[derive(Deserialize)]
struct Resolve {
    root: Option<String>,
}

#[derive(Deserialize)]
struct Package {
    id: String,
    name: String,
    version: String,
    manifest_path: PathBuf,
    #[serde(default)]
    dependencies: Vec<Dependency>,
    #[serde(default)]
    features: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
    #[serde(default)]
    rename: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// What `sslprobe matrix` needs to know about the crate it runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The workspace root.
    pub workspace_root: PathBuf,
    /// The crate's cargo target directory (honouring `CARGO_TARGET_DIR` and cargo's config).
    pub target_dir: PathBuf,
    /// The package in the current directory (`None` at a virtual workspace root).
    pub package: Option<String>,
    /// Its version.
    pub package_version: Option<String>,
    /// `openssl-sys` is somewhere in the dependency graph: the `OPENSSL_*` variables matter.
    pub uses_openssl_sys: bool,
    /// `sslprobe` is in the dependency graph: its build script's findings can be shown.
    pub uses_sslprobe: bool,
    /// The `--features` value that turns on `openssl-sys`'s `bindgen` feature from this
    /// package (`openssl/bindgen`, `openssl-sys/bindgen`, a renamed dependency's, or a feature
    /// of its own that does it), if any.
    pub bindgen_feature: Option<String>,
}

impl Project {
    /// Where the per-library cargo target directories and logs go: `<target>/sslprobe-matrix`.
    pub fn matrix_dir(&self) -> PathBuf {
        self.target_dir.join("sslprobe-matrix")
    }
}

/// Runs `cargo metadata` in `dir` and reads the [`Project`]. Fails, with cargo's own message,
/// when `dir` is not inside a crate.
pub fn read(dir: &Path) -> Result<Project> {
    let cargo = std::env::var_os("CARGO")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {} metadata", cargo.to_string_lossy()))?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` failed in {} (run sslprobe matrix in a crate's directory): {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let manifest = locate_manifest(dir);
    parse(&out.stdout, manifest.as_deref())
}

/// The `Cargo.toml` of the package `dir` is in (the nearest one at or above it).
fn locate_manifest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .map(|m| m.canonicalize().unwrap_or(m))
}

/// Reads `cargo metadata` output; `manifest` is the `Cargo.toml` of the current directory's
/// package (when it is a member, that package is the one the command builds).
pub fn parse(json: &[u8], manifest: Option<&Path>) -> Result<Project> {
    let meta: Metadata = serde_json::from_slice(json).context("reading `cargo metadata` output")?;
    let here = manifest.and_then(|m| {
        meta.packages.iter().find(|p| {
            p.manifest_path
                .canonicalize()
                .unwrap_or(p.manifest_path.clone())
                == m
        })
    });
    let root_id = meta.resolve.as_ref().and_then(|r| r.root.as_deref());
    let package = here.or_else(|| {
        meta.packages
            .iter()
            .find(|p| Some(p.id.as_str()) == root_id)
    });
    Ok(Project {
        workspace_root: meta.workspace_root.clone(),
        target_dir: meta.target_directory.clone(),
        package: package.map(|p| p.name.clone()),
        package_version: package.map(|p| p.version.clone()),
        uses_openssl_sys: meta.packages.iter().any(|p| p.name == "openssl-sys"),
        uses_sslprobe: meta.packages.iter().any(|p| p.name == "sslprobe"),
        bindgen_feature: package.and_then(bindgen_feature),
    })
}

/// The feature to pass for `openssl-sys` to use the bindgen library: a normal dependency on
/// `openssl-sys` (`<name>/bindgen`, renamed or not), else one on `openssl` (whose `bindgen`
/// feature forwards to it), else a feature of the package itself that enables either.
fn bindgen_feature(p: &Package) -> Option<String> {
    let normal = |d: &&Dependency| d.kind.is_none();
    let local = |d: &Dependency| d.rename.clone().unwrap_or_else(|| d.name.clone());
    for wanted in ["openssl-sys", "openssl"] {
        if let Some(d) = p
            .dependencies
            .iter()
            .filter(normal)
            .find(|d| d.name == wanted)
        {
            return Some(format!("{}/bindgen", local(d)));
        }
    }
    // a feature of its own that forwards (the `openssl` crate: `bindgen = ["ffi/bindgen"]`)
    let targets: Vec<String> = p
        .dependencies
        .iter()
        .filter(|d| d.name == "openssl-sys" || d.name == "openssl")
        .map(|d| format!("{}/bindgen", local(d)))
        .collect();
    p.features
        .iter()
        .find(|(_, enables)| enables.iter().any(|e| targets.contains(e)))
        .map(|(name, _)| name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(root_deps: &str, features: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"packages":[
              {{"id":"app 0.1.0","name":"app","version":"0.1.0","manifest_path":"/w/app/Cargo.toml",
                "dependencies":[{root_deps}],"features":{{{features}}}}}
              {extra}],
             "workspace_root":"/w","target_directory":"/w/target",
             "resolve":{{"root":"app 0.1.0"}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_crate_using_openssl() {
        let json = meta(
            r#"{"name":"openssl","rename":null,"kind":null},{"name":"hex","kind":"dev"}"#,
            "",
            r#",{"id":"openssl-sys","name":"openssl-sys","version":"0.9.1","manifest_path":"/r/openssl-sys/Cargo.toml"}"#,
        );
        let p = parse(&json, None).unwrap();
        assert_eq!(p.package.as_deref(), Some("app"));
        assert_eq!(p.package_version.as_deref(), Some("0.1.0"));
        assert_eq!(p.target_dir, Path::new("/w/target"));
        assert_eq!(p.matrix_dir(), Path::new("/w/target/sslprobe-matrix"));
        assert!(p.uses_openssl_sys);
        assert!(!p.uses_sslprobe);
        assert_eq!(p.bindgen_feature.as_deref(), Some("openssl/bindgen"));
    }

    #[test]
    fn renamed_dependencies_and_forwarding_features() {
        // openssl-sys itself renamed (`ffi`) as a normal dependency: the dependency's feature
        let json = meta(
            r#"{"name":"openssl-sys","rename":"ffi","kind":null}"#,
            "",
            "",
        );
        assert_eq!(
            parse(&json, None).unwrap().bindgen_feature.as_deref(),
            Some("ffi/bindgen")
        );
        // only as an optional build of its own feature: the package's feature
        let json = meta(
            r#"{"name":"openssl-sys","rename":"ffi","kind":"build"}"#,
            r#""vendored":[],"bindgen":["ffi/bindgen"]"#,
            "",
        );
        assert_eq!(
            parse(&json, None).unwrap().bindgen_feature.as_deref(),
            Some("bindgen")
        );
        // nothing to turn on
        let json = meta(r#"{"name":"libc","kind":null}"#, "", "");
        let p = parse(&json, None).unwrap();
        assert_eq!(p.bindgen_feature, None);
        assert!(!p.uses_openssl_sys);
    }

    #[test]
    fn a_virtual_workspace_has_no_package() {
        let json = br#"{"packages":[],"workspace_root":"/w","target_directory":"/t",
                        "resolve":{"root":null}}"#;
        let p = parse(json, None).unwrap();
        assert_eq!(p.package, None);
        assert_eq!(p.bindgen_feature, None);
        assert!(parse(b"not json", None).is_err());
    }
}
