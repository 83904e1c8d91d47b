//! C preprocessor conditions (`#if OPENSSL_VERSION_NUMBER >= 0x10101000L`, `#ifdef
//! LIBRESSL_VERSION_NUMBER`, `#ifndef OPENSSL_NO_PSK`, ...) evaluated for a library release, so
//! that a C version gate can be compared with what the release's headers declare.
//!
//! The identifying macros take each release's own values (`OPENSSL_VERSION_NUMBER` is
//! `0x20000000` on LibreSSL and `0x1010107f` on BoringSSL/AWS-LC, as their headers say);
//! `defined(X)` asks the census whether the release's headers define `X` (when the census
//! knows `X` at all). Anything else (a project's own `HAVE_*` macro, arithmetic the parser does
//! not know) is unknown, and so is whatever depends on it.

use std::fmt;

use sslprobe_build::{Family, Version};

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CExpr {
    /// A number.
    Num(i128),
    /// A macro name (its value, or unknown).
    Name(String),
    /// `defined(NAME)`.
    Defined(String),
    /// `!e`.
    Not(Box<CExpr>),
    /// `a OP b` for `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Bin(&'static str, Box<CExpr>, Box<CExpr>),
    /// Something the parser does not evaluate.
    Unknown(String),
}

impl fmt::Display for CExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CExpr::Num(n) => write!(f, "{n:#x}"),
            CExpr::Name(n) => f.write_str(n),
            CExpr::Defined(n) => write!(f, "defined({n})"),
            CExpr::Not(e) => write!(f, "!({e})"),
            CExpr::Bin(op, a, b) => write!(f, "({a} {op} {b})"),
            CExpr::Unknown(t) => write!(f, "[{t}]"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum T {
    Id(String),
    Num(i128),
    Op(&'static str),
}

fn lex(text: &str) -> Option<Vec<T>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(T::Id(text[s..i].to_string()));
        } else if c.is_ascii_digit() {
            let s = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = text[s..i].trim_end_matches(['L', 'l', 'U', 'u']);
            let n = if let Some(h) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                i128::from_str_radix(h, 16).ok()?
            } else {
                lit.parse().ok()?
            };
            out.push(T::Num(n));
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let op = match two {
                "&&" | "||" | "==" | "!=" | "<=" | ">=" => {
                    i += 2;
                    match two {
                        "&&" => "&&",
                        "||" => "||",
                        "==" => "==",
                        "!=" => "!=",
                        "<=" => "<=",
                        _ => ">=",
                    }
                }
                _ => {
                    i += 1;
                    match c {
                        b'!' => "!",
                        b'<' => "<",
                        b'>' => ">",
                        b'(' => "(",
                        b')' => ")",
                        _ => return None,
                    }
                }
            };
            out.push(T::Op(op));
        }
    }
    Some(out)
}

/// Parses a `#if`/`#elif` condition; what it cannot parse becomes [`CExpr::Unknown`].
pub fn parse(text: &str) -> CExpr {
    let unknown = || CExpr::Unknown(text.split_whitespace().collect::<Vec<_>>().join(" "));
    let Some(toks) = lex(text) else {
        return unknown();
    };
    let mut p = Parser { t: &toks, i: 0 };
    match p.or() {
        Some(e) if p.i == toks.len() => e,
        _ => unknown(),
    }
}

struct Parser<'a> {
    t: &'a [T],
    i: usize,
}

impl Parser<'_> {
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.t.get(self.i), Some(T::Op(o)) if *o == op) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<CExpr> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = CExpr::Bin("||", Box::new(e), Box::new(self.and()?));
        }
        Some(e)
    }

    fn and(&mut self) -> Option<CExpr> {
        let mut e = self.cmp()?;
        while self.eat("&&") {
            e = CExpr::Bin("&&", Box::new(e), Box::new(self.cmp()?));
        }
        Some(e)
    }

    fn cmp(&mut self) -> Option<CExpr> {
        let e = self.unary()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                let op: &'static str = match op {
                    "==" => "==",
                    "!=" => "!=",
                    "<=" => "<=",
                    ">=" => ">=",
                    "<" => "<",
                    _ => ">",
                };
                return Some(CExpr::Bin(op, Box::new(e), Box::new(self.unary()?)));
            }
        }
        Some(e)
    }

    fn unary(&mut self) -> Option<CExpr> {
        if self.eat("!") {
            return Some(CExpr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            return self.eat(")").then_some(e);
        }
        match self.t.get(self.i)?.clone() {
            T::Num(n) => {
                self.i += 1;
                Some(CExpr::Num(n))
            }
            T::Id(id) if id == "defined" => {
                self.i += 1;
                let paren = self.eat("(");
                let Some(T::Id(name)) = self.t.get(self.i).cloned() else {
                    return None;
                };
                self.i += 1;
                if paren && !self.eat(")") {
                    return None;
                }
                Some(CExpr::Defined(name))
            }
            T::Id(id) => {
                self.i += 1;
                Some(CExpr::Name(id))
            }
            T::Op(_) => None,
        }
    }
}

/// The value of an identifying macro in a release, as its headers define it.
fn macro_value(name: &str, family: Family, v: &Version) -> Option<i128> {
    let (maj, min, patch) = (
        i128::from(v.major),
        i128::from(v.minor),
        i128::from(v.patch),
    );
    let letter = i128::from(v.letter_index());
    Some(match (name, family) {
        ("OPENSSL_VERSION_NUMBER", Family::OpenSsl) if maj >= 3 => {
            (maj << 28) | (min << 20) | (patch << 4)
        }
        ("OPENSSL_VERSION_NUMBER", Family::OpenSsl) => {
            (maj << 28) | (min << 20) | (patch << 12) | (letter << 4) | 0xf
        }
        ("OPENSSL_VERSION_NUMBER", Family::LibreSsl) => 0x2000_0000,
        ("OPENSSL_VERSION_NUMBER", Family::BoringSsl | Family::AwsLc) => 0x1010_107f,
        ("OPENSSL_VERSION_MAJOR", Family::OpenSsl) if maj >= 3 => maj,
        ("OPENSSL_VERSION_MINOR", Family::OpenSsl) if maj >= 3 => min,
        ("LIBRESSL_VERSION_NUMBER", Family::LibreSsl) => {
            (maj << 28) | (min << 20) | (patch << 12) | 0xf
        }
        ("BORINGSSL_API_VERSION", Family::BoringSsl) => maj,
        _ => return None,
    })
}

/// Whether the condition can be true and whether it can be false for a release (`defined`
/// answers whether its headers define a macro, `None` for a macro no library header defines;
/// unknown parts may take either value).
pub fn possible(
    e: &CExpr,
    family: Family,
    v: &Version,
    defined: &dyn Fn(&str) -> Option<bool>,
) -> (bool, bool) {
    match value(e, family, v, defined) {
        Some(n) => (n != 0, n == 0),
        None => match e {
            CExpr::Not(x) => {
                let (t, f) = possible(x, family, v, defined);
                (f, t)
            }
            CExpr::Bin("&&", a, b) => {
                let (at, af) = possible(a, family, v, defined);
                let (bt, bf) = possible(b, family, v, defined);
                (at && bt, af || bf)
            }
            CExpr::Bin("||", a, b) => {
                let (at, af) = possible(a, family, v, defined);
                let (bt, bf) = possible(b, family, v, defined);
                (at || bt, af && bf)
            }
            _ => (true, true),
        },
    }
}

/// The value of an expression, when every part of it is known.
fn value(
    e: &CExpr,
    family: Family,
    v: &Version,
    defined: &dyn Fn(&str) -> Option<bool>,
) -> Option<i128> {
    Some(match e {
        CExpr::Num(n) => *n,
        CExpr::Name(n) => macro_value(n, family, v)?,
        CExpr::Defined(n) => i128::from(defined(n)?),
        CExpr::Unknown(_) => return None,
        CExpr::Not(x) => i128::from(value(x, family, v, defined)? == 0),
        CExpr::Bin(op, a, b) => {
            let (x, y) = (value(a, family, v, defined), value(b, family, v, defined));
            match *op {
                "&&" => match (x, y) {
                    (Some(0), _) | (_, Some(0)) => 0,
                    (Some(_), Some(_)) => 1,
                    _ => return None,
                },
                "||" => match (x, y) {
                    (Some(a), _) | (_, Some(a)) if a != 0 => 1,
                    (Some(_), Some(_)) => 0,
                    _ => return None,
                },
                op => {
                    let (x, y) = (x?, y?);
                    i128::from(match op {
                        "==" => x == y,
                        "!=" => x != y,
                        "<" => x < y,
                        "<=" => x <= y,
                        ">" => x > y,
                        _ => x >= y,
                    })
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn version_numbers_and_defined() {
        let e = parse("OPENSSL_VERSION_NUMBER >= 0x10101000L && !defined(LIBRESSL_VERSION_NUMBER)");
        let none = |_: &str| Some(false);
        let libre = |m: &str| Some(m == "LIBRESSL_VERSION_NUMBER");
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("1.1.1"), &none),
            (true, false)
        );
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("1.1.0i"), &none),
            (false, true)
        );
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("3.0.0"), &none),
            (true, false)
        );
        assert_eq!(
            possible(&e, Family::LibreSsl, &v("3.9.2"), &libre),
            (false, true)
        );
        let e = parse("LIBRESSL_VERSION_NUMBER >= 0x3050000fL");
        assert_eq!(
            possible(&e, Family::LibreSsl, &v("3.5.4"), &libre),
            (true, false)
        );
        assert_eq!(
            possible(&e, Family::LibreSsl, &v("3.1.0"), &libre),
            (false, true)
        );
        let e = parse("defined(HAVE_FOO) || OPENSSL_VERSION_NUMBER < 0x30000000L");
        let none = |m: &str| (!m.starts_with("HAVE_")).then_some(false);
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("1.1.1w"), &none),
            (true, false)
        );
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("3.0.0"), &none),
            (true, true)
        );
        let e = parse("OPENSSL_VERSION_NUMBER + 1 > 2");
        assert!(matches!(e, CExpr::Unknown(_)));
        assert_eq!(
            possible(&e, Family::OpenSsl, &v("3.0.0"), &none),
            (true, true)
        );
    }
}
