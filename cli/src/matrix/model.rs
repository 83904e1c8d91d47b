//! The result of `sslprobe matrix` as data: what `--json FILE` writes and `--from-json FILE`
//! reads back.
//!
//! ```text
//! { "sslprobe_version", "command": [..], "crate": "name 1.0.0" | null, "crate_dir",
//!   "total_seconds", "ok",
//!   "rows": [ { "key", "family", "version", "linkage",
//!               "build": { "state": "cached"|"built"|"failed"|"unavailable"|"skipped",
//!                          "detail", "seconds", "log" },
//!               "outcome": { "state": "passed"|"failed"|"unusable"|"not-run", "reason",
//!                            "exit_code" },
//!               "tests": { "passed", "failed", "ignored" } | null, "failed_tests": [..],
//!               "detected": { "family", "version", "apis", "present", "absent",
//!                             "no_effect", "output" } | null,
//!               "command_line", "seconds", "log", "notes": [..] } ] }
//! ```

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::reason::TestTotals;

/// A whole `sslprobe matrix` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixRun {
    /// Version of sslprobe that ran it.
    pub sslprobe_version: String,
    /// The command run for each library, word by word.
    pub command: Vec<String>,
    /// The crate it ran in (`name version`), `null` at a virtual workspace root.
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// The directory it ran in.
    pub crate_dir: String,
    /// Wall-clock seconds of the whole run (library builds included).
    pub total_seconds: f64,
    /// No real failure (see [`Row::is_failure`]).
    pub ok: bool,
    /// One row per library, in table order.
    pub rows: Vec<Row>,
}

/// How the library of a row was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildState {
    /// A complete build was already in the cache.
    Cached,
    /// Built (or, for a system package, checked) by this run.
    Built,
    /// The build failed (a real failure).
    Failed,
    /// Could not be built here, for a reason outside the library (its release tarball is not
    /// available): a failure only when the library was asked for by name.
    Unavailable,
    /// Not built: the crate cannot use it anyway (see the row's outcome).
    Skipped,
}

/// The library half of a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Build {
    /// What happened.
    pub state: BuildState,
    /// Why it failed or is unavailable; for built libraries, how long the build took.
    pub detail: Option<String>,
    /// Seconds this run spent getting the library (0 when cached).
    pub seconds: f64,
    /// The build log, when there is one.
    pub log: Option<String>,
}

/// How the command went against a library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeState {
    /// Exit status 0.
    Passed,
    /// A real failure: tests failed, the crate did not compile, or it did not finish in time.
    Failed,
    /// The crate cannot use this library (openssl-sys refuses it, ...): not a failure.
    Unusable,
    /// Not run (the library is not there).
    NotRun,
}

/// The command half of a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// What happened.
    pub state: OutcomeState,
    /// Why it failed or cannot be used (one line).
    pub reason: Option<String>,
    /// The command's exit code (`null`: not run, or killed).
    pub exit_code: Option<i32>,
}

/// One library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The `--libs` key.
    pub key: String,
    /// `openssl`, `libressl`, `boringssl`, `awslc`, `wolfssl`.
    pub family: String,
    /// Version as built (the table's until then).
    pub version: String,
    /// `static` or `shared`.
    pub linkage: String,
    /// Getting the library.
    pub build: Build,
    /// Running the command.
    pub outcome: Outcome,
    /// The `test result:` totals, when the command printed any (`cargo test`).
    pub tests: Option<TestTotals>,
    /// The tests reported as failed, by name.
    pub failed_tests: Vec<String>,
    /// What sslprobe's build script found in this library's build, when the crate uses sslprobe
    /// and the build got that far.
    pub detected: Option<Detected>,
    /// The command as a user would type it for this library (environment first).
    pub command_line: Option<String>,
    /// Seconds the command took.
    pub seconds: f64,
    /// The command's full output.
    pub log: Option<String>,
    /// Remarks (a feature added for openssl-sys, a missing sslprobe output, ...).
    pub notes: Vec<String>,
    /// Asked for by name with `--libs` (an unavailable library is then a failure).
    pub requested: bool,
}

impl Row {
    /// A real failure: the library did not build, was asked for by name and is unavailable,
    /// or the command failed. Unusable libraries are not failures.
    pub fn is_failure(&self) -> bool {
        match self.build.state {
            BuildState::Failed => true,
            BuildState::Unavailable => self.requested,
            _ => self.outcome.state == OutcomeState::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(build: BuildState, outcome: OutcomeState, requested: bool) -> Row {
        Row {
            key: "k".into(),
            family: "openssl".into(),
            version: "1".into(),
            linkage: "static".into(),
            build: Build {
                state: build,
                detail: None,
                seconds: 0.0,
                log: None,
            },
            outcome: Outcome {
                state: outcome,
                reason: None,
                exit_code: None,
            },
            tests: None,
            failed_tests: vec![],
            detected: None,
            command_line: None,
            seconds: 0.0,
            log: None,
            notes: vec![],
            requested,
        }
    }

    #[test]
    fn only_real_failures_fail_the_run() {
        use BuildState::*;
        use OutcomeState::*;
        assert!(!row(Cached, Passed, false).is_failure());
        assert!(
            !row(Cached, Unusable, true).is_failure(),
            "unusable is not a failure"
        );
        assert!(!row(Skipped, Unusable, true).is_failure());
        assert!(row(Built, OutcomeState::Failed, false).is_failure());
        assert!(row(BuildState::Failed, NotRun, false).is_failure());
        assert!(
            !row(Unavailable, NotRun, false).is_failure(),
            "a default library without its tarball"
        );
        assert!(
            row(Unavailable, NotRun, true).is_failure(),
            "asked for by name"
        );
    }
}
