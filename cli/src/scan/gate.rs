//! Rust `#[cfg(...)]` version gates, as the `openssl-sys` build script sets them (`ossl111`,
//! `ossl300`, `libressl350`, `libressl`, `openssl`, `boringssl`, `awslc`; sslprobe's own
//! `sslprobe_<family>`), evaluated for a library release so that a gate can be compared with
//! what the release's headers declare.
//!
//! Evaluation is three-valued: a cfg the scanner cannot decide for a release (`feature = ...`,
//! `osslconf = "OPENSSL_NO_..."`, `test`, `have_...` probes) is unknown, and so is any
//! combination that depends on it.

use std::fmt;

use sslprobe_build::{Family, Version};

/// A cfg predicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cfg {
    /// A bare name (`ossl111`).
    Name(String),
    /// `key = "value"`.
    KeyValue(String, String),
    /// `not(p)`.
    Not(Box<Cfg>),
    /// `all(...)`.
    All(Vec<Cfg>),
    /// `any(...)`.
    Any(Vec<Cfg>),
}

impl fmt::Display for Cfg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, name: &str, v: &[Cfg]| {
            write!(f, "{name}(")?;
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str(")")
        };
        match self {
            Cfg::Name(n) => f.write_str(n),
            Cfg::KeyValue(k, v) => write!(f, "{k} = {v:?}"),
            Cfg::Not(c) => write!(f, "not({c})"),
            Cfg::All(v) => list(f, "all", v),
            Cfg::Any(v) => list(f, "any", v),
        }
    }
}

/// A token of a cfg predicate: a word, a string, or one punctuation byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PTok {
    /// An identifier.
    Word(String),
    /// A string literal's contents.
    Str(String),
    /// `(`, `)`, `,`, `=`.
    Punct(u8),
}

/// Parses the tokens inside `cfg( ... )`; `None` when they are not a predicate.
pub fn parse(toks: &[PTok]) -> Option<Cfg> {
    let (c, rest) = parse_one(toks)?;
    rest.is_empty().then_some(c)
}

fn parse_one(toks: &[PTok]) -> Option<(Cfg, &[PTok])> {
    let (PTok::Word(w), rest) = toks.split_first()? else {
        return None;
    };
    match rest.first() {
        Some(PTok::Punct(b'=')) => match rest.get(1) {
            Some(PTok::Str(v)) => Some((Cfg::KeyValue(w.clone(), v.clone()), &rest[2..])),
            _ => None,
        },
        Some(PTok::Punct(b'(')) => {
            let mut items = Vec::new();
            let mut rest = &rest[1..];
            loop {
                if let Some(PTok::Punct(b')')) = rest.first() {
                    rest = &rest[1..];
                    break;
                }
                let (c, r) = parse_one(rest)?;
                items.push(c);
                rest = r;
                match rest.first() {
                    Some(PTok::Punct(b',')) => rest = &rest[1..],
                    Some(PTok::Punct(b')')) => {}
                    _ => return None,
                }
            }
            let c = match w.as_str() {
                "not" if items.len() == 1 => Cfg::Not(Box::new(items.pop()?)),
                "all" => Cfg::All(items),
                "any" => Cfg::Any(items),
                _ => return None,
            };
            Some((c, rest))
        }
        _ => Some((Cfg::Name(w.clone()), rest)),
    }
}

/// `ossl111b` → 1.1.1b, `ossl300` → 3.0.0, `libressl350` → 3.5.0: three digits, then an
/// optional letter.
fn digits_version(s: &str) -> Option<Version> {
    let b = s.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let d = |i: usize| u64::from(b[i] - b'0');
    let v = Version::new(d(0), d(1), d(2));
    match &s[3..] {
        "" => Some(v),
        letter if letter.bytes().all(|c| c.is_ascii_lowercase()) => v.with_letter(letter).ok(),
        _ => None,
    }
}

/// Says whether a macro (`OPENSSL_NO_PSK`) is defined by a release's headers (`None`: not
/// known), for `osslconf = "..."` cfgs (set by openssl-sys for every `OPENSSL_NO_*` macro the
/// headers define).
pub type Defined<'a> = &'a dyn Fn(&str) -> Option<bool>;

/// Evaluates a cfg for a release: `Some(true/false)` when decided, `None` when unknown.
pub fn eval(c: &Cfg, family: Family, version: &Version, defined: Defined<'_>) -> Option<bool> {
    match c {
        Cfg::Name(n) => {
            if let Some(v) = n.strip_prefix("ossl").and_then(digits_version) {
                return Some(family == Family::OpenSsl && *version >= v);
            }
            if let Some(v) = n.strip_prefix("libressl").and_then(digits_version) {
                return Some(family == Family::LibreSsl && *version >= v);
            }
            match n.as_str() {
                "libressl" | "sslprobe_libressl" => Some(family == Family::LibreSsl),
                "boringssl" | "sslprobe_boringssl" => Some(family == Family::BoringSsl),
                "awslc" | "sslprobe_awslc" => Some(family == Family::AwsLc),
                "sslprobe_openssl" => Some(family == Family::OpenSsl),
                // openssl-sys sets `openssl` for every library that is not BoringSSL/AWS-LC
                "openssl" => Some(matches!(family, Family::OpenSsl | Family::LibreSsl)),
                _ => None,
            }
        }
        Cfg::KeyValue(k, v) if k == "osslconf" => defined(v),
        Cfg::KeyValue(..) => None,
        Cfg::Not(c) => eval(c, family, version, defined).map(|b| !b),
        Cfg::All(v) => {
            let mut unknown = false;
            for c in v {
                match eval(c, family, version, defined) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        Cfg::Any(v) => {
            let mut unknown = false;
            for c in v {
                match eval(c, family, version, defined) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
    }
}

/// Whether a cfg can be true and whether it can be false for a release, each undecidable cfg
/// (features, `osslconf`, ...) allowed either value independently.
pub fn possible(c: &Cfg, family: Family, version: &Version, defined: Defined<'_>) -> (bool, bool) {
    match c {
        Cfg::Name(_) | Cfg::KeyValue(..) => match eval(c, family, version, defined) {
            Some(b) => (b, !b),
            None => (true, true),
        },
        Cfg::Not(x) => {
            let (t, f) = possible(x, family, version, defined);
            (f, t)
        }
        Cfg::All(v) => {
            let each: Vec<(bool, bool)> = v
                .iter()
                .map(|x| possible(x, family, version, defined))
                .collect();
            (each.iter().all(|p| p.0), each.iter().any(|p| p.1))
        }
        Cfg::Any(v) => {
            let each: Vec<(bool, bool)> = v
                .iter()
                .map(|x| possible(x, family, version, defined))
                .collect();
            (each.iter().any(|p| p.0), each.iter().all(|p| p.1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<PTok> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b' ' => i += 1,
                b'"' => {
                    let e = s[i + 1..].find('"').unwrap() + i + 1;
                    out.push(PTok::Str(s[i + 1..e].to_string()));
                    i = e + 1;
                }
                c if c.is_ascii_alphanumeric() || c == b'_' => {
                    let st = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                    out.push(PTok::Word(s[st..i].to_string()));
                }
                c => {
                    out.push(PTok::Punct(c));
                    i += 1;
                }
            }
        }
        out
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints() {
        let c = parse(&toks(
            "any(ossl111, all(libressl350, not(osslconf = \"OPENSSL_NO_EC\")))",
        ))
        .unwrap();
        assert_eq!(
            c.to_string(),
            "any(ossl111, all(libressl350, not(osslconf = \"OPENSSL_NO_EC\")))"
        );
        assert!(parse(&toks("ossl111,")).is_none());
        assert!(parse(&toks("any(")).is_none());
        assert!(parse(&toks("not(a, b)")).is_none());
    }

    fn none(_: &str) -> Option<bool> {
        None
    }

    #[test]
    fn osslconf_reads_the_headers_macros() {
        let c = parse(&toks("not(osslconf = \"OPENSSL_NO_PSK\")")).unwrap();
        let psk_off = |m: &str| Some(m == "OPENSSL_NO_PSK");
        let psk_on = |_: &str| Some(false);
        assert_eq!(
            eval(&c, Family::LibreSsl, &v("3.9.2"), &psk_off),
            Some(false)
        );
        assert_eq!(eval(&c, Family::OpenSsl, &v("3.0.0"), &psk_on), Some(true));
        assert_eq!(eval(&c, Family::OpenSsl, &v("3.0.0"), &none), None);
    }

    #[test]
    fn evaluates_openssl_sys_cfgs() {
        let c = parse(&toks("any(ossl111, libressl350)")).unwrap();
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.1"), &none), Some(true));
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.0i"), &none), Some(false));
        assert_eq!(eval(&c, Family::LibreSsl, &v("3.5.4"), &none), Some(true));
        assert_eq!(eval(&c, Family::LibreSsl, &v("3.1.0"), &none), Some(false));
        let c = parse(&toks("ossl110g")).unwrap();
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.0f"), &none), Some(false));
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.0h"), &none), Some(true));
        let c = parse(&toks("all(ossl300, feature = \"x\")")).unwrap();
        assert_eq!(eval(&c, Family::OpenSsl, &v("3.0.0"), &none), None);
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.1"), &none), Some(false));
        let c = parse(&toks("not(boringssl)")).unwrap();
        assert_eq!(eval(&c, Family::LibreSsl, &v("3.9.2"), &none), Some(true));
        let c = parse(&toks("all(not(feature = \"bindgen\"), ossl110)")).unwrap();
        assert_eq!(eval(&c, Family::OpenSsl, &v("1.1.0f"), &none), None);
        assert_eq!(
            possible(&c, Family::OpenSsl, &v("1.1.0f"), &none),
            (true, true)
        );
        assert_eq!(
            possible(&c, Family::LibreSsl, &v("3.9.2"), &none),
            (false, true)
        );
        let c = parse(&toks("not(any(ossl110, feature = \"x\"))")).unwrap();
        assert_eq!(
            possible(&c, Family::OpenSsl, &v("1.1.1"), &none),
            (false, true)
        );
    }
}
