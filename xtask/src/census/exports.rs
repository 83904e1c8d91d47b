//! Which functions a release's built libraries export: `nm` of the matrix libraries already
//! built in the library cache (the census never builds a library itself).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use sslprobe_build::{Family, Version};

use crate::libs::{defined_symbols, load_cached, Lib, Linkage, Prefix, LIBS};

/// The version a matrix library claims, in the census's terms (`API 44` → `44`); `None` for
/// apt packages, whose version the table does not fix.
pub fn lib_version(lib: &Lib) -> Option<Version> {
    if lib.is_apt() {
        return None;
    }
    Version::parse(lib.version.trim_start_matches("API ")).ok()
}

/// The built matrix libraries (complete builds in `cache`) of `family` `version`, static ones
/// first.
pub fn built(cache: &Path, family: Family, version: &Version) -> Vec<(&'static Lib, Prefix)> {
    let mut out: Vec<(&'static Lib, Prefix)> = LIBS
        .iter()
        .filter(|l| l.family == family && lib_version(l).as_ref() == Some(version))
        .filter_map(|l| Some((l, load_cached(l, &cache.join(l.cache_dir_name()))?)))
        .collect();
    out.sort_by_key(|(l, _)| l.linkage != Linkage::Static);
    out
}

/// Symbols defined by a built library's TLS and crypto libraries.
pub fn exported(prefix: &Prefix) -> Result<BTreeSet<String>> {
    let mut all = defined_symbols(&prefix.ssl_lib, prefix.linkage)?;
    if prefix.crypto_lib != prefix.ssl_lib {
        all.extend(defined_symbols(&prefix.crypto_lib, prefix.linkage)?);
    }
    Ok(all)
}
