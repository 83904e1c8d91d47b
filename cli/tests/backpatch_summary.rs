//! The `sslprobe backpatch` summary line counts exactly the entries above it.

use std::process::Command;

/// The number before `label` in the summary line.
fn count(summary: &str, label: &str) -> usize {
    let before = &summary[..summary
        .find(label)
        .unwrap_or_else(|| panic!("{label}: {summary}"))];
    before
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|w| !w.is_empty())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count before {label}: {summary}"))
}

#[test]
fn summary_counts_match_the_entries() {
    for spec in [
        "openssl>=1.0.2, libressl>=3.4",
        "openssl>=1.1.1",
        "libressl>=3.5; boringssl",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sslprobe"))
            .args(["backpatch", "--support", spec])
            .output()
            .expect("run sslprobe");
        assert!(out.status.success(), "{spec}");
        let text = String::from_utf8_lossy(&out.stdout);
        let summary = text
            .lines()
            .find(|l| l.contains(" API(s): "))
            .unwrap_or_else(|| panic!("no summary: {text}"));
        let no_effect = text
            .lines()
            .filter(|l| l.trim_start().starts_with("no effect in:"))
            .count();
        let guards = text
            .lines()
            .filter(|l| l.trim_start().starts_with("guard:"))
            .count();
        assert_eq!(
            count(summary, "no effect somewhere"),
            no_effect,
            "{spec}: {text}"
        );
        assert_eq!(count(summary, "need a guard"), guards, "{spec}: {text}");
        if spec.starts_with("openssl>=1.0.2") {
            assert!(no_effect >= 1, "the LibreSSL stubs: {text}");
        }
    }
}
