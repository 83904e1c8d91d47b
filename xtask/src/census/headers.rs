//! Reading a release's `openssl/*.h` with the compiler: clang's JSON AST dump for the function
//! declarations (name, type, static inline, deprecated) and typedef names, and clang's preprocessor (`-E -dD`,
//! which prints every `#define` where it happens, under line markers naming the file) for the
//! macros. Only what is declared or defined in a file of the release's `openssl/` directory
//! counts; everything the headers pull in from the system is ignored.
//!
//! Every public header is included into one translation unit; a header that stops the compiler
//! (a fatal error, e.g. one that includes a file the release does not ship) is left out and
//! named in the result.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::format::NameAt;
use super::normalise;

/// A function declaration found in the AST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnDecl {
    /// Its name.
    pub name: String,
    /// Its type as clang prints it (`int (SSL_CTX *, size_t)`).
    pub ty: String,
    /// The file it is declared in (the expansion site for macro-generated declarations).
    pub file: String,
    /// `static` (inline) in the header.
    pub inline: bool,
    /// Carries a deprecation attribute.
    pub deprecated: bool,
}

/// What the headers of one release declare.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Every public name and what the headers say about it.
    pub names: BTreeMap<String, NameAt>,
    /// Every macro's value (for the identifying macros: `OPENSSL_VERSION_NUMBER`, ...).
    pub values: BTreeMap<String, String>,
    /// Headers left out because they stop the compiler.
    pub skipped: Vec<String>,
}

/// Headers included first: some declarations exist only when one of these was included
/// before (`cms.h` declares `PEM_read_bio_CMS` under `#ifdef OPENSSL_PEM_H`, `comp.h` its BIO
/// method under `OPENSSL_BIO_H`, `ssl.h` some X509 functions under `OPENSSL_X509_H`,
/// `x509v3.h` some under `OPENSSL_CONF_H`; 1.1.x spells the guards `HEADER_*_H`).
const FIRST: [&str; 4] = ["bio.h", "conf.h", "x509.h", "pem.h"];

/// The public headers of `include/openssl` ([`FIRST`] first, then sorted; VMS-only prologue
/// files left out).
fn header_names(include: &Path) -> Result<Vec<String>> {
    let dir = include.join("openssl");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".h") && !n.starts_with("__DECC"))
        .collect();
    out.sort_by_key(|n| {
        (
            FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()),
            n.clone(),
        )
    });
    Ok(out)
}

/// The clang binary (`$CLANG` or `clang`).
fn clang() -> std::ffi::OsString {
    std::env::var_os("CLANG").unwrap_or_else(|| "clang".into())
}

/// The line of the umbrella file a fatal error traces back to, if the compiler stopped.
fn fatal_line(stderr: &str, umbrella: &str) -> Option<usize> {
    if !stderr.contains("fatal error:") {
        return None;
    }
    for line in stderr.lines() {
        let rest = line.strip_prefix("In file included from ").unwrap_or(line);
        if let Some(pos) = rest.find(umbrella) {
            let after = &rest[pos + umbrella.len()..];
            let num: String = after
                .trim_start_matches(':')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = num.parse() {
                return Some(n);
            }
        }
    }
    None
}

/// Writes the umbrella source: the `pre` headers on its first line (wolfSSL's
/// `wolfssl/options.h`, which its compatibility headers need first), then line N+1 includes
/// `headers[N-1]`.
fn write_umbrella(path: &Path, pre: &[String], headers: &[String]) -> Result<()> {
    let mut text: String = pre.iter().map(|h| format!("#include <{h}> ")).collect();
    text.push('\n');
    for h in headers {
        text.push_str(&format!("#include <openssl/{h}>\n"));
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Preprocesses the umbrella with `-E -dD`, dropping headers that stop the compiler; returns
/// the output and the headers left out.
fn preprocess(
    include: &Path,
    pre: &[String],
    work: &Path,
) -> Result<(String, Vec<String>, Vec<String>)> {
    let mut headers = header_names(include)?;
    let mut skipped = Vec::new();
    std::fs::create_dir_all(work)?;
    let umbrella = work.join("census-umbrella.c");
    let umbrella_name = umbrella.to_string_lossy().into_owned();
    loop {
        write_umbrella(&umbrella, pre, &headers)?;
        let out = Command::new(clang())
            .args(["-E", "-dD", "-w", "-ferror-limit=0", "-I"])
            .arg(include)
            .arg(&umbrella)
            .stdin(Stdio::null())
            .output()
            .context("running clang -E (install clang: apt-get install clang)")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match fatal_line(&stderr, &umbrella_name) {
            Some(n) if n >= 2 && n <= headers.len() + 1 => {
                skipped.push(headers.remove(n - 2));
            }
            Some(_) | None if stderr.contains("fatal error:") => {
                bail!("clang stopped on {}:\n{stderr}", include.display())
            }
            _ => {
                return Ok((
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    headers,
                    skipped,
                ))
            }
        }
        if headers.is_empty() {
            bail!("no header of {} compiles", include.display());
        }
    }
}

/// Whether a file name (as clang prints it) lies in the release's `openssl/` directory.
fn is_public(file: &str, prefix: &str) -> bool {
    file.starts_with(prefix)
}

/// Parses `-E -dD` output: every macro defined (and not undefined later) in a public header,
/// as `Some(params)` (function-like) or `None` (object-like), and every macro's value.
type Macros = (BTreeMap<String, Option<String>>, BTreeMap<String, String>);

fn parse_defines(text: &str, prefix: &str) -> Macros {
    let mut file_public = false;
    let mut macros = BTreeMap::new();
    let mut values = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            // line marker: # N "file" flags
            if let Some(q) = rest.find('"') {
                let name = &rest[q + 1..];
                let name = name.rsplit_once('"').map_or(name, |(n, _)| n);
                file_public = is_public(name, prefix);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("#define ") {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            let after = &rest[end..];
            let (params, value) = if after.starts_with('(') {
                let close = after.find(')').map_or(after.len(), |i| i + 1);
                (Some(normalise::params(&after[..close])), &after[close..])
            } else {
                (None, after)
            };
            values.insert(name.to_string(), value.trim().to_string());
            if file_public && !normalise::is_internal_macro(name) {
                macros.insert(name.to_string(), params);
            }
        } else if let Some(rest) = line.strip_prefix("#undef ") {
            if file_public {
                macros.remove(rest.trim());
            }
        }
    }
    (macros, values)
}

/// The walker's state while clang's JSON is read in document order.
struct State {
    /// The file of the last location that named one (clang prints a location's file only when
    /// it differs from the previous location's).
    file: String,
    /// Top-level function declarations found so far.
    funcs: Vec<FnDecl>,
    /// Top-level typedef names found so far, with their file.
    typedefs: Vec<(String, String)>,
}

/// A JSON string, borrowed from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// What a walked JSON value tells its parent.
#[derive(Default)]
struct Seen<'de> {
    kind: Option<Cow<'de, str>>,
    qual_type: Option<Cow<'de, str>>,
    deprecated_child: bool,
}

/// Walks any JSON value; `depth` is the AST depth of the nodes in an `inner` array below it.
struct Walk<'a> {
    st: &'a mut State,
    depth: usize,
    in_inner: bool,
    in_included_from: bool,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Seen<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Seen<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Seen<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("clang's JSON AST")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }
    fn visit_unit<E>(self) -> Result<Seen<'de>, E> {
        Ok(Seen::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen<'de>, A::Error> {
        let mut seen = Seen::default();
        let depth = if self.in_inner {
            self.depth + 1
        } else {
            self.depth
        };
        while let Some(child) = seq.next_element_seed(Walk {
            st: &mut *self.st,
            depth,
            in_inner: false,
            in_included_from: false,
        })? {
            if self.in_inner && child.kind.as_deref() == Some("DeprecatedAttr") {
                seen.deprecated_child = true;
            }
        }
        Ok(seen)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen<'de>, A::Error> {
        let mut seen = Seen::default();
        let mut name: Option<Cow<'de, str>> = None;
        let mut loc_file: Option<String> = None;
        let mut inline = false;
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "file" if !self.in_included_from => {
                    self.st.file = map.next_value::<Text<'de>>()?.0.into_owned();
                }
                "kind" => seen.kind = Some(map.next_value::<Text<'de>>()?.0),
                "name" => name = Some(map.next_value::<Text<'de>>()?.0),
                "qualType" => seen.qual_type = Some(map.next_value::<Text<'de>>()?.0),
                "storageClass" => inline |= map.next_value::<Text<'de>>()?.0 == "static",
                "inline" => inline |= map.next_value::<bool>()?,
                "id" | "offset" | "line" | "col" | "tokLen" | "isImplicit" | "isUsed"
                | "isReferenced" | "valueCategory" | "mangledName" | "previousDecl" => {
                    map.next_value::<IgnoredAny>()?;
                }
                other => {
                    let child = map.next_value_seed(Walk {
                        st: &mut *self.st,
                        depth: self.depth,
                        in_inner: other == "inner",
                        in_included_from: self.in_included_from || other == "includedFrom",
                    })?;
                    match other {
                        "loc" if self.depth == 1 => loc_file = Some(self.st.file.clone()),
                        "type" => seen.qual_type = child.qual_type,
                        "inner" => seen.deprecated_child = child.deprecated_child,
                        _ => {}
                    }
                }
            }
        }
        if self.depth == 1 && seen.kind.as_deref() == Some("TypedefDecl") {
            if let (Some(name), Some(file)) = (name.clone(), loc_file.clone()) {
                self.st.typedefs.push((name.into_owned(), file));
            }
        }
        if self.depth == 1 && seen.kind.as_deref() == Some("FunctionDecl") {
            if let (Some(name), Some(file), Some(ty)) = (name, loc_file, seen.qual_type.clone()) {
                self.st.funcs.push(FnDecl {
                    name: name.into_owned(),
                    ty: ty.into_owned(),
                    file,
                    inline,
                    deprecated: seen.deprecated_child,
                });
            }
        }
        Ok(seen)
    }
}

/// Top-level function declarations of the umbrella's AST (clang `-ast-dump=json`), read as a
/// stream (the dump is tens of megabytes).
/// Function declarations and typedef names (with their files).
type Decls = (Vec<FnDecl>, Vec<(String, String)>);

fn functions(include: &Path, pre: &[String], work: &Path, headers: &[String]) -> Result<Decls> {
    let umbrella = work.join("census-umbrella.c");
    write_umbrella(&umbrella, pre, headers)?;
    let mut child = Command::new(clang())
        .args([
            "-fsyntax-only",
            "-w",
            "-ferror-limit=0",
            "-Xclang",
            "-ast-dump=json",
            "-I",
        ])
        .arg(include)
        .arg(&umbrella)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("running clang -ast-dump=json (install clang: apt-get install clang)")?;
    let mut stdout = child.stdout.take().context("no clang stdout")?;
    let mut json = Vec::with_capacity(64 << 20);
    let read = stdout.read_to_end(&mut json);
    let status = child.wait()?;
    read.context("reading clang's AST dump")?;
    let mut st = State {
        file: String::new(),
        funcs: Vec::new(),
        typedefs: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_slice(&json);
    Walk {
        st: &mut st,
        depth: 0,
        in_inner: false,
        in_included_from: false,
    }
    .deserialize(&mut de)
    .with_context(|| format!("reading clang's AST of {} ({status})", include.display()))?;
    Ok((st.funcs, st.typedefs))
}

/// The function an object-like macro's value names: the value is one identifier that is a
/// function declared (not inline) below `root`, or a macro whose value leads there (at most 8
/// steps).
fn alias_target<'a>(
    value: &str,
    values: &BTreeMap<String, String>,
    funcs: &HashMap<&str, &'a FnDecl>,
    root: &str,
) -> Option<&'a FnDecl> {
    let mut cur = value.trim();
    for _ in 0..8 {
        let ident = !cur.is_empty()
            && !cur.starts_with(|c: char| c.is_ascii_digit())
            && cur.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return None;
        }
        if let Some(f) = funcs.get(cur) {
            return (!f.inline && f.file.starts_with(root)).then_some(*f);
        }
        cur = values.get(cur)?.trim();
    }
    None
}

/// Reads the headers in `include/openssl`, after the `pre` headers (scratch files go to
/// `work`).
pub fn extract(include: &Path, pre: &[String], work: &Path) -> Result<Extracted> {
    let include: PathBuf = include
        .canonicalize()
        .with_context(|| format!("{} does not exist", include.display()))?;
    let prefix = format!("{}/openssl/", include.display());
    let root = format!("{}/", include.display());
    let (pp, headers, skipped) = preprocess(&include, pre, work)?;
    let (macros, values) = parse_defines(&pp, &prefix);
    let (funcs, typedefs) = functions(&include, pre, work, &headers)?;
    let _ = std::fs::remove_file(work.join("census-umbrella.c"));
    let mut names: BTreeMap<String, NameAt> = BTreeMap::new();
    let mut by_name: HashMap<&str, &FnDecl> = HashMap::new();
    for f in &funcs {
        by_name.entry(f.name.as_str()).or_insert(f);
        if !is_public(&f.file, &prefix) || f.name.starts_with('_') {
            continue;
        }
        let at = names.entry(f.name.clone()).or_default();
        if at.function.is_none() {
            at.function = Some((f.inline, normalise::prototype(&f.ty)));
        }
        at.deprecated |= f.deprecated;
    }
    for (name, file) in typedefs {
        if is_public(&file, &prefix) && !name.starts_with('_') {
            names.entry(name).or_default().typedef = true;
        }
    }
    for (name, params) in macros {
        let alias = match (&params, values.get(&name)) {
            (None, Some(v)) => alias_target(v, &values, &by_name, &root)
                .map(|f| (f.name.clone(), normalise::prototype(&f.ty))),
            _ => None,
        };
        let at = names.entry(name).or_default();
        at.macro_def = Some(params);
        at.alias = alias;
    }
    if names.is_empty() {
        bail!("{}: the headers declare nothing", include.display());
    }
    Ok(Extracted {
        names,
        values,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defines_are_attributed_to_their_file() {
        let text = "# 1 \"/i/openssl/ssl.h\" 1\n#define SSL_X 1\n#define HEADER_SSL_H \n\
                    #define SSL_set_mtu(ssl, mtu) SSL_ctrl((ssl),1,(mtu),NULL)\n\
                    # 1 \"/usr/include/stdio.h\" 1 3\n#define EOF (-1)\n\
                    # 5 \"/i/openssl/ssl.h\" 2\n#define SSL_Y 2\n#undef SSL_Y\n";
        let (m, v) = parse_defines(text, "/i/openssl/");
        let keys: Vec<_> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["SSL_X", "SSL_set_mtu"]);
        assert_eq!(m["SSL_set_mtu"].as_deref(), Some("(ssl,mtu)"));
        assert_eq!(m["SSL_X"], None);
        assert_eq!(v["EOF"], "(-1)");
    }

    #[test]
    fn fatal_errors_point_at_the_umbrella_line() {
        let e = "In file included from /w/census-umbrella.c:3:\n/i/openssl/x.h:1:10: fatal error: \
                 'y.h' file not found\n";
        assert_eq!(fatal_line(e, "/w/census-umbrella.c"), Some(3));
        let e = "/w/census-umbrella.c:7:10: fatal error: 'openssl/z.h' file not found\n";
        assert_eq!(fatal_line(e, "/w/census-umbrella.c"), Some(7));
        assert_eq!(fatal_line("warning: x\n", "/w/census-umbrella.c"), None);
    }

    #[test]
    fn json_walker_tracks_elided_files() {
        // clang prints "file" only when it changes; the second decl inherits it, the third
        // is a macro expansion whose expansion site is in the public header.
        let json = r#"{"id":"0","kind":"TranslationUnitDecl","inner":[
          {"id":"1","kind":"FunctionDecl","loc":{"offset":1,"file":"/usr/include/stdio.h","line":1,"col":1,"tokLen":1},
           "range":{"begin":{"offset":1},"end":{"offset":2}},"name":"printf","type":{"qualType":"int (const char *, ...)"}},
          {"id":"2","kind":"FunctionDecl","loc":{"offset":1,"file":"/i/openssl/ssl.h","line":1,"col":1,"tokLen":1,
             "includedFrom":{"file":"/w/u.c"}},
           "range":{"begin":{"offset":1},"end":{"offset":2}},"name":"SSL_new","type":{"qualType":"SSL *(SSL_CTX *)"}},
          {"id":"3","kind":"FunctionDecl","loc":{"offset":5,"line":9,"col":1,"tokLen":1},
           "name":"SSL_free","type":{"qualType":"void (SSL *)"},"storageClass":"extern",
           "inner":[{"id":"4","kind":"ParmVarDecl","loc":{"offset":6},"name":"s","type":{"qualType":"SSL *"}},
                    {"id":"5","kind":"DeprecatedAttr","range":{"begin":{"offset":1}}}]},
          {"id":"6","kind":"FunctionDecl","loc":{"spellingLoc":{"offset":1,"file":"/i/openssl/safestack.h","line":3},
             "expansionLoc":{"offset":9,"file":"/i/openssl/x509.h","line":4}},
           "name":"sk_X509_num","type":{"qualType":"int (const struct stack_st_X509 *)"},"storageClass":"static","inline":true},
          {"id":"7","kind":"TypedefDecl","loc":{"offset":9,"line":5},"name":"BN_ULONG","type":{"qualType":"uint64_t"}}
        ]}"#;
        let mut st = State {
            file: String::new(),
            funcs: Vec::new(),
            typedefs: Vec::new(),
        };
        let mut de = serde_json::Deserializer::from_str(json);
        Walk {
            st: &mut st,
            depth: 0,
            in_inner: false,
            in_included_from: false,
        }
        .deserialize(&mut de)
        .unwrap();
        let got: Vec<(&str, &str, bool, bool)> = st
            .funcs
            .iter()
            .map(|f| (f.name.as_str(), f.file.as_str(), f.inline, f.deprecated))
            .collect();
        assert_eq!(
            got,
            [
                ("printf", "/usr/include/stdio.h", false, false),
                ("SSL_new", "/i/openssl/ssl.h", false, false),
                ("SSL_free", "/i/openssl/ssl.h", false, true),
                ("sk_X509_num", "/i/openssl/x509.h", true, false),
            ]
        );
        assert_eq!(
            st.typedefs,
            [("BN_ULONG".to_string(), "/i/openssl/x509.h".to_string())]
        );
    }

    #[test]
    fn aliases_follow_macros_to_a_declared_function() {
        let decl = |name: &str, file: &str, inline: bool| FnDecl {
            name: name.into(),
            ty: "int (WOLFSSL *)".into(),
            file: file.into(),
            inline,
            deprecated: false,
        };
        let decls = [
            decl("wolfSSL_f", "/i/wolfssl/ssl.h", false),
            decl("inline_f", "/i/openssl/x.h", true),
            decl("printf", "/usr/include/stdio.h", false),
        ];
        let funcs: HashMap<&str, &FnDecl> = decls.iter().map(|f| (f.name.as_str(), f)).collect();
        let values: BTreeMap<String, String> = [
            ("SSL_f", "wolfSSL_f"),
            ("SSL_g", "SSL_f"),
            ("LOOP", "LOOP"),
            ("SSL_h", "inline_f"),
            ("SSL_p", "printf"),
            ("SSL_N", "0x10L"),
            ("SSL_E", "(wolfSSL_f)"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let t = |v: &str| alias_target(v, &values, &funcs, "/i/").map(|f| f.name.as_str());
        assert_eq!(t("wolfSSL_f"), Some("wolfSSL_f"));
        assert_eq!(t("SSL_g"), Some("wolfSSL_f"), "through another macro");
        assert_eq!(t("LOOP"), None, "a macro naming itself ends");
        assert_eq!(t("inline_f"), None, "static inline: nothing to export");
        assert_eq!(t("printf"), None, "outside the library's headers");
        assert_eq!(t("SSL_N"), None);
        assert_eq!(t("SSL_E"), None);
        assert_eq!(t("undefined_thing"), None);
    }
}
