//! Generated sections of README.md: the text between a start and an end marker line, rewritten
//! by a generator and checked by a test. One splicer for every generated section (the API
//! table, the tested-against matrix).

use anyhow::{bail, Result};

/// A generated section, named by its two marker lines.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// The line that opens the section.
    pub start: &'static str,
    /// The line that closes the section.
    pub end: &'static str,
}

/// Where a section goes when README has no markers yet.
#[derive(Debug, Clone, Copy)]
pub enum Missing<'a> {
    /// Insert it before this exact line (a heading); an error when the line is not there.
    Before(&'a str),
    /// Append it at the end, after this text (e.g. a heading and a sentence).
    Append(&'a str),
}

impl Section {
    /// The text strictly between the marker lines, or `None` when they are missing or out of
    /// order.
    pub fn body<'a>(&self, readme: &'a str) -> Option<&'a str> {
        let start = readme.find(self.start)?;
        let body_start = start + self.start.len();
        let body_start = body_start + readme[body_start..].find('\n').map_or(0, |i| i + 1);
        let end = readme[body_start..].find(self.end)? + body_start;
        Some(&readme[body_start..end])
    }

    /// `readme` with the section's body replaced by `body` (which should end with a newline).
    /// Errors when only one marker is present, or when they are repeated or out of order: the
    /// README is then left for a human to fix rather than guessed at.
    pub fn replace(&self, readme: &str, body: &str, missing: Missing<'_>) -> Result<String> {
        let (start, end) = (self.start, self.end);
        let block = format!("{start}\n{body}{end}");
        match (readme.matches(start).count(), readme.matches(end).count()) {
            (1, 1) => {
                let s = readme.find(start).unwrap_or(0);
                let e = readme.find(end).unwrap_or(0);
                if e < s {
                    bail!("README: {end} comes before {start}");
                }
                Ok(format!(
                    "{}{block}{}",
                    &readme[..s],
                    &readme[e + end.len()..]
                ))
            }
            (0, 0) => match missing {
                Missing::Append(intro) => Ok(format!(
                    "{}\n\n{intro}{block}\n",
                    readme.trim_end_matches('\n')
                )),
                Missing::Before(anchor) => {
                    let mut at = 0;
                    for line in readme.split_inclusive('\n') {
                        if line.trim_end() == anchor {
                            return Ok(format!("{}{block}\n\n{}", &readme[..at], &readme[at..]));
                        }
                        at += line.len();
                    }
                    bail!("README has neither the {start} markers nor a `{anchor}` line to insert them before")
                }
            },
            (s, e) => {
                bail!("README has {s} `{start}` and {e} `{end}` markers; expected one of each")
            }
        }
    }
}

/// A short line-by-line difference between `actual` and `expected`, for test failures: every
/// line that differs, as `-` (actual) and `+` (expected), at most `max` pairs.
pub fn line_diff(actual: &str, expected: &str, max: usize) -> String {
    use std::fmt::Write as _;
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

    const S: Section = Section {
        start: "<!-- x:start -->",
        end: "<!-- x:end -->",
    };

    #[test]
    fn replaces_inserts_and_refuses() {
        let r = "# t\n\n## Anchor\n";
        let once = S.replace(r, "a\n", Missing::Before("## Anchor")).unwrap();
        assert_eq!(
            once,
            "# t\n\n<!-- x:start -->\na\n<!-- x:end -->\n\n## Anchor\n"
        );
        assert_eq!(S.body(&once), Some("a\n"));
        let twice = S
            .replace(&once, "b\n", Missing::Before("## Anchor"))
            .unwrap();
        assert_eq!(S.body(&twice), Some("b\n"));
        assert_eq!(
            S.replace(&twice, "b\n", Missing::Before("## Anchor"))
                .unwrap(),
            twice
        );
        let appended = S
            .replace("# t\n", "a\n", Missing::Append("## New\n\n"))
            .unwrap();
        assert_eq!(
            appended,
            "# t\n\n## New\n\n<!-- x:start -->\na\n<!-- x:end -->\n"
        );
        assert!(S
            .replace("# t\n", "a\n", Missing::Before("## Anchor"))
            .is_err());
        assert!(S
            .replace(
                "<!-- x:end -->\n<!-- x:start -->\n",
                "a",
                Missing::Append("")
            )
            .is_err());
        assert!(S
            .replace(
                "<!-- x:start -->\n<!-- x:start -->\n<!-- x:end -->\n",
                "a",
                Missing::Append("")
            )
            .is_err());
    }
}
