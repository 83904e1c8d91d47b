//! Writing the checked-in census data file, and checking it against the built matrix
//! libraries (`cargo xtask census --check`: their installed headers and `nm` exports must give
//! exactly the entries the file holds for their release).

use std::collections::BTreeMap;
use std::fmt::Write as _;
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

/// Checks the data file against every built library of `libs`; exit 1 when any differs: a
/// built release missing from the file, or whose headers (or, where the file records them,
/// exports) give other entries. A release whose exports the file does not record is only
/// noted (the file was generated before that library was built).
pub fn check(path: &Path, libs: &[&'static Lib]) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let data = CensusData::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let lib_cache = libs::default_cache_dir()?;
    let work = cache_dir()?.join("check");
    let stamps = cache_dir()?.join("checked");
    std::fs::create_dir_all(&stamps)?;
    let mut report = String::new();
    let (mut checked, mut stale, mut unchanged) = (0, 0, 0);
    let mut missing_exports: Vec<&str> = Vec::new();
    // one check per release: static builds first (the data file's exports come from them)
    let mut libs: Vec<&'static Lib> = libs.to_vec();
    libs.sort_by_key(|l| l.linkage != libs::Linkage::Static);
    let mut seen_releases = Vec::new();
    for lib in libs {
        let Some(version) = exports::lib_version(lib) else {
            continue;
        };
        let Some(prefix) = libs::load_cached(lib, &lib_cache.join(lib.cache_dir_name())) else {
            continue;
        };
        if seen_releases.contains(&(lib.family, version.clone())) {
            continue;
        }
        seen_releases.push((lib.family, version.clone()));
        checked += 1;
        // a library already checked against this very data file need not be read again
        let stamp = stamps.join(format!("{}.stamp", lib.key));
        let key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&text, &mut h);
            std::hash::Hash::hash(&serde_json::to_string(&prefix)?, &mut h);
            std::hash::Hash::hash(&EXTRACT_REVISION, &mut h);
            format!("{:016x}", std::hash::Hasher::finish(&h))
        };
        if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == key) {
            unchanged += 1;
            continue;
        }
        let family = lib.family.as_str();
        let Some(index) = data
            .releases
            .iter()
            .position(|r| r.family == family && r.version == version.to_string())
        else {
            stale += 1;
            let _ = writeln!(
                report,
                "{}: {family} {version} is not in the data file",
                lib.key
            );
            continue;
        };
        let ex = headers::extract(&prefix.include_dir, &work.join(lib.key))?;
        let seen = identify(lib.family, &ex.values)?;
        let mut got = ex.names;
        if data.releases[index].exports {
            let symbols = exports::exported(&prefix)?;
            apply_exports(&mut got, &symbols);
        } else {
            // less information, not wrong information: the headers are still checked
            missing_exports.push(lib.key);
        }
        let lines = diff(&data.column(index), &got, 10);
        if seen != version || !lines.is_empty() {
            stale += 1;
            let _ = writeln!(
                report,
                "{} ({family} {seen}) differs from the data file:",
                lib.key
            );
            for l in lines {
                let _ = writeln!(report, "  {l}");
            }
        } else {
            std::fs::write(&stamp, format!("{key}\n"))?;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if !missing_exports.is_empty() {
        eprintln!(
            "census: note: the data file records no exports for {} (built since it was \
             generated); `cargo xtask census` would add them",
            missing_exports.join(", ")
        );
    }
    if stale > 0 {
        eprint!("{report}");
        eprintln!(
            "census: {} is stale for {stale} of {checked} built libraries; regenerate it with \
             `cargo xtask census`",
            path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "census: {} matches the headers and exports of all {checked} built releases ({unchanged} \
         unchanged since they were last checked)",
        path.display()
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
        let ex = headers::extract(Path::new("/usr/include"), &work).expect("extract");
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

    #[test]
    fn summary_counts_forms() {
        let t = format!(
            "{}\n@\topenssl\t1.1.1w\tx\n@\tlibressl\t3.9.2\t-\nA\tf 0-1 int (void)\tx 0\nB\to 1\n\
             C\tf 0 int (void)\tm 1 (x)\n",
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
