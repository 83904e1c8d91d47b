//! The matrix result as data: what `--json FILE` writes and `--readme-from FILE` reads.
//!
//! Shape (every field always present; `null` where a value does not apply):
//!
//! ```text
//! { "sslprobe_version", "catalog_apis", "total_seconds", "ok",
//!   "disagreements": [sentence...], "failures": [sentence...],
//!   "libraries": [ { "name", "family", "version", "linkage", "source_package",
//!                    "mode": "full" | "probe-only" | "failed", "mode_reason",
//!                    "apis": [ { "name", "present", "kind", "variant", "effective",
//!                                "db_expected", "db_agrees", "nm_agrees", "symbol",
//!                                "exported", "build_time_agrees", "failure" } ],
//!                    "tickets": { "tls13": { "baseline", "fixed" }, "tls12": { ... } },
//!                    "tests_passed", "tests": [ { "name", "passed", "summary", ... } ],
//!                    "runtime_library", "errors": [...], "disagreements": [...], "notes": [...],
//!                    "seconds": { ... } } ],
//!   "swap": { "built_against", "swapped_to", "ok",
//!             "direct": { "features", "ok", "explanation", "on_built", "on_swapped" },
//!             "runtime_detect": { ... } } | null }
//! ```

use serde::{Deserialize, Serialize};

/// `mode` of a library the whole pipeline ran for.
pub const MODE_FULL: &str = "full";
/// `mode` of a library only the run-time engine (`sslprobe probe`) could be run against.
pub const MODE_PROBE_ONLY: &str = "probe-only";
/// `mode` of a library nothing could be run against (not even `sslprobe probe`).
pub const MODE_FAILED: &str = "failed";

/// The whole matrix run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// Version of the sslprobe workspace that ran.
    pub sslprobe_version: String,
    /// Number of APIs in the catalog.
    pub catalog_apis: usize,
    /// Wall-clock seconds of the whole run (library builds included).
    pub total_seconds: f64,
    /// No disagreement, no failure.
    pub ok: bool,
    /// One sentence per disagreement (probe vs knowledge DB, probe vs `nm`, build time vs run
    /// time), each naming the library and API.
    pub disagreements: Vec<String>,
    /// One sentence per failure (a build, a test, a measurement, the swap).
    pub failures: Vec<String>,
    /// One entry per library, in table order.
    pub libraries: Vec<LibraryResult>,
    /// The 1.1.1w → 1.1.0i run-time library swap (`null` when not run).
    pub swap: Option<Swap>,
}

/// Everything measured for one library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryResult {
    /// The `--libs` key, e.g. `openssl-3.5.x`.
    pub name: String,
    /// `openssl`, `libressl`, `boringssl`, `awslc`, `wolfssl`.
    pub family: String,
    /// Version as built (`3.5.5`, `API 44`, ...).
    pub version: String,
    /// `static` or `shared`.
    pub linkage: String,
    /// Source package the library was built from.
    pub source_package: String,
    /// [`MODE_FULL`], [`MODE_PROBE_ONLY`] or [`MODE_FAILED`].
    pub mode: String,
    /// Why the mode is not `full` (the first lines of the failed build), else `null`.
    pub mode_reason: Option<String>,
    /// One entry per catalog API (empty when the engine could not run).
    pub apis: Vec<ApiRow>,
    /// Live loopback ticket counts (all `null` unless mode is `full`).
    pub tickets: Tickets,
    /// All test suites passed (`null` when none could be built: probe-only).
    pub tests_passed: Option<bool>,
    /// Each test suite run.
    pub tests: Vec<TestRun>,
    /// `OpenSSL_version(OPENSSL_VERSION)` as the per-library CLI saw it at run time.
    pub runtime_library: Option<String>,
    /// Failures specific to this library (also listed in [`Matrix::failures`]).
    pub errors: Vec<String>,
    /// Disagreements found for this library (also listed in [`Matrix::disagreements`]).
    pub disagreements: Vec<String>,
    /// Remarks that are neither failures nor disagreements (a test suite not run, and why).
    pub notes: Vec<String>,
    /// Where the time went.
    pub seconds: Seconds,
}

/// One API's results for one library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiRow {
    /// C name.
    pub name: String,
    /// Compiles and links with a catalog prototype (run-time engine).
    pub present: bool,
    /// `function`, `macro` or `define` as found; `null` when absent.
    pub kind: Option<String>,
    /// Winning prototype variant.
    pub variant: Option<String>,
    /// Present and not a known stub.
    pub effective: bool,
    /// What the knowledge DB expects (`null`: the DB has no rows for this family).
    pub db_expected: Option<bool>,
    /// Probe and knowledge DB agree (`null`: no DB rows for this family).
    pub db_agrees: Option<bool>,
    /// Probe and the library's exported symbols agree (`null` for macros, defines, and APIs
    /// the catalog only knows as macros). See [`super::nm`].
    pub nm_agrees: Option<bool>,
    /// The symbol checked with `nm`: the name after preprocessor aliasing
    /// (`wolfSSL_CTX_set_num_tickets` for wolfSSL's `SSL_CTX_set_num_tickets`).
    pub symbol: Option<String>,
    /// Whether [`ApiRow::symbol`] is a defined global symbol of libssl/libcrypto.
    pub exported: Option<bool>,
    /// The build-time probe (`sslprobe report`) found exactly the same (`null`: no per-library
    /// build).
    pub build_time_agrees: Option<bool>,
    /// The probe's diagnostic excerpt when absent.
    pub failure: Option<String>,
}

impl ApiRow {
    /// Whether any check flags this row.
    pub fn disagrees(&self) -> bool {
        self.db_agrees == Some(false)
            || self.nm_agrees == Some(false)
            || self.build_time_agrees == Some(false)
    }

    /// The table cell: `yes`, `no`, `no-effect`, `macro` (`define`s read `yes`), with `!`
    /// appended when a check disagrees.
    pub fn cell(&self) -> String {
        let base = match (self.present, self.effective, self.kind.as_deref()) {
            (false, _, _) => "no",
            (true, false, _) => "no-effect",
            (true, true, Some("macro")) => "macro",
            (true, true, _) => "yes",
        };
        if self.disagrees() {
            format!("{base}!")
        } else {
            base.to_string()
        }
    }
}

/// Ticket counts for both protocols.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tickets {
    /// TLS 1.3.
    pub tls13: ProtoTickets,
    /// TLS 1.2.
    pub tls12: ProtoTickets,
}

/// NewSessionTicket messages the client received on one full handshake.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtoTickets {
    /// With `SSL_OP_NO_TICKET` only.
    pub baseline: Option<u64>,
    /// With `sslprobe::disable_session_tickets`.
    pub fixed: Option<u64>,
}

/// One test suite run (`cargo test -p sslprobe --test NAME`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    /// Test target name (`wire`, `keylog`, `runtime_detect`).
    pub name: String,
    /// The command, as a user would type it (environment included).
    pub command: String,
    /// Exit status 0.
    pub passed: bool,
    /// `12 passed, 0 failed, 0 ignored` (summed `test result:` lines), or the failure reason.
    pub summary: String,
    /// Each failed test: `name: file:line: first line of the panic message`.
    pub failed: Vec<String>,
    /// Wall-clock seconds (build + run).
    pub seconds: f64,
    /// Where the full output is (a log file).
    pub log: String,
}

/// Seconds spent per step for one library.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Seconds {
    /// Getting the library this run (0-ish when cached).
    pub library: f64,
    /// What building the library took when it was built (from its manifest).
    pub library_build: f64,
    /// `cargo build -p sslprobe-cli` against it.
    pub cli_build: f64,
    /// All test suites (build + run).
    pub tests: f64,
    /// `sslprobe report` + `sslprobe probe` + `nm` + alias resolution.
    pub catalog: f64,
    /// Everything for this library this run.
    pub total: f64,
}

/// The run-time library swap: a binary built against shared 1.1.1w, started on shared 1.1.0i.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Swap {
    /// Library key the binaries were built against.
    pub built_against: String,
    /// Library key they are started with (`LD_LIBRARY_PATH`).
    pub swapped_to: String,
    /// Both cases behaved as expected.
    pub ok: bool,
    /// Default features: the loader refuses the binary on the older library.
    pub direct: SwapCase,
    /// `--features runtime-detect`: loads, and reports the API absent.
    pub runtime_detect: SwapCase,
}

/// One build of `examples/swap.rs`, run on both libraries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwapCase {
    /// Cargo features of the build (`""` or `runtime-detect`).
    pub features: String,
    /// Both runs matched expectations.
    pub ok: bool,
    /// What was expected and what happened, in one sentence.
    pub explanation: String,
    /// Run with the library it was built against.
    pub on_built: SwapRun,
    /// Run with the older library.
    pub on_swapped: SwapRun,
}

/// One run of the swap binary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SwapRun {
    /// The `LD_LIBRARY_PATH` used.
    pub library_dir: String,
    /// The program started (the dynamic loader accepted it) and exited 0.
    pub loaded: bool,
    /// Exit code (`null` when killed by a signal or not started).
    pub exit_code: Option<i32>,
    /// stdout + stderr, trimmed.
    pub output: String,
    /// `num_tickets:` line of the output (`Done`, `NotNeeded { called: false }`, ...).
    pub num_tickets: Option<String>,
    /// `runtime_has_symbol:` line (runtime-detect builds only).
    pub runtime_has_symbol: Option<bool>,
    /// `runtime_library:` line: the library version text seen at run time.
    pub runtime_library: Option<String>,
}

impl SwapRun {
    /// Fills the parsed fields from `output` (`key: value` lines printed by
    /// `examples/swap.rs`).
    pub fn parse_output(&mut self) {
        for line in self.output.lines() {
            if let Some(v) = line.strip_prefix("num_tickets: ") {
                self.num_tickets = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("runtime_has_symbol: ") {
                self.runtime_has_symbol = match v.trim() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                };
            } else if let Some(v) = line.strip_prefix("runtime_library: ") {
                self.runtime_library = Some(v.trim().to_string());
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A matrix row for tests (shared with render.rs's tests).
    pub(crate) fn row(name: &str, present: bool, kind: Option<&str>) -> ApiRow {
        ApiRow {
            name: name.into(),
            present,
            kind: kind.map(Into::into),
            variant: None,
            effective: present,
            db_expected: Some(present),
            db_agrees: Some(true),
            nm_agrees: None,
            symbol: None,
            exported: None,
            build_time_agrees: None,
            failure: None,
        }
    }

    #[test]
    fn cells() {
        assert_eq!(row("a", true, Some("function")).cell(), "yes");
        assert_eq!(row("a", true, Some("define")).cell(), "yes");
        assert_eq!(row("a", true, Some("macro")).cell(), "macro");
        assert_eq!(row("a", false, None).cell(), "no");
        let mut stub = row("a", true, Some("function"));
        stub.effective = false;
        assert_eq!(stub.cell(), "no-effect");
        let mut bad = row("a", false, None);
        bad.nm_agrees = Some(false);
        assert_eq!(bad.cell(), "no!");
        let mut bad = row("a", true, Some("macro"));
        bad.build_time_agrees = Some(false);
        assert!(bad.disagrees());
        assert_eq!(bad.cell(), "macro!");
        let mut db = row("a", true, Some("function"));
        db.db_agrees = Some(false);
        assert_eq!(db.cell(), "yes!");
        // null checks never flag
        let mut none = row("a", true, Some("function"));
        none.db_agrees = None;
        assert!(!none.disagrees());
    }

    #[test]
    fn swap_output_is_parsed() {
        let mut r = SwapRun {
            output: "runtime_library: OpenSSL 1.1.0i  14 Aug 2018\nnum_tickets: NotNeeded { called: false }\n\
                     runtime_has_symbol: false\nother: x"
                .into(),
            ..SwapRun::default()
        };
        r.parse_output();
        assert_eq!(
            r.num_tickets.as_deref(),
            Some("NotNeeded { called: false }")
        );
        assert_eq!(r.runtime_has_symbol, Some(false));
        assert_eq!(
            r.runtime_library.as_deref(),
            Some("OpenSSL 1.1.0i  14 Aug 2018")
        );
    }
}
