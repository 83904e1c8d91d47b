//! Writing the checked-in census data file, and checking it against the built matrix
//! libraries (`cargo xtask census --check`: their installed headers and `nm` exports must give
//! exactly the entries the file holds for their release).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::format::{CensusData, FormKind, NameAt};
use super::{exports, headers, identify};
use crate::libs::{self, Lib};

/// `cli/data/census.txt` in the workspace.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/data/census.txt")
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

/// Checks the data file against every built library of `libs`; exit 1 when any differs.
pub fn check(path: &Path, libs: &[&'static Lib]) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let data = CensusData::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let lib_cache = libs::default_cache_dir()?;
    let work = super::cache_dir()?.join("check");
    let mut report = String::new();
    let (mut checked, mut stale) = (0, 0);
    for lib in libs {
        let Some(version) = exports::lib_version(lib) else {
            continue;
        };
        let Some(prefix) = libs::load_cached(lib, &lib_cache.join(lib.cache_dir_name())) else {
            continue;
        };
        checked += 1;
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
            super::apply_exports(&mut got, &symbols);
        } else {
            stale += 1;
            let _ = writeln!(
                report,
                "{}: the data file has no exports for {family} {version}, but the library is built",
                lib.key
            );
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
        }
    }
    let _ = std::fs::remove_dir_all(&work);
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
        "census: {} matches all {checked} built libraries' headers and exports",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
