//! `sslprobe matrix`: a crate's own command (`cargo test`) run against every library of the
//! table ([`crate::libs::LIBS`]), each built into the shared cache first, with the environment
//! a user sets for it, tabulated.
//!
//! For each library: get it ([`crate::libs::ensure_built_with`]: cached, or built now, at most
//! `--jobs` at a time, while the command already runs for the libraries that are ready), then
//! run the command in the current directory with `OPENSSL_DIR` (or `OPENSSL_INCLUDE_DIR` /
//! `OPENSSL_LIB_DIR`), `OPENSSL_STATIC=1` for static builds, `LD_LIBRARY_PATH` for shared ones
//! ([`crate::libs::env::user_vars`]), and `CARGO_TARGET_DIR=<target>/sslprobe-matrix/<key>`, so
//! that every library keeps its own warm build. Inherited variables that would point the build
//! elsewhere (`OPENSSL_*`, `SSLPROBE_*`, another target directory) are removed
//! ([`run::scrubbed`]). BoringSSL and AWS-LC need `openssl-sys` to generate its bindings: the
//! `bindgen` program when it is installed, else the crate's `openssl/bindgen` feature (added to
//! a cargo command), else the library is unusable, saying what to install.
//!
//! Each row ends as passed, failed (a real failure: exit status 1), or unusable (openssl-sys
//! refuses the library, or cannot link it at all: reported with the reason, not a failure).

pub mod detect;
pub mod github;
pub mod model;
pub mod project;
pub mod reason;
pub mod render;
pub mod run;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::libs::{self, env, BuildFailed, CacheState, Lib, NoTarball, Options, Prefix, LIBS};
use model::{Build, BuildState, MatrixRun, Outcome, OutcomeState, Row};
use project::Project;

/// Why `sslprobe matrix` stopped before producing a table.
#[derive(Debug)]
pub enum Error {
    /// Bad arguments or input (exit status 2).
    Usage(String),
    /// Something it needs failed (exit status 1).
    Failed(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

fn usage(m: impl Into<String>) -> Error {
    Error::Usage(m.into())
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// The default time limit of the command, per library.
pub const DEFAULT_TIMEOUT_SECS: u64 = 2 * 60 * 60;

/// How often a long step is reported as still running.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// What to do, checked ([`Plan::from_args`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Show the libraries and their cache state.
    List,
    /// Print a GitHub Actions workflow running the command, one job per library.
    Github,
    /// Render a saved run (`--from-json`).
    Render(PathBuf),
    /// Run the command against every selected library.
    Run,
}

/// A checked `sslprobe matrix` invocation.
#[derive(Clone, Debug)]
pub struct Plan {
    /// What to do.
    pub mode: Mode,
    /// The libraries, each with whether it was asked for by name.
    pub libs: Vec<(&'static Lib, bool)>,
    /// The command, word by word (empty for `--list` and `--from-json`).
    pub command: Vec<String>,
    /// Where to write the results.
    pub json: Option<PathBuf>,
    /// Libraries built at the same time.
    pub jobs: usize,
    /// Markdown instead of a plain-text table.
    pub markdown: bool,
    /// Time limit of the command, per library.
    pub timeout: Duration,
}

/// The raw arguments (what the command line parser fills in).
#[derive(Clone, Debug, Default)]
pub struct RawArgs {
    /// `--libs KEYS`.
    pub libs: Option<String>,
    /// `--json FILE`.
    pub json: Option<PathBuf>,
    /// `--jobs N`.
    pub jobs: Option<usize>,
    /// `--list`.
    pub list: bool,
    /// `--github`.
    pub github: bool,
    /// `--from-json FILE`.
    pub from_json: Option<PathBuf>,
    /// `--markdown`.
    pub markdown: bool,
    /// `--timeout SECONDS`.
    pub timeout: Option<u64>,
    /// The command after `--`.
    pub command: Vec<String>,
}

/// The default selection: every library built from source (system packages only when named).
pub fn default_libs() -> Vec<&'static Lib> {
    LIBS.iter().filter(|l| !l.is_apt()).collect()
}

impl Plan {
    /// Checks every argument; each mistake is a [`Error::Usage`] saying what to write instead.
    pub fn from_args(a: RawArgs) -> Result<Plan, Error> {
        let modes = [a.list, a.github, a.from_json.is_some()];
        if modes.iter().filter(|m| **m).count() > 1 {
            return Err(usage(
                "--list, --github and --from-json are different things to do: give one",
            ));
        }
        let mode = if a.list {
            Mode::List
        } else if a.github {
            Mode::Github
        } else if let Some(f) = &a.from_json {
            Mode::Render(f.clone())
        } else {
            Mode::Run
        };
        let wants_command = matches!(mode, Mode::Run | Mode::Github);
        if wants_command && a.command.is_empty() {
            return Err(usage(
                "no command: give the command to run for each library after `--`, e.g. \
                 `sslprobe matrix -- cargo test`",
            ));
        }
        if !wants_command && !a.command.is_empty() {
            return Err(usage(format!(
                "{} runs no command, but one was given after `--`: `{}`",
                if a.list { "--list" } else { "--from-json" },
                a.command.join(" ")
            )));
        }
        if let Some(first) = a.command.first() {
            if first.trim().is_empty() {
                return Err(usage("the command after `--` starts with an empty word"));
            }
        }
        if a.markdown && !matches!(mode, Mode::Run | Mode::Render(_)) {
            return Err(usage(
                "--markdown applies to the results table (a run, or --from-json)",
            ));
        }
        if a.json.is_some() && !matches!(mode, Mode::Run) {
            return Err(usage(
                "--json writes the results of a run: it needs a command",
            ));
        }
        if let Some(j) = &a.json {
            check_output_file(j)?;
        }
        let jobs = a.jobs.unwrap_or(1);
        if !(1..=64).contains(&jobs) {
            return Err(usage(format!(
                "--jobs is how many libraries are built at the same time: 1 to 64, got {jobs}"
            )));
        }
        let timeout = a.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
        if timeout == 0 {
            return Err(usage("--timeout must be at least 1 second"));
        }
        let libs: Vec<(&'static Lib, bool)> = match &a.libs {
            Some(spec) => libs::parse_keys(spec)
                .map_err(|e| usage(format!("--libs: {e:#}")))?
                .into_iter()
                .map(|l| (l, true))
                .collect(),
            None => default_libs().into_iter().map(|l| (l, false)).collect(),
        };
        if matches!(mode, Mode::Run) {
            check_program(&a.command[0])?;
        }
        Ok(Plan {
            mode,
            libs,
            command: a.command,
            json: a.json,
            jobs,
            markdown: a.markdown,
            timeout: Duration::from_secs(timeout),
        })
    }
}

/// `--json FILE` must be writable where it points: not a directory, in a directory that exists.
fn check_output_file(path: &Path) -> Result<(), Error> {
    if path.as_os_str().is_empty() {
        return Err(usage("--json needs a file name"));
    }
    if path.is_dir() {
        return Err(usage(format!(
            "--json {}: that is a directory; give a file name",
            path.display()
        )));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        if !dir.is_dir() {
            return Err(usage(format!(
                "--json {}: the directory {} does not exist",
                path.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// The program must exist: a path to an executable file, or a name found in `$PATH`.
fn check_program(program: &str) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return if executable(Path::new(program)) {
            Ok(())
        } else {
            Err(usage(format!(
                "the command `{program}` is not an executable file"
            )))
        };
    }
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| executable(&d.join(program))));
    if found {
        Ok(())
    } else {
        Err(usage(format!(
            "the command `{program}` is not in $PATH (the command after `--` is run as is, \
             e.g. `sslprobe matrix -- cargo test`)"
        )))
    }
}

/// Runs `sslprobe matrix`. `Ok(true)` when there was no real failure.
pub fn run(plan: Plan) -> Result<bool, Error> {
    match &plan.mode {
        Mode::List => {
            let opts = Options::from_env().map_err(failed)?;
            // without --libs: every library, the system packages included
            let libs: Vec<(&'static Lib, bool)> = if plan.libs.iter().any(|(_, named)| *named) {
                plan.libs.clone()
            } else {
                LIBS.iter().map(|l| (l, false)).collect()
            };
            print!("{}", list(&libs, &opts));
            Ok(true)
        }
        Mode::Render(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| usage(format!("--from-json {}: {e}", file.display())))?;
            let run: MatrixRun = serde_json::from_str(&text).map_err(|e| {
                usage(format!(
                    "--from-json {}: not the JSON `sslprobe matrix --json` writes: {e}",
                    file.display()
                ))
            })?;
            print!("{}", render_run(&run, plan.markdown));
            Ok(true)
        }
        Mode::Github => {
            let cwd = std::env::current_dir().map_err(failed)?;
            let project = project::read(&cwd).map_err(|e| usage(format!("{e:#}")))?;
            let libs: Vec<&'static Lib> = plan.libs.iter().map(|(l, _)| *l).collect();
            print!("{}", github::workflow(&libs, &plan.command, &project, &cwd));
            Ok(true)
        }
        Mode::Run => run_matrix(&plan),
    }
}

fn render_run(run: &MatrixRun, markdown: bool) -> String {
    if markdown {
        render::markdown(run)
    } else {
        render::text(run)
    }
}

/// The `--list` table: every selected library, where it comes from and what the cache holds.
pub fn list(libs: &[(&'static Lib, bool)], opts: &Options) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "cache: {}", opts.cache_dir.display());
    let _ = match opts.sources_dir() {
        Ok(Ok(dir)) => writeln!(o, "release tarballs (LibreSSL): {}", dir.display()),
        Ok(Err(why)) => writeln!(o, "release tarballs (LibreSSL): none ({why})"),
        Err(e) => writeln!(o, "release tarballs (LibreSSL): {e:#}"),
    };
    let _ = writeln!(
        o,
        "{:<25} {:<9} {:<8} {:<7} {:<30} cache",
        "library", "family", "version", "linkage", "source"
    );
    for (lib, _) in libs {
        let state = match libs::cache_state(lib, &opts.lib_dir(lib)) {
            _ if lib.is_apt() => {
                "system package: installed and checked when used (only with --libs)".to_string()
            }
            CacheState::Complete(p) => format!("built (complete; took {:.0} s)", p.build_seconds),
            CacheState::Incomplete(why) => {
                format!("half-built: {why}; rebuilt from scratch when used")
            }
            CacheState::Absent => match lib.source {
                libs::Source::Tarball { file, .. } => match opts.tarball_present(file) {
                    Ok(()) => "not built (tarball found)".to_string(),
                    Err(e) => format!("not built; {e:#}"),
                },
                _ => "not built (built when used)".to_string(),
            },
        };
        let version = if lib.version.is_empty() {
            "(system)"
        } else {
            lib.version
        };
        let _ = writeln!(
            o,
            "{:<25} {:<9} {:<8} {:<7} {:<30} {state}",
            lib.key,
            lib.family,
            version,
            lib.linkage,
            lib.source_label()
        );
    }
    o
}

/// Progress lines on stderr, each with the seconds since the start, and a heartbeat for the
/// steps still running.
struct Reporter {
    start: Instant,
    /// key → (what is running, its current step, since when)
    active: Mutex<BTreeMap<String, (String, Instant)>>,
    done: AtomicBool,
}

impl Reporter {
    fn say(&self, key: &str, msg: &str) {
        eprintln!(
            "[{:>7.1} s] {key}: {msg}",
            self.start.elapsed().as_secs_f64()
        );
    }

    fn begin(&self, key: &str, what: &str) {
        let mut a = self.active.lock().unwrap_or_else(|e| e.into_inner());
        a.insert(key.to_string(), (what.to_string(), Instant::now()));
    }

    fn end(&self, key: &str) {
        let mut a = self.active.lock().unwrap_or_else(|e| e.into_inner());
        a.remove(key);
    }

    /// Every [`HEARTBEAT`], the steps still running and for how long.
    fn heartbeat(&self) {
        let mut last = Instant::now();
        while !self.done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            if last.elapsed() < HEARTBEAT {
                continue;
            }
            last = Instant::now();
            let a = self.active.lock().unwrap_or_else(|e| e.into_inner());
            for (key, (what, since)) in a.iter().filter(|(_, (_, t))| t.elapsed() >= HEARTBEAT) {
                self.say(
                    key,
                    &format!("still {what} ({:.0} s)", since.elapsed().as_secs_f64()),
                );
            }
        }
    }
}

/// How getting one library ended.
enum Got {
    Ready(Box<Prefix>, f64),
    Failed { why: String, log: Option<PathBuf> },
    Unavailable(String),
    Skipped(String),
}

/// Why the command cannot be run against `lib` at all, known before building it.
fn known_unusable(lib: &Lib, project: &Project, bindgen: &Bindgen) -> Option<String> {
    if project.uses_openssl_sys {
        if let Some(why) = env::openssl_sys_cannot_use(lib) {
            return Some(why.to_string());
        }
        if env::needs_bindgen(lib.family) {
            if let Bindgen::Impossible(why) = bindgen {
                return Some(why.clone());
            }
        }
    }
    None
}

/// How `openssl-sys` will generate BoringSSL/AWS-LC bindings for this command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bindgen {
    /// The `bindgen` program is installed: openssl-sys runs it.
    Program(PathBuf),
    /// Add `--features <feature>` to the cargo command.
    Feature(String),
    /// Neither: why, and what to do.
    Impossible(String),
}

/// The cargo subcommands that build the crate and take `--features`.
const BUILDING_SUBCOMMANDS: &[&str] = &[
    "build", "b", "check", "c", "test", "t", "run", "r", "bench", "clippy", "doc", "d", "rustc",
    "rustdoc",
];

/// Where the cargo subcommand of `command` is (`cargo +nightly test` → 2), when `command` is a
/// cargo command that builds the crate.
fn cargo_subcommand(command: &[String]) -> Option<usize> {
    let program = Path::new(command.first()?).file_name()?.to_str()?;
    if program != "cargo" {
        return None;
    }
    let i = command
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, a)| !a.starts_with('+') && !a.starts_with('-'))
        .map(|(i, _)| i)?;
    BUILDING_SUBCOMMANDS
        .contains(&command[i].as_str())
        .then_some(i)
}

/// Decides [`Bindgen`] for a command in a project.
pub fn bindgen_for(command: &[String], project: &Project, program: Option<PathBuf>) -> Bindgen {
    if let Some(p) = program {
        return Bindgen::Program(p);
    }
    match (cargo_subcommand(command), &project.bindgen_feature) {
        (Some(_), Some(f)) => Bindgen::Feature(f.clone()),
        _ => Bindgen::Impossible(
            "openssl-sys generates its bindings for BoringSSL and AWS-LC with bindgen: install \
             the bindgen program (`cargo install bindgen-cli`, with libclang), or run a cargo \
             command in a package that depends on openssl or openssl-sys (sslprobe matrix then \
             adds `--features openssl/bindgen`)"
                .to_string(),
        ),
    }
}

/// `command` with `--features <feature>` after the cargo subcommand.
pub fn with_feature(command: &[String], feature: &str) -> Vec<String> {
    let mut c = command.to_vec();
    if let Some(i) = cargo_subcommand(command) {
        c.insert(i + 1, "--features".into());
        c.insert(i + 2, feature.into());
    }
    c
}

/// Decides a finished command's [`Outcome`]: exit 0 passes; a failing `openssl-sys` build
/// script means the crate cannot use the library (unusable) unless openssl-sys is meant to
/// support it ([`env::openssl_sys_supports`]) or says nothing of a refusal, which is a failure
/// like any other.
pub fn classify(lib: &Lib, exit: Option<i32>, success: bool, output: &str) -> Outcome {
    if success {
        return Outcome {
            state: OutcomeState::Passed,
            reason: None,
            exit_code: exit,
        };
    }
    let f = reason::analyze(output);
    let refused = f.reason.contains("only compatible with");
    if f.build_script_of.as_deref() == Some("openssl-sys")
        && (refused || !env::openssl_sys_supports(lib))
    {
        let said = f
            .reason
            .strip_prefix("the openssl-sys build script failed: ")
            .unwrap_or(&f.reason);
        let reason = if refused {
            format!("openssl-sys refuses it: {said}")
        } else {
            format!("openssl-sys cannot use it: {said}")
        };
        return Outcome {
            state: OutcomeState::Unusable,
            reason: Some(reason),
            exit_code: exit,
        };
    }
    let why = if exit.is_none() && output.contains("[killed after") {
        "did not finish within the time limit (--timeout)".to_string()
    } else {
        match reason::test_totals(output) {
            Some(t) if t.failed > 0 => {
                format!("{} of {} tests failed", t.failed, t.failed + t.passed)
            }
            _ => f.reason,
        }
    };
    Outcome {
        state: OutcomeState::Failed,
        reason: Some(why),
        exit_code: exit,
    }
}

fn get_library(lib: &'static Lib, opts: &Options, reporter: &Reporter) -> Got {
    let state = libs::cache_state(lib, &opts.lib_dir(lib));
    if lib.is_apt() || !matches!(state, CacheState::Complete(_)) {
        let what = if lib.is_apt() {
            "checking the system package"
        } else {
            "building"
        };
        if let (false, CacheState::Incomplete(why)) = (lib.is_apt(), &state) {
            reporter.say(
                lib.key,
                &format!("the cache holds a half-built copy ({why}): rebuilding it"),
            );
        }
        reporter.say(
            lib.key,
            &format!("{what} {} ({})", lib.source_label(), lib.linkage),
        );
        reporter.begin(lib.key, what);
    }
    let t = Instant::now();
    let result = libs::ensure_built_with(lib, opts);
    reporter.end(lib.key);
    let secs = t.elapsed().as_secs_f64();
    match result {
        Ok(p) => {
            reporter.say(
                lib.key,
                &if p.from_cache {
                    format!("cached ({} {})", p.family, p.version)
                } else {
                    format!("ready: {} {} ({secs:.0} s)", p.family, p.version)
                },
            );
            Got::Ready(Box::new(p), secs)
        }
        Err(e) => {
            let missing = e.downcast_ref::<NoTarball>().cloned().or_else(|| {
                e.downcast_ref::<BuildFailed>()
                    .and_then(|f| f.cause.downcast_ref::<NoTarball>().cloned())
            });
            if let Some(m) = missing {
                reporter.say(lib.key, &format!("unavailable: {m}"));
                return Got::Unavailable(m.why);
            }
            let log = e.downcast_ref::<BuildFailed>().map(|f| f.log.clone());
            let why = match e.downcast_ref::<BuildFailed>() {
                Some(f) => format!("{:#}", f.cause),
                None => format!("{e:#}"),
            };
            reporter.say(lib.key, &format!("the library did not build: {why}"));
            Got::Failed { why, log }
        }
    }
}

/// Everything a library's command run needs.
struct Ctx<'a> {
    plan: &'a Plan,
    cache_dir: PathBuf,
    project: &'a Project,
    cwd: PathBuf,
    bindgen: Bindgen,
    reporter: &'a Reporter,
}

fn new_row(lib: &Lib, requested: bool) -> Row {
    Row {
        key: lib.key.to_string(),
        family: lib.family.as_str().to_string(),
        version: lib.version.to_string(),
        linkage: lib.linkage.as_str().to_string(),
        build: Build {
            state: BuildState::Skipped,
            detail: None,
            seconds: 0.0,
            log: None,
        },
        outcome: Outcome {
            state: OutcomeState::NotRun,
            reason: None,
            exit_code: None,
        },
        tests: None,
        failed_tests: Vec::new(),
        detected: None,
        command_line: None,
        seconds: 0.0,
        log: None,
        notes: Vec::new(),
        requested,
    }
}

impl Ctx<'_> {
    /// The row of one library, from how getting it ended (running the command when it is there).
    fn row(&self, lib: &'static Lib, requested: bool, got: Got) -> Row {
        let mut r = new_row(lib, requested);
        match got {
            Got::Skipped(why) => {
                r.outcome.state = OutcomeState::Unusable;
                r.outcome.reason = Some(why);
            }
            Got::Unavailable(why) => {
                r.build.state = BuildState::Unavailable;
                r.build.detail = Some(why);
            }
            Got::Failed { why, log } => {
                r.build.state = BuildState::Failed;
                r.build.detail = Some(why);
                r.build.log = log.map(|l| l.display().to_string());
            }
            Got::Ready(prefix, secs) => {
                r.version = prefix.version.clone();
                r.build.state = if prefix.from_cache {
                    BuildState::Cached
                } else {
                    BuildState::Built
                };
                r.build.seconds = secs;
                r.build.detail = Some(if prefix.from_cache {
                    format!("built earlier in {:.0} s", prefix.build_seconds)
                } else if lib.is_apt() {
                    format!("system package {}", prefix.source_package)
                } else {
                    format!("built in {secs:.0} s")
                });
                r.build.log = build_log(lib, &self.cache_dir);
                self.run_command(lib, &prefix, &mut r);
            }
        }
        r
    }

    fn run_command(&self, lib: &Lib, prefix: &Prefix, r: &mut Row) {
        let matrix_dir = self.project.matrix_dir();
        let target_dir = matrix_dir.join(lib.key);
        let log = matrix_dir.join("logs").join(format!("{}.log", lib.key));
        let mut command = self.plan.command.clone();
        if env::needs_bindgen(lib.family) && self.project.uses_openssl_sys {
            match &self.bindgen {
                Bindgen::Program(p) => r.notes.push(format!(
                    "openssl-sys generates the bindings with {}",
                    p.display()
                )),
                Bindgen::Feature(f) => {
                    command = with_feature(&command, f);
                    r.notes.push(format!(
                        "added `--features {f}`: openssl-sys generates BoringSSL/AWS-LC bindings \
                         with the bindgen library"
                    ));
                }
                // known before building: the row never gets here
                Bindgen::Impossible(_) => {}
            }
        }
        let mut vars: Vec<(String, OsString)> = env::user_vars(prefix);
        for (k, v) in vars.iter_mut() {
            if k == "LD_LIBRARY_PATH" {
                if let Some(old) = std::env::var_os("LD_LIBRARY_PATH").filter(|o| !o.is_empty()) {
                    let mut joined = v.clone();
                    joined.push(":");
                    joined.push(old);
                    *v = joined;
                }
            }
        }
        vars.push((
            "CARGO_TARGET_DIR".to_string(),
            target_dir.clone().into_os_string(),
        ));
        let program = OsString::from(&command[0]);
        let args: Vec<&OsStr> = command[1..].iter().map(OsStr::new).collect();
        let line = run::render(&program, &args, &vars);
        r.command_line = Some(line.clone());
        let mut c = run::command(&program, &args, &vars);
        c.current_dir(&self.cwd);
        self.reporter.say(lib.key, &format!("running `{line}`"));
        self.reporter
            .begin(lib.key, &format!("running `{}`", command.join(" ")));
        let logged = run::run_logged(c, &line, &log, self.plan.timeout);
        self.reporter.end(lib.key);
        let logged = match logged {
            Ok(l) => l,
            Err(e) => {
                r.outcome = Outcome {
                    state: OutcomeState::Failed,
                    reason: Some(format!("{e:#}")),
                    exit_code: None,
                };
                return;
            }
        };
        r.seconds = logged.finished.seconds;
        r.log = Some(logged.log.display().to_string());
        let exit = logged.finished.status.and_then(|s| s.code());
        r.outcome = classify(lib, exit, logged.finished.success(), &logged.output);
        r.tests = reason::test_totals(&logged.output);
        r.failed_tests = reason::failed_test_names(&logged.output);
        if self.project.uses_sslprobe {
            r.detected = detect::find(&target_dir);
            if r.detected.is_none() && r.outcome.state != OutcomeState::Unusable {
                r.notes.push(format!(
                    "the crate uses sslprobe, but no output of its build script is in {}",
                    target_dir.display()
                ));
            }
        }
        let mut msg = match r.outcome.state {
            OutcomeState::Passed => "passed".to_string(),
            OutcomeState::Unusable => "unusable".to_string(),
            _ => "FAILED".to_string(),
        };
        if let Some(why) = &r.outcome.reason {
            msg.push_str(&format!(": {why}"));
        }
        if let Some(t) = &r.tests {
            msg.push_str(&format!(
                " [{} passed, {} failed, {} ignored]",
                t.passed, t.failed, t.ignored
            ));
        }
        self.reporter.say(
            lib.key,
            &format!("{msg} ({:.1} s; log {})", r.seconds, logged.log.display()),
        );
    }
}

/// The build log of a library in the cache (`<cache>/<dir>/build.log`; system packages have
/// one too, beside their manifest).
fn build_log(lib: &Lib, opts_cache: &Path) -> Option<String> {
    let log = opts_cache.join(lib.cache_dir_name()).join("build.log");
    log.is_file().then(|| log.display().to_string())
}

fn run_matrix(plan: &Plan) -> Result<bool, Error> {
    let start = Instant::now();
    let cwd = std::env::current_dir().map_err(failed)?;
    let project = project::read(&cwd).map_err(|e| usage(format!("{e:#}")))?;
    let mut opts = Options::from_env().map_err(failed)?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    opts.jobs = (cpus / plan.jobs).max(1);
    let reporter = Arc::new(Reporter {
        start,
        active: Mutex::new(BTreeMap::new()),
        done: AtomicBool::new(false),
    });
    let bindgen = bindgen_for(&plan.command, &project, libs::which("bindgen"));
    eprintln!(
        "sslprobe matrix: `{}` in {}{} against {} librar{}; libraries cached in {}; each \
         library's cargo target directory and log in {}",
        plan.command.join(" "),
        cwd.display(),
        project
            .package
            .as_ref()
            .map(|p| format!(" (crate {p})"))
            .unwrap_or_default(),
        plan.libs.len(),
        if plan.libs.len() == 1 { "y" } else { "ies" },
        opts.cache_dir.display(),
        project.matrix_dir().display()
    );
    if !project.uses_openssl_sys {
        eprintln!(
            "sslprobe matrix: note: nothing in this crate's dependency graph uses openssl-sys, \
             so the OPENSSL_* variables set for each library may change nothing"
        );
    }
    let steps = Arc::clone(&reporter);
    opts.progress = Some(libs::Progress::new(move |key: &str, step: &str| {
        steps.say(key, &format!("building: {step}"));
        steps.begin(key, &format!("building ({step})"));
    }));
    let n = plan.libs.len();
    let pre: Vec<Option<String>> = plan
        .libs
        .iter()
        .map(|(lib, _)| known_unusable(lib, &project, &bindgen))
        .collect();
    let ctx = Ctx {
        plan,
        cache_dir: opts.cache_dir.clone(),
        project: &project,
        cwd,
        bindgen: bindgen.clone(),
        reporter: &reporter,
    };
    let next = AtomicUsize::new(0);
    let rows: Vec<Row> = std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, Got)>();
        let beat = &*reporter;
        s.spawn(move || beat.heartbeat());
        for _ in 0..plan.jobs.min(n) {
            let tx = tx.clone();
            let (next, pre, opts, reporter) = (&next, &pre, &opts, &*reporter);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((lib, _)) = plan.libs.get(i) else {
                    break;
                };
                let got = match &pre[i] {
                    Some(why) => Got::Skipped(why.clone()),
                    None => get_library(lib, opts, reporter),
                };
                if tx.send((i, got)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut ready: BTreeMap<usize, Got> = BTreeMap::new();
        let mut rows = Vec::new();
        for (i, (lib, requested)) in plan.libs.iter().enumerate() {
            while !ready.contains_key(&i) {
                match rx.recv() {
                    Ok((j, got)) => {
                        ready.insert(j, got);
                    }
                    Err(_) => break,
                }
            }
            let got = ready.remove(&i).unwrap_or_else(|| Got::Failed {
                why: "the build thread stopped".into(),
                log: None,
            });
            rows.push(ctx.row(lib, *requested, got));
            // the results so far, so that an interrupted run keeps them
            if let Some(file) = &plan.json {
                let partial = summarize(plan, &project, &ctx.cwd, start, rows.clone());
                if let Err(e) = write_json(file, &partial) {
                    reporter.say(lib.key, &format!("{e}"));
                }
            }
        }
        reporter.done.store(true, Ordering::Relaxed);
        rows
    });
    let run = summarize(plan, &project, &ctx.cwd, start, rows);
    println!();
    print!("{}", render_run(&run, plan.markdown));
    if let Some(file) = &plan.json {
        write_json(file, &run)?;
        eprintln!("sslprobe matrix: wrote {}", file.display());
    }
    Ok(run.ok)
}

/// The run as data, from its rows so far.
fn summarize(
    plan: &Plan,
    project: &Project,
    cwd: &Path,
    start: Instant,
    rows: Vec<Row>,
) -> MatrixRun {
    MatrixRun {
        sslprobe_version: env!("CARGO_PKG_VERSION").to_string(),
        command: plan.command.clone(),
        krate: project
            .package
            .as_ref()
            .map(|p| match &project.package_version {
                Some(v) => format!("{p} {v}"),
                None => p.clone(),
            }),
        crate_dir: cwd.display().to_string(),
        total_seconds: start.elapsed().as_secs_f64(),
        ok: !rows.iter().any(Row::is_failure),
        rows,
    }
}

/// Writes `--json FILE` whole (renamed into place: a reader never sees half a document).
fn write_json(file: &Path, run: &MatrixRun) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(run).map_err(failed)?;
    let tmp = file.with_extension("json.partial");
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, file))
        .map_err(|e| failed(format!("writing {}: {e}", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(command: &[&str]) -> RawArgs {
        RawArgs {
            command: command.iter().map(|s| s.to_string()).collect(),
            ..RawArgs::default()
        }
    }

    fn err(a: RawArgs) -> String {
        match Plan::from_args(a) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn arguments_are_checked() {
        assert!(err(raw(&[])).contains("no command"));
        assert!(err(raw(&["  "])).contains("empty word"));
        assert!(err(raw(&["no-such-program-xyz"])).contains("not in $PATH"));
        assert!(err(RawArgs {
            libs: Some("openssl-3.5".into()),
            ..raw(&["true"])
        })
        .contains("did you mean `openssl-3.5.x`?"));
        assert!(err(RawArgs {
            jobs: Some(0),
            ..raw(&["true"])
        })
        .contains("--jobs"));
        assert!(err(RawArgs {
            timeout: Some(0),
            ..raw(&["true"])
        })
        .contains("--timeout"));
        assert!(err(RawArgs {
            json: Some(std::env::temp_dir()),
            ..raw(&["true"])
        })
        .contains("is a directory"));
        assert!(err(RawArgs {
            json: Some("/no/such/dir/x.json".into()),
            ..raw(&["true"])
        })
        .contains("does not exist"));
        assert!(err(RawArgs {
            list: true,
            ..raw(&["cargo", "test"])
        })
        .contains("runs no command"));
        assert!(err(RawArgs {
            list: true,
            github: true,
            ..raw(&[])
        })
        .contains("give one"));
        assert!(err(RawArgs {
            github: true,
            ..raw(&[])
        })
        .contains("no command"));
        assert!(err(RawArgs {
            list: true,
            markdown: true,
            ..raw(&[])
        })
        .contains("--markdown"));
        let p = Plan::from_args(raw(&["true"])).unwrap();
        assert_eq!(p.mode, Mode::Run);
        assert_eq!(p.jobs, 1);
        assert!(p
            .libs
            .iter()
            .all(|(l, requested)| !l.is_apt() && !requested));
        let p = Plan::from_args(RawArgs {
            libs: Some("wolfssl-debian,awslc".into()),
            ..raw(&["true"])
        })
        .unwrap();
        let keys: Vec<(&str, bool)> = p.libs.iter().map(|(l, r)| (l.key, *r)).collect();
        assert_eq!(keys, [("wolfssl-debian", true), ("awslc", true)]);
    }

    fn project(feature: Option<&str>) -> Project {
        Project {
            workspace_root: "/w".into(),
            target_dir: "/w/target".into(),
            package: Some("app".into()),
            package_version: Some("1.0.0".into()),
            uses_openssl_sys: true,
            uses_sslprobe: false,
            bindgen_feature: feature.map(Into::into),
        }
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn bindgen_for_boringssl_and_awslc() {
        let p = project(Some("openssl/bindgen"));
        assert_eq!(
            bindgen_for(&words("cargo test"), &p, Some("/usr/bin/bindgen".into())),
            Bindgen::Program("/usr/bin/bindgen".into())
        );
        assert_eq!(
            bindgen_for(&words("cargo +stable test --release"), &p, None),
            Bindgen::Feature("openssl/bindgen".into())
        );
        assert_eq!(
            with_feature(
                &words("cargo +stable test --release -- --nocapture"),
                "openssl/bindgen"
            ),
            words("cargo +stable test --features openssl/bindgen --release -- --nocapture")
        );
        assert!(matches!(
            bindgen_for(&words("make check"), &p, None),
            Bindgen::Impossible(_)
        ));
        assert!(matches!(
            bindgen_for(&words("cargo test"), &project(None), None),
            Bindgen::Impossible(_)
        ));
        assert!(matches!(
            bindgen_for(&words("cargo fmt"), &p, None),
            Bindgen::Impossible(_)
        ));
        // what is known before building anything
        let awslc = libs::find("awslc").unwrap();
        let none = bindgen_for(&words("cargo test"), &project(None), None);
        assert!(known_unusable(awslc, &project(None), &none)
            .unwrap()
            .contains("cargo install bindgen-cli"));
        assert_eq!(
            known_unusable(awslc, &p, &Bindgen::Feature("f".into())),
            None
        );
        let wolf = libs::find("wolfssl-debian").unwrap();
        assert!(known_unusable(wolf, &p, &Bindgen::Feature("f".into()))
            .unwrap()
            .contains("libwolfssl"));
        // a crate without openssl-sys: the variables change nothing, nothing is refused
        let mut plain = project(None);
        plain.uses_openssl_sys = false;
        assert_eq!(known_unusable(wolf, &plain, &none), None);
    }

    const REFUSED: &str = "error: failed to run custom build command for `openssl-sys v0.9.118`\n\
        Caused by:\n  --- stderr\n  This crate is only compatible with OpenSSL (version 1.1.0, 1.1.1, 3.x, or 4.x), or LibreSSL 3.5.0\n  \
        through 4.4.x, but a different version of OpenSSL was found.\n";

    #[test]
    fn outcomes() {
        let old = libs::find("libressl-3.1.0").unwrap();
        let new = libs::find("openssl-3.0.x").unwrap();
        let o = classify(old, Some(101), false, REFUSED);
        assert_eq!(o.state, OutcomeState::Unusable);
        assert!(o
            .reason
            .unwrap()
            .starts_with("openssl-sys refuses it: This crate is only compatible with"),);
        // a refusal is a refusal whatever the library
        assert_eq!(
            classify(new, Some(101), false, REFUSED).state,
            OutcomeState::Unusable
        );
        // another openssl-sys failure on a library it supports is a failure
        let broken = "error: failed to run custom build command for `openssl-sys v0.9.118`\n\
                      --- stderr\n  fatal error: openssl/opensslv.h: No such file\n";
        assert_eq!(
            classify(new, Some(101), false, broken).state,
            OutcomeState::Failed
        );
        let o = classify(old, Some(101), false, broken);
        assert_eq!(o.state, OutcomeState::Unusable);
        assert_eq!(
            o.reason.as_deref(),
            Some("openssl-sys cannot use it: fatal error: openssl/opensslv.h: No such file")
        );
        let tests = "test a ... FAILED\ntest result: FAILED. 9 passed; 1 failed; 0 ignored;\n";
        let o = classify(new, Some(101), false, tests);
        assert_eq!(o.state, OutcomeState::Failed);
        assert_eq!(o.reason.as_deref(), Some("1 of 10 tests failed"));
        let o = classify(new, None, false, "x\n[killed after 5 s: time limit]\n");
        assert!(o.reason.unwrap().contains("time limit"));
        assert_eq!(classify(new, Some(0), true, "").state, OutcomeState::Passed);
    }
}
