//! Docs: README's API table, generated from the catalog.
//!
//! The table between [`START_MARKER`] and [`END_MARKER`] in README.md is never edited by hand:
//! [`api_table_markdown`] renders it from the catalog and the workspace test
//! `xtask/tests/readme_table.rs` fails when README's copy differs (`SSLPROBE_BLESS=1 cargo test
//! -p xtask --test readme_table` rewrites it).
//!
//! One row per API: its kinds, then per family the first version that has it (`—` when none
//! does; BoringSSL as `API n`, its `BORINGSSL_API_VERSION`), the prototype variant the
//! knowledge DB expects where it names one (`` 1.0.2 `c_long_macro`, 1.1.0 `u64` ``), a
//! `(no effect)` mark for stubs and no-ops, a `(not needed)` mark where the library already
//! behaves as the API would make it (`needed = false`), and a `[n]` reference to the numbered
//! notes below the table (identical notes share a number; a range repeating the previous
//! variant is not shown).
//!
//! ```
//! use sslprobe_build::Catalog;
//! use xtask::docs;
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

use crate::readme::{Missing, Section};
use sslprobe_build::catalog::{Api, Catalog, DbEntry, Kind};
use sslprobe_build::version::{Family, Version};
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
    if !e.needed {
        s.push_str(" (not needed)");
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
        for (f, e) in api.db_rows() {
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

/// README's API-table section.
pub const SECTION: Section = Section {
    start: START_MARKER,
    end: END_MARKER,
};

/// Where the section goes when README has none yet.
pub const MISSING: Missing<'static> = Missing::Append(
    "## API catalog\n\nGenerated from `probes/catalog.toml` (regenerate with \
     `SSLPROBE_BLESS=1 cargo test -p xtask --test readme_table`).\n\n",
);

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
        assert_eq!(SECTION.body(plain), None);
        let with = SECTION.replace(plain, "| a |\n", MISSING).unwrap();
        assert!(
            with.starts_with("# Title\n\ntext\n\n## API catalog\n"),
            "{with}"
        );
        assert_eq!(SECTION.body(&with), Some("| a |\n"));
        let again = SECTION.replace(&with, "| b |\n", MISSING).unwrap();
        assert_eq!(SECTION.body(&again), Some("| b |\n"));
        assert_eq!(again.matches("## API catalog").count(), 1);
        assert_eq!(
            again.replace("| b |", "| a |"),
            with,
            "only the section changes"
        );
    }
}
