//! The batched engine gives exactly the results of probing one variant at a time — over the
//! real catalog against the system OpenSSL (and an older library from the matrix cache, which
//! `cargo xtask test` builds), through the attributing path and through forced bisection — and attributes
//! each kind of failure (undeclared, wrong prototype, `#error`, missing header, undefined symbol
//! at link time with GNU ld, gold, lld and mold) in a single batch round.
//!
//! Real compilers, real linkers, real libraries: nothing here is mocked. Timing is not asserted
//! (that is `cargo xtask bench`); compiler-run counts are.

use sslprobe_build::compiler::Compiler;
use sslprobe_build::locate::{self, Location, MapEnv};
use sslprobe_build::probe::{Log, Mode, Prober, Results};
use sslprobe_build::Catalog;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Compiler runs of the control probes, part of every run (the undeclared call and the wrong
/// pointer type in one unit, the undefined symbol in another, beside the first round).
const CONTROL_RUNS: usize = 2;

fn host_triple() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let out = Command::new(rustc)
            .arg("-vV")
            .output()
            .expect("run rustc -vV");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .expect("rustc -vV prints the host")
            .trim()
            .to_string()
    })
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("batching")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

fn real_catalog() -> Catalog {
    Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../probes"))
        .expect("load probes/")
        .0
}

/// The system OpenSSL, located exactly as a build script with no OPENSSL_* variables would.
fn system_location() -> Location {
    locate::locate(&MapEnv::new(), host_triple())
        .expect("locate the system OpenSSL (Debian: libssl-dev)")
}

#[derive(Clone, Copy, Debug)]
enum How {
    Batched,
    OneAtATime,
    Bisect,
}

fn probe(catalog: &Catalog, loc: &Location, how: How, name: &str) -> (Results, String) {
    let cc = Compiler::for_target(host_triple()).expect("a C compiler");
    probe_with(cc, catalog, loc, &[], how, name)
}

fn probe_with(
    cc: Compiler,
    catalog: &Catalog,
    loc: &Location,
    prelude: &[String],
    how: How,
    name: &str,
) -> (Results, String) {
    let dir = scratch(&format!("{name}-{how:?}"));
    let prober = Prober::new(cc, loc.clone(), &dir)
        .and_then(|p| p.prelude(prelude))
        .expect("prober");
    let prober = match how {
        How::Batched => prober.mode(Mode::Batched),
        How::OneAtATime => prober.mode(Mode::OneAtATime),
        How::Bisect => prober.mode(Mode::Batched).force_bisect(true),
    };
    let mut log = Log::in_memory();
    let r = prober
        .run(catalog, &mut log)
        .unwrap_or_else(|e| panic!("{name} {how:?}: {e}\n--- log:\n{}", log.text()));
    let _ = std::fs::remove_dir_all(&dir);
    (r, log.text().to_string())
}

/// Asserts that every way of probing gives the same per-API results (presence, kind, variant,
/// failure excerpt, DB comparison) and returns the batched run.
fn assert_all_modes_agree(catalog: &Catalog, loc: &Location, name: &str) -> (Results, String) {
    let (batched, blog) = probe(catalog, loc, How::Batched, name);
    let (single, _) = probe(catalog, loc, How::OneAtATime, name);
    let (bisect, xlog) = probe(catalog, loc, How::Bisect, name);
    for (other, what) in [(&single, "one at a time"), (&bisect, "forced bisection")] {
        assert_eq!(
            batched.library, other.library,
            "{name}: identification differs ({what})"
        );
        for (b, o) in batched.apis.iter().zip(&other.apis) {
            assert_eq!(
                b, o,
                "{name}: batched and {what} disagree on {}\n--- batched log:\n{blog}",
                b.name
            );
        }
        assert_eq!(batched.apis.len(), other.apis.len());
    }
    let variants: usize = catalog.apis.iter().map(|a| a.variants.len()).sum();
    assert!(
        single.compiler_runs > variants,
        "{name}: one at a time must compile every variant on its own ({} runs for {variants} variants)",
        single.compiler_runs
    );
    assert!(
        xlog.contains("bisect: "),
        "{name}: forced bisection did not bisect:\n{xlog}"
    );
    (batched, blog)
}

fn assert_headers(r: &Results) {
    assert!(
        r.headers.iter().any(|h| h.ends_with("openssl/ssl.h")),
        "headers must include openssl/ssl.h: {:?}",
        r.headers
    );
    for h in &r.headers {
        assert!(
            h.is_absolute() && h.is_file(),
            "header {} is not an existing absolute path",
            h.display()
        );
        assert!(
            !h.to_string_lossy().contains("sslprobe-scratch"),
            "a scratch file leaked into headers: {}",
            h.display()
        );
    }
}

#[test]
fn real_catalog_system_openssl_all_modes_agree() {
    let catalog = real_catalog();
    let loc = system_location();
    let (r, log) = assert_all_modes_agree(&catalog, &loc, "system");
    // The catalog has multi-variant APIs, so some variants fail even on the newest library:
    // the attributing path is exercised, not just the all-pass one.
    let variants: usize = catalog.apis.iter().map(|a| a.variants.len()).sum();
    assert!(
        variants > catalog.apis.len(),
        "the catalog should have APIs with several variants"
    );
    assert!(
        r.apis.iter().any(|a| a.present),
        "nothing present in the system OpenSSL?\n{log}"
    );
    // identify + one round of two units (the expected winners, the expected failures), maybe a
    // second if the DB is wrong somewhere: never one run per probe.
    assert!(
        r.compiler_runs <= 4 + CONTROL_RUNS,
        "batched probing took {} compiler runs:\n{log}",
        r.compiler_runs
    );
    assert!(
        !log.contains("bisecting"),
        "the system toolchain's output must be attributed, not bisected:\n{log}"
    );
    assert!(log.contains("planning from the version header"), "{log}");
    assert!(
        !log.contains("the version header suggested"),
        "the header text guess should match identification:\n{log}"
    );
    assert_headers(&r);
}

/// One synthetic API: name, `variants = [...]` entries, the probe file, and what its knowledge
/// DB says for OpenSSL (the engine plans its first round from it; results never depend on it).
type SynApi = (&'static str, &'static str, &'static str, &'static str);

/// A catalog written to a temporary directory. With `db_knows`, each API's OpenSSL DB entry is
/// the given one; without, every API is claimed present since 1.0.2 (a DB that is wrong about
/// everything missing, which must cost rounds, never correctness).
fn synthetic(name: &str, apis: &[SynApi], db_knows: bool) -> Catalog {
    let dir = scratch(&format!("catalog-{name}"));
    let mut toml = String::new();
    for (api, variants, file, db) in apis {
        let db = if db_knows {
            db
        } else {
            "{ since = \"1.0.2\" }"
        };
        toml.push_str(&format!(
            "[[api]]\nname = \"{api}\"\ndoc = \"test\"\nvariants = [ {variants} ]\n[api.db]\n\
             openssl = {db}\nlibressl = {{ since = \"never\" }}\n\
             boringssl = {{ since = \"never\" }}\nawslc = {{ since = \"never\" }}\n\n"
        ));
        std::fs::write(dir.join(format!("{}.c", api.to_ascii_lowercase())), file)
            .expect("write probe");
    }
    std::fs::write(dir.join("catalog.toml"), toml).expect("write catalog");
    Catalog::load(&dir).expect("load synthetic catalog").0
}

const PRESENT: &str = r#"{ since = "1.0.2" }"#;
const ABSENT: &str = r#"{ since = "never" }"#;
const FN: &str = r#"{ name = "fn", kind = "function", rust = "()" }"#;

fn present_api() -> SynApi {
    (
        "SSL_CTX_set_verify_depth",
        r#"{ name = "wrong", kind = "function", rust = "()" }, { name = "right", kind = "function", rust = "()" }"#,
        "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(wrong)\n{\n    int (*volatile p)(SSL_CTX *, char *) = SSL_CTX_set_verify_depth;\n    (void)p;\n}\n\n\
         SSLPROBE_VARIANT(right)\n{\n    void (*volatile p)(SSL_CTX *, int) = SSL_CTX_set_verify_depth;\n    (void)p;\n}\n",
        r#"{ since = "1.0.2", variant = "right" }"#,
    )
}

fn compile_failures() -> Vec<SynApi> {
    vec![
        present_api(),
        (
            "SSL_CTX_definitely_missing",
            FN,
            "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(fn)\n{\n    int (*volatile p)(SSL_CTX *) = SSL_CTX_definitely_missing;\n    (void)p;\n}\n",
            ABSENT,
        ),
        (
            "SSLPROBE_NOT_A_MACRO",
            r#"{ name = "macro", kind = "macro" }"#,
            "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(macro)\n{\n#ifndef SSLPROBE_NOT_A_MACRO\n#error \"SSLPROBE_NOT_A_MACRO is not a macro here\"\n#endif\n}\n",
            ABSENT,
        ),
    ]
}

/// A present API with a single variant: it adds no compile failure of its own.
fn plain_present_api() -> SynApi {
    (
        "SSL_CTX_new",
        FN,
        "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(fn)\n{\n    SSL_CTX *(*volatile p)(const SSL_METHOD *) = SSL_CTX_new;\n    (void)p;\n}\n",
        PRESENT,
    )
}

fn link_failures() -> Vec<SynApi> {
    vec![
        plain_present_api(),
        (
            "SSL_CTX_declared_missing",
            FN,
            "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(fn)\n{\n    extern int SSL_CTX_declared_missing(SSL_CTX *);\n    \
             int (*volatile p)(SSL_CTX *) = SSL_CTX_declared_missing;\n    (void)p;\n}\n",
            ABSENT,
        ),
        (
            "SSL_declared_missing_twice",
            FN,
            "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(fn)\n{\n    extern int SSL_missing_one(SSL *);\n    extern int SSL_missing_two(SSL *);\n    \
             int (*volatile p)(SSL *) = SSL_missing_one;\n    p = SSL_missing_two;\n    (void)p;\n}\n",
            ABSENT,
        ),
    ]
}

fn header_failure() -> Vec<SynApi> {
    vec![
        plain_present_api(),
        (
            "SSL_from_a_missing_header",
            FN,
            "#include <openssl/ssl.h>\n#include <openssl/sslprobe_definitely_missing.h>\n\nSSLPROBE_VARIANT(fn)\n{\n    (void)0;\n}\n",
            ABSENT,
        ),
    ]
}

fn failure_of<'a>(r: &'a Results, api: &str) -> &'a str {
    let a = r.get(api).unwrap_or_else(|| panic!("{api} not in results"));
    assert!(!a.present, "{api} should be absent");
    a.failure
        .as_deref()
        .unwrap_or_else(|| panic!("{api} has no failure excerpt"))
}

fn assert_verify_depth_right(r: &Results) {
    let a = r.get("SSL_CTX_set_verify_depth").expect("present api");
    assert!(a.present, "SSL_CTX_set_verify_depth must be present");
    assert_eq!(
        a.variant.as_deref(),
        Some("right"),
        "the wrong prototype must not win"
    );
}

/// `apis` in a catalog the DB knows, probed against the system library in every mode (all
/// agree); batched, it takes identify + one round of two units (+ the controls): the failures
/// beside the expected winners are all attributed at once.
fn in_one_round(name: &str, apis: &[SynApi]) -> (Results, String) {
    let catalog = synthetic(name, apis, true);
    let (r, log) = assert_all_modes_agree(&catalog, &system_location(), name);
    assert_eq!(r.compiler_runs, 3 + CONTROL_RUNS, "{log}");
    (r, log)
}

#[test]
fn compile_failures_are_attributed_in_one_round() {
    let (r, log) = in_one_round("compile", &compile_failures());
    assert_verify_depth_right(&r);
    // The diagnostic points into the probe file (line 5, column 36: the name), via `#line`.
    let missing = failure_of(&r, "SSL_CTX_definitely_missing");
    assert!(
        missing.starts_with("probes/ssl_ctx_definitely_missing.c:5:36: error:"),
        "{missing}"
    );
    assert!(failure_of(&r, "SSLPROBE_NOT_A_MACRO").contains("#error"));
    assert!(
        log.contains("incompatible pointer type"),
        "the wrong prototype must fail by diagnostic:\n{log}"
    );
    assert_headers(&r);
}

#[test]
fn link_failures_are_attributed_in_one_round() {
    let (r, _) = in_one_round("link", &link_failures());
    assert!(r.get("SSL_CTX_new").is_some_and(|a| a.present));
    assert!(failure_of(&r, "SSL_CTX_declared_missing")
        .contains("undefined reference to `SSL_CTX_declared_missing'"));
    let two = failure_of(&r, "SSL_declared_missing_twice");
    assert!(
        two.contains("SSL_missing_one") && two.contains("SSL_missing_two"),
        "{two}"
    );
}

#[test]
fn missing_header_is_attributed_in_one_round() {
    let (r, _) = in_one_round("header", &header_failure());
    assert!(r.get("SSL_CTX_new").is_some_and(|a| a.present));
    assert!(failure_of(&r, "SSL_from_a_missing_header").contains("sslprobe_definitely_missing.h"));
}

#[test]
fn every_failure_kind_at_once_with_a_wrong_db() {
    let mut apis = compile_failures();
    apis.extend(link_failures());
    apis.extend(header_failure().into_iter().skip(1));
    // The DB claims everything present: the plan is wrong, so every failure lands in the unit
    // expected to pass. A missing header stops the compiler (a fatal error), so rounds follow
    // the stages: the header, then the compile errors, then the link errors, then a pass.
    let catalog = synthetic("all", &apis, false);
    let (r, log) = assert_all_modes_agree(&catalog, &system_location(), "all");
    assert!(
        r.compiler_runs <= 6 + CONTROL_RUNS,
        "{} runs:\n{log}",
        r.compiler_runs
    );
    assert!(!log.contains("bisecting"), "{log}");
    assert_eq!(r.apis.iter().filter(|a| !a.present).count(), 5, "{log}");
    assert_verify_depth_right(&r);
}

/// Runs one `#[ignore]`d child test of this binary with `CFLAGS=-fuse-ld=<linker>`: the C
/// compiler (through the `cc` crate) then links with that linker. A child process, because the
/// environment is process-wide and the other tests run in parallel.
fn with_linker(linker: &str, program: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success());
    assert!(
        matches!(found, Ok(true)),
        "{program} is not installed: `cargo xtask test` installs it (Debian: apt install {})",
        if linker == "gold" { "binutils" } else { linker }
    );
    let exe = std::env::current_exe().expect("current test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "linker_child",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CFLAGS", format!("-fuse-ld={linker}"))
        .env("SSLPROBE_TEST_LINKER", linker)
        .output()
        .expect("run the child test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "linker {linker}:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child test did not run:\n{text}"
    );
}

#[test]
#[ignore = "run by the *_linker tests in a child process with CFLAGS=-fuse-ld=..."]
fn linker_child() {
    let linker = std::env::var("SSLPROBE_TEST_LINKER").expect("set by the parent test");
    let catalog = synthetic(&format!("linker-{linker}"), &link_failures(), true);
    let (r, log) =
        assert_all_modes_agree(&catalog, &system_location(), &format!("linker-{linker}"));
    assert!(
        log.contains(&format!("-fuse-ld={linker}")),
        "CFLAGS did not reach the compiler:\n{log}"
    );
    assert_eq!(r.compiler_runs, 3 + CONTROL_RUNS, "{log}");
    assert!(failure_of(&r, "SSL_CTX_declared_missing").contains("SSL_CTX_declared_missing"));
}

#[test]
fn gold_linker() {
    with_linker("gold", "ld.gold");
}

#[test]
fn lld_linker() {
    with_linker("lld", "ld.lld");
}

#[test]
fn mold_linker() {
    with_linker("mold", "mold");
}

/// The system OpenSSL and the matrix cache's libraries (shared with the sslprobe package's tests).
#[path = "../../tests/support/shared.rs"]
mod shared;

/// OpenSSL 1.1.0i, where a third of the catalog or more is missing, from the matrix cache (which
/// `cargo xtask test` fills).
#[test]
fn real_catalog_openssl_1_1_0i_all_modes_agree() {
    let prefix = shared::cached_openssl("1.1.0i");
    let loc = locate::from_prefix(&prefix, None).expect("the cached 1.1.0i prefix");
    let catalog = real_catalog();
    let (r, log) = assert_all_modes_agree(&catalog, &loc, "openssl-1.1.0i");
    assert_eq!(r.library.version.to_string(), "1.1.0i", "{log}");
    let absent = r.apis.iter().filter(|a| !a.present).count();
    assert!(absent > 0, "1.1.0i lacks the TLS 1.3 APIs:\n{log}");
    assert!(
        !r.get("SSL_CTX_set_num_tickets").is_some_and(|a| a.present),
        "SSL_CTX_set_num_tickets is 1.1.1+"
    );
    assert!(
        r.compiler_runs <= 5 + CONTROL_RUNS,
        "{} runs:\n{log}",
        r.compiler_runs
    );
    assert!(!log.contains("bisecting"), "{log}");
    assert_headers(&r);
    assert!(
        r.headers.iter().any(|h| h.starts_with(&prefix)),
        "headers must come from the prefix: {:?}",
        r.headers
    );
}

/// wolfSSL's compatibility layer: names are object-like macros over `wolfSSL_*` functions, so a
/// failing probe's error points into wolfSSL's header, not the probe file. The enclosing
/// function (`In function 'sslprobe_…'`) still attributes it: no bisection, same answers in
/// every mode, and `SSL_CTX_set_num_tickets` found through the macro alias.
#[test]
fn wolfssl_compat_layer_attributed_without_bisection() {
    let inc = Path::new("/usr/include/wolfssl");
    // Debian's multiarch library directory, where libssl is too.
    let lib = shared::system_openssl().lib_dir.as_path();
    assert!(
        inc.join("openssl/ssl.h").is_file() && lib.join("libwolfssl.so").exists(),
        "Debian's libwolfssl-dev is not installed: `cargo xtask test` installs it \
         (as `cargo xtask libs --libs wolfssl-debian` does)"
    );
    let loc = locate::from_dirs_with_libs(inc, lib, None, std::ffi::OsStr::new("wolfssl"))
        .expect("wolfSSL location");
    let catalog = real_catalog();
    let prelude = ["#include <wolfssl/options.h>".to_string()];
    let run = |how: How| {
        let cc = Compiler::for_target(host_triple()).expect("a C compiler");
        probe_with(cc, &catalog, &loc, &prelude, how, "wolfssl")
    };
    let (batched, log) = run(How::Batched);
    let (single, _) = run(How::OneAtATime);
    assert_eq!(batched.library.family, sslprobe_build::Family::WolfSsl);
    for (b, s) in batched.apis.iter().zip(&single.apis) {
        assert_eq!(
            (b.present, b.kind, &b.variant),
            (s.present, s.kind, &s.variant),
            "{}",
            b.name
        );
    }
    assert!(!log.contains("bisecting"), "{log}");
    assert!(
        batched.compiler_runs <= 5 + CONTROL_RUNS,
        "{} runs:\n{log}",
        batched.compiler_runs
    );
    let t = batched.get("SSL_CTX_set_num_tickets").unwrap();
    assert!(
        t.present && t.kind == Some(sslprobe_build::Kind::Function),
        "{t:?}"
    );
}
