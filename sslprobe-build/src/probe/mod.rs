//! Probe: compile and link small C programs against the located library. Never run them.
//!
//! Every catalog variant becomes one uniquely named function. In [`Mode::Batched`] (the default)
//! the variants go into generated translation units that are each compiled and linked by a
//! single compiler invocation. An API's result is its first variant that compiles and links, so
//! variants after one known to pass are never compiled. The first round is planned from the
//! knowledge DB — one unit with the variants expected to win, one beside it with those expected
//! to fail — so that on a library the DB knows, the whole catalog costs one round of two
//! parallel compiles. The plan only orders work: every result comes from a compiler run, and a
//! wrong expectation costs a round, never a wrong answer. When a unit fails, the failures are
//! attributed without guessing, the culprits are dropped and the rest is retried:
//!
//! - compiler diagnostics by location: every block carries a `#line` directive pointing at its
//!   probe file, and every shared `#include` a `#line` naming the include, so `file:line: error:`
//!   maps to exactly one block (or to the blocks that asked for a missing header);
//! - linker diagnostics by the probe function they name: GNU ld's `in function 'sslprobe_…'`,
//!   gold's `function sslprobe_…: error:`, lld's and mold's `>>> referenced by …(sslprobe_…)`,
//!   ld64's `referenced from: _sslprobe_…`; failing that, by the undefined symbol itself (the
//!   blocks whose body names it).
//!
//! Output that cannot be read (another compiler or linker, another language) falls back to
//! bisection, which ends in compiling single probes. [`Mode::OneAtATime`] compiles every
//! variant on its own. Both modes, and bisection, give identical results, failure excerpts
//! included; the test suite checks that over the real catalog. Separate compiles (the two units
//! of the first round, one at a time, bisection) run in parallel within Cargo's jobserver
//! limits (`NUM_JOBS` / available parallelism outside Cargo).
//!
//! Three control probes (an undeclared call, a wrong function-pointer type, an undefined symbol)
//! ride along with the probes expected to fail, and every successful unit must have linked an
//! executable of the target's format: a run proves that the compiler, flags and linker can still
//! say both "yes" and "no", or it stops (see `controls`).
//!
//! A sanity probe (`SSL_CTX_new`) is part of every batch. It runs on its own only when it is
//! implicated or the output cannot be read; if it fails on its own, probing stops with
//! [`Error::Sanity`]: a broken environment is never reported as "absent".
//!
//! The successful compile also writes a dependency file (`-MD`), so [`Results::headers`] lists
//! every header the probes really included: a build script prints `cargo:rerun-if-changed` for
//! each and re-probes exactly when one of them changes.

mod controls;
mod diagnostics;

use crate::catalog::{is_c_identifier, Api, Catalog, Kind};
use crate::compiler::{render_command, Compiler};
use crate::identify::{self, Library};
use crate::locate::Location;
use crate::{Error, Result};
use diagnostics::{
    diagnose, error_location, first_errors, identifiers, needs_cxx_runtime, parse_depfile,
    undefined_symbol, without_suggestion,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// The probe log: every C source, command line, exit status and compiler output
/// (the `config.log` of sslprobe). Written to a file as it grows, when a path is given.
#[derive(Debug, Default)]
pub struct Log {
    path: Option<PathBuf>,
    text: String,
    entries: usize,
}

impl Log {
    /// A log that also appends to `path` (truncated first).
    pub fn to_file(path: &Path) -> Result<Log> {
        std::fs::write(path, b"").map_err(|e| Error::io(path, e))?;
        Ok(Log {
            path: Some(path.to_path_buf()),
            text: String::new(),
            entries: 0,
        })
    }

    /// An in-memory log.
    pub fn in_memory() -> Log {
        Log::default()
    }

    /// Where the log is written, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The whole log text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends free text.
    pub fn note(&mut self, text: &str) {
        self.append(&format!("## {text}\n"));
    }

    /// Appends one compiler run.
    pub fn entry(
        &mut self,
        what: &str,
        source: &str,
        command: &str,
        status: Option<i32>,
        output: &str,
    ) {
        self.entries += 1;
        let mut s = String::new();
        let _ = writeln!(s, "==== [{}] {what}", self.entries);
        let _ = writeln!(s, "---- source");
        for (i, l) in source.lines().enumerate() {
            let _ = writeln!(s, "{:5} | {l}", i + 1);
        }
        let _ = writeln!(s, "---- command\n{command}");
        let _ = writeln!(
            s,
            "---- exit status: {}",
            status.map_or("killed by a signal".to_string(), |c| c.to_string())
        );
        let _ = writeln!(
            s,
            "---- output\n{}",
            if output.trim().is_empty() {
                "(none)"
            } else {
                output.trim_end()
            }
        );
        self.append(&s);
    }

    /// Appends a log written elsewhere (by a parallel compile), numbering its entries as if
    /// they had been written here.
    fn absorb(&mut self, other: &Log) {
        let mut s = String::with_capacity(other.text.len());
        for line in other.text.split_inclusive('\n') {
            match line.strip_prefix("==== [").and_then(|r| r.split_once("] ")) {
                Some((n, rest)) if n.parse::<usize>().is_ok() => {
                    self.entries += 1;
                    let _ = write!(s, "==== [{}] {rest}", self.entries);
                }
                _ => s.push_str(line),
            }
        }
        self.append(&s);
    }

    fn append(&mut self, s: &str) {
        self.text.push_str(s);
        if let Some(p) = &self.path {
            // Best effort: the in-memory copy is authoritative, the file is for humans.
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(p) {
                let _ = f.write_all(s.as_bytes());
            }
        }
    }
}

/// How probes are grouped into compiler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// One translation unit for everything; failures attributed and retried.
    Batched,
    /// One compile + link per variant, run in parallel.
    OneAtATime,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A probe compiled and linked (or failed to).
    Probe,
    /// `SSLPROBE_HAVE_<API>` forced it.
    Override,
    /// `SSLPROBE_NO_PROBE`: taken from the knowledge DB for `SSLPROBE_ASSUME`.
    Assumed,
}

/// The result for one API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiResult {
    /// API name.
    pub name: String,
    /// Its cfg name.
    pub cfg: String,
    /// Whether it compiles and links with the expected prototype.
    pub present: bool,
    /// Function or macro (or define), as found in this library.
    pub kind: Option<Kind>,
    /// The winning variant.
    pub variant: Option<String>,
    /// Present and not a known stub/no-op in this library.
    pub effective: bool,
    /// What the knowledge DB expects for this library and version.
    pub db_expected: bool,
    /// The kind the knowledge DB expects for this library and version (when it says).
    pub db_kind: Option<Kind>,
    /// The prototype variant the knowledge DB expects for this library and version (when it
    /// says).
    pub db_variant: Option<String>,
    /// Whether the probe agrees with the DB: presence, and when present the kind and the
    /// prototype variant.
    pub db_agrees: bool,
    /// The DB's note for this family.
    pub note: Option<String>,
    /// Where the result came from.
    pub source: Source,
    /// Why it is absent: the first diagnostics of the last variant tried.
    pub failure: Option<String>,
    /// For defines: the expanded value.
    pub value: Option<String>,
}

/// Everything one probing run found.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// The identified library.
    pub library: Library,
    /// Where it is.
    pub location: Location,
    /// One entry per catalog API, in catalog order.
    pub apis: Vec<ApiResult>,
    /// Number of compiler invocations.
    pub compiler_runs: usize,
    /// Wall time of identify + probe.
    pub elapsed_ms: u64,
    /// Overrides applied (`NAME=value`), in the order read.
    pub overrides: Vec<String>,
    /// What the control probes made the engine change (e.g. a user flag that silenced the
    /// diagnostics the probes rely on, left out of the probe commands). Build scripts print each
    /// as a `cargo:warning`.
    pub toolchain_notes: Vec<String>,
    /// Every header the successful probe compiles included (from the compiler's `-MD`
    /// dependency output), sorted. A build script prints `cargo:rerun-if-changed` for each, so
    /// that touching or upgrading a header re-runs the probes and nothing else does:
    ///
    /// ```no_run
    /// # fn f(results: &sslprobe_build::Results) {
    /// for h in &results.headers {
    ///     println!("cargo:rerun-if-changed={}", h.display());
    /// }
    /// # }
    /// ```
    pub headers: Vec<PathBuf>,
}

impl Results {
    /// The result for an API.
    pub fn get(&self, name: &str) -> Option<&ApiResult> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// One human sentence per probe/DB disagreement.
    pub fn disagreements(&self) -> Vec<String> {
        self.apis
            .iter()
            .filter(|a| !a.db_agrees)
            .map(|a| {
                let shape = |kind: Option<Kind>, variant: Option<&str>| {
                    match (kind, variant) {
                        (Some(k), Some(v)) => format!(" ({k}, variant {v})"),
                        (Some(k), None) => format!(" ({k})"),
                        (None, Some(v)) => format!(" (variant {v})"),
                        (None, None) => String::new(),
                    }
                };
                let saw = if a.present {
                    format!("present{}", shape(a.kind, a.variant.as_deref()))
                } else {
                    "absent".into()
                };
                let expected = if a.db_expected {
                    format!("present{}", shape(a.db_kind, a.db_variant.as_deref()))
                } else {
                    "absent".into()
                };
                format!(
                    "{}: the probe found it {saw} but the knowledge DB expects it {expected} in {} — a distro \
                     backport, a header/library mismatch, or a DB error{}",
                    a.name,
                    self.library.describe(),
                    a.failure.as_ref().map(|f| format!(" (probe said: {f})")).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Builds an [`ApiResult`] for `api` against the DB for `library`.
    pub fn classify(
        api: &Api,
        library: &Library,
        found: Option<(&str, Kind)>,
        source: Source,
        failure: Option<String>,
    ) -> ApiResult {
        let present = found.is_some();
        let kind = found.map(|(_, k)| k);
        let Some(db) = api.db_get(library.family) else {
            // A family the DB does not cover (wolfSSL): nothing to agree or disagree with.
            return ApiResult {
                name: api.name.clone(),
                cfg: api.cfg(),
                present,
                kind,
                variant: found.map(|(v, _)| v.to_string()),
                effective: present,
                db_expected: present,
                db_kind: None,
                db_variant: None,
                db_agrees: true,
                note: Some(format!(
                    "the knowledge DB has no rows for {}",
                    library.family.display_name()
                )),
                source,
                failure: if present { None } else { failure },
                value: if kind == Some(Kind::Define) {
                    library.defines.get(&api.name).cloned()
                } else {
                    None
                },
            };
        };
        let db_expected = db.has(&library.version);
        let db_kind = api.db_kind_at(library.family, &library.version);
        let db_variant = db.variant_at(&library.version).map(str::to_string);
        let variant = found.map(|(v, _)| v);
        let kind_agrees = match (kind, db_kind) {
            (Some(k), Some(dk)) => k == dk,
            _ => true,
        };
        // A different prototype is as much a disagreement as a different presence: the FFI
        // declaration follows the probe, and a DB that expects another type is wrong or the
        // header is not what the version says.
        let variant_agrees = match (variant, db_variant.as_deref()) {
            (Some(v), Some(dv)) => v == dv,
            _ => true,
        };
        ApiResult {
            name: api.name.clone(),
            cfg: api.cfg(),
            present,
            kind,
            variant: found.map(|(v, _)| v.to_string()),
            effective: present && (db.effective || !db_expected),
            db_expected,
            db_kind,
            db_variant,
            db_agrees: present == db_expected && kind_agrees && variant_agrees,
            note: db.note.clone(),
            source,
            failure: if present { None } else { failure },
            value: if kind == Some(Kind::Define) {
                library.defines.get(&api.name).cloned()
            } else {
                None
            },
        }
    }
}

/// One probe block: a catalog variant or the sanity probe.
#[derive(Debug, Clone)]
struct Block {
    /// The API probed (empty for the sanity probe).
    api: String,
    /// The C function the block becomes (unique in a translation unit).
    func: String,
    /// The file name diagnostics name (`probes/<api>.c`), set with `#line`.
    file: String,
    /// First line of the body in that file.
    line: usize,
    body: String,
    includes: Vec<String>,
}

impl Block {
    /// Lines of `file` that belong to the block: the marker line (the function header) and the
    /// body, inclusive.
    fn line_range(&self) -> (usize, usize) {
        (
            self.line.saturating_sub(1),
            (self.line + self.body.lines().count()).saturating_sub(1),
        )
    }
}

/// Index of the sanity probe in the block list.
const SANITY: usize = 0;

/// Index of the first control probe in the block list (they follow the sanity probe).
const FIRST_CONTROL: usize = 1;

/// Whether block `i` is a control probe.
fn is_control(i: usize) -> bool {
    (FIRST_CONTROL..FIRST_CONTROL + controls::CONTROLS.len()).contains(&i)
}

/// Index of the first catalog block.
const FIRST_PROBE: usize = FIRST_CONTROL + controls::CONTROLS.len();

/// Compiler output as plain text: ANSI escape sequences (colour forced by a wrapper or a flag)
/// removed, so that locations and linker messages can be read.
fn plain(output: &str) -> String {
    if !output.contains('\x1b') {
        return output.to_string();
    }
    let mut out = String::with_capacity(output.len());
    let mut chars = output.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: ESC [ parameters final-byte (0x40..=0x7e).
            Some('[') => {
                chars.next();
                for d in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&d) {
                        break;
                    }
                }
            }
            // OSC (hyperlinks): ESC ] ... (BEL | ESC \).
            Some(']') => {
                chars.next();
                while let Some(d) = chars.next() {
                    if d == '\x07' {
                        break;
                    }
                    if d == '\x1b' {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Batch rounds (each dropping at least one attributed culprit) before giving up on attribution
/// and bisecting the rest. gcc reports every compile error and GNU ld every undefined symbol in
/// one run, so real catalogs need two or three rounds; lld stops after 20 errors.
const MAX_ROUNDS: usize = 16;

/// The diagnostics file name given to the `#line` of a shared include, so that an error in it
/// (a missing header) can be mapped to the blocks that asked for it.
fn include_label(include: &str) -> String {
    let clean: String = include
        .trim()
        .trim_start_matches("#include")
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "<>_-./+ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("sslprobe-include {clean}")
}

const PRELUDE_LABEL: &str = "sslprobe-prelude";
const MAIN_LABEL: &str = "sslprobe-main";
const WRAPPER_LABEL: &str = "sslprobe-wrapper";

/// Per-block outcome: `Ok` when it compiled and linked, `Err(excerpt)` with the diagnostics
/// that sank it.
type Outcomes = BTreeMap<usize, std::result::Result<(), String>>;

/// A task of [`Prober::parallel`]: its result, and the tasks it spawns (bisection halves).
type Work<'a, T, R> = dyn Fn(T, &mut Log) -> (R, Vec<T>) + Sync + 'a;

/// One compiled unit of a batch round: its blocks and what the compiler said.
type Unit = (Vec<usize>, Attempt);

/// What probing all blocks produced.
#[derive(Default)]
struct Probed {
    outcomes: Outcomes,
    headers: BTreeSet<PathBuf>,
}

/// The probing engine. Construct with [`Prober::new`], then [`Prober::run`].
///
/// ```no_run
/// use sslprobe_build::{compiler::Compiler, locate, probe::{Log, Prober}, Catalog};
/// use std::path::Path;
/// # fn main() -> sslprobe_build::Result<()> {
/// let (catalog, _files) = Catalog::load(Path::new("probes"))?;
/// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// let loc = locate::from_prefix(Path::new("/usr/local/ssl"), None)?;
/// let results = Prober::new(cc, loc, Path::new("/tmp/sslprobe"))?.run(&catalog, &mut Log::in_memory())?;
/// println!("{} compiler runs", results.compiler_runs);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Prober {
    cc: Compiler,
    loc: Location,
    scratch: PathBuf,
    prelude: Vec<String>,
    mode: Mode,
    jobs: usize,
    force_bisect: bool,
    runs: AtomicUsize,
    /// Extra compiler runs that may start now (`jobs - 1` at the start of a run).
    slots: AtomicUsize,
    /// A C++ runtime library found necessary by the sanity probe (static BoringSSL is C++).
    cxx_runtime: std::sync::Mutex<Option<String>>,
    /// Set when a unit "succeeded" without producing a linked executable (the "yes" control).
    not_executable: Mutex<Option<String>>,
    /// What the control probes made the engine change, for the build's warnings.
    toolchain_notes: Mutex<Vec<String>>,
}

/// Validates an extra include line (`#include <x/y.h>` or `#include "x.h"`).
pub fn validate_include(line: &str) -> Result<()> {
    let inner = line
        .strip_prefix("#include <")
        .and_then(|r| r.strip_suffix('>'))
        .or_else(|| {
            line.strip_prefix("#include \"")
                .and_then(|r| r.strip_suffix('"'))
        });
    match inner {
        Some(h)
            if !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./+".contains(c))
                && !h.starts_with('/')
                && !h.contains("..") =>
        {
            Ok(())
        }
        _ => Err(Error::invalid(
            "prelude include",
            line,
            "expected `#include <dir/header.h>` with a plain relative header name",
        )),
    }
}

static RUN_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The jobs count outside a jobserver: `NUM_JOBS` (set by Cargo for build scripts), else the
/// available parallelism.
fn default_jobs() -> usize {
    std::env::var("NUM_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .clamp(1, 64)
}

/// Cargo's jobserver, when this process is a build script Cargo started (`CARGO_MAKEFLAGS`).
fn cargo_jobserver() -> Option<&'static jobserver::Client> {
    static CLIENT: OnceLock<Option<jobserver::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            std::env::var_os("CARGO_MAKEFLAGS")?;
            // SAFETY: the descriptors named in CARGO_MAKEFLAGS are the jobserver pipe Cargo
            // passed to this build script for exactly this use; `check_pipe` verifies that they
            // are pipes (or the named fifo) before they are used, and the OnceLock makes this
            // happen once per process, so no descriptor is owned twice.
            unsafe { jobserver::Client::from_env_ext(true) }.client.ok()
        })
        .as_ref()
}

/// Permission to run one more compiler beside the one this process implicitly may run: one of
/// the prober's `jobs - 1` extra slots, plus a token from Cargo's jobserver when there is one.
/// Both are given back on drop.
struct Token<'a> {
    slot: &'a AtomicUsize,
    _jobserver: Option<jobserver::Acquired>,
}

impl Drop for Token<'_> {
    fn drop(&mut self) {
        self.slot.fetch_add(1, Ordering::AcqRel);
    }
}

/// Whether another compiler may start now.
enum TokenState<'a> {
    Got(Token<'a>),
    NotNow,
    /// No parallelism: one job, or a jobserver that cannot be polled on this platform (run
    /// sequentially rather than risk blocking on a token when the work is already done).
    Never,
}

impl Prober {
    /// A prober compiling with `cc` against `loc`, writing scratch files under `scratch`
    /// (a private per-run subdirectory is created there, so concurrent runs never collide).
    pub fn new(cc: Compiler, loc: Location, scratch: &Path) -> Result<Prober> {
        let n = RUN_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = scratch.join(format!("run-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Prober {
            cc,
            loc,
            scratch: dir,
            prelude: Vec::new(),
            mode: Mode::Batched,
            jobs: default_jobs(),
            force_bisect: false,
            runs: AtomicUsize::new(0),
            slots: AtomicUsize::new(0),
            cxx_runtime: std::sync::Mutex::new(None),
            not_executable: Mutex::new(None),
            toolchain_notes: Mutex::new(Vec::new()),
        })
    }

    /// A copy probing with another compiler (the control probes' verdict), same scratch space.
    fn with_compiler(&self, cc: Compiler) -> Prober {
        Prober {
            cc,
            loc: self.loc.clone(),
            scratch: self.scratch.clone(),
            prelude: self.prelude.clone(),
            mode: self.mode,
            jobs: self.jobs,
            force_bisect: self.force_bisect,
            runs: AtomicUsize::new(0),
            slots: AtomicUsize::new(0),
            cxx_runtime: Mutex::new(None),
            not_executable: Mutex::new(None),
            toolchain_notes: Mutex::new(Vec::new()),
        }
    }

    /// Identify and probe, then judge the control probes; when they misbehave, find the flag
    /// responsible and either probe again without it (a flag that only silences diagnostics) or
    /// stop with the error naming it.
    fn checked_probe(&self, catalog: &Catalog, log: &mut Log) -> Result<(Library, Probed)> {
        let result = self.identify_and_probe(catalog, log);
        let symptoms = self.control_symptoms(&result);
        if symptoms.is_empty() {
            if result.is_ok() {
                log.note("control probes: as expected (undeclared, wrong type and undefined all said no; every unit that passed linked an executable)");
            }
            return result;
        }
        let controls::Diagnosis::Drop(cc, dropped) = controls::diagnose(
            &self.cc,
            &self.loc,
            &self.scratch,
            &symptoms,
            &self.runs,
            log,
        )?;
        let retry = self.with_compiler(cc);
        let result = retry.identify_and_probe(catalog, log);
        self.runs
            .fetch_add(retry.runs.load(Ordering::Relaxed), Ordering::Relaxed);
        let again = retry.control_symptoms(&result);
        if !again.is_empty() {
            return Err(Error::Toolchain {
                message: format!(
                    "the control probes still misbehave without {}: {}",
                    dropped.join(" "),
                    again.join("; ")
                ),
            });
        }
        *self
            .cxx_runtime
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = retry
            .cxx_runtime
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let note = format!(
            "sslprobe: the compiler flag(s) {} silence the diagnostics the probes rely on; they were left out \
             of the probe commands (the engine's own flags win) and every control probe then behaved",
            dropped.join(" ")
        );
        log.note(&note);
        self.toolchain_notes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(note);
        result
    }

    /// What the control probes saw go wrong in a run: a unit that passed without linking an
    /// executable, and controls that did not fail as they must.
    fn control_symptoms(&self, result: &Result<(Library, Probed)>) -> Vec<String> {
        let mut s: Vec<String> = self
            .not_executable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|e| {
                format!(
                    "control \"every unit that compiles and links must be an executable\": the compiler exited 0, but the output is {e}"
                )
            })
            .collect();
        if let Ok((_, probed)) = result {
            s.extend(controls::misbehaving(&probed.outcomes, FIRST_CONTROL));
        }
        s
    }

    /// Extra `#include` lines placed before every probe (e.g. `#include <wolfssl/options.h>`).
    pub fn prelude(mut self, lines: &[String]) -> Result<Prober> {
        for l in lines {
            validate_include(l)?;
        }
        self.prelude = lines.to_vec();
        Ok(self)
    }

    /// Batched (default) or one at a time.
    pub fn mode(mut self, mode: Mode) -> Prober {
        self.mode = mode;
        self
    }

    /// Maximum parallel compiler runs (one at a time, bisection, identification beside the
    /// first batch). Inside a build script Cargo's jobserver limits them further.
    pub fn jobs(mut self, jobs: usize) -> Prober {
        self.jobs = jobs.max(1);
        self
    }

    /// Treat every failed batch as unreadable, as if the compiler and linker printed nothing
    /// this engine understands: exercises the bisection path. Results are identical, only
    /// slower. For tests and benchmarks.
    pub fn force_bisect(mut self, yes: bool) -> Prober {
        self.force_bisect = yes;
        self
    }

    fn try_token(&self) -> TokenState<'_> {
        if self.jobs <= 1 {
            return TokenState::Never;
        }
        if self
            .slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_err()
        {
            return TokenState::NotNow;
        }
        let token = |js| {
            TokenState::Got(Token {
                slot: &self.slots,
                _jobserver: js,
            })
        };
        match cargo_jobserver() {
            None => token(None),
            Some(c) => match c.try_acquire() {
                Ok(Some(a)) => token(Some(a)),
                Ok(None) => {
                    self.slots.fetch_add(1, Ordering::AcqRel);
                    TokenState::NotNow
                }
                Err(_) => {
                    self.slots.fetch_add(1, Ordering::AcqRel);
                    TokenState::Never
                }
            },
        }
    }

    /// The location probed.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// Identifies the library (preprocessor only).
    pub fn identify(&self, catalog: &Catalog, log: &mut Log) -> Result<Library> {
        let defines: Vec<&str> = catalog
            .apis
            .iter()
            .filter(|a| a.variants.iter().any(|v| v.kind == Kind::Define))
            .map(|a| a.name.as_str())
            .collect();
        self.runs.fetch_add(1, Ordering::Relaxed);
        std::fs::create_dir_all(&self.scratch).map_err(|e| Error::io(&self.scratch, e))?;
        identify::identify(
            &self.cc,
            &self.loc,
            &self.prelude,
            &defines,
            &self.scratch,
            log,
        )
    }

    /// Identify, then probe every API of the catalog.
    ///
    /// The scratch directory is removed afterwards, whatever happened.
    pub fn run(&self, catalog: &Catalog, log: &mut Log) -> Result<Results> {
        let start = Instant::now();
        std::fs::create_dir_all(&self.scratch).map_err(|e| Error::io(&self.scratch, e))?;
        log.note(&format!(
            "sslprobe: probing {} APIs ({:?} mode{}) with {}",
            catalog.apis.len(),
            self.mode,
            if self.force_bisect {
                ", forced bisection"
            } else {
                ""
            },
            self.cc.path().display()
        ));
        log.note(&format!(
            "compiler flags: {} (from the cc crate and the user), then the engine's {} (last, so they win)",
            join_args(self.cc.user_args()),
            join_args(self.cc.engine_args())
        ));
        let result = self
            .checked_probe(catalog, log)
            .map_err(|e| diagnostics::explain(e, &self.cc, &self.scratch, log));
        let _ = std::fs::remove_dir_all(&self.scratch);
        let (library, probed) = result?;
        let (_, ids) = self.blocks(catalog);
        let passed: BTreeMap<(usize, usize), std::result::Result<(), String>> = probed
            .outcomes
            .into_iter()
            .filter(|(i, _)| *i >= FIRST_PROBE)
            .map(|(i, r)| (ids[i], r))
            .collect();
        let mut apis = Vec::new();
        for (ai, api) in catalog.apis.iter().enumerate() {
            let mut found = None;
            let mut failure = None;
            for (vi, v) in api.variants.iter().enumerate() {
                match passed.get(&(ai, vi)) {
                    Some(Ok(())) => {
                        found = Some((v.name.as_str(), v.kind));
                        break;
                    }
                    // Keep every variant's diagnostics: a link failure of one variant (the
                    // header/library mismatch check looks for those) must not be hidden by a
                    // prototype mismatch of the next.
                    Some(Err(why)) => {
                        let line = if api.variants.len() > 1 {
                            format!("[{}] {why}", v.name)
                        } else {
                            why.clone()
                        };
                        failure = Some(match failure {
                            Some(prev) => format!("{prev}\n{line}"),
                            None => line,
                        });
                    }
                    None => {}
                }
            }
            apis.push(Results::classify(
                api,
                &library,
                found,
                Source::Probe,
                failure,
            ));
        }
        let elapsed = start.elapsed();
        log.note(&format!(
            "done: {} compiler runs in {} ms",
            self.runs.load(Ordering::Relaxed),
            elapsed.as_millis()
        ));
        let results = Results {
            library,
            location: self.effective_location(),
            apis,
            compiler_runs: self.runs.load(Ordering::Relaxed),
            elapsed_ms: elapsed.as_millis() as u64,
            overrides: Vec::new(),
            headers: probed.headers.into_iter().collect(),
            toolchain_notes: self
                .toolchain_notes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        };
        // A probe that compiles but does not link because its own symbol is missing: the
        // headers and libraries do not belong together, an error rather than "absent".
        diagnostics::check_links(&results, log)?;
        Ok(results)
    }

    fn identify_and_probe(&self, catalog: &Catalog, log: &mut Log) -> Result<(Library, Probed)> {
        self.slots
            .store(self.jobs.saturating_sub(1), Ordering::Release);
        let (blocks, ids) = self.blocks(catalog);
        // The batch plan needs to know the library. The preprocessor says which it is (identify);
        // a look at the version header's text guesses the same in microseconds, so the first
        // round can start beside identification. The guess only plans: a wrong one costs a
        // round, and everything reported comes from the preprocessor and the compiler.
        let guess = if self.mode == Mode::Batched {
            guess_library(&self.loc, &self.prelude)
        } else {
            None
        };
        let token = match guess {
            Some(_) => match self.try_token() {
                TokenState::Got(t) => Some(t),
                TokenState::NotNow | TokenState::Never => None,
            },
            None => None,
        };
        let (Some(guess), Some(token)) = (guess, token) else {
            let library = self.identify(catalog, log)?;
            log.note(&format!("identified {}", library.describe()));
            let probed = match self.mode {
                Mode::Batched => {
                    self.batched(&blocks, &ids, &expected_winners(catalog, &library), log)?
                }
                Mode::OneAtATime => self.one_at_a_time(&blocks, log)?,
            };
            return Ok((library, probed));
        };
        log.note(&format!(
            "planning from the version header: {} (identification runs beside the first round)",
            guess.describe()
        ));
        let (identified, probed) = std::thread::scope(|s| {
            let handle = s.spawn(move || {
                let _token = token;
                let mut l = Log::in_memory();
                let r = self.identify(catalog, &mut l);
                (r, l)
            });
            let probed = self.batched(&blocks, &ids, &expected_winners(catalog, &guess), log);
            (handle.join(), probed)
        });
        let (library, id_log) = identified.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        log.absorb(&id_log);
        let library = library?;
        log.note(&format!("identified {}", library.describe()));
        if (library.family, &library.version) != (guess.family, &guess.version) {
            log.note(&format!(
                "the version header suggested {}: the first round was planned for it (results are unaffected)",
                guess.describe()
            ));
        }
        Ok((library, probed?))
    }

    fn blocks(&self, catalog: &Catalog) -> (Vec<Block>, Vec<(usize, usize)>) {
        let mut blocks = vec![Block {
            api: String::new(),
            func: "sslprobe_sanity__SSL_CTX_new".into(),
            file: "sslprobe_sanity.c".into(),
            line: 2,
            // A typed call, not an address: every library declares SSL_CTX_new, but wolfSSL's
            // compatibility layer makes it a function-like macro. Undeclared is still an error
            // (-Werror=implicit-function-declaration) and a missing symbol a link error.
            body: "{\n    const SSL_METHOD *volatile m = 0;\n    SSL_CTX *volatile c = SSL_CTX_new(m);\n    (void)c;\n}\n".into(),
            includes: vec!["#include <openssl/ssl.h>".into()],
        }];
        let mut ids = vec![(usize::MAX, usize::MAX)];
        for c in &controls::CONTROLS {
            blocks.push(c.block());
            ids.push((usize::MAX, usize::MAX));
        }
        for (ai, api) in catalog.apis.iter().enumerate() {
            for (vi, v) in api.variants.iter().enumerate() {
                blocks.push(Block {
                    api: api.name.clone(),
                    func: format!("sslprobe_{}__{}", api.name.to_ascii_lowercase(), v.name),
                    file: format!("probes/{}", api.file),
                    line: v.line,
                    body: v.body.clone(),
                    includes: api.includes.clone(),
                });
                ids.push((ai, vi));
            }
        }
        (blocks, ids)
    }

    /// The location as linked: [`Prober::location`] plus a C++ runtime when one was needed.
    fn effective_location(&self) -> Location {
        let mut loc = self.loc.clone();
        if let Some(lib) = self
            .cxx_runtime
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            loc.system_libs.push(lib);
        }
        loc
    }

    /// Runs the sanity probe on its own. `Ok(true)`: it passed only after adding the C++
    /// runtime to the link (a static libssl with C++ objects, as BoringSSL's), so every earlier
    /// unreadable failure must be retried.
    fn sanity_alone(&self, blocks: &[Block], log: &mut Log) -> Result<bool> {
        let a = self.attempt(blocks, &[SANITY], "sanity probe: SSL_CTX_new", log)?;
        if a.ok {
            return Ok(false);
        }
        let already = self
            .cxx_runtime
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if !already && needs_cxx_runtime(&a.output) {
            let lib = if self.cc.target().contains("apple") || self.cc.target().contains("freebsd")
            {
                "c++"
            } else {
                "stdc++"
            };
            log.note(&format!(
                "the library needs the C++ runtime (undefined C++ ABI symbols in its own objects): retrying with -l{lib}"
            ));
            *self.cxx_runtime.lock().unwrap_or_else(|e| e.into_inner()) = Some(lib.to_string());
            let b = self.attempt(
                blocks,
                &[SANITY],
                &format!("sanity probe: SSL_CTX_new, with -l{lib}"),
                log,
            )?;
            if b.ok {
                return Ok(true);
            }
        }
        Err(Error::Sanity {
            command: a.command,
            include_dirs: self.loc.include_dirs.clone(),
            lib_dirs: self.loc.lib_dirs.clone(),
            diagnosis: diagnose(&a.output),
            output: a.output,
        })
    }

    /// The batched engine.
    ///
    /// An API's result is its first variant (in catalog order) that compiles and links, so a
    /// variant only needs probing while every variant before it is known to fail and none of
    /// them is known to pass: [`needed`]. Each round compiles and links the needed blocks —
    /// the first round as two translation units run side by side, planned from the knowledge
    /// DB (`expected`): the variants expected to win (which should all pass) and the variants
    /// before them or of APIs expected absent (which should all fail, every failure attributed).
    /// The plan only orders the work: every result still comes from a compiler run, and a wrong
    /// plan costs one more round, never a wrong answer. Later rounds retry what is still needed
    /// in one unit. A unit whose failure cannot be attributed is bisected.
    fn batched(
        &self,
        blocks: &[Block],
        ids: &[(usize, usize)],
        expected: &[Expect],
        log: &mut Log,
    ) -> Result<Probed> {
        let mut probed = Probed::default();
        let mut sanity_checked = false;
        for round in 1.. {
            let need = needed(ids, &probed.outcomes);
            if need.is_empty() {
                break;
            }
            let groups: Vec<Vec<usize>> = if round == 1 && !self.force_bisect {
                let (likely_pass, likely_fail) = plan(ids, expected, &need);
                log.note(&format!(
                    "round 1: {} variants expected to pass, {} expected to fail (knowledge DB); {} deferred",
                    likely_pass.len(),
                    likely_fail.len(),
                    need.len() - likely_pass.len() - likely_fail.len()
                ));
                [likely_pass, likely_fail]
                    .into_iter()
                    .filter(|g| !g.is_empty())
                    .collect()
            } else {
                vec![need]
            };
            let work = |set: Vec<usize>, l: &mut Log| -> (Result<Unit>, Vec<Vec<usize>>) {
                let mut with_sanity = vec![SANITY];
                with_sanity.extend_from_slice(&set);
                let what = format!("batch {round}: {} probes", set.len());
                (
                    self.attempt(blocks, &with_sanity, &what, l)
                        .map(|a| (set, a)),
                    Vec::new(),
                )
            };
            let mut done = self.parallel(groups, &work);
            done.sort_by_key(|(k, _, _)| *k);
            let mut unreadable: Vec<usize> = Vec::new();
            for (_, r, l) in done {
                log.absorb(&l);
                let (set, a) = r?;
                if a.ok {
                    probed.outcomes.extend(set.iter().map(|i| (*i, Ok(()))));
                    probed.headers.extend(a.deps);
                    continue;
                }
                let culprits: BTreeSet<usize> = if self.force_bisect {
                    BTreeSet::new()
                } else {
                    a.culprits
                        .iter()
                        .copied()
                        .filter(|c| set.contains(c))
                        .collect()
                };
                if culprits.is_empty() || a.culprits.contains(&SANITY) || round >= MAX_ROUNDS {
                    unreadable.extend(set);
                    continue;
                }
                log.note(&format!(
                    "attributed {} failure(s): {}",
                    culprits.len(),
                    culprits
                        .iter()
                        .map(|c| blocks[*c].func.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                for c in culprits {
                    probed.outcomes.insert(
                        c,
                        Err(a
                            .excerpts
                            .get(&c)
                            .cloned()
                            .unwrap_or_else(|| first_errors(&a.output))),
                    );
                }
            }
            if !unreadable.is_empty() {
                // The sanity probe is in every unit, so a unit that passes confirms it. It runs on
                // its own only when it is implicated or the output cannot be read.
                if !sanity_checked {
                    sanity_checked = true;
                    if self.sanity_alone(blocks, log)? {
                        // The link line changed: the unreadable units are simply retried.
                        continue;
                    }
                }
                log.note(if self.force_bisect {
                    "forced bisection: the compiler/linker output is not read"
                } else {
                    "could not attribute every failure from the compiler/linker output: bisecting"
                });
                let bisected = self.bisect(blocks, unreadable, log)?;
                probed.outcomes.extend(bisected.outcomes);
                probed.headers.extend(bisected.headers);
            }
        }
        probed.outcomes.insert(SANITY, Ok(()));
        Ok(probed)
    }

    /// Bisects `set` (sanity not included): a passing subset is done, a failing one is split,
    /// a failing single probe is absent. Subsets run in parallel.
    fn bisect(&self, blocks: &[Block], set: Vec<usize>, log: &mut Log) -> Result<Probed> {
        if set.is_empty() {
            return Ok(Probed::default());
        }
        let work = |set: Vec<usize>, l: &mut Log| -> (Result<Probed>, Vec<Vec<usize>>) {
            let mut with_sanity = vec![SANITY];
            with_sanity.extend_from_slice(&set);
            let a = match self.attempt(
                blocks,
                &with_sanity,
                &format!("bisect: {} probes", set.len()),
                l,
            ) {
                Ok(a) => a,
                Err(e) => return (Err(e), Vec::new()),
            };
            let mut p = Probed::default();
            if a.ok {
                p.outcomes.extend(set.iter().map(|i| (*i, Ok(()))));
                p.headers.extend(a.deps);
                return (Ok(p), Vec::new());
            }
            if set.len() == 1 {
                p.outcomes.insert(
                    set[0],
                    Err(failure_text(blocks, &with_sanity, set[0], &a.output)),
                );
                return (Ok(p), Vec::new());
            }
            let (left, right) = set.split_at(set.len() / 2);
            (Ok(p), vec![left.to_vec(), right.to_vec()])
        };
        self.merge(self.parallel(vec![set], &work), log)
    }

    fn one_at_a_time(&self, blocks: &[Block], log: &mut Log) -> Result<Probed> {
        self.sanity_alone(blocks, log)?;
        let work = |i: usize, l: &mut Log| -> (Result<Probed>, Vec<usize>) {
            let r = self
                .attempt(blocks, &[i], &format!("probe {}", blocks[i].func), l)
                .map(|a| {
                    let mut p = Probed::default();
                    if a.ok {
                        p.outcomes.insert(i, Ok(()));
                        p.headers.extend(a.deps);
                    } else {
                        p.outcomes
                            .insert(i, Err(failure_text(blocks, &[i], i, &a.output)));
                    }
                    p
                });
            (r, Vec::new())
        };
        let mut probed = self.merge(self.parallel((1..blocks.len()).collect(), &work), log)?;
        probed.outcomes.insert(SANITY, Ok(()));
        Ok(probed)
    }

    /// Merges per-task results and their logs (in task order, so the log reads the same
    /// whatever the scheduling); the first error wins.
    fn merge(&self, done: Vec<(usize, Result<Probed>, Log)>, log: &mut Log) -> Result<Probed> {
        let mut done = done;
        done.sort_by_key(|(k, _, _)| *k);
        let mut probed = Probed::default();
        let mut first_err = None;
        for (_, r, l) in done {
            log.absorb(&l);
            match r {
                Ok(p) => {
                    probed.outcomes.extend(p.outcomes);
                    probed.headers.extend(p.headers);
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(probed),
        }
    }

    /// Runs `work` over `tasks` (and the tasks it spawns) on up to `jobs` threads: this one,
    /// which needs no token, and helpers that each hold a jobserver token while they compile.
    /// Returns `(sequence number, result, log)` per task.
    fn parallel<T, R>(&self, tasks: Vec<T>, work: &Work<'_, T, R>) -> Vec<(usize, R, Log)>
    where
        T: Send,
        R: Send,
    {
        struct Queue<T> {
            tasks: VecDeque<(usize, T)>,
            busy: usize,
            next_seq: usize,
        }
        struct Finished<'a, T> {
            queue: &'a Mutex<Queue<T>>,
            wake: &'a Condvar,
        }
        impl<T> Drop for Finished<'_, T> {
            fn drop(&mut self) {
                self.queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .busy -= 1;
                self.wake.notify_all();
            }
        }
        let n = tasks.len();
        let queue = Mutex::new(Queue {
            tasks: tasks.into_iter().enumerate().collect(),
            busy: 0,
            next_seq: n,
        });
        let wake = Condvar::new();
        let out = Mutex::new(Vec::new());
        let lock = || queue.lock().unwrap_or_else(PoisonError::into_inner);
        let worker = |helper: bool| loop {
            let mut q = lock();
            while q.tasks.is_empty() {
                if q.busy == 0 {
                    return;
                }
                q = wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
            let _token = if helper {
                drop(q);
                match self.try_token() {
                    TokenState::Got(t) => {
                        q = lock();
                        if q.tasks.is_empty() {
                            continue;
                        }
                        Some(t)
                    }
                    TokenState::NotNow => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    TokenState::Never => return,
                }
            } else {
                None
            };
            let Some((seq, task)) = q.tasks.pop_front() else {
                continue;
            };
            q.busy += 1;
            drop(q);
            // Marks the task finished even if `work` panics, so that no other worker waits for
            // it forever (the panic then surfaces when the scope joins).
            let finished = Finished {
                queue: &queue,
                wake: &wake,
            };
            let mut l = Log::in_memory();
            let (r, children) = work(task, &mut l);
            out.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((seq, r, l));
            let mut q = lock();
            for c in children {
                let s = q.next_seq;
                q.next_seq += 1;
                q.tasks.push_back((s, c));
            }
            drop(q);
            drop(finished);
        };
        let helpers = self.jobs.saturating_sub(1).min(64);
        std::thread::scope(|s| {
            for _ in 0..helpers {
                s.spawn(|| worker(true));
            }
            worker(false);
        });
        out.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    /// Generates the translation unit for `set` (indices into `blocks`); `decoys`: see the
    /// comment in the loop (batches use them; one-at-a-time mode, the reference, does not).
    fn source(&self, blocks: &[Block], set: &[usize], decoys: bool) -> String {
        let mut s = String::from(
            "/* generated by sslprobe: one function per probe; compiled and linked, never run */\n",
        );
        if !self.prelude.is_empty() {
            let _ = writeln!(s, "#line 1 \"{PRELUDE_LABEL}\"");
            for p in &self.prelude {
                s.push_str(p);
                s.push('\n');
            }
        }
        let mut seen = BTreeSet::new();
        for &i in set {
            for inc in &blocks[i].includes {
                if seen.insert(inc.as_str()) {
                    let _ = writeln!(s, "#line 1 \"{}\"\n{inc}", include_label(inc));
                }
            }
        }
        for &i in set {
            let b = &blocks[i];
            // The definition line gets the number of the marker line, the body its own lines.
            let _ = write!(
                s,
                "void {}(void);\n#line {} \"{}\"\nvoid {}(void)",
                b.func,
                b.line.saturating_sub(1).max(1),
                b.file,
                b.func
            );
            let decoy = decoys && is_c_identifier(&b.api);
            if decoy {
                // A function-pointer variable one letter away from the API name, in a scope of
                // its own around the body. When the API is undeclared, the compiler's "did you
                // mean" search over every identifier of the headers (gcc: ~14 ms per undeclared
                // name with <openssl/ssl.h>) finds it first and skips almost everything else.
                // Nothing refers to it; the suggestion is cut from the failure excerpts.
                let _ = write!(s, " {{ void (*{0}Q)(void) = 0; (void){0}Q;", b.api);
            }
            s.push('\n');
            s.push_str(&b.body);
            if !b.body.ends_with('\n') {
                s.push('\n');
            }
            if decoy {
                let _ = writeln!(s, "#line 1 \"{WRAPPER_LABEL}\"\n}}");
            }
        }
        let _ = writeln!(
            s,
            "#line 1 \"{MAIN_LABEL}\"\nint main(void) {{ return 0; }}"
        );
        s
    }

    fn attempt(
        &self,
        blocks: &[Block],
        set: &[usize],
        what: &str,
        log: &mut Log,
    ) -> Result<Attempt> {
        let n = self.runs.fetch_add(1, Ordering::Relaxed);
        let src_path = self.scratch.join(format!("probe{n}.c"));
        let exe = self.scratch.join(format!("probe{n}"));
        let dep = self.scratch.join(format!("probe{n}.d"));
        let src = self.source(blocks, set, self.mode == Mode::Batched);
        std::fs::write(&src_path, &src).map_err(|e| Error::io(&src_path, e))?;
        let mut cmd = self
            .cc
            .compile_link_command(&self.effective_location(), &src_path, &exe)?;
        // The header list for rerun-if-changed comes from the compiles that succeed.
        cmd.arg("-MD")
            .arg("-MF")
            .arg(&dep)
            .arg("-MT")
            .arg("sslprobe");
        // Diagnostics in English and plain quotes: they are parsed.
        cmd.env("LC_ALL", "C");
        let command = render_command(&cmd);
        let started = Instant::now();
        let out = cmd.output().map_err(|e| Error::Toolchain {
            message: format!(
                "could not run the C compiler {}: {e}\n  command: {command}",
                self.cc.path().display()
            ),
        })?;
        let ok = out.status.success();
        if ok {
            if let Err(e) = controls::check_executable(&exe, self.cc.target()) {
                self.not_executable
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(e);
            }
        }
        let deps = if ok {
            std::fs::read_to_string(&dep)
                .map(|t| parse_depfile(&t, &src_path))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for p in [&exe, &src_path, &dep] {
            let _ = std::fs::remove_file(p);
        }
        let output = plain(&format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        log.entry(
            &format!("{what} ({} ms)", started.elapsed().as_millis()),
            &src,
            &command,
            out.status.code(),
            &output,
        );
        let (culprits, excerpts) = if ok {
            Default::default()
        } else {
            attribute(blocks, set, &output)
        };
        Ok(Attempt {
            ok,
            output,
            command,
            culprits,
            excerpts,
            deps,
        })
    }
}

/// Flags for a log line.
fn join_args(args: &[std::ffi::OsString]) -> String {
    if args.is_empty() {
        return "(none)".into();
    }
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Guesses the library from the `#define`s in its version headers, read as text: no compiler,
/// no preprocessor, conditionals ignored. The headers are those beside the `openssl/ssl.h` the
/// compiler would find first (`openssl/opensslv.h`, and `openssl/base.h` for BoringSSL and
/// AWS-LC), plus `wolfssl/version.h` when the prelude names wolfSSL. Only for planning the
/// first batch round; `None` when nothing usable is found.
fn guess_library(loc: &Location, prelude: &[String]) -> Option<Library> {
    const KEYS: &[(&str, &str)] = &[
        ("OPENSSL_VERSION_NUMBER", "ossl_number"),
        ("OPENSSL_VERSION_MAJOR", "ossl_major"),
        ("OPENSSL_VERSION_MINOR", "ossl_minor"),
        ("OPENSSL_VERSION_PATCH", "ossl_patch"),
        ("LIBRESSL_VERSION_NUMBER", "libressl_number"),
        ("OPENSSL_IS_BORINGSSL", "is_boringssl"),
        ("BORINGSSL_API_VERSION", "boringssl_api"),
        ("OPENSSL_IS_AWSLC", "is_awslc"),
        ("AWSLC_VERSION_NUMBER_STRING", "awslc_version"),
        ("AWSLC_API_VERSION", "awslc_api"),
        ("LIBWOLFSSL_VERSION_STRING", "wolfssl_version"),
    ];
    let mut dirs = loc.include_dirs.clone();
    dirs.extend(["/usr/local/include", "/usr/include"].map(PathBuf::from));
    let dir = dirs.iter().find(|d| d.join("openssl/ssl.h").is_file())?;
    let mut files: Vec<PathBuf> = ["openssl/opensslv.h", "openssl/base.h"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    if prelude.iter().any(|p| p.contains("wolfssl")) {
        files.extend(dirs.iter().map(|d| d.join("wolfssl/version.h")));
    }
    let mut seen = BTreeSet::new();
    let mut text = String::new();
    for f in &files {
        {
            let Ok(src) = std::fs::read_to_string(f) else {
                continue;
            };
            for line in src.lines() {
                let Some(rest) = line.trim_start().strip_prefix('#') else {
                    continue;
                };
                let Some(rest) = rest.trim_start().strip_prefix("define") else {
                    continue;
                };
                let mut parts = rest.trim().splitn(2, char::is_whitespace);
                let (Some(name), value) = (parts.next(), parts.next().unwrap_or("").trim()) else {
                    continue;
                };
                let value = value.split("/*").next().unwrap_or("").trim();
                if let Some((_, key)) = KEYS.iter().find(|(n, _)| *n == name) {
                    if seen.insert(*key) {
                        let _ = writeln!(
                            text,
                            "\"sslprobe:{key}\" {}",
                            if value.is_empty() { "1" } else { value }
                        );
                    }
                }
            }
        }
    }
    identify::parse_expansion(&text).ok()
}

/// What the knowledge DB expects of one API in the identified library: only used to plan the
/// first batch round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Absent: every variant should fail.
    Absent,
    /// Present as this variant (index).
    Variant(usize),
    /// Present, variant not recorded.
    Unknown,
}

fn expected_winners(catalog: &Catalog, library: &Library) -> Vec<Expect> {
    catalog
        .apis
        .iter()
        .map(|api| {
            let Some(db) = api.db_get(library.family) else {
                return Expect::Unknown;
            };
            if !db.has(&library.version) {
                return Expect::Absent;
            }
            match db.variant_at(&library.version) {
                Some(v) => api
                    .variants
                    .iter()
                    .position(|x| x.name == v)
                    .map_or(Expect::Unknown, Expect::Variant),
                None if api.variants.len() == 1 => Expect::Variant(0),
                None => Expect::Unknown,
            }
        })
        .collect()
}

/// The blocks (indices) still worth probing: for each API, the variants with no outcome yet
/// that come before its first variant known to pass. The sanity block is never listed.
fn needed(ids: &[(usize, usize)], outcomes: &Outcomes) -> Vec<usize> {
    let mut first_pass: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, r) in outcomes {
        if *i >= FIRST_PROBE && r.is_ok() {
            let (api, v) = ids[*i];
            let e = first_pass.entry(api).or_insert(v);
            *e = (*e).min(v);
        }
    }
    (1..ids.len())
        .filter(|i| !outcomes.contains_key(i))
        .filter(|i| {
            let (api, v) = ids[*i];
            first_pass.get(&api).is_none_or(|p| v < *p)
        })
        .collect()
}

/// Splits the needed blocks of the first round: the expected winners (which should pass), and
/// the variants before them and all variants of APIs expected absent (which should fail).
/// Variants after an expected winner are left out: they matter only if it fails. Where the DB
/// does not name the variant, the first one is expected to pass and the others are probed too.
fn plan(ids: &[(usize, usize)], expected: &[Expect], need: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let (mut pass, mut fail) = (Vec::new(), Vec::new());
    for &i in need {
        if is_control(i) {
            // Controls must fail: they ride with the failures expected anyway.
            fail.push(i);
            continue;
        }
        let (api, v) = ids[i];
        match expected.get(api).copied().unwrap_or(Expect::Unknown) {
            Expect::Variant(k) if v == k => pass.push(i),
            Expect::Variant(k) if v < k => fail.push(i),
            Expect::Variant(_) => {}
            Expect::Absent => fail.push(i),
            Expect::Unknown if v == 0 => pass.push(i),
            Expect::Unknown => fail.push(i),
        }
    }
    (pass, fail)
}

struct Attempt {
    ok: bool,
    output: String,
    command: String,
    culprits: BTreeSet<usize>,
    excerpts: BTreeMap<usize, String>,
    deps: Vec<PathBuf>,
}

/// Maps compiler and linker diagnostics to the blocks of `set` that caused them; returns the
/// culprits and up to three lines of diagnostics each.
fn attribute(
    blocks: &[Block],
    set: &[usize],
    output: &str,
) -> (BTreeSet<usize>, BTreeMap<usize, String>) {
    let mut culprits = BTreeSet::new();
    let mut excerpts: BTreeMap<usize, String> = BTreeMap::new();
    let mut add = |i: usize, line: &str, culprits: &mut BTreeSet<usize>| {
        culprits.insert(i);
        let e = excerpts.entry(i).or_default();
        let line = line.trim();
        if e.lines().count() < 3 && !e.lines().any(|l| l == line) {
            if !e.is_empty() {
                e.push('\n');
            }
            e.push_str(line);
        }
    };
    let mut by_label: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in set {
        for inc in &blocks[i].includes {
            by_label.entry(include_label(inc)).or_default().push(i);
        }
    }
    let funcs: BTreeMap<&str, usize> = set.iter().map(|&i| (blocks[i].func.as_str(), i)).collect();
    // gcc/clang name the enclosing function before its first diagnostic (`x.c: In function
    // 'f':`) and reset with `At top level:`. That attributes errors whose location is inside a
    // library header, e.g. wolfSSL's `#define SSL_CTX_get_num_tickets wolfSSL_CTX_…` expanded
    // in a probe: the error points at the header line, the context names the probe.
    let mut in_function: Option<usize> = None;
    let mut compile_errors = false;
    for line in output.lines() {
        if line.contains("In function") {
            in_function = identifiers(line).find_map(|t| funcs.get(t).copied());
            continue;
        }
        if line.contains("At top level:") {
            in_function = None;
            continue;
        }
        let Some((file, l)) = error_location(line) else {
            continue;
        };
        compile_errors = true;
        let line = without_suggestion(line);
        let line = line.as_str();
        if let Some(users) = by_label.get(file) {
            for &i in users {
                add(i, line, &mut culprits);
            }
            continue;
        }
        let mut hit = false;
        for &i in set {
            let (lo, hi) = blocks[i].line_range();
            if blocks[i].file == file && l >= lo && l <= hi {
                add(i, line, &mut culprits);
                hit = true;
            }
        }
        if !hit {
            if let Some(i) = in_function {
                add(i, line, &mut culprits);
            }
        }
    }
    if compile_errors {
        return (culprits, excerpts);
    }
    // Link errors. The function is named by GNU ld on a preceding `in function` line, by gold
    // on the same line, by lld/mold on following `>>>` lines, by ld64 on following indented
    // lines; otherwise the undefined symbol is looked up in the block bodies.
    let by_func: BTreeMap<&str, usize> =
        set.iter().map(|&i| (blocks[i].func.as_str(), i)).collect();
    let ours = |text: &str| -> Vec<usize> {
        identifiers(text)
            .filter_map(|t| {
                by_func
                    .get(t)
                    .or_else(|| by_func.get(t.strip_prefix('_')?))
                    .copied()
            })
            .collect()
    };
    let lines: Vec<&str> = output.lines().collect();
    let mut context: Option<usize> = None;
    let mut unattributed = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let lower = line.to_ascii_lowercase();
        let undefined = undefined_symbol(line);
        if lower.contains("in function") && undefined.is_none() {
            // GNU ld: `…: in function `f':` sets the context for the lines after it.
            context = ours(line).first().copied();
            continue;
        }
        let Some((sym, phrase)) = undefined else {
            continue;
        };
        let mut hits = ours(line.split("undefined").next().unwrap_or(""));
        if hits.is_empty() {
            for next in &lines[k + 1..] {
                let t = next.trim_start();
                let lld = t.starts_with(">>>");
                let ld64 = next.starts_with("      ") && !t.is_empty();
                if !(lld || ld64) {
                    break;
                }
                hits.extend(ours(t));
            }
        }
        if hits.is_empty() {
            hits.extend(context);
        }
        for &i in &hits {
            add(i, &phrase, &mut culprits);
        }
        if hits.is_empty() {
            unattributed.push((sym, phrase));
        }
    }
    for (sym, phrase) in unattributed {
        let bare = sym.strip_prefix('_').unwrap_or(&sym);
        for &i in set {
            if identifiers(&blocks[i].body).any(|t| t == sym || t == bare) {
                add(i, &phrase, &mut culprits);
            }
        }
    }
    (culprits, excerpts)
}

/// Why `block` (alone in `set`, possibly with the sanity probe) failed: its attributed
/// diagnostics, which read the same as in a batch, else the first error lines.
fn failure_text(blocks: &[Block], set: &[usize], block: usize, output: &str) -> String {
    let (_, excerpts) = attribute(blocks, set, output);
    excerpts
        .get(&block)
        .cloned()
        .unwrap_or_else(|| first_errors(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_prelude() {
        assert!(validate_include("#include <wolfssl/options.h>").is_ok());
        assert!(validate_include("#include \"x.h\"").is_ok());
        for bad in [
            "#include <../etc/passwd>",
            "#define X 1",
            "#include <a>\n#error",
            "#include <>",
        ] {
            assert!(validate_include(bad).is_err(), "{bad}");
        }
    }

    fn block(func: &str, file: &str, line: usize, body: &str) -> Block {
        Block {
            api: String::new(),
            func: func.into(),
            file: file.into(),
            line,
            body: body.into(),
            includes: vec!["#include <openssl/ssl.h>".into()],
        }
    }

    /// Three blocks: `a` references A1 and A2, `b` references B, `c` references nothing missing.
    fn abc() -> Vec<Block> {
        vec![
            block(
                "sslprobe_a__fn",
                "probes/a.c",
                5,
                "{\n    p = A1;\n    q = A2;\n}\n",
            ),
            block("sslprobe_b__fn", "probes/b.c", 5, "{\n    p = B;\n}\n"),
            block("sslprobe_c__fn", "probes/c.c", 5, "{\n    p = C;\n}\n"),
        ]
    }

    fn culprits_of(output: &str) -> (Vec<&'static str>, BTreeMap<usize, String>) {
        let blocks = abc();
        let (c, e) = attribute(&blocks, &[0, 1, 2], output);
        (c.into_iter().map(|i| ["a", "b", "c"][i]).collect(), e)
    }

    // The linker transcripts below are the formats of linkers this machine may not have; GNU ld,
    // gold, and (when installed) lld and mold are exercised for real by tests/batching.rs.

    #[test]
    fn gnu_ld_context_covers_every_reference_of_a_function() {
        let out = "/usr/bin/ld: /tmp/ccX.o: in function `sslprobe_a__fn':\n\
                   probe3.c:(.text+0x4): undefined reference to `A1'\n\
                   /usr/bin/ld: probe3.c:(.text+0x8): undefined reference to `A2'\n\
                   /usr/bin/ld: /tmp/ccX.o: in function `sslprobe_b__fn':\n\
                   probe3.c:(.text+0x14): undefined reference to `B'\n\
                   collect2: error: ld returned 1 exit status\n";
        let (c, e) = culprits_of(out);
        assert_eq!(c, ["a", "b"]);
        assert_eq!(
            e[&0],
            "undefined reference to `A1'\nundefined reference to `A2'"
        );
        assert_eq!(e[&1], "undefined reference to `B'");
    }

    #[test]
    fn gold_names_the_function_on_the_line() {
        let out =
            "/tmp/ccX.o:probe3.c:function sslprobe_b__fn: error: undefined reference to 'B'\n\
                   collect2: error: ld returned 1 exit status\n";
        assert_eq!(culprits_of(out).0, ["b"]);
    }

    #[test]
    fn lld_and_mold_name_the_function_after_the_error() {
        let out = "ld.lld: error: undefined symbol: B\n\
                   >>> referenced by probe3.c\n\
                   >>>               /tmp/probe3-1.o:(sslprobe_b__fn)\n\
                   >>> referenced by probe3.c\n\
                   >>>               /tmp/probe3-1.o:(sslprobe_a__fn)\n\
                   ld.lld: error: undefined symbol: A2\n\
                   >>> referenced by probe3.c\n\
                   >>>               /tmp/probe3-1.o:(sslprobe_a__fn)\n\
                   clang: error: linker command failed with exit code 1 (use -v to see invocation)\n";
        let (c, e) = culprits_of(out);
        assert_eq!(c, ["a", "b"]);
        assert_eq!(e[&1], "undefined symbol: B");
        let out = "mold: error: undefined symbol: B\n>>> referenced by probe3.c\n>>>               /tmp/ccX.o:(sslprobe_b__fn)\n";
        assert_eq!(culprits_of(out).0, ["b"]);
    }

    #[test]
    fn ld64_lists_referrers_below_the_symbol() {
        let out = "Undefined symbols for architecture arm64:\n\
                   \x20 \"_B\", referenced from:\n\
                   \x20     _sslprobe_b__fn in probe3-1.o\n\
                   ld: symbol(s) not found for architecture arm64\n";
        assert_eq!(culprits_of(out).0, ["b"]);
    }

    #[test]
    fn unknown_linker_falls_back_to_the_symbol_then_to_nothing() {
        assert_eq!(
            culprits_of("somelinker: undefined symbol: A2 (somewhere)\n").0,
            ["a"]
        );
        // A symbol no block names (a static library's own dependency): nothing attributed.
        assert!(culprits_of("/usr/bin/ld: libcrypto.a(dso.o): in function `dlfcn_load':\n(.text+0x1): undefined reference to `dlopen'\n").0.is_empty());
        assert!(culprits_of("ld: fatal: something we have never seen\n")
            .0
            .is_empty());
    }

    #[test]
    fn compile_errors_map_by_line_and_include() {
        let blocks = abc();
        let out = "probes/b.c:6:9: error: 'B' undeclared (first use in this function)\n\
                   probes/b.c:99:1: error: outside every block\n\
                   probes/c.c:4: error: on the marker line\n";
        let (c, e) = attribute(&blocks, &[0, 1, 2], out);
        assert_eq!(c.into_iter().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            e[&1],
            "probes/b.c:6:9: error: 'B' undeclared (first use in this function)"
        );
        let out = "sslprobe-include <openssl/ssl.h>:1:10: fatal error: openssl/ssl.h: No such file or directory\n";
        let (c, _) = attribute(&blocks, &[1, 2], out);
        assert_eq!(c.into_iter().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn suggestions_are_cut() {
        assert_eq!(
            without_suggestion("p.c:5:36: error: 'SSL_x' undeclared (first use in this function); did you mean 'SSL_xQ'?"),
            "p.c:5:36: error: 'SSL_x' undeclared (first use in this function)"
        );
        assert_eq!(
            without_suggestion("p.c:5:3: error: implicit declaration of function 'f'; did you mean 'fQ'? [-Werror=implicit-function-declaration]"),
            "p.c:5:3: error: implicit declaration of function 'f' [-Werror=implicit-function-declaration]"
        );
        assert_eq!(
            without_suggestion("p.c:1:1: error: plain"),
            "p.c:1:1: error: plain"
        );
    }

    fn loc_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Location) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("openssl")).unwrap();
        std::fs::write(
            d.path().join("openssl/ssl.h"),
            "/* the header the compiler finds */\n",
        )
        .unwrap();
        for (f, text) in files {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let loc = Location {
            include_dirs: vec![d.path().to_path_buf()],
            lib_dirs: vec![],
            libs: vec![],
            system_libs: vec![],
            link_static: false,
            found_by: crate::locate::FoundBy::Explicit,
            prefix: None,
        };
        (d, loc)
    }

    #[test]
    fn guesses_the_library_from_version_headers() {
        use crate::version::Family;
        let (_d, l) = loc_with(&[(
            "openssl/opensslv.h",
            "# define OPENSSL_VERSION_NUMBER  0x1010009fL\n",
        )]);
        let g = guess_library(&l, &[]).unwrap();
        assert_eq!(
            (g.family, g.version.to_string()),
            (Family::OpenSsl, "1.1.0i".to_string())
        );
        let (_d, l) = loc_with(&[(
            "openssl/opensslv.h",
            "# define OPENSSL_VERSION_MAJOR  3\n# define OPENSSL_VERSION_MINOR  0\n# define OPENSSL_VERSION_PATCH  19 /* p */\n\
             # define OPENSSL_VERSION_NUMBER (OPENSSL_VERSION_MAJOR << 28)\n",
        )]);
        assert_eq!(
            guess_library(&l, &[]).unwrap().version.to_string(),
            "3.0.19"
        );
        let (_d, l) = loc_with(&[
            ("openssl/opensslv.h", "#define LIBRESSL_VERSION_NUMBER 0x3080200fL\n#define OPENSSL_VERSION_NUMBER 0x20000000L\n"),
        ]);
        assert_eq!(guess_library(&l, &[]).unwrap().family, Family::LibreSsl);
        let (_d, l) = loc_with(&[(
            "openssl/base.h",
            "#define OPENSSL_IS_BORINGSSL\n#define BORINGSSL_API_VERSION 19\n",
        )]);
        let g = guess_library(&l, &[]).unwrap();
        assert_eq!((g.family, g.api_version), (Family::BoringSsl, Some(19)));
        let (_d, l) = loc_with(&[("openssl/ssl.h", "/* nothing to go by */\n")]);
        assert!(guess_library(&l, &[]).is_none());
        // wolfSSL's version header counts only when the prelude includes wolfSSL.
        let (_d, l) = loc_with(&[
            (
                "openssl/opensslv.h",
                "#define OPENSSL_VERSION_NUMBER 0x10100000L\n",
            ),
            (
                "wolfssl/version.h",
                "#define LIBWOLFSSL_VERSION_STRING \"5.5.4\"\n",
            ),
        ]);
        assert_eq!(guess_library(&l, &[]).unwrap().family, Family::OpenSsl);
        assert_eq!(
            guess_library(&l, &["#include <wolfssl/options.h>".into()])
                .unwrap()
                .family,
            Family::WolfSsl
        );
    }

    #[test]
    fn absorbed_logs_are_renumbered() {
        let mut a = Log::in_memory();
        a.entry("first", "int x;", "cc x.c", Some(0), "");
        let mut b = Log::in_memory();
        b.entry(
            "second",
            "==== [7] not a header",
            "cc y.c",
            Some(1),
            "y.c:1:1: error: e",
        );
        a.absorb(&b);
        assert!(
            a.text().contains("==== [1] first\n") && a.text().contains("==== [2] second\n"),
            "{}",
            a.text()
        );
        assert!(
            a.text().contains("==== [7] not a header"),
            "source lines are kept: {}",
            a.text()
        );
    }

    #[test]
    fn include_labels_are_plain() {
        assert_eq!(
            include_label("#include <openssl/ssl.h>"),
            "sslprobe-include <openssl/ssl.h>"
        );
        assert_eq!(
            include_label("#include \"x\\\".h\""),
            "sslprobe-include _x__.h_"
        );
    }
}
