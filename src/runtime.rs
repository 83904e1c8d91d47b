//! The library actually loaded at run time, compared with the one probed at build time.

use crate::info::{build_info, Family};
use std::ffi::CStr;
use std::fmt;

/// What the loaded library says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeLibrary {
    /// `OpenSSL_version(OPENSSL_VERSION)`, e.g. `OpenSSL 3.0.19 27 Jan 2026`.
    pub text: String,
    /// The family named by that text, when recognisable.
    pub family: Option<Family>,
    /// The version token of that text, when present (`3.0.19`, `1.1.1w`).
    pub version: Option<String>,
}

/// Reads the run-time library's self-description.
pub fn runtime_library() -> RuntimeLibrary {
    // SAFETY: OpenSSL_version returns a pointer to a static NUL-terminated string.
    let text =
        unsafe { CStr::from_ptr(openssl_sys::OpenSSL_version(openssl_sys::OPENSSL_VERSION)) }
            .to_string_lossy()
            .into_owned();
    parse_version_text(&text)
}

/// Parses a version text such as `OpenSSL 1.1.1w  11 Sep 2023` or `LibreSSL 3.5.0`.
///
/// ```
/// let r = sslprobe::runtime::parse_version_text("OpenSSL 1.1.1w  11 Sep 2023");
/// assert_eq!(r.version.as_deref(), Some("1.1.1w"));
/// assert_eq!(r.family, Some(sslprobe::Family::OpenSsl));
/// ```
pub fn parse_version_text(text: &str) -> RuntimeLibrary {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("");
    let family = match first {
        "OpenSSL" => Some(Family::OpenSsl),
        "LibreSSL" => Some(Family::LibreSsl),
        "BoringSSL" => Some(Family::BoringSsl),
        "AWS-LC" => Some(Family::AwsLc),
        _ => None,
    };
    // BoringSSL says "OpenSSL 1.1.1 (compatible; BoringSSL)"; AWS-LC "OpenSSL 1.1.1 (compatible; AWS-LC 1.x)".
    let family = if text.contains("BoringSSL") {
        Some(Family::BoringSsl)
    } else if text.contains("AWS-LC") {
        Some(Family::AwsLc)
    } else {
        family
    };
    let version = text
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(|w| w.trim_end_matches([')', ',', ';']).to_string());
    RuntimeLibrary {
        text: text.to_string(),
        family,
        version,
    }
}

/// A difference between the library probed at build time and the one loaded now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryMismatch {
    /// What the build probed.
    pub built: String,
    /// What is loaded.
    pub loaded: RuntimeLibrary,
}

impl fmt::Display for LibraryMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sslprobe probed {} at build time but {:?} is loaded at run time: API results may not hold",
            self.built, self.loaded.text
        )
    }
}

impl std::error::Error for LibraryMismatch {}

/// Compares the loaded library with the build-time one (family, and version where both the
/// build and the run-time text carry one; BoringSSL texts carry none).
pub fn check_runtime_library() -> Result<RuntimeLibrary, LibraryMismatch> {
    compare(runtime_library())
}

fn compare(rt: RuntimeLibrary) -> Result<RuntimeLibrary, LibraryMismatch> {
    let b = build_info();
    let family_ok = rt.family == Some(b.family);
    let version_ok = match (b.family, &rt.version) {
        (Family::BoringSsl, _) => true,
        (Family::AwsLc, Some(v)) => {
            b.version == v || b.version_text.is_some_and(|t| t.contains(v.as_str()))
        }
        (_, Some(v)) => v == b.version,
        (_, None) => false,
    };
    if family_ok && version_ok {
        Ok(rt)
    } else {
        Err(LibraryMismatch {
            built: b.describe(),
            loaded: rt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_texts() {
        let r = parse_version_text("LibreSSL 3.5.0");
        assert_eq!(
            (r.family, r.version.as_deref()),
            (Some(Family::LibreSsl), Some("3.5.0"))
        );
        let r = parse_version_text("OpenSSL 1.1.1 (compatible; BoringSSL)");
        assert_eq!(r.family, Some(Family::BoringSsl));
        let r = parse_version_text("garbage");
        assert_eq!((r.family, r.version), (None, None));
    }

    #[test]
    fn loaded_library_matches_the_probed_one() {
        // Built and run against the same library here: must match.
        let rt = check_runtime_library().unwrap();
        assert_eq!(rt.family, Some(build_info().family));
    }

    #[test]
    fn a_different_version_is_reported() {
        let b = build_info();
        let fake = RuntimeLibrary {
            text: "OpenSSL 0.9.8zh".into(),
            family: Some(b.family),
            version: Some("0.9.8zh".into()),
        };
        if b.family != Family::BoringSsl {
            let e = compare(fake).unwrap_err();
            assert!(e.to_string().contains("0.9.8zh"), "{e}");
        }
        let other = RuntimeLibrary {
            text: "wolfSSL".into(),
            family: None,
            version: None,
        };
        assert!(compare(other).is_err());
    }
}
