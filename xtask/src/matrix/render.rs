//! Rendering a [`Matrix`]: the library × API table, the ticket table, the swap section, and the
//! README "Tested against" section (pure functions over the data).

use crate::readme::{Missing, Section};
use std::fmt::Write as _;

use anyhow::Result;

use super::model::{LibraryResult, Matrix, Swap, SwapCase, SwapRun, MODE_FULL};

/// The README marker opening the generated section.
pub const README_START: &str = "<!-- tested-against:start -->";
/// The README marker closing the generated section.
pub const README_END: &str = "<!-- tested-against:end -->";
/// The heading the section is inserted before when the markers are absent.
pub const README_ANCHOR: &str = "## API catalog";

/// A short column label for a library key: `openssl-3.5.x` → `3.5.x`,
/// `openssl-1.1.0i-shared` → `1.1.0i/sh`, `boringssl-new` → `bssl-new`.
pub fn short_label(key: &str) -> String {
    let k = key.strip_prefix("openssl-").unwrap_or(key);
    let k = k.replace("-shared", "/sh").replace("-debian", "");
    let k = k
        .replace("boringssl-", "bssl-")
        .replace("libressl-", "lssl-");
    k.to_string()
}

fn opt_num(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// The library × API table: one row per API, one column per library; cells `yes`, `no`,
/// `no-effect`, `macro`, with `!` on disagreements and `-` where nothing was probed.
pub fn api_table(m: &Matrix) -> String {
    let mut names: Vec<&str> = Vec::new();
    for lib in &m.libraries {
        for a in &lib.apis {
            if !names.contains(&a.name.as_str()) {
                names.push(&a.name);
            }
        }
    }
    let name_w = names.iter().map(|n| n.len()).max().unwrap_or(3).max(3);
    let cols: Vec<(String, Vec<String>)> = m
        .libraries
        .iter()
        .map(|lib| {
            let cells = names
                .iter()
                .map(|n| {
                    lib.apis
                        .iter()
                        .find(|a| a.name == *n)
                        .map_or_else(|| "-".to_string(), |a| a.cell())
                })
                .collect();
            (short_label(&lib.name), cells)
        })
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .map(|(label, cells)| {
            cells
                .iter()
                .map(String::len)
                .chain([label.len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut o = String::new();
    let _ = write!(o, "{:<name_w$}", "API");
    for ((label, _), w) in cols.iter().zip(&widths) {
        let _ = write!(o, "  {label:<w$}");
    }
    o.push('\n');
    for (row, name) in names.iter().enumerate() {
        let _ = write!(o, "{name:<name_w$}");
        for ((_, cells), w) in cols.iter().zip(&widths) {
            let _ = write!(o, "  {:<w$}", cells[row]);
        }
        o.push('\n');
    }
    let trimmed: Vec<&str> = o.lines().map(str::trim_end).collect();
    let mut o = trimmed.join("\n");
    o.push('\n');
    o.push_str(
        "yes = found (function or define), macro = function-like macro, no-effect = present but a \
         stub, no = absent, - = not probed, ! = a disagreement (listed below)\n",
    );
    o
}

/// The per-library table: mode, ticket counts, tests and seconds.
pub fn library_table(m: &Matrix) -> String {
    let key_w = m
        .libraries
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<key_w$}  {:<10}  {:<10}  {:>5}  {:>13}  {:>13}  {:<22}  {:>7}  {:>6}  {:>6}  {:>7}  {:>6}",
        "library",
        "version",
        "mode",
        "APIs",
        "TLS1.3 b/fix",
        "TLS1.2 b/fix",
        "tests",
        "lib s",
        "cli s",
        "test s",
        "probe s",
        "total"
    );
    for l in &m.libraries {
        let present = l.apis.iter().filter(|a| a.present).count();
        let t13 = format!(
            "{} / {}",
            opt_num(l.tickets.tls13.baseline),
            opt_num(l.tickets.tls13.fixed)
        );
        let t12 = format!(
            "{} / {}",
            opt_num(l.tickets.tls12.baseline),
            opt_num(l.tickets.tls12.fixed)
        );
        let _ = writeln!(
            o,
            "{:<key_w$}  {:<10}  {:<10}  {:>5}  {:>13}  {:>13}  {:<22}  {:>7.1}  {:>6.1}  {:>6.1}  {:>7.1}  {:>6.1}",
            l.name,
            l.version,
            l.mode,
            format!("{present}/{}", l.apis.len()),
            t13,
            t12,
            tests_cell(l),
            l.seconds.library,
            l.seconds.cli_build,
            l.seconds.tests,
            l.seconds.catalog,
            l.seconds.total
        );
    }
    for l in m.libraries.iter().filter(|l| l.mode != MODE_FULL) {
        let _ = writeln!(
            o,
            "  {}: {}: {}",
            l.name,
            l.mode,
            l.mode_reason.as_deref().unwrap_or("(no reason recorded)")
        );
    }
    for l in &m.libraries {
        for n in &l.notes {
            let _ = writeln!(o, "  {}: note: {n}", l.name);
        }
    }
    o
}

/// `wire ok, keylog ok` / `wire FAILED` / `n/a`.
fn tests_cell(l: &LibraryResult) -> String {
    if l.tests.is_empty() {
        return "n/a".into();
    }
    l.tests
        .iter()
        .map(|t| {
            let name = if t.name == "runtime_detect" {
                "rt-detect"
            } else {
                &t.name
            };
            format!("{name} {}", if t.passed { "ok" } else { "FAILED" })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_run(r: &SwapRun) -> String {
    if !r.loaded {
        let first = r
            .output
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("(no output)");
        return format!("does not start: {first}");
    }
    let mut parts = vec!["starts".to_string()];
    if let Some(n) = &r.num_tickets {
        parts.push(format!("num_tickets: {n}"));
    }
    if let Some(s) = r.runtime_has_symbol {
        parts.push(format!("runtime_has_symbol(SSL_CTX_set_num_tickets): {s}"));
    }
    parts.join(", ")
}

fn swap_case(o: &mut String, title: &str, c: &SwapCase, s: &Swap) {
    let _ = writeln!(
        o,
        "  {title} [{}]: {}",
        if c.ok { "ok" } else { "FAILED" },
        c.explanation
    );
    let _ = writeln!(
        o,
        "    on {:<22} {}",
        format!("{}:", s.built_against),
        describe_run(&c.on_built)
    );
    let _ = writeln!(
        o,
        "    on {:<22} {}",
        format!("{}:", s.swapped_to),
        describe_run(&c.on_swapped)
    );
}

/// The swap section.
pub fn swap_section(s: &Swap) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Run-time library swap: examples/swap.rs built against {}, started with LD_LIBRARY_PATH={} [{}]",
        s.built_against,
        s.swapped_to,
        if s.ok { "ok" } else { "FAILED" }
    );
    swap_case(&mut o, "direct (default features)", &s.direct, s);
    swap_case(&mut o, "--features runtime-detect", &s.runtime_detect, s);
    o
}

/// Everything printed at the end of a run.
pub fn full_report(m: &Matrix) -> String {
    let mut o = String::new();
    o.push_str(&api_table(m));
    o.push('\n');
    o.push_str(&library_table(m));
    if let Some(s) = &m.swap {
        o.push('\n');
        o.push_str(&swap_section(s));
    }
    o.push('\n');
    if m.disagreements.is_empty() {
        o.push_str("disagreements: none\n");
    } else {
        let _ = writeln!(o, "DISAGREEMENTS ({}):", m.disagreements.len());
        for d in &m.disagreements {
            let _ = writeln!(o, "  ! {d}");
        }
    }
    if m.failures.is_empty() {
        o.push_str("failures: none\n");
    } else {
        let _ = writeln!(o, "FAILURES ({}):", m.failures.len());
        for f in &m.failures {
            let _ = writeln!(o, "  x {f}");
        }
    }
    let _ = writeln!(
        o,
        "{} librar{}, {} APIs each; {:.1} s total; {}",
        m.libraries.len(),
        if m.libraries.len() == 1 { "y" } else { "ies" },
        m.catalog_apis,
        m.total_seconds,
        if m.ok { "OK" } else { "NOT OK" }
    );
    o
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The README "Tested against" section (markers included).
pub fn readme_section(m: &Matrix, source: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{README_START}");
    let _ = writeln!(o, "## Tested against");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Generated by `cargo xtask matrix --readme` from `{source}` (do not edit by hand): every \
         library built from source (or installed from Debian), sslprobe built and tested against \
         it with `OPENSSL_DIR` as a user would, the whole catalog probed at build time and with \
         `sslprobe probe`, each answer compared with the knowledge DB and with the symbols the \
         library exports (`nm`). Tickets: NewSessionTicket messages on a real loopback handshake \
         with `SSL_OP_NO_TICKET` only (baseline) and with `sslprobe::disable_session_tickets` \
         (fixed)."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| library | version | mode | APIs present | disagreements | TLS 1.3 baseline/fixed | TLS 1.2 baseline/fixed | tests |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    for l in &m.libraries {
        let present = l.apis.iter().filter(|a| a.present).count();
        let dis = l.apis.iter().filter(|a| a.disagrees()).count();
        let mode = match (&l.mode_reason, l.mode.as_str()) {
            (Some(r), mode) if mode != MODE_FULL => format!("{mode}: {}", md_escape(r)),
            (_, mode) => mode.to_string(),
        };
        let tests = match l.tests_passed {
            Some(true) => {
                let names: Vec<&str> = l.tests.iter().map(|t| t.name.as_str()).collect();
                format!("pass ({})", names.join(", "))
            }
            Some(false) => {
                let names: Vec<&str> = l
                    .tests
                    .iter()
                    .filter(|t| !t.passed)
                    .map(|t| t.name.as_str())
                    .collect();
                format!("**FAIL** ({})", names.join(", "))
            }
            None => "n/a".to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {}/{} | {} | {} / {} | {} / {} | {} |",
            l.name,
            md_escape(&l.version),
            mode,
            present,
            l.apis.len(),
            if dis == 0 {
                "0".to_string()
            } else {
                format!("**{dis}**")
            },
            opt_num(l.tickets.tls13.baseline),
            opt_num(l.tickets.tls13.fixed),
            opt_num(l.tickets.tls12.baseline),
            opt_num(l.tickets.tls12.fixed),
            tests
        );
    }
    if let Some(s) = &m.swap {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Run-time library swap (`examples/swap.rs`, built against {}, started on {}): \
             default build: {}; `runtime-detect` build: {}.",
            s.built_against,
            s.swapped_to,
            md_escape(&s.direct.explanation),
            md_escape(&s.runtime_detect.explanation)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{README_END}");
    o
}

/// README's tested-against section.
pub const SECTION: Section = Section {
    start: README_START,
    end: README_END,
};

/// Replaces the marked section of `readme` with `section` (as [`readme_section`] renders it,
/// markers included), or inserts it before the [`README_ANCHOR`] heading when the markers are
/// absent.
pub fn replace_readme_section(readme: &str, section: &str) -> Result<String> {
    let body = section
        .strip_prefix(README_START)
        .and_then(|r| r.strip_prefix('\n'))
        .and_then(|r| r.trim_end_matches('\n').strip_suffix(README_END))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "a rendered section must start with {README_START} and end with {README_END}"
            )
        })?;
    SECTION.replace(readme, body, Missing::Before(README_ANCHOR))
}

#[cfg(test)]
mod tests {
    use super::super::model::*;
    use super::*;

    use super::super::model::tests::row;

    fn lib(name: &str, mode: &str, apis: Vec<ApiRow>) -> LibraryResult {
        LibraryResult {
            name: name.into(),
            family: "openssl".into(),
            version: "1.1.1w".into(),
            linkage: "static".into(),
            source_package: "openssl-src 111.28.2+1.1.1w".into(),
            mode: mode.into(),
            mode_reason: (mode != MODE_FULL).then(|| "openssl-sys rejects it".into()),
            apis,
            tickets: Tickets {
                tls13: ProtoTickets {
                    baseline: Some(2),
                    fixed: Some(0),
                },
                tls12: ProtoTickets {
                    baseline: Some(0),
                    fixed: Some(0),
                },
            },
            tests_passed: (mode == MODE_FULL).then_some(true),
            tests: vec![],
            runtime_library: None,
            errors: vec![],
            disagreements: vec![],
            notes: vec![],
            seconds: Seconds::default(),
        }
    }

    fn matrix() -> Matrix {
        let mut stub = row("SSL_CTX_set_num_tickets", true, Some("function"));
        stub.effective = false;
        let mut bad = row("SSL_set_num_tickets", false, None);
        bad.nm_agrees = Some(false);
        Matrix {
            sslprobe_version: "0.1.0".into(),
            catalog_apis: 3,
            total_seconds: 12.5,
            ok: false,
            disagreements: vec!["libressl-3.1.0: SSL_set_num_tickets: absent but exported".into()],
            failures: vec![],
            libraries: vec![
                lib(
                    "openssl-1.1.1w",
                    MODE_FULL,
                    vec![
                        row("SSL_CTX_set_num_tickets", true, Some("function")),
                        row("SSL_set_num_tickets", true, Some("function")),
                        row("SSL_CTX_set_options", true, Some("macro")),
                    ],
                ),
                lib(
                    "libressl-3.1.0",
                    MODE_PROBE_ONLY,
                    vec![stub, bad, row("SSL_CTX_set_options", true, Some("macro"))],
                ),
                lib("boringssl-new", MODE_FAILED, vec![]),
            ],
            swap: None,
        }
    }

    #[test]
    fn labels() {
        assert_eq!(short_label("openssl-3.5.x"), "3.5.x");
        assert_eq!(short_label("openssl-1.1.0i-shared"), "1.1.0i/sh");
        assert_eq!(short_label("boringssl-new"), "bssl-new");
        assert_eq!(short_label("boringssl-android-debian"), "bssl-android");
        assert_eq!(short_label("wolfssl-debian"), "wolfssl");
        assert_eq!(short_label("libressl-3.1.0"), "lssl-3.1.0");
        assert_eq!(short_label("awslc"), "awslc");
    }

    #[test]
    fn api_table_has_a_row_per_api_and_flags_disagreements() {
        let t = api_table(&matrix());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["API", "1.1.1w", "lssl-3.1.0", "bssl-new"]
        );
        let cells = |i: usize| lines[i].split_whitespace().collect::<Vec<_>>();
        assert_eq!(
            cells(1),
            ["SSL_CTX_set_num_tickets", "yes", "no-effect", "-"]
        );
        assert_eq!(cells(2), ["SSL_set_num_tickets", "yes", "no!", "-"]);
        assert_eq!(cells(3), ["SSL_CTX_set_options", "macro", "macro", "-"]);
        // columns line up: every cell starts where its header starts
        let col = lines[0].find("lssl-3.1.0").unwrap();
        assert_eq!(&lines[1][col..col + 9], "no-effect");
        assert!(lines.iter().all(|l| l == &l.trim_end()));
        assert!(t.contains("! = a disagreement"));
    }

    #[test]
    fn library_table_shows_tickets_modes_and_reasons() {
        let t = library_table(&matrix());
        let first = t.lines().nth(1).unwrap();
        assert!(first.starts_with("openssl-1.1.1w"), "{first}");
        assert!(first.contains("2 / 0"), "{first}");
        assert!(first.contains("3/3"), "{first}");
        assert!(
            t.contains("libressl-3.1.0: probe-only: openssl-sys rejects it"),
            "{t}"
        );
        assert!(t.contains("boringssl-new: failed:"), "{t}");
    }

    #[test]
    fn full_report_lists_disagreements() {
        let r = full_report(&matrix());
        assert!(r.contains("DISAGREEMENTS (1):"));
        assert!(r.contains("failures: none"));
        assert!(r.contains("NOT OK"));
    }

    #[test]
    fn readme_section_is_a_markdown_table() {
        let s = readme_section(&matrix(), "target/matrix.json");
        assert!(s.starts_with(README_START));
        assert!(s.trim_end().ends_with(README_END));
        let rows: Vec<&str> = s.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), 2 + 3);
        assert_eq!(
            rows[2],
            "| openssl-1.1.1w | 1.1.1w | full | 3/3 | 0 | 2 / 0 | 0 / 0 | pass () |"
        );
        assert!(rows[3].contains("probe-only: openssl-sys rejects it"));
        assert!(rows[3].contains("| **1** |"), "{}", rows[3]);
        assert!(rows[3].ends_with("| n/a |"));
        for r in &rows {
            let pipes = r.matches('|').count() - r.matches("\\|").count();
            assert_eq!(pipes, 9, "8 columns: {r}");
        }
    }

    #[test]
    fn readme_section_is_inserted_then_replaced() {
        let readme = "# x\n\nintro\n\n## API catalog\n\ntable\n";
        let s1 = "<!-- tested-against:start -->\nONE\n<!-- tested-against:end -->\n";
        let once = replace_readme_section(readme, s1).unwrap();
        assert_eq!(
            once,
            "# x\n\nintro\n\n<!-- tested-against:start -->\nONE\n<!-- tested-against:end -->\n\n## API catalog\n\ntable\n"
        );
        let s2 = "<!-- tested-against:start -->\nTWO\n<!-- tested-against:end -->\n";
        let twice = replace_readme_section(&once, s2).unwrap();
        assert_eq!(twice, once.replace("ONE", "TWO"));
        // idempotent
        assert_eq!(replace_readme_section(&twice, s2).unwrap(), twice);
    }

    #[test]
    fn readme_errors() {
        assert!(replace_readme_section("# x\n", "s").is_err());
        let dup = format!("{README_START}\n{README_START}\n{README_END}\n## API catalog\n");
        assert!(replace_readme_section(&dup, "s").is_err());
        let rev = format!("{README_END}\n{README_START}\n");
        assert!(replace_readme_section(&rev, "s").is_err());
    }
}
