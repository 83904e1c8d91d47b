//! The whole pipeline for a build script: overrides → locate → identify → probe → emit.
//!
//! sslprobe's own `build.rs` is one call to [`main`]; any crate that wants its own catalog can
//! call [`run`] with its own probes directory.
//!
//! Besides running the stages in order, this is where a failure is turned into a diagnosis
//! the user can act on; none of them is ever reported as "API absent":
//!
//! - **Overrides** ([`crate::overrides`]) are read and validated first: `SSLPROBE_HAVE_<API>`
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

use crate::catalog::Catalog;
use crate::compiler::{render_command, Compiler};
use crate::locate::{self, Env, FoundBy, Location, ProcessEnv};
use crate::overrides::{self, Overrides};
use crate::probe::{Log, Prober, Results, Source};
use crate::{emit, Error, Result};
use std::path::{Path, PathBuf};

/// What [`run`] produced.
#[derive(Debug)]
pub struct Outcome {
    /// The results.
    pub results: Results,
    /// The log file.
    pub log_path: PathBuf,
    /// The warnings printed as `cargo:warning=` lines (also in the log).
    pub warnings: Vec<String>,
}

fn out_dir() -> Result<PathBuf> {
    std::env::var_os("OUT_DIR")
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
pub fn run(probes_dir: &Path) -> Result<Outcome> {
    let out = out_dir()?;
    let (catalog, files) = Catalog::load(probes_dir)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_else(|_| target.clone());
    for v in overrides::env_var_names(&catalog)
        .into_iter()
        .chain(toolchain_var_names(&target))
    {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let env = ProcessEnv::new();
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
    let ov = Overrides::from_env(catalog)?;
    for r in ov.records() {
        log.note(&format!("override: {r}"));
    }
    let loc = locate::locate(env, target).inspect_err(|_| {
        if ov.no_probe {
            log.note("SSLPROBE_NO_PROBE=1 runs no compiler, but the library is still located (openssl-sys must find it too)");
        }
    })?;
    let dep_include = env.var_os("DEP_OPENSSL_INCLUDE");
    locate::check_consistent_with_openssl_sys(&loc, dep_include.as_deref())?;
    log.note(&format!("located: {loc:?}"));
    if ov.no_probe {
        let results = ov.assumed(catalog, loc)?;
        let msg = format!(
            "sslprobe: SSLPROBE_NO_PROBE=1: nothing was probed; every result is assumed from the knowledge DB for {}{}",
            results.library.describe(),
            if ov.apis.is_empty() { String::new() } else { format!(" and {} SSLPROBE_HAVE_* override(s)", ov.apis.len()) }
        );
        log.note(&msg);
        warnings.push(msg);
        log_results(&results, log);
        return Ok(results);
    }
    let cc = Compiler::from_build_script().map_err(|e| with_hints(e, target, host))?;
    let to_probe = ov.to_probe(catalog);
    let prober = Prober::new(cc.clone(), loc.clone(), &out.join("sslprobe-scratch"))?;
    let probed = match prober.run(&to_probe, log) {
        Ok(r) => r,
        Err(e) => return Err(explain_failure(e, &cc, out, target, host, log)),
    };
    if let Some(a) = &ov.assume {
        let msg = format!(
            "sslprobe: SSLPROBE_ASSUME={} is ignored because SSLPROBE_NO_PROBE is not 1; the headers identify {}",
            a.text,
            probed.library.describe()
        );
        log.note(&msg);
        warnings.push(msg);
    }
    let results = ov.merge(catalog, probed)?;
    if !ov.apis.is_empty() {
        let msg = format!(
            "sslprobe: {} result(s) forced without probing: {}",
            ov.apis.len(),
            ov.records().join(", ")
        );
        log.note(&msg);
        warnings.push(msg);
    }
    log_results(&results, log);
    check_links(&results, log)?;
    Ok(results)
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

/// Undefined symbols named in linker output (`undefined reference to `X'`, lld's
/// `undefined symbol: X`).
fn undefined_symbols(output: &str) -> Vec<String> {
    let mut v = Vec::new();
    for line in output.lines() {
        let rest = if let Some(i) = line.find("undefined reference to") {
            &line[i + "undefined reference to".len()..]
        } else if let Some(i) = line.find("undefined symbol:") {
            &line[i + "undefined symbol:".len()..]
        } else {
            continue;
        };
        let sym: String = rest
            .trim_start_matches(|c: char| c.is_whitespace() || "`'‘’\"".contains(c))
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !sym.is_empty() && !v.contains(&sym) {
            v.push(sym);
        }
    }
    v
}

/// Whether an undefined symbol looks like one of the SSL library's own (`SSL_…`, `X509_…`,
/// `OPENSSL_…`, `OSSL_…`, `d2i_…`): upper-case prefix and an underscore, or the ASN.1 codecs.
fn is_library_symbol(sym: &str) -> bool {
    let prefix: String = sym.chars().take_while(|c| *c != '_').collect();
    (!prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && sym.len() > prefix.len() + 1
        && prefix.starts_with(|c: char| c.is_ascii_uppercase()))
        || sym.starts_with("d2i_")
        || sym.starts_with("i2d_")
}

/// A probed API that compiled but did not link is a broken environment, never "absent".
///
/// The probe compiled, so the headers declare what it references; when the linker then misses
/// a symbol the probe itself references (the API, the function a macro expands to, or any
/// library-style name), the headers and the libraries do not belong together. An undefined
/// symbol of another kind (`dlopen`, `pthread_once`, `__cxa_…`) is a dependency of the
/// libraries missing from the link.
fn check_links(results: &Results, log: &mut Log) -> Result<()> {
    let mut mismatched: Vec<String> = Vec::new();
    let mut symbols: Vec<String> = Vec::new();
    let mut missing_deps = Vec::new();
    for a in results
        .apis
        .iter()
        .filter(|a| a.source == Source::Probe && !a.present)
    {
        let Some(f) = &a.failure else { continue };
        let syms = undefined_symbols(f);
        if syms.is_empty() {
            continue;
        }
        if syms.iter().any(|s| s == &a.name || is_library_symbol(s)) {
            if syms.len() == 1 && syms[0] == a.name {
                mismatched.push(a.name.clone());
            } else {
                mismatched.push(format!("{} (undefined: {})", a.name, syms.join(", ")));
            }
            for s in syms {
                if !symbols.contains(&s) {
                    symbols.push(s);
                }
            }
        } else {
            missing_deps.push(format!("{} (undefined: {})", a.name, syms.join(", ")));
        }
    }
    let loc = &results.location;
    let dirs = |d: &[PathBuf]| {
        if d.is_empty() {
            "the compiler's default directories".to_string()
        } else {
            d.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if !mismatched.is_empty() {
        let accept: Vec<String> = results
            .apis
            .iter()
            .filter(|a| {
                mismatched
                    .iter()
                    .any(|m| m == &a.name || m.starts_with(&format!("{} (", a.name)))
            })
            .map(|a| format!("{}=0", overrides::var_name(&a.name)))
            .collect();
        let e = Error::NotFound {
            what: format!(
                "header/library mismatch: {} compile against the {} headers in {} but do not link. The symbols {} \
                 that those headers declare were",
                mismatched.join(", "),
                results.library.describe(),
                dirs(&loc.include_dirs),
                symbols.join(", "),
            ),
            searched: loc.lib_dirs.clone(),
            hint: format!(
                "the headers and the libraries come from different builds or versions of the library, so no probe \
                 result can be trusted. Point OPENSSL_DIR (or OPENSSL_INCLUDE_DIR and OPENSSL_LIB_DIR) at one \
                 installation. To accept these APIs as absent anyway, set {}",
                accept.join(" ")
            ),
        };
        log.note(&format!("diagnosis: {e}"));
        return Err(e);
    }
    if !missing_deps.is_empty() {
        let e = Error::NotFound {
            what: format!(
                "symbols the libraries in {} need: {} compile but do not link because of references nothing \
                 provides; they were",
                dirs(&loc.lib_dirs),
                missing_deps.join("; "),
            ),
            searched: loc.lib_dirs.clone(),
            hint: "a dependency of the (static?) libraries is missing from the link: add it with OPENSSL_LIBS or \
                   link the shared libraries (OPENSSL_STATIC=0); the log has the full linker output"
                .into(),
        };
        log.note(&format!("diagnosis: {e}"));
        return Err(e);
    }
    Ok(())
}

/// The environment variables the `cc` crate reads to choose the compiler and its flags (each
/// base name also with the target suffix in both spellings, and `TARGET_`/`HOST_` prefixes).
///
/// `Compiler::from_build_script` runs `cc` with its cargo output off, so `cc` prints no
/// `cargo:rerun-if-env-changed` lines itself; [`run`] prints them for these names.
fn toolchain_var_names(target: &str) -> Vec<String> {
    let t_us = target.replace('-', "_");
    let mut names = Vec::new();
    for base in ["CC", "CFLAGS", "CRATE_CC_NO_DEFAULTS"] {
        for n in [
            format!("{base}_{target}"),
            format!("{base}_{t_us}"),
            format!("TARGET_{base}"),
            format!("HOST_{base}"),
            base.to_string(),
        ] {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    for n in [
        "CC_FORCE_DISABLE",
        "CC_SHELL_ESCAPED_FLAGS",
        "CC_KNOWN_WRAPPER_CUSTOM",
        "RUSTC_WRAPPER",
    ] {
        names.push(n.to_string());
    }
    names
}

/// The toolchain variables that are set, with their values.
fn toolchain_vars(target: &str) -> Vec<(String, String)> {
    toolchain_var_names(target)
        .into_iter()
        .filter_map(|n| std::env::var_os(&n).map(|v| (n, v.to_string_lossy().into_owned())))
        .collect()
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
    let vars = toolchain_vars(target);
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

/// Identification or the sanity probe failed: is it the toolchain or the library?
fn explain_failure(
    e: Error,
    cc: &Compiler,
    out: &Path,
    target: &str,
    host: &str,
    log: &mut Log,
) -> Error {
    if !matches!(e, Error::Identify { .. } | Error::Sanity { .. }) {
        return with_hints(e, target, host);
    }
    match toolchain_check(cc, out, log) {
        Ok(None) => {
            log.note("toolchain check passed: the C compiler works without OpenSSL, so the failure is about the OpenSSL headers or libraries");
            if target != host {
                with_hints(e, target, host)
            } else {
                e
            }
        }
        // The check used no include or library directory: say so rather than list the location's.
        Ok(Some((command, output))) => Error::Sanity {
            command,
            include_dirs: Vec::new(),
            lib_dirs: Vec::new(),
            diagnosis: toolchain_diagnosis(&output, cc, target),
            output,
        },
        Err(err) => with_hints(err, target, host),
    }
}

/// Compiles and links `int main(void) { return 0; }` with no OpenSSL at all. `Ok(None)`: the
/// toolchain works; `Ok(Some((command, output)))`: it does not.
fn toolchain_check(cc: &Compiler, out: &Path, log: &mut Log) -> Result<Option<(String, String)>> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = out
        .join("sslprobe-scratch")
        .join(format!("toolchain-check-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let src_text =
        "/* sslprobe toolchain check: no OpenSSL involved */\nint main(void) { return 0; }\n";
    let src = dir.join("toolchain_check.c");
    std::fs::write(&src, src_text).map_err(|e| Error::io(&src, e))?;
    let empty = Location {
        include_dirs: vec![],
        lib_dirs: vec![],
        libs: vec![],
        system_libs: vec![],
        link_static: false,
        found_by: FoundBy::Explicit,
        prefix: None,
    };
    let mut cmd = cc.compile_link_command(&empty, &src, &dir.join("toolchain_check"))?;
    let command = render_command(&cmd);
    let res = cmd.output();
    let _ = std::fs::remove_dir_all(&dir);
    let o = res.map_err(|e| Error::Toolchain {
        message: format!(
            "could not run the C compiler {}: {e}\n  command: {command}",
            cc.path().display()
        ),
    })?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    log.entry(
        "toolchain check (no OpenSSL)",
        src_text,
        &command,
        o.status.code(),
        &output,
    );
    Ok((!o.status.success()).then_some((command, output)))
}

/// The flags a compiler said it does not accept.
fn rejected_flags(output: &str) -> Vec<String> {
    const MARKERS: &[&str] = &[
        "unrecognized command-line option",
        "unrecognized command line option",
        "unrecognized option",
        "unknown argument:",
        "unknown argument",
        "unsupported option",
        "invalid argument",
        "unknown option",
    ];
    let mut v = Vec::new();
    for line in output.lines() {
        let Some(m) = MARKERS.iter().find(|m| line.contains(*m)) else {
            continue;
        };
        let rest = &line[line.find(m).map_or(0, |i| i + m.len())..];
        let flag: String = rest
            .trim_start_matches(|c: char| c.is_whitespace() || "`'‘’\":".contains(c))
            .chars()
            .take_while(|c| !c.is_whitespace() && !"`'‘’\";".contains(*c))
            .collect();
        if !flag.is_empty() && !v.contains(&flag) {
            v.push(flag);
        }
    }
    v
}

fn toolchain_diagnosis(output: &str, cc: &Compiler, target: &str) -> String {
    let vars = toolchain_vars(target);
    let base = "the C toolchain itself is broken: even `int main(void) { return 0; }`, which needs no OpenSSL, does not \
                compile and link (command and output below), so this says nothing about the SSL library";
    let flags = rejected_flags(output);
    if !flags.is_empty() {
        let parts: Vec<String> = flags
            .iter()
            .map(|f| {
                let from: Vec<&str> = vars
                    .iter()
                    .filter(|(_, v)| v.split_whitespace().any(|w| w == f))
                    .map(|(k, _)| k.as_str())
                    .collect();
                if from.is_empty() {
                    format!("`{f}`")
                } else {
                    format!("`{f}` (from {})", from.join(", "))
                }
            })
            .collect();
        return format!(
            "the compiler rejected the flag {}; {base}",
            parts.join(", ")
        );
    }
    let cc_vars: Vec<String> = vars
        .iter()
        .filter(|(k, _)| k == "CC" || k.starts_with("CC_") || k.ends_with("_CC"))
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    let from = if cc_vars.is_empty() {
        String::new()
    } else {
        format!(" (from {})", cc_vars.join(", "))
    };
    if output.trim().is_empty() {
        format!(
            "the C compiler {}{from} failed without printing anything: it is not a working C compiler; {base}",
            cc.path().display()
        )
    } else {
        format!("the C compiler {}{from} fails; {base}", cc.path().display())
    }
}

/// `build.rs` entry point for a crate whose catalog is `$CARGO_MANIFEST_DIR/probes`: runs
/// [`run`] and, on error, prints the full explanation and exits with status 1.
pub fn main() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
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
    fn undefined_symbols_from_gnu_ld_and_lld() {
        let gnu = "/usr/bin/ld: /tmp/x.o: in function `sslprobe_ssl_ctx_set_num_tickets__fn':\nprobes/ssl_ctx_set_num_tickets.c:5: undefined reference to `SSL_CTX_set_num_tickets'\ncollect2: error: ld returned 1 exit status";
        assert_eq!(undefined_symbols(gnu), ["SSL_CTX_set_num_tickets"]);
        let utf8 = "x.c:(.text+0x1): undefined reference to ‘SSL_set_num_tickets’";
        assert_eq!(undefined_symbols(utf8), ["SSL_set_num_tickets"]);
        let lld = "ld.lld: error: undefined symbol: SSL_CTX_get_num_tickets\n>>> referenced by x.c";
        assert_eq!(undefined_symbols(lld), ["SSL_CTX_get_num_tickets"]);
        assert!(undefined_symbols("x.c:3:5: error: 'SSL_X' undeclared").is_empty());
    }

    #[test]
    fn library_symbols() {
        for s in [
            "SSL_get1_peer_certificate",
            "X509_get_signature_info",
            "OPENSSL_init_ssl",
            "OSSL_LIB_CTX_new",
            "BIO_meth_new",
            "d2i_X509",
            "EVP_MD_fetch",
        ] {
            assert!(is_library_symbol(s), "{s}");
        }
        for s in [
            "dlopen",
            "pthread_once",
            "__cxa_throw",
            "_Unwind_Resume",
            "SSL",
            "SSL_",
            "memcpy",
        ] {
            assert!(!is_library_symbol(s), "{s}");
        }
    }

    #[test]
    fn rejected_flags_from_gcc_and_clang() {
        assert_eq!(
            rejected_flags(
                "gcc: error: unrecognized command-line option '--definitely-not-a-flag'"
            ),
            ["--definitely-not-a-flag"]
        );
        assert_eq!(
            rejected_flags(
                "gcc: error: unrecognized command-line option ‘--bogus’; did you mean ‘--bogo’?"
            ),
            ["--bogus"]
        );
        assert_eq!(
            rejected_flags("clang: error: unknown argument: '--definitely-not-a-flag'"),
            ["--definitely-not-a-flag"]
        );
        assert!(rejected_flags("x.c:1:1: error: expected ';'").is_empty());
    }

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
