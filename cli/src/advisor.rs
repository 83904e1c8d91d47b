//! The backpatch advisor: which supported library versions need a guard for each API.
//!
//! A maintainer backpatching a fix to an older branch asks: "this branch still supports
//! OpenSSL 1.0.2 and LibreSSL 3.4 — does this call need a configure check there, and does it
//! even do anything?" The answer comes from the catalog's knowledge DB ([`DbEntry`](sslprobe_build::DbEntry)) and a
//! *support spec* listing, per library family, the versions the branch supports.
//!
//! ## Support specs
//!
//! A comma- or semicolon-separated list of items `FAMILY [REQUIREMENT]`:
//!
//! ```text
//! openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2
//! ```
//!
//! * `FAMILY` is `openssl`, `libressl`, `boringssl` or `awslc` (also `aws-lc`), any case.
//! * `REQUIREMENT` is a [`VersionReq`] (`>=1.1.0h, <3`, `^1.1`, `=3.0.13`, ...); none means
//!   every version. BoringSSL versions are `BORINGSSL_API_VERSION` numbers (`boringssl>=18`);
//!   a dotted version (`boringssl>=1.2.3`) is refused.
//! * Commas separate both items and the comparators of one requirement: a token that starts
//!   with a letter starts a new item (and must be a family name), any other token continues
//!   the previous item's requirement. A `;` always ends an item.
//! * A family that is not listed is not supported and is ignored. A family listed twice is
//!   supported on the union of its requirements.
//!
//! ## Verdicts
//!
//! For every API, [`advise`] intersects the supported ranges with the DB's
//! "before `since`" range (missing) and, for stubs and no-ops (`effective = false`), with the
//! "from `since`" range (present but without effect). Ranges are computed exactly, as
//! intervals over the [`Version`] order (OpenSSL letter releases included), never by
//! enumerating known releases, so a requirement naming a future or nonexistent version works
//! too. The result is an [`ApiAdvice`] whose [`Verdict`] is
//!
//! * [`Verdict::Guard`] when some supported version lacks the API (the call needs a
//!   `#[cfg(have_...)]` / configure check),
//! * else [`Verdict::NoEffect`] when it exists everywhere but does nothing somewhere,
//! * else [`Verdict::Always`].
//!
//! An item without a lower bound (`libressl`) means every version the DB knows: from the
//! earliest `since` any API records for the family ([`Coverage`]), so releases that never
//! existed (LibreSSL 1.x) are not reported as lacking everything.
//!
//! The DB is knowledge, not proof: on a real build the probe decides (see `sslprobe_build::probe`).
//!
//! ```
//! use sslprobe_cli::advisor::{advise_api, Coverage, SupportSpec, Verdict};
//! use sslprobe_build::Catalog;
//!
//! let catalog = Catalog::from_sources(
//!     r#"
//! [[api]]
//! name = "SSL_CTX_set_num_tickets"
//! doc = "d"
//! variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
//! [api.db]
//! openssl = { since = "1.1.1" }
//! libressl = { since = "3.5.0", effective = false }
//! boringssl = { since = "18" }
//! awslc = { since = "1.2.0" }
//! "#,
//!     &[("ssl_ctx_set_num_tickets.c", "SSLPROBE_VARIANT(fn)\n{}\n")],
//! )
//! .unwrap();
//! let api = catalog.get("SSL_CTX_set_num_tickets").unwrap();
//! let coverage = Coverage::of(&catalog);
//!
//! let spec = SupportSpec::parse("openssl>=1.0.2, libressl>=3.4,<4").unwrap();
//! let advice = advise_api(api, &spec, &coverage);
//! assert_eq!(advice.verdict, Verdict::Guard);
//! let missing: Vec<String> = advice.missing_in.iter().map(|r| r.to_string()).collect();
//! assert_eq!(missing, ["openssl >=1.0.2, <1.1.1", "libressl >=3.4.0, <3.5.0"]);
//! assert_eq!(advice.no_effect_in[0].to_string(), "libressl >=3.5.0, <4.0.0");
//!
//! let spec = SupportSpec::parse("openssl>=1.1.1").unwrap();
//! assert_eq!(advise_api(api, &spec, &coverage).verdict, Verdict::Always);
//! ```

use std::fmt;

use serde::{Serialize, Serializer};

use sslprobe_build::catalog::{Api, Catalog};
use sslprobe_build::version::{Family, Version, VersionRange, VersionReq, VersionSet};
use sslprobe_build::{Error, Result};

// ---------------------------------------------------------------------------------------------
// Version ranges
// ---------------------------------------------------------------------------------------------

/// A range of one family's versions, written `family range`: `openssl >=1.0.2, <1.1.1`,
/// `libressl <3.5.0`, `boringssl >=17, <18`, `awslc *`. Serialized as that string, which is
/// itself a valid support-spec item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyRange {
    /// The library family.
    pub family: Family,
    /// The versions.
    pub range: VersionRange,
}

impl fmt::Display for FamilyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.family, self.range.text(self.family))
    }
}

impl Serialize for FamilyRange {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// ---------------------------------------------------------------------------------------------
// Support specs
// ---------------------------------------------------------------------------------------------

/// One item of a support spec: a family and the requirement its versions must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportItem {
    /// The family.
    pub family: Family,
    /// The requirement (`*` when the item names only the family).
    pub req: VersionReq,
    /// The exact range `req` matches.
    pub range: VersionRange,
    /// The item as written (trimmed), e.g. `libressl>=3.4,<4`.
    pub text: String,
}

/// Which versions of which families a branch supports (see the [module docs](self)).
///
/// ```
/// use sslprobe_cli::advisor::SupportSpec;
/// use sslprobe_build::Family;
///
/// let spec = SupportSpec::parse("openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2").unwrap();
/// assert_eq!(spec.items().len(), 4);
/// assert_eq!(spec.items()[1].req.to_string(), ">=3.4, <4");
/// assert!(spec.supports(Family::BoringSsl));
/// let canon: Vec<String> = spec.supported().iter().map(|r| r.to_string()).collect();
/// assert_eq!(
///     canon,
///     ["openssl >=1.0.2", "libressl >=3.4.0, <4.0.0", "boringssl *", "awslc >=1.2.0"]
/// );
///
/// let err = SupportSpec::parse("openssl>=1.1, wolfssl>=5").unwrap_err().to_string();
/// assert!(err.contains("\"wolfssl>=5\""), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportSpec {
    text: String,
    items: Vec<SupportItem>,
}

/// Whether every comparator of `req` names a whole number (`>=17`, `<20`), as BoringSSL's
/// `BORINGSSL_API_VERSION` is; `>=1.2.3` or `=17.0` are not BoringSSL versions.
fn boringssl_api_numbers(req: &VersionReq) -> bool {
    req.as_semver()
        .comparators
        .iter()
        .all(|c| c.minor.is_none())
}

/// What a support spec looks like, for error messages.
const SPEC_FORM: &str = "expected a comma/semicolon list of FAMILY[REQUIREMENT] items, \
     e.g. \"openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2\", with FAMILY one of \
     openssl, libressl, boringssl, awslc (aws-lc)";

impl SupportSpec {
    /// Parses a support spec.
    ///
    /// Errors ([`Error::InvalidInput`], quoting the whole spec and the offending text): an
    /// empty spec or empty item, an item that starts with something other than a family name,
    /// an unknown family, a malformed requirement.
    pub fn parse(spec: &str) -> Result<SupportSpec> {
        let bad = |reason: String| Error::invalid("support spec", spec, reason);
        if spec.trim().is_empty() {
            return Err(bad(format!("the spec is empty; {SPEC_FORM}")));
        }
        // (family, requirement tokens, item text as written)
        let mut raw: Vec<(Family, Vec<String>, String)> = Vec::new();
        for group in spec.split(';') {
            let mut first_in_group = true;
            for token in group.split(',') {
                let t = token.trim();
                if t.is_empty() {
                    return Err(bad(format!(
                        "empty item (two separators in a row, or one at an end); {SPEC_FORM}"
                    )));
                }
                let word_len = t
                    .find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_'))
                    .unwrap_or(t.len());
                if word_len > 0 {
                    let word = &t[..word_len];
                    let family: Family = word.parse().map_err(|_| {
                        bad(format!(
                            "unknown library family {word:?} in {t:?}; {SPEC_FORM}"
                        ))
                    })?;
                    let rest = t[word_len..].trim();
                    let reqs = if rest.is_empty() {
                        Vec::new()
                    } else {
                        vec![rest.to_string()]
                    };
                    raw.push((family, reqs, t.to_string()));
                } else if first_in_group {
                    let after = if raw.is_empty() {
                        "at the start"
                    } else {
                        "after ';'"
                    };
                    return Err(bad(format!(
                        "{t:?} {after} does not start with a library family name; {SPEC_FORM}"
                    )));
                } else if let Some((_, reqs, text)) = raw.last_mut() {
                    reqs.push(t.to_string());
                    text.push(',');
                    text.push_str(t);
                }
                first_in_group = false;
            }
        }
        let mut items = Vec::with_capacity(raw.len());
        for (family, reqs, text) in raw {
            let req_text = reqs.join(", ");
            let req = VersionReq::parse(&req_text).map_err(|e| {
                bad(format!(
                    "bad {family} requirement in {text:?}: {}",
                    reason_of(&e)
                ))
            })?;
            if family == Family::BoringSsl && !boringssl_api_numbers(&req) {
                return Err(bad(format!(
                    "bad boringssl requirement in {text:?}: BoringSSL versions are single \
                     BORINGSSL_API_VERSION numbers (e.g. boringssl>=17), not dotted versions"
                )));
            }
            let range = VersionRange::from_req(&req).map_err(|e| {
                bad(format!(
                    "bad {family} requirement in {text:?}: {}",
                    reason_of(&e)
                ))
            })?;
            items.push(SupportItem {
                family,
                req,
                range,
                text,
            });
        }
        Ok(SupportSpec {
            text: spec.trim().to_string(),
            items,
        })
    }

    /// The spec as written (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The items in the order written.
    pub fn items(&self) -> &[SupportItem] {
        &self.items
    }

    /// Whether any item names `family`.
    pub fn supports(&self, family: Family) -> bool {
        self.items.iter().any(|i| i.family == family)
    }

    /// The supported versions of `family` (empty when the spec does not name it).
    pub fn versions(&self, family: Family) -> VersionSet {
        let mut set = VersionSet::new();
        for i in self.items.iter().filter(|i| i.family == family) {
            set.insert(i.range.clone());
        }
        set
    }

    /// The supported ranges, family by family ([`Family::ALL`] order), merged.
    pub fn supported(&self) -> Vec<FamilyRange> {
        let mut out = Vec::new();
        for family in Family::ALL {
            for range in self.versions(family).ranges() {
                out.push(FamilyRange {
                    family,
                    range: range.clone(),
                });
            }
        }
        out
    }

    /// Items whose requirement matches no version at all (`openssl>=3, <1`): they support
    /// nothing, which is legal but usually a typo.
    pub fn empty_items(&self) -> Vec<&SupportItem> {
        self.items.iter().filter(|i| i.range.is_empty()).collect()
    }
}

impl fmt::Display for SupportSpec {
    /// The spec as written (trimmed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for SupportSpec {
    type Err = Error;

    /// Same as [`SupportSpec::parse`].
    fn from_str(s: &str) -> Result<SupportSpec> {
        SupportSpec::parse(s)
    }
}

/// The reason part of an [`Error::InvalidInput`] (which already quotes its value), or the
/// whole message for other errors.
fn reason_of(e: &Error) -> String {
    match e {
        Error::InvalidInput { value, reason, .. } => format!("{value:?}: {reason}"),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------------

/// How far back the knowledge DB reaches, per family: the earliest `since` any API of the
/// catalog records (derived from the catalog, never kept by hand).
///
/// It gives "every version" a meaning: an item without a lower bound (`libressl`,
/// `openssl<3`) means every version the DB knows, i.e. from the floor on — LibreSSL starts at
/// 2.0.0 and BoringSSL API versions at 1, so reading `libressl` as `>=0` would report every API
/// as missing in releases that never existed. An item with an explicit lower bound
/// (`openssl>=0.9.7`) is judged exactly as written. A family whose entries are all `never` has
/// no floor.
///
/// ```
/// use sslprobe_cli::advisor::{Coverage, SupportSpec};
/// use sslprobe_build::{Catalog, Family};
///
/// let catalog = Catalog::from_sources(
///     r#"
/// [[api]]
/// name = "SSL_OP_NO_TICKET"
/// doc = "d"
/// variants = [ { name = "define", kind = "define" } ]
/// [api.db]
/// openssl = { since = "0.9.8" }
/// libressl = { since = "2.0.0" }
/// boringssl = { since = "1" }
/// awslc = { since = "never" }
/// "#,
///     &[("ssl_op_no_ticket.c", "SSLPROBE_VARIANT(define)\n{}\n")],
/// )
/// .unwrap();
/// let cov = Coverage::of(&catalog);
/// assert_eq!(cov.floor(Family::LibreSsl).unwrap().to_string(), "2.0.0");
/// assert_eq!(cov.floor(Family::AwsLc), None);
/// let spec = SupportSpec::parse("openssl>=0.9.7; libressl<3; awslc").unwrap();
/// let judged: Vec<String> = cov.judged(&spec).iter().map(|r| r.to_string()).collect();
/// assert_eq!(judged, ["openssl >=0.9.7", "libressl >=2.0.0, <3.0.0", "awslc *"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    floors: Vec<(Family, Version)>,
}

impl Coverage {
    /// The coverage of a catalog's DB.
    pub fn of(catalog: &Catalog) -> Coverage {
        let mut floors = Vec::new();
        for family in Family::ALL {
            let floor = catalog
                .apis
                .iter()
                .filter_map(|a| a.db_get(family)?.since.as_ref())
                .min();
            if let Some(f) = floor {
                floors.push((family, f.clone()));
            }
        }
        Coverage { floors }
    }

    /// The earliest version of `family` the DB records (`None`: no API exists in any version).
    pub fn floor(&self, family: Family) -> Option<&Version> {
        self.floors
            .iter()
            .find(|(f, _)| *f == family)
            .map(|(_, v)| v)
    }

    /// The versions of `family` the advisor judges for `spec`: each item's range, starting at
    /// the floor when the item has no lower bound.
    pub fn versions(&self, spec: &SupportSpec, family: Family) -> VersionSet {
        let mut set = VersionSet::new();
        for item in spec.items().iter().filter(|i| i.family == family) {
            let unbounded_below = *item.range.start() == Version::new(0, 0, 0);
            match (self.floor(family), unbounded_below) {
                (Some(floor), true) => {
                    set.insert(item.range.intersect(&VersionRange::from_version(floor)))
                }
                _ => set.insert(item.range.clone()),
            }
        }
        set
    }

    /// The judged ranges of every family ([`Family::ALL`] order): what [`advise_api`] looks at.
    pub fn judged(&self, spec: &SupportSpec) -> Vec<FamilyRange> {
        let mut out = Vec::new();
        for family in Family::ALL {
            for range in self.versions(spec, family).ranges() {
                out.push(FamilyRange {
                    family,
                    range: range.clone(),
                });
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/// What a backpatched call to an API needs on a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Verdict {
    /// Present and effective in every supported version: call it unguarded.
    #[serde(rename = "always")]
    Always,
    /// Absent in some supported versions: guard the call (`#[cfg(have_...)]`) and fall back.
    #[serde(rename = "guard")]
    Guard,
    /// Present everywhere supported, but a no-op (stub) somewhere: no guard needed, but do not
    /// rely on its effect there.
    #[serde(rename = "no-effect")]
    NoEffect,
}

impl Verdict {
    /// `always`, `guard` or `no-effect` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Always => "always",
            Verdict::Guard => "guard",
            Verdict::NoEffect => "no-effect",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The advice for one API under one support spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiAdvice {
    /// The API's C name.
    pub name: String,
    /// The cfg that guards it (`have_` + lower-case name).
    pub cfg: String,
    /// [`Verdict::Guard`] if `missing_in` is non-empty, else [`Verdict::NoEffect`] if
    /// `no_effect_in` is, else [`Verdict::Always`].
    pub verdict: Verdict,
    /// Supported versions that lack the API, per the DB.
    pub missing_in: Vec<FamilyRange>,
    /// Supported versions where the API exists but has no effect, per the DB.
    pub no_effect_in: Vec<FamilyRange>,
    /// What a guarded call should fall back to (the catalog's `fallback`); `None` unless the verdict is
    /// [`Verdict::Guard`] and a fallback is recorded.
    pub fallback: Option<String>,
    /// DB notes (`family: note`) of the families named in `missing_in` / `no_effect_in`.
    pub notes: Vec<String>,
}

/// The advice for one API: intersects the supported versions of each family (as
/// [`Coverage::versions`] reads them) with the DB's "before `since`" range (missing) and, when the
/// family's entry is not effective, with its "from `since`" range (no effect).
pub fn advise_api(api: &Api, spec: &SupportSpec, coverage: &Coverage) -> ApiAdvice {
    let mut missing_in = Vec::new();
    let mut no_effect_in = Vec::new();
    let mut notes = Vec::new();
    for family in Family::ALL {
        let supported = coverage.versions(spec, family);
        if supported.is_empty() {
            continue;
        }
        let Some(entry) = api.db_get(family) else {
            continue;
        };
        let (absent, present) = match &entry.since {
            Some(since) => (
                VersionRange::before(since),
                VersionRange::from_version(since),
            ),
            None => (VersionRange::all(), VersionRange::empty()),
        };
        let mut named = false;
        for range in supported.intersect(&absent).ranges() {
            missing_in.push(FamilyRange {
                family,
                range: range.clone(),
            });
            named = true;
        }
        if !entry.effective {
            for range in supported.intersect(&present).ranges() {
                no_effect_in.push(FamilyRange {
                    family,
                    range: range.clone(),
                });
                named = true;
            }
        }
        if let (true, Some(note)) = (named, &entry.note) {
            notes.push(format!("{family}: {note}"));
        }
    }
    let verdict = if !missing_in.is_empty() {
        Verdict::Guard
    } else if !no_effect_in.is_empty() {
        Verdict::NoEffect
    } else {
        Verdict::Always
    };
    let fallback = match verdict {
        Verdict::Guard => api.fallback.clone(),
        _ => None,
    };
    ApiAdvice {
        name: api.name.clone(),
        cfg: api.cfg(),
        verdict,
        missing_in,
        no_effect_in,
        fallback,
        notes,
    }
}

/// The advice for every API of the catalog, in catalog order, judged over the catalog's
/// [`Coverage`].
pub fn advise(catalog: &Catalog, spec: &SupportSpec) -> Vec<ApiAdvice> {
    let coverage = Coverage::of(catalog);
    catalog
        .apis
        .iter()
        .map(|a| advise_api(a, spec, &coverage))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small catalog exercising every boundary the advisor must get right.
    const TOML: &str = r#"
[[api]]
name = "SSL_CTX_set_num_tickets"
doc = "tickets"
fallback = "keep SSL_OP_NO_TICKET (stops TLS 1.2 tickets)"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "3.5.0", effective = false, note = "stub" }
boringssl = { since = "18", note = "capped at 16" }
awslc = { since = "1.2.0" }

[[api]]
name = "SSL_CTX_get_min_proto_version"
doc = "letter"
variants = [ { name = "mac", kind = "macro" } ]
[api.db]
openssl = { since = "1.1.0h" }
libressl = { since = "2.7.0" }
boringssl = { since = "1" }
awslc = { since = "1.0.0" }

[[api]]
name = "SSL_OP_NO_TICKET"
doc = "always"
variants = [ { name = "define", kind = "define" } ]
[api.db]
openssl = { since = "0.9.8" }
libressl = { since = "2.0.0" }
boringssl = { since = "1" }
awslc = { since = "1.0.0" }

[[api]]
name = "SSL_CTX_set_session_ticket_cb"
doc = "never elsewhere"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "never" }
boringssl = { since = "never" }
awslc = { since = "never" }

[[api]]
name = "SSL_CTX_set_security_level"
doc = "no-op in awslc"
fallback = "skip the call"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
[api.db]
openssl = { since = "1.1.0" }
libressl = { since = "3.6.0" }
boringssl = { since = "never" }
awslc = { since = "1.15.0", effective = false, note = "no-op" }
"#;

    fn catalog() -> Catalog {
        let names = [
            "ssl_ctx_set_num_tickets.c",
            "ssl_ctx_get_min_proto_version.c",
            "ssl_op_no_ticket.c",
            "ssl_ctx_set_session_ticket_cb.c",
            "ssl_ctx_set_security_level.c",
        ];
        let files: Vec<(&str, &str)> = names
            .iter()
            .map(|n| {
                let body = if n.starts_with("ssl_op") {
                    "SSLPROBE_VARIANT(define)\n{}\n"
                } else if n.contains("min_proto") {
                    "SSLPROBE_VARIANT(mac)\n{}\n"
                } else {
                    "SSLPROBE_VARIANT(fn)\n{}\n"
                };
                (*n, body)
            })
            .collect();
        Catalog::from_sources(TOML, &files).unwrap()
    }

    fn advice(api: &str, spec: &str) -> ApiAdvice {
        let c = catalog();
        advise_api(
            c.get(api).unwrap(),
            &SupportSpec::parse(spec).unwrap(),
            &Coverage::of(&c),
        )
    }

    fn strings(v: &[FamilyRange]) -> Vec<String> {
        v.iter().map(|r| r.to_string()).collect()
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn range(req: &str) -> VersionRange {
        VersionRange::from_req(&VersionReq::parse(req).unwrap()).unwrap()
    }

    #[test]
    fn openssl_1_1_0i_vs_1_1_1() {
        let a = advice("SSL_CTX_set_num_tickets", "openssl>=1.1.0i");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(strings(&a.missing_in), ["openssl >=1.1.0i, <1.1.1"]);
        assert!(a.no_effect_in.is_empty());
        assert!(a
            .fallback
            .as_deref()
            .unwrap()
            .starts_with("keep SSL_OP_NO_TICKET"));
        assert_eq!(a.cfg, "have_ssl_ctx_set_num_tickets");

        let a = advice("SSL_CTX_set_num_tickets", "openssl>=1.1.1");
        assert_eq!(a.verdict, Verdict::Always);
        assert!(a.missing_in.is_empty() && a.no_effect_in.is_empty());
        assert_eq!(a.fallback, None, "no fallback when no guard is needed");

        // The last 1.1.0 letter release is still before 1.1.1.
        let a = advice("SSL_CTX_set_num_tickets", "openssl>=1.1.0zz");
        assert_eq!(strings(&a.missing_in), ["openssl >=1.1.0zz, <1.1.1"]);
        // Exclusive bounds become the next letter release.
        let a = advice("SSL_CTX_set_num_tickets", "openssl>1.1.0h");
        assert_eq!(strings(&a.missing_in), ["openssl >=1.1.0i, <1.1.1"]);
        let a = advice("SSL_CTX_set_num_tickets", "openssl>1.1.0zz");
        assert_eq!(a.verdict, Verdict::Always, "{a:?}");
        // Only 1.1.1 and its letters, via ~.
        assert_eq!(
            advice("SSL_CTX_set_num_tickets", "openssl~1.1.1").verdict,
            Verdict::Always
        );
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "openssl~1.1.0").missing_in),
            ["openssl >=1.1.0, <1.1.1"]
        );
        // Everything before: unbounded below.
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "openssl").missing_in),
            ["openssl >=0.9.8, <1.1.1"]
        );
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "openssl<=1.1.1").missing_in),
            ["openssl >=0.9.8, <1.1.1"]
        );
    }

    #[test]
    fn libressl_3_4_vs_3_5() {
        let a = advice("SSL_CTX_set_num_tickets", "libressl>=3.4");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(strings(&a.missing_in), ["libressl >=3.4.0, <3.5.0"]);
        assert_eq!(
            strings(&a.no_effect_in),
            ["libressl >=3.5.0"],
            "both lists are kept"
        );
        assert_eq!(a.notes, ["libressl: stub"]);

        let a = advice("SSL_CTX_set_num_tickets", "libressl>=3.5");
        assert_eq!(a.verdict, Verdict::NoEffect);
        assert!(a.missing_in.is_empty());
        assert_eq!(strings(&a.no_effect_in), ["libressl >=3.5.0"]);
        assert_eq!(a.fallback, None);

        let a = advice("SSL_CTX_set_num_tickets", "libressl>=3.4,<4");
        assert_eq!(strings(&a.missing_in), ["libressl >=3.4.0, <3.5.0"]);
        assert_eq!(strings(&a.no_effect_in), ["libressl >=3.5.0, <4.0.0"]);

        // 3.4.x entirely before 3.5.0: guard, and no stub in range.
        let a = advice("SSL_CTX_set_num_tickets", "libressl~3.4.3");
        assert_eq!(strings(&a.missing_in), ["libressl >=3.4.3, <3.4.4"]);
        assert!(a.no_effect_in.is_empty());
        let a = advice("SSL_CTX_set_num_tickets", "libressl=3.4");
        assert_eq!(strings(&a.missing_in), ["libressl >=3.4.0, <3.5.0"]);
        assert!(a.no_effect_in.is_empty());
    }

    #[test]
    fn boringssl_api_versions() {
        let a = advice("SSL_CTX_set_num_tickets", "boringssl>=18");
        assert_eq!(a.verdict, Verdict::Always);
        let a = advice("SSL_CTX_set_num_tickets", "boringssl>=17");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(strings(&a.missing_in), ["boringssl >=17, <18"]);
        assert_eq!(a.notes, ["boringssl: capped at 16"]);
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "boringssl").missing_in),
            ["boringssl >=1, <18"]
        );
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "boringssl>17").missing_in),
            Vec::<String>::new(),
            ">17 means >=18 for one-number API versions"
        );
        assert_eq!(
            strings(&advice("SSL_CTX_set_num_tickets", "boringssl=17").missing_in),
            ["boringssl >=17, <18"]
        );
    }

    #[test]
    fn letter_since() {
        let a = advice("SSL_CTX_get_min_proto_version", "openssl>=1.1.0");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(strings(&a.missing_in), ["openssl >=1.1.0, <1.1.0h"]);
        assert_eq!(
            advice("SSL_CTX_get_min_proto_version", "openssl>=1.1.0h").verdict,
            Verdict::Always
        );
        assert_eq!(
            strings(&advice("SSL_CTX_get_min_proto_version", "openssl>=1.1.0g").missing_in),
            ["openssl >=1.1.0g, <1.1.0h"]
        );
        assert_eq!(
            strings(&advice("SSL_CTX_get_min_proto_version", "openssl^1.0").missing_in),
            ["openssl >=1.0.0, <1.1.0h"]
        );
    }

    #[test]
    fn families_not_in_spec_are_ignored() {
        // BoringSSL / AWS-LC lack the API entirely, but are not supported.
        let a = advice("SSL_CTX_set_session_ticket_cb", "openssl>=1.1.1");
        assert_eq!(a.verdict, Verdict::Always);
        let a = advice("SSL_CTX_set_session_ticket_cb", "openssl>=1.1.1, awslc");
        assert_eq!(strings(&a.missing_in), ["awslc >=1.0.0"]);
        // The AWS-LC no-op does not matter when AWS-LC is not supported.
        assert_eq!(
            advice(
                "SSL_CTX_set_security_level",
                "openssl>=1.1.0; libressl>=3.6"
            )
            .verdict,
            Verdict::Always
        );
        let a = advice("SSL_CTX_set_security_level", "openssl>=1.1.0; awslc>=1.15");
        assert_eq!(a.verdict, Verdict::NoEffect);
        assert_eq!(strings(&a.no_effect_in), ["awslc >=1.15.0"]);
        assert_eq!(a.notes, ["awslc: no-op"]);
        let a = advice("SSL_CTX_set_security_level", "awslc>=1.2");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(strings(&a.missing_in), ["awslc >=1.2.0, <1.15.0"]);
        assert_eq!(strings(&a.no_effect_in), ["awslc >=1.15.0"]);
        assert_eq!(
            a.fallback.as_deref(),
            catalog()
                .get("SSL_CTX_set_security_level")
                .unwrap()
                .fallback
                .as_deref()
        );
        // An API without a recorded fallback: the advice says so with `None`.
        let c = catalog();
        let mut unrecorded = c.get("SSL_CTX_set_security_level").unwrap().clone();
        unrecorded.name = "SSL_CTX_unrecorded".into();
        unrecorded.fallback = None;
        let spec = SupportSpec::parse("awslc>=1.2").unwrap();
        let a = advise_api(&unrecorded, &spec, &Coverage::of(&c));
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(a.fallback, None);
    }

    #[test]
    fn several_families_and_ranges() {
        let a = advice(
            "SSL_CTX_set_num_tickets",
            "openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2",
        );
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(
            strings(&a.missing_in),
            [
                "openssl >=1.0.2, <1.1.1",
                "libressl >=3.4.0, <3.5.0",
                "boringssl >=1, <18"
            ]
        );
        assert_eq!(strings(&a.no_effect_in), ["libressl >=3.5.0, <4.0.0"]);
        // A family listed twice: union, merged where adjacent.
        let a = advice(
            "SSL_CTX_set_num_tickets",
            "openssl>=1.0.1,<1.0.2; openssl>=1.0.2,<1.1.0; openssl>=3",
        );
        assert_eq!(strings(&a.missing_in), ["openssl >=1.0.1, <1.1.0"]);
        assert_eq!(a.verdict, Verdict::Guard);
        let a = advice(
            "SSL_CTX_set_num_tickets",
            "openssl<1.0.2; openssl>=1.1.0, <3",
        );
        assert_eq!(
            strings(&a.missing_in),
            ["openssl >=0.9.8, <1.0.2", "openssl >=1.1.0, <1.1.1"]
        );
        let all = advise(&catalog(), &SupportSpec::parse("openssl>=3").unwrap());
        assert_eq!(all.len(), 5);
        assert!(all.iter().all(|a| a.verdict == Verdict::Always), "{all:?}");
    }

    #[test]
    fn requirements_matching_no_real_version() {
        // Algebraic: future versions are fine.
        assert_eq!(
            advice("SSL_CTX_set_num_tickets", "openssl>=9.9").verdict,
            Verdict::Always
        );
        // An empty requirement supports nothing.
        let spec = SupportSpec::parse("openssl>=3,<1; libressl>=3.4").unwrap();
        assert_eq!(spec.empty_items().len(), 1);
        assert_eq!(spec.empty_items()[0].text, "openssl>=3,<1");
        let c = catalog();
        let a = advise_api(
            c.get("SSL_CTX_set_num_tickets").unwrap(),
            &spec,
            &Coverage::of(&c),
        );
        assert_eq!(strings(&a.missing_in), ["libressl >=3.4.0, <3.5.0"]);
        // Between the last letter of 1.1.0 and 1.1.1 there is no version.
        let spec = SupportSpec::parse("openssl>1.1.0zz,<1.1.1").unwrap();
        assert!(spec.versions(Family::OpenSsl).is_empty());
        assert_eq!(spec.empty_items().len(), 1);
    }

    #[test]
    fn spec_parsing() {
        let s = SupportSpec::parse(" openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2 ")
            .unwrap();
        assert_eq!(
            s.text(),
            "openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2"
        );
        let fam: Vec<Family> = s.items().iter().map(|i| i.family).collect();
        assert_eq!(
            fam,
            [
                Family::OpenSsl,
                Family::LibreSsl,
                Family::BoringSsl,
                Family::AwsLc
            ]
        );
        assert_eq!(s.items()[1].text, "libressl>=3.4,<4");
        assert_eq!(s.items()[1].req, VersionReq::parse(">=3.4, <4").unwrap());
        assert!(s.items()[2].req.is_any());
        assert_eq!(
            strings(&s.supported()),
            [
                "openssl >=1.0.2",
                "libressl >=3.4.0, <4.0.0",
                "boringssl *",
                "awslc >=1.2.0"
            ]
        );
        // Spaces, case, aws-lc, semicolons only, commas only.
        let s = SupportSpec::parse("OpenSSL >= 1.1.0h , < 3 ;AWS-LC").unwrap();
        assert_eq!(
            strings(&s.supported()),
            ["openssl >=1.1.0h, <3.0.0", "awslc *"]
        );
        let s = SupportSpec::parse("libressl,openssl>=1.1.1,boringssl>=18,<30").unwrap();
        assert_eq!(
            strings(&s.supported()),
            ["openssl >=1.1.1", "libressl *", "boringssl >=18, <30"]
        );
        // A bare version continues the requirement (semver caret).
        let s = SupportSpec::parse("openssl>=1.0.2, 1").unwrap();
        assert_eq!(strings(&s.supported()), ["openssl >=1.0.2, <2.0.0"]);
        assert!(s.supports(Family::OpenSsl) && !s.supports(Family::LibreSsl));
        assert_eq!(
            "openssl".parse::<SupportSpec>().unwrap().to_string(),
            "openssl"
        );
    }

    #[test]
    fn spec_errors_quote_the_input() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("openssl>=1.0.2,", "empty item"),
            ("openssl>=1.0.2,,libressl", "empty item"),
            ("openssl;;libressl", "empty item"),
            ("openssl;", "empty item"),
            (
                ">=1.0.2",
                "\">=1.0.2\" at the start does not start with a library family",
            ),
            (
                "openssl; >=3",
                "\">=3\" after ';' does not start with a library family",
            ),
            (
                "wolfssl>=5",
                "unknown library family \"wolfssl\" in \"wolfssl>=5\"",
            ),
            ("openssl>=1.1, gnutls", "unknown library family \"gnutls\""),
            (
                "openssl>=1.1.0I",
                "bad openssl requirement in \"openssl>=1.1.0I\"",
            ),
            ("openssl>>1", "\">>1\""),
            ("libressl>=3.4,<4x", "\"<4x\""),
            ("openssl>=1.0 <2", "\">=1.0 <2\""),
            ("openssl>=", "bad openssl requirement"),
            ("openssl 1.*", "bad openssl requirement"),
            ("openssl>=1, *", "bad openssl requirement"),
            (
                "boringssl>=1.2.3",
                "bad boringssl requirement in \"boringssl>=1.2.3\": BoringSSL versions are single",
            ),
            (
                "openssl; boringssl>=17,<18.1",
                "BORINGSSL_API_VERSION numbers",
            ),
            ("boringssl=17.0", "not dotted versions"),
            ("boringssl^1.2", "e.g. boringssl>=17"),
        ];
        for (spec, want) in cases {
            match SupportSpec::parse(spec) {
                Ok(s) => panic!("{spec:?} parsed as {:?}", s.items()),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(matches!(e, Error::InvalidInput { .. }), "{msg}");
                    assert!(msg.contains(&format!("{spec:?}")), "{msg} lacks {spec:?}");
                    assert!(msg.contains(want), "{msg} lacks {want:?}");
                }
            }
        }
    }

    #[test]
    fn range_texts() {
        assert_eq!(range("*").to_string(), "*");
        assert_eq!(range(">=1.0.2").to_string(), ">=1.0.2");
        assert_eq!(range("<1.1.1").to_string(), "<1.1.1");
        assert_eq!(range(">=1.0.2, <1.1.1").to_string(), ">=1.0.2, <1.1.1");
        assert_eq!(range("<=1.1.0zz").to_string(), "<1.1.1");
        assert_eq!(range(">1.1.0h").to_string(), ">=1.1.0i");
        assert_eq!(range(">1.1.0z").to_string(), ">=1.1.0za");
        assert_eq!(range("~1.1.0h").to_string(), ">=1.1.0h, <1.1.1");
        assert_eq!(range("=1.1.0i").to_string(), ">=1.1.0i, <1.1.0j");
        assert_eq!(range("^1.1").to_string(), ">=1.1.0, <2.0.0");
        assert_eq!(range("^0.9.8").to_string(), ">=0.9.8, <0.10.0");
        assert_eq!(range("^0.0.3").to_string(), ">=0.0.3, <0.0.4");
        assert_eq!(range("<=1.1").to_string(), "<1.2.0");
        assert_eq!(range(">1").to_string(), ">=2.0.0");
        assert_eq!(range(">=3,<1").to_string(), "<0");
        assert_eq!(range(">=3,<1").text(Family::BoringSsl), "<0");
        assert_eq!(range(">=18").text(Family::BoringSsl), ">=18");
        assert_eq!(range(">=18.1").text(Family::BoringSsl), ">=18.1.0");
        assert!(range("<0").is_empty());
        assert!(range(">18446744073709551615").is_empty());
        assert_eq!(range(">=1, <=18446744073709551615").to_string(), ">=1.0.0");
        assert_eq!(VersionRange::all(), range("*"));
        assert_eq!(VersionRange::before(&v("1.1.1")), range("<1.1.1"));
        assert_eq!(VersionRange::from_version(&v("3.5.0")).start(), &v("3.5.0"));
        assert_eq!(range("<1.1.1").end(), Some(&v("1.1.1")));
        let fr = FamilyRange {
            family: Family::BoringSsl,
            range: range(">=17, <18"),
        };
        assert_eq!(fr.to_string(), "boringssl >=17, <18");
    }

    #[test]
    fn version_sets() {
        let mut s = VersionSet::new();
        s.insert(range(">=3"));
        s.insert(range(">=1.0.2, <1.1.0"));
        s.insert(range(">=1.1.0, <1.1.1"));
        s.insert(range(">=3,<1"));
        assert_eq!(
            s.ranges().iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            [">=1.0.2, <1.1.1", ">=3.0.0"]
        );
        assert!(s.contains(&v("1.1.0i")) && !s.contains(&v("1.1.1")) && s.contains(&v("3.6.0")));
        s.insert(range(">=1.1.0h, <3.0.1"));
        assert_eq!(s.ranges().len(), 1);
        assert_eq!(s.ranges()[0].to_string(), ">=1.0.2");
        assert!(s.intersect(&range("<1")).is_empty());
        assert_eq!(
            s.intersect(&range("<1.1.0h")).ranges()[0].to_string(),
            ">=1.0.2, <1.1.0h"
        );
    }

    /// sslprobe's catalog (`probes/`, in its package), read from disk where its build script
    /// says it is (see build.rs).
    fn real_catalog() -> Catalog {
        let dir = std::path::Path::new(env!("SSLPROBE_CATALOG_DIR"));
        Catalog::load(dir).unwrap().0
    }

    #[test]
    fn every_catalog_api_records_a_fallback() {
        let c = real_catalog();
        for api in &c.apis {
            let f = api.fallback.as_deref().unwrap_or("");
            assert!(
                !f.trim().is_empty(),
                "{}: no `fallback` in probes/catalog.toml",
                api.name
            );
        }
        assert_eq!(
            c.get("SSL_CTX_set_num_tickets")
                .unwrap()
                .fallback
                .as_deref(),
            Some(
                "keep SSL_OP_NO_TICKET (it stops TLS 1.2 tickets everywhere); without the API \
                 there are no stateful TLS 1.3 tickets to stop"
            )
        );
    }

    #[test]
    fn real_catalog_examples() {
        let c = real_catalog();
        let cov = Coverage::of(&c);
        let run = |api: &str, spec: &str| {
            let api = c
                .get(api)
                .unwrap_or_else(|| panic!("{api} is not in probes/catalog.toml"));
            advise_api(api, &SupportSpec::parse(spec).unwrap(), &cov)
        };
        let a = run("SSL_CTX_set_num_tickets", "openssl>=1.0.2, libressl");
        assert_eq!(a.verdict, Verdict::Guard);
        assert_eq!(
            strings(&a.missing_in),
            ["openssl >=1.0.2, <1.1.1", "libressl >=2.0.0, <3.5.0"]
        );
        assert_eq!(strings(&a.no_effect_in), ["libressl >=3.5.0"]);
        assert_eq!(
            a.fallback.as_deref(),
            c.get("SSL_CTX_set_num_tickets")
                .unwrap()
                .fallback
                .as_deref()
        );
        assert_eq!(
            run("SSL_CTX_set_num_tickets", "openssl>=1.1.1").verdict,
            Verdict::Always
        );
        // Old enough to be the family's floor: no guard for LibreSSL "any".
        assert_eq!(
            run("SSL_OP_NO_TICKET", "openssl>=1.0.2, libressl").verdict,
            Verdict::Always
        );
        // X509_get_signature_nid: no OpenSSL guard once 1.0.2 is the minimum.
        assert_eq!(
            run("X509_get_signature_nid", "openssl>=1.0.2").verdict,
            Verdict::Always
        );
        assert_eq!(
            run("X509_get_signature_nid", "openssl>=1.1.1").verdict,
            Verdict::Always
        );
        let a = run("X509_get_signature_nid", "openssl>=1.0.1");
        assert_eq!(strings(&a.missing_in), ["openssl >=1.0.1, <1.0.2"]);
    }

    #[test]
    fn coverage_floors() {
        let c = catalog();
        let cov = Coverage::of(&c);
        assert_eq!(cov.floor(Family::OpenSsl), Some(&v("0.9.8")));
        assert_eq!(cov.floor(Family::LibreSsl), Some(&v("2.0.0")));
        assert_eq!(cov.floor(Family::BoringSsl), Some(&Version::api(1)));
        assert_eq!(cov.floor(Family::AwsLc), Some(&v("1.0.0")));
        // Unbounded below: from the floor. Explicit lower bounds: exactly as written.
        let spec =
            SupportSpec::parse("openssl>=0.9.7; libressl; boringssl<20; awslc>=0.5").unwrap();
        assert_eq!(
            strings(&cov.judged(&spec)),
            [
                "openssl >=0.9.7",
                "libressl >=2.0.0",
                "boringssl >=1, <20",
                "awslc >=0.5.0"
            ]
        );
        let a = advise_api(c.get("SSL_OP_NO_TICKET").unwrap(), &spec, &cov);
        assert_eq!(a.verdict, Verdict::Guard, "{a:?}");
        assert_eq!(
            strings(&a.missing_in),
            ["openssl >=0.9.7, <0.9.8", "awslc >=0.5.0, <1.0.0"]
        );
        let spec = SupportSpec::parse("openssl; libressl; boringssl; awslc").unwrap();
        let a = advise_api(c.get("SSL_OP_NO_TICKET").unwrap(), &spec, &cov);
        assert_eq!(a.verdict, Verdict::Always, "{a:?}");
        // Unbounded, but ending before the floor: nothing to judge.
        let spec = SupportSpec::parse("libressl<2").unwrap();
        assert!(cov.judged(&spec).is_empty());
        let a = advise_api(c.get("SSL_CTX_set_num_tickets").unwrap(), &spec, &cov);
        assert_eq!(a.verdict, Verdict::Always);
        assert!(a.missing_in.is_empty() && a.no_effect_in.is_empty());
        // Several items: each read on its own, then merged.
        let spec = SupportSpec::parse("openssl<1.0.2; openssl>=0.9.1,<0.9.5").unwrap();
        assert_eq!(
            strings(&cov.judged(&spec)),
            ["openssl >=0.9.1, <0.9.5", "openssl >=0.9.8, <1.0.2"]
        );
        // No floor at all: every version is judged.
        let a = advise_api(
            c.get("SSL_CTX_set_num_tickets").unwrap(),
            &SupportSpec::parse("openssl").unwrap(),
            &Coverage::default(),
        );
        assert_eq!(strings(&a.missing_in), ["openssl <1.1.1"]);
    }

    /// Comparator strings a [`VersionReq`] accepts, with letters and partial versions.
    fn comparator() -> impl Strategy<Value = String> {
        let op = prop::sample::select(vec![">=", "<=", ">", "<", "=", "^", "~", ""]);
        let letter = prop::sample::select(vec!["", "", "a", "h", "i", "z", "za", "zz"]);
        (op, 0u64..4, 0u64..4, 0u64..4, letter, 1u8..=3).prop_map(|(op, a, b, c, l, n)| match n {
            1 => format!("{op}{a}"),
            2 => format!("{op}{a}.{b}"),
            _ => format!("{op}{a}.{b}.{c}{l}"),
        })
    }

    fn version() -> impl Strategy<Value = Version> {
        // Every letter suffix a release can carry: none, a..z, za..zz.
        let letters: Vec<String> = std::iter::once(String::new())
            .chain((b'a'..=b'z').map(|c| char::from(c).to_string()))
            .chain((b'a'..=b'z').map(|c| format!("z{}", char::from(c))))
            .collect();
        (0u64..5, 0u64..5, 0u64..5, prop::sample::select(letters))
            .prop_map(|(a, b, c, l)| Version::new(a, b, c).with_letter(&l).unwrap())
    }

    proptest! {
        #[test]
        fn range_matches_exactly_what_the_req_matches(
            cmps in prop::collection::vec(comparator(), 1..3),
            versions in prop::collection::vec(version(), 1..40),
        ) {
            let text = cmps.join(", ");
            let req = VersionReq::parse(&text).unwrap();
            let r = VersionRange::from_req(&req).unwrap();
            for x in &versions {
                prop_assert_eq!(r.contains(x), req.matches(x), "{} vs {} at {}", text, r, x);
            }
            // The text parses back to the same range, for every family's spelling.
            for family in Family::ALL {
                let back = VersionRange::from_req(&VersionReq::parse(&r.text(family)).unwrap()).unwrap();
                prop_assert_eq!(&back, &r, "{} -> {}", text, r.text(family));
            }
        }

        #[test]
        fn spec_parse_never_panics(s in "[a-z;,<>=~^*. 0-9-]{0,40}") {
            let _ = SupportSpec::parse(&s);
        }

        #[test]
        fn family_range_is_a_spec_item(
            cmps in prop::collection::vec(comparator(), 1..3),
            fam in prop::sample::select(Family::ALL.to_vec()),
        ) {
            let r = VersionRange::from_req(&VersionReq::parse(&cmps.join(", ")).unwrap()).unwrap();
            let fr = FamilyRange { family: fam, range: r.clone() };
            if fam == Family::BoringSsl && fr.to_string().contains('.') {
                // A BoringSSL range with a dotted bound is no BORINGSSL_API_VERSION range:
                // refused as a spec item (the advisor only makes whole-number ones).
                let err = SupportSpec::parse(&fr.to_string()).unwrap_err().to_string();
                prop_assert!(err.contains("BORINGSSL_API_VERSION numbers"), "{}", err);
            } else {
                let spec = SupportSpec::parse(&fr.to_string()).unwrap();
                prop_assert_eq!(spec.items().len(), 1);
                prop_assert_eq!(&spec.items()[0].range, &r);
            }
        }
    }
}
