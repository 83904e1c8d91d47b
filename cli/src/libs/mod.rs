//! Real OpenSSL-family libraries built from the package registry's source packages and from
//! release tarballs (LibreSSL: from the directory `$SSLPROBE_SOURCES` names, each checked
//! against that directory's `SHA256SUMS`; see [`sources_dir`]), shared by `sslprobe matrix`
//! and this repository's developer tasks (`cargo xtask libs`, `matrix`, `census`).
//!
//! [`LIBS`] is the table; [`ensure_built`] (or [`ensure_built_with`]) returns a
//! [`Prefix`] for one of them, building it into the cache first when needed;
//! [`cache_state`] tells a complete build from a half-built one without building anything.
//! [`env`](mod@env) holds what a user sets for `openssl-sys` to use a built library.
//!
//! Cache layout (`$SSLPROBE_MATRIX_CACHE`, default `~/.cache/sslprobe/libs`):
//!
//! ```text
//! <cache>/<crate>-<version>-<static|shared>/   e.g. openssl-src-111.28.2+1.1.1w-static/
//!     prefix/include/openssl/ssl.h
//!     prefix/lib/libssl.a, libcrypto.a        (shared builds: libssl.so.* ...)
//!     build.log                               every command of the build and its output
//!     lib.json                                the Prefix manifest
//!     complete.stamp                          written last; without it the build is redone
//! <cache>/<tarball stem>-<static|shared>/     e.g. libressl-3.5.4-static/, same contents
//! <cache>/apt-<package>/                      Debian packages: build.log + lib.json only
//! <cache>/.locks/<dir>.lock                   held while a process builds or checks <dir>
//! ```
//!
//! A build always starts by deleting its directory and writes `complete.stamp` last, so a
//! directory without the stamp (an interrupted or killed build) is never taken for a built
//! library: it is reported as half-built and rebuilt from scratch on next use.

mod build;
mod child;
pub mod env;
mod fetch;
mod inspect;
mod log;
mod table;
mod tools;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sslprobe_build::Version;

pub use build::{openssl_configure_switches, STAMP};
pub use child::{kill_tree, supervised};
pub use fetch::{
    sources_dir, sources_dir_with, DefaultSources, NoTarball, SHA256SUMS, SOURCES_ENV,
};
pub use inspect::{defined_symbols, identifying_macros, log_tail, preprocess};
pub use table::LIBS;
pub use tools::which;

/// Environment variable naming the cache directory.
pub const CACHE_ENV: &str = "SSLPROBE_MATRIX_CACHE";

/// Environment variable that, when set to `1`, keeps the source/build trees of
/// a successful build (they are deleted by default to keep the cache small).
pub const KEEP_BUILD_ENV: &str = "SSLPROBE_KEEP_BUILD";

/// Which implementation a library is: the engine's own type (one definition of the names).
pub use sslprobe_build::Family;

/// How the built libraries are meant to be linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Linkage {
    /// `libssl.a` + `libcrypto.a` only.
    Static,
    /// Shared objects only (OpenSSL shared builds get RUNPATH `$ORIGIN` on libssl).
    Shared,
}

impl Linkage {
    /// `"static"` or `"shared"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Linkage::Static => "static",
            Linkage::Shared => "shared",
        }
    }
}

impl fmt::Display for Linkage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What an OpenSSL build does with its loadable modules (3.x: the legacy provider, which holds
/// DES, RC4, RC2, Blowfish, MD4, ... and which PKCS#12/CMS files with old ciphers need).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSslModules {
    /// 1.1.x: there are no provider modules.
    Unsupported,
    /// 3.x as `make install` leaves it: the modules are built and installed in
    /// `<prefix>/lib/ossl-modules`, where libcrypto looks for them.
    Installed,
    /// `no-module`: the legacy provider is built into libcrypto (the stripped 3.5+ `openssl-src`
    /// sources require it).
    BuiltIn,
}

/// How a crate's sources are turned into an install prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipe {
    /// `openssl-src`: `./Configure` in `openssl/`, `make build_libs`, `make install_dev` (and the
    /// modules, see [`OpenSslModules`]).
    OpenSsl {
        /// What happens to the loadable modules.
        modules: OpenSslModules,
    },
    /// BoringSSL with cmake + ninja (`ninja ssl crypto`).
    BoringSsl {
        /// Directory (inside the crate) holding the `CMakeLists.txt` to build.
        cmake_dir: &'static str,
        /// Directory (inside the crate) holding the public `openssl/` headers.
        include_dir: &'static str,
    },
    /// AWS-LC with cmake + ninja, Go/Perl/tool/tests disabled.
    AwsLc {
        /// Directory (inside the crate) holding AWS-LC's sources.
        cmake_dir: &'static str,
    },
    /// A LibreSSL release tarball shipped inside the crate.
    LibreSslTarball {
        /// File name of the tarball at the crate root.
        tarball: &'static str,
    },
    /// An unpacked LibreSSL portable release: `./configure`, then only `crypto` and `ssl` are
    /// built and only they and the headers installed (no apps, no tests, no libtls).
    LibreSsl,
}

/// Where a library comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A crates.io source package, built by `recipe`.
    Crate {
        /// Crate name.
        name: &'static str,
        /// Exact crate version (resolved with `=version`).
        version: &'static str,
        /// Build recipe.
        recipe: Recipe,
    },
    /// A release tarball from the sources directory ([`sources_dir`]), used only after its
    /// SHA256 matches the directory's `SHA256SUMS`.
    Tarball {
        /// File name, e.g. `libressl-3.5.4.tar.gz`; it unpacks to a directory of the same stem.
        file: &'static str,
        /// Build recipe for the unpacked tree.
        recipe: Recipe,
    },
    /// A Debian/Ubuntu package installed with apt (nothing is built).
    Apt {
        /// Package name (the `-dev` package, which carries headers and `.so` links).
        package: &'static str,
        /// How the path of the package's `openssl/ssl.h` ends (it may ship
        /// several, e.g. wolfSSL's `cyassl/` copy); its grandparent is the include dir.
        header: &'static str,
        /// File name of the TLS library inside the package's library directory.
        ssl_lib: &'static str,
        /// File name of the crypto library (may equal `ssl_lib`).
        crypto_lib: &'static str,
        /// Names to pass as `-l`.
        link_libs: &'static [&'static str],
        /// Headers that must be included before `<openssl/ssl.h>`.
        pre_includes: &'static [&'static str],
    },
}

/// What `openssl-sys` (and so every crate on the `openssl` crate) is expected to do with a
/// library: a fact about openssl-sys's stated support, kept in the table beside the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpensslSys {
    /// Meant to work: a failure of its build script against the library is a real failure.
    Supported,
    /// Not promised (older LibreSSL or BoringSSL, distribution packages it was not written
    /// for): only trying tells, and a failure of its build script means it cannot use it.
    Untested,
    /// It can never use the library, whatever the crate does (the reason).
    Never(&'static str),
}

/// One row of the library table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lib {
    /// The `--libs` key, e.g. `openssl-1.1.1w`.
    pub key: &'static str,
    /// Implementation family.
    pub family: Family,
    /// Expected version (empty for apt packages: taken from the installed package).
    pub version: &'static str,
    /// Static or shared.
    pub linkage: Linkage,
    /// Source package.
    pub source: Source,
    /// Macros that `<openssl/ssl.h>` must define, with their values (hex values
    /// compared case-insensitively and without an `L`/`UL` suffix).
    pub expect_macros: &'static [(&'static str, &'static str)],
    /// What `openssl-sys` is expected to do with it.
    pub openssl_sys: OpensslSys,
}

impl Recipe {
    /// This recipe's revision, kept in the cache's completion stamp: it is bumped whenever the
    /// recipe's steps change, so that a library built by an older recipe is rebuilt — and only
    /// the libraries whose recipe changed.
    ///
    /// History: 1 for every recipe (the first); 2 for OpenSSL 3.x with installed modules (the
    /// legacy provider was not installed before).
    pub fn revision(self) -> u32 {
        match self {
            Recipe::OpenSsl {
                modules: OpenSslModules::Installed,
            } => 2,
            _ => 1,
        }
    }
}

impl Lib {
    /// The revision of the recipe that builds this library ([`Recipe::revision`]; 1 for apt
    /// packages, which are not built).
    pub fn recipe_revision(&self) -> u32 {
        match self.source {
            Source::Crate { recipe, .. } | Source::Tarball { recipe, .. } => recipe.revision(),
            Source::Apt { .. } => 1,
        }
    }

    /// Name of this library's directory in the cache, e.g.
    /// `openssl-src-111.28.2+1.1.1w-static` or `apt-libwolfssl-dev`.
    pub fn cache_dir_name(&self) -> String {
        match self.source {
            Source::Crate { name, version, .. } => format!("{name}-{version}-{}", self.linkage),
            Source::Tarball { file, .. } => format!("{}-{}", tarball_stem(file), self.linkage),
            Source::Apt { package, .. } => format!("apt-{package}"),
        }
    }

    /// `crate version` / `tarball file` / `apt package`, for display.
    pub fn source_label(&self) -> String {
        match self.source {
            Source::Crate { name, version, .. } => format!("{name} {version}"),
            Source::Tarball { file, .. } => format!("tarball {file}"),
            Source::Apt { package, .. } => format!("apt {package}"),
        }
    }

    /// Whether the library comes from apt rather than a source build.
    pub fn is_apt(&self) -> bool {
        matches!(self.source, Source::Apt { .. })
    }

    /// The symbol that proves the TLS library is real (`SSL_CTX_new`, or
    /// `wolfSSL_CTX_new` for wolfSSL, whose compat layer maps names by macro).
    pub fn ctx_new_symbol(&self) -> &'static str {
        match self.family {
            Family::WolfSsl => "wolfSSL_CTX_new",
            _ => "SSL_CTX_new",
        }
    }
}

/// `libressl-3.5.4` for `libressl-3.5.4.tar.gz` (the directory a release tarball unpacks to).
pub fn tarball_stem(file: &str) -> &str {
    [".tar.gz", ".tgz", ".tar.xz", ".tar"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(file)
}

/// Looks a library up by its `--libs` key.
pub fn find(key: &str) -> Option<&'static Lib> {
    LIBS.iter().find(|lib| lib.key == key)
}

/// What the table does with the loadable modules of an OpenSSL release, also one it has no row
/// of: what its row of the same release series says (the `modules` of its [`Recipe::OpenSsl`]).
/// A series is `1.1.0` or `1.1.1` before 3.0 (a letter numbers its releases) and `major.minor`
/// from 3.0 on (`3.5`, `4.0`: the patch number does). `None` where the table has no OpenSSL
/// row of that series.
///
/// ```
/// use sslprobe_build::Version;
/// use sslprobe_cli::libs::{openssl_modules, OpenSslModules};
///
/// // the table builds 3.5.5 with the modules built in, so every 3.5 release is configured so
/// assert_eq!(openssl_modules(&Version::parse("3.5.0")?), Some(OpenSslModules::BuiltIn));
/// assert_eq!(openssl_modules(&Version::parse("3.0.1")?), Some(OpenSslModules::Installed));
/// assert_eq!(openssl_modules(&Version::parse("1.1.1a")?), Some(OpenSslModules::Unsupported));
/// assert_eq!(openssl_modules(&Version::parse("1.0.2u")?), None);
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
pub fn openssl_modules(version: &Version) -> Option<OpenSslModules> {
    let series = |v: &Version| (v.major, v.minor, (v.major < 3).then_some(v.patch));
    LIBS.iter().find_map(|lib| match lib.source {
        Source::Crate {
            recipe: Recipe::OpenSsl { modules },
            ..
        } => {
            let v = Version::parse(lib.version).ok()?;
            (series(&v) == series(version)).then_some(modules)
        }
        _ => None,
    })
}

/// All valid keys, comma-separated (for error messages).
pub fn valid_keys() -> String {
    LIBS.iter().map(|l| l.key).collect::<Vec<_>>().join(", ")
}

/// Edit distance between two short strings (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The key an unknown one was most likely meant to be: the only key that contains it (`3.5` →
/// `openssl-3.5.x`), else the closest by edit distance (at most a third of its length away).
pub fn suggest(unknown: &str) -> Option<&'static str> {
    let u = unknown.to_ascii_lowercase();
    let containing: Vec<&'static str> = LIBS
        .iter()
        .map(|l| l.key)
        .filter(|k| k.contains(u.as_str()))
        .collect();
    if containing.len() == 1 {
        return Some(containing[0]);
    }
    let (best, dist) = LIBS
        .iter()
        .map(|l| (l.key, edit_distance(&u, l.key)))
        .min_by_key(|(_, d)| *d)?;
    (dist <= (u.len() / 3).max(2)).then_some(best)
}

/// Parses a `--libs a,b,c` value. Whitespace around keys is ignored and
/// duplicates are dropped (first occurrence wins); an empty list or an unknown
/// key is an error that suggests the likely key and lists the valid keys.
pub fn parse_keys(spec: &str) -> Result<Vec<&'static Lib>> {
    let mut out: Vec<&'static Lib> = Vec::new();
    let mut unknown = Vec::new();
    for key in spec.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        match find(key) {
            Some(lib) if out.iter().any(|l| l.key == lib.key) => {}
            Some(lib) => out.push(lib),
            None => unknown.push(key),
        }
    }
    if !unknown.is_empty() {
        let hints: Vec<String> = unknown
            .iter()
            .filter_map(|k| suggest(k).map(|s| format!("`{k}`: did you mean `{s}`?")))
            .collect();
        bail!(
            "unknown librar{} `{}`{}; valid keys: {}",
            if unknown.len() == 1 { "y" } else { "ies" },
            unknown.join("`, `"),
            if hints.is_empty() {
                String::new()
            } else {
                format!(" ({})", hints.join(" "))
            },
            valid_keys()
        );
    }
    if out.is_empty() {
        bail!(
            "--libs needs at least one key; valid keys: {}",
            valid_keys()
        );
    }
    Ok(out)
}

/// Everything a consumer needs to compile and link against a built library;
/// stored as `lib.json` in the library's cache directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prefix {
    /// The `--libs` key.
    pub name: String,
    /// Implementation family.
    pub family: Family,
    /// Version (`1.1.1w`, `3.5.5`, `API 44`, Debian upstream version ...).
    pub version: String,
    /// Source package: `openssl-src 111.28.2+1.1.1w`, `apt libwolfssl-dev 5.5.4-2+deb12u1`.
    pub source_package: String,
    /// Install prefix (what `OPENSSL_DIR` should be); `None` for apt packages.
    pub prefix: Option<PathBuf>,
    /// Directory holding `openssl/ssl.h` (what `OPENSSL_INCLUDE_DIR` should be).
    pub include_dir: PathBuf,
    /// Directory holding the libraries (what `OPENSSL_LIB_DIR` should be).
    pub lib_dir: PathBuf,
    /// Static or shared.
    pub linkage: Linkage,
    /// The TLS library file (symlinks resolved), for `nm`.
    pub ssl_lib: PathBuf,
    /// The crypto library file (symlinks resolved), for `nm`; may equal `ssl_lib`.
    pub crypto_lib: PathBuf,
    /// Names to link with `-l`, in order (`["ssl", "crypto"]`, `["wolfssl"]`).
    pub link_libs: Vec<String>,
    /// Headers to include before `<openssl/ssl.h>` (`wolfssl/options.h`).
    pub pre_includes: Vec<String>,
    /// Identifying macros of `<openssl/ssl.h>` (`OPENSSL_VERSION_NUMBER`, ...).
    pub macros: BTreeMap<String, String>,
    /// Wall-clock seconds the build (fetch + configure + compile + install) took.
    pub build_seconds: f64,
    /// CPU seconds (user + system) of the build's commands: unlike the wall time, not inflated
    /// by other work on the machine (0 in manifests written before it was recorded).
    #[serde(default)]
    pub build_cpu_seconds: f64,
    /// [`Recipe::revision`] the build was made with.
    pub recipe_revision: u32,
    /// Set when this value was loaded from the cache rather than just built.
    #[serde(skip)]
    pub from_cache: bool,
}

impl Prefix {
    /// The environment a user sets for `openssl-sys` to build against this
    /// library: `OPENSSL_DIR` (when there is a prefix), `OPENSSL_LIB_DIR`,
    /// `OPENSSL_INCLUDE_DIR`, and `OPENSSL_STATIC=1` for static builds (left
    /// unset for shared ones). Shared libraries outside the default search path
    /// also need [`Prefix::lib_dir`] on `LD_LIBRARY_PATH` (or an rpath) at run time.
    pub fn openssl_sys_env(&self) -> Vec<(&'static str, PathBuf)> {
        let mut env = Vec::new();
        if let Some(p) = &self.prefix {
            env.push(("OPENSSL_DIR", p.clone()));
        }
        env.push(("OPENSSL_LIB_DIR", self.lib_dir.clone()));
        env.push(("OPENSSL_INCLUDE_DIR", self.include_dir.clone()));
        if self.linkage == Linkage::Static {
            env.push(("OPENSSL_STATIC", PathBuf::from("1")));
        }
        env
    }

    /// Rewrites every path below `old` to lie below `new` (the cache moved).
    fn rebase(&mut self, old: &Path, new: &Path) {
        let fix = |p: &mut PathBuf| {
            if let Ok(rest) = p.strip_prefix(old) {
                *p = new.join(rest);
            }
        };
        if let Some(p) = self.prefix.as_mut() {
            fix(p);
        }
        fix(&mut self.include_dir);
        fix(&mut self.lib_dir);
        fix(&mut self.ssl_lib);
        fix(&mut self.crypto_lib);
    }
}

/// An observer of library builds: called with the library's key and a short name of the step
/// that starts (`perl ./Configure linux-x86_64`, `make -j2 build_libs`, `ninja -C`), from the
/// thread doing the build.
#[derive(Clone)]
pub struct Progress(Arc<StepFn>);

/// The callback type of [`Progress`]: `(key, step)`.
pub type StepFn = dyn Fn(&str, &str) + Send + Sync;

impl Progress {
    /// Wraps a callback `(key, step)`.
    pub fn new(f: impl Fn(&str, &str) + Send + Sync + 'static) -> Progress {
        Progress(Arc::new(f))
    }

    /// Reports that library `key` starts `step`.
    pub fn report(&self, key: &str, step: &str) {
        (self.0)(key, step)
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Settings for [`ensure_built_with`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Cache root (one directory per library below it).
    pub cache_dir: PathBuf,
    /// Parallel compile jobs for make/ninja.
    pub jobs: usize,
    /// Keep the source and build trees after a successful build.
    pub keep_build_tree: bool,
    /// The sources directory used when `$SSLPROBE_SOURCES` is not set (none: the variable only).
    pub default_sources: Option<DefaultSources>,
    /// Told about each build step as it starts.
    pub progress: Option<Progress>,
}

impl Options {
    /// Cache from `$SSLPROBE_MATRIX_CACHE` (default `~/.cache/sslprobe/libs`),
    /// 2 jobs, build trees kept only when `$SSLPROBE_KEEP_BUILD=1`, release tarballs from
    /// `$SSLPROBE_SOURCES` only, no progress observer.
    pub fn from_env() -> Result<Options> {
        Ok(Options {
            cache_dir: default_cache_dir()?,
            jobs: 2,
            keep_build_tree: std::env::var(KEEP_BUILD_ENV).is_ok_and(|v| v == "1"),
            default_sources: None,
            progress: None,
        })
    }

    /// Where `lib` lives in the cache.
    pub fn lib_dir(&self, lib: &Lib) -> PathBuf {
        self.cache_dir.join(lib.cache_dir_name())
    }

    /// Whether release tarball `file` is in the sources directory (an error saying what to set
    /// when not).
    pub fn tarball_present(&self, file: &str) -> Result<()> {
        fetch::tarball_present(file, self.default_sources.as_ref())
    }

    /// The sources directory these options resolve to (see [`sources_dir_with`]).
    pub fn sources_dir(&self) -> Result<std::result::Result<PathBuf, String>> {
        sources_dir_with(self.default_sources.as_ref())
    }
}

/// `$SSLPROBE_MATRIX_CACHE`, or `~/.cache/sslprobe/libs`.
pub fn default_cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir()?.join(dir)
        });
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .with_context(|| format!("neither ${CACHE_ENV} nor $HOME is set"))?;
    Ok(PathBuf::from(home).join(".cache/sslprobe/libs"))
}

/// A failed build: where its log is.
#[derive(Debug)]
pub struct BuildFailed {
    /// The library's key.
    pub key: String,
    /// The build log.
    pub log: PathBuf,
    /// What went wrong.
    pub cause: anyhow::Error,
}

impl fmt::Display for BuildFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "building {} failed: {:#} (log: {})",
            self.key,
            self.cause,
            self.log.display()
        )
    }
}

impl std::error::Error for BuildFailed {}

/// [`ensure_built_with`] with [`Options::from_env`].
pub fn ensure_built(lib: &Lib) -> Result<Prefix> {
    ensure_built_with(lib, &Options::from_env()?)
}

/// Returns the library's [`Prefix`], building it into the cache first unless a
/// complete build (stamp present, same [`Lib::recipe_revision`]) is already there.
/// Apt packages are (re)checked every time: the cache may have been restored on
/// a machine where the package is not installed.
///
/// Holds an exclusive lock on `<cache>/.locks/<dir>.lock` while working, so parallel
/// callers build each library once. Missing build tools are installed with apt.
/// A failed build returns an error that downcasts to [`BuildFailed`]; a release tarball that is
/// not there, one that downcasts to [`NoTarball`] (and the cache is left as it was).
pub fn ensure_built_with(lib: &Lib, opts: &Options) -> Result<Prefix> {
    std::fs::create_dir_all(&opts.cache_dir)
        .with_context(|| format!("creating cache directory {}", opts.cache_dir.display()))?;
    let dir = opts.cache_dir.join(lib.cache_dir_name());
    let locks = opts.cache_dir.join(".locks");
    std::fs::create_dir_all(&locks).with_context(|| format!("creating {}", locks.display()))?;
    let _lock = tools::lock_file(&locks.join(format!("{}.lock", lib.cache_dir_name())))?;
    if !lib.is_apt() {
        if let Some(prefix) = load_cached(lib, &dir) {
            return Ok(prefix);
        }
    }
    // a missing release tarball is reported before anything is deleted or half-built
    if let Source::Tarball { file, .. } = lib.source {
        fetch::tarball_present(file, opts.default_sources.as_ref())?;
    }
    tools::ensure_tools(&build::tools_for(lib))?;
    build::build(lib, &dir, opts)
}

/// Installs (with one `apt-get install`) every build tool the given libraries
/// need that is missing from `$PATH`.
pub fn ensure_build_tools(libs: &[&Lib]) -> Result<()> {
    let mut all = Vec::new();
    for lib in libs {
        for t in build::tools_for(lib) {
            if !all.contains(&t) {
                all.push(t);
            }
        }
    }
    tools::ensure_tools(&all)
}

/// The cached [`Prefix`] of `lib`, if a complete, current build is present.
pub fn load_cached(lib: &Lib, dir: &Path) -> Option<Prefix> {
    match cache_state(lib, dir) {
        CacheState::Complete(p) => Some(*p),
        _ => None,
    }
}

/// What the cache holds for one library (see [`cache_state`]).
#[derive(Clone, Debug, PartialEq)]
pub enum CacheState {
    /// A complete, current build (its manifest, with paths below where the cache is now).
    Complete(Box<Prefix>),
    /// The directory exists but is not a usable build; the reason says why (no
    /// `complete.stamp`: an interrupted or killed build; an older recipe; files missing). It
    /// is rebuilt from scratch on next use.
    Incomplete(String),
    /// Nothing there.
    Absent,
}

/// Reads `dir` (the library's cache directory) without building or changing anything. Apt
/// packages are described by the same files, but are checked again on every use.
pub fn cache_state(lib: &Lib, dir: &Path) -> CacheState {
    if !dir.exists() {
        return CacheState::Absent;
    }
    let incomplete = |why: String| CacheState::Incomplete(why);
    let Ok(stamp) = std::fs::read_to_string(dir.join(build::STAMP)) else {
        return incomplete(format!(
            "no {} (an interrupted or failed build)",
            build::STAMP
        ));
    };
    let revision = lib.recipe_revision();
    if stamp.trim() != revision.to_string() {
        return incomplete(format!(
            "built with recipe revision {}, this sslprobe's recipe for it is revision {revision}",
            stamp.trim()
        ));
    }
    let Ok(text) = std::fs::read_to_string(dir.join("lib.json")) else {
        return incomplete("lib.json is missing".into());
    };
    let mut prefix: Prefix = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => return incomplete(format!("lib.json is unreadable: {e}")),
    };
    if prefix.name != lib.key || prefix.recipe_revision != revision {
        return incomplete(format!(
            "lib.json describes {} (recipe revision {})",
            prefix.name, prefix.recipe_revision
        ));
    }
    if let Some(old) = prefix.prefix.clone() {
        let new = dir.join("prefix");
        if old != new {
            prefix.rebase(&old, &new);
        }
    }
    let header = prefix.include_dir.join("openssl/ssl.h");
    if !header.is_file() {
        return incomplete(format!("{} is missing", header.display()));
    }
    if !prefix.ssl_lib.is_file() {
        return incomplete(format!("{} is missing", prefix.ssl_lib.display()));
    }
    prefix.from_cache = true;
    CacheState::Complete(Box::new(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_and_cache_dirs_are_unique() {
        let keys: HashSet<_> = LIBS.iter().map(|l| l.key).collect();
        assert_eq!(keys.len(), LIBS.len());
        let dirs: HashSet<_> = LIBS.iter().map(|l| l.cache_dir_name()).collect();
        assert_eq!(dirs.len(), LIBS.len());
        for lib in LIBS {
            assert!(
                lib.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)),
                "{}",
                lib.key
            );
        }
    }

    #[test]
    fn at_least_fifteen_buildable_libraries() {
        assert!(LIBS.len() >= 15);
    }

    #[test]
    fn openssl_rows_match_their_source_version() {
        for lib in LIBS.iter().filter(|l| l.family == Family::OpenSsl) {
            let Source::Crate {
                name,
                version,
                recipe,
            } = lib.source
            else {
                panic!("{}: OpenSSL must come from a crate", lib.key)
            };
            assert_eq!(name, "openssl-src", "{}", lib.key);
            let (crate_ver, upstream) = version.split_once('+').expect("openssl-src has +metadata");
            assert_eq!(upstream, lib.version, "{}", lib.key);
            // 110.x = 1.1.0, 111.x = 1.1.1, 300.N.x = 3.N, 400.N.x = 4.N
            let mut parts = crate_ver.split('.');
            let series = parts.next().expect("major");
            let minor = parts.next().expect("minor");
            let want_prefix = match series {
                "110" => "1.1.0".to_string(),
                "111" => "1.1.1".to_string(),
                "300" => format!("3.{minor}."),
                "400" => format!("4.{minor}."),
                other => panic!("unexpected openssl-src series {other}"),
            };
            assert!(lib.version.starts_with(&want_prefix), "{}", lib.key);
            // key names the release (1.x) or the minor series (3.x/4.x)
            let base = lib.key.trim_end_matches("-shared");
            if series.starts_with('1') {
                assert_eq!(base, format!("openssl-{}", lib.version));
            } else {
                assert_eq!(base, format!("openssl-{want_prefix}x"));
            }
            assert_eq!(lib.key.ends_with("-shared"), lib.linkage == Linkage::Shared);
            // no-module exactly from 3.5 on; 3.0-3.4 install their modules; 1.x has none
            let Recipe::OpenSsl { modules } = recipe else {
                panic!("{}: wrong recipe", lib.key)
            };
            let ge_35 = match series {
                "300" => minor.parse::<u32>().expect("minor") >= 5,
                "400" => true,
                _ => false,
            };
            let want = match (series.starts_with('1'), ge_35) {
                (true, _) => OpenSslModules::Unsupported,
                (false, true) => OpenSslModules::BuiltIn,
                (false, false) => OpenSslModules::Installed,
            };
            assert_eq!(modules, want, "{}", lib.key);
            assert_eq!(lib.recipe_revision(), recipe.revision());
            assert!(!lib.expect_macros.is_empty(), "{}", lib.key);
        }
    }

    #[test]
    fn every_openssl_3_minor_is_present_once() {
        for minor in 0..=6 {
            let key = format!("openssl-3.{minor}.x");
            assert!(find(&key).is_some(), "{key} missing");
        }
        assert!(find("openssl-4.0.x").is_some());
    }

    /// Every OpenSSL row's modules are its series' (the rows of one series agree, static and
    /// shared), and a series the table has no row of has no answer.
    #[test]
    fn openssl_modules_are_the_series_row_s() {
        let mut rows = 0;
        for lib in LIBS {
            if let Source::Crate {
                recipe: Recipe::OpenSsl { modules },
                ..
            } = lib.source
            {
                let v = Version::parse(lib.version).unwrap();
                assert_eq!(openssl_modules(&v), Some(modules), "{}", lib.key);
                rows += 1;
            }
        }
        assert!(rows >= 10, "{rows} OpenSSL rows");
        let v = |s: &str| Version::parse(s).unwrap();
        // another release of a series the table has: 1.1.0f (1.1.0i), 3.4.0 (3.4.1), 4.0.1 (4.0.3)
        assert_eq!(
            openssl_modules(&v("1.1.0f")),
            Some(OpenSslModules::Unsupported)
        );
        assert_eq!(
            openssl_modules(&v("3.4.0")),
            Some(OpenSslModules::Installed)
        );
        assert_eq!(openssl_modules(&v("4.0.1")), Some(OpenSslModules::BuiltIn));
        // 1.0.2 and 3.7 have no row; 1.1.2 is not the 1.1.1 series
        for none in ["1.0.2u", "3.7.0", "1.1.2"] {
            assert_eq!(openssl_modules(&v(none)), None, "{none}");
        }
    }

    #[test]
    fn shared_builds_are_only_where_expected() {
        let shared: Vec<_> = LIBS
            .iter()
            .filter(|l| l.linkage == Linkage::Shared && !l.is_apt())
            .map(|l| l.key)
            .collect();
        assert_eq!(
            shared,
            [
                "openssl-1.1.0i-shared",
                "openssl-1.1.1w-shared",
                "libressl-4.3.2-shared"
            ]
        );
    }

    #[test]
    fn parse_keys_accepts_lists() {
        let libs = parse_keys(" openssl-1.1.1w, awslc ,openssl-1.1.1w,").unwrap();
        let keys: Vec<_> = libs.iter().map(|l| l.key).collect();
        assert_eq!(keys, ["openssl-1.1.1w", "awslc"]);
    }

    #[test]
    fn parse_keys_rejects_unknown_with_valid_list() {
        let err = parse_keys("openssl-1.1.1w,openssl-9")
            .unwrap_err()
            .to_string();
        assert!(err.contains("openssl-9"), "{err}");
        assert!(err.contains("valid keys:"), "{err}");
        for lib in LIBS {
            assert!(err.contains(lib.key), "{err} lacks {}", lib.key);
        }
        let err = parse_keys(" , ").unwrap_err().to_string();
        assert!(err.contains("valid keys:"), "{err}");
    }

    #[test]
    fn prefix_rebase_moves_paths() {
        let mut p = Prefix {
            name: "x".into(),
            family: Family::OpenSsl,
            version: "1".into(),
            source_package: "s".into(),
            prefix: Some("/old/d/prefix".into()),
            include_dir: "/old/d/prefix/include".into(),
            lib_dir: "/old/d/prefix/lib".into(),
            linkage: Linkage::Static,
            ssl_lib: "/old/d/prefix/lib/libssl.a".into(),
            crypto_lib: "/old/d/prefix/lib/libcrypto.a".into(),
            link_libs: vec![],
            pre_includes: vec![],
            macros: BTreeMap::new(),
            build_seconds: 1.0,
            build_cpu_seconds: 1.5,
            recipe_revision: 1,
            from_cache: false,
        };
        p.rebase(Path::new("/old/d/prefix"), Path::new("/new/prefix"));
        assert_eq!(p.prefix.as_deref(), Some(Path::new("/new/prefix")));
        assert_eq!(p.ssl_lib, Path::new("/new/prefix/lib/libssl.a"));
        assert_eq!(p.include_dir, Path::new("/new/prefix/include"));
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        assert_eq!(suggest("openssl-1.1.1"), Some("openssl-1.1.1w"));
        assert_eq!(suggest("libressl-3.5.3"), Some("libressl-3.5.4"));
        assert_eq!(suggest("aws-lc"), Some("awslc"));
        assert_eq!(
            suggest("boringssl-android"),
            Some("boringssl-android-debian")
        );
        assert_eq!(suggest("gnutls-3.8"), None);
        let err = parse_keys("openssl-3.5").unwrap_err().to_string();
        assert!(err.contains("did you mean `openssl-3.5.x`?"), "{err}");
    }

    #[test]
    fn manifest_round_trips() {
        let json = r#"{"name":"awslc","family":"awslc","version":"5.12.0",
            "source_package":"aws-lc-sys 0.47.0","prefix":"/c/p","include_dir":"/c/p/include",
            "lib_dir":"/c/p/lib","linkage":"static","ssl_lib":"/c/p/lib/libssl.a",
            "crypto_lib":"/c/p/lib/libcrypto.a","link_libs":["ssl","crypto"],"pre_includes":[],
            "macros":{"OPENSSL_IS_AWSLC":"1"},"build_seconds":30.5,"recipe_revision":1}"#;
        let p: Prefix = serde_json::from_str(json).unwrap();
        assert_eq!(p.family, Family::AwsLc);
        assert_eq!(p.linkage, Linkage::Static);
        let back: Prefix = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
