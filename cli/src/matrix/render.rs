//! The results table of `sslprobe matrix`, as plain text (the terminal) or Markdown (a README,
//! a CI job summary): one row per library, long reasons as numbered notes below it.

use std::fmt::Write as _;

use super::model::{BuildState, MatrixRun, OutcomeState, Row};

/// The column headings.
pub const HEADINGS: [&str; 7] = [
    "library",
    "version",
    "build",
    "result",
    "tests",
    "sslprobe found",
    "time",
];

/// A table's cells and the notes its cells point at (`[1]`).
struct Table {
    rows: Vec<[String; 7]>,
    notes: Vec<String>,
}

/// A cell with a long explanation: `word [n]`, the explanation becoming note `n`.
fn noted(notes: &mut Vec<String>, word: &str, key: &str, text: &str) -> String {
    notes.push(format!("{key}: {text}"));
    format!("{word} [{}]", notes.len())
}

fn cells(run: &MatrixRun) -> Table {
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    for r in &run.rows {
        let build = match r.build.state {
            BuildState::Cached => "cached".to_string(),
            BuildState::Built => format!("built ({:.0} s)", r.build.seconds),
            BuildState::Skipped => "-".to_string(),
            BuildState::Failed => noted(
                &mut notes,
                "FAILED",
                &r.key,
                &format!(
                    "the library did not build: {}{}",
                    r.build.detail.as_deref().unwrap_or("?"),
                    r.build
                        .log
                        .as_deref()
                        .map(|l| format!(" (log: {l})"))
                        .unwrap_or_default()
                ),
            ),
            BuildState::Unavailable => noted(
                &mut notes,
                if r.requested {
                    "UNAVAILABLE"
                } else {
                    "unavailable"
                },
                &r.key,
                r.build.detail.as_deref().unwrap_or("?"),
            ),
        };
        let result = result_cell(r, &mut notes);
        let mut tests = match &r.tests {
            Some(t) => format!(
                "{} passed, {} failed, {} ignored",
                t.passed, t.failed, t.ignored
            ),
            None => "-".to_string(),
        };
        if !r.failed_tests.is_empty() {
            let names = format!(
                "failed test{}: {}",
                if r.failed_tests.len() == 1 { "" } else { "s" },
                r.failed_tests.join(", ")
            );
            tests = noted(&mut notes, &tests, &r.key, &names);
        }
        let found = r
            .detected
            .as_ref()
            .map_or_else(|| "-".to_string(), |d| d.summary());
        let time = if r.outcome.state == OutcomeState::NotRun && r.seconds == 0.0 {
            "-".to_string()
        } else {
            format!("{:.1} s", r.seconds)
        };
        rows.push([
            r.key.clone(),
            r.version.clone(),
            build,
            result,
            tests,
            found,
            time,
        ]);
    }
    Table { rows, notes }
}

fn result_cell(r: &Row, notes: &mut Vec<String>) -> String {
    match r.outcome.state {
        OutcomeState::Passed => "passed".to_string(),
        OutcomeState::NotRun => "not run".to_string(),
        OutcomeState::Unusable => noted(
            notes,
            "unusable",
            &r.key,
            r.outcome.reason.as_deref().unwrap_or("?"),
        ),
        OutcomeState::Failed => {
            let why = r.outcome.reason.as_deref().unwrap_or("?");
            // a short reason in the cell itself ("2 of 10 tests failed")
            if why.len() <= 28 {
                format!("FAILED: {why}")
            } else {
                noted(notes, "FAILED", &r.key, why)
            }
        }
    }
}

fn summary_line(run: &MatrixRun) -> String {
    let count = |s: OutcomeState| run.rows.iter().filter(|r| r.outcome.state == s).count();
    let failures = run.rows.iter().filter(|r| r.is_failure()).count();
    format!(
        "{} librar{}: {} passed, {} unusable, {} failure{}; {:.0} s in all",
        run.rows.len(),
        if run.rows.len() == 1 { "y" } else { "ies" },
        count(OutcomeState::Passed),
        count(OutcomeState::Unusable),
        failures,
        if failures == 1 { "" } else { "s" },
        run.total_seconds
    )
}

/// The plain-text table with its notes and a summary line.
pub fn text(run: &MatrixRun) -> String {
    let t = cells(run);
    let mut widths: Vec<usize> = HEADINGS.iter().map(|h| h.len()).collect();
    for row in &t.rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut o = String::new();
    let line = |o: &mut String, cells: &[String]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            let _ = write!(l, "{c:<w$}");
        }
        o.push_str(l.trim_end());
        o.push('\n');
    };
    let _ = writeln!(o, "`{}` in {}", run.command.join(" "), crate_label(run));
    line(&mut o, &HEADINGS.map(String::from));
    for row in &t.rows {
        line(&mut o, row);
    }
    for (i, n) in t.notes.iter().enumerate() {
        let _ = writeln!(o, "[{}] {n}", i + 1);
    }
    let _ = writeln!(o, "{}", summary_line(run));
    o
}

fn crate_label(run: &MatrixRun) -> String {
    run.krate.clone().unwrap_or_else(|| run.crate_dir.clone())
}

/// A Markdown cell: pipes escaped, no line breaks.
fn md(cell: &str) -> String {
    cell.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown table with its notes and a summary line.
pub fn markdown(run: &MatrixRun) -> String {
    let t = cells(run);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "`{}` in `{}`, sslprobe {}:\n",
        run.command.join(" "),
        crate_label(run),
        run.sslprobe_version
    );
    let _ = writeln!(o, "| {} |", HEADINGS.join(" | "));
    let _ = writeln!(o, "|{}", "---|".repeat(HEADINGS.len()));
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    if !t.notes.is_empty() {
        o.push('\n');
        for (i, n) in t.notes.iter().enumerate() {
            let _ = writeln!(o, "{}. {}", i + 1, md(n));
        }
    }
    let _ = writeln!(o, "\n{}", summary_line(run));
    o
}

#[cfg(test)]
mod tests {
    use super::super::detect::Detected;
    use super::super::model::*;
    use super::super::reason::TestTotals;
    use super::*;

    fn row(key: &str, build: BuildState, outcome: OutcomeState, reason: Option<&str>) -> Row {
        Row {
            key: key.into(),
            family: "openssl".into(),
            version: "3.0.8".into(),
            linkage: "static".into(),
            build: Build {
                state: build,
                detail: Some("no source tarball for x.tar.gz: set SSLPROBE_SOURCES".into()),
                seconds: 12.0,
                log: None,
            },
            outcome: Outcome {
                state: outcome,
                reason: reason.map(Into::into),
                exit_code: Some(101),
            },
            tests: None,
            failed_tests: vec![],
            detected: None,
            command_line: None,
            seconds: 3.25,
            log: None,
            notes: vec![],
            requested: false,
        }
    }

    fn sample() -> MatrixRun {
        let mut passed = row(
            "openssl-3.0.x",
            BuildState::Cached,
            OutcomeState::Passed,
            None,
        );
        passed.tests = Some(TestTotals {
            passed: 10,
            failed: 0,
            ignored: 1,
        });
        passed.detected = Some(Detected {
            family: "openssl".into(),
            version: "3.0.8".into(),
            apis: 31,
            present: 31,
            absent: vec![],
            no_effect: vec![],
            output: "/t/output".into(),
        });
        let mut failed = row(
            "openssl-1.1.1w",
            BuildState::Built,
            OutcomeState::Failed,
            Some("1 of 10 tests failed"),
        );
        failed.failed_tests = vec!["a::b".into()];
        failed.tests = Some(TestTotals {
            passed: 9,
            failed: 1,
            ignored: 0,
        });
        MatrixRun {
            sslprobe_version: "0.1.0".into(),
            command: vec!["cargo".into(), "test".into()],
            krate: Some("app 1.0.0".into()),
            crate_dir: "/w".into(),
            total_seconds: 99.0,
            ok: false,
            rows: vec![
                passed,
                failed,
                row(
                    "libressl-3.1.0",
                    BuildState::Cached,
                    OutcomeState::Unusable,
                    Some("openssl-sys cannot use it: only compatible with | LibreSSL 3.5"),
                ),
                row(
                    "libressl-3.5.4",
                    BuildState::Unavailable,
                    OutcomeState::NotRun,
                    None,
                ),
            ],
        }
    }

    #[test]
    fn text_table() {
        let t = text(&sample());
        assert!(t.starts_with("`cargo test` in app 1.0.0\nlibrary "), "{t}");
        assert!(t.contains("openssl 3.0.8: 31/31 APIs"), "{t}");
        assert!(t.contains("10 passed, 0 failed, 1 ignored"), "{t}");
        assert!(t.contains("FAILED: 1 of 10 tests failed"), "{t}");
        assert!(t.contains("built (12 s)"), "{t}");
        assert!(t.contains("9 passed, 1 failed, 0 ignored [1]"), "{t}");
        assert!(t.contains("unusable [2]"), "{t}");
        assert!(
            t.contains("[2] libressl-3.1.0: openssl-sys cannot use it"),
            "{t}"
        );
        assert!(t.contains("[1] openssl-1.1.1w: failed test: a::b"), "{t}");
        assert!(t.contains("[3] libressl-3.5.4: no source tarball"), "{t}");
        assert!(t.contains("unavailable [3]"), "{t}");
        assert!(
            t.ends_with("4 libraries: 1 passed, 1 unusable, 1 failure; 99 s in all\n"),
            "{t}"
        );
    }

    #[test]
    fn markdown_table() {
        let m = markdown(&sample());
        assert!(
            m.contains("| library | version | build | result | tests | sslprobe found | time |")
        );
        assert!(m.contains("|---|---|---|---|---|---|---|"));
        assert!(m.contains("| openssl-3.0.x | 3.0.8 | cached | passed | 10 passed, 0 failed, 1 ignored | openssl 3.0.8: 31/31 APIs | 3.2 s |"), "{m}");
        assert!(
            m.contains("only compatible with \\| LibreSSL"),
            "pipes escaped: {m}"
        );
        assert!(m.contains("\n2. libressl-3.1.0: "), "{m}");
    }
}
