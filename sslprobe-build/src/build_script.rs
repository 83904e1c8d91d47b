//! The whole pipeline for a build script: locate → identify → probe → emit.
//!
//! sslprobe's own `build.rs` is one call to [`main`]; any crate that wants its own catalog can
//! call [`run`] with its own probes directory.

use crate::catalog::Catalog;
use crate::compiler::Compiler;
use crate::locate::{self, Env, ProcessEnv};
use crate::probe::{Log, Prober, Results};
use crate::{emit, Error, Result};
use std::path::{Path, PathBuf};

/// What [`run`] produced.
#[derive(Debug)]
pub struct Outcome {
    /// The results.
    pub results: Results,
    /// The log file.
    pub log_path: PathBuf,
}

fn out_dir() -> Result<PathBuf> {
    std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| Error::Toolchain {
        message: "OUT_DIR is not set: sslprobe_build::build_script must run inside a build script".into(),
    })
}

/// Runs the pipeline for the catalog in `probes_dir`, prints every `cargo:` line and writes
/// `$OUT_DIR/build_info.rs`, `$OUT_DIR/sslprobe_externs.rs` and `$OUT_DIR/sslprobe.log`.
pub fn run(probes_dir: &Path) -> Result<Outcome> {
    let out = out_dir()?;
    let (catalog, files) = Catalog::load(probes_dir)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let env = ProcessEnv::new();
    let target = std::env::var("TARGET").unwrap_or_default();
    let log_path = out.join("sslprobe.log");
    let mut log = Log::to_file(&log_path)?;
    let result = (|| {
        let loc = locate::locate(&env, &target)?;
        let dep_include = env.var_os("DEP_OPENSSL_INCLUDE");
        locate::check_consistent_with_openssl_sys(&loc, dep_include.as_deref())?;
        log.note(&format!("located: {loc:?}"));
        let cc = Compiler::from_build_script()?;
        let prober = Prober::new(cc, loc, &out.join("sslprobe-scratch"))?;
        prober.run(&catalog, &mut log)
    })();
    for v in env.read_vars() {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let results = match result {
        Ok(r) => r,
        Err(e) => {
            log.note(&format!("error: {e}"));
            println!("cargo:warning=sslprobe failed; full log: {}", log_path.display());
            return Err(e);
        }
    };
    for line in emit::cargo_lines(&catalog, &results)? {
        println!("{line}");
    }
    let dis = results.disagreements();
    for d in &dis {
        println!("cargo:warning=sslprobe: probe and knowledge DB DISAGREE: {d}");
    }
    if !dis.is_empty() {
        println!("cargo:warning=sslprobe: details in {}", log_path.display());
    }
    let info = emit::build_info_rs(&catalog, &results, probes_dir, &log_path.to_string_lossy());
    let p = out.join("build_info.rs");
    std::fs::write(&p, info).map_err(|e| Error::io(&p, e))?;
    let p = out.join("sslprobe_externs.rs");
    std::fs::write(&p, emit::externs_rs(&catalog, &results)).map_err(|e| Error::io(&p, e))?;
    Ok(Outcome { results, log_path })
}

/// `build.rs` entry point for a crate whose catalog is `$CARGO_MANIFEST_DIR/probes`: runs
/// [`run`] and, on error, prints the full explanation and exits with status 1.
pub fn main() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default().join("probes");
    if let Err(e) = run(&dir) {
        eprintln!("\nerror: {e}\n");
        std::process::exit(1);
    }
}
