//! Tests of versions and requirements.
use super::*;
use proptest::prelude::*;
use std::collections::HashSet;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn req(s: &str) -> VersionReq {
    VersionReq::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

const CHAIN: &[&str] = &[
    "1.0.2", "1.0.2a", "1.0.2z", "1.0.2za", "1.0.2zl", "1.1.0", "1.1.0h", "1.1.0i", "1.1.1",
    "1.1.1w", "3.0.0", "3.0.13", "4.0.0",
];

#[test]
fn family_names() {
    for f in Family::ALL {
        assert_eq!(f.as_str().parse::<Family>().unwrap(), f);
        assert_eq!(f.as_str().to_uppercase().parse::<Family>().unwrap(), f);
        assert_eq!(f.to_string(), f.as_str());
        assert_eq!(f.cfg(), format!("sslprobe_{}", f.as_str()));
    }
    assert_eq!("aws-lc".parse::<Family>().unwrap(), Family::AwsLc);
    assert_eq!("AWS-LC".parse::<Family>().unwrap(), Family::AwsLc);
    assert_eq!("OpenSSL".parse::<Family>().unwrap(), Family::OpenSsl);
    assert_eq!(Family::BoringSsl.display_name(), "BoringSSL");
    assert_eq!(Family::AwsLc.display_name(), "AWS-LC");
    let e = "wolfssl".parse::<Family>().unwrap_err().to_string();
    assert!(
        e.contains("wolfssl") && e.contains("openssl, libressl, boringssl, awslc"),
        "{e}"
    );
    assert!("".parse::<Family>().is_err());
    assert!("open ssl".parse::<Family>().is_err());
}

/// serde is the contract with the CLI's JSON output (the optional `serde` feature).
#[cfg(feature = "serde")]
mod serde_impls {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[test]
    fn family_serde() {
        let names: Vec<String> = Family::ALL.iter().map(toml_str).collect();
        assert_eq!(names, ["openssl", "libressl", "boringssl", "awslc"]);
        #[derive(Deserialize)]
        struct W {
            f: Family,
        }
        let w: W = toml::from_str("f = \"awslc\"").unwrap();
        assert_eq!(w.f, Family::AwsLc);
    }

    /// Serializes a value as a bare TOML string value (via a one-field table).
    fn toml_str<T: Serialize>(t: &T) -> String {
        #[derive(Serialize)]
        struct W<'a, T: Serialize> {
            x: &'a T,
        }
        let s = toml::to_string(&W { x: t }).unwrap();
        let s = s.trim().strip_prefix("x = ").unwrap().to_string();
        s.trim_matches('"').to_string()
    }

    #[test]
    fn version_serde() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct W {
            v: Version,
            r: VersionReq,
        }
        let w = W {
            v: v("1.1.0i"),
            r: req(">=1.1.0h, <3"),
        };
        let s = toml::to_string(&w).unwrap();
        assert!(s.contains("v = \"1.1.0i\""), "{s}");
        assert!(s.contains("r = \">=1.1.0h, <3\""), "{s}");
        let back: W = toml::from_str(&s).unwrap();
        assert_eq!(back, w);
        assert_eq!(toml_str(&Version::api(44)), "44");
        assert!(toml::from_str::<W>("v = \"1.1.0I\"\nr = \"*\"").is_err());
        assert!(toml::from_str::<W>("v = \"1\"\nr = \">>1\"").is_err());
    }
}

#[test]
fn chain_order() {
    let chain: Vec<Version> = CHAIN.iter().map(|s| v(s)).collect();
    for w in chain.windows(2) {
        assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
        assert!(
            w[0].to_semver() < w[1].to_semver(),
            "{} < {} (semver)",
            w[0],
            w[1]
        );
    }
    let mut shuffled = chain.clone();
    shuffled.reverse();
    shuffled.swap(0, 5);
    shuffled.swap(3, 9);
    shuffled.sort();
    assert_eq!(shuffled, chain);
    assert!(v("1.0.2y") < v("1.0.2z"));
    assert!(v("1.0.2zz") < v("1.0.3"));
    assert!(v("0.9.8zh") < v("1.0.0"));
    assert!(v("3.0.9") < v("3.0.10"));
}

#[test]
fn equality_ignores_components() {
    assert_eq!(v("1.1"), v("1.1.0"));
    assert_eq!(v("3"), Version::new(3, 0, 0));
    assert_eq!(Version::api(44), v("44.0.0"));
    assert_ne!(v("1.1.0"), v("1.1.0a"));
    let set: HashSet<Version> = ["1.1", "1.1.0", "1.1.0a"].iter().map(|s| v(s)).collect();
    assert_eq!(set.len(), 2);
    assert_eq!(v("1.1").cmp(&v("1.1.0")), Ordering::Equal);
}

#[test]
fn display() {
    for s in [
        "44", "1.1", "1.1.0i", "3.0.13", "0", "0.0", "0.0.0", "1.0.2za", "1.0.2zl",
    ] {
        assert_eq!(v(s).to_string(), s);
    }
    assert_eq!(v("  3.0.13\n").to_string(), "3.0.13");
    assert_eq!(Version::api(44).to_string(), "44");
    assert_eq!(Version::new(3, 0, 0).to_string(), "3.0.0");
    assert_eq!(
        Version::api(44).with_letter("a").unwrap().to_string(),
        "44.0.0a"
    );
    let mut x = Version::api(1);
    x.patch = 2;
    assert_eq!(x.to_string(), "1.0.2");
    assert_eq!(format!("[{:>8}]", v("1.1.0i")), "[  1.1.0i]");
}

#[test]
fn display_round_trip() {
    let inputs = [
        "0",
        "1",
        "44",
        "1.1",
        "3.4",
        "1.0.2",
        "1.0.2a",
        "1.0.2z",
        "1.0.2za",
        "1.0.2zz",
        "1.1.0i",
        "3.0.13",
        "18446744073709551615",
        "1.18446744073709551615.0",
    ];
    for s in inputs {
        let a = v(s);
        let b = v(&a.to_string());
        assert_eq!(a, b);
        assert_eq!(a.to_string(), b.to_string());
    }
    for n in 0..=MAX_LETTER_INDEX {
        let a = Version {
            letter: letter_from_index(n),
            ..Version::new(1, 0, 2)
        };
        assert_eq!(a.letter_index(), n);
        assert_eq!(v(&a.to_string()), a);
    }
}

#[test]
fn parse_errors() {
    let bad = [
        "",
        "   ",
        "v3",
        "V3",
        "1..2",
        ".1",
        "1.",
        "1.2.3.4",
        "1.1.0I",
        "1.1.0A",
        "1.1a",
        "3a",
        "1.1.0ab",
        "1.1.0zab",
        "1.1.0aa",
        "1.1.0é",
        "1.1.0-",
        "+1",
        "-1",
        "1.+2",
        "1.-2",
        "18446744073709551616",
        "1.1.99999999999999999999",
        "1.01",
        "01",
        "1.1.0 i",
        "1 .1",
        "1,1",
        "a",
        "1.1.i",
        "1.1.0i1",
        "1.1.0_",
        "x.y.z",
        "３",
    ];
    for s in bad {
        match Version::parse(s) {
            Ok(x) => panic!("{s:?} parsed as {x}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("{s:?}")), "{msg} lacks {s:?}");
                assert!(
                    msg.contains("expected") || msg.contains("too large"),
                    "{msg}"
                );
            }
        }
    }
    assert!(Version::new(1, 1, 0).with_letter("I").is_err());
    assert!(Version::new(1, 1, 0).with_letter("ab").is_err());
    assert!(Version::new(1, 1, 0).with_letter("zzz").is_err());
    assert_eq!(Version::new(1, 1, 0).with_letter("").unwrap(), v("1.1.0"));
    assert_eq!(v("1.1.0i").with_letter("").unwrap().to_string(), "1.1.0");
}

#[test]
fn letter_index() {
    assert_eq!(v("1.1.0").letter_index(), 0);
    assert_eq!(v("1.1.0a").letter_index(), 1);
    assert_eq!(v("1.1.0z").letter_index(), 26);
    assert_eq!(v("1.1.0za").letter_index(), 27);
    assert_eq!(v("1.1.0zz").letter_index(), 52);
    assert!(v("1.1.0a").is_letter_release());
    assert!(!v("1.1.0").is_letter_release());
    assert_eq!(v("1.0.2za").to_semver(), semver::Version::new(1, 0, 227));
    assert_eq!(v("3.0.13").to_semver(), semver::Version::new(3, 0, 1300));
    assert_eq!(Version::api(44).to_semver(), semver::Version::new(44, 0, 0));
}

#[test]
fn openssl_numbers() {
    assert_eq!(Version::from_openssl_number(0x1010009f), v("1.1.0i"));
    assert_eq!(
        Version::from_openssl_number(0x1010009f).to_string(),
        "1.1.0i"
    );
    assert_eq!(Version::from_openssl_number(0x1010117f), v("1.1.1w"));
    assert_eq!(Version::from_openssl_number(0x1000214f), v("1.0.2t"));
    assert_eq!(Version::from_openssl_number(0x1010107f), v("1.1.1g"));
    assert_eq!(Version::from_openssl_number(0x1010100f), v("1.1.1"));
    assert_eq!(Version::from_openssl_number(0x100021bf), v("1.0.2za"));
    assert_eq!(Version::from_openssl_number(0x0090819f), v("0.9.8y"));
    assert_eq!(
        Version::from_openssl_number(0x10002fff),
        v("1.0.2zz"),
        "clamped"
    );
    assert_eq!(Version::from_openssl_number(0x300000d0), v("3.0.13"));
    assert_eq!(Version::from_openssl_number(0x300000df), v("3.0.13"));
    assert_eq!(Version::from_openssl_number(0x30000000), v("3.0.0"));
    assert_eq!(Version::from_openssl_number(0x30500050), v("3.5.5"));
    assert_eq!(Version::from_openssl_number(0x40000030), v("4.0.3"));
    assert_eq!(
        Version::from_openssl_number(0x40000030).to_string(),
        "4.0.3"
    );
    assert_eq!(Version::from_openssl_number(0x1_0010_0010), v("16.1.1"));
}

#[test]
fn libressl_numbers() {
    assert_eq!(Version::from_libressl_number(0x3050000f), v("3.5.0"));
    assert_eq!(Version::from_libressl_number(0x3010000f), v("3.1.0"));
    assert_eq!(Version::from_libressl_number(0x2070000f), v("2.7.0"));
    assert_eq!(Version::from_libressl_number(0x2080100f), v("2.8.1"));
    assert_eq!(
        Version::from_libressl_number(0x3050000f).to_string(),
        "3.5.0"
    );
}

fn check(r: &str, yes: &[&str], no: &[&str]) {
    let q = req(r);
    for s in yes {
        assert!(
            q.matches(&v(s)),
            "{r} should match {s} (semver {})",
            q.as_semver()
        );
    }
    for s in no {
        assert!(
            !q.matches(&v(s)),
            "{r} should not match {s} (semver {})",
            q.as_semver()
        );
    }
}

#[test]
fn req_matching() {
    check(
        ">=1.1.1",
        &["1.1.1", "1.1.1w", "3.0.0"],
        &["1.1.0i", "1.1.0", "1.0.2zz"],
    );
    check(
        "<1.1.1",
        &["1.1.0i", "1.1.0", "1.0.2za"],
        &["1.1.1", "1.1.1a", "3.0.0"],
    );
    check(
        ">=1.1.0h",
        &["1.1.0h", "1.1.0i", "1.1.1"],
        &["1.1.0g", "1.1.0"],
    );
    check(">=3.4, <4", &["3.4.0", "3.9.2"], &["4.0.0", "3.3.9"]);
    check("^1.1", &["1.1.0i", "1.1.1w", "1.1.0"], &["3.0.0", "1.0.2z"]);
    check(
        "~1.1.0",
        &["1.1.0", "1.1.0i", "1.1.0zz"],
        &["1.1.1", "1.0.2", "1.2.0"],
    );
    check("~1.1.0h", &["1.1.0h", "1.1.0z"], &["1.1.0g", "1.1.1"]);
    check("~3.0.13", &["3.0.13"], &["3.0.14", "3.0.12"]);
    check("~1.1", &["1.1.0", "1.1.1w"], &["1.2.0", "1.0.2"]);
    check(
        "=1.1.0i",
        &["1.1.0i"],
        &["1.1.0h", "1.1.0j", "1.1.0", "1.1.1"],
    );
    check("=3.0.13", &["3.0.13"], &["3.0.12", "3.0.14"]);
    check(">=18", &["44", "18"], &["14", "17"]);
    check("1.1.1", &["1.1.1", "1.1.1w", "1.2.0"], &["1.1.0i", "2.0.0"]);
    check("^1.1.1", &["1.1.1", "1.1.1w"], &["1.1.0z", "3.0.0"]);
    check(">= 3.0", &["3.0.0", "3.6.3", "4.0.0"], &["1.1.1w"]);
    check(">=1.1.0h, <3", &["1.1.0h", "1.1.1w"], &["1.1.0g", "3.0.0"]);
    check("<=1.1.0", &["1.1.0", "1.0.2zz"], &["1.1.0a", "1.1.1"]);
    check("<=1.1", &["1.1.1w", "1.1.0"], &["1.2.0"]);
    check(">1.1.0h", &["1.1.0i", "1.1.1"], &["1.1.0h"]);
    check("^0.0.3", &["0.0.3", "0.0.3a"], &["0.0.4", "0.0.2"]);
    check("^0.9.8", &["0.9.8", "0.9.8zh"], &["1.0.0", "0.9.7"]);
    let all = ["0", "1.0.2za", "44", "3.0.13"];
    check("*", &all, &[]);
    check("", &all, &[]);
    check("  ", &all, &[]);
    assert!(VersionReq::any().matches(&v("1.1.0i")));
    assert!(VersionReq::default().is_any());
    assert!(req("").is_any() && req("*").is_any() && !req(">=1").is_any());
}

#[test]
fn req_text() {
    assert_eq!(req(">=1.1.0h, <3").to_string(), ">=1.1.0h, <3");
    assert_eq!(req("  >= 3.0 ").to_string(), ">= 3.0");
    assert_eq!(req("").to_string(), "*");
    assert_eq!(VersionReq::any().to_string(), "*");
    assert_eq!(req(">=1.1.0h").as_semver().to_string(), ">=1.1.8");
    let r = req("~1.1.0");
    assert_eq!(req(&r.to_string()), r);
}

#[test]
fn req_errors() {
    let bad = [
        (">=1.1.0I", ">=1.1.0I"),
        (">=1.1.0h, <3x", "<3x"),
        (">=1, ,<2", ""),
        (">=1,", ""),
        (">>1", ">>1"),
        (">=", ">="),
        ("1.2.3.4", "1.2.3.4"),
        (">=1.1 <2", ">=1.1 <2"),
        ("v1", "v1"),
        ("1.*", "1.*"),
        ("* , >=1", "*"),
        (
            "=18446744073709551615.0.18446744073709551615",
            "18446744073709551615",
        ),
        ("~1.0.184467440737095516", "~1.0.184467440737095516"),
    ];
    for (s, cmp) in bad {
        match VersionReq::parse(s) {
            Ok(r) => panic!("{s:?} parsed as {:?}", r.as_semver()),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(&format!("{s:?}")), "{msg} lacks {s:?}");
                assert!(msg.contains(cmp), "{msg} lacks {cmp:?}");
            }
        }
    }
}

fn letter_strategy() -> impl Strategy<Value = String> {
    (0..=MAX_LETTER_INDEX).prop_map(letter_from_index)
}

/// Canonical version strings with 1, 2 or 3 components.
fn version_string(max: u64) -> impl Strategy<Value = String> {
    (0..max, 0..max, 0..max, letter_strategy(), 1u8..=3).prop_map(|(a, b, c, l, n)| match n {
        1 => format!("{a}"),
        2 => format!("{a}.{b}"),
        _ => format!("{a}.{b}.{c}{l}"),
    })
}

proptest! {
    #[test]
    fn parse_never_panics(s in ".*") {
        let _ = Version::parse(&s);
    }

    #[test]
    fn parse_never_panics_versionish(s in "[0-9a-zA-Z.+ -]{0,16}") {
        if let Ok(x) = Version::parse(&s) {
            prop_assert_eq!(Version::parse(&x.to_string()).unwrap(), x);
        }
    }

    #[test]
    fn display_round_trips(s in version_string(1000)) {
        let x = Version::parse(&s).unwrap();
        prop_assert_eq!(x.to_string(), s);
        prop_assert_eq!(Version::parse(&x.to_string()).unwrap(), x);
    }

    #[test]
    fn new_with_letter_round_trips(a in 0u64..1000, b in 0u64..1000, c in 0u64..1000,
                                   l in letter_strategy()) {
        let x = Version::new(a, b, c).with_letter(&l).unwrap();
        prop_assert_eq!(x.to_string(), format!("{a}.{b}.{c}{l}"));
        prop_assert_eq!(Version::parse(&x.to_string()).unwrap(), x);
    }

    #[test]
    fn semver_order_is_version_order(a in version_string(1000), b in version_string(1000)) {
        let (x, y) = (Version::parse(&a).unwrap(), Version::parse(&b).unwrap());
        prop_assert_eq!(x.cmp(&y), x.to_semver().cmp(&y.to_semver()));
    }

    #[test]
    fn semver_order_small(a in version_string(3), b in version_string(3)) {
        let (x, y) = (Version::parse(&a).unwrap(), Version::parse(&b).unwrap());
        prop_assert_eq!(x.cmp(&y), x.to_semver().cmp(&y.to_semver()));
        prop_assert_eq!(x == y, x.to_semver() == y.to_semver());
    }

    #[test]
    fn req_ops_follow_order(a in version_string(4), b in version_string(4)) {
        let (x, y) = (Version::parse(&a).unwrap(), Version::parse(&b).unwrap());
        // Only full versions: partial ones have semver's range meaning.
        let full = Version { components: 3, ..x.clone() }.to_string();
        prop_assert_eq!(req(&format!(">={full}")).matches(&y), y >= x);
        prop_assert_eq!(req(&format!(">{full}")).matches(&y), y > x);
        prop_assert_eq!(req(&format!("<{full}")).matches(&y), y < x);
        prop_assert_eq!(req(&format!("<={full}")).matches(&y), y <= x);
        prop_assert_eq!(req(&format!("={full}")).matches(&y), y == x);
    }

    #[test]
    fn req_parse_never_panics(s in ".*") {
        let _ = VersionReq::parse(&s);
    }

    #[test]
    fn req_parse_never_panics_reqish(s in "[0-9a-z.,*^~<>= -]{0,24}") {
        if let Ok(r) = VersionReq::parse(&s) {
            prop_assert_eq!(VersionReq::parse(&r.to_string()).unwrap(), r);
        }
    }
}
