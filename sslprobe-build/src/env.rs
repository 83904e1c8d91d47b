//! The environment, read in one place: every variable the engine consults goes through an
//! [`Env`], which records the name, so a build script prints `cargo:rerun-if-env-changed` for
//! exactly what was read.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::sync::{Mutex, PoisonError};

/// Source of environment variables. The real one records every variable read so that
/// build scripts can print `cargo:rerun-if-env-changed` for each.
///
/// ```
/// use sslprobe_build::locate::{self, Env, ProcessEnv};
/// use std::ffi::OsString;
///
/// /// The process environment, with `OPENSSL_STATIC=1` forced (as `sslprobe probe --static`).
/// struct Static(ProcessEnv);
///
/// impl Env for Static {
///     fn var_os(&self, name: &str) -> Option<OsString> {
///         if name == "OPENSSL_STATIC" { Some("1".into()) } else { self.0.var_os(name) }
///     }
///     fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)> {
///         self.0.vars_with_prefix(prefix)
///     }
/// }
/// # if false {
/// let loc = locate::locate(&Static(ProcessEnv::new()), "x86_64-unknown-linux-gnu")?;
/// # }
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
pub trait Env {
    /// The value of `name`, like [`std::env::var_os`].
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, MapEnv};
    /// let env = MapEnv::new().set("OPENSSL_DIR", "/opt/openssl");
    /// assert_eq!(env.var_os("OPENSSL_DIR"), Some("/opt/openssl".into()));
    /// assert_eq!(env.var_os("OPENSSL_LIB_DIR"), None);
    /// ```
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// Every variable whose name starts with `prefix` in any letter case (for the override
    /// scan, which must see misspelt names too), each recorded as read.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, MapEnv};
    /// let env = MapEnv::new().set("SSLPROBE_HAVE_X", "1").set("sslprobe_have_y", "0").set("CC", "gcc");
    /// let names: Vec<_> = env.vars_with_prefix("SSLPROBE_HAVE_").into_iter().map(|(k, _)| k).collect();
    /// assert_eq!(names, ["SSLPROBE_HAVE_X", "sslprobe_have_y"]);
    /// ```
    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)>;

    /// Records that a tool this process runs reads `names` itself (the `cc` crate reads `CC`,
    /// `CFLAGS`, ...), so they re-run the build script too.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, ProcessEnv};
    /// let env = ProcessEnv::new();
    /// env.note_read(&["CFLAGS".to_string()]); // read by a tool, not by us
    /// assert_eq!(env.read_vars(), ["CFLAGS"]);
    /// ```
    fn note_read(&self, names: &[String]) {
        for n in names {
            let _ = self.var_os(n);
        }
    }
}

/// A variable Cargo sets for every build-script run (`TARGET`, `HOST`, `OUT_DIR`,
/// `CARGO_MANIFEST_DIR`, `NUM_JOBS`, `CARGO_MAKEFLAGS`): read without recording it. Cargo
/// re-runs the script itself when they change, and the jobs count only changes how fast a
/// result is reached, so a different `-j` must not re-run the probes.
pub(crate) fn cargo_var(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// Whether `name` starts with `prefix`, ignoring ASCII case.
fn has_prefix(name: &std::ffi::OsStr, prefix: &str) -> bool {
    let n = name.as_encoded_bytes();
    n.len() >= prefix.len() && n[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The process environment, recording the name of every variable read.
///
/// ```
/// use sslprobe_build::locate::{self, ProcessEnv};
/// let env = ProcessEnv::new();
/// let found = locate::locate(&env, "x86_64-unknown-linux-gnu"); // found or not, the reads are recorded
/// for name in env.read_vars() {
///     println!("cargo:rerun-if-env-changed={name}"); // OPENSSL_DIR, OPENSSL_LIB_DIR, ...
/// }
/// ```
#[derive(Debug, Default)]
pub struct ProcessEnv {
    read: Mutex<BTreeSet<String>>,
}

/// A fixed set of variables, for tests and the CLI. Variables not in the map are unset.
///
/// ```
/// use sslprobe_build::{locate::{self, MapEnv}, Error};
/// // A relative OPENSSL_DIR is refused: openssl-sys would resolve it against its own directory.
/// let env = MapEnv::new().set("OPENSSL_DIR", "relative/openssl");
/// let err = locate::locate(&env, "x86_64-unknown-linux-gnu").unwrap_err();
/// assert!(matches!(err, Error::InvalidInput { what, .. } if what == "OPENSSL_DIR"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapEnv(BTreeMap<String, OsString>);

/// Read `NAME` the way `openssl-sys` does: first `<TARGET>_NAME` (target upper-cased, `-` →
/// `_`), then `NAME`. Records both reads.
///
/// Mirrors `openssl-sys` `build/main.rs: env()`. Both names are always read (`openssl-sys`
/// reads the plain one only when the prefixed one is unset), so that both end up in
/// [`ProcessEnv::read_vars`].
pub(crate) fn target_var(env: &dyn Env, target: &str, name: &str) -> Option<OsString> {
    target_var_named(env, target, name).map(|(_, value)| value)
}

/// [`target_var`], also returning the name of the variable that supplied the value.
pub(crate) fn target_var_named(
    env: &dyn Env,
    target: &str,
    name: &str,
) -> Option<(String, OsString)> {
    let prefixed = format!("{}_{name}", target.to_uppercase().replace('-', "_"));
    let prefixed_value = env.var_os(&prefixed);
    let plain_value = env.var_os(name);
    match prefixed_value {
        Some(v) => Some((prefixed, v)),
        None => plain_value.map(|v| (name.to_owned(), v)),
    }
}

impl ProcessEnv {
    /// A recorder with nothing read yet.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, ProcessEnv};
    /// let env = ProcessEnv::new();
    /// assert!(env.read_vars().is_empty());
    /// let _ = env.var_os("OPENSSL_NO_VENDOR");
    /// assert_eq!(env.read_vars(), ["OPENSSL_NO_VENDOR"]);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Every variable read so far, sorted and without duplicates: print
    /// `cargo:rerun-if-env-changed=NAME` for each.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, ProcessEnv};
    /// let env = ProcessEnv::new();
    /// let _ = (env.var_os("OPENSSL_STATIC"), env.var_os("OPENSSL_DIR"), env.var_os("OPENSSL_DIR"));
    /// assert_eq!(env.read_vars(), ["OPENSSL_DIR", "OPENSSL_STATIC"]);
    /// ```
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

    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)> {
        let found: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(k, _)| has_prefix(k, prefix))
            .collect();
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        for (k, _) in &found {
            read.insert(k.to_string_lossy().into_owned());
        }
        found
    }
}

impl MapEnv {
    /// An empty environment.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, MapEnv};
    /// assert_eq!(MapEnv::new().var_os("PATH"), None); // nothing is inherited
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder: sets `name` to `value`.
    ///
    /// ```
    /// use sslprobe_build::locate::{Env, MapEnv};
    /// let env = MapEnv::new().set("OPENSSL_LIBS", "ssl:crypto").set("OPENSSL_STATIC", "1");
    /// assert_eq!(env.var_os("OPENSSL_STATIC"), Some("1".into()));
    /// ```
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

    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)> {
        self.0
            .iter()
            .filter(|(k, _)| has_prefix(std::ffi::OsStr::new(k), prefix))
            .map(|(k, v)| (OsString::from(k), v.clone()))
            .collect()
    }
}
