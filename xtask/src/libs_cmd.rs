//! `cargo xtask libs`: build the matrix libraries with a progress display.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Result;

use crate::cli::{parse_count, parse_jobs, Args};
use crate::libs::{self, BuildFailed, Lib, Options, Prefix, Source, LIBS};

/// Lines of build log shown when a build fails.
const TAIL_LINES: usize = 40;

/// Runs `cargo xtask libs [--list | --tarballs] [--libs a,b,c] [--jobs N] [--at-once N]`.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let mut args = Args::new(args);
    let list = args.flag("--list");
    let tarballs = args.flag("--tarballs");
    let spec = args.value("--libs")?;
    let jobs = args.value("--jobs")?.map(|j| parse_jobs(&j)).transpose()?;
    let at_once = args
        .value("--at-once")?
        .map(|j| parse_count("--at-once", &j))
        .transpose()?
        .unwrap_or_else(default_at_once);
    args.finish()?;

    let selected: Vec<&'static Lib> = match spec {
        Some(spec) => libs::parse_keys(&spec)?,
        None => LIBS.iter().collect(),
    };
    let mut opts = libs::options_from_env()?;
    if let Some(jobs) = jobs {
        opts.jobs = jobs;
    }
    if tarballs {
        for file in tarball_files(&selected) {
            println!("{file}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if list {
        print_list(&selected, &opts);
        return Ok(ExitCode::SUCCESS);
    }
    let outcomes = build_all(&selected, &opts, at_once);
    Ok(if outcomes.iter().all(|(_, r)| r.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The release tarballs (file names, once each) the selected libraries need from the sources
/// directory: what CI downloads into it (`.ci/fetch-libressl`).
fn tarball_files(selected: &[&Lib]) -> Vec<&'static str> {
    let mut files = Vec::new();
    for lib in selected {
        if let Source::Tarball { file, .. } = lib.source {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

fn print_list(selected: &[&Lib], opts: &Options) {
    println!("cache: {}", opts.cache_dir.display());
    match libs::sources_dir() {
        Ok(Ok(dir)) => println!("sources: {}", dir.display()),
        Ok(Err(why)) => println!("sources: none ({why})"),
        Err(e) => println!("sources: {e:#}"),
    }
    println!(
        "{:<26} {:<10} {:<8} {:<7} {:<34} cache",
        "key", "family", "version", "linkage", "source"
    );
    for lib in selected {
        let dir = opts.cache_dir.join(lib.cache_dir_name());
        let state = match libs::load_cached(lib, &dir) {
            _ if lib.is_apt() => "apt (checked on use)".to_string(),
            Some(p) => format!("built ({:.1} s)", p.build_seconds),
            None => "not built".to_string(),
        };
        let version = if lib.version.is_empty() {
            "(apt)"
        } else {
            lib.version
        };
        println!(
            "{:<26} {:<10} {:<8} {:<7} {:<34} {state}",
            lib.key,
            lib.family,
            version,
            lib.linkage,
            lib.source_label()
        );
    }
}

/// How many libraries `cargo xtask libs` builds at the same time by default: two where there
/// are at least two CPUs. A build alternates between parallel compiling and serial steps
/// (configure scripts, `make depend`, archiving, linking, installing); a second build fills
/// the cores the first leaves idle in those.
pub fn default_at_once() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    cpus.min(2)
}

/// Ensures every library in `selected` is built, `at_once` at a time (each with `opts.jobs`
/// compile jobs), printing a line per library as it starts and finishes (elapsed seconds,
/// its own CPU seconds), the build log's tail for failures, and a summary in table order.
/// Returns each library's outcome, in the order of `selected`; failures do not stop the
/// remaining builds.
pub fn build_all(
    selected: &[&'static Lib],
    opts: &Options,
    at_once: usize,
) -> Vec<(&'static Lib, Result<Prefix>)> {
    let run_start = Instant::now();
    let at_once = at_once.clamp(1, selected.len().max(1));
    println!(
        "xtask libs: {} librar{} into {} ({at_once} at a time, -j{} each)",
        selected.len(),
        if selected.len() == 1 { "y" } else { "ies" },
        opts.cache_dir.display(),
        opts.jobs
    );
    if let Err(e) = libs::ensure_build_tools(selected) {
        eprintln!("error: {e:#}");
        return selected
            .iter()
            .map(|lib| (*lib, Err(anyhow::anyhow!("build tools unavailable: {e:#}"))))
            .collect();
    }
    let width = selected.iter().map(|l| l.key.len()).max().unwrap_or(10);
    let n = selected.len();
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Result<Prefix>>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..at_once)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(lib) = selected.get(i) else {
                            break done;
                        };
                        let tag = format!("[{:>2}/{n}] {:<width$}", i + 1, lib.key);
                        done.push((i, build_one(lib, opts, &tag, run_start)));
                    }
                })
            })
            .collect();
        let mut slots: Vec<Option<Result<Prefix>>> = (0..n).map(|_| None).collect();
        for w in workers {
            match w.join() {
                Ok(done) => {
                    for (i, r) in done {
                        slots[i] = Some(r);
                    }
                }
                Err(_) => eprintln!("error: a build thread panicked"),
            }
        }
        slots
    });
    let outcomes: Vec<(&'static Lib, Result<Prefix>)> = selected
        .iter()
        .zip(slots.iter_mut())
        .map(|(lib, slot)| {
            let r = slot
                .take()
                .unwrap_or_else(|| Err(anyhow::anyhow!("its build thread stopped")));
            (*lib, r)
        })
        .collect();
    print_summary(&outcomes, run_start.elapsed().as_secs_f64());
    outcomes
}

/// Builds one library (or finds it in the cache), printing its start and end lines (each
/// stamped with the seconds since `run_start`, as builds interleave); one `print!` per
/// message, so concurrent builds' lines do not mix.
fn build_one(lib: &'static Lib, opts: &Options, tag: &str, run_start: Instant) -> Result<Prefix> {
    let stamp = || format!("[{:>6.1} s]", run_start.elapsed().as_secs_f64());
    let cached = !lib.is_apt()
        && libs::load_cached(lib, &opts.cache_dir.join(lib.cache_dir_name())).is_some();
    if !cached {
        println!(
            "{} {tag}  {}  {} ({}) ...",
            stamp(),
            if lib.is_apt() { "check" } else { "build" },
            lib.source_label(),
            lib.linkage
        );
    }
    let start = Instant::now();
    let result = libs::ensure_built_with(lib, opts);
    let secs = start.elapsed().as_secs_f64();
    let mut msg = String::new();
    match &result {
        Ok(p) if p.from_cache => {
            let _ = writeln!(
                msg,
                "{} {tag}  ok     {secs:6.1} s  cached (built in {:.1} s)",
                stamp(),
                p.build_seconds
            );
        }
        Ok(p) => {
            let _ = writeln!(
                msg,
                "{} {tag}  ok     {secs:6.1} s  ({:.1} s CPU)  {}",
                stamp(),
                p.build_cpu_seconds,
                describe(p)
            );
        }
        Err(e) => {
            let _ = writeln!(msg, "{} {tag}  FAILED {secs:6.1} s", stamp());
            match e.downcast_ref::<BuildFailed>() {
                Some(f) => {
                    let _ = writeln!(msg, "    {:#}", f.cause);
                    let _ = writeln!(
                        msg,
                        "    --- last {TAIL_LINES} lines of {} ---",
                        f.log.display()
                    );
                    for line in libs::log_tail(&f.log, TAIL_LINES).lines() {
                        let _ = writeln!(msg, "    | {line}");
                    }
                    let _ = writeln!(msg, "    --- full log: {} ---", f.log.display());
                }
                None => {
                    let _ = writeln!(msg, "    {e:#}");
                }
            }
        }
    }
    print!("{msg}");
    let _ = std::io::stdout().flush();
    result
}

fn describe(p: &Prefix) -> String {
    const SHOWN: [&str; 4] = [
        "OPENSSL_VERSION_NUMBER",
        "LIBRESSL_VERSION_NUMBER",
        "BORINGSSL_API_VERSION",
        "AWSLC_VERSION_NUMBER_STRING",
    ];
    let ident: Vec<String> = SHOWN
        .iter()
        .filter_map(|m| p.macros.get(*m).map(|v| (m, v)))
        // OpenSSL 3's OPENSSL_VERSION_NUMBER is an expression: not worth printing
        .filter(|(_, v)| !v.starts_with('('))
        .map(|(m, v)| format!("{m}={v}"))
        .collect();
    format!("{} {}  {}", p.family, p.version, ident.join(" "))
}

fn print_summary(outcomes: &[(&Lib, Result<Prefix>)], total: f64) {
    let ok = outcomes.iter().filter(|(_, r)| r.is_ok()).count();
    let cached = outcomes
        .iter()
        .filter(|(_, r)| r.as_ref().is_ok_and(|p| p.from_cache))
        .count();
    let failed = outcomes.len() - ok;
    println!();
    println!(
        "summary: {ok} ok ({} built/checked, {cached} cached), {failed} failed, {total:.1} s wall",
        ok - cached
    );
    println!(
        "  {:<26} {:<10} {:<9} {:<7} {:>8} {:>8}  state",
        "key", "family", "version", "linkage", "build s", "CPU s"
    );
    let (mut sum, mut cpu) = (0.0, 0.0);
    for (lib, r) in outcomes {
        match r {
            Ok(p) => {
                sum += p.build_seconds;
                cpu += p.build_cpu_seconds;
                println!(
                    "  {:<26} {:<10} {:<9} {:<7} {:>8.1} {:>8.1}  {}",
                    lib.key,
                    p.family,
                    p.version,
                    p.linkage,
                    p.build_seconds,
                    p.build_cpu_seconds,
                    if p.from_cache { "cached" } else { "fresh" }
                );
            }
            Err(e) => {
                // The cause on the row itself: "no source tarball: ...", "`make ...` failed".
                let why = match e.downcast_ref::<BuildFailed>() {
                    Some(f) => format!("{:#} (log: {})", f.cause, f.log.display()),
                    None => format!("{e:#}"),
                };
                println!(
                    "  {:<26} {:<10} {:<9} {:<7} {:>8} {:>8}  FAILED: {why}",
                    lib.key, lib.family, lib.version, lib.linkage, "-", "-"
                );
            }
        }
    }
    println!(
        "  the libraries above took {sum:.1} s of build time (added up: builds side by side \
         overlap) and {cpu:.1} s CPU (CPU / cores is the wall time a quiet machine needs at \
         best); this run: {total:.1} s wall"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarballs_are_listed_once_per_file() {
        let all: Vec<&Lib> = LIBS.iter().collect();
        let files = tarball_files(&all);
        assert!(files.contains(&"libressl-3.5.4.tar.gz"), "{files:?}");
        assert!(files.contains(&"libressl-3.9.2.tar.gz"), "{files:?}");
        // 4.3.2 static and shared share one tarball
        assert_eq!(
            files
                .iter()
                .filter(|f| **f == "libressl-4.3.2.tar.gz")
                .count(),
            1
        );
        let crates = libs::parse_keys("openssl-1.1.1w,libressl-3.1.0").unwrap();
        assert!(
            tarball_files(&crates).is_empty(),
            "crate sources need no tarball"
        );
    }
}
