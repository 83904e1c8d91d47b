//! Exact version ranges: half-open intervals over the [`Version`] order (OpenSSL letter releases
//! included), computed from requirements, never by enumerating known releases.

use super::{letter_from_index, Family, Version, VersionReq};
use crate::error::{Error, Result};
use std::fmt;

/// A point in the order of semver images ([`Version::to_semver`]) with room to step past
/// `u64::MAX` without overflow.
type Key = (u128, u128, u128);

/// The letter-index slot past `zz` in a semver image's patch (`patch * 100 + letter`).
const IMAGE_SLOTS: u128 = 100;

/// Rounds an image up to the image of a real version: `M.m.(p*100 + 53..=99)` holds no real
/// version, so it is the same bound as `M.m.(p+1)*100`.
fn normalize(k: Key) -> Key {
    let (major, minor, patch) = k;
    if patch % IMAGE_SLOTS > u128::from(super::MAX_LETTER_INDEX) {
        (major, minor, (patch / IMAGE_SLOTS + 1) * IMAGE_SLOTS)
    } else {
        k
    }
}

/// The version whose image is `k` (normalized), or `None` when it lies beyond every
/// representable version.
fn key_to_version(k: Key) -> Option<Version> {
    let (major, minor, image) = normalize(k);
    let major = u64::try_from(major).ok()?;
    let minor = u64::try_from(minor).ok()?;
    let patch = u64::try_from(image / IMAGE_SLOTS).ok()?;
    let letter = letter_from_index(u64::try_from(image % IMAGE_SLOTS).ok()?);
    Version::new(major, minor, patch).with_letter(&letter).ok()
}

/// The half-open image interval `[lo, hi)` of one semver comparator (semver's semantics).
fn comparator_keys(c: &semver::Comparator) -> std::result::Result<(Key, Option<Key>), String> {
    use semver::Op;
    if !c.pre.is_empty() {
        return Err(format!("pre-release comparator {c} is not supported"));
    }
    let major = u128::from(c.major);
    let minor = c.minor.map(u128::from);
    let patch = c.patch.map(u128::from);
    const MIN: Key = (0, 0, 0);
    let low = (major, minor.unwrap_or(0), patch.unwrap_or(0));
    // The first version after everything the written components match.
    let after_written = match (minor, patch) {
        (None, _) => (major + 1, 0, 0),
        (Some(m), None) => (major, m + 1, 0),
        (Some(m), Some(p)) => (major, m, p + 1),
    };
    Ok(match c.op {
        Op::Exact | Op::Wildcard => (low, Some(after_written)),
        Op::Greater => (after_written, None),
        Op::GreaterEq => (low, None),
        Op::Less => (MIN, Some(low)),
        Op::LessEq => (MIN, Some(after_written)),
        Op::Tilde => match (minor, patch) {
            (Some(m), Some(_)) => (low, Some((major, m + 1, 0))),
            _ => (low, Some(after_written)),
        },
        Op::Caret => {
            let hi = match (minor, patch) {
                (None, _) => (major + 1, 0, 0),
                _ if major > 0 => (major + 1, 0, 0),
                (Some(m), None) => (0, m + 1, 0),
                (Some(m), Some(_)) if m > 0 => (0, m + 1, 0),
                (Some(_), Some(p)) => (0, 0, p + 1),
            };
            (low, Some(hi))
        }
        _ => {
            return Err(format!(
                "comparator {c} uses an operator sslprobe does not know"
            ))
        }
    })
}

/// A contiguous, half-open range of versions `[from, until)` in [`Version`] order.
///
/// Every [`VersionReq`] denotes exactly one such range (its comparators are intersected),
/// possibly empty. Bounds are exact, letter releases included: `>1.1.0h` is `>=1.1.0i`,
/// `<=1.1.0zz` is `<1.1.1`.
///
/// `Display` (via [`VersionRange::text`]) writes a requirement that parses back to the same
/// range: `*`, `>=1.0.2`, `<1.1.1`, `>=1.0.2, <1.1.1`; BoringSSL API versions as one number
/// (`>=17, <18`); an empty range as `<0`.
///
/// ```
/// use sslprobe_build::version::VersionRange;
/// use sslprobe_build::{Family, Version, VersionReq};
///
/// let r = VersionRange::from_req(&VersionReq::parse(">1.1.0h, <=1.1.1").unwrap()).unwrap();
/// assert_eq!(r.to_string(), ">=1.1.0i, <1.1.1a");
/// assert!(r.contains(&"1.1.1".parse().unwrap()));
/// let boring = VersionRange::from_req(&VersionReq::parse("=17").unwrap()).unwrap();
/// assert_eq!(boring.text(Family::BoringSsl), ">=17, <18");
/// assert!(boring.contains(&Version::api(17)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    /// Inclusive lower bound (`0` when unbounded below).
    from: Version,
    /// Exclusive upper bound (`None` when unbounded above).
    until: Option<Version>,
}

impl VersionRange {
    /// Every version.
    ///
    /// ```
    /// use sslprobe_build::version::VersionRange;
    /// let all = VersionRange::all();
    /// assert_eq!(all.to_string(), "*");
    /// assert!(all.contains(&sslprobe_build::Version::new(0, 9, 8)));
    /// ```
    pub fn all() -> VersionRange {
        VersionRange {
            from: Version::new(0, 0, 0),
            until: None,
        }
    }

    /// No version (written `<0`).
    ///
    /// ```
    /// use sslprobe_build::version::VersionRange;
    /// assert!(VersionRange::empty().is_empty());
    /// assert_eq!(VersionRange::empty().to_string(), "<0");
    /// ```
    pub fn empty() -> VersionRange {
        VersionRange {
            from: Version::new(0, 0, 0),
            until: Some(Version::new(0, 0, 0)),
        }
    }

    /// `[from, until)`; `until = None` means unbounded above.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version};
    /// let r = VersionRange::new(Version::new(1, 1, 1), Some(Version::new(3, 0, 0)));
    /// assert_eq!(r.to_string(), ">=1.1.1, <3.0.0");
    /// // An upside-down range is the empty one.
    /// assert!(VersionRange::new(Version::new(3, 0, 0), Some(Version::new(1, 0, 0))).is_empty());
    /// ```
    pub fn new(from: Version, until: Option<Version>) -> VersionRange {
        let r = VersionRange { from, until };
        if r.is_empty() {
            VersionRange::empty()
        } else {
            r
        }
    }

    /// The versions before `v`: `[0, v)`.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version};
    /// let older = VersionRange::before(&Version::new(1, 1, 1));
    /// assert!(older.contains(&Version::parse("1.1.0l")?));
    /// assert!(!older.contains(&Version::new(1, 1, 1)));
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn before(v: &Version) -> VersionRange {
        VersionRange::new(Version::new(0, 0, 0), Some(v.clone()))
    }

    /// The versions from `v` on: `[v, ∞)`.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version};
    /// let since = VersionRange::from_version(&Version::new(3, 5, 0));
    /// assert_eq!((since.start(), since.end()), (&Version::new(3, 5, 0), None));
    /// ```
    pub fn from_version(v: &Version) -> VersionRange {
        VersionRange::new(v.clone(), None)
    }

    /// The exact range a requirement matches.
    ///
    /// Errors only for comparators a [`VersionReq`] never produces (pre-releases, operators
    /// added to `semver` later); the error quotes the requirement.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, VersionReq};
    /// let r = VersionRange::from_req(&VersionReq::parse("^1.1")?)?;
    /// assert_eq!(r.to_string(), ">=1.1.0, <2.0.0");
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn from_req(req: &VersionReq) -> Result<VersionRange> {
        let mut lo: Key = (0, 0, 0);
        let mut hi: Option<Key> = None;
        for c in &req.as_semver().comparators {
            let (l, h) = comparator_keys(c)
                .map_err(|reason| Error::invalid("version requirement", req.to_string(), reason))?;
            lo = lo.max(normalize(l));
            if let Some(h) = h {
                let h = normalize(h);
                hi = Some(hi.map_or(h, |x| x.min(h)));
            }
        }
        if hi.is_some_and(|h| h <= lo) {
            return Ok(VersionRange::empty());
        }
        let Some(from) = key_to_version(lo) else {
            // Starts beyond every representable version.
            return Ok(VersionRange::empty());
        };
        // An upper bound beyond every representable version is no bound.
        let until = hi.and_then(key_to_version);
        Ok(VersionRange::new(from, until))
    }

    /// The inclusive lower bound (`0.0.0` when unbounded below).
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version, VersionReq};
    /// let r = VersionRange::from_req(&VersionReq::parse(">1.1.0h")?)?;
    /// assert_eq!(r.start(), &Version::parse("1.1.0i")?);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn start(&self) -> &Version {
        &self.from
    }

    /// The exclusive upper bound, `None` when unbounded above.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version, VersionReq};
    /// let r = VersionRange::from_req(&VersionReq::parse("<=3.0")?)?;
    /// assert_eq!(r.end(), Some(&Version::new(3, 1, 0)));
    /// assert_eq!(VersionRange::all().end(), None);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn end(&self) -> Option<&Version> {
        self.until.as_ref()
    }

    /// Whether no version lies in the range.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, VersionReq};
    /// assert!(VersionRange::from_req(&VersionReq::parse(">=3, <1")?)?.is_empty());
    /// assert!(!VersionRange::all().is_empty());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.until.as_ref().is_some_and(|u| *u <= self.from)
    }

    /// Whether `v` lies in the range.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version};
    /// let r = VersionRange::new(Version::api(18), Some(Version::api(20)));
    /// assert!(r.contains(&Version::api(19)) && !r.contains(&Version::api(20)));
    /// ```
    pub fn contains(&self, v: &Version) -> bool {
        *v >= self.from && self.until.as_ref().is_none_or(|u| v < u)
    }

    /// The versions in both ranges.
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Version};
    /// let a = VersionRange::from_version(&Version::new(1, 1, 0));
    /// let b = VersionRange::before(&Version::new(3, 0, 0));
    /// assert_eq!(a.intersect(&b).to_string(), ">=1.1.0, <3.0.0");
    /// ```
    pub fn intersect(&self, other: &VersionRange) -> VersionRange {
        let from = self.from.clone().max(other.from.clone());
        let until = match (&self.until, &other.until) {
            (None, u) | (u, None) => u.clone(),
            (Some(a), Some(b)) => Some(a.clone().min(b.clone())),
        };
        VersionRange::new(from, until)
    }

    /// The range as a requirement, with versions written for `family` (BoringSSL API
    /// versions as one number, all others with three components).
    ///
    /// ```
    /// use sslprobe_build::{version::VersionRange, Family, Version};
    /// let r = VersionRange::from_version(&Version::api(18));
    /// assert_eq!(r.text(Family::BoringSsl), ">=18");
    /// assert_eq!(r.text(Family::OpenSsl), ">=18.0.0");
    /// ```
    pub fn text(&self, family: Family) -> String {
        if self.is_empty() {
            return "<0".to_string();
        }
        let unbounded_below = self.from == Version::new(0, 0, 0);
        match (&self.until, unbounded_below) {
            (None, true) => "*".to_string(),
            (None, false) => format!(">={}", show(&self.from, family)),
            (Some(u), true) => format!("<{}", show(u, family)),
            (Some(u), false) => format!(">={}, <{}", show(&self.from, family), show(u, family)),
        }
    }
}

impl fmt::Display for VersionRange {
    /// [`VersionRange::text`] for OpenSSL-style (three-component) versions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Family::OpenSsl))
    }
}

/// A version written for a family: BoringSSL API versions as one number when possible.
fn show(v: &Version, family: Family) -> String {
    if family == Family::BoringSsl && v.minor == 0 && v.patch == 0 && !v.is_letter_release() {
        v.major.to_string()
    } else {
        format!("{}.{}.{}{}", v.major, v.minor, v.patch, v.letter())
    }
}

/// A union of [`VersionRange`]s, kept sorted, disjoint and non-adjacent.
///
/// ```
/// use sslprobe_build::{version::{VersionRange, VersionSet}, Version};
/// let mut s = VersionSet::new();
/// s.insert(VersionRange::new(Version::new(1, 0, 2), Some(Version::new(1, 1, 0))));
/// s.insert(VersionRange::from_version(&Version::new(1, 1, 0))); // adjacent: merged
/// assert_eq!(s.ranges().len(), 1);
/// assert_eq!(s.ranges()[0].to_string(), ">=1.0.2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionSet {
    ranges: Vec<VersionRange>,
}

impl VersionSet {
    /// The empty set.
    ///
    /// ```
    /// let s = sslprobe_build::version::VersionSet::new();
    /// assert!(s.is_empty() && s.ranges().is_empty());
    /// ```
    pub fn new() -> VersionSet {
        VersionSet::default()
    }

    /// Adds a range, merging it with overlapping or adjacent ones.
    ///
    /// ```
    /// use sslprobe_build::{version::{VersionRange, VersionSet}, Version};
    /// let mut s = VersionSet::new();
    /// s.insert(VersionRange::from_version(&Version::new(3, 0, 0)));
    /// s.insert(VersionRange::before(&Version::new(1, 1, 0)));
    /// s.insert(VersionRange::empty()); // ignored
    /// let texts: Vec<String> = s.ranges().iter().map(|r| r.to_string()).collect();
    /// assert_eq!(texts, ["<1.1.0", ">=3.0.0"]);
    /// ```
    pub fn insert(&mut self, range: VersionRange) {
        if range.is_empty() {
            return;
        }
        let mut merged = range;
        let mut rest = Vec::with_capacity(self.ranges.len() + 1);
        for r in self.ranges.drain(..) {
            let apart =
                |a: &VersionRange, b: &VersionRange| a.until.as_ref().is_some_and(|u| *u < b.from);
            if apart(&r, &merged) || apart(&merged, &r) {
                rest.push(r);
            } else {
                let from = r.from.clone().min(merged.from.clone());
                let until = match (r.until, merged.until.take()) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                merged = VersionRange { from, until };
            }
        }
        rest.push(merged);
        rest.sort_by(|a, b| a.from.cmp(&b.from));
        self.ranges = rest;
    }

    /// The ranges, sorted.
    ///
    /// ```
    /// use sslprobe_build::{version::{VersionRange, VersionSet}, Version};
    /// let mut s = VersionSet::new();
    /// s.insert(VersionRange::from_version(&Version::api(20)));
    /// s.insert(VersionRange::before(&Version::api(10)));
    /// assert_eq!(s.ranges()[0].end(), Some(&Version::api(10))); // sorted
    /// ```
    pub fn ranges(&self) -> &[VersionRange] {
        &self.ranges
    }

    /// Whether the set holds no version.
    ///
    /// ```
    /// use sslprobe_build::version::{VersionRange, VersionSet};
    /// let mut s = VersionSet::new();
    /// s.insert(VersionRange::empty());
    /// assert!(s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `v` is in the set.
    ///
    /// ```
    /// use sslprobe_build::{version::{VersionRange, VersionSet}, Version};
    /// let mut s = VersionSet::new();
    /// s.insert(VersionRange::before(&Version::new(1, 1, 0)));
    /// assert!(s.contains(&Version::parse("1.0.2u")?));
    /// assert!(!s.contains(&Version::new(1, 1, 0)));
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn contains(&self, v: &Version) -> bool {
        self.ranges.iter().any(|r| r.contains(v))
    }

    /// The part of the set inside `range`.
    ///
    /// ```
    /// use sslprobe_build::{version::{VersionRange, VersionSet}, Version};
    /// let mut s = VersionSet::new();
    /// s.insert(VersionRange::all());
    /// let part = s.intersect(&VersionRange::before(&Version::new(3, 0, 0)));
    /// assert_eq!(part.ranges()[0].to_string(), "<3.0.0");
    /// ```
    pub fn intersect(&self, range: &VersionRange) -> VersionSet {
        let mut out = VersionSet::new();
        for r in &self.ranges {
            out.insert(r.intersect(range));
        }
        out
    }
}
