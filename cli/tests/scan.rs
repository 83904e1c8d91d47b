//! `sslprobe scan` end to end: the real binary and the embedded catalog and census, over small
//! C and Rust fixtures (`cli/tests/fixtures/scan`) whose verdicts are known exactly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn sslprobe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sslprobe"))
        .arg("scan")
        .args(args)
        .output()
        .expect("run sslprobe")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan")
}

fn fixture(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

/// Asserts the exit code (showing stderr when it differs) and parses the JSON output.
fn json_with_code(out: &Output, code: i32) -> Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// `(file name, line, guarded)` of every use of `name` among the missing APIs.
fn missing_uses(doc: &Value, name: &str) -> Vec<(String, u64, bool)> {
    let f = doc["missing"]
        .as_array()
        .expect("missing is an array")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} not missing in {doc}"));
    f["uses"]
        .as_array()
        .expect("uses")
        .iter()
        .map(|u| {
            let file = u["file"].as_str().expect("file");
            let base = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                base,
                u["line"].as_u64().expect("line"),
                u["guarded"].as_bool().expect("guarded"),
            )
        })
        .collect()
}

fn missing_names(doc: &Value) -> Vec<&str> {
    doc["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect()
}

#[test]
fn c_fixture_exact_verdicts() {
    let out = sslprobe(&[&fixture("c"), "--support", "openssl>=1.1.1", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unguarded use of a missing API fails"
    );
    let doc = json(&out);
    assert_eq!(doc["files"], 2);
    // the OSSL_PARAM type (a typedef from 3.0 on) and the function are both missing in 1.1.1
    assert_eq!(
        missing_names(&doc),
        ["OSSL_PARAM", "OSSL_PARAM_construct_utf8_string"]
    );
    for name in ["OSSL_PARAM", "OSSL_PARAM_construct_utf8_string"] {
        assert_eq!(
            missing_uses(&doc, name),
            [
                ("tls.c".to_string(), 12, true),
                ("tls.c".to_string(), 14, false)
            ]
        );
    }
    assert_eq!(doc["unguarded"], 2);
    assert!(
        doc["missing"][0]["missing_in"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("openssl 1.1.1 … 1.1.1w")),
        "{doc}"
    );

    // with LibreSSL in the window, SSL_CTX_set_num_tickets (a catalog API) is missing in
    // LibreSSL < 3.5; in compat.h its use sits in the #else of a version #if
    let window = "openssl>=3.0, libressl>=3.1";
    let out = sslprobe(&[&fixture("c/compat.h"), "--support", window, "--json"]);
    let doc = json_with_code(&out, 0);
    assert_eq!(missing_names(&doc), ["SSL_CTX_set_num_tickets"]);
    assert_eq!(doc["missing"][0]["source"], "catalog");
    assert_eq!(
        missing_uses(&doc, "SSL_CTX_set_num_tickets"),
        [("compat.h".to_string(), 9, true)]
    );

    // tls.c: OSSL_PARAM_* is missing in every LibreSSL, SSL_CTX_set_num_tickets is HAVE_-guarded
    let out = sslprobe(&[&fixture("c/tls.c"), "--support", window, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(
        missing_names(&doc),
        [
            "OSSL_PARAM",
            "OSSL_PARAM_construct_utf8_string",
            "SSL_CTX_set_num_tickets"
        ]
    );
    assert_eq!(
        missing_uses(&doc, "SSL_CTX_set_num_tickets"),
        [("tls.c".to_string(), 16, true)]
    );
    assert_eq!(doc["unguarded"], 2);
}

#[test]
fn c_version_gates_are_judged_against_the_census() {
    let out = sslprobe(&[
        &fixture("c"),
        "--support",
        "openssl>=1.1.1, libressl>=3.1",
        "--json",
    ]);
    let doc = json_with_code(&out, 1);
    let find = |name: &str, line: u64| {
        let f = doc["missing"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {doc}"));
        f["uses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["line"] == line)
            .unwrap_or_else(|| panic!("{name}:{line}: {f}"))
            .clone()
    };
    // #if OPENSSL_VERSION_NUMBER >= 0x30000000L: exactly the releases that declare it
    let u = find("OSSL_PARAM_construct_utf8_string", 12);
    assert_eq!(u["gate"], "#if (OPENSSL_VERSION_NUMBER >= 0x30000000)");
    assert_eq!(u["gate_check"], "agrees");
    // the #else of `defined(LIBRESSL_VERSION_NUMBER) || OPENSSL_VERSION_NUMBER < 1.1.1`
    // excludes LibreSSL 3.5+, whose headers declare it
    let u = find("SSL_CTX_set_num_tickets", 9);
    assert!(
        u["gate_check"].as_str().unwrap().starts_with(
            "stricter: excludes libressl 3.5.4 … 4.3.2 (4 examined, incl. libressl-4.3.2-shared)"
        ),
        "{u}"
    );
    // a project's own HAVE_ macro is not the census's to judge
    let u = find("SSL_CTX_set_num_tickets", 16);
    assert_eq!(u["guarded"], true);
    assert!(u["gate_check"].is_null(), "{u}");
    assert_eq!(doc["gates"]["undecided"], 1);
}

#[test]
fn rust_fixture_exact_verdicts() {
    let out = sslprobe(&[&fixture("rust"), "--support", "openssl>=1.1.1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("MISSING OSSL_PARAM_construct_utf8_string [census]"),
        "{text}"
    );
    assert!(text.contains("lib.rs:9  guarded"), "{text}");
    assert!(text.contains("lib.rs:11  UNGUARDED"), "{text}");
    assert!(text.contains("lib.rs:17  guarded"), "{text}");
    assert!(!text.contains("lib.rs:4 "), "doc comment: {text}");
    assert!(!text.contains("lib.rs:12 "), "string: {text}");
    assert!(text.contains("(1 unguarded uses)"), "{text}");
    // params.rs is loaded by `#[cfg(ossl300)] mod params;`: its declarations inherit the gate,
    // which agrees with the headers for OSSL_PARAM_construct_end
    assert!(
        text.contains("params.rs:3  guarded by cfg(ossl300): agrees"),
        "{text}"
    );
    // SSL_CTX_get_options is a function only from OpenSSL 1.1.0 on... and in every release the
    // window examines, so the gate is stricter than the headers
    assert!(
        text.contains(
            "stricter: excludes openssl 1.1.1 … 1.1.1w (24 examined, incl. openssl-1.1.1w-shared)"
        ),
        "{text}"
    );

    let out = sslprobe(&[&fixture("rust"), "--support", "openssl>=3.0"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_shim_defined_by_the_scanned_code_needs_no_guard() {
    let out = sslprobe(&[
        &fixture("rust_shim"),
        "--support",
        "openssl>=1.1.1",
        "--json",
    ]);
    let doc = json_with_code(&out, 0);
    assert_eq!(missing_names(&doc), ["ERR_GET_FUNC"]);
    let f = &doc["missing"][0];
    assert!(
        f["provided_by"]
            .as_str()
            .is_some_and(|p| p.ends_with("rust_shim/lib.rs:5")),
        "{f}"
    );
    assert_eq!(
        missing_uses(&doc, "ERR_GET_FUNC"),
        [("lib.rs".to_string(), 12, false)]
    );
    assert_eq!(doc["unguarded"], 0);
}

#[test]
fn odd_files_are_skipped_not_fatal() {
    let dir = std::env::temp_dir().join(format!("sslprobe-scan-odd-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("target")).unwrap();
    std::fs::write(dir.join("bin.c"), b"\x7fELF\x00\x00SSL_CTX_new(").unwrap();
    std::fs::write(
        dir.join("latin1.c"),
        b"/* caf\xe9 */ SSL_CTX_new(m); /* \xff\xfe */\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("target/ignored.c"),
        b"OSSL_PARAM_construct_utf8_string(0);",
    )
    .unwrap();
    std::fs::write(dir.join("unterminated.c"), b"\"SSL_CTX_new(").unwrap();
    // over the 64 MiB limit (a sparse file: nothing is written, and it is never read)
    std::fs::File::create(dir.join("huge.h"))
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    // Rust that is not UTF-8, and a NUL past the first 8 KiB (text, not binary)
    let mut rs = b"// \xff\xfe\n".to_vec();
    rs.extend(std::iter::repeat_n(b' ', 9000));
    rs.extend_from_slice(b"\x00\nfn f() { unsafe { ffi::SSL_CTX_new(m) }; }\n");
    std::fs::write(dir.join("odd.rs"), rs).unwrap();
    let out = sslprobe(&[
        dir.to_str().unwrap(),
        "--support",
        "openssl>=1.1.1",
        "--json",
    ]);
    let doc = json_with_code(&out, 0);
    assert_eq!(doc["files"], 3, "{doc}");
    assert_eq!(doc["uses"], 2, "{doc}");
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 2, "{doc}");
    assert!(skipped[0].ends_with("bin.c: binary"), "{doc}");
    assert!(skipped[1].ends_with("huge.h: larger than 64 MiB"), "{doc}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_2_with_a_clear_error() {
    for (args, want) in [
        (
            vec!["/nonexistent/dir", "--support", "openssl>=1.1.1"],
            "cannot read /nonexistent/dir",
        ),
        (vec![".", "--support", "opnessl>=1"], "--support"),
        (
            vec![
                env!("CARGO_MANIFEST_DIR"),
                "--support",
                "openssl>=1.1.1",
                "--json",
                "x",
            ],
            "x",
        ),
    ] {
        let out = sslprobe(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = sslprobe(&[toml.to_str().unwrap(), "--support", "openssl>=1.1.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a C (.c, .h) or Rust (.rs) source"));
    let out = sslprobe(&[&fixture("c")]);
    assert_eq!(out.status.code(), Some(2), "--support is required");
}

/// A 100,000-line tree is scanned completely (how fast is measured, not asserted: README
/// `## scan`).
#[test]
fn a_large_tree_is_scanned_completely() {
    let dir = std::env::temp_dir().join(format!("sslprobe-scan-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut body = String::new();
    for i in 0..1000 {
        body.push_str(&format!(
            "/* {i} */ static int f{i}(SSL_CTX *c) {{ return SSL_CTX_set_num_tickets(c, {i}); }}\n"
        ));
    }
    for f in 0..100 {
        std::fs::write(dir.join(format!("f{f}.c")), &body).unwrap();
    }
    let out = sslprobe(&[
        dir.to_str().unwrap(),
        "--support",
        "openssl>=1.1.1",
        "--json",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["lines"], 100_000);
    // each line uses the SSL_CTX type and calls SSL_CTX_set_num_tickets
    assert_eq!(doc["uses"], 200_000);
    assert_eq!(doc["files"], 100);
}
