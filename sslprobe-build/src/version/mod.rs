//! Library families and versions.
//!
//! sslprobe deals with four OpenSSL-family libraries ([`Family`]) whose versions do not all
//! follow semver:
//!
//! * OpenSSL 1.x uses *letter releases*: `1.1.0` < `1.1.0a` < … < `1.1.0z` < `1.1.0za` < … <
//!   `1.1.1`. The letter is the bug-fix level; the third number is a feature level.
//! * OpenSSL >= 3, LibreSSL and AWS-LC use plain `MAJOR.MINOR.PATCH`.
//! * BoringSSL has no releases at all, only an API version written as a single integer
//!   (`BORINGSSL_API_VERSION`, e.g. `44`).
//!
//! [`Version`] covers all of them with one total order, and [`VersionReq`] is a semver-style
//! requirement (`">=1.1.0h, <3"`) that understands letters. Both can be decoded from the
//! numeric macros the headers define ([`Version::from_openssl_number`],
//! [`Version::from_libressl_number`]) and mapped into [`semver::Version`] without losing
//! order ([`Version::to_semver`]).
//!
//! ```
//! use sslprobe_build::version::{Family, Version, VersionReq};
//!
//! let v = Version::from_openssl_number(0x1010009f);
//! assert_eq!(v.to_string(), "1.1.0i");
//! assert!(v < Version::parse("1.1.1").unwrap());
//! assert!(VersionReq::parse(">=1.1.0h, <3").unwrap().matches(&v));
//! assert_eq!(Family::OpenSsl.cfg(), "sslprobe_openssl");
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::{Error, Result};

// ---------------------------------------------------------------------------------------------
// Family
// ---------------------------------------------------------------------------------------------

/// The four OpenSSL-family libraries sslprobe knows.
///
/// The lowercase name ([`Family::as_str`]) is the one spelling used everywhere: in cfgs
/// (`sslprobe_openssl`), JSON, TOML and on the command line.
///
/// ```
/// use sslprobe_build::version::Family;
///
/// let f: Family = "AWS-LC".parse().unwrap();
/// assert_eq!(f, Family::AwsLc);
/// assert_eq!(f.as_str(), "awslc");
/// assert_eq!(f.display_name(), "AWS-LC");
/// assert_eq!(f.cfg(), "sslprobe_awslc");
/// assert_eq!(f.to_string(), "awslc");
/// assert!("wolfssl".parse::<Family>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Family {
    /// OpenSSL (<https://www.openssl.org>).
    #[cfg_attr(feature = "serde", serde(rename = "openssl"))]
    OpenSsl,
    /// LibreSSL (<https://www.libressl.org>).
    #[cfg_attr(feature = "serde", serde(rename = "libressl"))]
    LibreSsl,
    /// BoringSSL (<https://boringssl.googlesource.com/boringssl>).
    #[cfg_attr(feature = "serde", serde(rename = "boringssl"))]
    BoringSsl,
    /// AWS-LC (<https://github.com/aws/aws-lc>).
    #[cfg_attr(feature = "serde", serde(rename = "awslc"))]
    AwsLc,
    /// wolfSSL's OpenSSL compatibility layer: identified and probed (`sslprobe probe`), but the
    /// knowledge DB has no rows for it and openssl-sys cannot link it. Not in [`Family::ALL`].
    #[cfg_attr(feature = "serde", serde(rename = "wolfssl"))]
    WolfSsl,
}

impl Family {
    /// Every family that emits a cfg (`sslprobe_<name>`): [`Family::ALL`] plus wolfSSL.
    ///
    /// ```
    /// use sslprobe_build::Family;
    /// assert_eq!(Family::EVERY.len(), Family::ALL.len() + 1);
    /// assert_eq!(Family::EVERY.last(), Some(&Family::WolfSsl));
    /// ```
    pub const EVERY: [Family; 5] = [
        Family::OpenSsl,
        Family::LibreSsl,
        Family::BoringSsl,
        Family::AwsLc,
        Family::WolfSsl,
    ];

    /// The four OpenSSL-family libraries the knowledge DB covers, in declaration order.
    ///
    /// ```
    /// use sslprobe_build::Family;
    /// let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
    /// assert_eq!(names, ["openssl", "libressl", "boringssl", "awslc"]);
    /// assert!(!Family::ALL.contains(&Family::WolfSsl));
    /// ```
    pub const ALL: [Family; 4] = [
        Family::OpenSsl,
        Family::LibreSsl,
        Family::BoringSsl,
        Family::AwsLc,
    ];

    /// The lowercase name: `"openssl"`, `"libressl"`, `"boringssl"` or `"awslc"`.
    ///
    /// This is the spelling used in cfgs, JSON, TOML and on the command line.
    ///
    /// ```
    /// use sslprobe_build::Family;
    /// assert_eq!(Family::LibreSsl.as_str(), "libressl");
    /// assert_eq!("LibreSSL".parse::<Family>().unwrap(), Family::LibreSsl);
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Family::OpenSsl => "openssl",
            Family::LibreSsl => "libressl",
            Family::BoringSsl => "boringssl",
            Family::AwsLc => "awslc",
            Family::WolfSsl => "wolfssl",
        }
    }

    /// The human-readable name: `"OpenSSL"`, `"LibreSSL"`, `"BoringSSL"` or `"AWS-LC"`.
    ///
    /// ```
    /// use sslprobe_build::Family;
    /// assert_eq!(Family::BoringSsl.display_name(), "BoringSSL");
    /// ```
    pub fn display_name(&self) -> &'static str {
        match self {
            Family::OpenSsl => "OpenSSL",
            Family::LibreSsl => "LibreSSL",
            Family::BoringSsl => "BoringSSL",
            Family::AwsLc => "AWS-LC",
            Family::WolfSsl => "wolfSSL",
        }
    }

    /// The cfg name emitted for this family: `"sslprobe_"` + [`Family::as_str`].
    ///
    /// ```
    /// // In a dependent's code: #[cfg(sslprobe_libressl)]
    /// assert_eq!(sslprobe_build::Family::LibreSsl.cfg(), "sslprobe_libressl");
    /// ```
    pub fn cfg(&self) -> String {
        format!("sslprobe_{}", self.as_str())
    }
}

impl FromStr for Family {
    type Err = Error;

    /// Accepts the four lowercase names in any case, and also `aws-lc`; surrounding
    /// whitespace is ignored.
    fn from_str(s: &str) -> Result<Family> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("aws-lc") {
            return Ok(Family::AwsLc);
        }
        Family::ALL
            .into_iter()
            .find(|f| t.eq_ignore_ascii_case(f.as_str()))
            .ok_or_else(|| {
                Error::invalid(
                    "SSL library family",
                    s,
                    "expected one of: openssl, libressl, boringssl, awslc (aws-lc)",
                )
            })
    }
}

impl fmt::Display for Family {
    /// Writes [`Family::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Version
// ---------------------------------------------------------------------------------------------

/// The highest letter index: `"zz"`.
pub(crate) const MAX_LETTER_INDEX: u64 = 52;

/// What [`Version::parse`] accepts, for error messages.
const VERSION_FORM: &str =
    "expected MAJOR[.MINOR[.PATCH[letter]]] with decimal numbers without sign or \
     leading zeros, and an optional OpenSSL letter suffix (a-z, or za-zz) only after PATCH, \
     e.g. 44, 3.0, 3.0.13, 1.1.0i, 1.0.2za";

/// A library version that orders OpenSSL letter releases correctly.
///
/// The order is `major`, then `minor`, then `patch`, then the letter: `""` < `"a"` < … < `"z"`
/// < `"za"` < … < `"zz"`, so
/// `1.0.2 < 1.0.2a < 1.0.2z < 1.0.2za < 1.1.0 < 1.1.0i < 1.1.1 < 1.1.1w < 3.0.0 < 3.0.13`.
///
/// A version remembers how many components it was written with (1, 2 or 3), *only* for
/// display: BoringSSL API versions are written as one integer (`44`), so they display as `44`.
/// Equality, hashing and ordering ignore it: `1.1 == 1.1.0` and `44 == 44.0.0`.
///
/// Serialized (serde) as its display string.
///
/// ```
/// use sslprobe_build::Version;
///
/// let v: Version = "1.1.0i".parse().unwrap();
/// assert_eq!((v.major, v.minor, v.patch, v.letter()), (1, 1, 0, "i"));
/// assert_eq!(v.letter_index(), 9);
/// assert_eq!(v, Version::new(1, 1, 0).with_letter("i").unwrap());
/// assert!(Version::parse("1.0.2za").unwrap() < Version::parse("1.1.0").unwrap());
/// assert_eq!(Version::parse("1.1").unwrap(), Version::new(1, 1, 0));
/// assert_eq!(Version::api(44).to_string(), "44");
/// assert!(Version::parse("1.1.0I").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Version {
    /// Major version (for BoringSSL: the API version).
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version (for OpenSSL 1.x: the "fix" number before the letter).
    pub patch: u64,
    /// OpenSSL letter suffix: empty, one of `a`..=`z`, or `za`..=`zz`. Always valid.
    letter: String,
    /// Components as written (1, 2 or 3); only used by `Display`.
    components: u8,
}

impl Version {
    /// A three-component version `major.minor.patch` without letter.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// let v = Version::new(3, 0, 13);
    /// assert_eq!(v.to_string(), "3.0.13");
    /// assert_eq!(v, "3.0.13".parse().unwrap());
    /// ```
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            letter: String::new(),
            components: 3,
        }
    }

    /// A one-component version, as used for BoringSSL (and AWS-LC) API versions: `api(44)`
    /// equals `44.0.0` and displays as `44`.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// let boring = Version::api(19); // BORINGSSL_API_VERSION 19
    /// assert_eq!(boring.to_string(), "19");
    /// assert_eq!(boring, Version::new(19, 0, 0));
    /// assert!(boring > Version::api(18));
    /// ```
    pub fn api(n: u64) -> Version {
        Version {
            major: n,
            minor: 0,
            patch: 0,
            letter: String::new(),
            components: 1,
        }
    }

    /// Sets the OpenSSL letter suffix (`""` clears it).
    ///
    /// Accepts exactly what [`Version::parse`] accepts after the patch number: empty, one
    /// lowercase letter `a`..=`z`, or two letters `za`..=`zz`. A version with a letter is
    /// always displayed with three components.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// let v = Version::new(1, 0, 2).with_letter("zb")?;
    /// assert_eq!(v.to_string(), "1.0.2zb");
    /// assert!(Version::new(1, 0, 2).with_letter("Z").is_err());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn with_letter(mut self, letter: &str) -> Result<Version> {
        if let Err(reason) = check_letter(letter) {
            return Err(Error::invalid("version letter", letter, reason));
        }
        self.letter = letter.to_string();
        if !letter.is_empty() {
            self.components = 3;
        }
        Ok(self)
    }

    /// Parses `3`, `3.0`, `3.0.13`, `1.1.0i`, `1.0.2za`; surrounding whitespace is ignored.
    ///
    /// Strict: rejects the empty string, prefixes (`v3`), signs, leading zeros (`1.01`),
    /// empty or extra components (`1..2`, `1.2.3.4`), uppercase letters (`1.1.0I`), letters on
    /// fewer than three components (`1.1a`), letters other than `a`..=`z`/`za`..=`zz`, and
    /// numbers that overflow `u64`. The error quotes the input and describes the accepted form.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::parse(" 1.1.1w ")?.letter(), "w");
    /// assert_eq!(Version::parse("44")?, Version::api(44));
    /// for bad in ["", "v3", "1.01", "1.1a", "1.2.3.4"] {
    ///     assert!(Version::parse(bad).is_err(), "{bad}");
    /// }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<Version> {
        parse_version(s.trim()).map_err(|reason| Error::invalid("version", s, reason))
    }

    /// Decodes an `OPENSSL_VERSION_NUMBER`.
    ///
    /// * major < 3: `0xMNNFFPPS` — M major, NN minor, FF fix (our `patch`), PP letter index
    ///   (0 none, 1 = `a` … 26 = `z`, 27 = `za` …, clamped to 52 = `zz`), S status (ignored).
    ///   `0x1010009f` is 1.1.0i, `0x1010117f` is 1.1.1w, `0x1000214f` is 1.0.2t.
    /// * major >= 3: `(MAJOR << 28) | (MINOR << 20) | (PATCH << 4) | S` (OpenSSL 3's
    ///   `opensslv.h`), so `0x300000d0` is 3.0.13.
    ///
    /// Bits above 31 are treated as part of the major number. Note that LibreSSL always
    /// claims `0x20000000` and BoringSSL / AWS-LC claim `0x1010107f`: use
    /// [`Version::from_libressl_number`] or the API versions for those.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::from_openssl_number(0x1010117f).to_string(), "1.1.1w");
    /// assert_eq!(Version::from_openssl_number(0x300000d0).to_string(), "3.0.13");
    /// ```
    pub fn from_openssl_number(n: u64) -> Version {
        let major = n >> 28;
        let minor = (n >> 20) & 0xff;
        if major >= 3 {
            Version::new(major, minor, (n >> 4) & 0xffff)
        } else {
            let fix = (n >> 12) & 0xff;
            let letter = letter_from_index((n >> 4) & 0xff);
            Version {
                major,
                minor,
                patch: fix,
                letter,
                components: 3,
            }
        }
    }

    /// Decodes a `LIBRESSL_VERSION_NUMBER` (LibreSSL >= 2.4.0):
    /// `M << 28 | m << 20 | p << 12 | 0xf`, so `0x3050000f` is 3.5.0.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::from_libressl_number(0x3090200f), Version::new(3, 9, 2));
    /// ```
    pub fn from_libressl_number(n: u64) -> Version {
        Version::new(n >> 28, (n >> 20) & 0xff, (n >> 12) & 0xff)
    }

    /// The letter suffix: `""`, `"a"`..=`"z"` or `"za"`..=`"zz"`.
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::parse("1.0.2za")?.letter(), "za");
    /// assert_eq!(Version::parse("3.0.13")?.letter(), "");
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn letter(&self) -> &str {
        &self.letter
    }

    /// The position of the letter in the order: 0 for none, 1..=26 for `a`..=`z`,
    /// 27..=52 for `za`..=`zz` (OpenSSL's PP byte in `OPENSSL_VERSION_NUMBER`).
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::parse("1.1.1w")?.letter_index(), 23);
    /// assert_eq!(Version::parse("1.0.2zb")?.letter_index(), 28);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn letter_index(&self) -> u64 {
        // The letter is always valid (`a`..=`z` or `za`..=`zz`), so nothing here underflows.
        match *self.letter.as_bytes() {
            [] => 0,
            [l] => u64::from(l - b'a') + 1,
            [_, l, ..] => u64::from(l - b'a') + 27,
        }
    }

    /// Whether this is an OpenSSL letter release (`1.1.0i`), i.e. the letter is not empty.
    pub(crate) fn is_letter_release(&self) -> bool {
        !self.letter.is_empty()
    }

    /// Maps into [`semver::Version`] preserving order (and equality):
    /// `major.minor.(patch * 100 + letter_index)`, no pre-release, no build metadata.
    ///
    /// `1.1.0i` ↦ `1.1.9`, `1.1.1` ↦ `1.1.100`, `1.0.2za` ↦ `1.0.227`, `3.0.13` ↦ `3.0.1300`.
    /// The order is preserved for every patch below `u64::MAX / 100 - 1`; beyond that the
    /// multiplication saturates (no real library comes close).
    ///
    /// ```
    /// use sslprobe_build::Version;
    /// assert_eq!(Version::parse("1.1.0i").unwrap().to_semver(), semver::Version::new(1, 1, 9));
    /// ```
    pub fn to_semver(&self) -> semver::Version {
        semver::Version::new(
            self.major,
            self.minor,
            self.patch
                .saturating_mul(100)
                .saturating_add(self.letter_index()),
        )
    }

    /// The components shown by `Display`: as written, but never hiding a non-zero part.
    fn shown_components(&self) -> u8 {
        let needed = if self.patch != 0 || !self.letter.is_empty() {
            3
        } else if self.minor != 0 {
            2
        } else {
            1
        };
        self.components.max(needed)
    }

    fn key(&self) -> (u64, u64, u64, u64) {
        (self.major, self.minor, self.patch, self.letter_index())
    }
}

/// The letter for an index (see [`Version::letter_index`]), clamped to `"zz"`.
pub(crate) fn letter_from_index(idx: u64) -> String {
    let idx = idx.min(MAX_LETTER_INDEX);
    match idx {
        0 => String::new(),
        1..=26 => char::from(b'a' + (idx - 1) as u8).to_string(),
        _ => format!("z{}", char::from(b'a' + (idx - 27) as u8)),
    }
}

fn check_letter(letter: &str) -> std::result::Result<(), String> {
    let b = letter.as_bytes();
    if !b.iter().all(u8::is_ascii_lowercase) {
        return Err("a letter suffix must consist of lowercase letters a-z".into());
    }
    match b.len() {
        0 | 1 => Ok(()),
        2 if b.first() == Some(&b'z') => Ok(()),
        2 => Err("a two-letter suffix must start with 'z' (za..zz)".into()),
        _ => Err("a letter suffix has at most two letters (a..z, za..zz)".into()),
    }
}

fn parse_number(part: &str) -> std::result::Result<u64, String> {
    if part.is_empty() {
        return Err(format!("empty version component; {VERSION_FORM}"));
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "component {part:?} is not a decimal number; {VERSION_FORM}"
        ));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!(
            "component {part:?} has a leading zero; {VERSION_FORM}"
        ));
    }
    part.parse::<u64>()
        .map_err(|_| format!("component {part:?} is too large (overflows u64)"))
}

/// Parses an already trimmed version; the error is a reason (without the input).
fn parse_version(s: &str) -> std::result::Result<Version, String> {
    if s.is_empty() {
        return Err(format!("empty version; {VERSION_FORM}"));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 3 {
        return Err(format!("more than three components; {VERSION_FORM}"));
    }
    let last = parts.len() - 1;
    let mut nums = [0u64; 3];
    let mut letter = "";
    for (i, part) in parts.iter().enumerate() {
        let mut digits = *part;
        if i == last {
            let split = part
                .bytes()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(part.len());
            let (d, rest) = part.split_at(split);
            if !rest.is_empty() && !d.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()) {
                if parts.len() < 3 {
                    return Err(format!(
                        "a letter suffix is only allowed after the third component; {VERSION_FORM}"
                    ));
                }
                check_letter(rest).map_err(|r| format!("{r}; {VERSION_FORM}"))?;
                digits = d;
                letter = rest;
            }
        }
        nums[i] = parse_number(digits)?;
    }
    Ok(Version {
        major: nums[0],
        minor: nums[1],
        patch: nums[2],
        letter: letter.to_string(),
        components: parts.len() as u8,
    })
}

impl FromStr for Version {
    type Err = Error;

    /// Same as [`Version::parse`].
    fn from_str(s: &str) -> Result<Version> {
        Version::parse(s)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for Version {
    /// `44`, `1.1`, `3.0.13`, `1.1.0i`: the components as written (never hiding a non-zero
    /// one), then the letter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.shown_components() {
            1 => self.major.to_string(),
            2 => format!("{}.{}", self.major, self.minor),
            _ => format!(
                "{}.{}.{}{}",
                self.major, self.minor, self.patch, self.letter
            ),
        };
        f.pad(&s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Version, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(deserializer)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// VersionReq
// ---------------------------------------------------------------------------------------------

/// What [`VersionReq::parse`] accepts, for error messages.
const REQ_FORM: &str = "expected comma-separated comparators OP VERSION with OP one of \
     >=, <=, >, <, =, ^, ~ or none (= ^), and VERSION as in 3, 1.1, 1.1.0h; or * for any";

/// A semver-style version requirement over [`Version`]s that understands OpenSSL letters.
///
/// Comma-separated comparators, all of which must match: `">=1.1.0h, <3"`, `"^1.1"`,
/// `"~1.1.1"`, `"=3.0.13"`, `">= 3.0"`; a bare version means `^`, as in semver; `""` and
/// `"*"` match everything. Versions may be partial (`1.1`, `3`) and full ones may carry a
/// letter.
///
/// Semantics are semver's, applied to [`Version::to_semver`] (the letter sits *below* the
/// patch number), with letters treated as the finest level:
///
/// * `>=`, `>`, `<`, `<=`, `=` compare in [`Version`] order; partial versions behave as in
///   semver (`<=1.1` means `<1.2.0`, `=1.1` means `1.1.*`).
/// * `~M.m.p[l]` allows only later *letters* of the same patch: `~1.1.0` matches `1.1.0i`
///   but not `1.1.1` (for OpenSSL 1.x the third number is a feature release); `~M.m` and
///   `~M` are as in semver.
/// * `^` is semver's caret; `^0.0.p[l]` likewise allows later letters of `0.0.p`.
///
/// Serialized (serde) as its text.
///
/// ```
/// use sslprobe_build::{Version, VersionReq};
///
/// let req = VersionReq::parse(">=1.1.0h, <3").unwrap();
/// assert!(req.matches(&"1.1.0i".parse().unwrap()));
/// assert!(!req.matches(&"1.1.0g".parse().unwrap()));
/// assert!(!req.matches(&Version::new(3, 0, 0)));
/// assert!(VersionReq::parse(">=18").unwrap().matches(&Version::api(44)));
/// assert!(VersionReq::any().matches(&Version::new(0, 9, 8)));
/// assert_eq!(req.to_string(), ">=1.1.0h, <3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionReq {
    /// The requirement as written (trimmed; `"*"` for any).
    text: String,
    /// The same requirement over [`Version::to_semver`] images.
    req: semver::VersionReq,
}

impl VersionReq {
    /// The requirement that matches every version (`*`).
    ///
    /// ```
    /// use sslprobe_build::{Version, VersionReq};
    /// let any = VersionReq::any();
    /// assert!(any.is_any() && any.matches(&Version::api(1)));
    /// assert_eq!(any, VersionReq::parse("*")?);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn any() -> VersionReq {
        VersionReq {
            text: "*".to_string(),
            req: semver::VersionReq::STAR,
        }
    }

    /// Parses a requirement (see the type documentation for the syntax).
    ///
    /// The error quotes the whole requirement and the offending comparator.
    ///
    /// ```
    /// use sslprobe_build::{Version, VersionReq};
    /// let req = VersionReq::parse("~1.1.0")?; // later letters of 1.1.0 only
    /// assert!(req.matches(&Version::parse("1.1.0l")?));
    /// assert!(!req.matches(&Version::parse("1.1.1")?));
    /// let err = VersionReq::parse(">=1.1.0h, <<3").unwrap_err().to_string();
    /// assert!(err.contains("<<3"), "{err}");
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<VersionReq> {
        let text = s.trim();
        if text.is_empty() || text == "*" {
            return Ok(VersionReq::any());
        }
        let mut rewritten: Vec<String> = Vec::new();
        for cmp in text.split(',') {
            let cmp = cmp.trim();
            let err = |reason: String| {
                Error::invalid(
                    "version requirement",
                    s,
                    format!("comparator {cmp:?}: {reason}"),
                )
            };
            rewrite_comparator(cmp, &mut rewritten).map_err(err)?;
        }
        let semver_text = rewritten.join(", ");
        let req = semver::VersionReq::parse(&semver_text).map_err(|e| {
            Error::invalid(
                "version requirement",
                s,
                format!("rewritten as {semver_text:?} it is not a valid semver requirement: {e}"),
            )
        })?;
        Ok(VersionReq {
            text: text.to_string(),
            req,
        })
    }

    /// Whether `v` satisfies every comparator.
    ///
    /// ```
    /// use sslprobe_build::{Version, VersionReq};
    /// let lts = VersionReq::parse("=3.0")?;
    /// assert!(lts.matches(&Version::new(3, 0, 16)));
    /// assert!(!lts.matches(&Version::new(3, 1, 0)));
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn matches(&self, v: &Version) -> bool {
        self.req.matches(&v.to_semver())
    }

    /// Whether this requirement matches every version (it was written `*` or empty).
    ///
    /// ```
    /// use sslprobe_build::VersionReq;
    /// assert!(VersionReq::parse("")?.is_any());
    /// assert!(!VersionReq::parse(">=0")?.is_any());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn is_any(&self) -> bool {
        self.req.comparators.is_empty()
    }

    /// The equivalent requirement over [`Version::to_semver`] images (letters folded into
    /// the patch number, e.g. `>=1.1.0h` is `>=1.1.8`).
    ///
    /// ```
    /// use sslprobe_build::VersionReq;
    /// let req = VersionReq::parse(">=1.1.0h")?;
    /// assert_eq!(req.as_semver().to_string(), ">=1.1.8");
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn as_semver(&self) -> &semver::VersionReq {
        &self.req
    }
}

/// Rewrites one comparator into one or two semver comparators over `to_semver` images.
fn rewrite_comparator(cmp: &str, out: &mut Vec<String>) -> std::result::Result<(), String> {
    if cmp.is_empty() {
        return Err(format!("empty comparator; {REQ_FORM}"));
    }
    let ops = [">=", "<=", ">", "<", "=", "^", "~"];
    let (op, rest) = match ops.iter().find(|op| cmp.starts_with(**op)) {
        Some(op) => (*op, &cmp[op.len()..]),
        None => ("^", cmp),
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(format!("missing version after {op:?}; {REQ_FORM}"));
    }
    let v = parse_version(rest).map_err(|r| format!("bad version {rest:?}: {r}"))?;
    if v.components < 3 {
        let partial = match v.components {
            1 => format!("{}", v.major),
            _ => format!("{}.{}", v.major, v.minor),
        };
        out.push(format!("{op}{partial}"));
        return Ok(());
    }
    let too_large = || format!("patch number {} is too large", v.patch);
    let mapped = v
        .patch
        .checked_mul(100)
        .and_then(|p| p.checked_add(v.letter_index()));
    let mapped = mapped.ok_or_else(too_large)?;
    // Only later letters of the same patch: [M.m.p', M.m.(p+1)*100).
    let letters_only = op == "~" || (op == "^" && v.major == 0 && v.minor == 0);
    if letters_only {
        let next = v
            .patch
            .checked_add(1)
            .and_then(|p| p.checked_mul(100))
            .ok_or_else(too_large)?;
        out.push(format!(">={}.{}.{mapped}", v.major, v.minor));
        out.push(format!("<{}.{}.{next}", v.major, v.minor));
    } else {
        out.push(format!("{op}{}.{}.{mapped}", v.major, v.minor));
    }
    Ok(())
}

impl Default for VersionReq {
    /// [`VersionReq::any`].
    fn default() -> VersionReq {
        VersionReq::any()
    }
}

impl FromStr for VersionReq {
    type Err = Error;

    /// Same as [`VersionReq::parse`].
    fn from_str(s: &str) -> Result<VersionReq> {
        VersionReq::parse(s)
    }
}

impl fmt::Display for VersionReq {
    /// The requirement text as written (trimmed; `"*"` for [`VersionReq::any`] and for an
    /// empty input).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for VersionReq {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for VersionReq {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<VersionReq, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(deserializer)?;
        VersionReq::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

mod range;
pub use range::{VersionRange, VersionSet};

#[cfg(test)]
mod tests;
