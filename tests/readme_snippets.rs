//! Every ```rust and ```toml block of the READMEs (the workspace's and each published crate's)
//! compiles as written: the blocks are grouped into scratch crates by markers and built with the
//! real `cargo` against the system OpenSSL, `--offline` with this workspace's `Cargo.lock` and
//! `RUSTFLAGS="-D warnings"`, so a README cannot drift from the code again.
//!
//! The marker is an HTML comment on the line before the fence (invisible when rendered):
//!
//! ```text
//! <!-- snippet: CRATE FILE [wrap=main] -->
//! ```
//!
//! - `CRATE` names a scratch crate of that README; its blocks form one crate.
//! - `FILE` is where the block goes: `Cargo.toml` (its `[dependencies]` and
//!   `[build-dependencies]` tables; `sslprobe = "…"` and `sslprobe-build = "…"` are rewritten to
//!   this workspace's paths, nothing else is touched), `build.rs`, `src/lib.rs`, `src/main.rs`.
//! - `wrap=main`: the block is a fragment of a `main` body; it is compiled inside
//!   `fn main() -> Result<(), Box<dyn std::error::Error>> { … Ok(()) }` (the `?` of a
//!   fragment works), and the program is run.
//!
//! A ```rust or ```toml block without a marker, a marker without such a block, an unknown
//! option, a crate without `Cargo.toml` or a file given twice fails the test: nothing is skipped.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use support::{repo, Build, Cargo, Crate, SharedTarget, TMP};

/// The READMEs whose snippets are built: the workspace's and each published crate's.
const READMES: &[&str] = &[
    "README.md",
    "README.crate.md",
    "sslprobe-build/README.md",
    "cli/README.md",
];

/// One fenced block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snippet {
    /// `README.md:12` (the fence's line).
    origin: String,
    crate_name: String,
    file: String,
    wrap_main: bool,
    text: String,
}

/// Whether a fence's info string is one the test must cover.
fn covered(info: &str) -> bool {
    let lang = info.split([',', ' ']).next().unwrap_or("");
    matches!(lang, "rust" | "toml")
}

/// The snippets of a README, or every problem found (unmarked block, stray marker, ...).
fn extract(name: &str, text: &str) -> Result<Vec<Snippet>, Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut pending: Option<(usize, Vec<String>)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(rest) = line.strip_prefix("<!-- snippet:") {
            if let Some((at, _)) = &pending {
                problems.push(format!("{name}:{}: a marker without a block", at + 1));
            }
            let words = rest.trim_end_matches("-->").split_whitespace();
            pending = Some((i, words.map(str::to_string).collect()));
        } else if let Some(info) = line.strip_prefix("```") {
            let start = i;
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim_start().starts_with("```"))
                .unwrap_or(lines.len());
            let body = lines[start + 1..end.min(lines.len())].join("\n") + "\n";
            i = end;
            let marker = pending.take();
            if !covered(info.trim()) {
                if let Some((at, _)) = marker {
                    problems.push(format!(
                        "{name}:{}: a marker before a ```{info} block (only rust and toml are built)",
                        at + 1
                    ));
                }
                i += 1;
                continue;
            }
            let origin = format!("{name}:{}", start + 1);
            let Some((_, words)) = marker else {
                problems.push(format!(
                    "{origin}: a ```{info} block without a `<!-- snippet: CRATE FILE -->` marker on the line before"
                ));
                i += 1;
                continue;
            };
            match parse_marker(&words) {
                Ok((crate_name, file, wrap_main)) => {
                    let is_toml = file == "Cargo.toml";
                    if is_toml != info.trim().starts_with("toml") {
                        problems.push(format!("{origin}: {file} from a ```{info} block"));
                    }
                    out.push(Snippet {
                        origin,
                        crate_name,
                        file,
                        wrap_main,
                        text: body,
                    });
                }
                Err(e) => problems.push(format!("{origin}: {e}")),
            }
        } else if !line.is_empty() {
            if let Some((at, _)) = pending.take() {
                problems.push(format!(
                    "{name}:{}: a marker not followed by a block",
                    at + 1
                ));
            }
        }
        i += 1;
    }
    if let Some((at, _)) = pending {
        problems.push(format!("{name}:{}: a marker without a block", at + 1));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `CRATE FILE [wrap=main]`.
fn parse_marker(words: &[String]) -> Result<(String, String, bool), String> {
    let [krate, file, rest @ ..] = words else {
        return Err(format!(
            "the marker needs a crate and a file: {:?}",
            words.join(" ")
        ));
    };
    if !krate
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("crate name {krate:?}"));
    }
    if !matches!(
        file.as_str(),
        "Cargo.toml" | "build.rs" | "src/lib.rs" | "src/main.rs"
    ) {
        return Err(format!(
            "file {file:?} (Cargo.toml, build.rs, src/lib.rs or src/main.rs)"
        ));
    }
    let mut wrap_main = false;
    for w in rest {
        match w.as_str() {
            "wrap=main" if file == "src/main.rs" => wrap_main = true,
            _ => return Err(format!("unknown option {w:?} for {file}")),
        }
    }
    Ok((krate.clone(), file.clone(), wrap_main))
}

/// A Cargo.toml snippet's `[dependencies]` and `[build-dependencies]` lines, with `sslprobe`
/// and `sslprobe-build` pointed at this workspace.
fn dependency_tables(s: &Snippet) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut deps, mut build_deps) = (Vec::new(), Vec::new());
    let mut table: Option<&mut Vec<String>> = None;
    for line in s.text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            table = match t {
                "[dependencies]" => Some(&mut deps),
                "[build-dependencies]" => Some(&mut build_deps),
                _ => {
                    return Err(format!(
                        "{}: table {t} (the test builds [dependencies] and [build-dependencies])",
                        s.origin
                    ))
                }
            };
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(lines) = table.as_deref_mut() else {
            return Err(format!("{}: {t:?} outside a table", s.origin));
        };
        let key = t.split('=').next().unwrap_or("").trim();
        lines.push(match key {
            "sslprobe" => support::sslprobe_dep(""),
            "sslprobe-build" => support::sslprobe_build_dep(),
            _ => line.to_string(),
        });
    }
    Ok((deps, build_deps))
}

/// Builds (and, with a `main`, runs) one scratch crate; returns what went wrong.
fn build(target: &SharedTarget, readme: &str, name: &str, snippets: &[Snippet]) -> Option<String> {
    let mut files: BTreeMap<&str, String> = BTreeMap::new();
    let mut manifest = None;
    let mut main = false;
    for s in snippets {
        if s.file == "Cargo.toml" {
            if manifest.is_some() {
                return Some(format!(
                    "{}: a second Cargo.toml for crate {name}",
                    s.origin
                ));
            }
            manifest = Some(s);
            continue;
        }
        let text = if s.wrap_main {
            format!(
                "fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{}\n    Ok(())\n}}\n",
                s.text
            )
        } else {
            s.text.clone()
        };
        main |= s.file == "src/main.rs";
        if files.insert(&s.file, text).is_some() {
            return Some(format!(
                "{}: a second {} for crate {name}",
                s.origin, s.file
            ));
        }
    }
    let Some(manifest) = manifest else {
        return Some(format!("{readme}: crate {name} has no Cargo.toml snippet"));
    };
    if !files.contains_key("src/lib.rs") && !main {
        return Some(format!(
            "{readme}: crate {name} has neither src/lib.rs nor src/main.rs"
        ));
    }
    let (deps, build_deps) = match dependency_tables(manifest) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    let package = format!("readme-{name}");
    let files: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = PathBuf::from(TMP)
        .join("readme-snippets")
        .join(readme.replace('/', "-"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    Crate {
        name: &package,
        dependencies: &deps,
        build_dependencies: &build_deps,
        own_workspace: true,
        files: &files,
    }
    .write(&dir);
    let _guard = target.lock();
    let b: Build = Cargo::new("build", &dir, &target.dir)
        .envs([("RUSTFLAGS", "-D warnings")])
        .run();
    if !b.ok {
        return Some(format!(
            "{readme}: crate {name} ({}) does not build:\n{}\n{}",
            dir.display(),
            b.rustc_diagnostics(),
            b.stderr
        ));
    }
    let warnings = b.warnings();
    if !warnings.is_empty() {
        return Some(format!(
            "{readme}: crate {name} warns:\n{}",
            warnings.join("\n")
        ));
    }
    if main {
        let run = std::panic::catch_unwind(|| b.run_executable(&package));
        if let Err(e) = run {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panicked".into());
            return Some(format!("{readme}: crate {name}'s program failed: {msg}"));
        }
    }
    None
}

#[test]
fn every_readme_snippet_builds() {
    let target = SharedTarget::new(PathBuf::from(TMP).join("readme-snippets-target"));
    let mut failures = Vec::new();
    let mut built = Vec::new();
    for readme in READMES {
        let text = support::read(&repo(readme));
        let snippets = match extract(readme, &text) {
            Ok(s) => s,
            Err(problems) => {
                failures.extend(problems);
                continue;
            }
        };
        let mut crates: BTreeMap<&str, Vec<Snippet>> = BTreeMap::new();
        for s in &snippets {
            crates.entry(&s.crate_name).or_default().push(s.clone());
        }
        for (name, group) in &crates {
            failures.extend(build(&target, readme, name, group));
            built.push(format!("{readme}:{name}"));
        }
    }
    assert!(
        failures.is_empty(),
        "README snippets:\n{}",
        failures.join("\n\n")
    );
    // A parser that finds nothing must not pass: the workspace README's two crates (the ticket
    // fix, the builder) and the runtime's and the engine's were built.
    for expected in [
        "README.md:padding",
        "README.md:tickets",
        "README.crate.md:server",
        "sslprobe-build/README.md:probe",
    ] {
        assert!(
            built.iter().any(|b| b == expected),
            "{expected} not built: {built:?}"
        );
    }
}

#[test]
fn an_unmarked_block_fails() {
    let e = extract("R.md", "text\n\n```rust\nfn main() {}\n```\n").unwrap_err();
    assert!(e[0].starts_with("R.md:3: a ```rust block without"), "{e:?}");
    let e = extract("R.md", "```toml\n[dependencies]\n```\n").unwrap_err();
    assert!(e[0].contains("```toml block without"), "{e:?}");
    // Info strings with attributes are still covered.
    assert!(extract("R.md", "```rust,no_run\nfn f() {}\n```\n").is_err());
    // Other languages are not built, and need no marker.
    assert_eq!(
        extract("R.md", "```sh\ncargo test\n```\n```\nplain\n```\n"),
        Ok(vec![])
    );
}

#[test]
fn markers_are_strict() {
    let ok = "<!-- snippet: demo src/main.rs wrap=main -->\n```rust\nlet x = 1;\n```\n";
    let s = extract("R.md", ok).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].crate_name.as_str(), s[0].file.as_str()),
        ("demo", "src/main.rs")
    );
    assert!(s[0].wrap_main);
    assert_eq!(s[0].text, "let x = 1;\n");
    for (bad, needle) in [
        (
            "<!-- snippet: demo -->\n```rust\n```\n",
            "needs a crate and a file",
        ),
        (
            "<!-- snippet: demo src/x.rs -->\n```rust\n```\n",
            "file \"src/x.rs\"",
        ),
        (
            "<!-- snippet: demo build.rs wrap=main -->\n```rust\n```\n",
            "unknown option",
        ),
        (
            "<!-- snippet: demo Cargo.toml -->\n```rust\n```\n",
            "Cargo.toml from a ```rust",
        ),
        (
            "<!-- snippet: demo build.rs -->\ntext\n```rust\n```\n",
            "not followed by a block",
        ),
        ("<!-- snippet: demo build.rs -->\n", "without a block"),
        (
            "<!-- snippet: demo build.rs -->\n```sh\n```\n",
            "before a ```sh block",
        ),
    ] {
        let e = extract("R.md", bad).unwrap_err();
        assert!(e.iter().any(|p| p.contains(needle)), "{bad:?}: {e:?}");
    }
}

#[test]
fn dependencies_point_at_this_workspace() {
    let s = Snippet {
        origin: "R.md:1".into(),
        crate_name: "demo".into(),
        file: "Cargo.toml".into(),
        wrap_main: false,
        text: "[dependencies]\nsslprobe = \"0.1\"  # x\nopenssl = \"0.10\"\n\n[build-dependencies]\nsslprobe-build = \"0.1\"\n".into(),
    };
    let (d, b) = dependency_tables(&s).unwrap();
    assert_eq!(
        d,
        [support::sslprobe_dep(""), "openssl = \"0.10\"".to_string()]
    );
    assert_eq!(b, [support::sslprobe_build_dep()]);
    let bad = Snippet {
        text: "[features]\nx = []\n".into(),
        ..s
    };
    assert!(dependency_tables(&bad).unwrap_err().contains("[features]"));
}
