//! Writing the checked-in census data file, and checking it against the built matrix
//! libraries (`cargo xtask census --check`: their installed headers and `nm` exports must give
//! exactly the entries the file holds for their release).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::extract::{apply_exports, cache_dir, identify, EXTRACT_REVISION};
use super::format::{CensusData, FormKind, NameAt};
use super::{exports, headers};
use crate::libs::{self, Lib};

/// `cli/data/census.txt` in the workspace.
pub fn default_path() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).join("cli/data/census.txt")
}

/// Writes the file (through a temporary file, so a reader never sees half of it); returns its
/// size in bytes.
pub fn write(path: &Path, data: &CensusData) -> Result<usize> {
    let text = data.to_text();
    let tmp = path.with_extension("txt.tmp");
    std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(text.len())
}

/// Counts for the summary line.
pub struct Summary {
    /// Names in the file.
    pub names: usize,
    /// Names declared as a function (or static inline function) somewhere.
    pub functions: usize,
    /// Names defined as a macro somewhere.
    pub macros: usize,
    /// Names declared as a typedef somewhere.
    pub typedefs: usize,
    /// `openssl 56, libressl 4, ...`.
    pub per_family: String,
    /// Releases whose exports were read.
    pub with_exports: usize,
    /// `; not examined: key (reason), ...`, or empty.
    pub not_examined: String,
}

/// Summarises a census.
pub fn summary(data: &CensusData) -> Summary {
    let has =
        |r: &super::format::Record, ks: &[FormKind]| r.forms.iter().any(|f| ks.contains(&f.kind));
    let mut fams: Vec<(String, usize)> = Vec::new();
    for r in &data.releases {
        match fams.iter_mut().find(|(f, _)| *f == r.family) {
            Some((_, n)) => *n += 1,
            None => fams.push((r.family.clone(), 1)),
        }
    }
    Summary {
        names: data.records.len(),
        functions: data
            .records
            .iter()
            .filter(|r| has(r, &[FormKind::Function, FormKind::Inline]))
            .count(),
        macros: data
            .records
            .iter()
            .filter(|r| has(r, &[FormKind::FnMacro, FormKind::ObjMacro]))
            .count(),
        typedefs: data
            .records
            .iter()
            .filter(|r| has(r, &[FormKind::Typedef]))
            .count(),
        per_family: fams
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        with_exports: data.releases.iter().filter(|r| r.exports).count(),
        not_examined: data
            .not_examined
            .iter()
            .map(|n| format!("; NOT EXAMINED: {} ({})", n.lib, n.reason))
            .collect(),
    }
}

/// The differences between two columns, one line each (at most `limit`, then a count).
pub fn diff(
    want: &BTreeMap<String, NameAt>,
    got: &BTreeMap<String, NameAt>,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    let names: std::collections::BTreeSet<&String> = want.keys().chain(got.keys()).collect();
    for n in names {
        let (w, g) = (want.get(n), got.get(n));
        if w == g {
            continue;
        }
        total += 1;
        if out.len() < limit {
            out.push(format!("{n}: data file {w:?}, now {g:?}"));
        }
    }
    if total > out.len() {
        out.push(format!("... and {} more", total - out.len()));
    }
    out
}

/// One stale library: its key and the report.
fn stale(lib: &Lib, report: String) -> (String, String) {
    (lib.key.to_string(), report)
}

/// What [`check_text`] found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Built libraries compared.
    pub checked: usize,
    /// Of those, skipped because they were already checked against this very file.
    pub unchanged: usize,
    /// Keys of the libraries the file is stale for, each with its report.
    pub stale: Vec<(String, String)>,
    /// Keys of the libraries that are not built (not checked).
    pub not_built: Vec<&'static str>,
}

/// Checks census text against every built (or installed) library of `libs` in `lib_cache`,
/// static and shared builds alike (each against its release: see [`exports::own_release`]).
/// A library is stale when its release is missing from the
/// text (or the text says it did not examine it), when the text records no exports for it, or
/// when its installed headers and exports give other entries than the text holds for its
/// release. With `stamps`, a library already found matching this very text (and build) is not
/// read again, and matches are recorded there.
pub fn check_text(
    text: &str,
    libs: &[&'static Lib],
    lib_cache: &Path,
    work: &Path,
    stamps: Option<&Path>,
) -> Result<Checked> {
    let data = CensusData::parse(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Checked::default();
    for lib in libs {
        let Some(prefix) = libs::load_cached(lib, &lib_cache.join(lib.cache_dir_name())) else {
            out.not_built.push(lib.key);
            continue;
        };
        out.checked += 1;
        let family = lib.family.as_str();
        let Some(version) = exports::lib_version(lib, &prefix) else {
            out.stale.push(stale(
                lib,
                format!(
                    "{}: the library cache's version {:?} is not a version",
                    lib.key, prefix.version
                ),
            ));
            continue;
        };
        // a library already checked against this very text need not be read again
        let key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(text, &mut h);
            std::hash::Hash::hash(&serde_json::to_string(&prefix)?, &mut h);
            std::hash::Hash::hash(&EXTRACT_REVISION, &mut h);
            format!("{:016x}", std::hash::Hasher::finish(&h))
        };
        let stamp = stamps.map(|d| d.join(format!("{}.stamp", lib.key)));
        if stamp
            .as_ref()
            .is_some_and(|s| std::fs::read_to_string(s).is_ok_and(|s| s.trim() == key))
        {
            out.unchanged += 1;
            continue;
        }
        // distribution packages and shared builds are releases of their own (named by key)
        let note = exports::own_release(lib).then_some(lib.key);
        let Some(index) = data.releases.iter().position(|r| {
            r.family == family && r.version == version.to_string() && r.lib.as_deref() == note
        }) else {
            let why = data
                .not_examined
                .iter()
                .find(|n| n.lib == lib.key)
                .map_or(String::new(), |n| {
                    format!(" (it says: not examined: {})", n.reason)
                });
            out.stale.push(stale(
                lib,
                format!(
                    "{}: {family} {version} is built but not in the data file{why}",
                    lib.key
                ),
            ));
            continue;
        };
        if !data.releases[index].exports {
            out.stale.push(stale(
                lib,
                format!(
                    "{}: {family} {version} is built but the data file records no exports for it",
                    lib.key
                ),
            ));
            continue;
        }
        let ex = headers::extract(
            &prefix.include_dir,
            &prefix.pre_includes,
            &work.join(lib.key),
        )
        .with_context(|| format!("{}: reading its headers", lib.key))?;
        let seen = identify(lib.family, &ex.values)?;
        let mut got = ex.names;
        apply_exports(&mut got, &exports::exported(&prefix)?);
        let lines = diff(&data.column(index), &got, 10);
        if seen != version || !lines.is_empty() {
            let mut report = format!(
                "{} ({family} {seen}, {} build) differs from the data file:",
                lib.key, prefix.linkage
            );
            for l in lines {
                report.push_str("\n  ");
                report.push_str(&l);
            }
            out.stale.push((lib.key.to_string(), report));
        } else if let Some(stamp) = &stamp {
            std::fs::write(stamp, format!("{key}\n"))?;
        }
    }
    Ok(out)
}

/// `cargo xtask census --check`: [`check_text`] on the data file at `path` against the
/// library cache; exit 1 when it is stale for any built library.
pub fn check(path: &Path, libs: &[&'static Lib]) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let lib_cache = libs::default_cache_dir()?;
    let work = cache_dir()?.join(format!("check-{}", std::process::id()));
    let stamps = cache_dir()?.join("checked");
    std::fs::create_dir_all(&stamps)?;
    let res = check_text(&text, libs, &lib_cache, &work, Some(&stamps));
    let _ = std::fs::remove_dir_all(&work);
    let res = res.with_context(|| format!("checking {}", path.display()))?;
    if !res.not_built.is_empty() {
        eprintln!(
            "census: not built, so not checked: {} (`cargo xtask libs` builds them)",
            res.not_built.join(", ")
        );
    }
    if !res.stale.is_empty() {
        for (_, report) in &res.stale {
            eprintln!("{report}");
        }
        eprintln!(
            "census: {} is stale for {} of {} built libraries; regenerate it with \
             `cargo xtask census`",
            path.display(),
            res.stale.len(),
            res.checked
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "census: {} matches the headers and exports of all {} built libraries ({} unchanged \
         since they were last checked)",
        path.display(),
        res.checked,
        res.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::census::format::Release;
    use sslprobe_build::Family;

    /// The real compiler on the system's OpenSSL headers (`libssl-dev`, installed by
    /// `cargo xtask test`): what the census extracts, and that a changed entry is caught.
    #[test]
    fn system_headers_extract_and_a_changed_entry_is_stale() {
        let work = std::env::temp_dir().join(format!("census-sys-{}", std::process::id()));
        let ex = headers::extract(Path::new("/usr/include"), &[], &work).expect("extract");
        let _ = std::fs::remove_dir_all(&work);
        let names = &ex.names;
        assert_eq!(
            names["SSL_CTX_new"].function,
            Some((false, "SSL_CTX *(const SSL_METHOD *)".to_string()))
        );
        assert_eq!(
            names["SSL_CTX_set_mode"].macro_def,
            Some(Some("(ctx,op)".into()))
        );
        assert_eq!(names["SSL_OP_NO_TICKET"].macro_def, Some(None));
        // stack helpers: static inline functions (1.1.x) or macros over inline checkers (3.x)
        assert!(
            names["sk_X509_num"].function.is_some() || names["sk_X509_num"].macro_def.is_some()
        );
        assert!(names
            .values()
            .any(|a| matches!(a.function, Some((true, _)))));
        assert!(!names.contains_key("OPENSSL_SSL_H") && !names.contains_key("HEADER_SSL_H"));
        assert!(names.len() > 5000, "{}", names.len());
        let version = identify(Family::OpenSsl, &ex.values).expect("identify");
        assert!(
            version >= sslprobe_build::Version::new(1, 1, 0),
            "{version}"
        );

        let release = Release {
            family: "openssl".into(),
            version: version.to_string(),
            exports: false,
            lib: None,
        };
        let data = CensusData::from_columns(vec![release], std::slice::from_ref(names));
        let back = CensusData::parse(&data.to_text()).unwrap();
        assert!(diff(&back.column(0), names, 10).is_empty());
        let mut changed = names.clone();
        changed.remove("SSL_CTX_new");
        changed.get_mut("SSL_CTX_set_mode").unwrap().macro_def = None;
        let lines = diff(&back.column(0), &changed, 10);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("SSL_CTX_new: "), "{lines:?}");
    }

    /// The libraries of the cache `cargo xtask test` builds, which this test checks.
    fn built(keys: &[&str]) -> (Vec<&'static Lib>, PathBuf) {
        let cache = libs::default_cache_dir().unwrap();
        let libs: Vec<&'static Lib> = keys.iter().map(|k| libs::find(k).unwrap()).collect();
        for l in &libs {
            assert!(
                libs::load_cached(l, &cache.join(l.cache_dir_name())).is_some(),
                "{} is not in the library cache {}: `cargo xtask test` builds it, or \
                 `cargo xtask libs --libs {}`",
                l.key,
                cache.display(),
                l.key
            );
        }
        (libs, cache)
    }

    /// The checked-in data file against two real libraries (OpenSSL 1.1.1w's static build and
    /// Debian's wolfSSL, read through its options header): a file made stale for one of them
    /// (a name dropped from its release, a function it exports said not to be) is caught for
    /// that one, with the names, and the other still matches.
    #[test]
    fn check_catches_a_stale_entry_and_passes_the_rest() {
        let (libs, cache) = built(&["openssl-1.1.1w", "wolfssl-debian"]);
        let text = std::fs::read_to_string(default_path()).unwrap();
        let mut data = CensusData::parse(&text).unwrap();
        let i = data
            .releases
            .iter()
            .position(|r| r.family == "openssl" && r.version == "1.1.1w" && r.lib.is_none())
            .unwrap();
        let i = u16::try_from(i).unwrap();
        for r in data.records.iter_mut() {
            match r.name.as_str() {
                "SSL_CTX_new" => r.forms.push(super::super::format::Form {
                    kind: FormKind::NotExported,
                    releases: vec![i],
                    detail: String::new(),
                }),
                "SSL_CTX_set_num_tickets" => {
                    for f in r.forms.iter_mut() {
                        f.releases.retain(|&x| x != i);
                    }
                    r.forms.retain(|f| !f.releases.is_empty());
                }
                _ => {}
            }
        }
        let work = std::env::temp_dir().join(format!("census-check-{}", std::process::id()));
        let res = check_text(&data.to_text(), &libs, &cache, &work, None);
        let _ = std::fs::remove_dir_all(&work);
        let res = res.unwrap();
        assert_eq!(res.checked, 2);
        assert_eq!(res.stale.len(), 1, "{:?}", res.stale);
        let (key, report) = &res.stale[0];
        assert_eq!(key, "openssl-1.1.1w");
        assert!(report.contains("\n  SSL_CTX_new: "), "{report}");
        assert!(report.contains("\n  SSL_CTX_set_num_tickets: "), "{report}");
    }

    /// A built library whose release the file lacks, or whose exports it does not record, is
    /// stale without reading its headers.
    #[test]
    fn check_wants_every_built_library_with_its_exports() {
        let (libs, cache) = built(&["openssl-1.1.1w", "wolfssl-debian"]);
        let text = std::fs::read_to_string(default_path()).unwrap();
        let mut data = CensusData::parse(&text).unwrap();
        for r in data.releases.iter_mut() {
            if r.family == "openssl" && r.version == "1.1.1w" && r.lib.is_none() {
                r.exports = false;
            }
            if r.lib.as_deref() == Some("wolfssl-debian") {
                r.version = "5.0.0".into();
            }
        }
        data.not_examined.push(super::super::format::NotExamined {
            family: "wolfssl".into(),
            lib: "wolfssl-debian".into(),
            reason: "not installed".into(),
        });
        let work = std::env::temp_dir().join(format!("census-check2-{}", std::process::id()));
        let res = check_text(&data.to_text(), &libs, &cache, &work, None).unwrap();
        let reports: Vec<&str> = res.stale.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(
            reports,
            [
                "openssl-1.1.1w: openssl 1.1.1w is built but the data file records no exports \
                 for it",
                "wolfssl-debian: wolfssl 5.5.4 is built but not in the data file (it says: not \
                 examined: not installed)"
            ]
        );
    }

    #[test]
    fn summary_counts_forms() {
        let t = format!(
            "{}\n@\topenssl\t1.1.1w\tx\n@\tlibressl\t3.9.2\t-\nA\tf 0-1 int (void)\nB\to 1\n\
             C\tf 0 int (void)\tm 1 (x)\tn 0\n",
            crate::census::format::HEADER
        );
        let s = summary(&CensusData::parse(&t).unwrap());
        assert_eq!(
            (s.names, s.functions, s.macros, s.with_exports),
            (3, 2, 2, 1)
        );
        assert_eq!(s.per_family, "openssl 1, libressl 1");
    }
}
