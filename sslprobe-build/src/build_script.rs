//! The whole pipeline for a build script: overrides → locate → identify → probe → emit.
//!
//! sslprobe's own `build.rs` is one call to [`main`]; any crate that wants its own catalog can
//! call [`run`] with its own probes directory.
//!
//! Besides running the stages in order, this is where a failure is turned into a diagnosis
//! the user can act on; none of them is ever reported as "API absent":
//!
//! - **Overrides** (the `SSLPROBE_*` variables of the README's "Overrides" section) are read and validated first: `SSLPROBE_HAVE_<API>`
//!   forces one result without probing it, `SSLPROBE_NO_PROBE=1` with
//!   `SSLPROBE_ASSUME=<family>-<version>` runs no compiler at all (cross builds without a
//!   target toolchain). Each one is written to the log, to `build_info().overrides` and to each
//!   API's `source`.
//! - **A broken C toolchain** (a `CC` that does not exist or is not a compiler, a flag in
//!   `CFLAGS` the compiler rejects): when identification or the sanity probe fails, one more
//!   compile + link of `int main(void) { return 0; }` — no OpenSSL involved — tells a broken
//!   toolchain from broken OpenSSL headers or libraries, and the error names the variable and
//!   the flag. This costs nothing when everything works.
//! - **Cross builds**: a toolchain error while `TARGET` ≠ `HOST` points to
//!   `SSLPROBE_NO_PROBE` / `SSLPROBE_ASSUME`.
//! - **Header/library mismatch**: an API whose probe compiles (the headers declare it) but does
//!   not link because the symbol it names is missing from the libraries means the headers and the
//!   libraries belong to different builds. That is an error naming those APIs, not "absent"
//!   (`SSLPROBE_HAVE_<API>=0` accepts them as absent explicitly). An undefined symbol *other*
//!   than the probed API (a missing dependency of a static library) is an error too.
//!
//! A crate with its own catalog in `probes/` needs nothing else:
//!
//! ```no_run
//! // The `main` of build.rs:
//! // Reads probes/catalog.toml and one C file per API beside it, prints the cargo: lines,
//! // writes $OUT_DIR/build_info.rs, sslprobe_externs.rs and sslprobe.log; on error it
//! // explains and exits 1.
//! sslprobe_build::build_script::main();
//! ```

use crate::catalog::Catalog;
use crate::compiler::{toolchain_var_names, toolchain_vars, Compiler};
use crate::emit;
use crate::env::{Env, ProcessEnv};
use crate::error::{Error, Result};
use crate::locate;
use crate::log::Log;
use crate::overrides::{self, Overrides};
use crate::probe::Prober;
use crate::results::{Rest, Results, Source};
use std::path::{Path, PathBuf};

/// What [`run`] produced.
///
/// ```no_run
/// let outcome = sslprobe_build::build_script::run(std::path::Path::new("probes"))?;
/// for w in &outcome.warnings {
///     eprintln!("{w}"); // already printed as cargo:warning
/// }
/// eprintln!("log: {}", outcome.log_path.display());
/// let present = outcome.results.apis.iter().filter(|a| a.present).count();
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The results.
    pub results: Results,
    /// The log file.
    pub log_path: PathBuf,
    /// The warnings printed as `cargo:warning=` lines (also in the log).
    pub warnings: Vec<String>,
}

fn out_dir() -> Result<PathBuf> {
    crate::env::cargo_var("OUT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| Error::Toolchain {
            message:
                "OUT_DIR is not set: sslprobe_build::build_script must run inside a build script"
                    .into(),
        })
}

/// Runs the pipeline for the catalog in `probes_dir`, prints every `cargo:` line and writes
/// `$OUT_DIR/build_info.rs`, `$OUT_DIR/sslprobe_externs.rs` and `$OUT_DIR/sslprobe.log`.
///
/// Nothing is written outside `$OUT_DIR` (scratch files go to a private directory under
/// `$OUT_DIR/sslprobe-scratch`), so a read-only source tree and concurrent builds of several
/// crates are fine.
///
/// ```no_run
/// // The `main` of build.rs, for a crate with its own catalog in `my-probes/` (catalog.toml + one C file per API):
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("my-probes");
/// if let Err(e) = sslprobe_build::build_script::run(&dir) {
///     eprintln!("error: {e}"); // a full diagnosis: toolchain, mismatch, overrides, ...
///     std::process::exit(1);
/// }
/// ```
pub fn run(probes_dir: &Path) -> Result<Outcome> {
    let out = out_dir()?;
    let (catalog, files) = Catalog::load(probes_dir)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let cargo_string = |name| crate::env::cargo_var(name).and_then(|v| v.into_string().ok());
    let target = cargo_string("TARGET").unwrap_or_default();
    let host = cargo_string("HOST").unwrap_or_else(|| target.clone());
    // The one reader of the environment: everything below reads through it, and what it
    // recorded becomes the `rerun-if-env-changed` lines. The `cc` crate reads the toolchain
    // variables itself (its own cargo output is off), so they are recorded here.
    let env = ProcessEnv::new();
    env.note_read(&toolchain_var_names(&target));
    let log_path = out.join("sslprobe.log");
    let mut log = Log::to_file(&log_path)?;
    let mut warnings = Vec::new();
    let result = pipeline(
        &catalog,
        &env,
        &target,
        &host,
        &out,
        &mut log,
        &mut warnings,
    )
    .and_then(|results| emit_lines(&catalog, &results).map(|lines| (lines, results)));
    for v in env.read_vars() {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let (lines, results) = match result {
        Ok(r) => r,
        Err(e) => {
            log.note(&format!("error: {e}"));
            println!(
                "cargo:warning=sslprobe failed; full log: {}",
                log_path.display()
            );
            return Err(e);
        }
    };
    // Headers the probes compiled against: upgrading the library re-runs the probes.
    for h in &results.headers {
        println!("cargo:rerun-if-changed={}", h.display());
    }
    for line in lines {
        println!("{line}");
    }
    warnings.extend(results.toolchain_notes.iter().cloned());
    warnings.extend(disagreements(&results));
    if !warnings.is_empty() {
        warnings.push(format!("sslprobe: details in {}", log_path.display()));
    }
    for w in &warnings {
        log.note(&format!("warning: {w}"));
        println!("cargo:warning={}", w.replace('\n', " "));
    }
    let info = emit::build_info_rs(&catalog, &results, probes_dir, &log_path.to_string_lossy());
    let p = out.join("build_info.rs");
    std::fs::write(&p, info).map_err(|e| Error::io(&p, e))?;
    let p = out.join("sslprobe_externs.rs");
    std::fs::write(&p, emit::externs_rs(&catalog, &results)).map_err(|e| Error::io(&p, e))?;
    Ok(Outcome {
        results,
        log_path,
        warnings,
    })
}

/// The cargo lines, with context when the location cannot be expressed as cargo metadata.
fn emit_lines(catalog: &Catalog, results: &Results) -> Result<Vec<String>> {
    emit::cargo_lines(catalog, results).map_err(|e| match e {
        Error::InvalidInput { value, reason, .. } => Error::InvalidInput {
            what: "library location for the DEP_SSLPROBE_INCLUDE / DEP_SSLPROBE_LIB_DIR metadata".into(),
            value,
            reason: format!(
                "{reason}. The probes ran, but cargo metadata can only carry UTF-8, so dependents could not \
                 be told where the library is: move the installation, or point OPENSSL_DIR (or \
                 OPENSSL_INCLUDE_DIR / OPENSSL_LIB_DIR) at a UTF-8 symlink to it"
            ),
        },
        other => other,
    })
}

fn pipeline(
    catalog: &Catalog,
    env: &ProcessEnv,
    target: &str,
    host: &str,
    out: &Path,
    log: &mut Log,
    warnings: &mut Vec<String>,
) -> Result<Results> {
    let ov = Overrides::from_env(catalog, env)?;
    for r in ov.records() {
        log.note(&format!("override: {r}"));
    }
    for u in &ov.unknown {
        log.note(&format!("warning: {u}"));
        warnings.push(format!("sslprobe: {u}"));
    }
    let loc = locate::locate(env, target).inspect_err(|_| {
        if ov.no_probe {
            log.note("SSLPROBE_NO_PROBE=1 runs no compiler, but the library is still located (openssl-sys must find it too)");
        }
    })?;
    let dep_include = env.var_os("DEP_OPENSSL_INCLUDE");
    locate::check_consistent_with_openssl_sys(&loc, dep_include.as_deref())?;
    log.note(&format!("located: {loc:?}"));
    // The overrides decide which APIs are forced; the rest is probed (or, with
    // SSLPROBE_NO_PROBE=1, assumed); `Results::assemble` puts both together, once.
    let rest = if ov.no_probe {
        Rest::Assumed(loc)
    } else {
        let cc = Compiler::from_build_script().map_err(|e| with_hints(e, target, host))?;
        let prober = Prober::new(cc, loc, &out.join("sslprobe-scratch"))?;
        let probed = prober
            .run(&ov.to_probe(catalog), log)
            .map_err(|e| with_context(e, target, host))?;
        Rest::Probed(Box::new(probed))
    };
    let results = Results::assemble(catalog, &ov, rest)?;
    for msg in override_notes(&ov, &results) {
        log.note(&msg);
        warnings.push(msg);
    }
    log_results(&results, log);
    if !ov.no_probe {
        crate::probe::check_links(&results, log)?;
    }
    Ok(results)
}

/// What the overrides did, one warning each: nothing probed (`SSLPROBE_NO_PROBE=1`), an
/// `SSLPROBE_ASSUME` ignored because the headers were probed, results forced without probing.
fn override_notes(ov: &Overrides, results: &Results) -> Vec<String> {
    let mut v = Vec::new();
    if ov.no_probe {
        v.push(format!(
            "sslprobe: SSLPROBE_NO_PROBE=1: nothing was probed; every result is assumed from the knowledge DB for {}{}",
            results.library.describe(),
            if ov.apis.is_empty() { String::new() } else { format!(" and {} SSLPROBE_HAVE_* override(s)", ov.apis.len()) }
        ));
        return v;
    }
    if let Some(a) = &ov.assume {
        v.push(format!(
            "sslprobe: SSLPROBE_ASSUME={} is ignored because SSLPROBE_NO_PROBE is not 1; the headers identify {}",
            a.text,
            results.library.describe()
        ));
    }
    if !ov.apis.is_empty() {
        v.push(format!(
            "sslprobe: {} result(s) forced without probing: {}",
            ov.apis.len(),
            ov.records().join(", ")
        ));
    }
    v
}

fn log_results(results: &Results, log: &mut Log) {
    for a in &results.apis {
        let what = match (a.present, &a.variant) {
            (true, Some(v)) => format!("present (variant {v})"),
            (true, None) => "present".into(),
            (false, _) => "absent".into(),
        };
        let src = match a.source {
            Source::Probe => "probe",
            Source::Override => "override",
            Source::Assumed => "assumed",
        };
        log.note(&format!("result: {} {what} [source: {src}]", a.name));
    }
}

/// Probe/DB disagreements (probed APIs), and overrides that contradict the DB.
fn disagreements(results: &Results) -> Vec<String> {
    let probed = Results {
        apis: results
            .apis
            .iter()
            .filter(|a| a.source == Source::Probe)
            .cloned()
            .collect(),
        ..results.clone()
    };
    let mut v: Vec<String> = probed
        .disagreements()
        .into_iter()
        .map(|d| format!("sslprobe: probe and knowledge DB DISAGREE: {d}"))
        .collect();
    for a in results
        .apis
        .iter()
        .filter(|a| a.source == Source::Override && !a.db_agrees)
    {
        v.push(format!(
            "sslprobe: {}={} forces {} {} but the knowledge DB expects it {} in {}",
            overrides::var_name(&a.name),
            if a.present {
                a.variant.as_deref().unwrap_or("1")
            } else {
                "0"
            },
            a.name,
            if a.present { "present" } else { "absent" },
            if a.db_expected { "present" } else { "absent" },
            results.library.describe()
        ));
    }
    v
}

fn with_hints(e: Error, target: &str, host: &str) -> Error {
    match e {
        Error::Toolchain { message } => Error::Toolchain {
            message: format!("{message}{}", hint_text(target, host)),
        },
        Error::Identify { message, output } => Error::Identify {
            message: format!("{message}{}", hint_text(target, host)),
            output,
        },
        other => other,
    }
}

fn hint_text(target: &str, host: &str) -> String {
    let mut s = String::new();
    let vars = toolchain_vars(&ProcessEnv::new(), target);
    if !vars.is_empty() {
        let v: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        s.push_str(&format!(
            "\n  the compiler and its flags come from: {}",
            v.join(", ")
        ));
    }
    if !target.is_empty() && target != host {
        s.push_str(&format!(
            "\n  hint: this is a cross build (TARGET={target}, HOST={host}) and sslprobe compiles and links its probes \
             with the target's C toolchain. Install one and name it with CC_{} (or TARGET_CC), or skip probing: \
             SSLPROBE_NO_PROBE=1 SSLPROBE_ASSUME=<family>-<version> (e.g. {}) takes every result from the knowledge DB, \
             and SSLPROBE_HAVE_<API>=0|1 overrides single APIs",
            target.replace('-', "_"),
            overrides::ASSUME_EXAMPLES
        ));
    } else {
        s.push_str(
            "\n  hint: to build without probing, set SSLPROBE_NO_PROBE=1 and SSLPROBE_ASSUME=<family>-<version> \
             (results then come from the knowledge DB, not from your library)",
        );
    }
    s
}

/// The cross-build and environment hints for an error of [`Prober::run`] (which has already
/// told a broken toolchain from broken headers or libraries): a sanity failure stands as it
/// is, an identification failure gets the cross-build hint, a toolchain error the variables it
/// came from.
fn with_context(e: Error, target: &str, host: &str) -> Error {
    match e {
        Error::Sanity { .. } => e,
        Error::Identify { .. } if target == host => e,
        other => with_hints(other, target, host),
    }
}

/// `build.rs` entry point for a crate whose catalog is `$CARGO_MANIFEST_DIR/probes`: runs
/// [`run`] and, on error, prints the full explanation and exits with status 1.
///
/// ```no_run
/// // The `main` of build.rs, beside probes/catalog.toml:
/// sslprobe_build::build_script::main();
/// ```
pub fn main() {
    let dir = crate::env::cargo_var("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join("probes");
    if let Err(e) = run(&dir) {
        eprintln!("\nerror: {e}\n");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_point_cross_builds_to_the_overrides() {
        let h = hint_text("aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu");
        assert!(
            h.contains("cross build")
                && h.contains("SSLPROBE_NO_PROBE=1")
                && h.contains("CC_aarch64_unknown_linux_gnu"),
            "{h}"
        );
        let h = hint_text("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-gnu");
        assert!(
            !h.contains("cross build") && h.contains("SSLPROBE_NO_PROBE=1"),
            "{h}"
        );
    }
}
