//! `cargo xtask matrix`: sslprobe proved against every library of [`crate::libs::LIBS`].
//!
//! For each library (built into the cache first, see [`crate::libs`]):
//!
//! 1. **The user's build.** `cargo build -p sslprobe-cli` and `cargo test -p sslprobe --test
//!    wire` / `--test keylog` (plus `--test runtime_detect --features runtime-detect` for shared
//!    libraries, and `--test downstream` for LibreSSL) with `OPENSSL_DIR` (or `OPENSSL_INCLUDE_DIR`/`OPENSSL_LIB_DIR`) and, for static
//!    builds, `OPENSSL_STATIC=1` — exactly what a user sets — in a cargo target directory of the
//!    library's own (`<target>/matrix/<key>`), so a warm run rebuilds nothing; a new one starts
//!    as a copy of the run-time engine's (step 2), so a cold run compiles the crates below
//!    `openssl-sys` once, not once per library. BoringSSL and
//!    AWS-LC need `openssl-sys`'s bindings generated (`--features openssl/bindgen`, libclang).
//!    Shared libraries run with `LD_LIBRARY_PATH` set to their directory. (The matrix's cargo
//!    runs use `CARGO_PROFILE_DEV_DEBUG=line-tables-only` unless set, to keep 18 target
//!    directories small; detection does not depend on debug info.) When `openssl-sys`
//!    itself cannot be built against a library (it rejects LibreSSL < 3.5; its bindgen wrapper
//!    includes headers old BoringSSL lacks), the library is `probe-only`, with that reason;
//!    any other build failure is a failure.
//! 2. **The catalog, twice.** The per-library CLI's `sslprobe report --json` (the build-time
//!    probe, plus live loopback ticket counts) and, for every library, `sslprobe probe --json`
//!    from a CLI built once against the system OpenSSL (the run-time engine). Both must find
//!    exactly the same per API (presence, kind, variant, effect).
//! 3. **Two second opinions per API**: the knowledge DB (`db_agrees`) and the symbols the
//!    library really exports (`nm_agrees`; see [`nm`] for the rule, including wolfSSL's macro
//!    aliases). And one against the wire: the DB's `needed` for `SSL_CTX_set_num_tickets`
//!    against the TLS 1.3 tickets sent with `SSL_OP_NO_TICKET` alone ([`tickets_vs_db`]).
//! 4. **The run-time library swap** (`examples/swap.rs`, built against shared 1.1.1w and
//!    started on shared 1.1.0i; see [`swap`]).
//!
//! Output: progress lines with elapsed seconds, the library × API table, the per-library table
//! (ticket counts, tests, seconds), the swap section, every disagreement and failure; `--json
//! FILE` writes the [`model::Matrix`]; `--readme` rewrites README's "Tested against" section
//! from it. Exit status 1 on any disagreement or failure.

pub mod model;
pub mod nm;
pub mod render;
pub mod swap;

/// The environment a user sets for a library: shared with `sslprobe matrix`.
pub use sslprobe_cli::libs::env::{features_for, user_vars};
/// Why a cargo build failed, and what a test run reported: shared with `sslprobe matrix`.
pub use sslprobe_cli::matrix::reason;
/// `12 passed, 0 failed, 2 ignored` from cargo test output.
pub use sslprobe_cli::matrix::reason::test_summary;
/// Running child processes (scrubbed environment, logs, time limits): shared with `sslprobe
/// matrix`.
pub use sslprobe_cli::matrix::run as cmd;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sslprobe_build::{Catalog, Kind};

use crate::cli::{parse_jobs, Args};
use crate::libs::{self, Family, Lib, Linkage, Options, Prefix, LIBS};
use model::{
    ApiRow, LibraryResult, Matrix, ProtoTickets, Seconds, TestRun, Tickets, MODE_FAILED, MODE_FULL,
    MODE_PROBE_ONLY,
};

/// Time limit for one `cargo build`/`cargo test` (cold builds with bindgen included).
const CARGO_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Time limit for `sslprobe report` / `sslprobe probe`.
const RUN_LIMIT: Duration = Duration::from_secs(5 * 60);
/// Lines of a failed step's log shown on the console.
const TAIL_LINES: usize = 25;

/// Cargo's debug-info setting for the dev profile; the matrix sets it to `line-tables-only`
/// for its builds unless the caller set it.
const DEBUG_ENV: &str = "CARGO_PROFILE_DEV_DEBUG";

/// The families with rows in the knowledge DB (others get `db_agrees: null`).
const DB_FAMILIES: [&str; 4] = ["openssl", "libressl", "boringssl", "awslc"];

/// How the matrix treats a library's user build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Must build and pass: any failure is a failure.
    Full,
    /// Attempted; if `openssl-sys`'s own build script cannot handle the library the row becomes
    /// probe-only with the build's reason (any other failure is still a failure).
    Attempt,
    /// Not attempted, for the stated reason: probe-only.
    ProbeOnly(&'static str),
}

/// The plan for a library: OpenSSL, BoringSSL (the new one, built from source), AWS-LC and
/// LibreSSL from release tarballs (3.5.4 and later; openssl-sys supports LibreSSL 3.5.0 through
/// 4.4.x) must work as a user would build them; wolfSSL is probe-only (openssl-sys links
/// `-lssl -lcrypto`, which wolfSSL does not have); the rest (LibreSSL 3.1.0, older than
/// openssl-sys accepts) is attempted.
pub fn plan(lib: &Lib) -> Plan {
    if let Some(reason) = libs::env::openssl_sys_cannot_use(lib) {
        Plan::ProbeOnly(reason)
    } else if libs::env::openssl_sys_supports(lib) {
        Plan::Full
    } else {
        Plan::Attempt
    }
}

/// `sslprobe probe` arguments for `prefix` (`--json` included).
pub fn engine_args(prefix: &Prefix) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["probe".into()];
    let default_libs = prefix.link_libs == ["ssl", "crypto"];
    match &prefix.prefix {
        Some(p) if default_libs => {
            a.push("--openssl-dir".into());
            a.push(p.clone().into_os_string());
        }
        _ => {
            a.push("--include-dir".into());
            a.push(prefix.include_dir.clone().into_os_string());
            a.push("--lib-dir".into());
            a.push(prefix.lib_dir.clone().into_os_string());
        }
    }
    if !default_libs {
        a.push("--libs".into());
        a.push(prefix.link_libs.join(":").into());
    }
    if prefix.linkage == Linkage::Static {
        a.push("--static".into());
    }
    for h in &prefix.pre_includes {
        a.push("--prelude".into());
        a.push(format!("#include <{h}>").into());
    }
    a.push("--json".into());
    a
}

/// An API as `sslprobe report --json` and `sslprobe probe --json` print it.
#[derive(Clone, Debug, Deserialize)]
pub struct DocApi {
    /// C name.
    pub name: String,
    /// Found.
    pub present: bool,
    /// Kind as found (`report` prints the DB's kind for absent APIs: ignored then).
    #[serde(default)]
    pub kind: Option<String>,
    /// Winning variant.
    #[serde(default)]
    pub variant: Option<String>,
    /// Present and not a stub.
    pub effective: bool,
    /// DB expectation.
    pub db_expected: bool,
    /// Probe and DB agree.
    pub db_agrees: bool,
    /// Diagnostics excerpt when absent.
    #[serde(default)]
    pub failure: Option<String>,
}

/// The identity part of both documents.
#[derive(Clone, Debug, Deserialize)]
pub struct DocLibrary {
    /// Family (`openssl`, ...).
    pub family: String,
    /// Version as identified.
    pub version: String,
}

/// `sslprobe probe --json`.
#[derive(Clone, Debug, Deserialize)]
pub struct ProbeDoc {
    /// Identity.
    pub library: DocLibrary,
    /// One per catalog API.
    pub apis: Vec<DocApi>,
}

/// `sslprobe report --json` (the parts the matrix reads).
#[derive(Clone, Debug, Deserialize)]
pub struct ReportDoc {
    /// Identity at build time.
    pub library: DocLibrary,
    /// The library loaded at run time.
    pub runtime: ReportRuntime,
    /// Build-time probe results.
    pub apis: Vec<DocApi>,
    /// Live ticket counts.
    pub tickets: ReportTickets,
}

/// `runtime` of the report.
#[derive(Clone, Debug, Deserialize)]
pub struct ReportRuntime {
    /// Version text.
    pub text: String,
    /// Matches the build.
    pub matches: bool,
    /// Why not.
    #[serde(default)]
    pub mismatch: Option<String>,
}

/// `tickets` of the report.
#[derive(Clone, Debug, Deserialize)]
pub struct ReportTickets {
    /// TLS 1.3.
    pub tls13: ReportProto,
    /// TLS 1.2.
    pub tls12: ReportProto,
}

/// One protocol's counts in the report.
#[derive(Clone, Debug, Deserialize)]
pub struct ReportProto {
    /// SSL_OP_NO_TICKET only.
    pub baseline: Option<u64>,
    /// disable_session_tickets.
    pub fixed: Option<u64>,
    /// Measurement error.
    #[serde(default)]
    pub error: Option<String>,
    /// `false` when the library does not speak the protocol (if the report says so).
    #[serde(default)]
    pub supported: Option<bool>,
}

/// Whether a protocol's missing measurement means "the library does not speak it" rather than
/// a failure: the report says so (`supported: false`), or — for reports without that field —
/// the report exited 0 although the measurement has an error (`sslprobe report` exits 1 for
/// every other measurement error).
pub fn unsupported(p: &ReportProto, report_exit_ok: bool) -> bool {
    match p.supported {
        Some(s) => !s,
        None => report_exit_ok && p.error.is_some(),
    }
}

/// Differences between the build-time and the run-time result for one API, as sentences
/// (empty when identical). The kind is compared only for present APIs: `report` fills in the
/// DB's kind for absent ones.
pub fn build_time_differences(report: &DocApi, probe: &DocApi) -> Vec<String> {
    let mut d = Vec::new();
    if report.present != probe.present {
        d.push(format!(
            "present: build time {}, run time {}",
            report.present, probe.present
        ));
    }
    if report.present && probe.present && report.kind != probe.kind {
        d.push(format!(
            "kind: build time {:?}, run time {:?}",
            report.kind, probe.kind
        ));
    }
    if report.variant != probe.variant {
        d.push(format!(
            "variant: build time {:?}, run time {:?}",
            report.variant, probe.variant
        ));
    }
    if report.effective != probe.effective {
        d.push(format!(
            "effective: build time {}, run time {}",
            report.effective, probe.effective
        ));
    }
    d
}

fn describe_found(a: &DocApi) -> String {
    if !a.present {
        return "absent".into();
    }
    match (&a.kind, &a.variant) {
        (Some(k), Some(v)) => format!("present ({k}, variant {v})"),
        (Some(k), None) => format!("present ({k})"),
        _ => "present".into(),
    }
}

fn short_failure(f: &Option<String>) -> String {
    match f {
        Some(f) => {
            let first: Vec<&str> = f.lines().take(2).collect();
            format!("; probe said: {}", first.join(" / "))
        }
        None => String::new(),
    }
}

/// What the library itself says, for [`compare`]: which catalog APIs can be functions, what each
/// name resolves to through the preprocessor, which symbols the library exports, and the
/// library file names (for the sentences).
pub struct Evidence<'a> {
    /// Catalog APIs with a `function` variant.
    pub function_apis: &'a BTreeSet<String>,
    /// API name → the identifier it expands to (see [`nm`]).
    pub symbols: &'a std::collections::BTreeMap<String, Option<String>>,
    /// Defined global symbols of libssl + libcrypto.
    pub exports: &'a BTreeSet<String>,
    /// `libssl.a + libcrypto.a`.
    pub lib_files: &'a str,
}

/// Builds the rows for one library from the engine's results, the [`Evidence`] and (when
/// built) the build-time results; returns the rows and one sentence per disagreement.
pub fn compare(
    key: &str,
    family: &str,
    probe: &[DocApi],
    report: Option<&[DocApi]>,
    ev: &Evidence<'_>,
) -> (Vec<ApiRow>, Vec<String>) {
    let Evidence {
        function_apis,
        symbols,
        exports,
        lib_files,
    } = *ev;
    let has_db = DB_FAMILIES.contains(&family);
    let mut rows = Vec::new();
    let mut sentences = Vec::new();
    for a in probe {
        let symbol = symbols.get(&a.name).cloned().flatten();
        let nm = nm::check(
            function_apis.contains(&a.name),
            a.present,
            a.kind.as_deref(),
            symbol.as_deref(),
            exports,
        );
        let build_time = report.map(|r| match r.iter().find(|b| b.name == a.name) {
            Some(b) => build_time_differences(b, a),
            None => vec!["missing from the build-time report".to_string()],
        });
        let row = ApiRow {
            name: a.name.clone(),
            present: a.present,
            kind: a.kind.clone(),
            variant: a.variant.clone(),
            effective: a.effective,
            db_expected: has_db.then_some(a.db_expected),
            db_agrees: has_db.then_some(a.db_agrees),
            nm_agrees: nm.agrees,
            symbol: nm.symbol.clone(),
            exported: nm.exported,
            build_time_agrees: build_time.as_ref().map(Vec::is_empty),
            failure: a.failure.clone(),
        };
        if row.db_agrees == Some(false) {
            sentences.push(format!(
                "{key}: {}: the probe found it {} but the knowledge DB expects it {}{}",
                a.name,
                describe_found(a),
                if a.db_expected { "present" } else { "absent" },
                short_failure(&a.failure)
            ));
        }
        if row.nm_agrees == Some(false) {
            let sym = nm.symbol.as_deref().unwrap_or("?");
            let alias = if sym == a.name {
                String::new()
            } else {
                format!(" (what {} expands to)", a.name)
            };
            sentences.push(if a.present {
                format!(
                    "{key}: {}: the probe found it {} but `{sym}`{alias} is not exported by {lib_files}",
                    a.name,
                    describe_found(a)
                )
            } else {
                format!(
                    "{key}: {}: the probe found it absent but {lib_files} exports `{sym}`{alias}{}",
                    a.name,
                    short_failure(&a.failure)
                )
            });
        }
        if let Some(diffs) = build_time.filter(|d| !d.is_empty()) {
            sentences.push(format!(
                "{key}: {}: the build-time probe (sslprobe report) and the run-time engine (sslprobe probe) differ: {}",
                a.name,
                diffs.join("; ")
            ));
        }
        rows.push(row);
    }
    (rows, sentences)
}

/// Compares version strings from different sources: `API 44` and `44` are the same.
fn same_version(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_start_matches("API ").trim().to_string();
    norm(a) == norm(b)
}

/// Shared state of one matrix run.
struct Ctx {
    workspace: PathBuf,
    matrix_dir: PathBuf,
    cargo: OsString,
    opts: Options,
    function_apis: BTreeSet<String>,
    includes: Vec<String>,
    catalog_apis: usize,
    /// The knowledge DB's `needed` for [`NUM_TICKETS`], per family name ([`tickets_vs_db`]).
    num_tickets_needed: std::collections::BTreeMap<String, bool>,
    engine: PathBuf,
    start: Instant,
}

impl Ctx {
    fn say(&self, tag: &str, msg: &str) {
        println!(
            "[{:>7.1} s] {tag} {msg}",
            self.start.elapsed().as_secs_f64()
        );
        let _ = std::io::stdout().flush();
    }

    fn log_path(&self, key: &str, step: &str) -> PathBuf {
        self.matrix_dir
            .join("logs")
            .join(key)
            .join(format!("{step}.log"))
    }

    /// Runs cargo with `args` and `vars` (in the workspace), logging to `log`.
    fn cargo(
        &self,
        args: &[&str],
        vars: &[(String, OsString)],
        log: &Path,
    ) -> Result<(cmd::Logged, String)> {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let shown: Vec<(String, OsString)> = vars
            .iter()
            .filter(|(k, _)| k != "CARGO_TARGET_DIR")
            .cloned()
            .collect();
        let line = cmd::render(&self.cargo, &args, &shown);
        let mut c = cmd::command(&self.cargo, &args, vars);
        c.current_dir(&self.workspace);
        if std::env::var_os(DEBUG_ENV).is_none() {
            // Line tables only: panics still name file:line, and each per-library target
            // directory is ~330 MB instead of ~800 MB (18 of them in a full matrix).
            c.env(DEBUG_ENV, "line-tables-only");
        }
        let logged = cmd::run_logged(c, &line, log, CARGO_LIMIT)?;
        Ok((logged, line))
    }

    /// Starts a library's cargo target directory, when it has none yet, as a copy of the
    /// run-time engine's ([`SEED`]): the crates that do not depend on the library (everything
    /// below `openssl-sys` in the graph, and the build tools) are then already compiled, and
    /// cargo rebuilds only what the library's `OPENSSL_*` variables reach (`openssl-sys`'s
    /// build script tracks them; a rebuilt crate rebuilds its dependents). Measured: a
    /// seeded `cargo build -p sslprobe-cli` takes 14 s of CPU where a cold one takes 57.
    /// A failed copy is only said: the build then starts cold.
    fn seed(&self, tag: &str, target_dir: &Path) {
        let seed = self.matrix_dir.join(SEED);
        if target_dir.exists() || !seed.is_dir() {
            return;
        }
        let t = Instant::now();
        let out = std::process::Command::new("cp")
            .args(["-a", "--reflink=auto"])
            .arg(&seed)
            .arg(target_dir)
            .output();
        match out {
            Ok(o) if o.status.success() => self.say(
                tag,
                &format!(
                    "target directory seeded from {} ({:.1} s)",
                    seed.display(),
                    t.elapsed().as_secs_f64()
                ),
            ),
            Ok(o) => {
                self.say(
                    tag,
                    &format!(
                        "could not seed the target directory (cp: {}); it starts cold",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ),
                );
                let _ = std::fs::remove_dir_all(target_dir);
            }
            Err(e) => self.say(
                tag,
                &format!("could not seed the target directory (cp: {e}); it starts cold"),
            ),
        }
    }

    fn print_tail(&self, output: &str, log: &Path) {
        println!("    --- last {TAIL_LINES} lines of {} ---", log.display());
        for line in cmd::tail(output, TAIL_LINES).lines() {
            println!("    | {line}");
        }
    }
}

/// The run-time engine's cargo target directory below the matrix directory (built against the
/// system OpenSSL): also the seed of every library's own ([`Ctx::seed`]).
const SEED: &str = "system";

/// Environment variable naming the directory for the matrix's cargo target directories and
/// logs (CI caches it per library).
pub const TARGET_DIR_ENV: &str = "SSLPROBE_MATRIX_TARGET_DIR";

/// Where the matrix keeps its cargo target directories and logs: `$SSLPROBE_MATRIX_TARGET_DIR`,
/// else `$CARGO_TARGET_DIR/matrix`, else `<workspace>/target/matrix`.
fn matrix_dir(workspace: &Path) -> Result<PathBuf> {
    let absolute = |d: OsString| -> Result<PathBuf> {
        let d = PathBuf::from(d);
        Ok(if d.is_absolute() {
            d
        } else {
            std::env::current_dir()?.join(d)
        })
    };
    if let Some(d) = std::env::var_os(TARGET_DIR_ENV).filter(|v| !v.is_empty()) {
        return absolute(d);
    }
    let base = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(d) => absolute(d)?,
        None => workspace.join("target"),
    };
    Ok(base.join("matrix"))
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn new_result(lib: &Lib) -> LibraryResult {
    LibraryResult {
        name: lib.key.to_string(),
        family: lib.family.as_str().to_string(),
        version: lib.version.to_string(),
        linkage: lib.linkage.as_str().to_string(),
        source_package: lib.source_label(),
        mode: MODE_FAILED.to_string(),
        mode_reason: None,
        apis: Vec::new(),
        tickets: Tickets::default(),
        tests_passed: None,
        tests: Vec::new(),
        runtime_library: None,
        errors: Vec::new(),
        disagreements: Vec::new(),
        notes: Vec::new(),
        seconds: Seconds::default(),
    }
}

impl Ctx {
    fn run_library(&self, i: usize, n: usize, lib: &'static Lib) -> LibraryResult {
        let tag = format!("[{:>2}/{n}] {}:", i + 1, lib.key);
        let t0 = Instant::now();
        let mut r = new_result(lib);
        let cached = !lib.is_apt()
            && libs::load_cached(lib, &self.opts.cache_dir.join(lib.cache_dir_name())).is_some();
        if !cached {
            self.say(
                &tag,
                &format!(
                    "library: {} {} ({}) ...",
                    if lib.is_apt() { "checking" } else { "building" },
                    lib.source_label(),
                    lib.linkage
                ),
            );
        }
        let prefix = match libs::ensure_built_with(lib, &self.opts) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("{e:#}");
                self.say(&tag, &format!("library FAILED: {msg}"));
                if let Some(f) = e.downcast_ref::<libs::BuildFailed>() {
                    self.print_tail(&libs::log_tail(&f.log, TAIL_LINES), &f.log);
                }
                r.mode_reason = Some(format!("the library did not build: {msg}"));
                r.errors
                    .push(format!("{}: the library did not build: {msg}", lib.key));
                r.seconds.total = t0.elapsed().as_secs_f64();
                return r;
            }
        };
        r.seconds.library = t0.elapsed().as_secs_f64();
        r.seconds.library_build = prefix.build_seconds;
        r.version = prefix.version.clone();
        r.source_package = prefix.source_package.clone();
        self.say(
            &tag,
            &format!(
                "library {} {} ready ({:.1} s; {})",
                prefix.family,
                prefix.version,
                r.seconds.library,
                if prefix.from_cache {
                    format!("cached, built in {:.1} s", prefix.build_seconds)
                } else if lib.is_apt() {
                    "installed package".to_string()
                } else {
                    "built now".to_string()
                }
            ),
        );

        let t = Instant::now();
        let doc = self.engine_probe(&tag, lib, &prefix, &mut r);
        r.seconds.catalog += t.elapsed().as_secs_f64();
        let report = match plan(lib) {
            Plan::ProbeOnly(reason) => {
                r.mode = MODE_PROBE_ONLY.into();
                r.mode_reason = Some(reason.into());
                self.say(&tag, &format!("probe only: {reason}"));
                None
            }
            p => self.user_build(&tag, lib, &prefix, p == Plan::Full, doc.as_ref(), &mut r),
        };
        match &doc {
            Some(doc) => {
                let t = Instant::now();
                self.compare_step(&tag, lib, &prefix, doc, report.as_ref(), &mut r);
                r.seconds.catalog += t.elapsed().as_secs_f64();
            }
            None if r.mode != MODE_FULL => r.mode = MODE_FAILED.into(),
            None => {}
        }
        r.seconds.total = t0.elapsed().as_secs_f64();
        let dis = r.disagreements.len();
        self.say(
            &tag,
            &format!(
                "done in {:.1} s: {}, {} API(s) present, {dis} disagreement(s), {} error(s)",
                r.seconds.total,
                r.mode,
                r.apis.iter().filter(|a| a.present).count(),
                r.errors.len()
            ),
        );
        r
    }

    /// Step 1: the user's build, tests and report. Returns the report when the CLI built.
    fn user_build(
        &self,
        tag: &str,
        lib: &Lib,
        prefix: &Prefix,
        must: bool,
        doc: Option<&ProbeDoc>,
        r: &mut LibraryResult,
    ) -> Option<ReportDoc> {
        let target_dir = self.matrix_dir.join(lib.key);
        self.seed(tag, &target_dir);
        let mut vars = vec![(
            "CARGO_TARGET_DIR".to_string(),
            target_dir.clone().into_os_string(),
        )];
        vars.extend(user_vars(prefix));
        let feature = features_for(prefix.family);

        let mut args = vec!["build", "-p", "sslprobe-cli"];
        if let Some(f) = feature {
            args.extend(["--features", f]);
        }
        let log = self.log_path(lib.key, "build-cli");
        let (out, line) = match self.cargo(&args, &vars, &log) {
            Ok(x) => x,
            Err(e) => {
                r.errors.push(format!("{}: {e:#}", lib.key));
                return None;
            }
        };
        r.seconds.cli_build = out.finished.seconds;
        if !out.finished.success() {
            let f = reason::analyze(&out.output);
            let upstream = !must && f.build_script_of.as_deref() == Some("openssl-sys");
            r.mode = MODE_PROBE_ONLY.into();
            r.mode_reason = Some(if upstream {
                format!("openssl-sys cannot be built against it: {}", f.reason)
            } else {
                f.reason.clone()
            });
            if upstream {
                self.say(
                    tag,
                    &format!(
                        "`{line}` fails in openssl-sys ({:.1} s): probe only",
                        out.finished.seconds
                    ),
                );
            } else {
                self.say(
                    tag,
                    &format!(
                        "`{line}` FAILED ({:.1} s): {}",
                        out.finished.seconds, f.reason
                    ),
                );
                self.print_tail(&out.output, &out.log);
                r.errors.push(format!(
                    "{}: sslprobe-cli does not build with `{line}`: {} (log: {})",
                    lib.key,
                    f.reason,
                    out.log.display()
                ));
            }
            return None;
        }
        r.mode = MODE_FULL.into();
        self.say(tag, &format!("`{line}` ok ({:.1} s)", out.finished.seconds));

        // The test suites.
        let mut suites: Vec<(&str, Vec<&str>)> = vec![("wire", vec![])];
        // The key-logging suite is about a library that has key logging.
        let keylog = "SSL_CTX_set_keylog_callback";
        let has_keylog = doc
            .and_then(|d| d.apis.iter().find(|a| a.name == keylog))
            .map(|a| a.present);
        match has_keylog {
            Some(true) => suites.push(("keylog", vec![])),
            Some(false) => r.notes.push(format!(
                "test suite keylog not run: the library lacks {keylog}"
            )),
            None => r.notes.push(format!(
                "test suite keylog not run: the engine could not tell whether the library has {keylog}"
            )),
        }
        if prefix.linkage == Linkage::Shared {
            suites.push(("runtime_detect", vec!["runtime-detect"]));
        }
        // A crate depending on sslprobe, built by a second cargo against the same library, gets
        // the cfgs: run for LibreSSL, the family whose cfgs (stubs in DEP_SSLPROBE_NO_EFFECT)
        // differ most from the system OpenSSL the test suite uses (a second cold cargo build:
        // not repeated for every OpenSSL release).
        if prefix.family == Family::LibreSsl {
            suites.push(("downstream", vec![]));
        }
        let t = Instant::now();
        for (name, mut feats) in suites {
            feats.extend(feature);
            let joined = feats.join(",");
            let mut args = vec!["test", "-p", "sslprobe", "--test", name];
            if !joined.is_empty() {
                args.extend(["--features", joined.as_str()]);
            }
            let log = self.log_path(lib.key, &format!("test-{name}"));
            let run = match self.cargo(&args, &vars, &log) {
                Ok((out, line)) => {
                    let passed = out.finished.success();
                    let summary = test_summary(&out.output)
                        .unwrap_or_else(|| reason::analyze(&out.output).reason);
                    self.say(
                        tag,
                        &format!(
                            "`{line}`: {} ({summary}; {:.1} s)",
                            if passed { "ok" } else { "FAILED" },
                            out.finished.seconds
                        ),
                    );
                    let failed = reason::test_failures(&out.output);
                    if !passed {
                        if failed.is_empty() {
                            self.print_tail(&out.output, &out.log);
                        } else {
                            for f in &failed {
                                println!("    x {f}");
                            }
                            println!("    (full output: {})", out.log.display());
                        }
                        r.errors.push(format!(
                            "{}: `{line}` failed: {summary} (log: {})",
                            lib.key,
                            out.log.display()
                        ));
                    }
                    TestRun {
                        name: name.into(),
                        command: line,
                        passed,
                        summary,
                        failed,
                        seconds: out.finished.seconds,
                        log: out.log.display().to_string(),
                    }
                }
                Err(e) => {
                    r.errors.push(format!("{}: test {name}: {e:#}", lib.key));
                    TestRun {
                        name: name.into(),
                        command: String::new(),
                        passed: false,
                        summary: format!("{e:#}"),
                        failed: vec![],
                        seconds: 0.0,
                        log: String::new(),
                    }
                }
            };
            r.tests.push(run);
        }
        r.seconds.tests = t.elapsed().as_secs_f64();
        r.tests_passed = Some(r.tests.iter().all(|t| t.passed));

        // The per-library CLI's report: build-time probe results and live ticket counts.
        let t = Instant::now();
        let report = self.report(tag, lib, prefix, &target_dir, r);
        r.seconds.catalog += t.elapsed().as_secs_f64();
        report
    }

    fn report(
        &self,
        tag: &str,
        lib: &Lib,
        prefix: &Prefix,
        target_dir: &Path,
        r: &mut LibraryResult,
    ) -> Option<ReportDoc> {
        let cli = target_dir.join("debug").join("sslprobe");
        let run_vars: Vec<(String, OsString)> = user_vars(prefix)
            .into_iter()
            .filter(|(k, _)| k == "LD_LIBRARY_PATH")
            .collect();
        let args = [OsStr::new("report"), OsStr::new("--json")];
        let line = cmd::render(cli.as_os_str(), &args, &run_vars);
        let c = cmd::command(cli.as_os_str(), &args, &run_vars);
        let cap = match cmd::run_captured(c, &line, RUN_LIMIT) {
            Ok(c) => c,
            Err(e) => {
                r.errors.push(format!("{}: `{line}`: {e:#}", lib.key));
                return None;
            }
        };
        let doc: ReportDoc = match serde_json::from_str(&cap.stdout) {
            Ok(d) => d,
            Err(e) => {
                r.errors.push(format!(
                    "{}: `{line}` printed no readable JSON ({e}); stderr: {}",
                    lib.key,
                    cmd::tail(&cap.stderr, 5)
                ));
                return None;
            }
        };
        let errors_before = r.errors.len();
        if !doc.runtime.matches {
            r.errors.push(format!(
                "{}: the run-time library differs from the build-time one: {}",
                lib.key,
                doc.runtime.mismatch.as_deref().unwrap_or(&doc.runtime.text)
            ));
        }
        r.runtime_library = Some(doc.runtime.text.clone());
        let proto = |p: &ReportProto| ProtoTickets {
            baseline: p.baseline,
            fixed: p.fixed,
        };
        r.tickets = Tickets {
            tls13: proto(&doc.tickets.tls13),
            tls12: proto(&doc.tickets.tls12),
        };
        for (name, p) in [
            ("TLS 1.3", &doc.tickets.tls13),
            ("TLS 1.2", &doc.tickets.tls12),
        ] {
            if unsupported(p, cap.finished.success()) {
                r.notes.push(format!(
                    "{name} tickets not measured: {}",
                    p.error
                        .as_deref()
                        .unwrap_or("the library does not support it")
                ));
            } else if let Some(e) = &p.error {
                r.errors.push(format!(
                    "{}: the {name} loopback measurement failed: {e}",
                    lib.key
                ));
            } else if p.fixed != Some(0) {
                r.errors.push(format!(
                    "{}: {name} with disable_session_tickets: {:?} tickets received, expected 0",
                    lib.key, p.fixed
                ));
            }
        }
        // A failing exit the problems above do not explain is a failure of its own.
        if !cap.finished.success() && r.errors.len() == errors_before {
            r.errors.push(format!(
                "{}: `{line}` exited with {:?}: {}",
                lib.key,
                cap.finished.status.and_then(|s| s.code()),
                cmd::tail(cap.stderr.trim(), 3)
            ));
        }
        self.say(
            tag,
            &format!(
                "sslprobe report: {} at run time; tickets TLS 1.3 {}/{}, TLS 1.2 {}/{} (baseline/fixed)",
                doc.runtime.text,
                fmt_opt(doc.tickets.tls13.baseline),
                fmt_opt(doc.tickets.tls13.fixed),
                fmt_opt(doc.tickets.tls12.baseline),
                fmt_opt(doc.tickets.tls12.fixed)
            ),
        );
        if !same_version(&doc.library.version, &prefix.version)
            || doc.library.family != prefix.family.as_str()
        {
            r.errors.push(format!(
                "{}: sslprobe's build script identified {} {}, the library is {} {}",
                lib.key, doc.library.family, doc.library.version, prefix.family, prefix.version
            ));
        }
        Some(doc)
    }

    /// Step 2b: the run-time engine (`sslprobe probe --json`) against the library.
    fn engine_probe(
        &self,
        tag: &str,
        lib: &Lib,
        prefix: &Prefix,
        r: &mut LibraryResult,
    ) -> Option<ProbeDoc> {
        let args = engine_args(prefix);
        let arg_refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
        let line = cmd::render(self.engine.as_os_str(), &arg_refs, &[]);
        let c = cmd::command(self.engine.as_os_str(), &arg_refs, &[]);
        let cap = match cmd::run_captured(c, &line, RUN_LIMIT) {
            Ok(c) => c,
            Err(e) => {
                r.errors.push(format!("{}: `{line}`: {e:#}", lib.key));
                return None;
            }
        };
        let doc: Option<ProbeDoc> = if cap.finished.success() {
            serde_json::from_str(&cap.stdout).ok()
        } else {
            None
        };
        let Some(doc) = doc else {
            let why = cmd::tail(cap.stderr.trim(), 12);
            self.say(tag, &format!("`sslprobe probe` FAILED:\n{why}"));
            r.errors.push(format!(
                "{}: the run-time engine failed: `{line}`: {}",
                lib.key,
                why.lines().next().unwrap_or("no output")
            ));
            return None;
        };
        if doc.library.family != prefix.family.as_str()
            || !same_version(&doc.library.version, &prefix.version)
        {
            r.errors.push(format!(
                "{}: the engine identified {} {}, the library is {} {}",
                lib.key, doc.library.family, doc.library.version, prefix.family, prefix.version
            ));
        }
        Some(doc)
    }

    /// Step 3: `nm`, alias resolution and the comparisons.
    fn compare_step(
        &self,
        tag: &str,
        lib: &Lib,
        prefix: &Prefix,
        doc: &ProbeDoc,
        report: Option<&ReportDoc>,
        r: &mut LibraryResult,
    ) {
        // What the library exports, and what each name resolves to.
        let mut exports = BTreeSet::new();
        let mut files = Vec::new();
        for f in [&prefix.ssl_lib, &prefix.crypto_lib] {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if files.contains(&name) {
                continue;
            }
            match libs::defined_symbols(f, prefix.linkage) {
                Ok(s) => exports.extend(s),
                Err(e) => r.errors.push(format!("{}: nm: {e:#}", lib.key)),
            }
            files.push(name);
        }
        let names: Vec<&str> = self.function_apis.iter().map(String::as_str).collect();
        let symbols = match nm::resolve_aliases(
            &prefix.include_dir,
            &prefix.pre_includes,
            &self.includes,
            &names,
        ) {
            Ok(s) => s,
            Err(e) => {
                r.errors
                    .push(format!("{}: resolving aliases: {e:#}", lib.key));
                Default::default()
            }
        };
        let (rows, sentences) = compare(
            lib.key,
            &doc.library.family,
            &doc.apis,
            report.map(|d| d.apis.as_slice()),
            &Evidence {
                function_apis: &self.function_apis,
                symbols: &symbols,
                exports: &exports,
                lib_files: &files.join(" + "),
            },
        );
        let nm_checked = rows.iter().filter(|a| a.nm_agrees.is_some()).count();
        let aliased = rows
            .iter()
            .filter(|a| a.symbol.as_deref().is_some_and(|s| s != a.name))
            .count();
        self.say(
            tag,
            &format!(
                "sslprobe probe: {} {}: {}/{} present; nm checked {nm_checked} function(s) ({aliased} via a macro alias); {} disagreement(s)",
                doc.library.family,
                doc.library.version,
                rows.iter().filter(|a| a.present).count(),
                rows.len(),
                sentences.len()
            ),
        );
        let mut sentences = sentences;
        if let Some(report) = report {
            let needed = self.num_tickets_needed.get(&report.library.family).copied();
            sentences.extend(tickets_vs_db(
                lib.key,
                &report.library.family,
                needed,
                report,
            ));
        }
        for s in &sentences {
            println!("    ! {s}");
        }
        r.apis = rows;
        r.disagreements = sentences;
    }
}

/// The API whose purpose the loopback measures: TLS 1.3 tickets after `SSL_OP_NO_TICKET`.
const NUM_TICKETS: &str = "SSL_CTX_set_num_tickets";

/// The knowledge DB's `needed` for `SSL_CTX_set_num_tickets` on a family against the wire.
/// Where the build-time probe found it present and effective, a family whose DB row says
/// `needed = false` must send no TLS 1.3 ticket with `SSL_OP_NO_TICKET` alone (the report's
/// TLS 1.3 baseline), and one that needs it must send some. Returns the disagreement, if any; `needed` is `None`
/// for a family without a DB row, and nothing is said without a clean TLS 1.3 measurement.
pub fn tickets_vs_db(
    key: &str,
    family: &str,
    needed: Option<bool>,
    report: &ReportDoc,
) -> Option<String> {
    let needed = needed?;
    let api = report.apis.iter().find(|a| a.name == NUM_TICKETS)?;
    let p = &report.tickets.tls13;
    if !(api.present && api.effective) || p.error.is_some() {
        return None;
    }
    match (needed, p.baseline?) {
        (true, 0) => Some(format!(
            "{key}: {NUM_TICKETS}: the knowledge DB says {family} needs it, but with \
             SSL_OP_NO_TICKET alone its TLS 1.3 server sent no ticket on loopback (`needed = \
             false` in probes/catalog.toml, if that holds for the family)"
        )),
        (false, n) if n > 0 => Some(format!(
            "{key}: {NUM_TICKETS}: the knowledge DB says {family} does not need it (`needed = \
             false`), but with SSL_OP_NO_TICKET alone its TLS 1.3 server sent {n} ticket(s) on \
             loopback"
        )),
        _ => None,
    }
}

fn fmt_opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |n| n.to_string())
}

/// The catalog's API names that have a `function` variant, and the union of the probes'
/// include lines (in first-seen order).
fn catalog_facts(catalog: &Catalog) -> (BTreeSet<String>, Vec<String>) {
    let functions = catalog
        .apis
        .iter()
        .filter(|a| a.variants.iter().any(|v| v.kind == Kind::Function))
        .map(|a| a.name.clone())
        .collect();
    let mut includes: Vec<String> = Vec::new();
    for a in &catalog.apis {
        for i in &a.includes {
            if !includes.contains(i) {
                includes.push(i.clone());
            }
        }
    }
    (functions, includes)
}

fn print_list(selected: &[&'static Lib], opts: &Options, matrix_dir: &Path) {
    println!("cache: {}", opts.cache_dir.display());
    println!("cargo target directories: {}/<key>", matrix_dir.display());
    println!(
        "{:<26} {:<10} {:<8} {:<7} {:<13} plan",
        "key", "family", "version", "linkage", "cache"
    );
    for lib in selected {
        let state = if lib.is_apt() {
            "apt".to_string()
        } else if libs::load_cached(lib, &opts.cache_dir.join(lib.cache_dir_name())).is_some() {
            "built".to_string()
        } else {
            "not built".to_string()
        };
        let plan = match plan(lib) {
            Plan::Full => "build + test + probe".to_string(),
            Plan::Attempt => "attempt build + test; probe".to_string(),
            Plan::ProbeOnly(why) => format!("probe only: {why}"),
        };
        let version = if lib.version.is_empty() {
            "(apt)"
        } else {
            lib.version
        };
        println!(
            "{:<26} {:<10} {:<8} {:<7} {:<13} {plan}",
            lib.key, lib.family, version, lib.linkage, state
        );
    }
}

fn write_readme(workspace: &Path, m: &Matrix, source: &str) -> Result<PathBuf> {
    let path = workspace.join("README.md");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let new = render::replace_readme_section(&text, &render::readme_section(m, source))
        .with_context(|| format!("updating {}", path.display()))?;
    if new != text {
        std::fs::write(&path, new).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}

const USAGE: &str = "usage: cargo xtask matrix [--libs a,b] [--json FILE] [--list] [--readme] [--no-swap] [--jobs N]
       cargo xtask matrix --readme-from FILE";

/// Runs `cargo xtask matrix`.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let mut a = Args::new(args);
    let list = a.flag("--list");
    let readme = a.flag("--readme");
    let no_swap = a.flag("--no-swap");
    let spec = a.value("--libs")?;
    let json = a.value("--json")?;
    let readme_from = a.value("--readme-from")?;
    let jobs = a.value("--jobs")?.map(|j| parse_jobs(&j)).transpose()?;
    a.finish().map_err(|e| anyhow::anyhow!("{e}\n{USAGE}"))?;
    let workspace = workspace_root();

    if let Some(file) = readme_from {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
        let m: Matrix = serde_json::from_str(&text)
            .with_context(|| format!("{file} is not a matrix JSON document"))?;
        let path = write_readme(&workspace, &m, &file)?;
        println!(
            "{}: \"Tested against\" section rewritten from {file}",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let selected: Vec<&'static Lib> = match &spec {
        Some(spec) => libs::parse_keys(spec)?,
        None => LIBS.iter().collect(),
    };
    let mut opts = libs::options_from_env()?;
    if let Some(j) = jobs {
        opts.jobs = j;
    }
    let matrix_dir = matrix_dir(&workspace)?;
    if list {
        print_list(&selected, &opts, &matrix_dir);
        return Ok(ExitCode::SUCCESS);
    }

    let start = Instant::now();
    let (catalog, _) = Catalog::load(&workspace.join("probes"))
        .map_err(|e| anyhow::anyhow!("loading probes/catalog.toml: {e}"))?;
    let (function_apis, includes) = catalog_facts(&catalog);
    let cargo = std::env::var_os("CARGO")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "cargo".into());
    let ctx = Ctx {
        workspace: workspace.clone(),
        matrix_dir: matrix_dir.clone(),
        cargo,
        opts,
        function_apis,
        includes,
        catalog_apis: catalog.apis.len(),
        // the wire check must not vanish quietly when the catalog loses the API
        num_tickets_needed: catalog
            .get(NUM_TICKETS)
            .with_context(|| format!("probes/catalog.toml has no {NUM_TICKETS}"))?
            .db_rows()
            .map(|(f, e)| (f.as_str().to_string(), e.needed))
            .collect(),
        engine: matrix_dir.join(SEED).join("debug").join("sslprobe"),
        start,
    };
    println!(
        "xtask matrix: {} librar{}, {} APIs; libraries cached in {}; cargo target dirs and logs in {}",
        selected.len(),
        if selected.len() == 1 { "y" } else { "ies" },
        ctx.catalog_apis,
        ctx.opts.cache_dir.display(),
        matrix_dir.display()
    );
    libs::ensure_build_tools(&selected)?;

    // The run-time engine: sslprobe-cli against the system OpenSSL, built once.
    let engine_dir = matrix_dir.join(SEED);
    ctx.say(
        "[engine]",
        "cargo build -p sslprobe-cli (against the system OpenSSL) ...",
    );
    let vars = vec![(
        "CARGO_TARGET_DIR".to_string(),
        engine_dir.clone().into_os_string(),
    )];
    let log = ctx.log_path("system", "build-cli");
    let (out, line) = ctx.cargo(&["build", "-p", "sslprobe-cli"], &vars, &log)?;
    if !out.finished.success() {
        ctx.print_tail(&out.output, &out.log);
        bail!(
            "the run-time engine does not build: `{line}`: {}",
            reason::analyze(&out.output).reason
        );
    }
    ctx.say(
        "[engine]",
        &format!(
            "ok ({:.1} s): {}",
            out.finished.seconds,
            ctx.engine.display()
        ),
    );
    // The test suites' dependencies too (`cargo test -p sslprobe` unifies features over another
    // set of packages than `cargo build -p sslprobe-cli`), so that the libraries' target
    // directories seeded from this one find them compiled. Only a speed-up: a failure here is
    // said and the run goes on (each library's own test build reports real failures).
    let log = ctx.log_path("system", "build-tests");
    match ctx.cargo(
        &["test", "-p", "sslprobe", "--no-run", "--test", "wire"],
        &vars,
        &log,
    ) {
        Ok((out, line)) if out.finished.success() => ctx.say(
            "[engine]",
            &format!("`{line}` ok ({:.1} s)", out.finished.seconds),
        ),
        Ok((out, line)) => ctx.say(
            "[engine]",
            &format!(
                "`{line}` failed ({}; log {}): the libraries' test builds start colder",
                reason::analyze(&out.output).reason,
                out.log.display()
            ),
        ),
        Err(e) => ctx.say("[engine]", &format!("test build not started: {e:#}")),
    }

    let n = selected.len();
    let results: Vec<LibraryResult> = selected
        .iter()
        .enumerate()
        .map(|(i, lib)| ctx.run_library(i, n, lib))
        .collect();

    let want_swap = !no_swap
        && (spec.is_none()
            || selected
                .iter()
                .any(|l| l.key == swap::BUILT || l.key == swap::SWAPPED));
    let swap = want_swap.then(|| swap::run(&ctx));

    let mut disagreements = Vec::new();
    let mut failures = Vec::new();
    for r in &results {
        disagreements.extend(r.disagreements.iter().cloned());
        failures.extend(r.errors.iter().cloned());
    }
    if let Some(s) = &swap {
        for (name, c) in [("direct", &s.direct), ("runtime-detect", &s.runtime_detect)] {
            if !c.ok {
                failures.push(format!("swap ({name}): {}", c.explanation));
            }
        }
    }
    let m = Matrix {
        sslprobe_version: env!("CARGO_PKG_VERSION").to_string(),
        catalog_apis: ctx.catalog_apis,
        total_seconds: start.elapsed().as_secs_f64(),
        ok: disagreements.is_empty() && failures.is_empty(),
        disagreements,
        failures,
        libraries: results,
        swap,
    };
    println!();
    print!("{}", render::full_report(&m));
    if let Some(file) = &json {
        let path = Path::new(file);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(&m)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {file}"))?;
        println!("wrote {file}");
    }
    if readme {
        if spec.is_some() {
            println!(
                "note: --readme with --libs: the README table lists only the selected libraries"
            );
        }
        let source = json.as_deref().unwrap_or("a `cargo xtask matrix` run");
        let path = write_readme(&workspace, &m, source)?;
        println!(
            "rewrote the \"Tested against\" section of {}",
            path.display()
        );
    }
    Ok(if m.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn api(name: &str, present: bool, kind: Option<&str>) -> DocApi {
        DocApi {
            name: name.into(),
            present,
            kind: kind.map(Into::into),
            variant: present.then(|| "fn".into()),
            effective: present,
            db_expected: present,
            db_agrees: true,
            failure: (!present).then(|| "error: implicit declaration".into()),
        }
    }

    fn prefix(family: Family, linkage: Linkage, apt: bool) -> Prefix {
        let base = PathBuf::from("/c/lib/prefix");
        Prefix {
            name: "k".into(),
            family,
            version: "1".into(),
            source_package: "s".into(),
            prefix: (!apt).then(|| base.clone()),
            include_dir: base.join("include"),
            lib_dir: base.join("lib"),
            linkage,
            ssl_lib: base.join("lib/libssl.a"),
            crypto_lib: base.join("lib/libcrypto.a"),
            link_libs: if family == Family::WolfSsl {
                vec!["wolfssl".into()]
            } else {
                vec!["ssl".into(), "crypto".into()]
            },
            pre_includes: if family == Family::WolfSsl {
                vec!["wolfssl/options.h".into()]
            } else {
                vec![]
            },
            macros: BTreeMap::new(),
            build_seconds: 0.0,
            build_cpu_seconds: 0.0,
            recipe_revision: 1,
            from_cache: false,
        }
    }

    fn strs(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn engine_arguments() {
        assert_eq!(
            strs(&engine_args(&prefix(
                Family::OpenSsl,
                Linkage::Static,
                false
            ))),
            [
                "probe",
                "--openssl-dir",
                "/c/lib/prefix",
                "--static",
                "--json"
            ]
        );
        assert_eq!(
            strs(&engine_args(&prefix(
                Family::WolfSsl,
                Linkage::Shared,
                true
            ))),
            [
                "probe",
                "--include-dir",
                "/c/lib/prefix/include",
                "--lib-dir",
                "/c/lib/prefix/lib",
                "--libs",
                "wolfssl",
                "--prelude",
                "#include <wolfssl/options.h>",
                "--json"
            ]
        );
    }

    #[test]
    fn plans() {
        let p = |k: &str| plan(libs::find(k).unwrap());
        assert_eq!(p("openssl-1.1.0i"), Plan::Full);
        assert_eq!(p("openssl-1.1.1w-shared"), Plan::Full);
        assert_eq!(p("awslc"), Plan::Full);
        assert_eq!(p("boringssl-new"), Plan::Full);
        assert_eq!(p("boringssl-old"), Plan::Attempt);
        assert_eq!(p("libressl-3.1.0"), Plan::Attempt);
        for key in [
            "libressl-3.5.4",
            "libressl-3.9.2",
            "libressl-4.3.2",
            "libressl-4.3.2-shared",
        ] {
            assert_eq!(p(key), Plan::Full, "{key}");
        }
        assert!(matches!(p("wolfssl-debian"), Plan::ProbeOnly(_)));
    }

    #[test]
    fn an_unsupported_protocol_is_not_a_failure() {
        let p = |error: Option<&str>, supported: Option<bool>| ReportProto {
            baseline: None,
            fixed: None,
            error: error.map(Into::into),
            supported,
        };
        let msg = Some("TLS 1.3 is not supported by the library linked");
        assert!(unsupported(&p(msg, None), true), "exit 0 with an error");
        assert!(!unsupported(&p(msg, None), false), "exit 1: a failure");
        assert!(
            unsupported(&p(msg, Some(false)), false),
            "said so explicitly"
        );
        assert!(!unsupported(&p(msg, Some(true)), true));
        assert!(!unsupported(&p(None, None), true), "measured");
    }

    #[test]
    fn versions_compare_across_sources() {
        assert!(same_version("API 44", "44"));
        assert!(same_version("3.0.8", "3.0.8"));
        assert!(!same_version("1.1.1w", "1.1.0i"));
    }

    #[test]
    fn comparison_flags_each_kind_of_disagreement() {
        let functions: BTreeSet<String> = [
            "SSL_CTX_set_num_tickets",
            "SSL_set_num_tickets",
            "X_missing",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let symbols: BTreeMap<String, Option<String>> = [
            ("SSL_CTX_set_num_tickets", "wolfSSL_CTX_set_num_tickets"),
            ("SSL_set_num_tickets", "SSL_set_num_tickets"),
            ("X_missing", "X_missing"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), Some(b.to_string())))
        .collect();
        let exports: BTreeSet<String> = ["wolfSSL_CTX_set_num_tickets", "X_missing"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut db_wrong = api("SSL_OP_NO_TICKET", true, Some("define"));
        db_wrong.db_expected = false;
        db_wrong.db_agrees = false;
        let probe = vec![
            api("SSL_CTX_set_num_tickets", true, Some("function")),
            api("SSL_set_num_tickets", false, None),
            api("X_missing", false, None),
            db_wrong,
        ];
        // wolfSSL: no DB rows → db null; the alias makes nm agree.
        let (rows, sentences) = compare(
            "wolfssl-debian",
            "wolfssl",
            &probe[..3],
            None,
            &Evidence {
                function_apis: &functions,
                symbols: &symbols,
                exports: &exports,
                lib_files: "libwolfssl.so",
            },
        );
        assert_eq!(rows[0].db_agrees, None);
        assert_eq!(rows[0].nm_agrees, Some(true));
        assert_eq!(
            rows[0].symbol.as_deref(),
            Some("wolfSSL_CTX_set_num_tickets")
        );
        assert_eq!(rows[1].nm_agrees, Some(true));
        assert_eq!(rows[2].nm_agrees, Some(false), "absent but exported");
        assert_eq!(rows[0].build_time_agrees, None);
        assert_eq!(sentences.len(), 1, "{sentences:?}");
        assert!(sentences[0].contains(
            "X_missing: the probe found it absent but libwolfssl.so exports `X_missing`"
        ));

        // OpenSSL: DB disagreement and a build-time difference.
        let mut report = probe.clone();
        report[1].present = true;
        report[1].variant = Some("fn".into());
        let (rows, sentences) = compare(
            "openssl-x",
            "openssl",
            &probe,
            Some(&report),
            &Evidence {
                function_apis: &functions,
                symbols: &symbols,
                exports: &exports,
                lib_files: "libssl.a + libcrypto.a",
            },
        );
        assert_eq!(rows[3].db_agrees, Some(false));
        assert_eq!(rows[3].nm_agrees, None, "a define has no symbol");
        assert_eq!(rows[1].build_time_agrees, Some(false));
        assert_eq!(rows[0].build_time_agrees, Some(true));
        assert!(sentences.iter().any(|s| s.contains("SSL_OP_NO_TICKET: the probe found it present (define, variant fn) but the knowledge DB expects it absent")), "{sentences:?}");
        assert!(sentences.iter().any(|s| s.contains("SSL_set_num_tickets: the build-time probe (sslprobe report) and the run-time engine (sslprobe probe) differ: present: build time true, run time false")), "{sentences:?}");
        // the literal name is not exported: a present-as-function row whose symbol is missing
        let (rows, _) = compare(
            "k",
            "openssl",
            &probe[..1],
            None,
            &Evidence {
                function_apis: &functions,
                symbols: &BTreeMap::new(),
                exports: &exports,
                lib_files: "libssl.a",
            },
        );
        assert_eq!(rows[0].nm_agrees, None, "unresolved name: not applicable");
    }

    #[test]
    fn report_kind_of_absent_apis_is_ignored() {
        let mut b = api("A", false, None);
        b.kind = Some("function".into());
        assert!(build_time_differences(&b, &api("A", false, None)).is_empty());
        let mut b = api("A", true, Some("macro"));
        b.variant = Some("macro".into());
        let d = build_time_differences(&b, &api("A", true, Some("function")));
        assert_eq!(d.len(), 2, "{d:?}");
    }

    /// A report with `SSL_CTX_set_num_tickets` present (effective or a stub) and `baseline`
    /// TLS 1.3 tickets (`None`: a failed measurement).
    fn report_with(effective: bool, baseline: Option<u64>) -> ReportDoc {
        serde_json::from_value(serde_json::json!({
            "library": { "family": "boringssl", "version": "API 44" },
            "runtime": { "text": "BoringSSL", "matches": true },
            "apis": [{ "name": NUM_TICKETS, "present": true, "effective": effective,
                       "db_expected": true, "db_agrees": true }],
            "tickets": {
                "tls13": { "baseline": baseline, "fixed": 0,
                           "error": if baseline.is_none() { Some("refused") } else { None } },
                "tls12": { "baseline": 0, "fixed": 0 }
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_db_s_needed_is_checked_against_the_wire() {
        let check = |needed, r: &ReportDoc| tickets_vs_db("lib", "boringssl", needed, r);
        // agreements: not needed and no ticket; needed and two
        assert_eq!(check(Some(false), &report_with(true, Some(0))), None);
        assert_eq!(check(Some(true), &report_with(true, Some(2))), None);
        // disagreements, both ways
        let d = check(Some(false), &report_with(true, Some(2))).expect("a disagreement");
        assert!(
            d.contains("does not need it") && d.contains("sent 2 ticket(s)"),
            "{d}"
        );
        let d = check(Some(true), &report_with(true, Some(0))).expect("a disagreement");
        assert!(
            d.contains("says boringssl needs it") && d.contains("no ticket"),
            "{d}"
        );
        // nothing to say: a stub, a failed measurement, a family without a DB row
        assert_eq!(check(Some(true), &report_with(false, Some(0))), None);
        assert_eq!(check(Some(true), &report_with(true, None)), None);
        assert_eq!(check(None, &report_with(true, Some(0))), None);
    }

    #[test]
    fn the_real_catalog_says_where_num_tickets_is_not_needed() {
        let (catalog, _) = Catalog::load(&workspace_root().join("probes")).unwrap();
        let api = catalog.get(NUM_TICKETS).unwrap();
        let needed: Vec<(String, bool)> = api
            .db_rows()
            .map(|(f, e)| (f.as_str().to_string(), e.needed))
            .collect();
        // OpenSSL >= 1.1.1 sends two stateful tickets without it (the mission); BoringSSL and
        // AWS-LC send none (matrix); LibreSSL's is a stub (needed stays true, effective false)
        for (family, want) in [("openssl", true), ("boringssl", false), ("awslc", false)] {
            assert!(
                needed.contains(&(family.to_string(), want)),
                "{family}: {needed:?}"
            );
        }
    }

    #[test]
    fn json_shape_has_the_documented_fields() {
        let m = Matrix {
            sslprobe_version: "0.1.0".into(),
            catalog_apis: 1,
            total_seconds: 1.0,
            ok: true,
            disagreements: vec![],
            failures: vec![],
            libraries: vec![LibraryResult {
                apis: vec![ApiRow {
                    name: "SSL_CTX_set_num_tickets".into(),
                    present: true,
                    kind: Some("function".into()),
                    variant: Some("fn".into()),
                    effective: true,
                    db_expected: Some(true),
                    db_agrees: Some(true),
                    nm_agrees: Some(true),
                    symbol: Some("SSL_CTX_set_num_tickets".into()),
                    exported: Some(true),
                    build_time_agrees: Some(true),
                    failure: None,
                }],
                mode: MODE_FULL.into(),
                tests_passed: Some(true),
                tickets: Tickets {
                    tls13: ProtoTickets {
                        baseline: Some(2),
                        fixed: Some(0),
                    },
                    tls12: ProtoTickets {
                        baseline: Some(0),
                        fixed: Some(0),
                    },
                },
                ..new_result(libs::find("openssl-1.1.1w").unwrap())
            }],
            swap: None,
        };
        let v: serde_json::Value = serde_json::to_value(&m).unwrap();
        let l = &v["libraries"][0];
        for key in [
            "name",
            "family",
            "version",
            "mode",
            "mode_reason",
            "apis",
            "tickets",
            "tests_passed",
        ] {
            assert!(l.get(key).is_some(), "libraries[].{key}");
        }
        assert_eq!(l["name"], "openssl-1.1.1w");
        assert_eq!(l["family"], "openssl");
        assert_eq!(l["tickets"]["tls13"]["baseline"], 2);
        assert_eq!(l["tickets"]["tls13"]["fixed"], 0);
        assert_eq!(l["tickets"]["tls12"]["baseline"], 0);
        assert_eq!(l["tickets"]["tls12"]["fixed"], 0);
        assert_eq!(l["tests_passed"], true);
        let a = &l["apis"][0];
        for key in ["name", "present", "kind", "db_agrees", "nm_agrees"] {
            assert!(a.get(key).is_some(), "apis[].{key}");
        }
        assert!(v.get("swap").is_some());
        // round trip
        let back: Matrix = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn catalog_facts_from_the_real_catalog() {
        let (catalog, _) = Catalog::load(&workspace_root().join("probes")).unwrap();
        let (functions, includes) = catalog_facts(&catalog);
        assert!(functions.contains("SSL_CTX_set_num_tickets"));
        assert!(!functions.contains("SSL_OP_NO_TICKET"), "a define");
        assert!(
            includes.iter().any(|i| i.contains("openssl/ssl.h")),
            "{includes:?}"
        );
    }
}
