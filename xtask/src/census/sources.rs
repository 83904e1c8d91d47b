//! Where each examined release's public headers come from, and getting them into the cache.
//!
//! * OpenSSL: every release from 1.1.0 that an `openssl-src` version of the package registry
//!   carries ([`OPENSSL_SRC`], pinned: the newest non-yanked crate version of each upstream
//!   release). Headers need only the configure step: `perl Configure` out of tree, then `make`
//!   of the generated `include/openssl/*.h` (from their `.h.in` templates) — no library build.
//! * LibreSSL: the release tarballs in the shared sources folder (checked against its
//!   `SHA256SUMS`) and the tarball inside the `libtls-sys` crate the matrix table uses.
//! * BoringSSL / AWS-LC: the `boring-sys` / `aws-lc-sys` crate versions of the matrix table.
//! * Matrix libraries that are releases of their own (see [`exports::own_release`]): the
//!   distribution packages (Debian's `libwolfssl-dev`, whose OpenSSL compatibility headers live
//!   in `wolfssl/openssl/`, and `android-libboringssl-dev`) and the shared builds (a shared
//!   configuration installs other headers than the static one, and a shared library exports
//!   less than a static one defines): their installed headers and exports, where
//!   `cargo xtask libs` put them (nothing is built or installed here).
//!
//! Cache layout (below the library cache, `$SSLPROBE_MATRIX_CACHE` or `~/.cache/sslprobe/libs`):
//! `census/<family>-<version>/include/openssl/*.h` plus `headers.stamp`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use sslprobe_build::{Family, Version};

use super::exports;
use crate::libs::{self, Linkage, Recipe, Source, LIBS};

/// Bump when the way headers are prepared changes (invalidates cached header trees).
pub const HEADERS_REVISION: u32 = 1;

/// `openssl-src` crate versions examined: the newest non-yanked crate version of every upstream
/// release from 1.1.0 on (1.1.1r and 3.0.6 exist only as yanked crate versions, so they are not
/// examined; 110.0.0 carries no upstream version).
pub const OPENSSL_SRC: &[&str] = &[
    "110.0.1+1.1.0f",
    "110.0.6+1.1.0h",
    "110.0.7+1.1.0i",
    "111.0.1+1.1.1",
    "111.1.1+1.1.1a",
    "111.2.1+1.1.1b",
    "111.5.0+1.1.1c",
    "111.6.1+1.1.1d",
    "111.7.0+1.1.1e",
    "111.8.1+1.1.1f",
    "111.10.2+1.1.1g",
    "111.12.0+1.1.1h",
    "111.13.0+1.1.1i",
    "111.14.0+1.1.1j",
    "111.15.0+1.1.1k",
    "111.16.0+1.1.1l",
    "111.17.0+1.1.1m",
    "111.18.0+1.1.1n",
    "111.20.0+1.1.1o",
    "111.21.0+1.1.1p",
    "111.22.0+1.1.1q",
    "111.24.0+1.1.1s",
    "111.25.2+1.1.1t",
    "111.26.0+1.1.1u",
    "111.27.0+1.1.1v",
    "111.28.2+1.1.1w",
    "300.0.3+3.0.0",
    "300.0.4+3.0.1",
    "300.0.5+3.0.2",
    "300.0.7+3.0.3",
    "300.0.8+3.0.4",
    "300.0.9+3.0.5",
    "300.0.11+3.0.7",
    "300.0.13+3.0.8",
    "300.1.1+3.1.0",
    "300.1.2+3.1.1",
    "300.1.4+3.1.2",
    "300.1.5+3.1.3",
    "300.1.6+3.1.4",
    "300.2.1+3.2.0",
    "300.2.3+3.2.1",
    "300.3.0+3.3.0",
    "300.3.1+3.3.1",
    "300.3.2+3.3.2",
    "300.4.1+3.4.0",
    "300.4.2+3.4.1",
    "300.5.0+3.5.0",
    "300.5.1+3.5.1",
    "300.5.2+3.5.2",
    "300.5.4+3.5.4",
    "300.5.5+3.5.5",
    "300.6.0+3.6.2",
    "300.6.1+3.6.3",
    "400.0.0+4.0.1",
    "400.0.1+4.0.2",
    "400.0.2+4.0.3",
];

/// How one release's headers are obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `openssl-src` at this crate version, configured out of tree.
    OpenSslSrc(&'static str),
    /// A LibreSSL tarball in the shared sources folder.
    SharedTarball(PathBuf),
    /// A LibreSSL tarball at the root of a crate.
    CrateTarball {
        /// Crate name.
        name: &'static str,
        /// Exact crate version.
        version: &'static str,
        /// File name of the tarball at the crate root.
        tarball: &'static str,
    },
    /// A matrix library that is a release of its own (its key), read where `cargo xtask libs`
    /// built or installed it.
    Library(&'static str),
    /// Headers copied from a crate's include directory.
    CrateInclude {
        /// Crate name.
        name: &'static str,
        /// Exact crate version.
        version: &'static str,
        /// Directory (inside the crate) holding `openssl/`.
        include_dir: &'static str,
    },
}

/// One release to examine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// Family.
    pub family: Family,
    /// The version its source says it is (checked against the headers' own macros); `None`
    /// where only the headers can tell (BoringSSL's API version, AWS-LC).
    pub version: Option<Version>,
    /// Short label for messages and the cache directory.
    pub label: String,
    /// Where its headers come from.
    pub origin: Origin,
}

/// Every release the census examines, in a stable order.
pub fn releases() -> Result<Vec<Release>> {
    let mut out = Vec::new();
    for v in OPENSSL_SRC {
        let upstream = v.split_once('+').map(|(_, u)| u).context("no +upstream")?;
        out.push(Release {
            family: Family::OpenSsl,
            version: Some(Version::parse(upstream)?),
            label: format!("openssl-{upstream}"),
            origin: Origin::OpenSslSrc(v),
        });
    }
    // the shared sources folder, found as `cargo xtask libs` finds it
    let shared =
        libs::sources_dir()?.map_err(|why| anyhow::anyhow!("no LibreSSL tarballs: {why}"))?;
    let mut tarballs: Vec<PathBuf> = std::fs::read_dir(&shared)
        .with_context(|| format!("reading the shared sources folder {}", shared.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libressl-") && n.ends_with(".tar.gz"))
        })
        .collect();
    tarballs.sort();
    for t in tarballs {
        let name = t.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let v = name
            .trim_start_matches("libressl-")
            .trim_end_matches(".tar.gz");
        out.push(Release {
            family: Family::LibreSsl,
            version: Some(Version::parse(v)?),
            label: format!("libressl-{v}"),
            origin: Origin::SharedTarball(t.clone()),
        });
    }
    for lib in LIBS {
        let Source::Crate {
            name,
            version,
            recipe,
        } = lib.source
        else {
            continue;
        };
        let origin = match recipe {
            // OpenSSL: every release is in OPENSSL_SRC; LibreSSL tarballs of the shared sources
            // folder are all examined above
            Recipe::OpenSsl { .. } | Recipe::LibreSsl => continue,
            Recipe::LibreSslTarball { tarball } => Origin::CrateTarball {
                name,
                version,
                tarball,
            },
            Recipe::BoringSsl { include_dir, .. } => Origin::CrateInclude {
                name,
                version,
                include_dir,
            },
            Recipe::AwsLc { cmake_dir } => Origin::CrateInclude {
                name,
                version,
                include_dir: Box::leak(format!("{cmake_dir}/include").into_boxed_str()),
            },
        };
        let expected = match lib.family {
            Family::LibreSsl => Some(Version::parse(lib.version)?),
            _ => None,
        };
        if out.iter().any(|r: &Release| r.origin == origin) {
            continue;
        }
        out.push(Release {
            family: lib.family,
            version: expected,
            label: format!("{}-{name}-{version}", lib.family.as_str()),
            origin,
        });
    }
    for lib in LIBS.iter().filter(|l| exports::own_release(l)) {
        out.push(Release {
            family: lib.family,
            version: None,
            label: lib.key.to_string(),
            origin: Origin::Library(lib.key),
        });
    }
    Ok(out)
}

/// Runs a command, failing with its output when it fails.
fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("{what}: cannot run {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Has cargo download and unpack `name` `=version` (a scratch manifest in `work`; `cargo
/// metadata` unpacks it into cargo's registry), and returns the crate's source directory.
fn crate_source(name: &str, version: &str, work: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(work.join("src"))?;
    std::fs::write(
        work.join("Cargo.toml"),
        format!(
            "[package]\nname = \"census-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[workspace]\n\n[dependencies]\n{name} = \"={version}\"\n"
        ),
    )?;
    std::fs::write(work.join("src/lib.rs"), "")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(work.join("Cargo.toml"))
        .stdin(Stdio::null())
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "fetching {name} {version} from the package registry failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let manifest = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name && p["version"] == version)
        .and_then(|p| p["manifest_path"].as_str())
        .with_context(|| format!("cargo metadata did not resolve {name} {version}"))?;
    Ok(Path::new(manifest)
        .parent()
        .context("manifest has no parent")?
        .to_path_buf())
}

/// Copies every `*.h` of `from` into `to` (later copies overwrite earlier ones).
fn copy_headers(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "h") {
            std::fs::copy(&p, to.join(p.file_name().unwrap_or_default()))
                .with_context(|| format!("copying {}", p.display()))?;
        }
    }
    Ok(())
}

/// Configures OpenSSL out of tree in `build` and generates its headers there (the `.h.in`
/// templates of `include/openssl/`, into `build/include/openssl/`).
fn configure_openssl(src: &Path, version: &Version, build: &Path) -> Result<()> {
    std::fs::create_dir_all(build)?;
    let configure = std::fs::read_to_string(src.join("Configure"))?;
    // Configured as the matrix builds its series statically: the library table decides the
    // feature switches (some end up as OPENSSL_NO_* macros) and `no-module` (which the stripped
    // 3.5+ sources require). No install directories: only the headers are generated.
    let modules = libs::openssl_modules(version).with_context(|| {
        format!("OpenSSL {version}: the library table has no row of its release series")
    })?;
    let args = libs::openssl_configure_switches(&configure, Linkage::Static, modules);
    let mut perl = Command::new("perl");
    if configure.contains("'File::Glob' => qw/glob/") {
        // Configure of 1.1.0 before 1.1.0g imports `glob` from File::Glob, which Perl 5.30
        // removed: provide it (as bsd_glob) and run Configure with its own path as $0, so it
        // still finds its source tree.
        perl.args([
            "-e",
            "BEGIN { require File::Glob; push @File::Glob::EXPORT_OK, 'glob'; no warnings; \
             *File::Glob::glob = \\&File::Glob::bsd_glob; } \
             $0 = shift @ARGV; do $0; die $@ if $@;",
        ]);
    }
    run(
        perl.arg(src.join("Configure"))
            .args(&args)
            .current_dir(build),
        "OpenSSL Configure",
    )?;
    let mut targets = Vec::new();
    for e in std::fs::read_dir(src.join("include/openssl"))? {
        let n = e?.file_name().to_string_lossy().into_owned();
        if let Some(h) = n.strip_suffix(".in") {
            targets.push(format!("include/openssl/{h}"));
        }
    }
    targets.sort();
    run(
        Command::new("make").args(&targets).current_dir(build),
        "generating OpenSSL's headers",
    )
}

/// Verifies `tarball` against the `SHA256SUMS` file beside it.
fn verify_sha256(tarball: &Path) -> Result<()> {
    let dir = tarball.parent().context("tarball has no folder")?;
    let name = tarball.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS"))
        .with_context(|| format!("reading {}/SHA256SUMS", dir.display()))?;
    let want = sums
        .lines()
        .find_map(|l| {
            let (sum, file) = l.split_once(char::is_whitespace)?;
            (file.trim().trim_start_matches('*') == name).then(|| sum.to_string())
        })
        .with_context(|| format!("SHA256SUMS has no line for {name}"))?;
    let out = Command::new("sha256sum")
        .arg(tarball)
        .output()
        .context("running sha256sum")?;
    let got = String::from_utf8_lossy(&out.stdout);
    let got = got.split_whitespace().next().unwrap_or("");
    if !out.status.success() || !got.eq_ignore_ascii_case(&want) {
        bail!("{name}: SHA-256 {got} does not match SHA256SUMS ({want})");
    }
    Ok(())
}

/// Unpacks only `*/include/openssl/*.h` of a LibreSSL tarball into `to`.
fn untar_headers(tarball: &Path, scratch: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(scratch)?;
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(tarball)
            .arg("-C")
            .arg(scratch)
            .args(["--wildcards", "*/include/openssl/*.h"]),
        "unpacking LibreSSL's headers",
    )?;
    let top = std::fs::read_dir(scratch)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("include/openssl").is_dir())
        .context("the tarball has no */include/openssl")?;
    copy_headers(&top.join("include/openssl"), to)
}

/// The release's cache directory.
pub fn release_dir(cache: &Path, r: &Release) -> PathBuf {
    cache.join(&r.label)
}

/// Makes sure `<dir>/include/openssl/*.h` holds the release's public headers; returns
/// `<dir>/include`.
pub fn ensure_headers(r: &Release, cache: &Path) -> Result<PathBuf> {
    let dir = release_dir(cache, r);
    let include = dir.join("include");
    let stamp = dir.join("headers.stamp");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == HEADERS_REVISION.to_string())
        && include.join("openssl/ssl.h").is_file()
    {
        return Ok(include);
    }
    let scratch = dir.join("scratch");
    let headers = include.join("openssl");
    if let Origin::Library(key) = r.origin {
        bail!("{key}: a built library's headers are read where it is installed");
    }
    let _ = std::fs::remove_dir_all(&dir);
    match &r.origin {
        Origin::Library(_) => {}
        Origin::OpenSslSrc(v) => {
            let src = crate_source("openssl-src", v, &scratch.join("fetch"))?.join("openssl");
            let build = scratch.join("build");
            let version = r
                .version
                .as_ref()
                .context("OpenSSL release without version")?;
            configure_openssl(&src, version, &build)?;
            copy_headers(&src.join("include/openssl"), &headers)?;
            copy_headers(&build.join("include/openssl"), &headers)?;
        }
        Origin::SharedTarball(t) => {
            verify_sha256(t)?;
            untar_headers(t, &scratch, &headers)?;
        }
        Origin::CrateTarball {
            name,
            version,
            tarball,
        } => {
            let src = crate_source(name, version, &scratch.join("fetch"))?;
            untar_headers(&src.join(tarball), &scratch.join("untar"), &headers)?;
        }
        Origin::CrateInclude {
            name,
            version,
            include_dir,
        } => {
            let src = crate_source(name, version, &scratch.join("fetch"))?;
            copy_headers(&src.join(include_dir).join("openssl"), &headers)?;
        }
    }
    std::fs::remove_dir_all(&scratch).ok();
    if !headers.join("ssl.h").is_file() {
        bail!("{}: no openssl/ssl.h after preparing the headers", r.label);
    }
    std::fs::write(&stamp, format!("{HEADERS_REVISION}\n"))?;
    Ok(include)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_openssl_row_of_the_matrix_is_examined() {
        for lib in LIBS {
            if let Source::Crate {
                name: "openssl-src",
                version,
                ..
            } = lib.source
            {
                assert!(
                    OPENSSL_SRC.contains(&version),
                    "{version} not in OPENSSL_SRC"
                );
            }
        }
    }

    /// The library table decides which matrix libraries are releases of their own: every
    /// distribution package and shared build is one, named by its key, and no other row.
    #[test]
    fn distribution_packages_and_shared_builds_are_releases_of_their_own() {
        let list = releases().unwrap();
        let own: Vec<&str> = list
            .iter()
            .filter_map(|r| match r.origin {
                Origin::Library(key) => Some(key),
                _ => None,
            })
            .collect();
        let want: Vec<&str> = LIBS
            .iter()
            .filter(|l| exports::own_release(l))
            .map(|l| l.key)
            .collect();
        assert_eq!(own, want);
        assert!(own.contains(&"wolfssl-debian") && own.contains(&"boringssl-android-debian"));
        assert!(own.contains(&"openssl-1.1.1w-shared"));
        assert!(!own.contains(&"openssl-1.1.1w"));
    }

    /// The library table has a row of every examined OpenSSL release's series, so it decides
    /// how each is configured ([`libs::openssl_modules`]).
    #[test]
    fn every_openssl_release_has_a_series_row_in_the_table() {
        for v in OPENSSL_SRC {
            let version = Version::parse(v.split_once('+').unwrap().1).unwrap();
            assert!(libs::openssl_modules(&version).is_some(), "{v}");
        }
    }

    #[test]
    fn openssl_list_is_one_crate_per_release_in_order() {
        let ups: Vec<Version> = OPENSSL_SRC
            .iter()
            .map(|v| Version::parse(v.split_once('+').unwrap().1).unwrap())
            .collect();
        assert!(
            ups.windows(2).all(|w| w[0] < w[1]),
            "not ascending, or repeated"
        );
        assert_eq!(ups[0], Version::parse("1.1.0f").unwrap());
    }

    #[test]
    fn checksum_mismatch_is_an_error() {
        let dir = std::env::temp_dir().join(format!("census-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.tar.gz"), b"hello").unwrap();
        std::fs::write(
            dir.join("SHA256SUMS"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  a.tar.gz\n",
        )
        .unwrap();
        verify_sha256(&dir.join("a.tar.gz")).unwrap();
        std::fs::write(dir.join("a.tar.gz"), b"hellO").unwrap();
        assert!(verify_sha256(&dir.join("a.tar.gz")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
