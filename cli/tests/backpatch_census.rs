//! `sslprobe backpatch`: the summary line counts exactly the entries above it; census names
//! get their own header-evidence verdicts; a prototype that differs inside the window is its
//! own verdict.

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
        let differs = text
            .lines()
            .filter(|l| l.trim_end().ends_with("PROTOTYPE-DIFFERS"))
            .count();
        let always = text
            .lines()
            .filter(|l| l.trim_end().ends_with("  always"))
            .count();
        assert_eq!(
            count(summary, "no effect somewhere"),
            no_effect,
            "{spec}: {text}"
        );
        assert_eq!(count(summary, "need a guard"), guards, "{spec}: {text}");
        assert_eq!(count(summary, "always"), always, "{spec}: {text}");
        if differs > 0 {
            assert_eq!(
                count(summary, "prototype differs"),
                differs,
                "{spec}: {text}"
            );
        }
        if spec.starts_with("openssl>=1.0.2") {
            assert!(no_effect >= 1, "the LibreSSL stubs: {text}");
        }
    }
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sslprobe"))
        .arg("backpatch")
        .args(args)
        .output()
        .expect("run sslprobe");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn census_names_and_differing_prototypes() {
    let (code, text, err) = run(&[
        "--support",
        "openssl>=1.1.1, libressl>=3.5",
        "--api",
        "SSL_CTX_set_options,x509_store_ctx_get0_chain,SSL_CTX_set_block_padding,SSL_CTX_new",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // catalog API, present everywhere, but `unsigned long` before 3.0 and `uint64_t` from 3.0
    assert!(
        text.contains("SSL_CTX_set_options  PROTOTYPE-DIFFERS"),
        "{text}"
    );
    assert!(
        text.contains(
            "prototype:    openssl 3.0.0 … 4.0.3 (30 releases): function `uint64_t (SSL_CTX *, uint64_t)`"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "1 API(s): 0 need a guard, 0 no effect somewhere, 1 prototype differs, 0 always"
        ),
        "{text}"
    );
    // census names, found in any case
    assert!(
        text.contains("X509_STORE_CTX_get0_chain  PROTOTYPE-DIFFERS  [census]"),
        "{text}"
    );
    assert!(
        text.contains("SSL_CTX_set_block_padding  GUARD  [census]"),
        "{text}"
    );
    assert!(
        text.contains(
            "missing in:   libressl 3.5.4 … 4.3.2 (4 examined, incl. libressl-4.3.2-shared)"
        ),
        "{text}"
    );
    assert!(text.contains("SSL_CTX_new"), "{text}");
    assert!(
        text.contains("3 census API(s) (header evidence, not probed): 1 need a guard, 1 prototype differs, 1 always"),
        "{text}"
    );

    let (code, json, _) = run(&[
        "--support",
        "openssl>=1.1.0",
        "--api",
        "SSL_CTX_set_block_padding",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let a = &doc["census_apis"][0];
    assert_eq!(a["name"], "SSL_CTX_set_block_padding");
    assert_eq!(a["source"], "census");
    assert_eq!(a["verdict"], "guard");
    assert_eq!(
        a["missing_in"][0],
        "openssl 1.1.0f … 1.1.0i (4 examined, incl. openssl-1.1.0i-shared)"
    );
    // 1.1.0 before 1.1.0f was not examined, and is said so
    assert_eq!(a["not_examined"][0], "openssl before 1.1.0f");
    assert_eq!(doc["apis"].as_array().map(Vec::len), Some(0));

    let (code, _, err) = run(&["--support", "openssl", "--api", "SSL_CTX_set_block_paddin"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("did you mean SSL_CTX_set_block_padding"),
        "{err}"
    );
}
