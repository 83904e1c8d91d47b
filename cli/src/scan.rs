//! `sslprobe scan PATH... --support SPEC [--json]`: which libssl/libcrypto APIs a C or Rust
//! codebase uses that are missing (or have no effect) somewhere in the versions it supports,
//! where each use is, and whether that use is already guarded.
//!
//! * C (`.c`, `.h`): every identifier outside comments, strings and `#include` lines that is a
//!   catalog or census name (calls, macro uses, function pointers). A use is guarded when it is
//!   inside an `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else` whose condition tests a version or a
//!   feature: `HAVE_*`, `OPENSSL_VERSION_NUMBER`, `OPENSSL_VERSION_MAJOR`,
//!   `LIBRESSL_VERSION_NUMBER`, `OPENSSL_NO_*`, `OPENSSL_IS_BORINGSSL`, `OPENSSL_IS_AWSLC`,
//!   `BORINGSSL_API_VERSION`, `AWSLC_*`, or a libssl name itself (`#ifdef SSL_OP_NO_TLSv1_3`).
//! * Rust (`.rs`): `ffi::X`, `openssl_sys::X` (also inside `use ffi::{...}`), and the functions
//!   and statics declared in `extern "C" { ... }` blocks. A use is guarded when a `#[cfg(...)]`
//!   (other than `test`, `feature`, `target_*`, `unix`, `windows`, `debug_assertions`, `doc`)
//!   sits on its item or on an enclosing item, block, statement, field or match arm.
//!
//! Files are read as bytes (non-UTF-8 is fine), binary files (a NUL byte in the first 8 KiB)
//! and files over 64 MiB are skipped, directories named `.git` or `target` are not entered, and
//! symbolic links to directories are not followed. Exit status: 0, or 1 when an API missing
//! somewhere in the window is used unguarded; 2 for bad arguments.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sslprobe_build::{Catalog, Family};
use sslprobe_cli::advisor::{advise_api, Coverage, SupportSpec, Verdict};

use crate::census::{self, list_text, Census};
use cgate::CExpr;
use gate::{Cfg, PTok};

pub mod cgate;
pub mod gate;
use crate::probe::{embedded_catalog, print_out};
use crate::Failure;

/// Largest file scanned.
const MAX_FILE: u64 = 64 << 20;

/// Arguments of `sslprobe scan`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories to scan (C: .c/.h, Rust: .rs).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Supported library versions, e.g. "openssl>=1.1.1, libressl>=3.5" (families: openssl,
    /// libressl, boringssl (API versions), awslc; a family not listed is not supported).
    #[arg(long, value_name = "SPEC")]
    support: String,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The language of a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lang {
    /// C (and C headers).
    C,
    /// Rust.
    Rust,
}

impl Lang {
    /// The language of a path, by extension.
    pub fn of(path: &Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "c" | "h" => Some(Lang::C),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }
}

/// One use of an identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The identifier.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// Whether a version/feature guard encloses the use.
    pub guarded: bool,
    /// Rust: every `#[cfg]` enclosing the use, combined (`None`: none, or C).
    pub gate: Option<Cfg>,
    /// C: the version/feature conditions enclosing the use, combined (earlier branches of an
    /// `#if` chain negated).
    pub cgate: Option<CExpr>,
    /// Rust: the use declares the name as a function or static in an `extern` block (so the
    /// library must export it: a macro of that name does not do).
    pub declared: bool,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether a C preprocessor condition tests a version or feature.
fn c_condition_is_guard(cond: &[u8], is_name: &dyn Fn(&str) -> bool) -> bool {
    let mut i = 0;
    while i < cond.len() {
        if is_ident_start(cond[i]) && (i == 0 || !is_ident(cond[i - 1])) {
            let s = i;
            while i < cond.len() && is_ident(cond[i]) {
                i += 1;
            }
            let w = std::str::from_utf8(&cond[s..i]).unwrap_or("");
            if w.starts_with("HAVE_")
                || w.starts_with("OPENSSL_NO_")
                || w.starts_with("AWSLC_")
                || matches!(
                    w,
                    "OPENSSL_VERSION_NUMBER"
                        | "OPENSSL_VERSION_MAJOR"
                        | "OPENSSL_VERSION_MINOR"
                        | "LIBRESSL_VERSION_NUMBER"
                        | "OPENSSL_IS_BORINGSSL"
                        | "OPENSSL_IS_AWSLC"
                        | "BORINGSSL_API_VERSION"
                        | "OPENSSL_API_COMPAT"
                        | "OPENSSL_API_LEVEL"
                )
                || is_name(w)
            {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Finds the uses in C source. `is_name` says whether an identifier is a libssl name.
pub fn scan_c(src: &[u8], is_name: &dyn Fn(&str) -> bool) -> Vec<Use> {
    let mut out = Vec::new();
    // one entry per open #if: whether its current branch (or any before it) is a guard
    // one frame per open #if: whether a branch so far tested a version or feature, the
    // conditions of the branches before the current one, and the current one
    let mut stack: Vec<(bool, Vec<CExpr>, CExpr)> = Vec::new();
    let cgate_of = |stack: &[(bool, Vec<CExpr>, CExpr)]| -> Option<CExpr> {
        let mut terms: Vec<CExpr> = Vec::new();
        for (g, prior, cur) in stack.iter().filter(|f| f.0) {
            let _ = g;
            terms.extend(prior.iter().map(|p| CExpr::Not(Box::new(p.clone()))));
            if *cur != CExpr::Num(1) {
                terms.push(cur.clone());
            }
        }
        terms
            .into_iter()
            .reduce(|a, b| CExpr::Bin("&&", Box::new(a), Box::new(b)))
    };
    let mut line = 1usize;
    let mut i = 0;
    let n = src.len();
    let mut at_line_start = true;
    while i < n {
        let b = src[i];
        match b {
            b'\n' => {
                line += 1;
                at_line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'/' if src.get(i + 1) == Some(&b'/') => {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < n && !(src[i] == b'*' && src.get(i + 1) == Some(&b'/')) {
                    if src[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i = (i + 2).min(n);
            }
            b'"' | b'\'' => {
                let q = b;
                i += 1;
                while i < n && src[i] != q && src[i] != b'\n' {
                    if src[i] == b'\\' {
                        if src.get(i + 1) == Some(&b'\n') {
                            line += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(n);
                at_line_start = false;
            }
            b'#' if at_line_start => {
                // a directive: read it whole (with continuations), comments blanked
                let start_line = line;
                let mut text: Vec<u8> = Vec::new();
                i += 1;
                while i < n && src[i] != b'\n' {
                    if src[i] == b'\\' && src.get(i + 1) == Some(&b'\n') {
                        line += 1;
                        i += 2;
                        text.push(b' ');
                        continue;
                    }
                    if src[i] == b'\\'
                        && src.get(i + 1) == Some(&b'\r')
                        && src.get(i + 2) == Some(&b'\n')
                    {
                        line += 1;
                        i += 3;
                        text.push(b' ');
                        continue;
                    }
                    if src[i] == b'/' && src.get(i + 1) == Some(&b'/') {
                        while i < n && src[i] != b'\n' {
                            i += 1;
                        }
                        break;
                    }
                    if src[i] == b'/' && src.get(i + 1) == Some(&b'*') {
                        i += 2;
                        while i < n && !(src[i] == b'*' && src.get(i + 1) == Some(&b'/')) {
                            if src[i] == b'\n' {
                                line += 1;
                            }
                            i += 1;
                        }
                        i = (i + 2).min(n);
                        text.push(b' ');
                        continue;
                    }
                    text.push(src[i]);
                    i += 1;
                }
                let t = text.trim_ascii_start();
                let kw_end = t
                    .iter()
                    .position(|c| !c.is_ascii_alphabetic())
                    .unwrap_or(t.len());
                let (kw, rest) = t.split_at(kw_end);
                let guarded_now = stack.iter().any(|f| f.0);
                let cond_text = String::from_utf8_lossy(rest).into_owned();
                let cond = |kw: &[u8]| -> CExpr {
                    let name = cond_text.trim().to_string();
                    match kw {
                        b"ifdef" | b"elifdef" => CExpr::Defined(name),
                        b"ifndef" | b"elifndef" => CExpr::Not(Box::new(CExpr::Defined(name))),
                        _ => cgate::parse(&cond_text),
                    }
                };
                match kw {
                    b"if" | b"ifdef" | b"ifndef" => {
                        stack.push((c_condition_is_guard(rest, is_name), Vec::new(), cond(kw)))
                    }
                    b"elif" | b"elifdef" | b"elifndef" => {
                        let g = c_condition_is_guard(rest, is_name);
                        let next = cond(kw);
                        if let Some(top) = stack.last_mut() {
                            top.0 |= g;
                            let prev = std::mem::replace(&mut top.2, next);
                            top.1.push(prev);
                        }
                    }
                    b"else" => {
                        if let Some(top) = stack.last_mut() {
                            let prev = std::mem::replace(&mut top.2, CExpr::Num(1));
                            top.1.push(prev);
                        }
                    }
                    b"endif" => {
                        stack.pop();
                    }
                    b"define" => {
                        // uses inside a macro body (not the macro's own name)
                        let body = rest.trim_ascii_start();
                        let name_end = body
                            .iter()
                            .position(|&c| !is_ident(c))
                            .unwrap_or(body.len());
                        idents(&body[name_end..], &mut |w| {
                            if is_name(w) {
                                out.push(Use {
                                    name: w.to_string(),
                                    line: start_line,
                                    guarded: guarded_now,
                                    gate: None,
                                    cgate: cgate_of(&stack),
                                    declared: false,
                                });
                            }
                        });
                    }
                    _ => {}
                }
            }
            _ if is_ident_start(b) => {
                let s = i;
                while i < n && is_ident(src[i]) {
                    i += 1;
                }
                let member = s >= 1 && (src[s - 1] == b'.' || (s >= 2 && &src[s - 2..s] == b"->"));
                if let Ok(w) = std::str::from_utf8(&src[s..i]) {
                    if !member && is_name(w) {
                        out.push(Use {
                            name: w.to_string(),
                            line,
                            guarded: stack.iter().any(|f| f.0),
                            gate: None,
                            cgate: cgate_of(&stack),
                            declared: false,
                        });
                    }
                }
                at_line_start = false;
            }
            _ if b.is_ascii_digit() => {
                while i < n && (is_ident(src[i]) || src[i] == b'.') {
                    i += 1;
                }
                at_line_start = false;
            }
            _ => {
                i += 1;
                at_line_start = false;
            }
        }
    }
    out
}

/// Calls `f` for every identifier of `text` (no comment or string handling: directive text).
fn idents(text: &[u8], f: &mut dyn FnMut(&str)) {
    let mut i = 0;
    while i < text.len() {
        if is_ident_start(text[i]) {
            let s = i;
            while i < text.len() && is_ident(text[i]) {
                i += 1;
            }
            if let Ok(w) = std::str::from_utf8(&text[s..i]) {
                f(w);
            }
        } else if text[i].is_ascii_digit() {
            while i < text.len() && is_ident(text[i]) {
                i += 1;
            }
        } else if text[i] == b'"' {
            i += 1;
            while i < text.len() && text[i] != b'"' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            i += 1;
        }
    }
}

/// A Rust token (only what the scanner needs).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Punct(u8),
    Str(&'a [u8]),
    Other,
}

/// If a raw string literal (`r"…"`, `r#"…"#`, `br"…"`, `cr#"…"#`) starts at `i`, the index
/// just past its end (the end of the input when it is not closed).
fn raw_string_end(src: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(src.get(j), Some(b'b' | b'c')) {
        j += 1;
    }
    if src.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = src[j.min(src.len())..]
        .iter()
        .take_while(|&&c| c == b'#')
        .count();
    j += hashes;
    if src.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < src.len() {
        if src[j] == b'"'
            && src[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(src.len())
}

/// Tokenizes Rust source: identifiers, single-byte punctuation, literals; comments skipped.
fn rust_tokens(src: &[u8]) -> Vec<(Tok<'_>, usize)> {
    let mut out = Vec::new();
    let (mut i, n, mut line) = (0usize, src.len(), 1usize);
    let count_lines = |a: &[u8]| a.iter().filter(|&&c| c == b'\n').count();
    while i < n {
        let b = src[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            _ if b.is_ascii_whitespace() => i += 1,
            b'/' if src.get(i + 1) == Some(&b'/') => {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < n {
                    if src[i] == b'/' && src.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if src[i] == b'*' && src.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if src[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            b'"' => {
                let s = i;
                i += 1;
                while i < n && src[i] != b'"' {
                    i += if src[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(n);
                out.push((
                    Tok::Str(&src[(s + 1).min(i)..i.saturating_sub(1).max(s + 1).min(n)]),
                    line,
                ));
                line += count_lines(&src[s..i]);
            }
            b'r' | b'b' | b'c' if raw_string_end(src, i).is_some() => {
                let end = raw_string_end(src, i).unwrap_or(n);
                out.push((Tok::Str(&src[i..end]), line));
                line += count_lines(&src[i..end]);
                i = end;
            }
            b'b' if src.get(i + 1) == Some(&b'"') || src.get(i + 1) == Some(&b'\'') => {
                i += 1; // the literal itself is handled next round
            }
            b'\'' => {
                // char literal ('a', '\n', '\u{..}') or lifetime ('a)
                if src.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < n && src[i] != b'\'' && src[i] != b'\n' {
                        i += 1;
                    }
                    i = (i + 1).min(n);
                    out.push((Tok::Other, line));
                } else if src.get(i + 2) == Some(&b'\'') {
                    i += 3;
                    out.push((Tok::Other, line));
                } else {
                    // lifetime or a multi-byte char: skip the quote and an identifier
                    i += 1;
                    let s = i;
                    while i < n && (is_ident(src[i]) || src[i] >= 0x80) {
                        i += 1;
                    }
                    if src.get(i) == Some(&b'\'') && i > s {
                        i += 1;
                    }
                    out.push((Tok::Other, line));
                }
            }
            _ if is_ident_start(b) => {
                let s = i;
                while i < n && is_ident(src[i]) {
                    i += 1;
                }
                match std::str::from_utf8(&src[s..i]) {
                    Ok(w) => out.push((Tok::Ident(w), line)),
                    Err(_) => out.push((Tok::Other, line)),
                }
            }
            _ if b.is_ascii_digit() => {
                while i < n && (is_ident(src[i]) || src[i] == b'.') {
                    i += 1;
                }
                out.push((Tok::Other, line));
            }
            _ if b.is_ascii_punctuation() => {
                out.push((Tok::Punct(b), line));
                i += 1;
            }
            _ => {
                // non-ASCII outside literals (identifiers with Unicode letters): skip the byte
                i += 1;
            }
        }
    }
    out
}

/// Whether a `#[cfg(...)]` predicate (its tokens) tests a library version or feature rather
/// than only the test/target/feature configuration.
fn rust_cfg_is_guard(pred: &[(Tok<'_>, usize)]) -> bool {
    pred.iter().any(|(t, _)| match t {
        Tok::Ident(w) => !matches!(
            *w,
            "not"
                | "all"
                | "any"
                | "test"
                | "feature"
                | "unix"
                | "windows"
                | "debug_assertions"
                | "doc"
                | "docsrs"
                | "miri"
                | "panic"
                | "target_os"
                | "target_arch"
                | "target_env"
                | "target_family"
                | "target_vendor"
                | "target_endian"
                | "target_pointer_width"
                | "target_has_atomic"
        ),
        _ => false,
    })
}

/// The predicate of a `cfg(...)` from its tokens (an unparsable one becomes an unknown name).
fn cfg_of(pred: &[(Tok<'_>, usize)]) -> Cfg {
    let ptoks: Option<Vec<PTok>> = pred
        .iter()
        .map(|(t, _)| match t {
            Tok::Ident(w) => Some(PTok::Word(w.to_string())),
            Tok::Str(b) => Some(PTok::Str(String::from_utf8_lossy(b).into_owned())),
            Tok::Punct(c) => Some(PTok::Punct(*c)),
            Tok::Other => None,
        })
        .collect();
    ptoks
        .and_then(|t| gate::parse(&t))
        .unwrap_or_else(|| Cfg::Name("(unparsed cfg)".into()))
}

/// A `mod NAME;` declaration: the module's file inherits the cfgs around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModDecl {
    /// The module name.
    pub name: String,
    /// Whether a version/feature guard encloses the declaration.
    pub guarded: bool,
    /// The enclosing cfgs, combined.
    pub gate: Option<Cfg>,
}

/// A `#[cfg]` in force while the scanner walks the item it is on.
struct Guard {
    /// The nesting depth the item started at: the cfg lasts until the item ends there.
    depth: i64,
    /// Whether the cfg tests a version or feature.
    is_guard: bool,
    /// The cfg in force (for a `cfg_if!` branch: with the earlier branches negated).
    cfg: Cfg,
    /// For `cfg_if!`'s `if #[cfg(x)] {`: `x` as written, for the `else` branches.
    cfg_if: Option<Cfg>,
    /// The cfg is on an item (`fn`, `impl`, `struct`, ...): only its body or a `;` ends it,
    /// never a `,` (of a parameter list or `where` clause).
    item: bool,
}

/// Whether the tokens from `k` (after one attribute) start an item: more attributes,
/// visibility and qualifiers skipped, then `fn`, `impl`, `struct`, `enum`, `trait`, `mod`,
/// `type`, `static`, `const`, `use`, `union`, `extern` or `macro_rules`.
fn starts_item(toks: &[(Tok<'_>, usize)], mut k: usize) -> bool {
    loop {
        match toks.get(k) {
            Some((Tok::Punct(b'#'), _)) => {
                // skip another attribute
                let mut d = 0;
                k += 1;
                while let Some((t, _)) = toks.get(k) {
                    k += 1;
                    match t {
                        Tok::Punct(b'[') => d += 1,
                        Tok::Punct(b']') => {
                            d -= 1;
                            if d <= 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some((Tok::Ident("pub"), _)) => {
                k += 1;
                if let Some((Tok::Punct(b'('), _)) = toks.get(k) {
                    while !matches!(toks.get(k), Some((Tok::Punct(b')'), _)) | None) {
                        k += 1;
                    }
                    k += 1;
                }
            }
            Some((Tok::Ident("unsafe" | "async" | "default"), _)) => k += 1,
            Some((Tok::Ident(w), _)) => {
                return matches!(
                    *w,
                    "fn" | "impl"
                        | "struct"
                        | "enum"
                        | "trait"
                        | "mod"
                        | "type"
                        | "static"
                        | "const"
                        | "use"
                        | "union"
                        | "extern"
                        | "macro_rules"
                )
            }
            _ => return false,
        }
    }
}

/// Every enclosing cfg (the file's `#![cfg]` first), combined; and whether one is a guard.
fn combined_gate(file_guard: &Option<(bool, Cfg)>, guards: &[Guard]) -> (bool, Option<Cfg>) {
    let mut cfgs: Vec<Cfg> = Vec::new();
    let mut guarded = false;
    for (g, c) in file_guard
        .iter()
        .map(|(g, c)| (*g, c))
        .chain(guards.iter().map(|x| (x.is_guard, &x.cfg)))
    {
        guarded |= g;
        cfgs.push(c.clone());
    }
    let gate = match cfgs.len() {
        0 => None,
        1 => cfgs.pop(),
        _ => Some(Cfg::All(cfgs)),
    };
    (guarded, gate)
}

/// Finds the uses in Rust source.
#[cfg(test)]
pub fn scan_rust(src: &[u8], is_name: &dyn Fn(&str) -> bool) -> Vec<Use> {
    scan_rust_all(src, is_name).uses
}

/// A Rust function or constant the scanned code defines under a libssl name (a shim for a
/// macro or for an API some releases lack, as openssl-sys writes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Def {
    /// The name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// The enclosing cfgs, combined.
    pub gate: Option<Cfg>,
}

/// What a Rust file holds for the scanner.
#[derive(Debug, Default)]
pub struct RustScan {
    /// Uses of libssl names.
    pub uses: Vec<Use>,
    /// `mod NAME;` declarations.
    pub mods: Vec<ModDecl>,
    /// Functions and constants defined under libssl names.
    pub defs: Vec<Def>,
}

/// Finds the uses, `mod NAME;` declarations and shim definitions in Rust source.
pub fn scan_rust_all(src: &[u8], is_name: &dyn Fn(&str) -> bool) -> RustScan {
    let toks = rust_tokens(src);
    let mut out = Vec::new();
    let mut mods = Vec::new();
    let mut defs = Vec::new();
    let mut depth: i64 = 0;
    // cfg'd items: the depth they started at (the cfg lasts until the item ends there),
    // whether the cfg is a version/feature guard, and the predicate
    // (and, for `cfg_if!`'s `if #[cfg(x)] { .. }`, the cfg as written, for its else branches)
    let mut guards: Vec<Guard> = Vec::new();
    // `cfg_if!` chains: the depth and the cfgs of the branches closed so far (an `else` branch
    // holds where none of them does)
    let mut else_chain: Option<(i64, Vec<(bool, Cfg)>)> = None;
    // depths of open `extern "C" {` blocks (the depth inside them)
    let mut externs: Vec<i64> = Vec::new();
    // depths of open `use ffi::{` groups
    let mut use_groups: Vec<i64> = Vec::new();
    let mut file_guard: Option<(bool, Cfg)> = None;
    // open generic-argument angle brackets since the last `{`, `}` or `;` (a heuristic: `<`
    // after a name or `::`)
    let mut angle: i64 = 0;
    let mut i = 0;
    let ident = |k: usize| match toks.get(k) {
        Some((Tok::Ident(w), _)) => Some(*w),
        _ => None,
    };
    let punct = |k: usize, c: u8| matches!(toks.get(k), Some((Tok::Punct(p), _)) if *p == c);
    while i < toks.len() {
        let (tok, line) = (&toks[i].0, toks[i].1);
        match tok {
            Tok::Punct(b'#') => {
                // #[cfg(...)] or #![cfg(...)]
                let inner = punct(i + 1, b'!');
                let open = i + 1 + usize::from(inner);
                if punct(open, b'[') {
                    // find the matching ]
                    let mut k = open + 1;
                    let mut d = 1;
                    while k < toks.len() && d > 0 {
                        if punct(k, b'[') {
                            d += 1;
                        } else if punct(k, b']') {
                            d -= 1;
                        }
                        k += 1;
                    }
                    // the tokens inside cfg( ... )
                    let pred = &toks[(open + 3).min(k)..k.saturating_sub(2).max(open + 3).min(k)];
                    if ident(open + 1) == Some("cfg") && punct(open + 2, b'(') {
                        let is_guard = rust_cfg_is_guard(pred);
                        let cfg = cfg_of(pred);
                        if inner && depth == 0 {
                            file_guard = Some((is_guard, cfg));
                        } else if !inner && ident(i.wrapping_sub(1)) == Some("if") {
                            // cfg_if!: `if #[cfg(x)] {` / `else if #[cfg(y)] {`
                            let prior = match &else_chain {
                                Some((d, v))
                                    if *d == depth && ident(i.wrapping_sub(2)) == Some("else") =>
                                {
                                    v.clone()
                                }
                                _ => {
                                    else_chain = None;
                                    Vec::new()
                                }
                            };
                            let any_guard = is_guard || prior.iter().any(|p| p.0);
                            let effective = if prior.is_empty() {
                                cfg.clone()
                            } else {
                                let mut all: Vec<Cfg> = prior
                                    .iter()
                                    .map(|p| Cfg::Not(Box::new(p.1.clone())))
                                    .collect();
                                all.push(cfg.clone());
                                Cfg::All(all)
                            };
                            guards.push(Guard {
                                depth,
                                is_guard: any_guard,
                                cfg: effective,
                                cfg_if: Some(cfg),
                                item: true,
                            });
                        } else {
                            guards.push(Guard {
                                depth: depth - i64::from(inner),
                                is_guard,
                                cfg,
                                cfg_if: None,
                                item: inner || starts_item(&toks, k),
                            });
                        }
                    }
                    i = k;
                    continue;
                }
            }
            Tok::Punct(b'{') => {
                if ident(i.wrapping_sub(2)) == Some("extern")
                    && matches!(toks.get(i.wrapping_sub(1)), Some((Tok::Str(_), _)))
                {
                    externs.push(depth + 1);
                } else if punct(i.wrapping_sub(1), b':')
                    && punct(i.wrapping_sub(2), b':')
                    && matches!(ident(i.wrapping_sub(3)), Some("ffi" | "openssl_sys"))
                {
                    use_groups.push(depth + 1);
                }
                angle = 0;
                if ident(i.wrapping_sub(1)) == Some("else") {
                    // cfg_if!'s final `else {`: none of the branches before holds
                    if let Some((_, prior)) = else_chain.take().filter(|(d, _)| *d == depth) {
                        let all: Vec<Cfg> = prior
                            .iter()
                            .map(|p| Cfg::Not(Box::new(p.1.clone())))
                            .collect();
                        guards.push(Guard {
                            depth,
                            is_guard: prior.iter().any(|p| p.0),
                            cfg: Cfg::All(all),
                            cfg_if: None,
                            item: true,
                        });
                    }
                }
                depth += 1;
            }
            Tok::Punct(b'}') => {
                if externs.last() == Some(&depth) {
                    externs.pop();
                }
                if use_groups.last() == Some(&depth) {
                    use_groups.pop();
                }
                depth -= 1;
                angle = 0;
                if ident(i + 1) == Some("else") {
                    if let Some(top) = guards
                        .last()
                        .filter(|g| g.depth == depth && g.cfg_if.is_some())
                    {
                        let entry = (
                            top.is_guard,
                            top.cfg_if.clone().unwrap_or(Cfg::Name(String::new())),
                        );
                        guards.pop();
                        match &mut else_chain {
                            Some((d, v)) if *d == depth => v.push(entry),
                            _ => else_chain = Some((depth, vec![entry])),
                        }
                    }
                }
                // an item ends with its closing brace, unless the statement goes on
                let goes_on = [b';', b',', b')', b'.', b'?']
                    .iter()
                    .any(|&c| punct(i + 1, c))
                    || ident(i + 1) == Some("else");
                if !goes_on {
                    while guards.last().is_some_and(|g| g.depth == depth) {
                        guards.pop();
                    }
                }
                while guards.last().is_some_and(|g| g.depth > depth) {
                    guards.pop();
                }
            }
            Tok::Punct(b';') | Tok::Punct(b',') => {
                // a `,` inside generic arguments (`Result<T, E>`) does not end an item
                let semi = *tok == Tok::Punct(b';');
                if semi || angle == 0 {
                    while guards
                        .last()
                        .is_some_and(|g| g.depth == depth && (semi || !g.item))
                    {
                        guards.pop();
                    }
                }
                if *tok == Tok::Punct(b';') {
                    angle = 0;
                }
            }
            // parentheses and brackets nest like braces (a `,` between parameters does not end
            // the item), but closing one never ends an item by itself
            Tok::Punct(b'(') | Tok::Punct(b'[') => depth += 1,
            Tok::Punct(b')') | Tok::Punct(b']') => {
                depth -= 1;
                while guards.last().is_some_and(|g| g.depth > depth) {
                    guards.pop();
                }
            }
            Tok::Punct(b'<')
                if matches!(toks.get(i.wrapping_sub(1)), Some((Tok::Ident(_), _)))
                    || punct(i.wrapping_sub(1), b':') =>
            {
                angle += 1;
            }
            Tok::Punct(b'>')
                if angle > 0
                    && !punct(i.wrapping_sub(1), b'-')
                    && !punct(i.wrapping_sub(1), b'=') =>
            {
                angle -= 1;
            }
            Tok::Ident(w) => {
                let qualified = punct(i.wrapping_sub(1), b':')
                    && punct(i.wrapping_sub(2), b':')
                    && matches!(ident(i.wrapping_sub(3)), Some("ffi" | "openssl_sys"));
                // inside `use ffi::{...}`, but not the alias of `x as Y`
                let in_group =
                    use_groups.last() == Some(&depth) && ident(i.wrapping_sub(1)) != Some("as");
                let declared = externs.last() == Some(&depth)
                    && matches!(ident(i.wrapping_sub(1)), Some("fn" | "static"))
                    || externs.last() == Some(&depth)
                        && ident(i.wrapping_sub(1)) == Some("mut")
                        && ident(i.wrapping_sub(2)) == Some("static");
                // `fn NAME` / `const NAME:` outside extern blocks: a definition, not a use
                if matches!(*w, "fn" | "const") && externs.last() != Some(&depth) {
                    if let Some(name) = ident(i + 1).filter(|n| is_name(n)) {
                        let (_, gate) = combined_gate(&file_guard, &guards);
                        defs.push(Def {
                            name: name.to_string(),
                            line,
                            gate,
                        });
                    }
                }
                if *w == "mod" && punct(i + 2, b';') {
                    if let Some(name) = ident(i + 1) {
                        let (guarded, gate) = combined_gate(&file_guard, &guards);
                        mods.push(ModDecl {
                            name: name.to_string(),
                            guarded,
                            gate,
                        });
                    }
                }
                if (qualified || in_group || declared) && is_name(w) {
                    let (guarded, gate) = combined_gate(&file_guard, &guards);
                    out.push(Use {
                        name: w.to_string(),
                        line,
                        guarded,
                        gate,
                        cgate: None,
                        declared,
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    RustScan {
        uses: out,
        mods,
        defs,
    }
}

/// Reads a file for scanning: `None` (with the reason) for binary or oversized files.
fn read_source(path: &Path) -> Result<Result<Vec<u8>, String>, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_FILE {
        return Ok(Err(format!("larger than {} MiB", MAX_FILE >> 20)));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::failed(format!("cannot read {}: {e}", path.display())))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Ok(Err("binary".into()));
    }
    Ok(Ok(bytes))
}

/// The source files below `paths`, sorted; errors for paths that do not exist.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Lang)>, Failure> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| Failure::usage(format!("scan: cannot read {}: {e}", p.display())))?;
        if meta.is_file() {
            let lang = Lang::of(p).ok_or_else(|| {
                Failure::usage(format!(
                    "scan: {} is not a C (.c, .h) or Rust (.rs) source file",
                    p.display()
                ))
            })?;
            out.push((p.clone(), lang));
            continue;
        }
        let mut stack = vec![p.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                eprintln!("sslprobe: warning: cannot read directory {}", dir.display());
                continue;
            };
            for e in rd.flatten() {
                let path = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    let name = e.file_name();
                    if name != ".git" && name != "target" {
                        stack.push(path);
                    }
                } else if let Some(lang) = Lang::of(&path) {
                    // regular files, and symlinks to files
                    if ft.is_file() || path.is_file() {
                        out.push((path, lang));
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Names (or any strings) numbered in order of first sight.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    /// The number of `s`, given on first sight.
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// One use, compact: name, file and gate by number.
#[derive(Clone, Copy)]
struct RawUse {
    name: u32,
    file: u32,
    line: u32,
    guarded: bool,
    declared: bool,
    gate: Option<u32>,
    /// A C condition, by number.
    cgate: Option<u32>,
}

/// What one scanned file holds.
struct FileScan {
    path: PathBuf,
    uses: Vec<RawUse>,
    mods: Vec<ModDecl>,
    defs: Vec<Def>,
}

/// The files a `mod NAME;` in `parent` may load: `NAME.rs` or `NAME/mod.rs` beside `parent`
/// when it is `lib.rs`, `main.rs` or `mod.rs`, else in the folder named after `parent`.
fn module_files(parent: &Path, name: &str) -> [PathBuf; 2] {
    let dir = parent.parent().unwrap_or(Path::new(""));
    let stem = parent.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "lib" | "main" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
}

/// For every scanned Rust file loaded by a `mod NAME;` of another scanned file: whether a
/// guard encloses that declaration (or its parent's), and the cfgs combined.
fn module_gates(per_file: &[FileScan]) -> HashMap<PathBuf, (bool, Option<Cfg>)> {
    let index: HashMap<&Path, usize> = per_file
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect();
    // parent of each module file: (parent index, declaration)
    let mut parent: Vec<Option<(usize, &ModDecl)>> = vec![None; per_file.len()];
    for (i, fs) in per_file.iter().enumerate() {
        for m in &fs.mods {
            for f in module_files(&fs.path, &m.name) {
                if let Some(&c) = index.get(f.as_path()) {
                    if c != i && parent[c].is_none() {
                        parent[c] = Some((i, m));
                    }
                }
            }
        }
    }
    let mut out = HashMap::new();
    for (i, fs) in per_file.iter().enumerate() {
        // walk up (bounded: a cycle of mod declarations cannot loop forever)
        let (mut guarded, mut gates) = (false, Vec::new());
        let mut at = i;
        for _ in 0..64 {
            let Some((p, m)) = parent[at] else { break };
            guarded |= m.guarded;
            if let Some(g) = &m.gate {
                gates.push(g.clone());
            }
            at = p;
        }
        if guarded || !gates.is_empty() {
            gates.reverse();
            let gate = match gates.len() {
                0 => None,
                1 => gates.pop(),
                _ => Some(Cfg::All(gates)),
            };
            out.insert(fs.path.clone(), (guarded, gate));
        }
    }
    out
}

/// One API the codebase uses that is missing or without effect somewhere in the window.
#[derive(Debug, Serialize)]
pub struct Finding {
    /// The name.
    pub name: String,
    /// `catalog` or `census`.
    pub source: &'static str,
    /// Examined/recorded versions of the window that lack it (`family: versions`).
    pub missing_in: Vec<String>,
    /// Versions of the window where it exists but has no effect (catalog only).
    pub no_effect_in: Vec<String>,
    /// Distinct prototypes inside the window (census; more than one means variants).
    pub prototypes: Vec<String>,
    /// Every use.
    pub uses: Vec<FileUse>,
    /// The scanned code's own definition of the name (a Rust shim) that covers every
    /// examined release of the window lacking it: its uses need no guard.
    pub provided_by: Option<String>,
}

/// A use with its file.
#[derive(Debug, Serialize, Clone)]
pub struct FileUse {
    /// File path as given/walked.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Guarded by a version/feature condition.
    pub guarded: bool,
    /// The enclosing version gate: Rust `cfg(...)` predicates, or C `#if ...` conditions
    /// (earlier branches of an `#if` chain negated), combined.
    pub gate: Option<String>,
    /// The gate compared with the census over the window's examined releases: `agrees`,
    /// `admits …` / `can admit …` (the gate lets releases whose headers lack the name compile
    /// the use; "can": for some feature/config cfgs), `stricter …` (it excludes releases whose
    /// headers declare it); `None` when the census does not know the name.
    pub gate_check: Option<String>,
}

/// How the gates of the scanned Rust code compare with the census.
#[derive(Debug, Default, Serialize)]
pub struct GateSummary {
    /// Uses whose gate matches the census exactly over the examined releases of the window.
    pub agree: usize,
    /// Uses whose gate excludes releases that declare the name (a stricter gate).
    pub stricter: usize,
    /// Uses whose gate admits releases that lack the name: `name file:line cfg: releases`.
    pub admits_missing: Vec<String>,
    /// Uses with a gate the census cannot judge (names not in the census, conditions on the
    /// project's own macros only).
    pub undecided: usize,
}

/// Whether release `i`'s headers define the macro `m` (for `osslconf = "OPENSSL_NO_..."`).
fn defines(census: &Census, i: usize, m: &str) -> bool {
    census
        .get(m)
        .and_then(|rec| census.at(rec, i))
        .is_some_and(|at| at.macro_def.is_some())
}

/// Whether one of the scanned code's own definitions of the name (`shims`: location, gate) can
/// be compiled for release `i`; returns its location.
fn shim_for<'s>(shims: &'s [(String, Option<Cfg>)], census: &Census, i: usize) -> Option<&'s str> {
    let r = &census.releases()[i];
    let defined = |m: &str| Some(defines(census, i, m));
    shims
        .iter()
        .find(|(_, g)| {
            g.as_ref()
                .is_none_or(|g| gate::possible(g, r.family, &r.version, &defined).0)
        })
        .map(|(at, _)| at.as_str())
}

/// Compares a gate with the census over the window's examined releases (`window[i]` is a
/// release index).
fn check_gate(
    possible: &dyn Fn(usize) -> (bool, bool),
    declared: bool,
    census: &Census,
    rec: &crate::census_data::Record,
    window: &[usize],
    shims: &[(String, Option<Cfg>)],
) -> Option<String> {
    let mut shimmed: Vec<(Family, String)> = Vec::new();
    let mut shim_at: Option<&str> = None;
    let mut admits: Vec<(Family, String)> = Vec::new();
    let mut excludes: Vec<(Family, String)> = Vec::new();
    // whether every admitting release admits whatever the feature/config cfgs are
    let mut surely = true;
    // whether the gate is decided for any release (a gate on the project's own macros only,
    // such as HAVE_*, is not the census's to judge)
    let mut decided = false;
    for &i in window {
        let r = &census.releases()[i];
        let (can_true, can_false) = possible(i);
        decided |= !(can_true && can_false);
        // an extern declaration needs a real function; any form does for a path use
        let present = census
            .at(rec, i)
            .is_some_and(|at| !declared || matches!(at.function, Some((false, _))));
        if can_true && !present && !declared {
            if let Some(at) = shim_for(shims, census, i) {
                // the scanned code defines the name itself there (a shim)
                shimmed.push((r.family, r.text()));
                shim_at.get_or_insert(at);
                continue;
            }
        }
        if can_true && !present {
            admits.push((r.family, r.text()));
            surely &= !can_false;
        } else if !can_true && present {
            excludes.push((r.family, r.text()));
        }
    }
    let what = if declared {
        "the headers declare no such function"
    } else {
        "the headers lack it"
    };
    let group = |v: &[(Family, String)]| -> String {
        Family::ALL
            .iter()
            .filter_map(|f| {
                let l: Vec<String> = v
                    .iter()
                    .filter(|(x, _)| x == f)
                    .map(|(_, t)| t.clone())
                    .collect();
                (!l.is_empty()).then(|| format!("{f} {}", list_text(&l)))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !decided && !admits.is_empty() {
        // nothing but undecidable conditions: whether it admits is not the census's to say
        return None;
    }
    if !admits.is_empty() {
        Some(format!(
            "{} {} where {what}",
            if surely {
                "admits"
            } else {
                "can admit (depending on conditions the census cannot decide)"
            },
            group(&admits)
        ))
    } else if let Some(at) = shim_at.filter(|_| excludes.is_empty()) {
        Some(format!(
            "agrees, with the scanned code's own definition ({at}) where the headers lack it: {}",
            group(&shimmed)
        ))
    } else if !excludes.is_empty() {
        Some(format!(
            "stricter: excludes {} where the headers declare it{}",
            group(&excludes),
            if declared { " as a function" } else { "" }
        ))
    } else {
        Some("agrees".into())
    }
}

/// The whole scan result.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The support window as given.
    pub support: String,
    /// Files scanned.
    pub files: usize,
    /// Files skipped (path: reason).
    pub skipped: Vec<String>,
    /// Lines scanned.
    pub lines: usize,
    /// Distinct libssl names used.
    pub names_used: usize,
    /// Uses of libssl names.
    pub uses: usize,
    /// Families of the window the census has examined releases for, with their range.
    pub examined: Vec<String>,
    /// Families (or parts) of the window the census has not examined.
    pub not_examined: Vec<String>,
    /// APIs missing somewhere in the window.
    pub missing: Vec<Finding>,
    /// APIs present everywhere examined but without effect somewhere (catalog).
    pub no_effect: Vec<Finding>,
    /// APIs present everywhere examined whose prototype differs inside the window.
    pub prototype_differs: Vec<Finding>,
    /// Unguarded uses of missing APIs.
    pub unguarded: usize,
    /// Rust gates compared with the census.
    pub gates: GateSummary,
}

/// Scans `files` against the window.
pub fn scan(
    files: &[(PathBuf, Lang)],
    spec: &SupportSpec,
    catalog: &Catalog,
    census: &Census,
) -> Result<Report, Failure> {
    let is_name = |w: &str| {
        w.len() > 2
            && w.bytes().any(|c| c.is_ascii_uppercase())
            && (census.get(w).is_some() || catalog.get(w).is_some())
    };
    // Uses are kept compact (names, files and gates interned): a tree of millions of lines
    // has millions of uses.
    let mut names = Interner::default();
    let mut gates: Vec<Cfg> = Vec::new();
    let mut gate_ix: HashMap<String, u32> = HashMap::new();
    let mut intern_gate = |c: Cfg, gates: &mut Vec<Cfg>| -> u32 {
        let key = c.to_string();
        *gate_ix.entry(key).or_insert_with(|| {
            gates.push(c);
            u32::try_from(gates.len() - 1).unwrap_or(u32::MAX)
        })
    };
    let mut cgates: Vec<CExpr> = Vec::new();
    let mut cgate_ix: HashMap<String, u32> = HashMap::new();
    let mut skipped = Vec::new();
    let (mut lines, mut uses, mut scanned) = (0, 0, 0);
    let mut per_file: Vec<FileScan> = Vec::new();
    for (path, lang) in files {
        let bytes = match read_source(path)? {
            Ok(b) => b,
            Err(why) => {
                skipped.push(format!("{}: {why}", path.display()));
                continue;
            }
        };
        scanned += 1;
        lines += bytes.iter().filter(|&&c| c == b'\n').count();
        let rs = match lang {
            Lang::C => RustScan {
                uses: scan_c(&bytes, &is_name),
                ..RustScan::default()
            },
            Lang::Rust => scan_rust_all(&bytes, &is_name),
        };
        uses += rs.uses.len();
        let compact = rs
            .uses
            .into_iter()
            .map(|u| RawUse {
                name: names.id(&u.name),
                file: 0,
                line: u32::try_from(u.line).unwrap_or(u32::MAX),
                guarded: u.guarded,
                declared: u.declared,
                gate: u.gate.map(|g| intern_gate(g, &mut gates)),
                cgate: u.cgate.map(|c| {
                    let key = c.to_string();
                    *cgate_ix.entry(key).or_insert_with(|| {
                        cgates.push(c);
                        u32::try_from(cgates.len() - 1).unwrap_or(u32::MAX)
                    })
                }),
            })
            .collect();
        per_file.push(FileScan {
            path: path.clone(),
            uses: compact,
            mods: rs.mods,
            defs: rs.defs,
        });
    }
    // a Rust module file inherits the cfgs on its `mod NAME;` declaration (and its parent's)
    let inherited = module_gates(&per_file);
    // shims the scanned code defines: name -> (file:line, gate)
    let mut shims: BTreeMap<String, Vec<(String, Option<Cfg>)>> = BTreeMap::new();
    let mut by_name: HashMap<u32, Vec<RawUse>> = HashMap::new();
    let mut combined: HashMap<(u32, u32), u32> = HashMap::new();
    let mut file_names: Vec<String> = Vec::with_capacity(per_file.len());
    for (fi, fs) in per_file.into_iter().enumerate() {
        let (parent_guarded, parent_gate) =
            inherited.get(&fs.path).cloned().unwrap_or((false, None));
        for d in fs.defs {
            let gate = match (parent_gate.clone(), d.gate) {
                (None, g) | (g, None) => g,
                (Some(p), Some(g)) => Some(Cfg::All(vec![p, g])),
            };
            shims
                .entry(d.name)
                .or_default()
                .push((format!("{}:{}", fs.path.display(), d.line), gate));
        }
        let parent_ix = parent_gate.map(|p| intern_gate(p, &mut gates));
        for mut u in fs.uses {
            u.file = u32::try_from(fi).unwrap_or(u32::MAX);
            u.guarded |= parent_guarded;
            u.gate = match (parent_ix, u.gate) {
                (None, g) | (g, None) => g,
                (Some(p), Some(g)) => Some(*combined.entry((p, g)).or_insert_with(|| {
                    intern_gate(
                        Cfg::All(vec![gates[p as usize].clone(), gates[g as usize].clone()]),
                        &mut gates,
                    )
                })),
            };
            by_name.entry(u.name).or_default().push(u);
        }
        file_names.push(fs.path.display().to_string());
    }
    let mut by_name: Vec<(String, Vec<RawUse>)> = by_name
        .into_iter()
        .map(|(n, v)| (names.names[n as usize].clone(), v))
        .collect();
    by_name.sort_by(|a, b| a.0.cmp(&b.0));
    let coverage = Coverage::of(catalog);
    let mut report = Report {
        support: spec.text().to_string(),
        files: scanned,
        skipped,
        lines,
        names_used: by_name.len(),
        uses,
        examined: Vec::new(),
        not_examined: Vec::new(),
        missing: Vec::new(),
        no_effect: Vec::new(),
        prototype_differs: Vec::new(),
        unguarded: 0,
        gates: GateSummary::default(),
    };
    let window: Vec<usize> = (0..census.releases().len())
        .filter(|&i| {
            let r = &census.releases()[i];
            spec.supports(r.family) && spec.versions(r.family).contains(&r.version)
        })
        .collect();
    for family in Family::ALL.into_iter().filter(|f| spec.supports(*f)) {
        let set = spec.versions(family);
        let inside: Vec<String> = census
            .releases()
            .iter()
            .filter(|r| r.family == family && set.contains(&r.version))
            .map(|r| r.text())
            .collect();
        if !inside.is_empty() {
            report
                .examined
                .push(format!("{family} {}", list_text(&inside)));
        }
    }
    report.not_examined = census::not_examined(census, spec)
        .into_iter()
        .map(|n| {
            format!("{n}: not examined (names the census shows as present may be missing there)")
        })
        .collect();
    for (name, raw_uses) in by_name {
        let rec = census.get(&name);
        let own = shims.get(&name).map_or(&[][..], Vec::as_slice);
        // one check per distinct gate of this name
        let mut checks: HashMap<(u32, bool), Option<String>> = HashMap::new();
        let mut uses = Vec::with_capacity(raw_uses.len());
        let mut cchecks: HashMap<u32, Option<String>> = HashMap::new();
        for u in &raw_uses {
            let gate_check = if let Some(g) = u.gate {
                checks
                    .entry((g, u.declared))
                    .or_insert_with(|| {
                        let cfg = &gates[g as usize];
                        let possible = |i: usize| {
                            let r = &census.releases()[i];
                            // osslconf = "OPENSSL_NO_X": whether the headers define OPENSSL_NO_X
                            let defined = |m: &str| Some(defines(census, i, m));
                            gate::possible(cfg, r.family, &r.version, &defined)
                        };
                        rec.and_then(|rec| {
                            check_gate(&possible, u.declared, census, rec, &window, own)
                        })
                    })
                    .clone()
            } else if let Some(c) = u.cgate {
                cchecks
                    .entry(c)
                    .or_insert_with(|| {
                        let cond = &cgates[c as usize];
                        let possible = |i: usize| {
                            let r = &census.releases()[i];
                            // a macro no library header defines (HAVE_*) is the project's own
                            let defined = |m: &str| census.get(m).map(|_| defines(census, i, m));
                            cgate::possible(cond, r.family, &r.version, &defined)
                        };
                        rec.and_then(|rec| check_gate(&possible, false, census, rec, &window, own))
                    })
                    .clone()
            } else {
                None
            };
            let file = &file_names[u.file as usize];
            let gate_text = match (u.gate, u.cgate) {
                (Some(g), _) => Some(format!("cfg({})", gates[g as usize])),
                (None, Some(c)) => Some(format!("#if {}", cgates[c as usize])),
                _ => None,
            };
            if gate_text.is_some() {
                match gate_check.as_deref() {
                    Some(c) if c.starts_with("agrees") => report.gates.agree += 1,
                    Some(c) if c.starts_with("stricter") => report.gates.stricter += 1,
                    Some(c) => report.gates.admits_missing.push(format!(
                        "{name} {file}:{} {}: {c}",
                        u.line,
                        gate_text.as_deref().unwrap_or("")
                    )),
                    None => report.gates.undecided += 1,
                }
            }
            uses.push(FileUse {
                file: file.clone(),
                line: u.line as usize,
                guarded: u.guarded,
                gate: gate_text,
                gate_check,
            });
        }
        let mut f = Finding {
            name: name.clone(),
            source: "census",
            missing_in: Vec::new(),
            no_effect_in: Vec::new(),
            prototypes: Vec::new(),
            uses,
            provided_by: None,
        };
        if let Some(api) = catalog.get(&name) {
            f.source = "catalog";
            let a = advise_api(api, spec, &coverage);
            f.missing_in = a.missing_in.iter().map(|r| r.to_string()).collect();
            f.no_effect_in = a.no_effect_in.iter().map(|r| r.to_string()).collect();
            if a.verdict == Verdict::Always {
                if let Some(rec) = census.get(&name) {
                    f.prototypes = census.window(rec, spec).prototypes;
                }
            }
        } else if let Some(rec) = census.get(&name) {
            let w = census.window(rec, spec);
            f.missing_in = w
                .missing
                .iter()
                .map(|(fam, v)| format!("{fam} {}", list_text(v)))
                .collect();
            f.prototypes = w.prototypes;
        }
        if !f.missing_in.is_empty() {
            // a shim defined by the scanned code for every examined release lacking the name
            if let (Some(rec), Some(own)) = (rec, shims.get(&name)) {
                let lacking: Vec<usize> = window
                    .iter()
                    .copied()
                    .filter(|&i| census.at(rec, i).is_none())
                    .collect();
                let cover: Vec<Option<&str>> =
                    lacking.iter().map(|&i| shim_for(own, census, i)).collect();
                if !cover.is_empty() && cover.iter().all(Option::is_some) {
                    f.provided_by = cover[0].map(str::to_string);
                }
            }
            if f.provided_by.is_none() {
                report.unguarded += f.uses.iter().filter(|u| !u.guarded).count();
            }
            report.missing.push(f);
        } else if !f.no_effect_in.is_empty() {
            report.no_effect.push(f);
        } else if f.prototypes.len() > 1 {
            report.prototype_differs.push(f);
        }
    }
    Ok(report)
}

/// Text for a list of uses: `file:line (guarded|UNGUARDED)`.
fn uses_text(o: &mut String, uses: &[FileUse]) {
    for u in uses {
        o.push_str(&format!(
            "    {}:{}  {}",
            u.file,
            u.line,
            if u.guarded { "guarded" } else { "UNGUARDED" }
        ));
        if let (Some(g), Some(c)) = (&u.gate, &u.gate_check) {
            o.push_str(&format!(" by {g}: {c}"));
        }
        o.push('\n');
    }
}

/// The text report.
pub fn text(r: &Report) -> String {
    let mut o = format!(
        "scan: {} files, {} lines; {} libssl names used ({} uses); support: {}\n",
        r.files, r.lines, r.names_used, r.uses, r.support
    );
    if !r.examined.is_empty() {
        o.push_str(&format!(
            "  census releases in the window: {}\n",
            r.examined.join("; ")
        ));
    }
    for n in &r.not_examined {
        o.push_str(&format!("  unknown: {n}\n"));
    }
    for s in &r.skipped {
        o.push_str(&format!("  skipped {s}\n"));
    }
    for f in &r.missing {
        let g = f.uses.iter().filter(|u| u.guarded).count();
        let provided = f
            .provided_by
            .as_ref()
            .map(|p| format!("; provided there by the scanned code itself ({p})"))
            .unwrap_or_default();
        o.push_str(&format!(
            "\nMISSING {} [{}] — missing in: {}{provided}{} ({} uses, {} guarded)\n",
            f.name,
            f.source,
            f.missing_in.join("; "),
            if f.no_effect_in.is_empty() {
                String::new()
            } else {
                format!("; no effect in: {}", f.no_effect_in.join("; "))
            },
            f.uses.len(),
            g
        ));
        uses_text(&mut o, &f.uses);
    }
    for f in &r.no_effect {
        o.push_str(&format!(
            "\nNO EFFECT {} [{}] — present, but no effect in: {} ({} uses)\n",
            f.name,
            f.source,
            f.no_effect_in.join("; "),
            f.uses.len()
        ));
        uses_text(&mut o, &f.uses);
    }
    for f in &r.prototype_differs {
        o.push_str(&format!(
            "\nPROTOTYPE DIFFERS {} [{}] — {} ({} uses)\n",
            f.name,
            f.source,
            f.prototypes
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" / "),
            f.uses.len()
        ));
        uses_text(&mut o, &f.uses);
    }
    let g = &r.gates;
    if g.agree + g.stricter + g.admits_missing.len() + g.undecided > 0 {
        o.push_str(&format!(
            "\ngates (#[cfg] and #if compared with the census): {} agree, {} stricter than the \
             headers, {} admit releases lacking the name, {} undecided\n",
            g.agree,
            g.stricter,
            g.admits_missing.len(),
            g.undecided
        ));
        for a in &g.admits_missing {
            o.push_str(&format!("  GATE ADMITS MISSING {a}\n"));
        }
    }
    o.push_str(&format!(
        "\nsummary: {} APIs missing somewhere in the window ({} unguarded uses), {} without \
         effect somewhere, {} with differing prototypes\n",
        r.missing.len(),
        r.unguarded,
        r.no_effect.len(),
        r.prototype_differs.len()
    ));
    o
}

/// Runs `sslprobe scan`.
pub fn run(args: Args) -> Result<(), Failure> {
    let spec =
        SupportSpec::parse(&args.support).map_err(|e| Failure::usage(format!("--support: {e}")))?;
    let files = collect_files(&args.paths)?;
    if files.is_empty() {
        return Err(Failure::usage(
            "scan: no C (.c, .h) or Rust (.rs) source files under the given paths",
        ));
    }
    let catalog = embedded_catalog()?;
    let census = census::embedded()?;
    let report = scan(&files, &spec, &catalog, census)?;
    if args.json {
        let doc = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::failed(format!("JSON: {e}")))?;
        print_out(&format!("{doc}\n"))?;
    } else {
        print_out(&text(&report))?;
    }
    if report.unguarded > 0 {
        return Err(Failure::failed(format!(
            "{} unguarded uses of APIs missing somewhere in the window",
            report.unguarded
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(w: &str) -> bool {
        matches!(
            w,
            "SSL_CTX_set_num_tickets" | "SSL_CTX_new" | "SSL_OP_NO_TLSv1_3" | "SSL_free"
        )
    }

    fn uses(v: &[Use]) -> Vec<(&str, usize, bool)> {
        v.iter()
            .map(|u| (u.name.as_str(), u.line, u.guarded))
            .collect()
    }

    #[test]
    fn c_guards_comments_and_strings() {
        let src = br#"/* SSL_CTX_set_num_tickets in a comment */
#include <openssl/ssl.h>
// SSL_free(x)
const char *s = "SSL_CTX_new(";
#if OPENSSL_VERSION_NUMBER >= 0x10101000L
  SSL_CTX_set_num_tickets(ctx, 0);
#else
  SSL_free(s);
#endif
SSL_CTX_new(m); x->SSL_free = 1;
#ifdef _WIN32
SSL_free(s);
#endif
#ifdef SSL_OP_NO_TLSv1_3
int o = SSL_OP_NO_TLSv1_3;
#endif
#define MY(x) \
   SSL_CTX_set_num_tickets(x, 1)
"#;
        let got = scan_c(src, &names);
        assert_eq!(
            uses(&got),
            [
                ("SSL_CTX_set_num_tickets", 6, true),
                ("SSL_free", 8, true),
                ("SSL_CTX_new", 10, false),
                ("SSL_free", 12, false),
                ("SSL_OP_NO_TLSv1_3", 15, true),
                ("SSL_CTX_set_num_tickets", 17, false),
            ]
        );
    }

    #[test]
    fn rust_cfg_items_blocks_and_extern() {
        let src = br##"
use openssl_sys::{SSL_free, SSL_CTX_new, sk_free as SSL_CTX_set_num_tickets};
#[cfg(ossl111)]
fn a() { unsafe { ffi::SSL_CTX_set_num_tickets(c, 0); } }
fn b() {
    // ffi::SSL_free(x)
    let s = "ffi::SSL_free(x)"; let r = r#"ffi::SSL_free"#;
    #[cfg(any(ossl111, libressl))]
    {
        ffi::SSL_CTX_set_num_tickets(c, 1);
    }
    ffi::SSL_CTX_new(m);
    let c: char = '{'; let l: &'static str = "";
}
#[cfg(test)]
fn t() { ffi::SSL_free(x); }
extern "C" {
    #[cfg(ossl111)]
    pub fn SSL_CTX_set_num_tickets(ctx: *mut SSL_CTX, n: size_t) -> c_int;
    pub fn SSL_free(s: *mut SSL);
}
"##;
        let got = scan_rust(src, &names);
        assert_eq!(
            uses(&got),
            [
                ("SSL_free", 2, false),
                ("SSL_CTX_new", 2, false),
                ("SSL_CTX_set_num_tickets", 4, true),
                ("SSL_CTX_set_num_tickets", 10, true),
                ("SSL_CTX_new", 12, false),
                ("SSL_free", 16, false),
                ("SSL_CTX_set_num_tickets", 19, true),
                ("SSL_free", 20, false),
            ]
        );
    }

    #[test]
    fn rust_gates_combine_enclosing_cfgs() {
        let src = br#"#[cfg(any(ossl111, libressl350))]
mod m {
    #[cfg(not(osslconf = "OPENSSL_NO_PSK"))]
    fn f() { ffi::SSL_CTX_new(x); }
    #[cfg(test)]
    fn t() { ffi::SSL_free(x); }
}
fn g() { ffi::SSL_free(x); }
"#;
        let got = scan_rust(src, &names);
        let gates: Vec<(usize, bool, Option<String>)> = got
            .iter()
            .map(|u| (u.line, u.guarded, u.gate.as_ref().map(Cfg::to_string)))
            .collect();
        assert_eq!(
            gates,
            [
                (
                    4,
                    true,
                    Some(
                        "all(any(ossl111, libressl350), not(osslconf = \"OPENSSL_NO_PSK\"))".into()
                    )
                ),
                (6, true, Some("all(any(ossl111, libressl350), test)".into())),
                (8, false, None),
            ]
        );
    }

    #[test]
    fn commas_in_signatures_do_not_end_a_cfg_item() {
        let src = br#"impl K {
    #[corresponds(SSL_free)]
    #[cfg(any(ossl111, libressl370))]
    pub fn raw<T>(&self, a: u8, b: Vec<u8>) -> Result<Vec<u8>, ErrorStack>
    where
        T: HasPublic,
    {
        ffi::SSL_free(x);
    }
    pub fn other(&self) { ffi::SSL_free(y); }
}
"#;
        let got: Vec<(usize, bool)> = scan_rust(src, &names)
            .iter()
            .map(|u| (u.line, u.guarded))
            .collect();
        assert_eq!(got, [(8, true), (10, false)]);
    }

    #[test]
    fn cfg_if_chains_negate_earlier_branches() {
        let src = br#"cfg_if! {
    if #[cfg(ossl300)] {
        extern "C" { pub fn SSL_CTX_new(m: *const M) -> *mut C; }
    } else if #[cfg(libressl)] {
        extern "C" { pub fn SSL_free(s: *mut S); }
    } else {
        pub unsafe fn f() { ffi::SSL_free(x) }
    }
}
fn g() { ffi::SSL_free(x); }
"#;
        let got = scan_rust(src, &names);
        let gates: Vec<(usize, bool, Option<String>, bool)> = got
            .iter()
            .map(|u| {
                (
                    u.line,
                    u.guarded,
                    u.gate.as_ref().map(Cfg::to_string),
                    u.declared,
                )
            })
            .collect();
        assert_eq!(
            gates,
            [
                (3, true, Some("ossl300".into()), true),
                (5, true, Some("all(not(ossl300), libressl)".into()), true),
                (
                    7,
                    true,
                    Some("all(not(ossl300), not(libressl))".into()),
                    false
                ),
                (10, false, None, false),
            ]
        );
    }

    #[test]
    fn odd_input_does_not_crash() {
        for src in [
            &b"\"unterminated"[..],
            b"/* unterminated",
            b"#if X\n#if Y\n",
            b"#endif\n#endif\n#else\n",
            b"r#\"",
            b"'",
            b"'\\",
            b"}}}}{{",
            b"#[cfg(",
            b"\xff\xfe\x00SSL_free(",
            b"extern \"C\" {",
            b"ffi::",
            b"#define\\",
            b"br##\"x\"#",
        ] {
            let _ = scan_c(src, &names);
            let _ = scan_rust(src, &names);
        }
        let utf8_broken = b"SSL_free(\xc3\x28); ffi::SSL_free(x)\n";
        // C sees both identifiers; Rust only the `ffi::` path
        assert_eq!(scan_c(utf8_broken, &names).len(), 2);
        assert_eq!(scan_rust(utf8_broken, &names).len(), 1);
    }

    /// Large input is scanned completely (its speed is measured, not asserted: README `## scan`).
    #[test]
    fn large_input_is_scanned_completely() {
        let mut big = Vec::new();
        for i in 0..200_000 {
            big.extend_from_slice(
                format!("/* c {i} */ x = SSL_CTX_new(\"s\\\"\"); // SSL_free\n").as_bytes(),
            );
        }
        let got = scan_c(&big, &names);
        assert_eq!(got.len(), 200_000);
        assert_eq!(got[199_999].line, 200_000);
        let rs = scan_rust(&big, &names);
        assert!(rs.is_empty());
    }
}
