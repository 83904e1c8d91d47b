//! One release's entries: its headers read by [`headers`], the release identified from its own
//! version macros, cached per release; and the helpers the generator and the staleness check
//! share (exports applied, the cache directory).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sslprobe_build::{Family, Version};

use super::format::{self, CensusData, NameAt};
use super::{headers, sources};
use crate::libs;

/// Bump when extraction changes (invalidates the cached per-release entries).
pub const EXTRACT_REVISION: u32 = 4;

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
        Family::WolfSsl => Version::parse(
            &get("LIBWOLFSSL_VERSION_STRING").context("no LIBWOLFSSL_VERSION_STRING")?,
        )?,
        other => bail!("{other} is not examined"),
    })
}

/// A matrix library the census cannot read here (one `cargo xtask libs` has not built or
/// installed): recorded in the data file as not examined, with this reason.
#[derive(Debug)]
pub struct NotInCache(pub String);

impl std::fmt::Display for NotInCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotInCache {}

/// The built (or installed) matrix library `key`, or why there is none.
pub fn built_lib(key: &str, lib_cache: &Path) -> Result<(&'static libs::Lib, libs::Prefix)> {
    let lib = libs::find(key).with_context(|| format!("{key} is not in the library table"))?;
    let prefix =
        libs::load_cached(lib, &lib_cache.join(lib.cache_dir_name())).ok_or_else(|| {
            let (what, how) = if lib.is_apt() {
                ("installed", "installs")
            } else {
                ("built", "builds")
            };
            NotInCache(format!(
                "{} was not {what} when the census was generated (`cargo xtask libs --libs {key}` \
             {how} it)",
                lib.source_label()
            ))
        })?;
    Ok((lib, prefix))
}

/// A matrix library's own release: its installed headers and its exports (not cached: a
/// distribution package may change under the cache).
fn library_column(
    r: &sources::Release,
    key: &str,
    cache: &Path,
    lib_cache: &Path,
) -> Result<(format::Release, BTreeMap<String, NameAt>)> {
    let (lib, prefix) = built_lib(key, lib_cache)?;
    let ex = headers::extract(
        &prefix.include_dir,
        &prefix.pre_includes,
        &sources::release_dir(cache, r),
    )?;
    let version = identify(lib.family, &ex.values)
        .with_context(|| format!("{key}: identifying the headers"))?;
    if super::exports::lib_version(lib, &prefix).as_ref() != Some(&version) {
        bail!(
            "{key}: the headers say version {version}, the library cache {}",
            prefix.version
        );
    }
    let mut col = ex.names;
    apply_exports(&mut col, &super::exports::exported(&prefix)?);
    let rel = format::Release {
        family: lib.family.as_str().to_string(),
        version: version.to_string(),
        exports: true,
        lib: Some(key.to_string()),
    };
    Ok((rel, col))
}

/// One release's entries: from the cache when current, else extracted; without exports, but
/// for a matrix library that is a release of its own, read with its exports.
pub fn header_column(
    r: &sources::Release,
    cache: &Path,
    lib_cache: &Path,
) -> Result<(format::Release, BTreeMap<String, NameAt>)> {
    if let sources::Origin::Library(key) = r.origin {
        return library_column(r, key, cache, lib_cache);
    }
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
    let ex = headers::extract(&include, &[], &dir)?;
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
        lib: None,
    };
    let one = CensusData::from_columns(vec![rel.clone()], std::slice::from_ref(&ex.names));
    std::fs::write(&cached, one.to_text())?;
    std::fs::write(&stamp, format!("{EXTRACT_REVISION}\n"))?;
    Ok((rel, ex.names))
}

/// Marks every declared function `exports` holds as exported, and every alias whose
/// function it holds.
pub fn apply_exports(col: &mut BTreeMap<String, NameAt>, exports: &BTreeSet<String>) {
    for (name, at) in col.iter_mut() {
        at.exported = (at.function.as_ref().is_some_and(|(inline, _)| !inline)
            && exports.contains(name))
            || at.alias.as_ref().is_some_and(|(t, _)| exports.contains(t));
    }
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
        let v = identify(
            Family::WolfSsl,
            &vals(&[
                ("LIBWOLFSSL_VERSION_STRING", "\"5.5.4\""),
                ("OPENSSL_VERSION_NUMBER", "0x10100003L"),
            ]),
        );
        assert_eq!(v.unwrap().to_string(), "5.5.4");
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
            "SSL_old".to_string(),
            NameAt {
                macro_def: Some(None),
                alias: Some(("SSL_new".into(), "SSL *(SSL_CTX *)".into())),
                ..NameAt::default()
            },
        );
        col.insert(
            "SSL_gone".to_string(),
            NameAt {
                macro_def: Some(None),
                alias: Some(("SSL_missing".into(), "int (void)".into())),
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
        assert!(col["SSL_old"].exported, "an alias of an exported function");
        assert!(!col["SSL_gone"].exported);
        assert!(!col["sk_X509_num"].exported);
        assert!(!col["SSL_set_mtu"].exported);
    }
}
