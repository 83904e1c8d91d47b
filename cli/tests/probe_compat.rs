//! `sslprobe probe` and `sslprobe compat`, run as the real binary against the system OpenSSL
//! (Debian's libssl-dev) and against deliberately broken or altered library directories.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_sslprobe");
const SYSTEM_INCLUDE: &str = "/usr/include";
const SYSTEM_LIB: &str = "/usr/lib/x86_64-linux-gnu";

fn sslprobe(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {BIN}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and expects exit 0 and a JSON document on stdout.
fn json(args: &[&str]) -> Value {
    let out = sslprobe(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "sslprobe {args:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("sslprobe {args:?}: not JSON ({e}):\n{}", text(&out.stdout)))
}

fn apis(doc: &Value) -> &Vec<Value> {
    doc["apis"].as_array().expect("apis is an array")
}

fn api<'a>(doc: &'a Value, name: &str) -> &'a Value {
    apis(doc)
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {doc}"))
}

/// The per-API results, without the diagnostics text (`failure`), which legitimately differs
/// between compiler runs that group probes differently.
fn results(doc: &Value) -> Vec<Value> {
    apis(doc)
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a.as_object_mut()
                .expect("api is an object")
                .remove("failure");
            a
        })
        .collect()
}

fn assert_agrees_with_db(doc: &Value) {
    assert_eq!(doc["library"]["family"], "openssl", "{doc}");
    let version = doc["library"]["version"]
        .as_str()
        .expect("version is a string");
    assert!(
        version.starts_with("3."),
        "system OpenSSL is 3.x, got {version}"
    );
    let list = apis(doc);
    assert!(list.len() >= 28, "catalog has {} APIs", list.len());
    for a in list {
        assert_eq!(
            a["db_agrees"], true,
            "probe and DB disagree on the system OpenSSL: {a}"
        );
        assert!(
            a["present"].is_boolean() && a["effective"].is_boolean(),
            "{a}"
        );
        let kind = &a["kind"];
        if a["present"] == true {
            assert!(
                ["function", "macro", "define"].contains(&kind.as_str().unwrap_or("")),
                "{a}"
            );
        } else {
            assert!(kind.is_null(), "{a}");
        }
    }
    assert_eq!(
        doc["disagreements"].as_array().map(Vec::len),
        Some(0),
        "{doc}"
    );
    assert!(doc["elapsed_ms"].is_u64(), "{doc}");
    assert!(
        doc["compiler_runs"].as_u64().unwrap_or(0) >= 2,
        "identify + at least one batch: {doc}"
    );
    // Facts about OpenSSL 3.x that the probes must find (not just agree on).
    assert_eq!(api(doc, "SSL_CTX_set_num_tickets")["kind"], "function");
    assert_eq!(api(doc, "SSL_CTX_set_options")["variant"], "u64");
    assert_eq!(api(doc, "SSL_CTX_get_num_tickets")["variant"], "const_ctx");
    assert_eq!(
        api(doc, "SSL_get_peer_certificate")["kind"],
        "macro",
        "3.0 made it an alias of SSL_get1_peer_certificate"
    );
    assert_eq!(api(doc, "SSL_get1_peer_certificate")["kind"], "function");
    assert_eq!(api(doc, "SSL_CTX_set_min_proto_version")["kind"], "macro");
    let ticket = api(doc, "SSL_OP_NO_TICKET");
    assert_eq!(ticket["kind"], "define");
    assert!(
        ticket["value"].as_str().is_some_and(|v| v.contains("14")),
        "SSL_OP_NO_TICKET is bit 14: {ticket}"
    );
}

#[test]
fn probe_located_like_openssl_sys_agrees_with_the_db() {
    let doc = json(&["probe", "--json"]);
    assert_agrees_with_db(&doc);
    assert_eq!(doc["mode"], "batched");
}

#[test]
fn probe_with_explicit_dirs_agrees_and_matches_the_located_run() {
    let explicit = json(&[
        "probe",
        "--json",
        "--include-dir",
        SYSTEM_INCLUDE,
        "--lib-dir",
        SYSTEM_LIB,
    ]);
    assert_agrees_with_db(&explicit);
    assert_eq!(explicit["location"]["found_by"], "explicit");
    assert_eq!(explicit["location"]["lib_dirs"][0], SYSTEM_LIB);
    let located = json(&["probe", "--json"]);
    assert_eq!(
        results(&explicit),
        results(&located),
        "same library, same answers"
    );
}

#[test]
fn batched_and_one_at_a_time_give_identical_results() {
    let batched = json(&["probe", "--json"]);
    let single = json(&["probe", "--json", "--one-at-a-time"]);
    assert_eq!(single["mode"], "one-at-a-time");
    assert_eq!(results(&batched), results(&single));
    // One compile + link per variant (plus identify and the sanity probe) versus a few batches.
    assert!(
        single["compiler_runs"].as_u64() > batched["compiler_runs"].as_u64(),
        "{} vs {}",
        single["compiler_runs"],
        batched["compiler_runs"]
    );
}

#[test]
fn probe_table_lists_every_api_and_the_summary() {
    let out = sslprobe(&["probe"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("library:  OpenSSL 3."), "{table}");
    for line in [
        "SSL_CTX_set_num_tickets ",
        "SSL_get_peer_certificate ",
        "SSL_OP_NO_TICKET ",
    ] {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(line) && l.ends_with("agrees")),
            "{line:?} in\n{table}"
        );
    }
    assert!(
        table.contains(" 0 disagreement(s) with the knowledge DB"),
        "{table}"
    );
    assert!(!table.contains("DISAGREES"), "{table}");
}

#[test]
fn missing_prefix_is_an_error_naming_the_path() {
    let out = sslprobe(&["probe", "--openssl-dir", "/nonexistent", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "no table of absent APIs: {}",
        text(&out.stdout)
    );
}

#[test]
fn unusable_library_is_an_error_not_a_table_of_absent_apis() {
    // Files with the right names but no library in them: located, then the sanity probe fails.
    let lib = TempDir::new("fake-lib");
    for f in ["libssl.so", "libcrypto.so"] {
        std::fs::write(lib.path().join(f), b"").expect("write fake library");
    }
    let out = sslprobe(&[
        "probe",
        "--include-dir",
        SYSTEM_INCLUDE,
        "--lib-dir",
        lib.str(),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("sanity probe failed"), "{err}");
    assert!(
        err.contains(lib.str()),
        "the error names the library directory: {err}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    // A directory without the libraries at all fails earlier, while locating.
    let empty = TempDir::new("empty-lib");
    let out = sslprobe(&[
        "probe",
        "--include-dir",
        SYSTEM_INCLUDE,
        "--lib-dir",
        empty.str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(empty.str()),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn conflicting_or_incomplete_options_exit_2() {
    for args in [
        &[
            "probe",
            "--openssl-dir",
            "/usr",
            "--include-dir",
            SYSTEM_INCLUDE,
        ][..],
        &["probe", "--openssl-dir", "/usr", "--lib-dir", SYSTEM_LIB][..],
        &["probe", "--include-dir", SYSTEM_INCLUDE][..],
        &["probe", "--lib-dir", SYSTEM_LIB][..],
        &["probe", "--prelude", "#define X 1"][..],
        &["probe", "--prelude", "#include <../etc/passwd>"][..],
        &["compat"][..],
    ] {
        let out = sslprobe(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "sslprobe {args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "sslprobe {args:?} printed {}",
            text(&out.stdout)
        );
    }
}

/// An include directory holding the system headers plus a header that turns off OpenSSL's
/// deprecated APIs — what a distro built with `no-deprecated` looks like. The probe must find
/// `SSL_get_peer_certificate` gone and say loudly that the DB expected it.
#[test]
fn disagreement_is_loud_and_strict_makes_it_fatal() {
    let inc = TempDir::new("nodeprecated");
    std::os::unix::fs::symlink(
        Path::new(SYSTEM_INCLUDE).join("openssl"),
        inc.path().join("openssl"),
    )
    .expect("symlink");
    std::fs::create_dir(inc.path().join("sslprobe_test")).expect("mkdir");
    std::fs::write(
        inc.path().join("sslprobe_test/nodeprecated.h"),
        "#define OPENSSL_NO_DEPRECATED 1\n",
    )
    .expect("write header");
    let base = [
        "probe",
        "--include-dir",
        inc.str(),
        "--lib-dir",
        SYSTEM_LIB,
        "--prelude",
        "#include <sslprobe_test/nodeprecated.h>",
    ];

    let out = sslprobe(&[&base[..], &["--json"]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "disagreements alone do not fail: {}",
        text(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let peer = api(&doc, "SSL_get_peer_certificate");
    assert_eq!(peer["present"], false, "{peer}");
    assert_eq!(peer["db_expected"], true);
    assert_eq!(peer["db_agrees"], false);
    assert!(
        peer["failure"]
            .as_str()
            .is_some_and(|f| f.contains("SSL_get_peer_certificate")),
        "{peer}"
    );
    assert_eq!(
        api(&doc, "SSL_get1_peer_certificate")["db_agrees"],
        true,
        "the replacement is still there"
    );
    assert!(
        doc["disagreements"]
            .as_array()
            .is_some_and(|d| d.iter().any(|s| s
                .as_str()
                .unwrap_or("")
                .starts_with("SSL_get_peer_certificate:"))),
        "{doc}"
    );
    let err = text(&out.stderr);
    assert!(err.contains("DISAGREE: SSL_get_peer_certificate"), "{err}");

    let out = sslprobe(&[&base[..], &["--strict"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("SSL_get_peer_certificate ") && l.ends_with("DISAGREES")),
        "{table}"
    );
}

#[test]
fn compat_json_gives_since_kind_and_effect_per_family() {
    let doc = json(&[
        "compat",
        "--json",
        "SSL_CTX_set_num_tickets",
        "SSL_get_peer_certificate",
        "SSL_get1_peer_certificate",
        "SSL_OP_NO_TICKET",
    ]);
    let list = apis(&doc);
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["name"], "SSL_CTX_set_num_tickets");
    let f = &list[0]["families"];
    assert_eq!(f["openssl"]["since"], "1.1.1");
    assert_eq!(f["openssl"]["kind"], "function");
    assert_eq!(f["openssl"]["effective"], true);
    assert_eq!(f["libressl"]["since"], "3.5.0");
    assert_eq!(f["libressl"]["effective"], false);
    assert!(
        f["libressl"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("stub")),
        "{f}"
    );
    assert_eq!(f["boringssl"]["since"], boringssl_num_tickets_since());
    assert_eq!(f["awslc"]["since"], "1.2.0");

    let peer = &list[1]["families"]["openssl"];
    assert_eq!(peer["kind"], "macro", "as of 3.0: {peer}");
    assert_eq!(peer["variants"][0]["kind"], "function");
    assert_eq!(peer["variants"][1]["from"], "3.0.0");

    let get1 = &list[2]["families"];
    assert_eq!(get1["openssl"]["since"], "3.0.0");
    for fam in ["libressl", "boringssl"] {
        assert!(get1[fam]["since"].is_null(), "{fam}: {get1}");
        assert!(
            get1[fam]["kind"].is_null() && get1[fam]["effective"].is_null(),
            "{fam}: {get1}"
        );
    }
    assert_eq!(list[3]["kinds"], serde_json::json!(["define"]));
}

#[test]
fn compat_text_and_unknown_api_suggestions() {
    let out = sslprobe(&["compat", "SSL_CTX_set_num_tickets"]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(
        t.contains("LibreSSL   since 3.5.0, function, NO EFFECT"),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "BoringSSL  since API {}",
            boringssl_num_tickets_since()
        )),
        "{t}"
    );

    let out = sslprobe(&["compat", "SSL_CTX_set_num_ticket"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "unknown API \"SSL_CTX_set_num_ticket\"; did you mean SSL_CTX_set_num_tickets"
        ),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = sslprobe(&[
        "compat",
        "--json",
        "SSL_CTX_set_num_tickets",
        "no_such_api_at_all_anywhere",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "one unknown name fails the whole command"
    );
    assert!(out.stdout.is_empty());
}

/// The DB's answer (generated from the catalog), so these tests follow DB corrections.
fn boringssl_num_tickets_since() -> &'static str {
    sslprobe::db()
        .iter()
        .find(|a| a.name == "SSL_CTX_set_num_tickets")
        .and_then(|a| {
            a.families
                .iter()
                .find(|f| f.family == sslprobe::Family::BoringSsl)
        })
        .and_then(|f| f.since)
        .expect("SSL_CTX_set_num_tickets has a BoringSSL row")
}
