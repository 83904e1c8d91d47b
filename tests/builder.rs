//! `sslprobe_build::Probe` from real build scripts: the example crate
//! (`examples/downstream-server/`, built and run with `RUSTFLAGS="-D warnings"`), and scratch
//! crates for the kinds, the overrides, bad input, and a crate without sslprobe in its graph.
//!
//! Against the system OpenSSL (Debian's libssl-dev) and OpenSSL 1.1.1w from the matrix cache
//! (`cargo xtask test` builds it): `SSL_CTX_set_block_padding` exists in both, its `_ex`
//! variant (OpenSSL 3.4) in neither — and nobody hard-codes that: the answers are compared
//! with the symbols `nm` finds in the very libssl each build links.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::*;

fn target() -> &'static SharedTarget {
    static T: OnceLock<SharedTarget> = OnceLock::new();
    T.get_or_init(|| SharedTarget::new(Path::new(TMP).join("builder/target")))
}

/// Whether `lib` (a `.a` or `.so`) defines `symbol` (`nm`, dynamic table for shared ones).
fn defines(lib: &Path, symbol: &str) -> bool {
    let shared = lib.extension().is_some_and(|e| e != "a");
    let out = Command::new("nm")
        .args(if shared {
            &["-D", "--defined-only"][..]
        } else {
            &["--defined-only"][..]
        })
        .arg(lib)
        .output()
        .expect("nm (binutils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .any(|name| name.split('@').next() == Some(symbol))
}

/// The example crate, staged with its path dependencies pointing at this workspace.
fn stage_example(dir: &Path) {
    let src = repo("examples/downstream-server");
    for f in ["Cargo.toml", "build.rs", "src/main.rs"] {
        let mut text = read(&src.join(f));
        if f == "Cargo.toml" {
            text = text
                .replace(
                    "path = \"../../sslprobe-build\"",
                    &format!("path = {:?}", repo("sslprobe-build")),
                )
                .replace("path = \"../..\"", &format!("path = {REPO:?}"));
            assert!(
                !text.contains("\"../"),
                "every path dependency rewritten:\n{text}"
            );
        }
        write(&dir.join(f), &text);
    }
    copy_lock(dir);
}

fn run_example(env: &[(&str, &std::ffi::OsStr)], lib: &Path) {
    let dir = Path::new(TMP).join("builder/example");
    stage_example(&dir);
    let _g = target().lock();
    let b = Cargo::new("build", &dir, &target().dir)
        .envs(env.iter().copied())
        .envs([("RUSTFLAGS", "-D warnings")])
        .run();
    b.expect_ok("examples/downstream-server with -D warnings");
    let out = b.run_executable("sslprobe-example-server");
    let padding = out
        .lines()
        .find_map(|l| l.strip_prefix("custom SSL_CTX_set_block_padding: "))
        .unwrap_or_else(|| panic!("no padding line:\n{out}"));
    assert_eq!(
        padding.starts_with("set (SSL_CTX_set_block_padding returned 1)"),
        defines(lib, "SSL_CTX_set_block_padding"),
        "the custom probe must agree with the library's symbols ({}):\n{out}",
        lib.display()
    );
    assert!(out.contains("handshake: TLSv1."), "{out}");
    assert!(out.contains("SSL_OP_NO_TICKET set"), "{out}");
    // The define's value was captured by the preprocessor and read back as data.
    let value = out
        .lines()
        .find_map(|l| l.strip_prefix("custom SSL_OP_NO_RENEGOTIATION: "))
        .unwrap();
    assert!(
        value.contains("30") || value.contains("0x40000000"),
        "{out}"
    );
    // The custom cfgs are declared (check-cfg) whether found or not: -D warnings passed, and
    // the _ex variant is declared but, where the library lacks it, not set.
    let script = b
        .script("sslprobe-example-server")
        .expect("build script ran");
    assert_eq!(
        script.cfgs.contains("have_ssl_ctx_set_block_padding_ex"),
        defines(lib, "SSL_CTX_set_block_padding_ex")
    );
    // The catalog's own cfgs come with the same call.
    assert!(
        script.cfgs.iter().any(|c| c.starts_with("sslprobe_")),
        "{:?}",
        script.cfgs
    );
}

#[test]
fn example_server_against_the_system_openssl() {
    let sys = support::shared::system_openssl();
    run_example(&[], &sys.lib_dir.join("libssl.so"));
}

#[test]
fn example_server_against_openssl_1_1_1w() {
    let prefix = support::shared::cached_openssl("1.1.1w");
    run_example(
        &[
            ("OPENSSL_DIR", prefix.as_os_str()),
            ("OPENSSL_STATIC", "1".as_ref()),
        ],
        &prefix.join("lib/libssl.a"),
    );
}

/// A scratch crate whose build script is `body` (inside `fn main`), depending on sslprobe
/// (`with_sslprobe`) or not.
fn scratch(name: &str, body: &str, with_sslprobe: bool) -> PathBuf {
    // A directory named unlike the package, so that cargo's package id spells the name.
    let dir = Path::new(TMP).join("builder").join(format!("{name}-crate"));
    let deps = if with_sslprobe {
        vec![sslprobe_dep("")]
    } else {
        vec![]
    };
    let build = format!("fn main() {{\n{body}\n}}\n");
    Crate {
        name,
        dependencies: &deps,
        build_dependencies: &[sslprobe_build_dep()],
        own_workspace: true,
        files: &[("build.rs", &build), ("src/main.rs", "fn main() {}\n")],
    }
    .write(&dir);
    dir
}

/// Every kind, answered against the system library and checked against what the headers and
/// the library say by other means (the preprocessor, `nm`).
#[test]
fn every_kind_answers_like_the_library() {
    let body = r#"
    let a = sslprobe_build::Probe::new()
        .include("openssl/ocsp.h")
        .include("time.h")
        .function("SSL_CTX_new", "SSL_CTX *(*)(const SSL_METHOD *)")
        .function("SSL_CTX_set_timeout", "int (*)(SSL_CTX *, long)")
        .function_name("OCSP_response_status")
        .function_name("SSL_definitely_not_a_function")
        .macro_name("SSL_CTX_set_tlsext_status_cb")
        .define("SSL_OP_NO_TICKET")
        .define("SSL_NO_SUCH_DEFINE")
        .type_name("OSSL_LIB_CTX")
        .type_name("struct sslprobe_no_such_type")
        .type_name("struct tm")
        .member("struct tm", "tm_gmtoff")
        .emit()
        .expect("sslprobe");
    for x in &a.answers {
        println!("cargo:warning=answer {} {} {:?}", x.name, x.present, x.value);
    }
"#;
    let dir = scratch("kinds", body, false);
    let _g = target().lock();
    let b = Cargo::new("build", &dir, &target().dir).run();
    b.expect_ok("every kind");
    let w = b.warnings().join("\n");
    let answer = |n: &str| {
        w.lines()
            .find(|l| l.contains(&format!("answer {n} ")))
            .unwrap_or_else(|| panic!("{n}:\n{w}"))
            .to_string()
    };
    assert!(answer("SSL_CTX_new").contains(" true "), "{w}");
    // A wrong prototype is an honest "no" (SSL_CTX_set_timeout returns long).
    assert!(answer("SSL_CTX_set_timeout").contains(" false "), "{w}");
    assert!(answer("OCSP_response_status").contains(" true "), "{w}");
    assert!(
        answer("SSL_definitely_not_a_function").contains(" false "),
        "{w}"
    );
    assert!(
        answer("SSL_CTX_set_tlsext_status_cb").contains(" true "),
        "{w}"
    );
    assert!(answer("SSL_OP_NO_TICKET").contains("Some("), "{w}");
    assert!(answer("SSL_NO_SUCH_DEFINE").contains(" false None"), "{w}");
    assert!(
        answer("OSSL_LIB_CTX").contains(" true "),
        "OpenSSL 3 has it: {w}"
    );
    // A struct must be complete (a pointer to an undeclared struct would always compile).
    assert!(answer("sslprobe_no_such_type").contains(" false "), "{w}");
    assert!(answer("tm").contains(" true "), "{w}");
    assert!(
        answer("tm_tm_gmtoff").contains(" true "),
        "glibc has it: {w}"
    );
    let s = b.script("kinds").unwrap();
    assert!(s.cfgs.contains("have_ssl_ctx_new") && !s.cfgs.contains("have_ssl_ctx_set_timeout"));
    // Without sslprobe in the graph there are no catalog cfgs, only the names asked.
    assert!(
        !s.cfgs.iter().any(|c| c.starts_with("sslprobe_")),
        "{:?}",
        s.cfgs
    );
    let log = read(&s.out_dir.join("sslprobe.log"));
    // The sanity probe is in the batch (by its function name: the request asks for
    // SSL_CTX_new too, so the API name alone would prove nothing).
    assert!(log.contains("sslprobe_sanity__SSL_CTX_new"), "{log}");
    assert!(log.contains("control probes: as expected"), "{log}");
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let body = r#"
    sslprobe_build::Probe::new()
        .function("SSL_CTX_new", "int")
        .emit()
        .expect("sslprobe");
"#;
    let dir = scratch("badproto", body, false);
    let _g = target().lock();
    let b = Cargo::new("build", &dir, &target().dir).run();
    b.expect_error(
        "badproto",
        &["of SSL_CTX_new is not a function-pointer type"],
    );
    let body = r#"
    sslprobe_build::Probe::new()
        .function("SSL_x; system(0)", "int (*)(void)")
        .include("/etc/passwd")
        .emit()
        .expect("sslprobe");
"#;
    let dir = scratch("badnames", body, false);
    let b = Cargo::new("build", &dir, &target().dir).run();
    b.expect_error(
        "badnames",
        &[
            "is not a C identifier",
            "is not a plain relative header name",
        ],
    );
}

#[test]
fn overrides_and_no_probe_work_for_custom_names() {
    let body = r#"
    let a = sslprobe_build::Probe::new()
        .function_name("SSL_CTX_new")
        .function_name("SSL_made_up_name")
        .emit()
        .expect("sslprobe");
    println!("cargo:warning=runs {}", a.compiler_runs);
"#;
    let dir = scratch("overrides", body, true);
    let _g = target().lock();
    let b = Cargo::new("build", &dir, &target().dir)
        .envs([
            ("SSLPROBE_HAVE_SSL_CTX_NEW", "0"),
            ("SSLPROBE_HAVE_SSL_MADE_UP_NAME", "1"),
        ])
        .run();
    b.expect_ok("both forced");
    let s = b.script("overrides").unwrap();
    assert!(s.cfgs.contains("have_ssl_made_up_name") && !s.cfgs.contains("have_ssl_ctx_new"));
    assert!(
        b.warnings().iter().any(|w| w.contains("runs 0")),
        "nothing probed"
    );
    let b = Cargo::new("build", &dir, &target().dir)
        .envs([
            ("SSLPROBE_NO_PROBE", "1"),
            ("SSLPROBE_ASSUME", "openssl-3.0.13"),
            ("SSLPROBE_HAVE_SSL_CTX_NEW", "1"),
        ])
        .run();
    b.expect_error(
        "overrides",
        &[
            "every name this build script asks for needs an override",
            "SSLPROBE_HAVE_SSL_MADE_UP_NAME=0|1",
        ],
    );
}
