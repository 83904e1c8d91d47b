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
//! Every variable is read as `openssl-sys`'s `env()` does: first
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
//!   header version (known only once the library is identified) can tell.
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
//! them a vendored build cannot be located and the check against `DEP_OPENSSL_INCLUDE` has
//! nothing to compare.
//!
//! Locating through the process environment, as a build script does:
//!
//! ```
//! use sslprobe_build::locate::{self, ProcessEnv};
//! let env = ProcessEnv::new();
//! match locate::locate(&env, "x86_64-unknown-linux-gnu") {
//!     Ok(loc) => println!("found by {}: {:?} {:?}", loc.found_by, loc.include_dirs, loc.libs),
//!     Err(e) => println!("openssl-sys would not find a library either: {e}"),
//! }
//! // What a build script must re-run for:
//! let reads = env.read_vars();
//! assert!(reads.iter().any(|v| v == "OPENSSL_DIR"));
//! ```

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

mod libs;
mod pkg_config;
mod vendored;

use crate::env::{target_var, target_var_named};
pub use crate::env::{Env, MapEnv, ProcessEnv};
use libs::*;
use pkg_config::*;
use vendored::vendored;

impl Location {
    /// No directories and no libraries: the compiler's defaults only (the control probes and
    /// the toolchain check, which must not depend on the library).
    pub(crate) fn none() -> Location {
        Location {
            include_dirs: vec![],
            lib_dirs: vec![],
            libs: vec![],
            system_libs: vec![],
            link_static: false,
            found_by: FoundBy::Explicit,
            prefix: None,
        }
    }
}

/// How the location was found.
///
/// ```
/// use sslprobe_build::locate::{self, FoundBy};
/// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
/// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
/// let loc = locate::from_prefix(&prefix, None)?;
/// assert_eq!(loc.found_by, FoundBy::Explicit);
/// assert_eq!(FoundBy::OpensslDir.to_string(), "OPENSSL_DIR");
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
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
    /// The library sslprobe's own build script located, read from its `DEP_SSLPROBE_*`
    /// metadata by a dependent's build script ([`crate::Probe`]).
    SslprobeMetadata,
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
            FoundBy::SslprobeMetadata => "sslprobe's metadata (DEP_SSLPROBE_*)",
        })
    }
}

/// Where the library is and how to link it.
///
/// ```
/// use sslprobe_build::locate::{self, MapEnv};
/// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
/// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
/// // OPENSSL_DIR=<prefix>, as a build script would see it:
/// let env = MapEnv::new().set("OPENSSL_DIR", prefix.as_os_str());
/// let loc = locate::locate(&env, "x86_64-unknown-linux-gnu")?;
/// assert_eq!(loc.include_dirs, [prefix.join("include")]);
/// assert_eq!(loc.lib_dirs, [prefix.join("lib")]);
/// assert_eq!(loc.libs, ["ssl", "crypto"]);
/// assert!(!loc.link_static && loc.system_libs.is_empty()); // only shared libraries there
/// assert_eq!(loc.prefix.as_deref(), Some(prefix.as_path()));
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
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

/// Locate the library for `target` (e.g. "x86_64-unknown-linux-gnu") the way openssl-sys does.
///
/// See the [module documentation](self) for the rules and their order. Errors:
/// [`Error::InvalidInput`] for unusable variable values (relative paths, bad `OPENSSL_LIBS`,
/// non-UTF-8 `HOST`), [`Error::NotFound`] naming the variable and path for anything missing,
/// and when `openssl-sys` itself would find nothing.
///
/// ```
/// use sslprobe_build::{locate::{self, FoundBy, MapEnv}, Error};
/// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
/// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
/// let env = MapEnv::new()
///     .set("OPENSSL_INCLUDE_DIR", prefix.join("include"))
///     .set("OPENSSL_LIB_DIR", prefix.join("lib"));
/// let loc = locate::locate(&env, "x86_64-unknown-linux-gnu")?;
/// assert_eq!(loc.found_by, FoundBy::LibAndIncludeDir);
/// // OPENSSL_STATIC decides, as in openssl-sys; static links need the system libraries too.
/// let loc = locate::locate(&env.set("OPENSSL_STATIC", "1"), "x86_64-unknown-linux-gnu")?;
/// assert!(loc.link_static);
/// assert_eq!(loc.system_libs, ["dl", "pthread"]);
/// // Unset variables and no pkg-config hit: an error, never a guess.
/// let none = MapEnv::new().set("OPENSSL_NO_PKG_CONFIG", "1");
/// assert!(matches!(locate::locate(&none, "x86_64-unknown-linux-gnu"), Err(Error::NotFound { .. })));
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
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
///
/// ```
/// use sslprobe_build::locate;
/// // An installation prefix: include/openssl/ssl.h, and the libraries in lib64/ and/or lib/.
/// let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// for d in ["include/openssl", "lib"] {
///     std::fs::create_dir_all(prefix.join(d)).unwrap();
/// }
/// for f in ["include/openssl/ssl.h", "lib/libssl.a", "lib/libcrypto.a"] {
///     std::fs::write(prefix.join(f), "").unwrap();
/// }
/// let loc = locate::from_prefix(&prefix, None)?; // only .a files: static
/// assert!(loc.link_static);
/// assert!(locate::from_prefix(&prefix, Some(false)).is_err()); // no shared libraries there
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
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
///
/// ```
/// use sslprobe_build::locate;
/// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
/// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
/// let loc = locate::from_dirs(&prefix.join("include"), &prefix.join("lib"), Some(false))?;
/// assert_eq!((loc.libs.len(), loc.link_static), (2, false));
/// // The headers must be there:
/// assert!(locate::from_dirs(&prefix.join("lib"), &prefix.join("lib"), None).is_err());
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
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
///
/// ```
/// use sslprobe_build::locate;
/// use std::ffi::OsStr;
/// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
/// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
/// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
/// # std::fs::write(prefix.join("lib/libwolfssl.so"), "").unwrap();
/// // wolfSSL's OpenSSL compatibility layer: one library instead of ssl and crypto.
/// let (inc, lib) = (prefix.join("include"), prefix.join("lib"));
/// let loc = locate::from_dirs_with_libs(&inc, &lib, None, OsStr::new("wolfssl"))?;
/// assert_eq!(loc.libs, ["wolfssl"]);
/// assert!(locate::from_dirs_with_libs(&inc, &lib, None, OsStr::new("ssl;rm -rf")).is_err());
/// # std::fs::remove_dir_all(&prefix).unwrap();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
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
pub(crate) fn check_consistent_with_openssl_sys(
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
mod tests;
