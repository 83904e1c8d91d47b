//! The `DEP_SSLPROBE_*` metadata contract, and the one-call helper for downstream build scripts.
//!
//! The `sslprobe` crate declares `links = "sslprobe"`, so the build script of every crate that
//! depends on it directly sees these variables:
//!
//! | variable | value |
//! |---|---|
//! | `DEP_SSLPROBE_FAMILY` | `openssl`, `libressl`, `boringssl` or `awslc` |
//! | `DEP_SSLPROBE_VERSION` | e.g. `3.0.19`, `1.1.0i`; BoringSSL: its API version |
//! | `DEP_SSLPROBE_HAVE` | comma-separated API names found |
//! | `DEP_SSLPROBE_NO_EFFECT` | found, but a no-op on this library (LibreSSL's num_tickets) |
//! | `DEP_SSLPROBE_VARIANTS` | `API=variant` pairs, comma-separated, for multi-variant APIs |
//! | `DEP_SSLPROBE_APIS` | every API of the catalog (for `rustc-check-cfg`) |
//! | `DEP_SSLPROBE_CHECK_CFG` | every check-cfg argument, `;`-separated |
//! | `DEP_SSLPROBE_INCLUDE` | include directories (platform path-list syntax) |
//! | `DEP_SSLPROBE_LIB_DIR` | library directories (platform path-list syntax) |
//! | `DEP_SSLPROBE_LIBS` | libraries to link, in order, comma-separated (`ssl,crypto`) |
//! | `DEP_SSLPROBE_SYSTEM_LIBS` | further libraries a C link needs (`dl,pthread` when static) |
//! | `DEP_SSLPROBE_STATIC` | `1` when the libraries are linked statically, else `0` |
//!
//! A downstream build script turns them into the very cfgs sslprobe uses itself:
//!
//! ```no_run
//! // In the build.rs `main` of a crate that depends on sslprobe:
//! let meta = sslprobe_build::downstream::emit_cfgs().expect("sslprobe metadata");
//! // #[cfg(have_ssl_ctx_set_num_tickets)] now works in this crate, checked by check-cfg.
//! println!("building against {} {}", meta.family, meta.version);
//! ```

use crate::error::{Error, Result};
use crate::version::{Family, Version};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// The metadata sslprobe's build script exports.
///
/// ```
/// use sslprobe_build::{downstream::Metadata, Family};
/// let meta = Metadata::parse(|key| {
///     let v = match key {
///         "FAMILY" => "openssl",
///         "VERSION" => "3.0.13",
///         "HAVE" => "SSL_CTX_set_num_tickets,SSL_CTX_get_num_tickets",
///         "VARIANTS" => "SSL_CTX_get_num_tickets=const_ctx",
///         "APIS" => "SSL_CTX_set_num_tickets,SSL_CTX_get_num_tickets,SSL_get0_group_name",
///         "LIBS" => "ssl,crypto",
///         "STATIC" => "0",
///         _ => "",
///     };
///     Some(v.to_string())
/// })?;
/// assert_eq!((meta.family, meta.version.to_string()), (Family::OpenSsl, "3.0.13".to_string()));
/// assert_eq!(meta.have.len(), 2);
/// assert_eq!(meta.variants["SSL_CTX_get_num_tickets"], "const_ctx");
/// assert!(meta.include.is_empty() && !meta.link_static);
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metadata {
    /// The library family.
    pub family: Family,
    /// The library version.
    pub version: Version,
    /// APIs found.
    pub have: Vec<String>,
    /// APIs found but without effect here.
    pub no_effect: Vec<String>,
    /// Winning variant per multi-variant API found.
    pub variants: BTreeMap<String, String>,
    /// Every API of the catalog.
    pub apis: Vec<String>,
    /// Every check-cfg argument.
    pub check_cfg: Vec<String>,
    /// Include directories.
    pub include: Vec<PathBuf>,
    /// Library directories.
    pub lib_dir: Vec<PathBuf>,
    /// Libraries to link, in order.
    pub libs: Vec<String>,
    /// Further libraries a C link needs after [`Metadata::libs`].
    pub system_libs: Vec<String>,
    /// Whether [`Metadata::libs`] are linked statically.
    pub link_static: bool,
}

/// The metadata keys, in the order they are written.
///
/// ```
/// // Every variable a dependent's build script may read, with its prefix:
/// let vars: Vec<String> = sslprobe_build::downstream::KEYS.iter().map(|k| format!("DEP_SSLPROBE_{k}")).collect();
/// assert!(vars.contains(&"DEP_SSLPROBE_HAVE".to_string()));
/// ```
pub const KEYS: &[&str] = &[
    "FAMILY",
    "VERSION",
    "HAVE",
    "NO_EFFECT",
    "VARIANTS",
    "APIS",
    "CHECK_CFG",
    "INCLUDE",
    "LIB_DIR",
    "LIBS",
    "SYSTEM_LIBS",
    "STATIC",
];

fn join_paths(p: &[PathBuf]) -> Result<String> {
    if p.is_empty() {
        return Ok(String::new());
    }
    let joined = std::env::join_paths(p)
        .map_err(|e| Error::invalid("path list", format!("{p:?}"), e.to_string()))?;
    joined.into_string().map_err(|s| {
        Error::invalid(
            "path list",
            s.to_string_lossy(),
            "cargo metadata must be UTF-8; this path is not",
        )
    })
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

fn check_names(key: &str, names: &[String]) -> Result<()> {
    for n in names {
        if !crate::catalog::is_c_identifier(n) {
            return Err(Error::invalid(
                format!("DEP_SSLPROBE_{key}"),
                n,
                "not a valid C identifier",
            ));
        }
    }
    Ok(())
}

impl Metadata {
    /// `(KEY, value)` pairs, as printed by sslprobe's build script (`cargo:KEY=value`).
    pub(crate) fn to_pairs(&self) -> Result<Vec<(&'static str, String)>> {
        let variants: Vec<String> = self
            .variants
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Ok(vec![
            ("FAMILY", self.family.as_str().to_string()),
            ("VERSION", self.version.to_string()),
            ("HAVE", self.have.join(",")),
            ("NO_EFFECT", self.no_effect.join(",")),
            ("VARIANTS", variants.join(",")),
            ("APIS", self.apis.join(",")),
            ("CHECK_CFG", self.check_cfg.join(";")),
            ("INCLUDE", join_paths(&self.include)?),
            ("LIB_DIR", join_paths(&self.lib_dir)?),
            ("LIBS", self.libs.join(",")),
            ("SYSTEM_LIBS", self.system_libs.join(",")),
            (
                "STATIC",
                if self.link_static { "1" } else { "0" }.to_string(),
            ),
        ])
    }

    /// Parses the metadata from a lookup of `KEY` (without the `DEP_SSLPROBE_` prefix).
    /// Every value is validated; nothing is silently dropped.
    ///
    /// ```
    /// use sslprobe_build::downstream::Metadata;
    /// use std::collections::HashMap;
    /// let vars = HashMap::from([("FAMILY", "libressl"), ("VERSION", "3.9.2"), ("STATIC", "maybe")]);
    /// let get = |k: &str| Some(vars.get(k).copied().unwrap_or("").to_string());
    /// // Every value is validated: STATIC must be 0 or 1.
    /// let err = Metadata::parse(get).unwrap_err();
    /// assert!(err.to_string().contains("maybe"), "{err}");
    /// ```
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Metadata> {
        let need = |k: &str| {
            get(k).ok_or_else(|| Error::NotFound {
                what: format!("DEP_SSLPROBE_{k}"),
                searched: vec![],
                hint: "the crate must depend on `sslprobe` directly (links = \"sslprobe\") for its build script to see DEP_SSLPROBE_*".into(),
            })
        };
        let family: Family = need("FAMILY")?.parse()?;
        let version = Version::parse(&need("VERSION")?)?;
        let have = list(&need("HAVE")?);
        let no_effect = list(&get("NO_EFFECT").unwrap_or_default());
        let apis = list(&need("APIS")?);
        check_names("HAVE", &have)?;
        check_names("NO_EFFECT", &no_effect)?;
        check_names("APIS", &apis)?;
        for h in have.iter().chain(&no_effect) {
            if !apis.contains(h) {
                return Err(Error::invalid(
                    "DEP_SSLPROBE_HAVE",
                    h,
                    "is not listed in DEP_SSLPROBE_APIS",
                ));
            }
        }
        let mut variants = BTreeMap::new();
        for pair in list(&get("VARIANTS").unwrap_or_default()) {
            let (k, v) = pair
                .split_once('=')
                .filter(|(k, v)| {
                    crate::catalog::is_c_identifier(k) && crate::catalog::is_c_identifier(v)
                })
                .ok_or_else(|| {
                    Error::invalid("DEP_SSLPROBE_VARIANTS", &pair, "expected API=variant")
                })?;
            variants.insert(k.to_string(), v.to_string());
        }
        let check_cfg: Vec<String> = get("CHECK_CFG")
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        for c in &check_cfg {
            let ok = c.starts_with("cfg(") && c.ends_with(')') && !c.contains('\n');
            if !ok {
                return Err(Error::invalid(
                    "DEP_SSLPROBE_CHECK_CFG",
                    c,
                    "expected cfg(...) entries",
                ));
            }
        }
        let paths = |k: &str| -> Vec<PathBuf> {
            let v = get(k).unwrap_or_default();
            if v.is_empty() {
                vec![]
            } else {
                std::env::split_paths(&OsString::from(v)).collect()
            }
        };
        let lib_names = |k: &str, default: &[&str]| -> Result<Vec<String>> {
            let v = match get(k) {
                Some(v) => list(&v),
                None => default.iter().map(|s| s.to_string()).collect(),
            };
            for n in &v {
                let ok = !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c));
                if !ok {
                    return Err(Error::invalid(
                        format!("DEP_SSLPROBE_{k}"),
                        n,
                        "not a library name ([A-Za-z0-9_.+-])",
                    ));
                }
            }
            Ok(v)
        };
        let link_static = match get("STATIC").as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => {
                return Err(Error::invalid(
                    "DEP_SSLPROBE_STATIC",
                    other,
                    "expected 1 or 0",
                ))
            }
        };
        Ok(Metadata {
            family,
            version,
            have,
            no_effect,
            variants,
            apis,
            check_cfg,
            include: paths("INCLUDE"),
            lib_dir: paths("LIB_DIR"),
            libs: lib_names("LIBS", &["ssl", "crypto"])?,
            system_libs: lib_names("SYSTEM_LIBS", &[])?,
            link_static,
        })
    }

    /// Reads `DEP_SSLPROBE_*` from the environment (Cargo re-runs a dependent's build script
    /// when its dependency's metadata changes).
    ///
    /// ```
    /// use sslprobe_build::downstream::Metadata;
    /// // In the build script of a crate that depends on sslprobe directly; elsewhere the variables
    /// // are missing, and that is an error naming them.
    /// match Metadata::from_env() {
    ///     Ok(meta) => println!("cargo:warning=sslprobe found {} {}", meta.family, meta.version),
    ///     Err(e) => assert!(e.to_string().contains("DEP_SSLPROBE_"), "{e}"),
    /// }
    /// ```
    pub fn from_env() -> Result<Metadata> {
        Self::from(&crate::env::ProcessEnv::new())
    }

    /// Reads `DEP_SSLPROBE_*` through an environment reader; a value that is not UTF-8 is an
    /// error, not "unset".
    pub(crate) fn from(env: &dyn crate::env::Env) -> Result<Metadata> {
        let bad = std::cell::RefCell::new(None);
        let m = Self::parse(|k| {
            let name = format!("DEP_SSLPROBE_{k}");
            match env.var_os(&name)?.into_string() {
                Ok(v) => Some(v),
                Err(v) => {
                    bad.borrow_mut().get_or_insert((name, v));
                    None
                }
            }
        });
        if let Some((name, v)) = bad.into_inner() {
            return Err(Error::invalid(name, v.to_string_lossy(), "not valid UTF-8"));
        }
        m
    }

    /// Whether sslprobe's metadata is visible to this build script (`DEP_SSLPROBE_FAMILY` set).
    pub(crate) fn present(env: &dyn crate::env::Env) -> bool {
        env.var_os("DEP_SSLPROBE_FAMILY").is_some()
    }

    /// The `cargo:` lines that enable the cfgs: check-cfg for every possible cfg, then
    /// `have_<api>` (and `have_<api>="variant"`) per API found, and `sslprobe_<family>`.
    ///
    /// ```
    /// use sslprobe_build::downstream::Metadata;
    /// let meta = Metadata::parse(|key| {
    ///     let v = match key {
    ///         "FAMILY" => "openssl",
    ///         "VERSION" => "3.0.13",
    ///         "HAVE" => "SSL_CTX_set_num_tickets,SSL_CTX_get_num_tickets",
    ///         "VARIANTS" => "SSL_CTX_get_num_tickets=const_ctx",
    ///         "APIS" => "SSL_CTX_set_num_tickets,SSL_CTX_get_num_tickets,SSL_get0_group_name",
    ///         "LIBS" => "ssl,crypto",
    ///         "STATIC" => "0",
    ///         _ => "",
    ///     };
    ///     Some(v.to_string())
    /// })?;
    /// let lines = meta.cfg_lines();
    /// assert!(lines.contains(&"cargo:rustc-cfg=sslprobe_openssl".to_string()));
    /// assert!(lines.contains(&"cargo:rustc-cfg=have_ssl_ctx_get_num_tickets=\"const_ctx\"".to_string()));
    /// assert!(lines.contains(&"cargo:rustc-check-cfg=cfg(have_ssl_get0_group_name)".to_string()));
    /// assert!(!lines.contains(&"cargo:rustc-cfg=have_ssl_get0_group_name".to_string()));
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn cfg_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut checks = self.check_cfg.clone();
        if checks.is_empty() {
            checks = Family::ALL
                .iter()
                .map(|f| format!("cfg({})", f.cfg()))
                .collect();
            checks.extend(
                self.apis
                    .iter()
                    .map(|a| format!("cfg({})", crate::catalog::cfg_name(a))),
            );
        }
        for c in checks {
            out.push(format!("cargo:rustc-check-cfg={c}"));
        }
        out.push(format!("cargo:rustc-cfg={}", self.family.cfg()));
        for h in &self.have {
            let cfg = crate::catalog::cfg_name(h);
            out.push(format!("cargo:rustc-cfg={cfg}"));
            if let Some(v) = self.variants.get(h) {
                out.push(format!("cargo:rustc-cfg={cfg}=\"{v}\""));
            }
        }
        out
    }
}

impl Metadata {
    /// Where the library sslprobe's build script located is: its directories and libraries.
    pub(crate) fn location(&self) -> crate::locate::Location {
        crate::locate::Location {
            include_dirs: self.include.clone(),
            lib_dirs: self.lib_dir.clone(),
            libs: self.libs.clone(),
            system_libs: self.system_libs.clone(),
            link_static: self.link_static,
            found_by: crate::locate::FoundBy::SslprobeMetadata,
            prefix: None,
        }
    }
}

/// The one-call helper: read `DEP_SSLPROBE_*`, print the cfgs and check-cfg lines, return the
/// metadata.
///
/// ```no_run
/// // The `main` of build.rs, in a crate with `sslprobe` as a dependency and `sslprobe-build` as a
/// // build-dependency:
/// let meta = sslprobe_build::downstream::emit_cfgs().expect("sslprobe's DEP_SSLPROBE_* metadata");
/// println!("cargo:rerun-if-changed=build.rs");
/// println!("cargo:warning=built against {} {}", meta.family.display_name(), meta.version);
/// ```
pub fn emit_cfgs() -> Result<Metadata> {
    let m = Metadata::from_env()?;
    for l in m.cfg_lines() {
        println!("{l}");
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Metadata {
        Metadata {
            family: Family::LibreSsl,
            version: Version::parse("3.5.0").unwrap(),
            have: vec![
                "SSL_CTX_set_num_tickets".into(),
                "SSL_CTX_set_options".into(),
            ],
            no_effect: vec!["SSL_CTX_set_num_tickets".into()],
            variants: [(
                "SSL_CTX_set_options".to_string(),
                "c_long_macro".to_string(),
            )]
            .into(),
            apis: vec![
                "SSL_CTX_set_num_tickets".into(),
                "SSL_CTX_set_options".into(),
                "SSL_set_num_tickets".into(),
            ],
            check_cfg: vec![
                "cfg(have_ssl_ctx_set_options, values(none(), \"u64\", \"c_long_macro\"))".into(),
            ],
            include: vec![PathBuf::from("/opt/libressl/include")],
            lib_dir: vec![
                PathBuf::from("/opt/libressl/lib"),
                PathBuf::from("/opt/x y/lib"),
            ],
            libs: vec!["ssl".into(), "crypto".into()],
            system_libs: vec!["dl".into(), "pthread".into()],
            link_static: true,
        }
    }

    fn roundtrip(m: &Metadata) -> Metadata {
        let pairs: BTreeMap<&str, String> = m.to_pairs().unwrap().into_iter().collect();
        Metadata::parse(|k| pairs.get(k).cloned()).unwrap()
    }

    #[test]
    fn round_trips() {
        let m = sample();
        assert_eq!(roundtrip(&m), m);
    }

    #[test]
    fn cfg_lines_enable_what_was_found() {
        let lines = sample().cfg_lines();
        assert!(lines.contains(&"cargo:rustc-cfg=have_ssl_ctx_set_num_tickets".to_string()));
        assert!(lines
            .contains(&"cargo:rustc-cfg=have_ssl_ctx_set_options=\"c_long_macro\"".to_string()));
        assert!(lines.contains(&"cargo:rustc-cfg=sslprobe_libressl".to_string()));
        assert!(!lines
            .iter()
            .any(|l| l.contains("rustc-cfg=have_ssl_set_num_tickets")));
    }

    #[test]
    fn rejects_bad_values() {
        let mut pairs: BTreeMap<&str, String> = sample().to_pairs().unwrap().into_iter().collect();
        pairs.insert("HAVE", "SSL_x;evil".into());
        assert!(Metadata::parse(|k| pairs.get(k).cloned()).is_err());
        pairs.insert("HAVE", "SSL_not_in_apis".into());
        assert!(Metadata::parse(|k| pairs.get(k).cloned())
            .unwrap_err()
            .to_string()
            .contains("DEP_SSLPROBE_APIS"));
        pairs.remove("FAMILY");
        assert!(Metadata::parse(|k| pairs.get(k).cloned())
            .unwrap_err()
            .to_string()
            .contains("depend on `sslprobe` directly"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(vals in proptest::collection::vec(".*", 9)) {
            let _ = Metadata::parse(|k| KEYS.iter().position(|x| *x == k).map(|i| vals[i].clone()));
        }

        #[test]
        fn round_trip_holds(have in proptest::collection::btree_set("[A-Z][A-Za-z0-9_]{0,20}", 0..6),
                            extra in proptest::collection::btree_set("[A-Z][A-Za-z0-9_]{0,20}", 0..6),
                            major in 0u64..10, minor in 0u64..10, patch in 0u64..30) {
            let have: Vec<String> = have.into_iter().collect();
            let mut apis = have.clone();
            apis.extend(extra);
            apis.sort();
            apis.dedup();
            let m = Metadata {
                family: Family::OpenSsl,
                version: Version::new(major, minor, patch),
                no_effect: have.iter().take(1).cloned().collect(),
                have,
                variants: BTreeMap::new(),
                apis,
                check_cfg: vec![],
                include: vec![],
                lib_dir: vec![PathBuf::from("/a b/c")],
                libs: vec!["ssl".into(), "crypto".into()],
                system_libs: vec![],
                link_static: major % 2 == 0,
            };
            prop_assert_eq!(roundtrip(&m), m);
        }
    }
}
