//! `cargo xtask census`: every public libssl/libcrypto name of many library releases, from
//! their headers (read by the compiler) and, where a matrix library is built, their exports.
//!
//! * [`sources`] — which releases, and getting their headers into the cache;
//! * [`headers`] — reading the headers with clang (declarations) and its preprocessor (macros);
//! * [`exports`] — `nm` of the built matrix libraries;
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
use sslprobe_build::{Family, Version};

pub use format::{CensusData, NameAt};

use crate::cli::{parse_jobs, Args};
use crate::libs;

/// Bump when extraction changes (invalidates the cached per-release entries).
pub const EXTRACT_REVISION: u32 = 3;

/// The census cache: `census/` below the library cache.
pub fn cache_dir() -> Result<PathBuf> {
    Ok(libs::default_cache_dir()?.join("census"))
}

/// The version the headers' own macros say they are.
pub fn identify(family: Family, values: &BTreeMap<String, String>) -> Result<Version> {
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    let hex = |k: &str| -> Result<u64> {
        let v = get(k).with_context(|| format!("the headers do not define {k}"))?;
        let digits = v
            .trim_start_matches("0x")
            .trim_start_matches("0X")
            .trim_end_matches(['L', 'l', 'U', 'u']);
        u64::from_str_radix(digits, 16).with_context(|| format!("{k} is {v:?}"))
    };
    Ok(match family {
        Family::OpenSsl => match get("OPENSSL_VERSION_MAJOR") {
            Some(maj) => {
                let num = |k: &str| -> Result<u64> {
                    get(k)
                        .and_then(|v| v.parse().ok())
                        .with_context(|| format!("{k} is not a number"))
                };
                Version::new(
                    maj.parse()?,
                    num("OPENSSL_VERSION_MINOR")?,
                    num("OPENSSL_VERSION_PATCH")?,
                )
            }
            None => Version::from_openssl_number(hex("OPENSSL_VERSION_NUMBER")?),
        },
        Family::LibreSsl => Version::from_libressl_number(hex("LIBRESSL_VERSION_NUMBER")?),
        Family::BoringSsl => Version::api(
            get("BORINGSSL_API_VERSION")
                .and_then(|v| v.parse().ok())
                .context("BORINGSSL_API_VERSION is not a number")?,
        ),
        Family::AwsLc => Version::parse(
            &get("AWSLC_VERSION_NUMBER_STRING").context("no AWSLC_VERSION_NUMBER_STRING")?,
        )?,
        Family::WolfSsl => bail!("wolfSSL is not examined"),
    })
}

/// One release's entries, without exports: from the cache when current, else extracted.
fn header_column(
    r: &sources::Release,
    cache: &Path,
) -> Result<(format::Release, BTreeMap<String, NameAt>)> {
    let dir = sources::release_dir(cache, r);
    let cached = dir.join("entries.txt");
    let stamp = dir.join("entries.stamp");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == EXTRACT_REVISION.to_string()) {
        if let Ok(data) = CensusData::parse(&std::fs::read_to_string(&cached).unwrap_or_default()) {
            if let Some(rel) = data.releases.first() {
                return Ok((rel.clone(), data.column(0)));
            }
        }
    }
    let include = sources::ensure_headers(r, cache)?;
    let ex = headers::extract(&include, &dir)?;
    let version = identify(r.family, &ex.values)
        .with_context(|| format!("{}: identifying the headers", r.label))?;
    if let Some(want) = &r.version {
        if *want != version {
            bail!("{}: the headers say version {version}, not {want}", r.label);
        }
    }
    if !ex.skipped.is_empty() {
        eprintln!(
            "census: {}: left out (they stop the compiler): {}",
            r.label,
            ex.skipped.join(", ")
        );
    }
    let rel = format::Release {
        family: r.family.as_str().to_string(),
        version: version.to_string(),
        exports: false,
    };
    let one = CensusData::from_columns(vec![rel.clone()], std::slice::from_ref(&ex.names));
    std::fs::write(&cached, one.to_text())?;
    std::fs::write(&stamp, format!("{EXTRACT_REVISION}\n"))?;
    Ok((rel, ex.names))
}

/// Marks every declared function `exports` holds as exported.
fn apply_exports(col: &mut BTreeMap<String, NameAt>, exports: &std::collections::BTreeSet<String>) {
    for (name, at) in col.iter_mut() {
        at.exported =
            at.function.as_ref().is_some_and(|(inline, _)| !inline) && exports.contains(name);
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
                let res = header_column(r, &cache);
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
    for (r, res) in list.iter().zip(results.into_inner().unwrap_or_default()) {
        match res {
            Some(Ok((mut rel, mut col))) => {
                let version = Version::parse(&rel.version)?;
                if let Some((lib, prefix)) = exports::built(&lib_cache, r.family, &version)
                    .into_iter()
                    .next()
                {
                    let ex = exports::exported(&prefix)
                        .with_context(|| format!("reading the exports of {}", lib.key))?;
                    apply_exports(&mut col, &ex);
                    rel.exports = true;
                }
                columns.push((r.family, version, rel, col));
            }
            Some(Err(e)) => failed.push(format!("{}: {e:#}", r.label)),
            None => failed.push(format!("{}: not examined", r.label)),
        }
    }
    if !failed.is_empty() {
        bail!("census failed for:\n  {}", failed.join("\n  "));
    }
    columns.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    columns.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let releases: Vec<format::Release> = columns.iter().map(|c| c.2.clone()).collect();
    let cols: Vec<BTreeMap<String, NameAt>> = columns.into_iter().map(|c| c.3).collect();
    let data = CensusData::from_columns(releases, &cols);
    let bytes = datafile::write(out, &data)?;
    let s = datafile::summary(&data);
    println!(
        "census: wrote {} ({bytes} bytes): {} names ({} functions, {} macros, {} typedefs) from \
         {} releases ({}), exports read for {}",
        out.display(),
        s.names,
        s.functions,
        s.macros,
        s.typedefs,
        data.releases.len(),
        s.per_family,
        s.with_exports
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

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn identifies_releases_from_their_macros() {
        let v = identify(
            Family::OpenSsl,
            &vals(&[("OPENSSL_VERSION_NUMBER", "0x1010117fL")]),
        );
        assert_eq!(v.unwrap().to_string(), "1.1.1w");
        let v = identify(
            Family::OpenSsl,
            &vals(&[
                ("OPENSSL_VERSION_MAJOR", "3"),
                ("OPENSSL_VERSION_MINOR", "5"),
                ("OPENSSL_VERSION_PATCH", "5"),
                ("OPENSSL_VERSION_NUMBER", "( (OPENSSL_VERSION_MAJOR<<28) )"),
            ]),
        );
        assert_eq!(v.unwrap().to_string(), "3.5.5");
        let v = identify(
            Family::LibreSsl,
            &vals(&[("LIBRESSL_VERSION_NUMBER", "0x3090200fL")]),
        );
        assert_eq!(v.unwrap().to_string(), "3.9.2");
        let v = identify(Family::BoringSsl, &vals(&[("BORINGSSL_API_VERSION", "44")]));
        assert_eq!(v.unwrap().to_string(), "44");
        let v = identify(
            Family::AwsLc,
            &vals(&[("AWSLC_VERSION_NUMBER_STRING", "\"5.12.0\"")]),
        );
        assert_eq!(v.unwrap().to_string(), "5.12.0");
        assert!(identify(Family::LibreSsl, &vals(&[])).is_err());
    }

    #[test]
    fn only_declared_non_inline_functions_are_exported() {
        let mut col = BTreeMap::new();
        col.insert(
            "SSL_new".to_string(),
            NameAt {
                function: Some((false, "SSL *(SSL_CTX *)".into())),
                ..NameAt::default()
            },
        );
        col.insert(
            "sk_X509_num".to_string(),
            NameAt {
                function: Some((true, "int (const struct stack_st_X509 *)".into())),
                ..NameAt::default()
            },
        );
        col.insert(
            "SSL_set_mtu".to_string(),
            NameAt {
                macro_def: Some(Some("(ssl,mtu)".into())),
                ..NameAt::default()
            },
        );
        let ex = ["SSL_new", "sk_X509_num", "SSL_set_mtu"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        apply_exports(&mut col, &ex);
        assert!(col["SSL_new"].exported);
        assert!(!col["sk_X509_num"].exported);
        assert!(!col["SSL_set_mtu"].exported);
    }
}
