//! `sslprobe probe`: run the whole catalog against any library, at run time, with the very engine
//! the build script uses (`sslprobe_build::Prober`) — no rebuild needed.
//!
//! ```text
//! sslprobe probe [--openssl-dir DIR | --include-dir DIR --lib-dir DIR] [--static]
//!                [--prelude '#include <...>']... [--one-at-a-time] [--json] [--strict]
//! ```
//!
//! Without a directory the library is located like `openssl-sys` does it (`OPENSSL_DIR`,
//! `OPENSSL_LIB_DIR`/`OPENSSL_INCLUDE_DIR`, pkg-config, ...) from the process environment.
//! A missing or unusable library (no headers, no libraries, a sanity probe that cannot compile
//! and link `SSL_CTX_new`) is an error, exit 2 — never a table of "absent" APIs.
//!
//! Disagreements between a probe and the knowledge DB are printed loudly (stderr, and flagged in
//! the table / JSON); they make the exit status 1 only with `--strict`.
//!
//! JSON (`--json`): `library.{family,version,version_text,api_version}`,
//! `location.{include_dirs,lib_dirs,static,found_by}`, `mode`, `apis[]` with `name`, `cfg`,
//! `present`, `kind` (`function`, `macro` or `define` as found; `null` when absent), `variant`,
//! `effective`, `db_expected`, `db_agrees`, `note`, `failure`, `value`; `disagreements[]`
//! (sentences), `compiler_runs`, `elapsed_ms` (wall time of locate + identify + probe).

use crate::Failure;
use serde_json::json;
use sslprobe_build::compiler::Compiler;
use sslprobe_build::locate::{self, Env, ProcessEnv};
use sslprobe_build::probe::{Log, Mode, Prober, Results};
use sslprobe_build::{Catalog, Error, Location};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// The target triple this binary was built for; probes are compiled for it.
pub const TARGET: &str = env!("SSLPROBE_CLI_TARGET");

/// Arguments of `sslprobe probe`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Installation prefix: headers in DIR/include, libraries in DIR/lib64 and/or DIR/lib.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["include_dir", "lib_dir"])]
    openssl_dir: Option<PathBuf>,
    /// Directory holding openssl/ssl.h (needs --lib-dir).
    #[arg(long, value_name = "DIR", requires = "lib_dir")]
    include_dir: Option<PathBuf>,
    /// Directory holding libssl and libcrypto (needs --include-dir).
    #[arg(long, value_name = "DIR", requires = "include_dir")]
    lib_dir: Option<PathBuf>,
    /// Libraries to link instead of ssl and crypto, colon-separated like OPENSSL_LIBS (e.g.
    /// `wolfssl` for wolfSSL's compatibility layer; needs --include-dir/--lib-dir).
    #[arg(long, value_name = "NAMES", requires = "lib_dir")]
    libs: Option<std::ffi::OsString>,
    /// Link libssl and libcrypto statically (their .a files must exist). Without a directory
    /// option this acts like OPENSSL_STATIC=1.
    #[arg(long = "static")]
    link_static: bool,
    /// An extra include line placed before every probe, e.g. '#include <wolfssl/options.h>'
    /// (repeatable).
    #[arg(long, value_name = "'#include <dir/header.h>'")]
    prelude: Vec<String>,
    /// Compile and link every probe on its own instead of one batched translation unit (same
    /// results, more compiler runs).
    #[arg(long)]
    one_at_a_time: bool,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    json: bool,
    /// Exit with status 1 when a probe disagrees with what the catalog records for this library
    /// (its knowledge DB: since which version each API exists, and in which form).
    #[arg(long)]
    strict: bool,
    /// Write the probe log (every C source, command, exit status and compiler output) to FILE.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

/// Writes `text` to stdout; a closed pipe (`sslprobe probe | head`) is not an error.
pub(crate) fn print_out(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(format!("writing to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The process environment with `OPENSSL_STATIC=1` forced (for `--static` without a directory),
/// so that locating follows `openssl-sys`'s static rules (pkg-config `--static`, ...).
struct StaticEnv(ProcessEnv);

impl Env for StaticEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        if name == "OPENSSL_STATIC" || name.ends_with("_OPENSSL_STATIC") {
            return Some("1".into());
        }
        self.0.var_os(name)
    }

    fn vars_with_prefix(&self, prefix: &str) -> Vec<(OsString, OsString)> {
        self.0.vars_with_prefix(prefix)
    }
}

/// Where the library is, from the options (or the environment when none is given).
fn location(args: &Args) -> Result<Location, Error> {
    let want_static = args.link_static.then_some(true);
    match (&args.openssl_dir, &args.include_dir, &args.lib_dir) {
        (Some(dir), _, _) => locate::from_prefix(dir, want_static),
        (None, Some(inc), Some(lib)) => match &args.libs {
            Some(names) => locate::from_dirs_with_libs(inc, lib, want_static, names),
            None => locate::from_dirs(inc, lib, want_static),
        },
        _ if args.link_static => locate::locate(&StaticEnv(ProcessEnv::new()), TARGET),
        _ => locate::locate(&ProcessEnv::new(), TARGET),
    }
}

/// The catalog compiled into the `sslprobe` crate (`probes/`).
pub fn embedded_catalog() -> Result<Catalog, Failure> {
    let (toml, files) = sslprobe::catalog_sources();
    Catalog::from_sources(toml, files)
        .map_err(|e| Failure::failed(format!("the embedded catalog is broken: {e}")))
}

/// A scratch directory of our own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    /// Creates a new directory, exclusively (never an existing one, never its parents), under
    /// the system temporary directory (`TMPDIR`), readable by this user only.
    fn new() -> Result<Scratch, Failure> {
        let tmp = std::env::temp_dir();
        if !tmp.is_dir() {
            return Err(Failure::usage(format!(
                "the temporary directory {} (from TMPDIR, or the system default) does not exist or is not a \
                 directory: set TMPDIR to an existing directory",
                tmp.display()
            )));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        #[cfg(unix)]
        let builder = {
            let mut b = std::fs::DirBuilder::new();
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b
        };
        #[cfg(not(unix))]
        let builder = std::fs::DirBuilder::new();
        for attempt in 0..100u32 {
            let dir = tmp.join(format!(
                "sslprobe-probe-{}-{nanos}-{attempt}",
                std::process::id()
            ));
            match builder.create(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Failure::failed(format!(
                        "cannot create the scratch directory {}: {e}",
                        dir.display()
                    )))
                }
            }
        }
        Err(Failure::failed(format!(
            "cannot create a scratch directory of our own in {}: every name tried exists",
            tmp.display()
        )))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Exit status for an engine error: bad or unusable input (paths, options, a library that cannot
/// be compiled against) is 2; a broken catalog, toolchain or I/O is 1.
fn failure(e: Error) -> Failure {
    match e {
        Error::InvalidInput { .. }
        | Error::NotFound { .. }
        | Error::Sanity { .. }
        | Error::Mismatch { .. }
        | Error::Identify { .. } => Failure::usage(e.to_string()),
        _ => Failure::failed(e.to_string()),
    }
}

/// Runs `sslprobe probe`.
pub fn run(args: Args) -> Result<(), Failure> {
    let start = Instant::now();
    let catalog = embedded_catalog()?;
    let loc = location(&args).map_err(failure)?;
    // The temporary directory first: outside a build script (no OUT_DIR) the cc crate's
    // compiler detection creates its files, and their missing parents, under TMPDIR.
    let scratch = Scratch::new()?;
    let cc = Compiler::for_target(TARGET).map_err(failure)?;
    let mode = if args.one_at_a_time {
        Mode::OneAtATime
    } else {
        Mode::Batched
    };
    let prober = Prober::new(cc, loc, &scratch.0)
        .map_err(failure)?
        .prelude(&args.prelude)
        .map_err(failure)?
        .mode(mode);
    let mut log = match &args.log {
        Some(p) => Log::to_file(p).map_err(|e| Failure::usage(format!("--log: {e}")))?,
        None => Log::in_memory(),
    };
    let results = prober.run(&catalog, &mut log).map_err(failure)?;
    // The same header/library check the build script runs: a mismatch is exit 2, never a
    // table of "absent".
    sslprobe_build::probe::check_links(&results, &mut log).map_err(failure)?;
    let elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    drop(scratch);

    let disagreements = results.disagreements();
    if args.json {
        print_out(&format!(
            "{}\n",
            to_json(&results, mode, &disagreements, elapsed_ms)
        ))?;
    } else {
        print_out(&table(
            &results,
            &location_line(&results.location),
            elapsed_ms,
        ))?;
    }
    for n in &results.toolchain_notes {
        eprintln!("{n}");
    }
    for d in &disagreements {
        eprintln!("sslprobe: DISAGREE: {d}");
    }
    if !disagreements.is_empty() {
        eprintln!(
            "sslprobe: {} probe result(s) DISAGREE with the knowledge DB for {} (see above){}",
            disagreements.len(),
            results.library.describe(),
            if args.strict {
                ""
            } else {
                "; --strict makes this exit 1"
            }
        );
        if args.strict {
            return Err(Failure::failed(format!(
                "{} disagreement(s) with the knowledge DB",
                disagreements.len()
            )));
        }
    }
    Ok(())
}

/// One line describing where the library is.
fn location_line(loc: &Location) -> String {
    let dirs = |d: &[PathBuf]| {
        if d.is_empty() {
            "(compiler default)".to_string()
        } else {
            d.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    format!(
        "include {}; lib {}; {}; found by {}",
        dirs(&loc.include_dirs),
        dirs(&loc.lib_dirs),
        if loc.link_static { "static" } else { "shared" },
        loc.found_by
    )
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The human-readable table.
fn table(r: &Results, location: &str, elapsed_ms: u64) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "library:  {}", r.library.describe());
    if let Some(t) = &r.library.version_text {
        let _ = writeln!(o, "          {t}");
    }
    let _ = writeln!(o, "location: {location}");
    let _ = writeln!(o);
    let w = r
        .apis
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(3)
        .max(3);
    let _ = writeln!(
        o,
        "{:<w$}  {:<7}  {:<9}  {:<8}  {:<13}  DB",
        "API", "present", "effective", "kind", "variant"
    );
    for a in &r.apis {
        let kind = a.kind.map_or("-", |k| k.as_str());
        let variant = a.variant.as_deref().unwrap_or("-");
        let db = if r.library.family == sslprobe_build::Family::WolfSsl {
            "n/a (no DB rows)"
        } else if a.db_agrees {
            "agrees"
        } else {
            "DISAGREES"
        };
        let _ = writeln!(
            o,
            "{:<w$}  {:<7}  {:<9}  {:<8}  {:<13}  {db}",
            a.name,
            yes_no(a.present),
            yes_no(a.effective),
            kind,
            variant
        );
    }
    let present = r.apis.iter().filter(|a| a.present).count();
    let no_effect = r.apis.iter().filter(|a| a.present && !a.effective).count();
    let dis = r.apis.iter().filter(|a| !a.db_agrees).count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{} APIs: {present} present ({no_effect} without effect), {} absent; {dis} disagreement(s) with the knowledge DB; {} compiler run(s); {elapsed_ms} ms",
        r.apis.len(),
        r.apis.len() - present,
        r.compiler_runs
    );
    o
}

/// The JSON document (see the module docs for the fields).
fn to_json(r: &Results, mode: Mode, disagreements: &[String], elapsed_ms: u64) -> String {
    let paths = |d: &[PathBuf]| {
        d.iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let apis: Vec<serde_json::Value> = r
        .apis
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "cfg": a.cfg,
                "present": a.present,
                "kind": a.kind.map(|k| k.as_str()),
                "variant": a.variant,
                "effective": a.effective,
                "db_expected": a.db_expected,
                "db_agrees": a.db_agrees,
                "note": a.note,
                "failure": a.failure,
                "value": a.value,
            })
        })
        .collect();
    let doc = json!({
        "library": {
            "family": r.library.family.as_str(),
            "version": r.library.version.to_string(),
            "version_text": r.library.version_text,
            "api_version": r.library.api_version,
        },
        "location": {
            "include_dirs": paths(&r.location.include_dirs),
            "lib_dirs": paths(&r.location.lib_dirs),
            "static": r.location.link_static,
            "found_by": r.location.found_by.to_string(),
        },
        "mode": mode.as_str(),
        "apis": apis,
        "disagreements": disagreements,
        "compiler_runs": r.compiler_runs,
        "elapsed_ms": elapsed_ms,
    });
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn static_env_forces_both_spellings() {
        let e = StaticEnv(ProcessEnv::new());
        assert_eq!(e.var_os("OPENSSL_STATIC"), Some("1".into()));
        assert_eq!(
            e.var_os("X86_64_UNKNOWN_LINUX_GNU_OPENSSL_STATIC"),
            Some("1".into())
        );
        assert_eq!(e.var_os("SSLPROBE_SURELY_UNSET_VARIABLE"), None);
    }

    #[test]
    fn engine_errors_map_to_exit_codes() {
        let nf = Error::NotFound {
            what: "x".into(),
            searched: vec![Path::new("/nope").into()],
            hint: String::new(),
        };
        assert_eq!(failure(nf).code, 2);
        assert_eq!(failure(Error::Catalog("bad".into())).code, 1);
    }

    #[test]
    fn embedded_catalog_loads() {
        let c = embedded_catalog().map_err(|f| f.message).unwrap();
        assert!(c.get("SSL_CTX_set_num_tickets").is_some());
    }
}
