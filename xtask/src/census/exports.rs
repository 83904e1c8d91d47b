//! Which functions a release's built libraries export: `nm` of the matrix libraries already
//! built (or installed) in the library cache (the census never builds a library itself).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use sslprobe_build::{Family, Version};

use crate::libs::{defined_symbols, load_cached, Lib, Linkage, Prefix, LIBS};

/// The version a built matrix library is, in the census's terms: the table's version for
/// source builds, the installed package's (as `cargo xtask libs` identified it) for
/// distribution packages; `API 44` → `44`.
pub fn lib_version(lib: &Lib, prefix: &Prefix) -> Option<Version> {
    let v = if lib.is_apt() {
        prefix.version.as_str()
    } else {
        lib.version
    };
    Version::parse(v.trim_start_matches("API ")).ok()
}

/// Whether a matrix library is a census release of its own rather than the exports of an
/// upstream release: a distribution package (its version does not say what it is: Android's
/// BoringSSL, wolfSSL's compatibility layer) or a shared build (configured otherwise than the
/// static build, e.g. OpenSSL 1.1.1's engine macros, and exporting less than a static library
/// defines: LibreSSL's `ERR_load_CT_strings`).
pub fn own_release(lib: &Lib) -> bool {
    lib.is_apt() || lib.linkage == Linkage::Shared
}

/// The built static matrix libraries (complete builds in `cache`) of `family` `version`: the
/// exports of the upstream release.
pub fn built(cache: &Path, family: Family, version: &Version) -> Vec<(&'static Lib, Prefix)> {
    LIBS.iter()
        .filter(|l| l.family == family && !own_release(l))
        .filter_map(|l| Some((l, load_cached(l, &cache.join(l.cache_dir_name()))?)))
        .filter(|(l, p)| lib_version(l, p).as_ref() == Some(version))
        .collect()
}

/// Symbols defined by a built library's TLS and crypto libraries.
pub fn exported(prefix: &Prefix) -> Result<BTreeSet<String>> {
    let mut all = defined_symbols(&prefix.ssl_lib, prefix.linkage)?;
    if prefix.crypto_lib != prefix.ssl_lib {
        all.extend(defined_symbols(&prefix.crypto_lib, prefix.linkage)?);
    }
    Ok(all)
}
