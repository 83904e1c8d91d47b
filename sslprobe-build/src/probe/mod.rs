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
//! are compiled beside the first round, in two compiler runs, and every successful unit must
//! have linked an executable of the target's format: a run proves that the compiler, flags and linker can still
//! say both "yes" and "no", or it stops (see `controls`).
//!
//! A sanity probe (`SSL_CTX_new`) is part of every batch. It runs on its own only when it is
//! implicated or the output cannot be read; if it fails on its own, probing stops with
//! [`Error::Sanity`]: a broken environment is never reported as "absent".
//!
//! The successful compile also writes a dependency file (`-MD`), so [`Results::headers`] lists
//! every header the probes really included: a build script prints `cargo:rerun-if-changed` for
//! each and re-probes exactly when one of them changes.
//!
//! ```no_run
//! use sslprobe_build::{compiler::Compiler, locate, probe::{self, Log, Mode, Prober}, Catalog};
//! use std::path::Path;
//! let (catalog, _files) = Catalog::load(Path::new("probes"))?;
//! let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
//! let loc = locate::from_prefix(Path::new("/opt/openssl-3.0"), None)?;
//! let mut log = Log::in_memory();
//! let results = Prober::new(cc, loc, &std::env::temp_dir())?
//!     .mode(Mode::Batched)
//!     .run(&catalog, &mut log)?;
//! probe::check_links(&results, &mut log)?;
//! println!("{}: {} compiler runs", results.library.describe(), results.compiler_runs);
//! # Ok::<(), sslprobe_build::Error>(())
//! ```

mod controls;
mod diagnostics;
mod jobs;
mod plan;
mod source;

pub use crate::log::Log;
pub use crate::results::{ApiResult, Results, Source};
pub use diagnostics::check_links;
use jobs::{default_jobs, TokenState};
use plan::{expected_winners, guess_library, needed, plan, Expect};
use source::Block;

use crate::catalog::{is_c_identifier, validate_include, Catalog, Kind};
use crate::compiler::{render_command, Compiler};
use crate::error::{Error, Result};
use crate::identify::{self, Library};
use crate::locate::Location;
use diagnostics::{
    attribute, diagnose, error_location, failure_text, first_errors, needs_cxx_runtime,
    parse_depfile, plain,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How probes are grouped into compiler runs.
///
/// ```
/// use sslprobe_build::probe::Mode;
/// // Both modes give identical results; batched needs far fewer compiler runs.
/// for mode in [Mode::Batched, Mode::OneAtATime] {
///     println!("{}", mode.as_str());
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Mode {
    /// One translation unit for everything; failures attributed and retried.
    Batched,
    /// One compile + link per variant, run in parallel.
    OneAtATime,
}

impl Mode {
    /// The mode's name, as the `sslprobe probe --json` output and the `serde` feature write it.
    ///
    /// ```
    /// use sslprobe_build::probe::Mode;
    /// assert_eq!(Mode::Batched.as_str(), "batched");
    /// assert_eq!(Mode::OneAtATime.as_str(), "one-at-a-time");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Batched => "batched",
            Mode::OneAtATime => "one-at-a-time",
        }
    }
}

/// Index of the sanity probe in the block list.
const SANITY: usize = 0;

/// Units larger than this are split across the jobs ([`Prober::chunks`]).
const SPLIT_ABOVE: usize = 200;

/// Index of the first catalog block.
const FIRST_PROBE: usize = 1;

/// Batch rounds (each dropping at least one attributed culprit) before giving up on attribution
/// and bisecting the rest. gcc reports every compile error and GNU ld every undefined symbol in
/// one run, so real catalogs need two or three rounds; lld stops after 20 errors.
const MAX_ROUNDS: usize = 16;

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

static RUN_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Prober {
    /// A prober compiling with `cc` against `loc`, writing scratch files under `scratch`
    /// (a private per-run subdirectory is created there, so concurrent runs never collide).
    ///
    /// ```
    /// use sslprobe_build::{compiler::Compiler, locate, Prober};
    /// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
    /// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
    /// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_prefix(&prefix, None)?;
    /// let prober = Prober::new(cc, loc, &prefix.join("scratch"))?; // nothing compiled yet
    /// # }
    /// # std::fs::remove_dir_all(&prefix).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
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
                log.note("control probes: as expected (a plain program linked into an executable; undeclared, wrong type and undefined all said no; every unit that passed linked an executable)");
            }
            return result.map(|(l, p, _)| (l, p));
        }
        let controls::Diagnosis::Drop(cc, dropped) =
            controls::diagnose(&self.cc, &self.scratch, &symptoms, &self.runs, log)?;
        let retry = self.with_compiler(cc);
        let result = retry.identify_and_probe(catalog, log);
        self.runs
            .fetch_add(retry.runs.load(Ordering::Relaxed), Ordering::Relaxed);
        let again = retry.control_symptoms(&result);
        let result = result.map(|(l, p, _)| (l, p));
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
    fn control_symptoms(&self, result: &Result<(Library, Probed, Vec<String>)>) -> Vec<String> {
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
        if let Ok((_, _, bad)) = result {
            s.extend(bad.iter().cloned());
        }
        s
    }

    /// Extra `#include` lines placed before every probe (e.g. `#include <wolfssl/options.h>`).
    ///
    /// ```
    /// use sslprobe_build::{compiler::Compiler, locate, Prober};
    /// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
    /// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
    /// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// let new = || -> sslprobe_build::Result<Prober> {
    ///     Prober::new(Compiler::for_target("x86_64-unknown-linux-gnu")?, locate::from_prefix(&prefix, None)?, &prefix)
    /// };
    /// // wolfSSL's headers need their options first:
    /// let prober = new()?.prelude(&["#include <wolfssl/options.h>".to_string()])?;
    /// // Only include lines are accepted:
    /// assert!(new()?.prelude(&["#define OPENSSL_API_COMPAT 0x10100000L".to_string()]).is_err());
    /// # }
    /// # std::fs::remove_dir_all(&prefix).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn prelude(mut self, lines: &[String]) -> Result<Prober> {
        for l in lines {
            validate_include(l)?;
        }
        self.prelude = lines.to_vec();
        Ok(self)
    }

    /// Batched (default) or one at a time.
    ///
    /// ```no_run
    /// use sslprobe_build::{compiler::Compiler, locate, probe::{Log, Mode}, Catalog, Prober};
    /// use std::path::Path;
    /// let (catalog, _) = Catalog::load(Path::new("probes"))?;
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_prefix(Path::new("/usr/local/ssl"), None)?;
    /// let prober = Prober::new(cc, loc, &std::env::temp_dir())?.mode(Mode::OneAtATime);
    /// let results = prober.run(&catalog, &mut Log::in_memory())?;
    /// println!("{} compiler runs, one per variant tried", results.compiler_runs);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn mode(mut self, mode: Mode) -> Prober {
        self.mode = mode;
        self
    }

    /// Maximum parallel compiler runs (one at a time, bisection, identification beside the
    /// first batch). Inside a build script Cargo's jobserver limits them further.
    #[cfg(test)]
    pub(crate) fn jobs(mut self, jobs: usize) -> Prober {
        self.jobs = jobs.max(1);
        self
    }

    /// Treat every failed batch as unreadable, as if the compiler and linker printed nothing
    /// this engine understands: exercises the bisection path. Results are identical, only
    /// slower. For tests and benchmarks.
    ///
    /// ```no_run
    /// use sslprobe_build::{compiler::Compiler, locate, probe::Log, Catalog, Prober};
    /// use std::path::Path;
    /// let (catalog, _) = Catalog::load(Path::new("probes"))?;
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_prefix(Path::new("/usr/local/ssl"), None)?;
    /// let scratch = std::env::temp_dir();
    /// let read = Prober::new(cc.clone(), loc.clone(), &scratch)?.run(&catalog, &mut Log::in_memory())?;
    /// let bisected = Prober::new(cc, loc, &scratch)?.force_bisect(true).run(&catalog, &mut Log::in_memory())?;
    /// assert_eq!(read.apis, bisected.apis); // same answers, more compiler runs
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn force_bisect(mut self, yes: bool) -> Prober {
        self.force_bisect = yes;
        self
    }

    /// Identifies the library (preprocessor only).
    pub(crate) fn identify(&self, catalog: &Catalog, log: &mut Log) -> Result<Library> {
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
    ///
    /// ```no_run
    /// use sslprobe_build::{compiler::Compiler, locate, probe::{self, Log}, Catalog, Error, Prober};
    /// use std::path::Path;
    /// let (catalog, _) = Catalog::load(Path::new("probes"))?;
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_dirs(Path::new("/opt/ssl/include"), Path::new("/opt/ssl/lib"), None)?;
    /// let mut log = Log::in_memory();
    /// let results = match Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut log) {
    ///     // Even SSL_CTX_new does not compile and link: the environment, never "absent".
    ///     Err(Error::Sanity { diagnosis, .. }) => panic!("broken environment: {diagnosis}"),
    ///     other => other?,
    /// };
    /// probe::check_links(&results, &mut log)?; // headers and libraries of one build
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
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
        Ok(results)
    }

    /// Identifies, runs the control probes and probes; the controls' complaints come back
    /// beside the results (which are worthless when there are any).
    fn identify_and_probe(
        &self,
        catalog: &Catalog,
        log: &mut Log,
    ) -> Result<(Library, Probed, Vec<String>)> {
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
            let bad = controls::check_no(&self.cc, &self.scratch, &self.runs, log)?;
            if !bad.is_empty() {
                return Ok((library, Probed::default(), bad));
            }
            let probed = match self.mode {
                Mode::Batched => self.batched(
                    &blocks,
                    &ids,
                    &expected_winners(catalog, &library),
                    false,
                    log,
                )?,
                Mode::OneAtATime => self.one_at_a_time(&blocks, log)?,
            };
            return Ok((library, probed, bad));
        };
        log.note(&format!(
            "planning from the version header: {} (identification and the control probes run beside the first round)",
            guess.describe()
        ));
        let (identified, probed) = std::thread::scope(|s| {
            let handle = s.spawn(move || {
                let _token = token;
                let mut l = Log::in_memory();
                let r = self.identify(catalog, &mut l).and_then(|library| {
                    let bad = controls::check_no(&self.cc, &self.scratch, &self.runs, &mut l)?;
                    Ok((library, bad))
                });
                (r, l)
            });
            let probed = self.batched(&blocks, &ids, &expected_winners(catalog, &guess), true, log);
            (handle.join(), probed)
        });
        let (library, id_log) = identified.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        log.absorb(&id_log);
        let (library, bad) = library?;
        log.note(&format!("identified {}", library.describe()));
        if (library.family, &library.version) != (guess.family, &guess.version) {
            log.note(&format!(
                "the version header suggested {}: the first round was planned for it (results are unaffected)",
                guess.describe()
            ));
        }
        Ok((library, probed?, bad))
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

    /// The location as linked: the located one plus a C++ runtime when one was needed.
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
    ///
    /// `beside`: identification and the control probes run beside the first round on one of the
    /// jobs, so a large first unit is split unevenly ([`Prober::chunks`]).
    fn batched(
        &self,
        blocks: &[Block],
        ids: &[(usize, usize)],
        expected: &[Expect],
        beside: bool,
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
                    .flat_map(|g| self.chunks(g, beside))
                    .collect()
            } else {
                self.chunks(need, false)
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

    /// A large unit split into one per job, so that a request of a thousand names uses every
    /// core (units below [`SPLIT_ABOVE`] blocks stay whole: another compiler process costs more
    /// than it saves there). With `beside`, one job is busy identifying and running the control
    /// probes first, so the first chunk — started at once — gets a double share and the others,
    /// started as jobs free up, a single one: the units then finish together.
    fn chunks(&self, set: Vec<usize>, beside: bool) -> Vec<Vec<usize>> {
        if set.len() <= SPLIT_ABOVE || self.jobs <= 1 {
            return vec![set];
        }
        let n = self.jobs.min(set.len().div_ceil(SPLIT_ABOVE));
        let shares = n + usize::from(beside);
        let size = set.len().div_ceil(shares);
        let first = if beside {
            (2 * size).min(set.len())
        } else {
            size
        };
        let (head, rest) = set.split_at(first);
        std::iter::once(head.to_vec())
            .chain(rest.chunks(size.max(1)).map(<[usize]>::to_vec))
            .filter(|c| !c.is_empty())
            .collect()
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
            if let [only] = set[..] {
                p.outcomes.insert(
                    only,
                    Err(failure_text(blocks, &with_sanity, only, &a.output)),
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

struct Attempt {
    ok: bool,
    output: String,
    command: String,
    culprits: BTreeSet<usize>,
    excerpts: BTreeMap<usize, String>,
    deps: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagnostics::without_suggestion;
    use source::include_label;

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

    #[test]
    fn large_units_are_split_across_jobs() {
        let cc = Compiler::for_target("x86_64-unknown-linux-gnu").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = Prober::new(cc, crate::locate::Location::none(), dir.path())
            .unwrap()
            .jobs(2);
        let sizes = |n: usize, beside: bool| -> Vec<usize> {
            p.chunks((0..n).collect(), beside)
                .iter()
                .map(Vec::len)
                .collect()
        };
        assert_eq!(sizes(150, true), [150], "small units stay whole");
        assert_eq!(sizes(1000, false), [500, 500]);
        // Beside identification: the chunk started at once gets a double share.
        assert_eq!(sizes(1000, true), [668, 332]);
        let all: Vec<usize> = p.chunks((0..1000).collect(), true).concat();
        assert_eq!(
            all,
            (0..1000).collect::<Vec<_>>(),
            "nothing lost or repeated"
        );
        let one = Prober::new(
            Compiler::for_target("x86_64-unknown-linux-gnu").unwrap(),
            crate::locate::Location::none(),
            dir.path(),
        )
        .unwrap()
        .jobs(1);
        assert_eq!(
            one.chunks((0..1000).collect(), true).len(),
            1,
            "one job: one unit"
        );
    }
}
