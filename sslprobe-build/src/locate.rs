//! Find the headers and libraries of the OpenSSL-family library that `openssl-sys` links.
//!
//! sslprobe must probe **the same library** `openssl-sys` links, so this module resolves the
//! include and library directories with the same rules, in the same order, reading the same
//! environment variables as `openssl-sys` 0.9.x (checked against 0.9.118: `build/main.rs`,
//! `build/find_normal.rs`, `build/find_vendored.rs`). In order:
//!
//! 1. **Vendored** (`main.rs: find_openssl`, `find_vendored.rs: get_openssl`): `openssl-sys` with
//!    the `vendored` feature builds OpenSSL itself and exports `DEP_OPENSSL_VENDORED=1` and
//!    `DEP_OPENSSL_ROOT`. When both are visible, the location is `ROOT/include` and
//!    `ROOT/lib64` and/or `ROOT/lib`, linked statically ([`FoundBy::Vendored`]). The vendored
//!    branch wins over every other variable, as in `openssl-sys`.
//! 2. **`OPENSSL_LIB_DIR` + `OPENSSL_INCLUDE_DIR`** (`find_normal.rs: get_openssl`): both set →
//!    used verbatim ([`FoundBy::LibAndIncludeDir`]).
//! 3. **`OPENSSL_DIR`** (`find_normal.rs: get_openssl`): the prefix; the library directories
//!    are `DIR/lib64` and `DIR/lib`, **each one that exists, `lib64` first**, the include
//!    directory `DIR/include` ([`FoundBy::OpensslDir`]). If only one of `OPENSSL_LIB_DIR` /
//!    `OPENSSL_INCLUDE_DIR` is set it overrides that half.
//! 4. **Search** (`find_normal.rs: find_openssl_dir`), only when `OPENSSL_DIR` is unset:
//!    Homebrew / pkgsrc / MacPorts prefixes on native macOS, then **pkg-config `openssl`**
//!    ([`FoundBy::PkgConfig`]), then `/usr` on native FreeBSD / OpenBSD / AIX and `/usr/local`
//!    on native DragonFly ([`FoundBy::DefaultPrefix`]). **On Linux there is no default-prefix
//!    fallback**: when pkg-config fails, `openssl-sys` aborts the build, and so does [`locate`]
//!    (with [`Error::NotFound`] carrying the pkg-config error) rather than guess at `/usr`.
//!
//! Every variable is read as `openssl-sys`'s `env()` does ([`target_var`]): first
//! `<TARGET>_NAME` (target upper-cased, `-` → `_`), then `NAME`.
//!
//! ## Subtleties of `openssl-sys` that are mirrored on purpose
//!
//! * **A pkg-config hit ignores a lone `OPENSSL_LIB_DIR` or `OPENSSL_INCLUDE_DIR`.**
//!   `find_openssl_dir` is reached when `OPENSSL_DIR` is unset and *either* directory variable
//!   is missing; its `try_pkg_config` emits everything and calls `process::exit(0)`, so the
//!   other variable is never used. Likewise `OPENSSL_LIBS` and `OPENSSL_STATIC`'s
//!   `determine_mode` meaning are not applied in the pkg-config case.
//! * **`OPENSSL_STATIC` has two meanings.** In `main.rs: determine_mode` (env-var, prefix and
//!   vendored cases) `"0"` means shared and *any other UTF-8 value* — including `""`, `"no"`,
//!   `"false"` or `"yes please"` — means static; a non-UTF-8 value counts as unset (auto-detect).
//!   sslprobe is exactly that permissive (it must link what `openssl-sys` links) and normalises
//!   the value to `Option<bool>`. In the pkg-config case the `pkg-config` crate's own
//!   `infer_static` applies instead: the mere *presence* of the plain (un-prefixed)
//!   `OPENSSL_STATIC` — even `OPENSSL_STATIC=0` — runs `pkg-config --static`, then
//!   `OPENSSL_DYNAMIC`, `PKG_CONFIG_ALL_STATIC`, `PKG_CONFIG_ALL_DYNAMIC`. Even then a library
//!   found under a system root (`/usr`, or `PKG_CONFIG_SYSROOT_DIR`/`SYSROOT`) is linked
//!   dynamically (`pkg-config`'s `is_static_available`), so on Debian `link_static` stays
//!   `false` while the `--static` extras (`-ldl`) are still linked.
//! * **Auto-detection** (`determine_mode`): only when `OPENSSL_STATIC` is unset. Static is
//!   possible when every library has `lib<name>.a` or `<name>.lib`, shared when every one has
//!   `lib<name>.so`, `<name>.dll` or `lib<name>.dylib` (exact names: a lone `libssl.so.3` does
//!   not count). Both → shared; one → that one; none → error listing the directories.
//! * **pkg-config is run with `openssl-sys`'s configuration**: `print_system_libs(false)` (the
//!   system library directory is omitted, so `lib_dirs` is usually empty) and the default
//!   `print_system_cflags(true)` (so `/usr/include` *is* reported: on Debian `include_dirs` is
//!   `["/usr/include"]`, and that is exactly what `openssl-sys` exports as `DEP_OPENSSL_INCLUDE`).
//!   It is also run with `.cargo_metadata(false)` and `.env_metadata(false)`: this module only
//!   reads, it never prints cargo lines.
//!
//! ## Deliberate differences
//!
//! * Paths from the environment must be **absolute** and must **exist**; `OPENSSL_DIR` itself
//!   must exist, and the include directory must contain `openssl/ssl.h`. `openssl-sys` resolves
//!   relative paths against its *own* package directory, which a dependent cannot know, and
//!   checks only the derived directories; a clear error here beats a confusing one later.
//! * `OPENSSL_LIBS` is validated: colon-separated names of `[A-Za-z0-9_.+-]`; an empty value
//!   means "no libraries", as in `openssl-sys`. A non-UTF-8 value is an error (`openssl-sys`
//!   silently ignores it and links the defaults).
//! * The default libraries on `windows-msvc` are `libssl`/`libcrypto` (what `openssl-sys` uses
//!   for OpenSSL ≥ 1.1); `openssl-sys` picks `ssl`/`crypto` for LibreSSL there, which only the
//!   header version (known after [`crate::identify`]) can tell.
//! * vcpkg (Windows) is not mirrored, nor is `openssl-sys` setting `PKG_CONFIG_ALLOW_CROSS=1`
//!   in its process environment for `windows-gnu` targets on Windows hosts (the cross check is
//!   relaxed here instead, but the `pkg-config` crate still consults the real environment).
//! * `system_libs` lists what a *C* link of static libraries needs besides them (see
//!   [`Location::system_libs`]); `openssl-sys` relies on Rust's `std` for `dl`/`pthread`.
//!   `libatomic` (OpenSSL 3 static on 32-bit Linux) and the C++ runtime (BoringSSL/AWS-LC
//!   static) depend on the library identity and are left to the caller.
//! * `HOST` is read through the [`Env`] (the build-script value); when it is absent (CLI use),
//!   the host is taken to be `target`.
//!
//! ## Environment and `cargo:rerun-if-env-changed`
//!
//! Every variable is read through an [`Env`], so [`ProcessEnv::read_vars`] lists every one a
//! build script must print `cargo:rerun-if-env-changed` for. The `pkg-config` crate reads the
//! *process* environment itself; [`locate`] reads the same names through the [`Env`] first
//! (`OPENSSL_NO_PKG_CONFIG`; `PKG_CONFIG_ALLOW_CROSS`, `PKG_CONFIG`, `PKG_CONFIG_SYSROOT_DIR`,
//! `PKG_CONFIG_PATH`, `PKG_CONFIG_LIBDIR`, each also as `<NAME>_<target>`,
//! `<NAME>_<target_with_underscores>` and `HOST_<NAME>`/`TARGET_<NAME>`; `SYSROOT`;
//! `OPENSSL_STATIC`, `OPENSSL_DYNAMIC`, `PKG_CONFIG_ALL_STATIC`, `PKG_CONFIG_ALL_DYNAMIC`), so
//! they are recorded, and uses the values for the decisions it can take itself (abort, cross
//! check, `--static`). With a [`MapEnv`] the `pkg-config` program still sees the process's
//! `PKG_CONFIG_PATH` etc.
//!
//! A crate must depend on `openssl-sys` *directly* to see its `DEP_OPENSSL_*` variables; without
//! them a vendored build cannot be located and [`check_consistent_with_openssl_sys`] has
//! nothing to compare.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use crate::{Error, Result};

/// How the location was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// `OPENSSL_LIB_DIR` and `OPENSSL_INCLUDE_DIR` were both set.
    LibAndIncludeDir,
    /// `OPENSSL_DIR` was set (possibly with one of `OPENSSL_LIB_DIR` / `OPENSSL_INCLUDE_DIR`
    /// overriding its half).
    OpensslDir,
    /// pkg-config's `openssl` package.
    PkgConfig,
    /// `openssl-sys` built OpenSSL itself (`DEP_OPENSSL_VENDORED`, `DEP_OPENSSL_ROOT`).
    Vendored,
    /// A well-known prefix `openssl-sys` falls back to (Homebrew, pkgsrc, MacPorts, `/usr` on
    /// the BSDs and AIX, `/usr/local` on DragonFly).
    DefaultPrefix,
    /// Given explicitly by the caller ([`from_prefix`], [`from_dirs`]), not by `openssl-sys`'s rules.
    Explicit,
}

impl fmt::Display for FoundBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FoundBy::LibAndIncludeDir => "OPENSSL_LIB_DIR + OPENSSL_INCLUDE_DIR",
            FoundBy::OpensslDir => "OPENSSL_DIR",
            FoundBy::PkgConfig => "pkg-config",
            FoundBy::Vendored => "vendored (DEP_OPENSSL_ROOT)",
            FoundBy::DefaultPrefix => "default prefix",
            FoundBy::Explicit => "explicit",
        })
    }
}

/// Where the library is and how to link it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// Include directories (`-I`), in order. May be empty: the headers are then in the
    /// compiler's default search path.
    pub include_dirs: Vec<PathBuf>,
    /// Library directories (`-L`), in order. May be empty (pkg-config omits the system
    /// library directory).
    pub lib_dirs: Vec<PathBuf>,
    /// Link names in link order, e.g. `["ssl", "crypto"]` (`OPENSSL_LIBS` overrides them).
    pub libs: Vec<String>,
    /// Further libraries a C link needs after [`Location::libs`], e.g. `["dl", "pthread"]`
    /// when linking OpenSSL statically on Linux: the `pkg-config --static` extras, plus the
    /// target's usual ones when linking statically (the five Windows system libraries
    /// `openssl-sys` adds there). Empty for shared linking outside pkg-config.
    pub system_libs: Vec<String>,
    /// Whether [`Location::libs`] are linked statically.
    pub link_static: bool,
    /// Which rule found the location.
    pub found_by: FoundBy,
    /// The installation prefix when known (`OPENSSL_DIR`, a default prefix, the vendored root,
    /// [`from_prefix`]).
    pub prefix: Option<PathBuf>,
}

/// Source of environment variables. The real one records every variable read so that
/// build scripts can print `cargo:rerun-if-env-changed` for each.
pub trait Env {
    /// The value of `name`, like [`std::env::var_os`].
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// The process environment, recording the name of every variable read.
#[derive(Debug, Default)]
pub struct ProcessEnv {
    read: Mutex<BTreeSet<String>>,
}

impl ProcessEnv {
    /// A recorder with nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every variable read so far, sorted and without duplicates: print
    /// `cargo:rerun-if-env-changed=NAME` for each.
    pub fn read_vars(&self) -> Vec<String> {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned());
        std::env::var_os(name)
    }
}

/// A fixed set of variables, for tests and the CLI. Variables not in the map are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapEnv(pub BTreeMap<String, OsString>);

impl MapEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder: sets `name` to `value`.
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<OsString>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }
}

impl Env for MapEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.0.get(name).cloned()
    }
}

/// Read `NAME` the way `openssl-sys` does: first `<TARGET>_NAME` (target upper-cased, `-` →
/// `_`), then `NAME`. Records both reads.
///
/// Mirrors `openssl-sys` `build/main.rs: env()`. Both names are always read (`openssl-sys`
/// reads the plain one only when the prefixed one is unset), so that both end up in
/// [`ProcessEnv::read_vars`].
pub fn target_var(env: &dyn Env, target: &str, name: &str) -> Option<OsString> {
    target_var_named(env, target, name).map(|(_, value)| value)
}

/// [`target_var`], also returning the name of the variable that supplied the value.
fn target_var_named(env: &dyn Env, target: &str, name: &str) -> Option<(String, OsString)> {
    let prefixed = format!("{}_{name}", target.to_uppercase().replace('-', "_"));
    let prefixed_value = env.var_os(&prefixed);
    let plain_value = env.var_os(name);
    match prefixed_value {
        Some(v) => Some((prefixed, v)),
        None => plain_value.map(|v| (name.to_owned(), v)),
    }
}

/// Locate the library for `target` (e.g. "x86_64-unknown-linux-gnu") the way openssl-sys does.
///
/// See the [module documentation](self) for the rules and their order. Errors:
/// [`Error::InvalidInput`] for unusable variable values (relative paths, bad `OPENSSL_LIBS`,
/// non-UTF-8 `HOST`), [`Error::NotFound`] naming the variable and path for anything missing,
/// and when `openssl-sys` itself would find nothing.
pub fn locate(env: &dyn Env, target: &str) -> Result<Location> {
    // `find_normal.rs: find_openssl_dir` uses `env::var("HOST").unwrap()`.
    let host = match env.var_os("HOST") {
        None => target.to_owned(),
        Some(h) => h
            .into_string()
            .map_err(|h| Error::invalid("HOST", h.to_string_lossy(), "not valid UTF-8"))?,
    };

    // `main.rs: find_openssl`: with the `vendored` feature, vendoring happens unless
    // OPENSSL_NO_VENDOR is set to something other than "0". Only DEP_OPENSSL_VENDORED tells a
    // dependent that it did; OPENSSL_NO_VENDOR is read so that it becomes a rerun trigger, and
    // DEP_OPENSSL_VENDORED (what openssl-sys actually did) wins over it.
    let _ = target_var(env, target, "OPENSSL_NO_VENDOR");
    if let Some(loc) = vendored(env, target)? {
        return Ok(loc);
    }

    // `find_normal.rs: get_openssl`.
    let lib_dir = target_var_named(env, target, "OPENSSL_LIB_DIR")
        .map(|(name, value)| existing_dir(&name, value))
        .transpose()?;
    let include_dir = target_var_named(env, target, "OPENSSL_INCLUDE_DIR")
        .map(|(name, value)| existing_dir(&name, value))
        .transpose()?;

    let (lib_dirs, include, found_by, prefix) = match (lib_dir, include_dir) {
        (Some((_, lib)), Some(include)) => (vec![lib], include, FoundBy::LibAndIncludeDir, None),
        (lib_dir, include_dir) => {
            let (prefix_name, prefix, found_by) = match target_var_named(env, target, "OPENSSL_DIR")
            {
                Some((name, value)) => {
                    let (name, dir) = existing_dir(&name, value)?;
                    (name, dir, FoundBy::OpensslDir)
                }
                None => match find_openssl_dir(env, target, &host)? {
                    Found::PkgConfig(loc) => return Ok(*loc),
                    Found::Prefix(dir) => (
                        format!("default prefix {}", dir.display()),
                        dir,
                        FoundBy::DefaultPrefix,
                    ),
                },
            };
            let lib_dirs = match lib_dir {
                Some((_, lib)) => vec![lib],
                None => {
                    let dirs = prefix_lib_dirs(&prefix);
                    if dirs.is_empty() {
                        return Err(Error::NotFound {
                            what: format!("library directory (lib64 or lib) under {prefix_name}"),
                            searched: vec![prefix.join("lib64"), prefix.join("lib")],
                            hint: format!(
                                "{prefix_name} = {} has neither lib64/ nor lib/; point it at an OpenSSL \
                                 installation prefix, or set OPENSSL_LIB_DIR",
                                prefix.display()
                            ),
                        });
                    }
                    dirs
                }
            };
            let include = include_dir.unwrap_or_else(|| (prefix_name, prefix.join("include")));
            (lib_dirs, include, found_by, Some(prefix))
        }
    };
    check_headers(&include.0, &include.1)?;

    let libs = libs_from_env(env, target)?;
    // `main.rs: determine_mode` reads OPENSSL_STATIC after the libraries.
    let link_static = determine_mode(&lib_dirs, &libs, openssl_static(env, target))?;
    Ok(Location {
        include_dirs: vec![include.1],
        lib_dirs,
        libs,
        system_libs: if link_static {
            static_system_libs(target)
        } else {
            Vec::new()
        },
        link_static,
        found_by,
        prefix,
    })
}

/// A prefix given explicitly (CLI `--openssl-dir`): include = `DIR/include`, libraries in
/// `DIR/lib64` and/or `DIR/lib`; validates `DIR/include/openssl/ssl.h` and the libraries.
///
/// The library directories follow `OPENSSL_DIR` exactly: `DIR/lib64` and `DIR/lib`, each one
/// that exists, `lib64` first (so `lib64` is preferred, and a `lib64/` without OpenSSL in it
/// does not hide `lib/`). `link_static`: `Some(true)` requires `libssl.a` and `libcrypto.a`,
/// `Some(false)` requires `libssl.so` and `libcrypto.so` (or `.dylib`/`.dll`), `None`
/// auto-detects like `openssl-sys` (shared when both kinds exist). A relative `dir` is made
/// absolute against the current directory.
pub fn from_prefix(dir: &Path, link_static: Option<bool>) -> Result<Location> {
    let dir = absolute(dir)?;
    if !dir.is_dir() {
        return Err(Error::NotFound {
            what: "OpenSSL prefix directory".into(),
            searched: vec![dir],
            hint: "pass the installation prefix, the directory holding include/openssl/ssl.h"
                .into(),
        });
    }
    let lib_dirs = prefix_lib_dirs(&dir);
    if lib_dirs.is_empty() {
        return Err(Error::NotFound {
            what: format!(
                "library directory (lib64 or lib) under the prefix {}",
                dir.display()
            ),
            searched: vec![dir.join("lib64"), dir.join("lib")],
            hint: "pass the installation prefix, or use --include-dir and --lib-dir".into(),
        });
    }
    explicit(dir.join("include"), lib_dirs, link_static, Some(dir), None)
}

/// Explicit include and lib dirs (CLI `--include-dir/--lib-dir`), same validation.
///
/// Validation as in [`from_prefix`]: `include/openssl/ssl.h` must exist, and the libraries of
/// the requested (or detected) kind must be in `lib`. Relative paths are made absolute.
pub fn from_dirs(include: &Path, lib: &Path, link_static: Option<bool>) -> Result<Location> {
    let include = absolute(include)?;
    let lib = absolute(lib)?;
    if !lib.is_dir() {
        return Err(Error::NotFound {
            what: "OpenSSL library directory (--lib-dir)".into(),
            searched: vec![lib],
            hint: "pass the directory holding libssl and libcrypto".into(),
        });
    }
    explicit(include, vec![lib], link_static, None, None)
}

/// Like [`from_dirs`], linking the libraries named in `libs` (colon-separated, as
/// `OPENSSL_LIBS`: e.g. `wolfssl` for wolfSSL's compatibility layer) instead of ssl and crypto.
pub fn from_dirs_with_libs(
    include: &Path,
    lib: &Path,
    link_static: Option<bool>,
    libs: &OsStr,
) -> Result<Location> {
    let names = parse_libs("--libs", libs)?;
    if names.is_empty() {
        return Err(Error::invalid(
            "--libs",
            libs.to_string_lossy(),
            "name at least one library",
        ));
    }
    let include = absolute(include)?;
    let lib = absolute(lib)?;
    if !lib.is_dir() {
        return Err(Error::NotFound {
            what: "library directory (--lib-dir)".into(),
            searched: vec![lib],
            hint: "pass the directory holding the libraries named by --libs".into(),
        });
    }
    explicit(include, vec![lib], link_static, None, Some(names))
}

/// Compare with the include directory `openssl-sys` exported (`DEP_OPENSSL_INCLUDE`); the
/// error names both sides when they differ.
///
/// What `openssl-sys` exports (0.9.118): in the env-var, prefix and vendored cases,
/// `cargo:include=<include dir>` once — a single path; in the pkg-config case
/// `cargo:include=` for *each* pkg-config include path, of which cargo keeps the last; with the
/// `unstable_boringssl` feature, or when pkg-config reports no include path, nothing at all.
/// Hence:
///
/// * `None` or empty → `Ok` (nothing to compare; whether absence is suspicious is for the
///   caller to judge — it is normal for pkg-config without `-I` and for BoringSSL).
/// * The value is taken as one path if that path exists, otherwise split with
///   [`std::env::split_paths`] (for exporters that join a list).
/// * All paths are canonicalised (symlinks resolved; a path that cannot be is compared as is).
/// * `loc.include_dirs` non-empty → every exported path must be one of them (a subset, because
///   pkg-config may report several and cargo keeps the last).
/// * `loc.include_dirs` empty means "the compiler's default path" → consistent only when every
///   exported path is a default system include directory (`/usr/include`, `/usr/local/include`).
///   Since sslprobe runs pkg-config exactly as `openssl-sys` does (system cflags allowed), on
///   Debian both sides say `/usr/include`; an empty list meeting `/usr/include` is the same
///   headers reached through the compiler default, anything else is a different library.
pub fn check_consistent_with_openssl_sys(
    loc: &Location,
    dep_openssl_include: Option<&OsStr>,
) -> Result<()> {
    let Some(dep) = dep_openssl_include.filter(|d| !d.is_empty()) else {
        return Ok(());
    };
    let exported: Vec<PathBuf> = if Path::new(dep).exists() {
        vec![PathBuf::from(dep)]
    } else {
        std::env::split_paths(dep)
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    };
    let theirs: Vec<PathBuf> = exported.iter().map(|p| canonical(p)).collect();
    let ours: Vec<PathBuf> = loc.include_dirs.iter().map(|p| canonical(p)).collect();

    let consistent = if ours.is_empty() {
        let defaults = [
            canonical(Path::new("/usr/include")),
            canonical(Path::new("/usr/local/include")),
        ];
        theirs.iter().all(|t| defaults.contains(t))
    } else {
        theirs.iter().all(|t| ours.contains(t))
    };
    if consistent {
        return Ok(());
    }
    let ours_text = if ours.is_empty() {
        "the compiler's default include path (no -I)".to_owned()
    } else {
        join_paths_display(&ours)
    };
    Err(Error::invalid(
        "DEP_OPENSSL_INCLUDE",
        dep.to_string_lossy(),
        format!(
            "openssl-sys compiled against the headers in {} but sslprobe resolved {ours_text} \
             (found by {}); the probes would test a different library than the one openssl-sys \
             links. Make both see the same OPENSSL_DIR / OPENSSL_LIB_DIR / OPENSSL_INCLUDE_DIR / \
             PKG_CONFIG_PATH (including <TARGET>_ prefixed forms)",
            join_paths_display(&theirs),
            loc.found_by
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

/// The outcome of `find_openssl_dir`.
enum Found {
    /// A prefix, to be used like `OPENSSL_DIR`.
    Prefix(PathBuf),
    /// pkg-config answered everything (`try_pkg_config` exits the build script on success).
    PkgConfig(Box<Location>),
}

/// `find_normal.rs: find_openssl_dir`.
fn find_openssl_dir(env: &dyn Env, target: &str, host: &str) -> Result<Found> {
    let native = host == target;
    if native && target.ends_with("-apple-darwin") {
        let homebrew = if target == "aarch64-apple-darwin" {
            "/opt/homebrew"
        } else {
            "/usr/local"
        };
        if let Some(dir) = homebrew_prefix(homebrew) {
            return Ok(Found::Prefix(dir));
        }
        // pkgsrc, then MacPorts: `resolve_with_wellknown_location`.
        for dir in ["/opt/pkg", "/opt/local"] {
            if Path::new(dir).join("include/openssl").exists() {
                return Ok(Found::Prefix(PathBuf::from(dir)));
            }
        }
    }

    let pkg_config_error = match try_pkg_config(env, target, host) {
        Ok(loc) => return Ok(Found::PkgConfig(Box::new(loc))),
        Err(e) => e,
    };
    // `try_vcpkg` (Windows) is not mirrored.

    if native
        && (target.contains("freebsd") || target.contains("openbsd") || target.contains("aix"))
    {
        return Ok(Found::Prefix(PathBuf::from("/usr")));
    }
    if native && target.contains("dragonfly") {
        return Ok(Found::Prefix(PathBuf::from("/usr/local")));
    }

    let mut hint = format!(
        "openssl-sys would stop here too (\"Could not find directory of OpenSSL installation\"). \
         Set OPENSSL_DIR (or OPENSSL_LIB_DIR and OPENSSL_INCLUDE_DIR), or install the OpenSSL \
         development package and pkg-config (e.g. libssl-dev and pkg-config on Debian/Ubuntu, \
         openssl-devel and pkgconf on Fedora). pkg-config: {}",
        pkg_config_error.trim()
    );
    if target.contains("windows") {
        hint.push_str(
            ". vcpkg, which openssl-sys also tries on Windows, is not supported by sslprobe",
        );
    }
    Err(Error::NotFound {
        what: format!("OpenSSL installation for {target} (host {host})"),
        searched: Vec::new(),
        hint,
    })
}

/// `find_normal.rs: resolve_with_wellknown_homebrew_location`.
fn homebrew_prefix(dir: &str) -> Option<PathBuf> {
    const VERSIONS: [&str; 3] = ["openssl@4", "openssl@3", "openssl@3.0"];
    for version in VERSIONS {
        let candidate = Path::new(dir).join("opt").join(version);
        if candidate.exists() {
            return Some(candidate);
        }
    }
    for version in VERSIONS {
        // `brew --prefix` is slow; openssl-sys uses it only as a last resort, and so do we.
        let Ok(out) = Command::new("brew").args(["--prefix", version]).output() else {
            continue;
        };
        if !out.status.success() {
            continue;
        }
        if let Ok(text) = String::from_utf8(out.stdout) {
            let candidate = PathBuf::from(text.trim());
            if candidate.exists() {
                return Some(candidate);
            }
        }
    }
    None
}

/// `pkg_config::Config::targeted_env_var`, with `target`/`host` from the caller. All four
/// names are read (recorded); the first set wins.
fn pkg_config_targeted(env: &dyn Env, target: &str, host: &str, base: &str) -> Option<OsString> {
    let kind = if host == target { "HOST" } else { "TARGET" };
    let target_u = target.replace('-', "_");
    let candidates = [
        env.var_os(&format!("{base}_{target}")),
        env.var_os(&format!("{base}_{target_u}")),
        env.var_os(&format!("{kind}_{base}")),
        env.var_os(base),
    ];
    candidates.into_iter().flatten().next()
}

/// `find_normal.rs: try_pkg_config`: `pkg_config::Config::new().print_system_libs(false)
/// .probe("openssl")`, plus `.cargo_metadata(false)`, `.env_metadata(false)` and an explicit
/// `.statik(...)` computed from the [`Env`] the way the crate's `infer_static` would.
///
/// Returns the reason as text when pkg-config is not used or fails (`openssl-sys` prints it and
/// carries on with the default prefixes).
fn try_pkg_config(
    env: &dyn Env,
    target: &str,
    host: &str,
) -> std::result::Result<Location, String> {
    if target.contains("windows-msvc") {
        return Err("not used for windows-msvc targets (openssl-sys uses vcpkg there)".into());
    }
    // openssl-sys sets PKG_CONFIG_ALLOW_CROSS=1 itself in this case.
    let forced_cross = target.contains("windows-gnu") && host.contains("windows");

    // Read (and thereby record) everything the pkg-config crate reads.
    let allow_cross = pkg_config_targeted(env, target, host, "PKG_CONFIG_ALLOW_CROSS");
    let custom_exe = pkg_config_targeted(env, target, host, "PKG_CONFIG");
    let targeted_sysroot = pkg_config_targeted(env, target, host, "PKG_CONFIG_SYSROOT_DIR");
    let _ = pkg_config_targeted(env, target, host, "PKG_CONFIG_PATH");
    let _ = pkg_config_targeted(env, target, host, "PKG_CONFIG_LIBDIR");
    let plain_sysroot = env.var_os("PKG_CONFIG_SYSROOT_DIR");
    let sysroot_env = env.var_os("SYSROOT");
    let no_pkg_config = env.var_os("OPENSSL_NO_PKG_CONFIG");
    let statik = infer_static(env);

    // `pkg_config::Config::probe`: abort variable, then `target_supported`.
    if no_pkg_config.is_some() {
        return Err("OPENSSL_NO_PKG_CONFIG is set".into());
    }
    if host != target && !forced_cross {
        let supported = match allow_cross {
            Some(v) if v == "0" => false,
            Some(_) => true,
            None => custom_exe.is_some() || targeted_sysroot.is_some(),
        };
        if !supported {
            return Err(format!(
                "cross-compiling ({host} → {target}) and PKG_CONFIG_ALLOW_CROSS is not set, nor a \
                 target-specific PKG_CONFIG or PKG_CONFIG_SYSROOT_DIR"
            ));
        }
    }

    let probe = |statik: bool| {
        pkg_config::Config::new()
            .print_system_libs(false)
            .cargo_metadata(false)
            .env_metadata(false)
            .statik(statik)
            .probe("openssl")
            .map_err(|e| e.to_string())
    };
    let lib = probe(statik)?;
    // The package's own libraries are what a shared link lists; with --static the rest are
    // Libs.private extras (e.g. -ldl).
    let primary = if statik {
        dedup(probe(false)?.libs)
    } else {
        dedup(lib.libs.clone())
    };
    let link_paths = dedup(lib.link_paths.clone());

    // `pkg_config::Library::parse_libs_cflags` + `is_static_available`: libraries below a
    // system root are linked dynamically even with --static.
    let system_roots: Vec<PathBuf> = if cfg!(target_os = "macos") {
        vec![PathBuf::from("/Library"), PathBuf::from("/System")]
    } else {
        let sysroot = plain_sysroot.or(sysroot_env).map(PathBuf::from);
        if cfg!(target_os = "windows") {
            sysroot.into_iter().collect()
        } else {
            vec![sysroot.unwrap_or_else(|| PathBuf::from("/usr"))]
        }
    };
    let link_static = statik
        && !primary.is_empty()
        && primary
            .iter()
            .all(|l| static_available(l, &system_roots, &link_paths));

    let mut system_libs: Vec<String> = if statik {
        dedup(
            lib.libs
                .iter()
                .filter(|l| !primary.contains(l))
                .cloned()
                .collect(),
        )
    } else {
        Vec::new()
    };
    if link_static {
        for l in static_system_libs(target) {
            if !system_libs.contains(&l) {
                system_libs.push(l);
            }
        }
    }

    Ok(Location {
        include_dirs: dedup(lib.include_paths.clone()),
        lib_dirs: link_paths,
        libs: primary,
        system_libs,
        link_static,
        found_by: FoundBy::PkgConfig,
        prefix: None,
    })
}

/// `pkg_config::Config::infer_static` for `openssl`: plain (never `<TARGET>_`) names, presence only.
fn infer_static(env: &dyn Env) -> bool {
    let openssl_static = env.var_os("OPENSSL_STATIC");
    let openssl_dynamic = env.var_os("OPENSSL_DYNAMIC");
    let all_static = env.var_os("PKG_CONFIG_ALL_STATIC");
    // Read for the record only: when it decides, the answer is `false`, the default anyway.
    let _all_dynamic = env.var_os("PKG_CONFIG_ALL_DYNAMIC");
    openssl_static.is_some() || (openssl_dynamic.is_none() && all_static.is_some())
}

/// `pkg_config::is_static_available`.
fn static_available(name: &str, system_roots: &[PathBuf], dirs: &[PathBuf]) -> bool {
    let mut names = vec![format!("lib{name}.a")];
    if cfg!(target_os = "windows") {
        names.push(format!("{name}.lib"));
    }
    dirs.iter().any(|dir| {
        names.iter().any(|n| dir.join(n).exists())
            && !system_roots.iter().any(|root| dir.starts_with(root))
    })
}

/// The vendored case, from `openssl-sys`'s exports (`find_vendored.rs: get_openssl`:
/// `cargo:vendored=1`, `cargo:root=<lib_dir>/..`, include = `<root>/include`).
fn vendored(env: &dyn Env, target: &str) -> Result<Option<Location>> {
    let Some(flag) = env.var_os("DEP_OPENSSL_VENDORED") else {
        return Ok(None);
    };
    let flag = flag.to_string_lossy().trim().to_ascii_lowercase();
    if matches!(flag.as_str(), "" | "0" | "false" | "no" | "off") {
        return Ok(None);
    }
    let Some(root) = env.var_os("DEP_OPENSSL_ROOT") else {
        return Err(Error::NotFound {
            what: "DEP_OPENSSL_ROOT (DEP_OPENSSL_VENDORED is set, so openssl-sys built OpenSSL itself)".into(),
            searched: Vec::new(),
            hint: "openssl-sys >= 0.9 exports both; a build script only sees them when its crate \
                   depends on openssl-sys directly"
                .into(),
        });
    };
    let (name, root) = existing_dir("DEP_OPENSSL_ROOT", root)?;
    let lib_dirs = prefix_lib_dirs(&root);
    if lib_dirs.is_empty() {
        return Err(Error::NotFound {
            what: "library directory of the vendored OpenSSL (DEP_OPENSSL_ROOT)".into(),
            searched: vec![root.join("lib64"), root.join("lib")],
            hint: "the vendored build looks incomplete; try `cargo clean -p openssl-sys`".into(),
        });
    }
    let include = root.join("include");
    check_headers(&name, &include)?;
    let libs = libs_from_env(env, target)?;
    Ok(Some(Location {
        include_dirs: vec![include],
        lib_dirs,
        libs,
        // openssl-src builds `no-shared`, so determine_mode finds only .a files.
        system_libs: static_system_libs(target),
        link_static: true,
        found_by: FoundBy::Vendored,
        prefix: Some(root),
    }))
}

/// Validates a directory named by an environment variable: absolute and existing.
/// Returns the variable's name along with the path.
fn existing_dir(name: &str, value: OsString) -> Result<(String, PathBuf)> {
    let path = PathBuf::from(value);
    if !path.is_absolute() {
        return Err(Error::invalid(
            name,
            path.to_string_lossy(),
            "must be an absolute path: openssl-sys resolves a relative path against its own \
             package directory, which a dependent cannot know (cargo's [env] table can make \
             paths absolute with `relative = true`)",
        ));
    }
    if !path.is_dir() {
        return Err(Error::NotFound {
            what: format!("directory named by {name}"),
            searched: vec![path.clone()],
            hint: format!(
                "{name} = {} does not exist or is not a directory",
                path.display()
            ),
        });
    }
    Ok((name.to_owned(), path))
}

/// `find_normal.rs: get_openssl`: `lib64` then `lib`, each that exists.
fn prefix_lib_dirs(prefix: &Path) -> Vec<PathBuf> {
    ["lib64", "lib"]
        .iter()
        .map(|d| prefix.join(d))
        .filter(|d| d.exists())
        .collect()
}

/// The include directory must exist and hold `openssl/ssl.h`.
fn check_headers(source: &str, include: &Path) -> Result<()> {
    if !include.is_dir() {
        return Err(Error::NotFound {
            what: format!("OpenSSL include directory (from {source})"),
            searched: vec![include.to_path_buf()],
            hint: "the directory does not exist; install the OpenSSL development headers or point \
                   the variable at the right place"
                .into(),
        });
    }
    let ssl_h = include.join("openssl").join("ssl.h");
    if !ssl_h.is_file() {
        return Err(Error::NotFound {
            what: format!("openssl/ssl.h in the include directory (from {source})"),
            searched: vec![ssl_h],
            hint: "this is not an OpenSSL include directory, or the libssl headers are not \
                   installed (e.g. libssl-dev)"
                .into(),
        });
    }
    Ok(())
}

/// `main.rs`: `OPENSSL_LIBS`, else `libssl:libcrypto` on `windows-msvc`, else `ssl:crypto`.
fn libs_from_env(env: &dyn Env, target: &str) -> Result<Vec<String>> {
    match target_var_named(env, target, "OPENSSL_LIBS") {
        Some((name, value)) => parse_libs(&name, &value),
        None => Ok(default_libs(target.contains("windows-msvc"))),
    }
}

fn default_libs(msvc: bool) -> Vec<String> {
    let names: [&str; 2] = if msvc {
        ["libssl", "libcrypto"]
    } else {
        ["ssl", "crypto"]
    };
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Colon-separated plain library names; empty means none (as in `openssl-sys`).
fn parse_libs(name: &str, value: &OsStr) -> Result<Vec<String>> {
    let Some(text) = value.to_str() else {
        return Err(Error::invalid(
            name,
            value.to_string_lossy(),
            "not valid UTF-8 (openssl-sys would silently ignore it and link ssl and crypto); \
             expected colon-separated library names such as \"ssl:crypto\"",
        ));
    };
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(':')
        .map(|lib| {
            let plain = !lib.is_empty()
                && lib.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'));
            if plain {
                Ok(lib.to_owned())
            } else {
                Err(Error::invalid(
                    name,
                    text,
                    format!(
                        "{lib:?} is not a plain library name: expected colon-separated names made of \
                         [A-Za-z0-9_.+-], without `lib` prefix or suffix, e.g. \"ssl:crypto\""
                    ),
                ))
            }
        })
        .collect()
}

/// `main.rs: determine_mode`'s reading of `OPENSSL_STATIC`: `"0"` → shared, any other UTF-8
/// value → static, unset or non-UTF-8 → auto-detect.
fn openssl_static(env: &dyn Env, target: &str) -> Option<bool> {
    target_var(env, target, "OPENSSL_STATIC").and_then(|v| v.to_str().map(|s| s != "0"))
}

/// File names (UTF-8 only, as `openssl-sys` filters them) in the library directories.
fn lib_files(lib_dirs: &[PathBuf]) -> Result<HashSet<String>> {
    let mut files = HashSet::new();
    for dir in lib_dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            if let Ok(name) = entry.file_name().into_string() {
                files.insert(name);
            }
        }
    }
    Ok(files)
}

/// `(can_static, can_dylib)` as computed by `main.rs: determine_mode`.
fn availability(files: &HashSet<String>, libs: &[String]) -> (bool, bool) {
    let can_static = libs
        .iter()
        .all(|l| files.contains(&format!("lib{l}.a")) || files.contains(&format!("{l}.lib")));
    let can_dylib = libs.iter().all(|l| {
        files.contains(&format!("lib{l}.so"))
            || files.contains(&format!("{l}.dll"))
            || files.contains(&format!("lib{l}.dylib"))
    });
    (can_static, can_dylib)
}

/// `main.rs: determine_mode`: the explicit request wins (without looking at the files); else
/// only static → static, only shared or both → shared, neither → error.
fn determine_mode(lib_dirs: &[PathBuf], libs: &[String], requested: Option<bool>) -> Result<bool> {
    if let Some(link_static) = requested {
        return Ok(link_static);
    }
    let files = lib_files(lib_dirs)?;
    match availability(&files, libs) {
        (true, false) => Ok(true),
        (_, true) => Ok(false),
        (false, false) => Err(missing_libs(lib_dirs, libs, None)),
    }
}

fn missing_libs(lib_dirs: &[PathBuf], libs: &[String], kind: Option<bool>) -> Error {
    let files = |l: &String| match kind {
        Some(true) => format!("lib{l}.a"),
        Some(false) => format!("lib{l}.so"),
        None => format!("lib{l}.a or lib{l}.so"),
    };
    let wanted = libs.iter().map(files).collect::<Vec<_>>().join(", ");
    Error::NotFound {
        what: format!("OpenSSL libraries ({wanted}) in the library directory"),
        searched: lib_dirs.to_vec(),
        hint: "the directory must contain every library to either statically or dynamically link \
               OpenSSL (openssl-sys checks the same); install the development package, fix \
               OPENSSL_DIR / OPENSSL_LIB_DIR, or adjust OPENSSL_LIBS / OPENSSL_STATIC"
            .into(),
    }
}

/// Validation shared by [`from_prefix`] and [`from_dirs`].
fn explicit(
    include: PathBuf,
    lib_dirs: Vec<PathBuf>,
    link_static: Option<bool>,
    prefix: Option<PathBuf>,
    libs: Option<Vec<String>>,
) -> Result<Location> {
    check_headers("the explicit include directory", &include)?;
    let files = lib_files(&lib_dirs)?;
    let libs = libs.unwrap_or_else(|| default_libs(cfg!(target_env = "msvc")));
    let (can_static, can_dylib) = availability(&files, &libs);
    let link_static = match link_static {
        Some(true) if can_static => true,
        Some(false) if can_dylib => false,
        Some(kind) => return Err(missing_libs(&lib_dirs, &libs, Some(kind))),
        None => match (can_static, can_dylib) {
            (_, true) => false,
            (true, false) => true,
            (false, false) => return Err(missing_libs(&lib_dirs, &libs, None)),
        },
    };
    Ok(Location {
        include_dirs: vec![include],
        lib_dirs,
        libs,
        system_libs: if link_static {
            static_system_libs(std::env::consts::OS)
        } else {
            Vec::new()
        },
        link_static,
        found_by: FoundBy::Explicit,
        prefix,
    })
}

/// What a C link of static OpenSSL needs after `-lssl -lcrypto` on `target` (a triple, or an
/// OS name such as [`std::env::consts::OS`]): OpenSSL's own `ex_libs` (`Libs.private` of
/// `libcrypto.pc`) for the platform; on Windows the five libraries `openssl-sys` adds.
fn static_system_libs(target: &str) -> Vec<String> {
    let libs: &[&str] = if target.contains("windows") {
        &["gdi32", "user32", "crypt32", "ws2_32", "advapi32"]
    } else if target.contains("android") {
        &["dl"]
    } else if target.contains("linux") {
        &["dl", "pthread"]
    } else if ["freebsd", "netbsd", "openbsd", "dragonfly"]
        .iter()
        .any(|os| target.contains(os))
    {
        &["pthread"]
    } else if target.contains("solaris") || target.contains("illumos") {
        &["socket", "nsl", "dl", "pthread"]
    } else {
        &[]
    };
    libs.iter().map(|s| (*s).to_owned()).collect()
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(path, e))
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn join_paths_display(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Removes later duplicates, keeping order.
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const TARGET: &str = "x86_64-unknown-linux-gnu";
    const PFX: &str = "X86_64_UNKNOWN_LINUX_GNU_";

    /// A fake prefix: `include/openssl/ssl.h` plus the given files under it.
    fn prefix_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        make_prefix(dir.path(), files);
        dir
    }

    fn make_prefix(root: &Path, files: &[&str]) {
        fs::create_dir_all(root.join("include/openssl")).unwrap();
        fs::write(root.join("include/openssl/ssl.h"), "/* fake */\n").unwrap();
        for f in files {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "").unwrap();
        }
    }

    /// An env that cannot reach pkg-config.
    fn env() -> MapEnv {
        MapEnv::new().set("OPENSSL_NO_PKG_CONFIG", "1")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn openssl_dir_prefers_lib64_and_keeps_lib() {
        let p = prefix_with(&[
            "lib64/libssl.so",
            "lib64/libcrypto.so",
            "lib/libssl.a",
            "lib/libcrypto.a",
        ]);
        let loc = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap();
        assert_eq!(
            loc.lib_dirs,
            vec![p.path().join("lib64"), p.path().join("lib")]
        );
        assert_eq!(loc.include_dirs, vec![p.path().join("include")]);
        assert_eq!(loc.found_by, FoundBy::OpensslDir);
        assert_eq!(loc.prefix.as_deref(), Some(p.path()));
        assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
        assert!(!loc.link_static, "both kinds present → dynamic");
        assert!(loc.system_libs.is_empty());

        let only_lib = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
        let loc = locate(&env().set("OPENSSL_DIR", only_lib.path()), TARGET).unwrap();
        assert_eq!(loc.lib_dirs, vec![only_lib.path().join("lib")]);

        let from_prefix = from_prefix(p.path(), None).unwrap();
        assert_eq!(from_prefix.lib_dirs[0], p.path().join("lib64"));
        assert_eq!(from_prefix.found_by, FoundBy::Explicit);
    }

    #[test]
    fn target_prefixed_var_wins_over_plain() {
        let good = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
        let e = env()
            .set(format!("{PFX}OPENSSL_DIR"), good.path())
            .set("OPENSSL_DIR", "/nonexistent/openssl");
        let loc = locate(&e, TARGET).unwrap();
        assert_eq!(loc.prefix.as_deref(), Some(good.path()));
        assert_eq!(
            target_var(&e, TARGET, "OPENSSL_DIR"),
            Some(good.path().as_os_str().to_owned())
        );
        assert_eq!(
            target_var(
                &MapEnv::new().set("OPENSSL_DIR", "/x"),
                TARGET,
                "OPENSSL_DIR"
            ),
            Some("/x".into())
        );
    }

    #[test]
    fn target_var_records_both_reads() {
        let penv = ProcessEnv::new();
        assert_eq!(
            target_var(&penv, "aarch64-linux-android", "SSLPROBE_TEST_SURELY_UNSET"),
            None
        );
        assert_eq!(
            penv.read_vars(),
            strings(&[
                "AARCH64_LINUX_ANDROID_SSLPROBE_TEST_SURELY_UNSET",
                "SSLPROBE_TEST_SURELY_UNSET"
            ])
        );
    }

    #[test]
    fn lib_and_include_dir() {
        let p = prefix_with(&["somewhere/libssl.a", "somewhere/libcrypto.a"]);
        let e = env()
            .set("OPENSSL_LIB_DIR", p.path().join("somewhere"))
            .set("OPENSSL_INCLUDE_DIR", p.path().join("include"));
        let loc = locate(&e, TARGET).unwrap();
        assert_eq!(loc.found_by, FoundBy::LibAndIncludeDir);
        assert_eq!(loc.lib_dirs, vec![p.path().join("somewhere")]);
        assert_eq!(loc.prefix, None);
        assert!(loc.link_static, "only .a → static");
        assert_eq!(loc.system_libs, strings(&["dl", "pthread"]));
        assert_eq!(
            FoundBy::LibAndIncludeDir.to_string(),
            "OPENSSL_LIB_DIR + OPENSSL_INCLUDE_DIR"
        );
    }

    #[test]
    fn lone_lib_dir_overrides_half_of_openssl_dir() {
        let p = prefix_with(&[
            "lib/libssl.so",
            "lib/libcrypto.so",
            "other/libssl.a",
            "other/libcrypto.a",
        ]);
        let e = env()
            .set("OPENSSL_DIR", p.path())
            .set("OPENSSL_LIB_DIR", p.path().join("other"));
        let loc = locate(&e, TARGET).unwrap();
        assert_eq!(loc.lib_dirs, vec![p.path().join("other")]);
        assert_eq!(loc.include_dirs, vec![p.path().join("include")]);
        assert_eq!(loc.found_by, FoundBy::OpensslDir);
        assert!(loc.link_static);
    }

    #[test]
    fn openssl_libs_parsing_and_rejection() {
        let p = prefix_with(&["lib/libssl3.so", "lib/libcrypto3.so", "lib/libz.so"]);
        let e = env().set("OPENSSL_DIR", p.path());
        let loc = locate(&e.clone().set("OPENSSL_LIBS", "ssl3:crypto3:z"), TARGET).unwrap();
        assert_eq!(loc.libs, strings(&["ssl3", "crypto3", "z"]));
        let loc = locate(&e.clone().set("OPENSSL_LIBS", ""), TARGET).unwrap();
        assert!(loc.libs.is_empty());

        for bad in [
            "ssl;rm -rf",
            "ssl::crypto",
            "ssl:",
            "-lssl crypto",
            "ssl:cr/ypto",
        ] {
            let err = locate(&e.clone().set("OPENSSL_LIBS", bad), TARGET).unwrap_err();
            match &err {
                Error::InvalidInput { what, value, .. } => {
                    assert_eq!(what, "OPENSSL_LIBS");
                    assert_eq!(value, bad);
                }
                other => panic!("{bad}: {other}"),
            }
        }
        let err = locate(&e.clone().set(format!("{PFX}OPENSSL_LIBS"), "a b"), TARGET).unwrap_err();
        assert!(
            err.to_string().contains(&format!("{PFX}OPENSSL_LIBS")),
            "{err}"
        );
        assert_eq!(
            parse_libs("X", OsStr::new("ssl.1:c++_x-y")).unwrap(),
            strings(&["ssl.1", "c++_x-y"])
        );
    }

    #[test]
    fn static_auto_detection() {
        let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        assert!(
            locate(&env().set("OPENSSL_DIR", only_a.path()), TARGET)
                .unwrap()
                .link_static
        );

        let both = prefix_with(&[
            "lib/libssl.a",
            "lib/libcrypto.a",
            "lib/libssl.so",
            "lib/libcrypto.so",
        ]);
        assert!(
            !locate(&env().set("OPENSSL_DIR", both.path()), TARGET)
                .unwrap()
                .link_static
        );

        // Only versioned shared objects (runtime package): neither kind is linkable.
        let none = prefix_with(&["lib/libssl.so.3", "lib/libcrypto.so.3"]);
        let err = locate(&env().set("OPENSSL_DIR", none.path()), TARGET).unwrap_err();
        match &err {
            Error::NotFound { searched, .. } => {
                assert_eq!(searched, &vec![none.path().join("lib")])
            }
            other => panic!("{other}"),
        }
        assert!(err
            .to_string()
            .contains(&none.path().join("lib").display().to_string()));

        // Mixed: libssl only static, libcrypto only shared → neither for both → error.
        let mixed = prefix_with(&["lib/libssl.a", "lib/libcrypto.so"]);
        assert!(locate(&env().set("OPENSSL_DIR", mixed.path()), TARGET).is_err());
    }

    #[test]
    fn openssl_static_values() {
        let both = prefix_with(&[
            "lib/libssl.a",
            "lib/libcrypto.a",
            "lib/libssl.so",
            "lib/libcrypto.so",
        ]);
        let e = env().set("OPENSSL_DIR", both.path());
        assert!(
            locate(&e.clone().set("OPENSSL_STATIC", "1"), TARGET)
                .unwrap()
                .link_static
        );
        assert!(
            !locate(&e.clone().set("OPENSSL_STATIC", "0"), TARGET)
                .unwrap()
                .link_static
        );
        // As permissive as openssl-sys: anything but "0" is static.
        for v in ["", "yes please", "false", "no"] {
            assert!(
                locate(&e.clone().set("OPENSSL_STATIC", v), TARGET)
                    .unwrap()
                    .link_static,
                "{v:?}"
            );
        }
        // The prefixed form wins.
        let e2 = e
            .clone()
            .set("OPENSSL_STATIC", "1")
            .set(format!("{PFX}OPENSSL_STATIC"), "0");
        assert!(!locate(&e2, TARGET).unwrap().link_static);

        // An explicit request is not checked against the files (openssl-sys does not either).
        let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        let loc = locate(
            &env()
                .set("OPENSSL_DIR", only_a.path())
                .set("OPENSSL_STATIC", "0"),
            TARGET,
        )
        .unwrap();
        assert!(!loc.link_static);
    }

    #[cfg(unix)]
    #[test]
    fn openssl_static_non_utf8_means_auto() {
        use std::os::unix::ffi::OsStrExt;
        let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        let e = env()
            .set("OPENSSL_DIR", only_a.path())
            .set("OPENSSL_STATIC", OsStr::from_bytes(b"0\xff"));
        assert!(locate(&e, TARGET).unwrap().link_static);
    }

    #[test]
    fn missing_openssl_dir_is_not_found_naming_var_and_path() {
        let err = locate(
            &env().set("OPENSSL_DIR", "/nonexistent/sslprobe-test"),
            TARGET,
        )
        .unwrap_err();
        match &err {
            Error::NotFound { what, searched, .. } => {
                assert!(what.contains("OPENSSL_DIR"), "{what}");
                assert_eq!(searched, &vec![PathBuf::from("/nonexistent/sslprobe-test")]);
            }
            other => panic!("{other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("OPENSSL_DIR") && text.contains("/nonexistent/sslprobe-test"),
            "{text}"
        );

        let err = locate(
            &env().set(format!("{PFX}OPENSSL_LIB_DIR"), "/nonexistent/lib"),
            TARGET,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(&format!("{PFX}OPENSSL_LIB_DIR")),
            "{err}"
        );
    }

    #[test]
    fn relative_and_empty_paths_are_rejected() {
        for v in ["", "relative/openssl"] {
            let err = locate(&env().set("OPENSSL_DIR", v), TARGET).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { what, .. } if what == "OPENSSL_DIR"),
                "{err}"
            );
        }
    }

    #[test]
    fn missing_headers_and_lib_dirs() {
        let p = tempfile::tempdir().unwrap();
        fs::create_dir_all(p.path().join("lib")).unwrap();
        fs::create_dir_all(p.path().join("include")).unwrap();
        let err = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap_err();
        assert!(err.to_string().contains("ssl.h"), "{err}");

        let no_lib = tempfile::tempdir().unwrap();
        make_prefix(no_lib.path(), &[]);
        let err = locate(&env().set("OPENSSL_DIR", no_lib.path()), TARGET).unwrap_err();
        match err {
            Error::NotFound { searched, .. } => {
                assert_eq!(
                    searched,
                    vec![no_lib.path().join("lib64"), no_lib.path().join("lib")]
                )
            }
            other => panic!("{other}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_prefix() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(OsStr::from_bytes(b"ssl-\xff\xfe-prefix"));
        make_prefix(&root, &["lib/libssl.so", "lib/libcrypto.so"]);
        let loc = locate(&env().set("OPENSSL_DIR", root.as_os_str()), TARGET).unwrap();
        assert_eq!(loc.include_dirs, vec![root.join("include")]);
        assert_eq!(loc.lib_dirs, vec![root.join("lib")]);
        let e = env()
            .set("OPENSSL_LIB_DIR", root.join("lib"))
            .set("OPENSSL_INCLUDE_DIR", root.join("include"));
        assert_eq!(locate(&e, TARGET).unwrap().lib_dirs, vec![root.join("lib")]);
        assert!(from_prefix(&root, Some(false)).is_ok());
        check_consistent_with_openssl_sys(&loc, Some(root.join("include").as_os_str())).unwrap();
    }

    #[test]
    fn vendored() {
        let root = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        // Vendored wins over OPENSSL_DIR, as in openssl-sys's find_openssl.
        let e = env()
            .set("DEP_OPENSSL_VENDORED", "1")
            .set("DEP_OPENSSL_ROOT", root.path())
            .set("OPENSSL_DIR", "/nonexistent/ignored");
        let loc = locate(&e, TARGET).unwrap();
        assert_eq!(loc.found_by, FoundBy::Vendored);
        assert!(loc.link_static);
        assert_eq!(loc.include_dirs, vec![root.path().join("include")]);
        assert_eq!(loc.lib_dirs, vec![root.path().join("lib")]);
        assert_eq!(loc.prefix.as_deref(), Some(root.path()));
        assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
        assert_eq!(FoundBy::Vendored.to_string(), "vendored (DEP_OPENSSL_ROOT)");

        let err = locate(&env().set("DEP_OPENSSL_VENDORED", "1"), TARGET).unwrap_err();
        assert!(err.to_string().contains("DEP_OPENSSL_ROOT"), "{err}");

        // "0" is not vendored: falls through to OPENSSL_DIR.
        let e = env()
            .set("DEP_OPENSSL_VENDORED", "0")
            .set("OPENSSL_DIR", root.path());
        assert_eq!(locate(&e, TARGET).unwrap().found_by, FoundBy::OpensslDir);
    }

    #[test]
    fn consistency_check() {
        let p = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
        let loc = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap();
        let inc = p.path().join("include");
        check_consistent_with_openssl_sys(&loc, Some(inc.as_os_str())).unwrap();
        // Through a symlink: canonicalised.
        #[cfg(unix)]
        {
            let link = p.path().join("include-link");
            std::os::unix::fs::symlink(&inc, &link).unwrap();
            check_consistent_with_openssl_sys(&loc, Some(link.as_os_str())).unwrap();
        }
        check_consistent_with_openssl_sys(&loc, None).unwrap();
        check_consistent_with_openssl_sys(&loc, Some(OsStr::new(""))).unwrap();

        let other = prefix_with(&[]);
        let other_inc = other.path().join("include");
        let err = check_consistent_with_openssl_sys(&loc, Some(other_inc.as_os_str())).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&canonical(&inc).display().to_string()),
            "{text}"
        );
        assert!(
            text.contains(&canonical(&other_inc).display().to_string()),
            "{text}"
        );

        // Compiler default on our side.
        let mut default = loc.clone();
        default.include_dirs.clear();
        check_consistent_with_openssl_sys(&default, Some(OsStr::new("/usr/include"))).unwrap();
        let err =
            check_consistent_with_openssl_sys(&default, Some(other_inc.as_os_str())).unwrap_err();
        assert!(err.to_string().contains("default include path"), "{err}");

        // pkg-config style: several include dirs, openssl-sys exports (the last) one.
        let mut multi = loc.clone();
        multi.include_dirs = vec![other_inc.clone(), inc.clone()];
        check_consistent_with_openssl_sys(&multi, Some(inc.as_os_str())).unwrap();
    }

    #[test]
    fn explicit_validation() {
        let p = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        let loc = from_prefix(p.path(), None).unwrap();
        assert!(loc.link_static, "only static exists → falls back to static");
        assert!(from_prefix(p.path(), Some(true)).unwrap().link_static);
        let err = from_prefix(p.path(), Some(false)).unwrap_err();
        assert!(err.to_string().contains("libssl.so"), "{err}");

        let d = from_dirs(&p.path().join("include"), &p.path().join("lib"), None).unwrap();
        assert_eq!(d.prefix, None);
        assert_eq!(d.found_by, FoundBy::Explicit);
        assert!(from_dirs(&p.path().join("lib"), &p.path().join("lib"), None).is_err());
        assert!(from_prefix(&p.path().join("nope"), None).is_err());

        let shared = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
        assert!(from_prefix(shared.path(), Some(true)).is_err());
        assert!(!from_prefix(shared.path(), None).unwrap().link_static);
    }

    #[test]
    fn no_pkg_config_on_linux_is_not_found() {
        let err = locate(&env(), TARGET).unwrap_err();
        match &err {
            Error::NotFound { hint, .. } => {
                assert!(hint.contains("OPENSSL_NO_PKG_CONFIG"), "{hint}")
            }
            other => panic!("{other}"),
        }
        // Cross without PKG_CONFIG_ALLOW_CROSS: pkg-config is not consulted either.
        let err = locate(
            &MapEnv::new().set("HOST", TARGET),
            "aarch64-unknown-linux-gnu",
        )
        .unwrap_err();
        assert!(err.to_string().contains("PKG_CONFIG_ALLOW_CROSS"), "{err}");
    }

    #[test]
    fn static_system_libs_per_target() {
        assert_eq!(
            static_system_libs("x86_64-unknown-linux-musl"),
            strings(&["dl", "pthread"])
        );
        assert_eq!(
            static_system_libs("aarch64-linux-android"),
            strings(&["dl"])
        );
        assert_eq!(static_system_libs("x86_64-pc-windows-gnu").len(), 5);
        assert!(static_system_libs("aarch64-apple-darwin").is_empty());
    }

    #[test]
    fn serde_names() {
        // serde is the contract with the CLI's JSON output.
        assert_eq!(
            toml_value(&FoundBy::LibAndIncludeDir),
            "\"lib-and-include-dir\""
        );
        assert_eq!(toml_value(&FoundBy::PkgConfig), "\"pkg-config\"");
    }

    fn toml_value<T: serde::Serialize>(v: &T) -> String {
        #[derive(serde::Serialize)]
        struct W<'a, T: serde::Serialize> {
            v: &'a T,
        }
        toml::to_string(&W { v })
            .unwrap()
            .trim()
            .trim_start_matches("v = ")
            .to_owned()
    }

    /// The real thing: Debian's system OpenSSL through pkg-config (libssl-dev installed).
    #[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
    #[test]
    fn real_system_openssl_via_pkg_config() {
        let penv = ProcessEnv::new();
        // No overrides of our own: a MapEnv, so the test does not depend on the caller's OPENSSL_*.
        let loc = locate(&MapEnv::new(), TARGET).unwrap();
        assert_eq!(loc.found_by, FoundBy::PkgConfig);
        assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
        assert!(!loc.link_static);
        assert!(loc.system_libs.is_empty());
        // openssl-sys's configuration allows system cflags: /usr/include is reported.
        assert!(
            loc.include_dirs
                .iter()
                .all(|d| d == Path::new("/usr/include")),
            "{:?}",
            loc.include_dirs
        );
        check_consistent_with_openssl_sys(&loc, Some(OsStr::new("/usr/include"))).unwrap();

        // OPENSSL_STATIC in the pkg-config case (pkg-config crate's `infer_static`): mere
        // presence runs `--static`, yet /usr is a system root, so the libraries stay shared and
        // only the Libs.private extras are added (as openssl-sys links them).
        let st = locate(&MapEnv::new().set("OPENSSL_STATIC", "0"), TARGET).unwrap();
        assert_eq!(st.found_by, FoundBy::PkgConfig);
        assert_eq!(st.libs, strings(&["ssl", "crypto"]));
        assert!(!st.link_static);
        assert_eq!(st.system_libs, strings(&["dl"]));
        // ...while the <TARGET>_ form is invisible to pkg-config.
        let pst = locate(
            &MapEnv::new().set(format!("{PFX}OPENSSL_STATIC"), "1"),
            TARGET,
        )
        .unwrap();
        assert_eq!(pst, loc);

        // A lone OPENSSL_LIB_DIR is ignored when pkg-config answers (try_pkg_config exits).
        let lone = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
        let l = locate(
            &MapEnv::new().set("OPENSSL_LIB_DIR", lone.path().join("lib")),
            TARGET,
        )
        .unwrap();
        assert_eq!(l, loc);

        // The pkg-config variables are read through the Env (→ rerun-if-env-changed).
        let _ = locate(&penv, TARGET);
        let read = penv.read_vars();
        for name in [
            "OPENSSL_DIR",
            &format!("{PFX}OPENSSL_DIR"),
            "PKG_CONFIG_PATH",
            &format!("PKG_CONFIG_PATH_{TARGET}"),
            "PKG_CONFIG_PATH_x86_64_unknown_linux_gnu",
            "PKG_CONFIG_LIBDIR",
            "PKG_CONFIG_SYSROOT_DIR",
            "PKG_CONFIG_ALLOW_CROSS",
            "PKG_CONFIG",
            "OPENSSL_NO_PKG_CONFIG",
            "OPENSSL_STATIC",
        ] {
            assert!(
                read.iter().any(|r| r == name),
                "{name} not recorded: {read:?}"
            );
        }
    }
}
