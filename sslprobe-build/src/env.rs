//! The environment, read in one place: every variable the engine consults goes through an
//! [`Env`], which records the name, so a build script prints `cargo:rerun-if-env-changed` for
//! exactly what was read.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::sync::{Mutex, PoisonError};

/// Source of environment variables. The real one records every variable read so that
/// build scripts can print `cargo:rerun-if-env-changed` for each.
pub trait Env {
    /// The value of `name`, like [`std::env::var_os`].
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// Every variable whose name starts with `prefix` in any letter case (for the override
    /// scan, which must see misspelt names too), each recorded as read.
    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)>;

    /// Records that a tool this process runs reads `names` itself (the `cc` crate reads `CC`,
    /// `CFLAGS`, ...), so they re-run the build script too.
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
#[derive(Debug, Default)]
pub struct ProcessEnv {
    read: Mutex<BTreeSet<String>>,
}

/// A fixed set of variables, for tests and the CLI. Variables not in the map are unset.
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

    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)> {
        self.0
            .iter()
            .filter(|(k, _)| has_prefix(std::ffi::OsStr::new(k), prefix))
            .map(|(k, v)| (OsString::from(k), v.clone()))
            .collect()
    }
}
