//! `cargo xtask census`: every public libssl/libcrypto name of many library releases, from
//! their headers (read by the compiler) and, where a matrix library is built, their exports.
//! The matrix table's distribution packages (wolfSSL's OpenSSL compatibility layer, Android's
//! BoringSSL) and shared builds are releases of their own, examined where `cargo xtask libs`
//! put them; one that is not there is written to the data file as not examined, with the
//! reason.
//!
//! * [`sources`] — which releases, and getting their headers into the cache;
//! * [`headers`] — reading the headers with clang (declarations) and its preprocessor (macros);
//! * [`exports`] — `nm` of the built matrix libraries;
//! * [`extract`] — one release's entries (headers + identification), cached;
//! * [`normalise`] — prototypes, macro parameters, internal macro names;
//! * [`datafile`] — writing the checked-in data file and checking it is not stale.
//!
//! ```text
//! cargo xtask census [--out FILE] [--jobs N]     regenerate the data file (cli/data/census.txt)
//! cargo xtask census --check [--libs a,b]        regenerate the entries of every built matrix
//!                                                library and compare them with the data file
//! ```

pub mod datafile;
pub mod exports;
pub mod extract;
pub mod headers;
pub mod normalise;
pub mod sources;

/// The data file format, shared as a source file with the `sslprobe` CLI, which reads it.
#[path = "../../../cli/src/census_data.rs"]
pub mod format;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use sslprobe_build::Version;

pub use format::{CensusData, NameAt};

use crate::cli::{parse_jobs, Args};
use crate::libs;
use extract::{apply_exports, cache_dir, header_column, NotInCache};

/// The data file's "not examined" entry for a matrix library the cache lacks; `None` for any
/// other failure (which fails the generation).
fn not_examined_entry(r: &sources::Release, e: &anyhow::Error) -> Option<format::NotExamined> {
    match (e.downcast_ref::<NotInCache>(), &r.origin) {
        (Some(why), sources::Origin::Library(key)) => Some(format::NotExamined {
            family: r.family.as_str().to_string(),
            lib: key.to_string(),
            reason: why.to_string(),
        }),
        _ => None,
    }
}

/// Regenerates the whole data file.
fn generate(out: &Path, jobs: usize) -> Result<ExitCode> {
    let cache = cache_dir()?;
    let lib_cache = libs::default_cache_dir()?;
    std::fs::create_dir_all(&cache)?;
    let list = sources::releases()?;
    eprintln!("census: {} releases to examine", list.len());
    let next = AtomicUsize::new(0);
    type Column = (format::Release, BTreeMap<String, NameAt>);
    let results: Mutex<Vec<Option<Result<Column>>>> =
        Mutex::new((0..list.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(r) = list.get(i) else { break };
                let started = std::time::Instant::now();
                let res = header_column(r, &cache, &lib_cache);
                eprintln!(
                    "census: {} {} ({:.1}s)",
                    r.label,
                    if res.is_ok() { "ok" } else { "FAILED" },
                    started.elapsed().as_secs_f64()
                );
                if let Ok(mut g) = results.lock() {
                    g[i] = Some(res);
                }
            });
        }
    });
    let mut columns = Vec::new();
    let mut failed = Vec::new();
    let mut not_examined = Vec::new();
    for (r, res) in list.iter().zip(results.into_inner().unwrap_or_default()) {
        match res {
            Some(Ok((mut rel, mut col))) => {
                let version = Version::parse(&rel.version)?;
                let from_source = !matches!(r.origin, sources::Origin::Library(_));
                if let Some((lib, prefix)) = exports::built(&lib_cache, r.family, &version)
                    .into_iter()
                    .find(|_| from_source)
                {
                    let ex = exports::exported(&prefix)
                        .with_context(|| format!("reading the exports of {}", lib.key))?;
                    apply_exports(&mut col, &ex);
                    rel.exports = true;
                }
                columns.push((r.family, version, rel, col));
            }
            Some(Err(e)) => match not_examined_entry(r, &e) {
                Some(n) => {
                    eprintln!("census: {}: NOT EXAMINED: {}", n.lib, n.reason);
                    not_examined.push(n);
                }
                None => failed.push(format!("{}: {e:#}", r.label)),
            },
            None => failed.push(format!("{}: not examined", r.label)),
        }
    }
    if !failed.is_empty() {
        bail!("census failed for:\n  {}", failed.join("\n  "));
    }
    columns.sort_by(|a, b| (a.0, &a.1, &a.2.lib).cmp(&(b.0, &b.1, &b.2.lib)));
    columns.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2.lib == b.2.lib);
    let releases: Vec<format::Release> = columns.iter().map(|c| c.2.clone()).collect();
    let cols: Vec<BTreeMap<String, NameAt>> = columns.into_iter().map(|c| c.3).collect();
    let mut data = CensusData::from_columns(releases, &cols);
    data.not_examined = not_examined;
    let bytes = datafile::write(out, &data)?;
    let s = datafile::summary(&data);
    println!(
        "census: wrote {} ({bytes} bytes): {} names ({} functions, {} macros, {} typedefs) from \
         {} releases ({}), exports read for {}{}",
        out.display(),
        s.names,
        s.functions,
        s.macros,
        s.typedefs,
        data.releases.len(),
        s.per_family,
        s.with_exports,
        s.not_examined
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `cargo xtask census`.
pub fn run(args: &[String]) -> Result<ExitCode> {
    let mut a = Args::new(args);
    let check = a.flag("--check");
    let out = a.value("--out")?.map(PathBuf::from);
    let jobs = a.value("--jobs")?.map(|j| parse_jobs(&j)).transpose()?;
    let keys = a.value("--libs")?;
    a.finish()?;
    let path = out.unwrap_or_else(datafile::default_path);
    if check {
        if jobs.is_some() {
            bail!("--jobs applies to regeneration, not to --check");
        }
        let libs = match keys {
            Some(k) => libs::parse_keys(&k)?,
            None => libs::LIBS.iter().collect(),
        };
        return datafile::check(&path, &libs);
    }
    if keys.is_some() {
        bail!("--libs applies to --check (regeneration examines every release)");
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!("--out: folder {} does not exist", parent.display());
        }
    }
    generate(&path, jobs.unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A matrix library the cache lacks is written as not examined, with the reason and how to
    /// get it; any other failure is not.
    #[test]
    fn a_library_the_cache_lacks_is_not_examined_with_the_reason() {
        let empty = std::env::temp_dir().join(format!("census-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let r = sources::Release {
            family: sslprobe_build::Family::WolfSsl,
            version: None,
            label: "wolfssl-debian".into(),
            origin: sources::Origin::Library("wolfssl-debian"),
        };
        let e = header_column(&r, &empty.join("census"), &empty).unwrap_err();
        let _ = std::fs::remove_dir_all(&empty);
        let n = not_examined_entry(&r, &e).expect("not examined");
        assert_eq!(
            (n.family.as_str(), n.lib.as_str()),
            ("wolfssl", "wolfssl-debian")
        );
        assert_eq!(
            n.reason,
            "apt libwolfssl-dev was not installed when the census was generated \
             (`cargo xtask libs --libs wolfssl-debian` installs it)"
        );
        let other = anyhow::anyhow!("clang stopped");
        assert!(not_examined_entry(&r, &other).is_none());
    }
}
