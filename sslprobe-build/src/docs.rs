//! Docs: README's API table, generated from the catalog.
//!
//! The table between [`START_MARKER`] and [`END_MARKER`] in README.md is never edited by hand:
//! [`api_table_markdown`] renders it from the catalog and the workspace test
//! `tests/readme_table.rs` fails when README's copy differs (`SSLPROBE_BLESS=1 cargo test
//! --test readme_table` rewrites it).
//!
//! One row per API: its kinds, then per family the first version that has it (`—` when none
//! does; BoringSSL as `API n`, its `BORINGSSL_API_VERSION`), the prototype variant the
//! knowledge DB expects where it names one (`` 1.0.2 `c_long_macro`, 1.1.0 `u64` ``), a
//! `(no effect)` mark for stubs and no-ops, and a `[n]` reference to the numbered notes below the
//! table (identical notes share a number; a range repeating the previous variant is not shown).
//!
//! ```
//! use sslprobe_build::{docs, Catalog};
//! let toml = r#"
//! [[api]]
//! name = "SSL_foo"
//! doc = "Does foo."
//! variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
//! [api.db]
//! openssl = { since = "1.1.1" }
//! libressl = { since = "3.5.0", effective = false, note = "stub" }
//! boringssl = { since = "18" }
//! awslc = { since = "never" }
//! "#;
//! let c = Catalog::from_sources(toml, &[("ssl_foo.c", "SSLPROBE_VARIANT(fn)\n{}\n")]).unwrap();
//! let table = docs::api_table_markdown(&c);
//! assert!(table.contains("| `SSL_foo` | function | 1.1.1 | 3.5.0 (no effect) [1] | API 18 | — |"));
//! assert!(table.contains("\n1. stub\n"));
//! ```

use crate::catalog::{Api, Catalog, DbEntry, Kind};
use crate::version::{Family, Version};
use crate::{Error, Result};
use std::fmt::Write as _;

/// The line that opens the generated section in README.md.
pub const START_MARKER: &str = "<!-- api-table:start -->";
/// The line that closes the generated section in README.md.
pub const END_MARKER: &str = "<!-- api-table:end -->";

/// How a version of `family` is shown: BoringSSL's API versions as `API n`, others as is.
fn version_text(family: Family, v: &Version) -> String {
    match family {
        Family::BoringSsl => format!("API {v}"),
        _ => v.to_string(),
    }
}

/// The distinct kinds of an API's variants, in variant order: `function`, `function / macro`.
fn kinds_text(api: &Api) -> String {
    let mut kinds: Vec<Kind> = Vec::new();
    for v in &api.variants {
        if !kinds.contains(&v.kind) {
            kinds.push(v.kind);
        }
    }
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// One family cell without its note reference.
fn cell_text(family: Family, e: &DbEntry) -> String {
    let Some(since) = &e.since else {
        return "—".to_string();
    };
    let mut s = if e.variants.is_empty() {
        version_text(family, since)
    } else {
        let mut parts: Vec<String> = Vec::new();
        let mut last: Option<&str> = None;
        for (i, (from, v)) in e.variants.iter().enumerate() {
            // A range that repeats the previous variant adds nothing.
            if last == Some(v.as_str()) {
                continue;
            }
            last = Some(v.as_str());
            // The first range starts at `since` even when the DB wrote an earlier version.
            let from = if i == 0 && from < since { since } else { from };
            parts.push(format!("{} `{v}`", version_text(family, from)));
        }
        parts.join(", ")
    };
    if !e.effective {
        s.push_str(" (no effect)");
    }
    s
}

/// Escapes text for a Markdown table cell or list item (pipes, newlines).
fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Renders the README API table (and its numbered notes) for a catalog.
///
/// Pure and deterministic: the same catalog always gives the same text, ending with a newline.
/// Columns: API, kind(s), OpenSSL, LibreSSL, BoringSSL, AWS-LC. See the [module docs](self).
pub fn api_table_markdown(catalog: &Catalog) -> String {
    let mut out = String::new();
    let mut notes: Vec<String> = Vec::new();
    out.push_str("| API | kind(s) |");
    for f in Family::ALL {
        let _ = write!(out, " {} |", f.display_name());
    }
    out.push_str("\n|---|---|");
    for _ in Family::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for api in &catalog.apis {
        let _ = write!(out, "| `{}` | {} |", api.name, kinds_text(api));
        for f in Family::ALL {
            let e = api.db_for(f);
            let mut cell = cell_text(f, e);
            if let Some(note) = &e.note {
                let note = escape(note);
                let n = match notes.iter().position(|t| *t == note) {
                    Some(i) => i + 1,
                    None => {
                        notes.push(note);
                        notes.len()
                    }
                };
                let _ = write!(cell, " [{n}]");
            }
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push_str(
        "\n\"—\": no version has it. A version is the first release that has the API \
         (BoringSSL: its `BORINGSSL_API_VERSION`, `API 1` meaning every version that has one); \
         a `name` after it is the prototype variant (see `probes/catalog.toml`) the knowledge DB \
         expects from that version on. \"(no effect)\": present, but a stub or no-op. \
         `[n]`: see the notes below.\n",
    );
    if !notes.is_empty() {
        out.push_str("\nNotes:\n\n");
        for (i, text) in notes.iter().enumerate() {
            let _ = writeln!(out, "{}. {text}", i + 1);
        }
    }
    out
}

/// The generated section of a README: the text strictly between the marker lines, or `None`
/// when the markers are missing or out of order.
pub fn readme_section(readme: &str) -> Option<&str> {
    let start = readme.find(START_MARKER)?;
    let body_start = start + START_MARKER.len();
    let body_start = body_start + readme[body_start..].find('\n').map_or(0, |i| i + 1);
    let end = readme[body_start..].find(END_MARKER)? + body_start;
    Some(&readme[body_start..end])
}

/// `readme` with the generated section replaced by `body` (which should end with a newline).
///
/// When the markers are missing, an `## API catalog` section holding them is appended at the
/// end. Errors when only one marker is present, or when they are out of order or repeated: the
/// README is then left for a human to fix rather than guessed at.
pub fn with_readme_section(readme: &str, body: &str) -> Result<String> {
    let starts = readme.matches(START_MARKER).count();
    let ends = readme.matches(END_MARKER).count();
    let block = format!("{START_MARKER}\n{body}{END_MARKER}");
    match (starts, ends) {
        (0, 0) => {
            let mut out = readme.trim_end_matches('\n').to_string();
            out.push_str(
                "\n\n## API catalog\n\nGenerated from `probes/catalog.toml` (regenerate with \
                 `SSLPROBE_BLESS=1 cargo test --test readme_table`).\n\n",
            );
            out.push_str(&block);
            out.push('\n');
            Ok(out)
        }
        (1, 1) => {
            let start = readme.find(START_MARKER).unwrap_or(0);
            let end = readme.find(END_MARKER).unwrap_or(0);
            if end < start {
                return Err(Error::invalid(
                    "README.md",
                    END_MARKER,
                    format!("appears before {START_MARKER}"),
                ));
            }
            Ok(format!(
                "{}{block}{}",
                &readme[..start],
                &readme[end + END_MARKER.len()..]
            ))
        }
        _ => Err(Error::invalid(
            "README.md",
            format!("{starts} × {START_MARKER}, {ends} × {END_MARKER}"),
            "expected each marker exactly once (or neither, to append the section)",
        )),
    }
}

/// A short line-by-line difference between `expected` and `actual`, for test failures: every
/// line that differs, as `-` (README) and `+` (generated), at most `max` pairs.
pub fn line_diff(actual: &str, expected: &str, max: usize) -> String {
    let a: Vec<&str> = actual.lines().collect();
    let e: Vec<&str> = expected.lines().collect();
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..a.len().max(e.len()) {
        let (x, y) = (a.get(i), e.get(i));
        if x != y {
            if shown == max {
                out.push_str("...\n");
                break;
            }
            if let Some(x) = x {
                let _ = writeln!(out, "-{:4} {x}", i + 1);
            }
            if let Some(y) = y {
                let _ = writeln!(out, "+{:4} {y}", i + 1);
            }
            shown += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[[api]]
name = "SSL_foo"
doc = "d"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" }, { name = "mac", kind = "macro" } ]
[api.db]
openssl = { since = "1.0.2", variant = { "1.0.2" = "mac", "1.1.0" = "mac", "3.0.0" = "fn" }, note = "a macro before 3.0" }
libressl = { since = "never" }
boringssl = { since = "18", variant = "fn", note = "a | pipe" }
awslc = { since = "1.2.0", variant = "fn", effective = false, note = "a macro before 3.0" }

[[api]]
name = "SSL_DEF"
doc = "d"
variants = [ { name = "define", kind = "define" } ]
[api.db]
openssl = { since = "0.9.8" }
libressl = { since = "2.0.0" }
boringssl = { since = "1" }
awslc = { since = "1.0.0" }
"#;
    const C: &str = "SSLPROBE_VARIANT(fn)\n{}\nSSLPROBE_VARIANT(mac)\n{}\n";
    const D: &str = "SSLPROBE_VARIANT(define)\n{}\n";

    fn catalog() -> Catalog {
        Catalog::from_sources(TOML, &[("ssl_foo.c", C), ("ssl_def.c", D)]).unwrap()
    }

    #[test]
    fn renders_rows_variants_marks_and_shared_notes() {
        let t = api_table_markdown(&catalog());
        assert!(t.starts_with("| API | kind(s) | OpenSSL | LibreSSL | BoringSSL | AWS-LC |\n|---|---|---|---|---|---|\n"), "{t}");
        assert!(
            t.contains("| `SSL_foo` | function / macro | 1.0.2 `mac`, 3.0.0 `fn` [1] | — | API 18 `fn` [2] | 1.2.0 `fn` (no effect) [1] |"),
            "{t}"
        );
        assert!(
            t.contains("| `SSL_DEF` | define | 0.9.8 | 2.0.0 | API 1 | 1.0.0 |"),
            "{t}"
        );
        assert!(
            t.contains("\n1. a macro before 3.0\n2. a \\| pipe\n"),
            "{t}"
        );
        assert_eq!(t, api_table_markdown(&catalog()), "deterministic");
    }

    #[test]
    fn sections_round_trip() {
        let plain = "# Title\n\ntext\n";
        assert_eq!(readme_section(plain), None);
        let with = with_readme_section(plain, "| a |\n").unwrap();
        assert!(
            with.starts_with("# Title\n\ntext\n\n## API catalog\n"),
            "{with}"
        );
        assert_eq!(readme_section(&with), Some("| a |\n"));
        let again = with_readme_section(&with, "| b |\n").unwrap();
        assert_eq!(readme_section(&again), Some("| b |\n"));
        assert_eq!(again.matches("## API catalog").count(), 1);
        assert_eq!(
            again.replace("| b |", "| a |"),
            with,
            "only the section changes"
        );
    }

    #[test]
    fn refuses_broken_markers() {
        let only_start = format!("x\n{START_MARKER}\n");
        assert!(with_readme_section(&only_start, "t\n").is_err());
        let reversed = format!("{END_MARKER}\n{START_MARKER}\n");
        assert!(with_readme_section(&reversed, "t\n").is_err());
        assert_eq!(readme_section(&reversed), None);
        let twice = format!("{START_MARKER}\n{END_MARKER}\n{START_MARKER}\n{END_MARKER}\n");
        assert!(with_readme_section(&twice, "t\n").is_err());
    }

    #[test]
    fn diff_shows_changed_lines() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n", 10);
        assert_eq!(d, "-   2 b\n+   2 B\n+   4 d\n");
        assert!(line_diff("x\n", "x\n", 10).is_empty());
    }
}
