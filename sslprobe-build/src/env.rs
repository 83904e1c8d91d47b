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
}

/// The process environment, recording the name of every variable read.
#[derive(Debug, Default)]
pub struct ProcessEnv {
    read: Mutex<BTreeSet<String>>,
}

/// A fixed set of variables, for tests and the CLI. Variables not in the map are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapEnv(pub BTreeMap<String, OsString>);

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
}
