//! The control probes under hostile compiler flags, through `sslprobe probe` (the same engine
//! the build script runs): every flag that would let a missing API "link" or a wrong prototype
//! "compile" is caught and named; a flag that only silences diagnostics is left out of the probe
//! commands, so the answers stay right.
//!
//! The libraries are real: the system OpenSSL headers, and a copy of Debian's static libssl
//! with `SSL_CTX_set_num_tickets`/`SSL_set_num_tickets` renamed (`objcopy --redefine-sym`,
//! references inside the library included), i.e. a libssl that exports everything else. Without extra flags that is
//! a header/library mismatch (exit 2).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_sslprobe");
const TMP: &str = env!("CARGO_TARGET_TMPDIR");

/// The scrubbed variables, the system OpenSSL, doctored copies of it (shared with the sslprobe
/// package's tests).
#[path = "../../tests/support/shared.rs"]
mod shared;

/// The system OpenSSL's include directory (`/usr/include`).
fn system_include() -> &'static str {
    shared::system_openssl().include.to_str().unwrap()
}

/// The system OpenSSL's library directory (`/usr/lib/x86_64-linux-gnu`).
fn system_lib() -> &'static str {
    shared::system_openssl().lib_dir.to_str().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn probe(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("probe").args(args);
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_none_or(shared::scrubbed) {
            cmd.env_remove(&k);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run sslprobe")
}

/// A prefix with the system headers and a static libssl missing the two num_tickets symbols.
fn doctored_prefix() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| shared::doctored_prefix(&Path::new(TMP).join("controls-doctored")))
}

fn doctored_args() -> Vec<String> {
    let p = doctored_prefix();
    vec![
        "--include-dir".into(),
        p.join("include").display().to_string(),
        "--lib-dir".into(),
        p.join("lib").display().to_string(),
        "--static".into(),
        "--json".into(),
    ]
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn the_doctored_library_is_a_mismatch_without_flags() {
    let out = probe(&[], &as_strs(&doctored_args()));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("header/library mismatch") && err.contains("SSL_CTX_set_num_tickets"),
        "{err}"
    );
}

/// Every flag that stops the engine from saying "no" is named; nothing is reported present.
#[test]
fn flags_that_break_the_controls_are_named() {
    for flag in [
        "-shared",
        "-c",
        "-S",
        "-E",
        "-fsyntax-only",
        "-r",
        "-Wl,--unresolved-symbols=ignore-all",
        "-Wl,-z,undefs",
        "-Wl,--noinhibit-exec",
    ] {
        let cflags = format!("-O2 {flag}");
        let out = probe(&[("CFLAGS", &cflags)], &as_strs(&doctored_args()));
        let err = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "CFLAGS={cflags}: {err}");
        assert!(out.stdout.is_empty(), "CFLAGS={cflags} printed results");
        assert!(
            err.contains(&format!("the flag `{flag}` makes the C compiler"))
                && err.contains("unable to tell a present API from an absent one"),
            "CFLAGS={cflags}: the flag must be named:\n{err}"
        );
    }
}

/// The system library, unaltered: the baseline every flag below is compared with.
fn baseline() -> &'static Value {
    static B: OnceLock<Value> = OnceLock::new();
    B.get_or_init(|| {
        let out = probe(
            &[],
            &[
                "--include-dir",
                system_include(),
                "--lib-dir",
                system_lib(),
                "--json",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    })
}

fn answers(doc: &Value) -> Vec<(String, bool, Value)> {
    doc["apis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["present"].as_bool().unwrap(),
                a["variant"].clone(),
            )
        })
        .collect()
}

/// `-w` and `-Wno-…` silence the diagnostics the probes turn into errors; they are left out of
/// the probe commands and the log says so; the answers are the baseline's. Forced colour does
/// not break attribution: same number of compiler runs as the baseline.
#[test]
fn diagnostic_flags_cannot_flip_an_answer() {
    let base = baseline();
    for cflags in [
        "-w",
        "-Wno-incompatible-pointer-types -Wno-implicit-function-declaration",
        "-Wno-error=incompatible-pointer-types",
        "-fdiagnostics-color=always",
    ] {
        let log = Path::new(TMP).join(format!("controls-{}.log", cflags.len()));
        let log_s = log.display().to_string();
        let out = probe(
            &[("CFLAGS", cflags)],
            &[
                "--include-dir",
                system_include(),
                "--lib-dir",
                system_lib(),
                "--json",
                "--log",
                &log_s,
            ],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "CFLAGS={cflags}: {err}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answers(&doc), answers(base), "CFLAGS={cflags}");
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(
            log.contains("(last, so they win)"),
            "the log states the flag order"
        );
        if cflags == "-w" {
            assert!(
                err.contains("the compiler flag(s) -w silence the diagnostics")
                    && log.contains("they are left out of the probe commands"),
                "{err}"
            );
        }
        if cflags.starts_with("-fdiagnostics-color") {
            assert_eq!(
                doc["compiler_runs"], base["compiler_runs"],
                "colour must not cost compiler runs"
            );
        }
    }
}

/// Headers declaring `uint32_t SSL_CTX_set_options(SSL_CTX *, uint32_t)` where the DB expects
/// `uint64_t` for OpenSSL 3.0: with or without `-w`, the probe finds `u32` and says DISAGREE,
/// naming the expected and the found kind and variant.
#[test]
fn a_different_prototype_variant_is_a_loud_disagreement() {
    let inc = shared::u32_headers(&Path::new(TMP).join("controls-u32/include"));
    let inc_s = inc.display().to_string();
    for cflags in ["", "-w"] {
        let out = probe(
            &[("CFLAGS", cflags)],
            &["--include-dir", &inc_s, "--lib-dir", system_lib(), "--json"],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "CFLAGS={cflags}: {err}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let a = doc["apis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "SSL_CTX_set_options")
            .unwrap();
        assert_eq!(a["variant"], "u32", "CFLAGS={cflags}: {a}");
        assert_eq!(a["db_agrees"], false, "CFLAGS={cflags}: {a}");
        let line = err
            .lines()
            .find(|l| l.contains("DISAGREE") && l.contains("SSL_CTX_set_options"))
            .unwrap_or_else(|| panic!("CFLAGS={cflags}: no DISAGREE line:\n{err}"));
        assert!(
            line.contains("found it present (function, variant u32)")
                && line.contains("expects it present (function, variant u64)"),
            "{line}"
        );
    }
}

#[test]
fn a_compiler_that_does_nothing_is_not_a_working_compiler() {
    let out = probe(&[("CC", "true")], &[]);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("true is not a working C compiler") && !err.contains("MSVC"),
        "{err}"
    );
}

#[test]
fn missing_libcrypto_is_the_mismatch_the_build_script_reports() {
    let out = probe(
        &[],
        &[
            "--include-dir",
            system_include(),
            "--lib-dir",
            system_lib(),
            "--libs",
            "ssl",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("header/library mismatch") && err.contains("X509_get_signature_nid"),
        "{err}"
    );
}

#[test]
fn a_missing_tmpdir_is_an_error_and_creates_nothing() {
    let root = Path::new(TMP).join("controls-no-such-tmp");
    let _ = std::fs::remove_dir_all(&root);
    let tmp = root.join("a/b");
    let out = probe(&[("TMPDIR", tmp.to_str().unwrap())], &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not exist") && err.contains("TMPDIR"),
        "{err}"
    );
    assert!(!root.exists(), "nothing may be created");
}

#[test]
fn absolute_prelude_headers_are_refused() {
    let out = probe(&[], &["--prelude", "#include </etc/passwd>"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("plain relative header name"), "{err}");
}
