//! The build recipes: source package -> install prefix, with every command
//! and its output appended to `build.log`.

use std::ffi::OsStr;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::fetch::{fetch_crate, verified_tarball};
use super::inspect::{defined_symbols, identifying_macros, normalize_macro};
pub use super::log::Log;
use super::tools::{self, Tool};
use super::{BuildFailed, Family, Lib, Linkage, OpenSslModules, Options, Prefix, Recipe, Source};

/// Completion stamp: written last, holds the library's recipe revision
/// ([`Recipe::revision`]: bumped there when a recipe's steps change; CI also keys its library
/// caches on this file's hash).
pub const STAMP: &str = "complete.stamp";

/// The tools a library's recipe needs.
pub fn tools_for(lib: &Lib) -> Vec<Tool> {
    let mut t = vec![tools::CC, tools::NM];
    match lib.source {
        Source::Crate { recipe, .. } => match recipe {
            Recipe::OpenSsl { .. } => {
                t.extend([tools::PERL, tools::MAKE]);
                if lib.linkage == Linkage::Shared {
                    t.push(tools::PATCHELF);
                }
            }
            Recipe::BoringSsl { .. } | Recipe::AwsLc { .. } => {
                t.extend([tools::CXX, tools::CMAKE, tools::NINJA]);
            }
            Recipe::LibreSslTarball { .. } | Recipe::LibreSsl => {
                t.extend([tools::MAKE, tools::TAR]);
            }
        },
        Source::Tarball { recipe, .. } => {
            t.extend([tools::MAKE, tools::TAR]);
            if recipe == Recipe::LibreSsl && lib.linkage == Linkage::Shared {
                t.push(tools::PATCHELF);
            }
        }
        Source::Apt { .. } => {}
    }
    t
}

/// Builds (or, for apt, installs and inspects) `lib` into `dir`, replacing
/// whatever was there, and writes `lib.json` and the stamp.
pub fn build(lib: &Lib, dir: &Path, opts: &Options) -> Result<Prefix> {
    let start = Instant::now();
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("removing stale build {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let log_path = dir.join("build.log");
    let mut log = Log::create(&log_path)?.with_progress(lib.key, opts.progress.clone());
    log.note(&format!(
        "{} from {} ({} build, recipe revision {}, -j{})",
        lib.key,
        lib.source_label(),
        lib.linkage,
        lib.recipe_revision(),
        opts.jobs
    ));
    let result = match lib.source {
        Source::Crate {
            name,
            version,
            recipe,
        } => build_crate(lib, name, version, recipe, dir, opts, &mut log),
        Source::Tarball { file, recipe } => build_tarball(lib, file, recipe, dir, opts, &mut log),
        Source::Apt {
            package,
            header,
            ssl_lib,
            crypto_lib,
            link_libs,
            pre_includes,
        } => apt_prefix(
            lib,
            AptFiles {
                package,
                header,
                ssl_name: ssl_lib,
                crypto_name: crypto_lib,
                link_libs,
                pre_includes,
            },
            &mut log,
        ),
    };
    let cpu = log.cpu_seconds();
    let finish = |mut prefix: Prefix| -> Result<Prefix> {
        prefix.build_seconds = (start.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        prefix.build_cpu_seconds = (cpu * 10.0).round() / 10.0;
        let json = serde_json::to_string_pretty(&prefix)?;
        std::fs::write(dir.join("lib.json"), json + "\n")?;
        if !opts.keep_build_tree {
            for sub in ["fetch", "build"] {
                let p = dir.join(sub);
                if p.exists() {
                    std::fs::remove_dir_all(&p)
                        .with_context(|| format!("removing {}", p.display()))?;
                }
            }
        }
        std::fs::write(dir.join(STAMP), format!("{}\n", lib.recipe_revision()))?;
        Ok(prefix)
    };
    match result.and_then(finish) {
        Ok(prefix) => {
            log.note(&format!(
                "done in {:.1} s ({:.1} s CPU)",
                prefix.build_seconds, prefix.build_cpu_seconds
            ));
            Ok(prefix)
        }
        Err(cause) => {
            log.note(&format!("FAILED: {cause:#}"));
            Err(BuildFailed {
                key: lib.key.to_string(),
                log: log_path,
                cause,
            }
            .into())
        }
    }
}

/// `cp -a from to` (logged).
fn copy_tree(from: &Path, to: &Path, log: &mut Log) -> Result<()> {
    log.run(Command::new("cp").arg("-a").arg(from).arg(to))
}

/// OpenSSL's Configure target for the host.
fn openssl_target() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "linux-x86_64",
        "aarch64" => "linux-aarch64",
        "x86" => "linux-x86",
        _ => "linux-generic64",
    }
}

/// The features OpenSSL's `Configure` accepts `no-<feature>` for: the quoted
/// names of its `my @disablables = ( ... );` list.
fn configure_disablables(configure: &str) -> Vec<String> {
    let Some(start) = configure.find("my @disablables = (") else {
        return Vec::new();
    };
    let body = &configure[start + "my @disablables = (".len()..];
    let body = &body[..body.find(");").unwrap_or(body.len())];
    body.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split('"').skip(1).step_by(2))
        .map(str::to_string)
        .collect()
}

/// The `Configure` arguments of an OpenSSL build of the matrix, short of where it installs
/// (`--prefix`, `--libdir`, `--openssldir`): the host's target, `no-shared` or `shared`, and the
/// feature switches. These are `no-tests` and `no-docs` where this `Configure` knows them
/// (1.1.0 knows only `unit-test`: `no-unit-test` there), and `no-module` where the table builds
/// the modules into libcrypto ([`OpenSslModules::BuiltIn`]; see [`openssl_modules`](super::openssl_modules) for a
/// release the table has no row of). `configure` is the text of the release's `Configure`
/// script: its `@disablables` list says which features it knows.
///
/// The matrix builds and `cargo xtask census` (which only generates the headers) both configure
/// with these, so one place decides the switches.
///
/// ```
/// use sslprobe_cli::libs::{openssl_configure_switches, Linkage, OpenSslModules};
///
/// let configure = "my @disablables = (\n    \"docs\",\n    \"module\",\n    \"tests\",\n);\n";
/// let args = openssl_configure_switches(configure, Linkage::Static, OpenSslModules::BuiltIn);
/// assert!(args[0].starts_with("linux-")); // the host's target
/// assert_eq!(args[1..], ["no-shared", "no-tests", "no-docs", "no-module"]);
///
/// // OpenSSL 1.1.0: no `tests` or `docs` feature, only `unit-test`; no modules
/// let configure = "my @disablables = (\n    \"unit-test\",\n);\n";
/// let args = openssl_configure_switches(configure, Linkage::Shared, OpenSslModules::Unsupported);
/// assert_eq!(args[1..], ["shared", "no-unit-test"]);
/// ```
pub fn openssl_configure_switches(
    configure: &str,
    linkage: Linkage,
    modules: OpenSslModules,
) -> Vec<String> {
    let mut args = vec![
        openssl_target().to_string(),
        match linkage {
            Linkage::Static => "no-shared",
            Linkage::Shared => "shared",
        }
        .to_string(),
    ];
    let disablables = configure_disablables(configure);
    let knows = |f: &str| disablables.iter().any(|d| d == f);
    // 1.1.0 has no `tests` feature, only `unit-test`
    for feature in ["tests", "docs"] {
        if knows(feature) {
            args.push(format!("no-{feature}"));
        }
    }
    if !knows("tests") && knows("unit-test") {
        args.push("no-unit-test".into());
    }
    if modules == OpenSslModules::BuiltIn {
        args.push("no-module".into());
    }
    args
}

/// The `./Configure` arguments for an OpenSSL build: [`openssl_configure_switches`] and where
/// it installs.
fn openssl_configure_args(
    configure: &str,
    linkage: Linkage,
    modules: OpenSslModules,
    prefix: &Path,
) -> Vec<String> {
    let mut args = openssl_configure_switches(configure, linkage, modules);
    args.push(format!("--prefix={}", prefix.display()));
    args.push("--libdir=lib".into());
    args.push(format!("--openssldir={}", prefix.join("ssl").display()));
    args
}

#[allow(clippy::too_many_arguments)]
fn build_crate(
    lib: &Lib,
    name: &str,
    version: &str,
    recipe: Recipe,
    dir: &Path,
    opts: &Options,
    log: &mut Log,
) -> Result<Prefix> {
    let registry_src = fetch_crate(name, version, &dir.join("fetch"), log)?;
    let work = dir.join("build");
    std::fs::create_dir_all(&work)?;
    let src = work.join("src");
    copy_tree(&registry_src, &src, log)?;
    let prefix = dir.join("prefix");
    let lib_dir = prefix.join("lib");
    let jobs = format!("-j{}", opts.jobs.max(1));

    match recipe {
        Recipe::OpenSsl { modules } => {
            let tree = src.join("openssl");
            let configure = std::fs::read_to_string(tree.join("Configure"))
                .with_context(|| format!("reading {}/Configure", tree.display()))?;
            let args = openssl_configure_args(&configure, lib.linkage, modules, &prefix);
            log.run(
                Command::new("perl")
                    .arg("./Configure")
                    .args(&args)
                    .current_dir(&tree),
            )?;
            log.run(
                Command::new("make")
                    .arg(&jobs)
                    .arg("build_libs")
                    .current_dir(&tree),
            )?;
            log.run(Command::new("make").arg("install_dev").current_dir(&tree))?;
            if modules == OpenSslModules::Installed {
                // what `make install` gives a user: the legacy provider in
                // <prefix>/lib/ossl-modules, where libcrypto looks for it
                log.run(
                    Command::new("make")
                        .arg(&jobs)
                        .arg("build_modules")
                        .current_dir(&tree),
                )?;
                log.run(
                    Command::new("make")
                        .arg("install_modules")
                        .current_dir(&tree),
                )?;
                let legacy = lib_dir.join("ossl-modules").join("legacy.so");
                if !legacy.is_file() {
                    bail!(
                        "{}: `make install_modules` did not install {}",
                        lib.key,
                        legacy.display()
                    );
                }
            }
            if lib.linkage == Linkage::Shared {
                finish_shared(&lib_dir, log)?;
            }
        }
        Recipe::BoringSsl {
            cmake_dir,
            include_dir: inc,
        } => {
            cmake_build(&src.join(cmake_dir), &work.join("cmake"), &[], &jobs, log)?;
            install_cmake_outputs(&work.join("cmake"), &src.join(inc), &prefix, log)?;
        }
        Recipe::AwsLc { cmake_dir } => {
            let defs = [
                "-DDISABLE_GO=ON",
                "-DDISABLE_PERL=ON",
                "-DBUILD_TOOL=OFF",
                "-DBUILD_LIBSSL=ON",
            ];
            cmake_build(&src.join(cmake_dir), &work.join("cmake"), &defs, &jobs, log)?;
            let inc = src.join(cmake_dir).join("include");
            install_cmake_outputs(&work.join("cmake"), &inc, &prefix, log)?;
        }
        Recipe::LibreSslTarball { tarball } => {
            let tree = unpack(&src.join(tarball), &work, log)?;
            libressl_autotools(&tree, lib.linkage, &prefix, &jobs, log)?;
        }
        Recipe::LibreSsl => bail!("{}: recipe LibreSsl needs a Source::Tarball", lib.key),
    }

    installed_prefix(lib, prefix, lib.source_label())
}

/// Builds a release tarball from the sources directory, verified first.
fn build_tarball(
    lib: &Lib,
    file: &str,
    recipe: Recipe,
    dir: &Path,
    opts: &Options,
    log: &mut Log,
) -> Result<Prefix> {
    let (tarball, sha256) = verified_tarball(file, opts.default_sources.as_ref(), log)?;
    let work = dir.join("build");
    std::fs::create_dir_all(&work)?;
    let prefix = dir.join("prefix");
    let jobs = format!("-j{}", opts.jobs.max(1));
    let tree = unpack(&tarball, &work, log)?;
    match recipe {
        Recipe::LibreSsl => libressl_autotools(&tree, lib.linkage, &prefix, &jobs, log)?,
        other => bail!("{}: recipe {other:?} cannot build a tarball", lib.key),
    }
    installed_prefix(lib, prefix, format!("{file} (sha256 {sha256})"))
}

/// Unpacks a `.tar.gz` into `into`; returns the directory it unpacked to (its stem).
fn unpack(tarball: &Path, into: &Path, log: &mut Log) -> Result<PathBuf> {
    log.run(
        Command::new("tar")
            .arg("xzf")
            .arg(tarball)
            .arg("-C")
            .arg(into),
    )?;
    let name = tarball
        .file_name()
        .and_then(OsStr::to_str)
        .with_context(|| format!("{} has no file name", tarball.display()))?;
    let tree = into.join(super::tarball_stem(name));
    if !tree.join("configure").is_file() {
        bail!(
            "{} did not unpack to {} with a configure script",
            tarball.display(),
            tree.display()
        );
    }
    Ok(tree)
}

/// The `./configure` arguments for LibreSSL: one linkage only, position-independent code,
/// optimised without debug info (the matrix never debugs LibreSSL itself; `-g` only costs
/// compile time).
fn libressl_configure_args(linkage: Linkage, prefix: &Path) -> Vec<String> {
    let mut args: Vec<String> = match linkage {
        Linkage::Static => vec!["--disable-shared".into(), "--enable-static".into()],
        Linkage::Shared => vec!["--enable-shared".into(), "--disable-static".into()],
    };
    args.push("--with-pic".into());
    args.push(format!("--prefix={}", prefix.display()));
    args.push(format!("--libdir={}", prefix.join("lib").display()));
    args.push("CFLAGS=-O2".into());
    args
}

/// LibreSSL portable from an unpacked release tree: `./configure`, `make -C crypto`,
/// `make -C ssl` (only the two libraries: not the apps, tests or libtls), then install the
/// headers and those two libraries. Shared builds get libssl's RUNPATH set to `$ORIGIN`.
fn libressl_autotools(
    tree: &Path,
    linkage: Linkage,
    prefix: &Path,
    jobs: &str,
    log: &mut Log,
) -> Result<()> {
    log.run(
        Command::new("./configure")
            .args(libressl_configure_args(linkage, prefix))
            .current_dir(tree),
    )?;
    for sub in ["crypto", "ssl"] {
        log.run(
            Command::new("make")
                .arg(jobs)
                .args(["-C", sub])
                .current_dir(tree),
        )?;
    }
    for sub in ["include", "crypto", "ssl"] {
        log.run(
            Command::new("make")
                .args(["-C", sub, "install"])
                .current_dir(tree),
        )?;
    }
    if linkage == Linkage::Shared {
        finish_shared(&prefix.join("lib"), log)?;
    }
    Ok(())
}

/// The [`Prefix`] of a finished install below `prefix` (libraries in `lib/`, headers in
/// `include/`), verified.
fn installed_prefix(lib: &Lib, prefix: PathBuf, source_package: String) -> Result<Prefix> {
    let lib_dir = prefix.join("lib");
    let include_dir = prefix.join("include");
    let (ssl_name, crypto_name) = match lib.linkage {
        Linkage::Static => ("libssl.a", "libcrypto.a"),
        Linkage::Shared => ("libssl.so", "libcrypto.so"),
    };
    let ssl_lib = real_file(&lib_dir.join(ssl_name))?;
    let crypto_lib = real_file(&lib_dir.join(crypto_name))?;
    let (macros, version) = verify(lib, &include_dir, &ssl_lib, &[])?;
    Ok(Prefix {
        name: lib.key.to_string(),
        family: lib.family,
        version,
        source_package,
        prefix: Some(prefix),
        include_dir,
        lib_dir,
        linkage: lib.linkage,
        ssl_lib,
        crypto_lib,
        link_libs: vec!["ssl".into(), "crypto".into()],
        pre_includes: vec![],
        macros,
        build_seconds: 0.0,
        build_cpu_seconds: 0.0,
        recipe_revision: lib.recipe_revision(),
        from_cache: false,
    })
}

/// Shared builds: drop the static archives (the prefix is shared-only) and
/// give libssl RUNPATH `$ORIGIN`, so it loads the libcrypto next to it rather
/// than a system one with the same soname (or one in the vanished build tree).
fn finish_shared(lib_dir: &Path, log: &mut Log) -> Result<()> {
    for a in ["libssl.a", "libcrypto.a"] {
        let p = lib_dir.join(a);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    let libssl = real_file(&lib_dir.join("libssl.so"))?;
    log.run(
        Command::new("patchelf")
            .args(["--set-rpath", "$ORIGIN"])
            .arg(&libssl),
    )?;
    let out = log.output(Command::new("patchelf").arg("--print-rpath").arg(&libssl))?;
    let rpath = String::from_utf8_lossy(&out).trim().to_string();
    if rpath != "$ORIGIN" {
        bail!(
            "patchelf left RUNPATH `{rpath}` on {}, expected `$ORIGIN`",
            libssl.display()
        );
    }
    Ok(())
}

fn cmake_build(
    source: &Path,
    build: &Path,
    extra: &[&str],
    jobs: &str,
    log: &mut Log,
) -> Result<()> {
    log.run(
        Command::new("cmake")
            .arg("-GNinja")
            .arg("-S")
            .arg(source)
            .arg("-B")
            .arg(build)
            .args([
                "-DCMAKE_BUILD_TYPE=Release",
                "-DBUILD_TESTING=OFF",
                "-DCMAKE_POSITION_INDEPENDENT_CODE=ON",
                // old CMakeLists (cmake_minimum_required < 3.5) under cmake >= 4
                "-DCMAKE_POLICY_VERSION_MINIMUM=3.5",
            ])
            .args(extra),
    )?;
    log.run(
        Command::new("ninja")
            .arg("-C")
            .arg(build)
            .arg(jobs)
            .args(["ssl", "crypto"]),
    )
}

/// Finds `name` anywhere below `dir`.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if e.file_name() == name {
                return Some(p);
            }
        }
    }
    None
}

/// Copies a cmake build's `libssl.a`/`libcrypto.a` and the public headers into `prefix`.
fn install_cmake_outputs(build: &Path, include: &Path, prefix: &Path, log: &mut Log) -> Result<()> {
    let lib_dir = prefix.join("lib");
    std::fs::create_dir_all(&lib_dir)?;
    for name in ["libssl.a", "libcrypto.a"] {
        let built = find_file(build, name)
            .with_context(|| format!("{name} not found below {}", build.display()))?;
        log.note(&format!(
            "install {} -> {}",
            built.display(),
            lib_dir.display()
        ));
        std::fs::copy(&built, lib_dir.join(name))
            .with_context(|| format!("copying {}", built.display()))?;
    }
    copy_tree(include, &prefix.join("include"), log)
}

/// `path` with symlinks resolved; an error naming the file when it is missing.
fn real_file(path: &Path) -> Result<PathBuf> {
    let p = path
        .canonicalize()
        .with_context(|| format!("{} was not installed", path.display()))?;
    if !p.is_file() {
        bail!("{} is not a file", p.display());
    }
    Ok(p)
}

/// Checks a finished prefix: `openssl/ssl.h` present, the TLS library exports
/// its `*_CTX_new`, the identifying macros match the table. Returns the macros
/// and the version to record.
fn verify(
    lib: &Lib,
    include_dir: &Path,
    ssl_lib: &Path,
    pre_includes: &[String],
) -> Result<(std::collections::BTreeMap<String, String>, String)> {
    let header = include_dir.join("openssl/ssl.h");
    if !header.is_file() {
        bail!("{} is missing", header.display());
    }
    let symbols = defined_symbols(ssl_lib, lib.linkage)?;
    let want = lib.ctx_new_symbol();
    if !symbols.contains(want) {
        bail!(
            "{} does not define {want} ({} defined symbols)",
            ssl_lib.display(),
            symbols.len()
        );
    }
    let macros = identifying_macros(include_dir, pre_includes)?;
    for (name, value) in lib.expect_macros {
        match macros.get(*name) {
            Some(got) if normalize_macro(got) == normalize_macro(value) => {}
            Some(got) => bail!("<openssl/ssl.h> defines {name} as `{got}`, expected `{value}`"),
            None => bail!("<openssl/ssl.h> does not define {name} (expected `{value}`)"),
        }
    }
    let version = if !lib.version.is_empty() {
        lib.version.to_string()
    } else if let Some(api) = macros.get("BORINGSSL_API_VERSION") {
        format!("API {api}")
    } else if let Some(v) = macros.get("LIBWOLFSSL_VERSION_STRING") {
        v.trim_matches('"').to_string()
    } else {
        String::new()
    };
    Ok((macros, version))
}

/// What to look for in an apt package (see [`Source::Apt`]).
struct AptFiles<'a> {
    package: &'a str,
    header: &'a str,
    ssl_name: &'a str,
    crypto_name: &'a str,
    link_libs: &'a [&'a str],
    pre_includes: &'a [&'a str],
}

/// Makes sure an apt package is installed and describes it as a [`Prefix`].
fn apt_prefix(lib: &Lib, want: AptFiles<'_>, log: &mut Log) -> Result<Prefix> {
    let AptFiles {
        package,
        header,
        ssl_name,
        crypto_name,
        link_libs,
        pre_includes,
    } = want;
    let installed = match tools::dpkg_version(package)? {
        Some(v) => v,
        None => {
            eprintln!("sslprobe: installing {package} with apt-get");
            log.note(&format!("apt-get install -y {package}"));
            tools::apt_install(&[package])?;
            tools::dpkg_version(package)?
                .with_context(|| format!("{package} is not installed after apt-get install"))?
        }
    };
    log.note(&format!("{package} {installed} is installed"));
    let files = tools::dpkg_files(package)?;
    let header = files
        .iter()
        .find(|p| p.ends_with(header))
        .with_context(|| format!("{package} has no .../{header}"))?;
    let include_dir = header
        .parent()
        .and_then(Path::parent)
        .context("header path too short")?
        .to_path_buf();
    let find_lib = |name: &str| {
        files
            .iter()
            .find(|p| p.file_name() == Some(OsStr::new(name)))
            .cloned()
            .with_context(|| format!("{package} has no {name}"))
    };
    let ssl_link = find_lib(ssl_name)?;
    let lib_dir = ssl_link
        .parent()
        .context("library path has no parent")?
        .to_path_buf();
    let ssl_lib = real_file(&ssl_link)?;
    let crypto_lib = real_file(&lib_dir.join(crypto_name))?;
    let pre: Vec<String> = pre_includes.iter().map(|s| s.to_string()).collect();
    let (macros, mut version) = verify(lib, &include_dir, &ssl_lib, &pre)?;
    if lib.family == Family::WolfSsl || version.is_empty() {
        version = tools::debian_upstream_version(&installed).to_string();
    }
    Ok(Prefix {
        name: lib.key.to_string(),
        family: lib.family,
        version,
        source_package: format!("apt {package} {installed}"),
        prefix: None,
        include_dir,
        lib_dir,
        linkage: lib.linkage,
        ssl_lib,
        crypto_lib,
        link_libs: link_libs.iter().map(|s| s.to_string()).collect(),
        pre_includes: pre,
        macros,
        build_seconds: 0.0,
        build_cpu_seconds: 0.0,
        recipe_revision: lib.recipe_revision(),
        from_cache: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libs::log::describe;

    #[test]
    fn configure_args() {
        let conf = "my @disablables = (\n    \"docs\",\n    \"module\",\n    \"tests\",\n);\n\"apps\" => [ \"x\" ],";
        let args = openssl_configure_args(
            conf,
            Linkage::Static,
            OpenSslModules::BuiltIn,
            Path::new("/p"),
        );
        assert!(args.contains(&"no-shared".to_string()));
        assert!(args.contains(&"no-tests".to_string()));
        assert!(args.contains(&"no-docs".to_string()));
        assert!(args.contains(&"no-module".to_string()));
        assert!(args.contains(&"--prefix=/p".to_string()));
        assert!(args.contains(&"--libdir=lib".to_string()));
        // 1.1.0: "tests" only appears outside the list
        let old = "my @disablables = (\n    \"unit-test\", # comment \"zz\"\n);\n\"apps\" => [ \"tests\" ],";
        assert_eq!(configure_disablables(old), ["unit-test"]);
        let args = openssl_configure_args(
            old,
            Linkage::Shared,
            OpenSslModules::Unsupported,
            Path::new("/p"),
        );
        assert!(args.contains(&"shared".to_string()));
        assert!(args.contains(&"no-unit-test".to_string()));
        assert!(!args
            .iter()
            .any(|a| a == "no-tests" || a == "no-docs" || a == "no-module"));
    }

    #[test]
    fn tools_per_recipe() {
        let shared = super::super::find("openssl-1.1.1w-shared").unwrap();
        assert!(tools_for(shared).contains(&tools::PATCHELF));
        let boring = super::super::find("boringssl-new").unwrap();
        let t = tools_for(boring);
        assert!(t.contains(&tools::CMAKE) && t.contains(&tools::NINJA));
    }

    #[test]
    fn libressl_builds_one_linkage_without_debug_info() {
        let st = libressl_configure_args(Linkage::Static, Path::new("/p"));
        assert!(st.contains(&"--disable-shared".to_string()));
        assert!(st.contains(&"--enable-static".to_string()));
        assert!(st.contains(&"--with-pic".to_string()));
        assert!(st.contains(&"--libdir=/p/lib".to_string()));
        assert!(st.contains(&"CFLAGS=-O2".to_string()), "no -g: {st:?}");
        let sh = libressl_configure_args(Linkage::Shared, Path::new("/p"));
        assert!(sh.contains(&"--enable-shared".to_string()));
        assert!(sh.contains(&"--disable-static".to_string()));
        // shared builds get their RUNPATH fixed; every tarball build needs make and tar
        let shared = super::super::find("libressl-4.3.2-shared").unwrap();
        let t = tools_for(shared);
        assert!(
            t.contains(&tools::PATCHELF) && t.contains(&tools::MAKE) && t.contains(&tools::TAR)
        );
        let fixed = super::super::find("libressl-4.3.2").unwrap();
        assert!(!tools_for(fixed).contains(&tools::PATCHELF));
    }

    #[test]
    fn command_description_quotes() {
        let mut c = Command::new("patchelf");
        c.args(["--set-rpath", "$ORIGIN", "a b"]);
        assert_eq!(describe(&c), "patchelf --set-rpath '$ORIGIN' 'a b'");
    }
}
