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
        other => bail!("{other} is not examined"),
    })
}

/// One release's entries, without exports: from the cache when current, else extracted.
pub fn header_column(
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
pub fn apply_exports(col: &mut BTreeMap<String, NameAt>, exports: &BTreeSet<String>) {
    for (name, at) in col.iter_mut() {
        at.exported =
            at.function.as_ref().is_some_and(|(inline, _)| !inline) && exports.contains(name);
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
