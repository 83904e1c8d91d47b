//! Overrides: the `ac_cv_func_X` of sslprobe.
//!
//! Three kinds of environment variable, all read by the build script (and nowhere else):
//!
//! | variable | values | effect |
//! |---|---|---|
//! | `SSLPROBE_HAVE_<API>` | `0`, `1`, or a variant name | forces that API absent (`0`) or present (`1`, or the named prototype variant) without probing it |
//! | `SSLPROBE_NO_PROBE` | `0`, `1` | `1`: run no compiler at all; every result comes from the overrides plus the knowledge DB for `SSLPROBE_ASSUME` |
//! | `SSLPROBE_ASSUME` | `<family>-<version>` | the library to assume with `SSLPROBE_NO_PROBE=1`: `openssl-3.0.13`, `openssl-1.1.0i`, `libressl-3.5.0`, `boringssl-44` (BoringSSL: its `BORINGSSL_API_VERSION`), `awslc-1.2.0` |
//!
//! `<API>` is the catalog name upper-cased: `SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=1`.
//!
//! **Forced present** (`1`) takes the prototype variant the knowledge DB expects for the
//! library (identified by the preprocessor, or assumed), or the API's first variant when the DB
//! names none. A variant name forces that variant, e.g. `SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS=u32`
//! (the generated `extern` declaration then uses that prototype — getting it wrong is undefined
//! behaviour, exactly as with a hand-written declaration).
//!
//! **Validation.** Every environment variable whose name starts with `SSLPROBE_HAVE_` — in any
//! letter case, since a lower-case spelling would otherwise be silently ignored — must name a
//! catalog API exactly as above and carry one of the values above. Unknown names (with close
//! matches and the full list), bad values (with the valid ones), non-UTF-8 names or values, a
//! bad `SSLPROBE_ASSUME` and `SSLPROBE_NO_PROBE=1` without `SSLPROBE_ASSUME` are all build
//! errors; every problem found is reported at once. No name read from the environment ever
//! reaches generated C: names are only compared with catalog names.
//!

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::identify::Library;
use crate::version::{Family, Version};
use std::collections::BTreeMap;
use std::ffi::OsString;

/// Prefix of the per-API override variables.
pub const HAVE_PREFIX: &str = crate::catalog::OVERRIDE_PREFIX;
/// `SSLPROBE_NO_PROBE`: `1` skips every compiler run.
pub const NO_PROBE_VAR: &str = "SSLPROBE_NO_PROBE";
/// `SSLPROBE_ASSUME`: `<family>-<version>` for `SSLPROBE_NO_PROBE=1`.
pub const ASSUME_VAR: &str = "SSLPROBE_ASSUME";

/// Examples of valid `SSLPROBE_ASSUME` values, one per family.
pub const ASSUME_EXAMPLES: &str =
    "openssl-3.0.13, openssl-1.1.1w, libressl-3.5.0, boringssl-44, awslc-1.2.0";

/// The override variable for an API: `SSLPROBE_HAVE_` + the name upper-cased.
///
pub fn var_name(api: &str) -> String {
    crate::catalog::override_var_name(api)
}

/// Every variable a build script must print `cargo:rerun-if-env-changed` for: one
/// `SSLPROBE_HAVE_<API>` per catalog API, `SSLPROBE_NO_PROBE` and `SSLPROBE_ASSUME`.
pub fn env_var_names(catalog: &Catalog) -> Vec<String> {
    let mut v: Vec<String> = catalog.apis.iter().map(|a| var_name(&a.name)).collect();
    v.push(NO_PROBE_VAR.into());
    v.push(ASSUME_VAR.into());
    v
}

/// What an `SSLPROBE_HAVE_<API>` value forces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forced {
    /// `0`: absent.
    Absent,
    /// `1`: present, with the DB's expected variant for the library (or the first variant).
    Present,
    /// A variant name: present with exactly that variant.
    Variant(String),
}

/// One `SSLPROBE_HAVE_<API>` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The catalog API name.
    pub api: String,
    /// The variable name, e.g. `SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS`.
    pub var: String,
    /// The value as written.
    pub value: String,
    /// What it forces.
    pub forced: Forced,
}

/// `SSLPROBE_ASSUME`: the library assumed when nothing is probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assume {
    /// The family.
    pub family: Family,
    /// The family's version (BoringSSL: the API version).
    pub version: Version,
    /// The value as written.
    pub text: String,
}

impl Assume {
    /// Parses `<family>-<version>`: `openssl-3.0.13`, `openssl-1.1.0i`, `libressl-3.5.0`,
    /// `boringssl-44`, `awslc-1.2.0` (also `aws-lc-1.2.0`).
    ///
    /// OpenSSL, LibreSSL and AWS-LC need all three components (`3.0.13`, not `3.0`: the DB
    /// compares patch levels); only OpenSSL has letter releases; BoringSSL takes its
    /// `BORINGSSL_API_VERSION`, a single integer.
    ///
    pub fn parse(text: &str) -> Result<Assume> {
        let bad = |reason: String| {
            Error::invalid(
                ASSUME_VAR,
                text,
                format!("{reason}; expected <family>-<version> with family one of openssl, libressl, boringssl, awslc, e.g. {ASSUME_EXAMPLES}"),
            )
        };
        // The family is the part before the first '-' that leaves a known family name
        // (`aws-lc-1.2.0` splits after `aws-lc`).
        let split = text
            .match_indices('-')
            .map(|(i, _)| (&text[..i], &text[i + 1..]))
            .find(|(f, _)| f.parse::<Family>().is_ok() && !f.trim().is_empty() && f.trim() == *f);
        let Some((fam, ver)) = split else {
            let fam = text.split('-').next().unwrap_or("");
            return Err(if text.contains('-') {
                bad(format!("unknown family {fam:?}"))
            } else {
                bad("no '-' between family and version".into())
            });
        };
        let family: Family = fam.parse()?;
        if ver.is_empty() || ver.trim() != ver {
            return Err(bad(
                "the version is empty or has surrounding whitespace".into()
            ));
        }
        let version = Version::parse(ver).map_err(|e| bad(format!("bad version: {e}")))?;
        match family {
            Family::BoringSsl => {
                if !ver.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(
                        "BoringSSL has no releases: give its BORINGSSL_API_VERSION, a single integer (boringssl-44)".into(),
                    ));
                }
            }
            _ => {
                if ver.split('.').count() != 3 {
                    return Err(bad(format!(
                        "give all three components of the {} version (e.g. {fam}-{ver}.0)",
                        family.display_name()
                    )));
                }
                if family != Family::OpenSsl && ver.bytes().any(|b| b.is_ascii_alphabetic()) {
                    return Err(bad(format!(
                        "{} has no letter releases",
                        family.display_name()
                    )));
                }
            }
        }
        Ok(Assume {
            family,
            version,
            text: text.to_string(),
        })
    }

    /// The [`Library`] this stands for. Nothing comes from headers: no version text, no
    /// `OPENSSL_VERSION_NUMBER`, no define values; BoringSSL's API version is the version.
    pub fn library(&self) -> Library {
        Library {
            family: self.family,
            version: self.version.clone(),
            version_text: None,
            api_version: (self.family == Family::BoringSsl).then_some(self.version.major),
            openssl_version_number: None,
            defines: BTreeMap::new(),
        }
    }
}

/// Every override found in the environment, validated against the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `SSLPROBE_HAVE_<API>` overrides, in catalog order.
    pub apis: Vec<Override>,
    /// `SSLPROBE_NO_PROBE=1`.
    pub no_probe: bool,
    /// `SSLPROBE_NO_PROBE` as written (`Some("0")` is recorded but changes nothing).
    pub no_probe_text: Option<String>,
    /// `SSLPROBE_ASSUME`, parsed (validated even when `SSLPROBE_NO_PROBE` is not set).
    pub assume: Option<Assume>,
    /// `SSLPROBE_HAVE_<NAME>` variables naming no catalog API: a dependent's own
    /// [`crate::Probe`] may ask for that name, so they are warnings (with close matches, in
    /// case of a typo), not errors.
    pub unknown: Vec<String>,
}

fn utf8(name: &str, value: OsString, problems: &mut Vec<Error>) -> Option<String> {
    match value.into_string() {
        Ok(v) => Some(v),
        Err(v) => {
            problems.push(Error::invalid(name, v.to_string_lossy(), "not valid UTF-8"));
            None
        }
    }
}

fn combine(mut problems: Vec<Error>) -> Result<()> {
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        n => {
            let names: Vec<String> = problems
                .iter()
                .map(|p| match p {
                    Error::InvalidInput { what, value, .. }
                        if what == "environment variable name" =>
                    {
                        value.clone()
                    }
                    Error::InvalidInput { what, .. } => what.clone(),
                    other => other.to_string(),
                })
                .collect();
            Err(Error::InvalidInput {
                what: "sslprobe overrides".into(),
                value: names.join(", "),
                reason: format!(
                    "{n} problems:{}",
                    problems
                        .iter()
                        .map(|p| format!("\n  - {p}"))
                        .collect::<String>()
                ),
            })
        }
    }
}

impl Overrides {
    /// Whether nothing at all was set.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.apis.is_empty() && self.no_probe_text.is_none() && self.assume.is_none()
    }

    /// Reads the overrides from the process environment (scanning every variable for the
    /// `SSLPROBE_HAVE_` prefix).
    pub fn from_env(catalog: &Catalog, env: &dyn crate::env::Env) -> Result<Overrides> {
        Self::read(catalog, env, true)
    }

    /// The overrides for a build script's own request ([`crate::Probe`]), whose names no
    /// knowledge DB covers: the same reader and rules, except that `SSLPROBE_NO_PROBE=1` needs
    /// no `SSLPROBE_ASSUME` (the caller requires an override for every name instead).
    pub fn for_request(catalog: &Catalog, env: &dyn crate::env::Env) -> Result<Overrides> {
        Self::read(catalog, env, false)
    }

    fn read(catalog: &Catalog, env: &dyn crate::env::Env, need_assume: bool) -> Result<Overrides> {
        // Every name a valid override could have is read (so setting one later re-runs the
        // build), and every variable with the prefix is seen (so a misspelt one is an error).
        env.note_read(&env_var_names(catalog));
        Self::from_vars_with(catalog, env.vars_with_prefix("SSLPROBE_"), need_assume)
    }

    /// Reads and validates the overrides from `(name, value)` pairs (the whole environment:
    /// unrelated variables are ignored). Every problem is reported in one error.
    #[cfg(test)]
    pub fn from_vars(
        catalog: &Catalog,
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Overrides> {
        Self::from_vars_with(catalog, vars, true)
    }

    fn from_vars_with(
        catalog: &Catalog,
        vars: impl IntoIterator<Item = (OsString, OsString)>,
        need_assume: bool,
    ) -> Result<Overrides> {
        let mut problems = Vec::new();
        let mut by_api: BTreeMap<usize, Override> = BTreeMap::new();
        let mut out = Overrides::default();
        let mut vars: Vec<(OsString, OsString)> = vars.into_iter().collect();
        vars.sort();
        let valid_names = || env_var_names(catalog)[..catalog.apis.len()].join(", ");
        for (name, value) in vars {
            let lossy = name.to_string_lossy().into_owned();
            let upper = lossy.to_ascii_uppercase();
            let is_have = upper.starts_with(HAVE_PREFIX);
            let is_other = upper == NO_PROBE_VAR || upper == ASSUME_VAR;
            if !is_have && !is_other {
                continue;
            }
            let Ok(name) = name.into_string() else {
                problems.push(Error::invalid(
                    "environment variable name",
                    lossy,
                    "starts with SSLPROBE_ but is not valid UTF-8",
                ));
                continue;
            };
            let prefix_len = if is_have {
                HAVE_PREFIX.len()
            } else {
                name.len()
            };
            let known_upper = is_other || catalog.apis.iter().any(|a| var_name(&a.name) == upper);
            if name[..prefix_len] != upper[..prefix_len] || (known_upper && name != upper) {
                problems.push(Error::invalid(
                    "environment variable name",
                    &name,
                    format!("sslprobe's variables are upper case and names are case-sensitive: did you mean {upper}?"),
                ));
                continue;
            }
            let Some(value) = utf8(&name, value, &mut problems) else {
                continue;
            };
            if name == NO_PROBE_VAR {
                match value.as_str() {
                    "0" | "1" => {
                        out.no_probe = value == "1";
                        out.no_probe_text = Some(value);
                    }
                    _ => problems.push(Error::invalid(
                        NO_PROBE_VAR,
                        value,
                        "expected 1 (run no compiler; take every result from SSLPROBE_HAVE_* and the knowledge DB for SSLPROBE_ASSUME) or 0 (probe normally)",
                    )),
                }
                continue;
            }
            if name == ASSUME_VAR {
                match Assume::parse(&value) {
                    Ok(a) => out.assume = Some(a),
                    Err(e) => problems.push(e),
                }
                continue;
            }
            let suffix = &name[HAVE_PREFIX.len()..];
            let Some(ai) = catalog
                .apis
                .iter()
                .position(|a| a.name.to_ascii_uppercase() == suffix)
            else {
                let close: Vec<String> = catalog
                    .close_matches(suffix)
                    .into_iter()
                    .map(var_name)
                    .collect();
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    format!("did you mean {}? ", close.join(" or "))
                };
                if !crate::catalog::is_c_identifier(suffix) {
                    problems.push(Error::invalid(
                        &name,
                        value,
                        format!(
                            "{suffix:?} is not an API name (not a C identifier); {hint}the catalog's names: {}",
                            valid_names()
                        ),
                    ));
                    continue;
                }
                out.unknown.push(format!(
                    "{name}={value}: {suffix:?} is not an API of the sslprobe catalog, so sslprobe's own build \
                     ignores it (a crate's own sslprobe_build::Probe may use it); {hint}the catalog's names: {}",
                    valid_names()
                ));
                continue;
            };
            let api = &catalog.apis[ai];
            let forced = match value.as_str() {
                "0" => Forced::Absent,
                "1" => Forced::Present,
                v if api.variant(v).is_some() => Forced::Variant(v.to_string()),
                _ => {
                    let variants: Vec<&str> =
                        api.variants.iter().map(|v| v.name.as_str()).collect();
                    problems.push(Error::invalid(
                        &name,
                        value,
                        format!(
                            "expected 0 (force absent), 1 (force present with the knowledge DB's variant) or a variant name of {}: {}",
                            api.name,
                            variants.join(", ")
                        ),
                    ));
                    continue;
                }
            };
            by_api.insert(
                ai,
                Override {
                    api: api.name.clone(),
                    var: name,
                    value,
                    forced,
                },
            );
        }
        if need_assume
            && out.no_probe
            && out.assume.is_none()
            && !problems
                .iter()
                .any(|p| matches!(p, Error::InvalidInput { what, .. } if what == ASSUME_VAR))
        {
            problems.push(Error::invalid(
                NO_PROBE_VAR,
                "1",
                format!(
                    "SSLPROBE_NO_PROBE=1 needs SSLPROBE_ASSUME=<family>-<version> to know which library's knowledge DB to use: families openssl, libressl, boringssl, awslc, e.g. {ASSUME_EXAMPLES}"
                ),
            ));
        }
        combine(problems)?;
        out.apis = by_api.into_values().collect();
        Ok(out)
    }

    /// The override for an API, if any.
    pub fn get(&self, api: &str) -> Option<&Override> {
        self.apis.iter().find(|o| o.api == api)
    }

    /// `NAME=value` for every variable set, for the log and [`crate::Results::overrides`]:
    /// `SSLPROBE_NO_PROBE`, `SSLPROBE_ASSUME`, then the API overrides in catalog order.
    pub fn records(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(t) = &self.no_probe_text {
            v.push(format!("{NO_PROBE_VAR}={t}"));
        }
        if let Some(a) = &self.assume {
            v.push(format!("{ASSUME_VAR}={}", a.text));
        }
        v.extend(self.apis.iter().map(|o| format!("{}={}", o.var, o.value)));
        v
    }

    /// The catalog without the overridden APIs: what still needs probing. The overridden ones
    /// are decided by [`Overrides::apis`] alone; `Results::assemble` puts both together.
    pub fn to_probe(&self, catalog: &Catalog) -> Catalog {
        Catalog {
            apis: catalog
                .apis
                .iter()
                .filter(|a| self.get(&a.name).is_none())
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, catalog};

    #[test]
    fn every_api_gives_one_variable_that_round_trips() {
        // The real catalog is covered by tests/real_catalog.rs (outside the package).
        let c = catalog();
        let names = env_var_names(&c);
        assert_eq!(names.len(), c.apis.len() + 2);
        for (api, var) in c.apis.iter().zip(&names) {
            assert_eq!(var, &format!("SSLPROBE_HAVE_{}", api.name.to_uppercase()));
            // Every one round-trips through the parser.
            let ov =
                Overrides::from_vars(&c, [(OsString::from(var), OsString::from("0"))]).unwrap();
            assert_eq!(ov.get(&api.name).unwrap().forced, Forced::Absent);
        }
    }

    fn parse(vars: &[(&str, &str)]) -> Result<Overrides> {
        fixtures::overrides(vars)
    }

    fn err(vars: &[(&str, &str)]) -> String {
        parse(vars).unwrap_err().to_string()
    }

    #[test]
    fn names_come_from_the_catalog() {
        let c = catalog();
        let names = env_var_names(&c);
        assert_eq!(names.len(), c.apis.len() + 2);
        assert!(names.contains(&"SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS".to_string()));
        assert!(names.contains(&"SSLPROBE_HAVE_SSL_OP_NO_TICKET".to_string()));
        assert!(names.ends_with(&[NO_PROBE_VAR.to_string(), ASSUME_VAR.to_string()]));
    }

    #[test]
    fn unrelated_variables_are_ignored() {
        let ov = parse(&[
            ("PATH", "/bin"),
            ("SSLPROBE_MATRIX_CACHE", "/x"),
            ("CFLAGS", "-O2"),
        ])
        .unwrap();
        assert!(ov.is_empty());
        assert!(ov.records().is_empty());
    }

    #[test]
    fn values() {
        let ov = parse(&[
            ("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", "u32"),
            ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "1"),
            ("SSLPROBE_HAVE_SSL_SET_NUM_TICKETS", "0"),
        ])
        .unwrap();
        assert_eq!(
            ov.get("SSL_CTX_set_num_tickets").unwrap().forced,
            Forced::Present
        );
        assert_eq!(
            ov.get("SSL_set_num_tickets").unwrap().forced,
            Forced::Absent
        );
        assert_eq!(
            ov.get("SSL_CTX_set_options").unwrap().forced,
            Forced::Variant("u32".into())
        );
        assert!(!ov.no_probe);
        // Catalog order, whatever the environment order.
        assert_eq!(
            ov.records(),
            [
                "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=1",
                "SSLPROBE_HAVE_SSL_SET_NUM_TICKETS=0",
                "SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS=u32"
            ]
        );
        let left = ov.to_probe(&catalog());
        assert_eq!(left.apis.len(), catalog().apis.len() - 3);
        assert!(left.get("SSL_CTX_set_num_tickets").is_none());
    }

    #[test]
    fn unknown_api_is_a_warning_with_close_matches_and_all_names() {
        let vars = |k: &str| vec![(OsString::from(k), OsString::from("1"))];
        let ov = Overrides::from_vars(&catalog(), vars("SSLPROBE_HAVE_FOO")).unwrap();
        assert!(ov.apis.is_empty());
        let w = ov.unknown.join("\n");
        assert!(
            w.contains("SSLPROBE_HAVE_FOO") && w.contains("is not an API of the sslprobe catalog"),
            "{w}"
        );
        for api in &catalog().apis {
            assert!(
                w.contains(&var_name(&api.name)),
                "{w} should list {}",
                api.name
            );
        }
        let ov =
            Overrides::from_vars(&catalog(), vars("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKET")).unwrap();
        assert!(
            ov.unknown[0].contains("did you mean SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS"),
            "{:?}",
            ov.unknown
        );
    }

    #[test]
    fn bad_values_list_the_valid_ones() {
        let e = err(&[("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "maybe")]);
        assert!(
            e.contains("\"maybe\"") && e.contains("expected 0") && e.contains(": fn"),
            "{e}"
        );
        let e = err(&[("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", "u128")]);
        assert!(e.contains("u64, c_ulong, u32, c_long_macro"), "{e}");
        for v in ["", " 1", "1 ", "true", "yes", "U32", "01"] {
            let e = err(&[("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", v)]);
            assert!(e.contains("expected 0"), "{v:?}: {e}");
        }
        let e = err(&[("SSLPROBE_NO_PROBE", "yes")]);
        assert!(
            e.contains("SSLPROBE_NO_PROBE") && e.contains("expected 1"),
            "{e}"
        );
    }

    #[test]
    fn wrong_case_is_not_silently_ignored() {
        let e = err(&[("sslprobe_have_ssl_ctx_set_num_tickets", "1")]);
        assert!(
            e.contains("did you mean SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS?"),
            "{e}"
        );
        let e = err(&[("SSLPROBE_HAVE_SSL_CTX_set_num_tickets", "1")]);
        assert!(e.contains("case-sensitive"), "{e}");
        let e = err(&[("Sslprobe_No_Probe", "1")]);
        assert!(e.contains("did you mean SSLPROBE_NO_PROBE?"), "{e}");
    }

    #[test]
    fn weird_names_never_pass() {
        // Names that would be harmful if they reached C: they are compared with the catalog
        // and rejected, never echoed into a source file.
        for name in [
            "SSLPROBE_HAVE_",
            "SSLPROBE_HAVE_SSL_CTX_NEW(); system(\"rm\")",
            "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS\n#include </etc/passwd>",
            "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS ",
            "SSLPROBE_HAVE_../../X",
            "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=1",
        ] {
            let e = err(&[(name, "1")]);
            assert!(e.contains("not an API name"), "{name:?}: {e}");
        }
        // A variant value must be one of the API's variants, not just any identifier.
        let e = err(&[("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", "u32;\n#error")]);
        assert!(e.contains("expected 0"), "{e}");
    }

    #[test]
    #[cfg(unix)]
    fn non_utf8_is_an_error() {
        use std::os::unix::ffi::OsStringExt;
        let c = catalog();
        let bad_value = vec![(
            OsString::from("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS"),
            OsString::from_vec(vec![b'1', 0xff]),
        )];
        let e = Overrides::from_vars(&c, bad_value).unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8"), "{e}");
        let bad_name = vec![(
            OsString::from_vec(b"SSLPROBE_HAVE_\xff".to_vec()),
            OsString::from("1"),
        )];
        let e = Overrides::from_vars(&c, bad_name).unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8"), "{e}");
        // Non-UTF-8 names without the prefix are none of our business.
        let other = vec![(OsString::from_vec(b"X\xff".to_vec()), OsString::from("1"))];
        assert!(Overrides::from_vars(&c, other).unwrap().is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = err(&[
            ("SSLPROBE_HAVE_FOO;", "1"),
            ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "maybe"),
            ("SSLPROBE_ASSUME", "nope"),
        ]);
        assert!(e.contains("3 problems"), "{e}");
        assert!(
            e.contains("SSLPROBE_HAVE_FOO;") && e.contains("maybe") && e.contains("nope"),
            "{e}"
        );
    }

    #[test]
    fn assume_strings() {
        for (s, fam, v) in [
            ("openssl-3.0.13", Family::OpenSsl, "3.0.13"),
            ("openssl-1.1.0i", Family::OpenSsl, "1.1.0i"),
            ("libressl-3.5.0", Family::LibreSsl, "3.5.0"),
            ("boringssl-44", Family::BoringSsl, "44"),
            ("awslc-1.2.0", Family::AwsLc, "1.2.0"),
            ("aws-lc-1.2.0", Family::AwsLc, "1.2.0"),
            ("OpenSSL-3.0.0", Family::OpenSsl, "3.0.0"),
        ] {
            let a = Assume::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(
                (a.family, a.version.to_string()),
                (fam, v.to_string()),
                "{s}"
            );
        }
        assert_eq!(
            Assume::parse("boringssl-44").unwrap().library().api_version,
            Some(44)
        );
        for bad in [
            "",
            "openssl",
            "openssl-",
            "-3.0.0",
            "openssl-3.0",
            "openssl-3",
            "openssl 3.0.0",
            "openssl-3.0.0 ",
            " openssl-3.0.0",
            "openssl-v3.0.0",
            "libressl-3.5.0a",
            "boringssl-1.2",
            "boringssl-x",
            "wolfssl-5.0.0",
            "openssl_3.0.0",
            "openssl-3.0.0-beta1",
        ] {
            let e = Assume::parse(bad).expect_err(bad).to_string();
            assert!(
                e.contains("SSLPROBE_ASSUME") && e.contains("openssl-3.0.13"),
                "{bad:?}: {e}"
            );
        }
        assert!(Assume::parse("wolfssl-5.0.0")
            .unwrap_err()
            .to_string()
            .contains("unknown family \"wolfssl\""));
    }

    #[test]
    fn no_probe_needs_assume() {
        let e = err(&[("SSLPROBE_NO_PROBE", "1")]);
        assert!(
            e.contains("needs SSLPROBE_ASSUME") && e.contains("boringssl-44"),
            "{e}"
        );
        // A bad ASSUME is reported once, not twice.
        let e = err(&[("SSLPROBE_NO_PROBE", "1"), ("SSLPROBE_ASSUME", "x")]);
        assert!(
            !e.contains("problems") && e.contains("SSLPROBE_ASSUME"),
            "{e}"
        );
        let ov = parse(&[("SSLPROBE_NO_PROBE", "0")]).unwrap();
        assert!(!ov.no_probe && !ov.is_empty());
        assert_eq!(ov.records(), ["SSLPROBE_NO_PROBE=0"]);
    }

    /// The module documentation's example: overrides read, recorded, misspellings refused.
    #[test]
    fn module_example() {
        let catalog = catalog();
        let env = [
            ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "0"),
            ("SSLPROBE_NO_PROBE", "1"),
            ("SSLPROBE_ASSUME", "openssl-3.0.13"),
        ];
        let ov =
            Overrides::from_vars(&catalog, env.iter().map(|(k, v)| (k.into(), v.into()))).unwrap();
        assert!(ov.no_probe);
        assert_eq!(
            ov.records(),
            [
                "SSLPROBE_NO_PROBE=1",
                "SSLPROBE_ASSUME=openssl-3.0.13",
                "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=0"
            ]
        );

        // A name the catalog lacks is a warning (a crate's own Probe may ask for it), with the
        // close matches in case of a typo.
        let typo = [("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKET", "1")];
        let ov =
            Overrides::from_vars(&catalog, typo.iter().map(|(k, v)| (k.into(), v.into()))).unwrap();
        assert!(ov.unknown[0].contains("did you mean SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS"));
    }

    #[test]
    fn assume_parse_example() {
        let a = Assume::parse("boringssl-44").unwrap();
        assert_eq!(a.library().describe(), "BoringSSL (API version 44)");
        assert!(Assume::parse("openssl-3.0").is_err());
        assert!(Assume::parse("wolfssl-5.0.0").is_err());
    }

    #[test]
    fn var_name_example() {
        assert_eq!(
            crate::overrides::var_name("SSL_CTX_set_num_tickets"),
            "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS"
        );
    }

    #[test]
    fn a_request_reads_the_same_rules_but_needs_no_assume() {
        use crate::env::MapEnv;
        let c = catalog();
        let env = MapEnv::new()
            .set(NO_PROBE_VAR, "1")
            .set("SSLPROBE_HAVE_SSL_OP_NO_TICKET", "1");
        let ov = Overrides::for_request(&c, &env).unwrap();
        assert!(ov.no_probe);
        assert_eq!(
            ov.get("SSL_OP_NO_TICKET").map(|o| &o.forced),
            Some(&Forced::Present)
        );
        let e = Overrides::from_env(&c, &env).unwrap_err().to_string();
        assert!(e.contains(ASSUME_VAR), "{e}");
        // Otherwise the same rules: a lower-case name or a bad value is an error for both.
        for bad in [
            MapEnv::new().set("sslprobe_have_SSL_OP_NO_TICKET", "1"),
            MapEnv::new().set("SSLPROBE_HAVE_SSL_OP_NO_TICKET", "yes"),
            MapEnv::new().set(ASSUME_VAR, "openssl"),
        ] {
            assert!(Overrides::for_request(&c, &bad).is_err(), "{bad:?}");
            assert!(Overrides::from_env(&c, &bad).is_err(), "{bad:?}");
        }
    }
}
