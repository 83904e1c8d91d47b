//! Hostile build environments: each case builds a scratch crate with ONE thing broken and
//! asserts a clear diagnostic — never a silent "absent".
//!
//! Two scratch crates are generated under `$CARGO_TARGET_TMPDIR/hostile`:
//!
//! - **engine**: a crate whose `build.rs` is `sslprobe_build::build_script::run(<this repo's
//!   probes/>)`. It has no `openssl-sys` dependency, so what a case breaks reaches sslprobe's
//!   engine first (with `openssl-sys` in the graph, its own build script would fail first on a
//!   bad `CC` or `OPENSSL_DIR`). This is the real build-script path: cargo, `TARGET`, `OUT_DIR`,
//!   the environment, `cargo:` lines.
//! - **downstream**: a binary crate depending on `sslprobe` by path, printing `build_info()`.
//!
//! All builds share one target directory (whose path contains a space, so every case also
//! exercises an `OUT_DIR` with a space), run `--offline` with this workspace's `Cargo.lock`, and
//! pass `--target <host>` so that host build dependencies are compiled once for every case,
//! the cross case included. Builds are serialised by a lock (they share that target directory).
//! The harness (scratch crates, the one scrubbed environment, cargo's JSON messages) is
//! `tests/support`.
//!
//! The baseline is the system library (Debian's libssl-dev). "Same results" means the same
//! `## result:` lines in `sslprobe.log` and the same cfgs as the baseline engine build.

mod support;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{MutexGuard, OnceLock};
use std::time::SystemTime;
use support::shared::{self, system_openssl};
use support::{read, system_prefix, write, Build, Cargo, Crate, Parts, Script};
use support::{SharedTarget, REPO, TMP};

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

struct Fixture {
    root: PathBuf,
    target: SharedTarget,
    engine: PathBuf,
    /// The system's headers and shared libraries assembled into an `OPENSSL_DIR` prefix with
    /// symlinks (include/openssl, lib/libssl.so, lib/libcrypto.so; no static libraries).
    prefix: PathBuf,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn lock() -> MutexGuard<'static, ()> {
    fx().target.lock()
}

fn engine_build_rs(probes: &Path) -> String {
    format!(
        "fn main() {{\n    let probes = std::path::Path::new({:?});\n    if let Err(e) = sslprobe_build::build_script::run(probes) {{\n        eprintln!(\"\\nerror: {{e}}\\n\");\n        std::process::exit(1);\n    }}\n}}\n",
        probes.to_str().expect("UTF-8 probes path")
    )
}

/// An engine crate in `dir` named `name`, running the catalog in `probes`.
fn make_engine(dir: &Path, name: &str, probes: &Path, own_workspace: bool) {
    Crate {
        name,
        dependencies: &[],
        build_dependencies: &[support::sslprobe_build_dep()],
        own_workspace,
        files: &[
            ("build.rs", &engine_build_rs(probes)),
            (
                "src/lib.rs",
                "//! hostile-environment fixture: all the work is in build.rs\n",
            ),
        ],
    }
    .write(dir);
}

fn make_downstream(dir: &Path, name: &str) {
    Crate {
        name,
        dependencies: &[support::sslprobe_dep("")],
        build_dependencies: &[],
        own_workspace: true,
        files: &[(
            "src/main.rs",
            "fn main() {\n    let i = sslprobe::build_info();\n    println!(\"library {}\", i.describe());\n    println!(\"overrides {:?}\", i.overrides);\n    for a in i.apis {\n        println!(\"api {} present={} variant={:?} source={}\", a.name, a.present, a.variant, a.source);\n    }\n}\n",
        )],
    }
    .write(dir);
}

fn fx() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let root = Path::new(TMP).join("hostile");
        std::fs::create_dir_all(&root).unwrap();
        let engine = root.join("engine");
        make_engine(&engine, "hostile-engine", &support::repo("probes"), true);
        Fixture {
            target: SharedTarget::new(root.join("scratch target")),
            prefix: system_prefix(&root.join("prefixes/debian"), Parts::Whole, &[]),
            root,
            engine,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Running cargo
// ---------------------------------------------------------------------------------------------

/// `cargo build` of the crate in `dir` into the shared target directory, for the host unless
/// `args` name a `--target` (so host build dependencies are compiled once for every case).
fn cargo_cmd(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Cargo {
    let target: &[&str] = if args.iter().any(|a| a.starts_with("--target")) {
        &[]
    } else {
        &["--target", support::host()]
    };
    Cargo::new("build", dir, &fx().target.dir)
        .args(target)
        .args(args)
        .envs(env.iter().copied())
}

fn cargo(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Build {
    cargo_cmd(dir, args, env).run()
}

fn engine(env: &[(&str, &OsStr)]) -> Build {
    cargo(&fx().engine, &[], env)
}

/// This repository's catalog.
fn catalog() -> sslprobe_build::Catalog {
    sslprobe_build::Catalog::load(&support::repo("probes"))
        .unwrap()
        .0
}

fn os(s: impl Into<OsString>) -> OsString {
    s.into()
}

/// The `## result:` lines of a log.
fn result_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.starts_with("## result: "))
        .map(str::to_string)
        .collect()
}

struct Baseline {
    results: Vec<String>,
    cfgs: BTreeSet<String>,
}

static BASELINE: OnceLock<Baseline> = OnceLock::new();

/// The engine built in the untouched environment. Call before taking the build lock.
fn baseline() -> &'static Baseline {
    BASELINE.get_or_init(|| {
        let _g = lock();
        let b = engine(&[]);
        b.expect_ok("baseline engine build");
        let s = b
            .script("hostile-engine")
            .expect("baseline build script ran");
        let log = read(&s.out_dir.join("sslprobe.log"));
        let results = result_lines(&log);
        let catalog = catalog();
        assert_eq!(
            results.len(),
            catalog.apis.len(),
            "one result per API:\n{log}"
        );
        assert!(
            results.iter().all(|r| r.ends_with("[source: probe]")),
            "{results:#?}"
        );
        // The system library is a complete OpenSSL 3: the motivating APIs are there.
        for api in [
            "SSL_CTX_set_num_tickets",
            "SSL_OP_NO_TICKET",
            "SSL_CTX_set_keylog_callback",
        ] {
            assert!(
                results
                    .iter()
                    .any(|r| r.starts_with(&format!("## result: {api} present"))),
                "{api}: {results:#?}"
            );
            assert!(
                s.cfgs.contains(&sslprobe_build::catalog::cfg_name(api)),
                "{api}: {:?}",
                s.cfgs
            );
        }
        Baseline {
            results,
            cfgs: s.cfgs,
        }
    })
}

/// The build succeeded and its results are the baseline's.
fn expect_baseline_results(b: &Build, pkg: &str, what: &str) -> Script {
    b.expect_ok(what);
    let s = b
        .script(pkg)
        .unwrap_or_else(|| panic!("{what}: no build-script-executed message for {pkg}"));
    let log = read(&s.out_dir.join("sslprobe.log"));
    let base = baseline();
    assert_eq!(
        result_lines(&log),
        base.results,
        "{what}: results differ from the baseline; log:\n{log}"
    );
    assert_eq!(s.cfgs, base.cfgs, "{what}: cfgs differ from the baseline");
    s
}

// ---------------------------------------------------------------------------------------------
// The C toolchain
// ---------------------------------------------------------------------------------------------

/// README row: `CC=/nonexistent/cc`
#[test]
fn cc_names_a_missing_program() {
    baseline();
    let _g = lock();
    let b = engine(&[("CC", &os("/nonexistent/hostile-cc"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "C toolchain error: could not run the C compiler /nonexistent/hostile-cc",
            "No such file or directory",
            "CC=\"/nonexistent/hostile-cc\"",
        ],
    );
}

/// README row: `CC=false`
#[test]
fn cc_is_false() {
    baseline();
    let _g = lock();
    let b = engine(&[("CC", &os("false"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "sslprobe sanity probe failed",
            "not a missing API",
            "the C compiler false (from CC=\"false\") failed without printing anything",
            "needs no OpenSSL",
        ],
    );
}

/// README row: `CFLAGS="-Werror -Wall -Wextra"`
#[test]
fn cflags_werror_wall_wextra_give_the_normal_results() {
    baseline();
    let _g = lock();
    let b = engine(&[("CFLAGS", &os("-Werror -Wall -Wextra"))]);
    let s = expect_baseline_results(&b, "hostile-engine", "CFLAGS=-Werror -Wall -Wextra");
    // The flags really were in effect (and -Werror neutralised).
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(
        log.contains("-Wextra") && log.contains("-Wno-error"),
        "{log}"
    );
}

/// README row: `CFLAGS="--definitely-not-a-flag"`
#[test]
fn cflags_garbage_is_a_sanity_error_naming_the_flag() {
    baseline();
    let _g = lock();
    let b = engine(&[("CFLAGS", &os("-O2 --definitely-not-a-flag"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "sslprobe sanity probe failed",
            "the compiler rejected the flag `--definitely-not-a-flag` (from CFLAGS)",
            "needs no OpenSSL",
        ],
    );
}

/// A prefix with the system headers and a copy of Debian's static libssl in which
/// `SSL_CTX_set_num_tickets` and `SSL_set_num_tickets` are renamed (references inside the
/// library too): a libssl that exports everything except those two.
fn doctored_prefix() -> PathBuf {
    shared::doctored_prefix(&Path::new(TMP).join("hostile/doctored-prefix"))
}

/// Flags that let a missing symbol link or never link at all: the build stops naming the flag,
/// where without them it stops with the header/library mismatch. Never a cfg for an API the
/// library does not have.
///
/// README row: `CFLAGS` with `-shared`, `-c`, `-S`, `-E`, `-fsyntax-only`, `-r`, `-Wl,--unresolved-symbols=ignore-all`, `-Wl,-z,undefs` or `-Wl,--noinhibit-exec` (a libssl missing `SSL_CTX_set_num_tickets`)
#[test]
fn control_probes_name_the_flag_that_would_make_a_missing_api_present() {
    baseline();
    let prefix = doctored_prefix();
    let _g = lock();
    let env = |cflags: &str| -> Vec<(&'static str, OsString)> {
        vec![
            ("OPENSSL_DIR", prefix.clone().into_os_string()),
            ("OPENSSL_STATIC", os("1")),
            ("CFLAGS", os(cflags)),
        ]
    };
    let run = |cflags: &str| {
        let e = env(cflags);
        let refs: Vec<(&str, &OsStr)> = e.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        engine(&refs)
    };
    run("").expect_error(
        "hostile-engine",
        &["header/library mismatch", "SSL_CTX_set_num_tickets"],
    );
    for flag in [
        "-shared",
        "-c",
        "-E",
        "-fsyntax-only",
        "-Wl,--unresolved-symbols=ignore-all",
        "-Wl,--noinhibit-exec",
    ] {
        let b = run(flag);
        b.expect_error(
            "hostile-engine",
            &[
                &format!("the flag `{flag}` makes the C compiler"),
                "unable to tell a present API from an absent one",
                &format!("CFLAGS={flag:?}"),
            ],
        );
        assert!(
            !b.stderr.contains("have_ssl_ctx_set_num_tickets"),
            "{}",
            b.stderr
        );
    }
}

/// `-w` silences the errors the prototype checks rely on. Against headers declaring
/// `uint32_t SSL_CTX_set_options(SSL_CTX *, uint32_t)`, the probe still finds `u32` (not the
/// DB's `u64`), the build warns that `-w` was left out and that probe and DB disagree, and the
/// generated extern has the header's prototype.
///
/// README row: `CFLAGS=-w` (or `-Wno-incompatible-pointer-types`, …) against headers declaring `uint32_t SSL_CTX_set_options(SSL_CTX *, uint32_t)`
#[test]
fn cflags_w_cannot_flip_a_prototype_variant() {
    baseline();
    let inc = shared::u32_headers(&Path::new(TMP).join("hostile/u32-headers/include"));
    let lib = &system_openssl().lib_dir;
    let _g = lock();
    let b = engine(&[
        ("OPENSSL_INCLUDE_DIR", inc.as_os_str()),
        ("OPENSSL_LIB_DIR", lib.as_os_str()),
        ("CFLAGS", &os("-w")),
    ]);
    b.expect_ok("CFLAGS=-w with uint32_t headers");
    let s = b.script("hostile-engine").unwrap();
    assert!(
        s.cfgs.contains("have_ssl_ctx_set_options=\"u32\""),
        "{:?}",
        s.cfgs
    );
    assert!(
        b.stderr
            .contains("the compiler flag(s) -w silence the diagnostics")
            && b.stderr.contains("DISAGREE")
            && b.stderr
                .contains("found it present (function, variant u32)")
            && b.stderr
                .contains("expects it present (function, variant u64)"),
        "{}",
        b.stderr
    );
    let externs = read(&s.out_dir.join("sslprobe_externs.rs"));
    assert!(
        externs.contains("op: u32) -> u32"),
        "the FFI prototype must be the header's:\n{externs}"
    );
}

// ---------------------------------------------------------------------------------------------
// Where the library is
// ---------------------------------------------------------------------------------------------

/// README row: `OPENSSL_DIR` does not exist
#[test]
fn openssl_dir_missing() {
    baseline();
    let _g = lock();
    let b = engine(&[("OPENSSL_DIR", &os("/nonexistent/openssl-prefix"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "directory named by OPENSSL_DIR not found",
            "/nonexistent/openssl-prefix",
        ],
    );
}

/// README row: `OPENSSL_DIR` with headers, no libraries
#[test]
fn openssl_dir_with_headers_but_no_libraries() {
    baseline();
    let dir = system_prefix(
        &fx().root.join("prefixes/headers-only"),
        Parts::HeadersOnly,
        &[],
    );
    let _g = lock();
    let b = engine(&[("OPENSSL_DIR", dir.as_os_str())]);
    b.expect_error(
        "hostile-engine",
        &["OpenSSL libraries (libssl.a or libssl.so, libcrypto.a or libcrypto.so) in the library directory not found", &format!("{}/lib", dir.display())],
    );
}

/// README row: `OPENSSL_DIR` with libraries, no headers
#[test]
fn openssl_dir_with_libraries_but_no_headers() {
    baseline();
    let dir = system_prefix(
        &fx().root.join("prefixes/libs-only"),
        Parts::LibrariesOnly,
        &[],
    );
    let _g = lock();
    let b = engine(&[("OPENSSL_DIR", dir.as_os_str())]);
    b.expect_error(
        "hostile-engine",
        &[
            "OpenSSL include directory (from OPENSSL_DIR) not found",
            &format!("{}/include", dir.display()),
        ],
    );
}

/// README row: `OPENSSL_STATIC=1`, only shared libraries
#[test]
fn openssl_static_with_only_shared_libraries() {
    baseline();
    let _g = lock();
    let b = engine(&[
        ("OPENSSL_DIR", fx().prefix.as_os_str()),
        ("OPENSSL_STATIC", &os("1")),
    ]);
    b.expect_error(
        "hostile-engine",
        &[
            "static library libssl.a (static linking was requested) not found",
            &format!("{}/lib", fx().prefix.display()),
            "OPENSSL_STATIC",
        ],
    );
}

/// Headers of OpenSSL 1.1.1w with the libraries of 1.1.0i, both from the matrix cache (which
/// `cargo xtask test` fills).
///
/// README row: headers of one version, libraries of another (OpenSSL 3.0 headers + 1.1.1w libraries; or 1.1.1w headers + 1.1.0i libraries)
#[test]
fn headers_and_libraries_of_different_versions() {
    baseline();
    // Newer headers than libraries: declared APIs are missing at link time.
    let (header_version, lib_version) = ("1.1.1w", "1.1.0i");
    let headers = shared::cached_openssl(header_version).join("include");
    let libs = shared::cached_openssl(lib_version).join("lib");
    println!(
        "headers {} ({header_version}) with libraries {} ({lib_version})",
        headers.display(),
        libs.display()
    );
    let catalog = catalog();
    let (hv, lv) = (
        header_version.parse().unwrap(),
        lib_version.parse().unwrap(),
    );
    let fam = sslprobe_build::Family::OpenSsl;
    // Functions the DB puts in the headers' version but not in the libraries' must be named.
    let expected: Vec<&str> = catalog
        .apis
        .iter()
        .filter(|a| {
            a.db_kind_at(fam, &hv) == Some(sslprobe_build::Kind::Function)
                && a.db_get(fam).is_some_and(|d| !d.has(&lv))
        })
        .map(|a| a.name.as_str())
        .collect();
    assert!(
        !expected.is_empty(),
        "the DB should know APIs new between {lib_version} and {header_version}"
    );
    let _g = lock();
    let env = [
        ("OPENSSL_INCLUDE_DIR", headers.as_os_str()),
        ("OPENSSL_LIB_DIR", libs.as_os_str()),
    ];
    let b = engine(&env);
    b.expect_error(
        "hostile-engine",
        &[
            "header/library mismatch",
            "compile against the OpenSSL",
            "but do not link",
            "To accept these APIs as absent anyway",
        ],
    );
    let msg = b
        .stderr
        .lines()
        .find(|l| l.contains("header/library mismatch"))
        .unwrap();
    for api in &expected {
        assert!(
            msg.contains(&format!(" {api},")) || msg.contains(&format!(" {api} ")),
            "{api} should be named:\n{msg}"
        );
    }
    // The escape hatch the error offers: accept exactly those APIs as absent.
    let hint = b
        .stderr
        .lines()
        .find(|l| l.contains("To accept these APIs as absent anyway, set "))
        .unwrap();
    let accept: Vec<(String, OsString)> = hint
        .split("set ")
        .last()
        .unwrap()
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), OsString::from(v))
        })
        .collect();
    assert!(
        accept
            .iter()
            .all(|(k, v)| k.starts_with("SSLPROBE_HAVE_") && v == "0"),
        "{accept:?}"
    );
    let mut env2: Vec<(&str, &OsStr)> = env.to_vec();
    env2.extend(accept.iter().map(|(k, v)| (k.as_str(), v.as_os_str())));
    let b = engine(&env2);
    b.expect_ok("mismatch accepted with SSLPROBE_HAVE_*=0");
    let log = read(
        &b.script("hostile-engine")
            .unwrap()
            .out_dir
            .join("sslprobe.log"),
    );
    for (k, _) in &accept {
        assert!(
            log.contains(&format!("## override: {k}=0")),
            "{k} recorded:\n{log}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cross builds
// ---------------------------------------------------------------------------------------------

/// A Linux target other than the host whose C cross compiler (the name the `cc` crate tries) is
/// not installed: the "no cross toolchain" case is staged on any machine with at most three of
/// these four cross compilers.
fn cross_target_without_toolchain() -> &'static str {
    const TARGETS: [(&str, &str); 4] = [
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc"),
        ("riscv64gc-unknown-linux-gnu", "riscv64-linux-gnu-gcc"),
        ("powerpc64le-unknown-linux-gnu", "powerpc64le-linux-gnu-gcc"),
        ("s390x-unknown-linux-gnu", "s390x-linux-gnu-gcc"),
    ];
    let installed = |cc: &str| {
        Command::new(cc)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    TARGETS
        .iter()
        .find(|(t, cc)| *t != support::host() && !installed(cc))
        .map(|(t, _)| *t)
        .unwrap_or_else(|| panic!("every cross compiler of {TARGETS:?} is installed: no target is left without a C toolchain"))
}

/// README row: `--target aarch64-unknown-linux-gnu`, no cross toolchain
#[test]
fn cross_target_without_toolchain_points_to_the_overrides() {
    baseline();
    let target = cross_target_without_toolchain();
    let per_target_cc = format!("CC_{}", target.replace('-', "_"));
    let cross_build = format!("this is a cross build (TARGET={target}");
    let _g = lock();
    let prefix = fx().prefix.as_os_str();
    let b = cargo(
        &fx().engine,
        &["--target", target],
        &[("OPENSSL_DIR", prefix)],
    );
    b.expect_error(
        "hostile-engine",
        &[
            "C toolchain error: could not run the C compiler",
            &cross_build,
            "SSLPROBE_NO_PROBE=1 SSLPROBE_ASSUME=<family>-<version>",
            &per_target_cc,
        ],
    );
    // With the overrides the build script succeeds without any compiler.
    let b = cargo(
        &fx().engine,
        &["--target", target],
        &[
            ("OPENSSL_DIR", prefix),
            ("SSLPROBE_NO_PROBE", &os("1")),
            ("SSLPROBE_ASSUME", &os("openssl-3.0.13")),
        ],
    );
    let s = b.script("hostile-engine").unwrap_or_else(|| {
        panic!(
            "the build script must succeed with SSLPROBE_NO_PROBE:\n{}",
            b.stderr
        )
    });
    assert!(
        s.cfgs.contains("have_ssl_ctx_set_num_tickets") && s.cfgs.contains("sslprobe_openssl"),
        "{:?}",
        s.cfgs
    );
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(
        !log.contains("==== ["),
        "no compiler may run with SSLPROBE_NO_PROBE=1:\n{log}"
    );
    assert!(
        result_lines(&log)
            .iter()
            .all(|l| l.ends_with("[source: assumed]")),
        "{log}"
    );
    if b.ok {
        println!("the {target} standard library is installed: the whole crate built");
    } else {
        // Only the Rust side can fail now: no aarch64 standard library in this toolchain.
        let rustc = b.rustc_diagnostics();
        assert!(
            rustc.contains("can't find crate for") && rustc.contains("target may not be installed"),
            "{rustc}\n{}",
            b.stderr
        );
        assert!(
            !b.stderr.contains("failed to run custom build command"),
            "{}",
            b.stderr
        );
        println!("note: the build script succeeded for {target}; the crate itself cannot compile here (no {target} std installed)");
    }
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// README row: paths with spaces (`OPENSSL_DIR`, crate directory, `OUT_DIR`)
#[test]
fn paths_with_spaces() {
    baseline();
    let f = fx();
    let prefix = f.root.join("prefixes/debian with spaces");
    system_prefix(&prefix, Parts::Whole, &[]);
    let dir = f.root.join("engine with spaces");
    make_engine(
        &dir,
        "hostile-engine-spaces",
        &support::repo("probes"),
        true,
    );
    let _g = lock();
    let b = cargo(&dir, &[], &[("OPENSSL_DIR", prefix.as_os_str())]);
    let s = expect_baseline_results(&b, "hostile-engine-spaces", "paths with spaces");
    assert!(
        s.out_dir.to_string_lossy().contains("scratch target"),
        "OUT_DIR has a space: {}",
        s.out_dir.display()
    );
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(
        log.contains("'-I") && log.contains("debian with spaces/include"),
        "the path reached the compiler quoted:\n{log}"
    );
}

/// README row: `OPENSSL_DIR` with non-UTF-8 bytes
#[test]
fn path_with_non_utf8_bytes() {
    use std::os::unix::ffi::OsStringExt;
    baseline();
    let f = fx();
    let mut name = b"debian-\xff\xfe-prefix".to_vec();
    let mut path = f.root.join("prefixes").into_os_string().into_vec();
    path.push(b'/');
    path.append(&mut name);
    let prefix = PathBuf::from(OsString::from_vec(path));
    system_prefix(&prefix, Parts::Whole, &[]);
    let _g = lock();
    let b = engine(&[("OPENSSL_DIR", prefix.as_os_str())]);
    // The probes work with the path (same results as the baseline, in the log), but cargo
    // metadata cannot carry it: a clear error, not a mangled path and not "absent".
    b.expect_error(
        "hostile-engine",
        &[
            "library location for the DEP_SSLPROBE_INCLUDE / DEP_SSLPROBE_LIB_DIR metadata",
            "cargo metadata must be UTF-8",
            "The probes ran",
        ],
    );
    let log_line = b
        .stderr
        .lines()
        .find(|l| l.contains("full log: "))
        .expect("log path printed");
    let log_path = log_line.split("full log: ").nth(1).unwrap().trim();
    let log = read(Path::new(log_path));
    assert_eq!(
        result_lines(&log),
        baseline().results,
        "probing through the non-UTF-8 path gives the baseline results"
    );
}

// ---------------------------------------------------------------------------------------------
// Read-only source tree
// ---------------------------------------------------------------------------------------------

fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            out.push((p, m.len(), m.modified().ok()));
        }
    }
    out.sort();
    out
}

fn user_namespaces_work() -> bool {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// README row: read-only source tree (sslprobe and the crate mounted read-only)
#[test]
fn read_only_source_tree() {
    baseline();
    let f = fx();
    let crate_dir = f.root.join("readonly/hostile-readonly");
    make_downstream(&crate_dir, "hostile-readonly");
    let _g = lock();
    // A first, writable build: Cargo.lock is settled and the dependencies are compiled.
    cargo(&crate_dir, &[], &[]).expect_ok("writable build of the read-only fixture");
    let before = snapshot(&crate_dir);
    // Change a variable sslprobe's build script tracks, so that it really runs again.
    let env = [("SSLPROBE_NO_PROBE", OsStr::new("0"))];
    let mut cmd = cargo_cmd(&crate_dir, &["--locked"], &env).command();
    let enforced = user_namespaces_work();
    if enforced {
        // A private mount namespace where this repository and the crate are read-only
        // bind mounts (enforced even for root); the target directory stays writable.
        let script = "set -e\nmount --bind \"$2\" \"$2\"\nmount --bind \"$3\" \"$3\"\nmount --bind \"$1\" \"$1\"\n\
                      mount -o remount,bind,ro \"$2\"\nmount -o remount,bind,ro \"$3\"\n\
                      if touch \"$2/.hostile-write-test\" 2>/dev/null; then echo 'NOT READ-ONLY' >&2; exit 99; fi\n\
                      shift 3\nexec \"$@\"\n";
        let mut wrapped = Command::new("unshare");
        wrapped.args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
        ]);
        wrapped.arg(&f.target.dir).arg(REPO).arg(&crate_dir);
        wrapped.arg(cmd.get_program()).args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        wrapped.current_dir(&crate_dir);
        cmd = wrapped;
    } else {
        println!("note: no user namespaces: the tree is not mounted read-only; checking by snapshot only");
    }
    let b = Build::of(cmd);
    b.expect_ok("build with a read-only source tree");
    let s = b.script("sslprobe").expect("sslprobe's build script ran");
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(
        log.contains("## override: SSLPROBE_NO_PROBE=0"),
        "the build script re-ran under the read-only mount:\n{log}"
    );
    assert_eq!(
        result_lines(&log),
        baseline().results,
        "same results as the baseline"
    );
    assert_eq!(
        snapshot(&crate_dir),
        before,
        "nothing in the crate's tree changed"
    );
    if !enforced {
        for name in [
            "sslprobe.log",
            "build_info.rs",
            "sslprobe_externs.rs",
            "sslprobe-scratch",
        ] {
            for dir in ["probes", "src", "sslprobe-build"] {
                assert!(
                    !support::repo(dir).join(name).exists(),
                    "{name} written into the source tree"
                );
            }
        }
    }
    // And the downstream binary sees the results.
    let text = b.run_executable("hostile-readonly");
    assert!(
        text.contains("library OpenSSL 3.") && text.contains("overrides [\"SSLPROBE_NO_PROBE=0\"]"),
        "{text}"
    );
    assert!(
        text.contains("api SSL_CTX_set_num_tickets present=true variant=Some(\"fn\") source=probe"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------

/// README row: `SSLPROBE_HAVE_FOO=1`
#[test]
fn unknown_override_name_lists_the_valid_names() {
    baseline();
    let _g = lock();
    // A name the catalog lacks is not an error (a dependent's own sslprobe_build::Probe may ask
    // for it): a warning with the valid names and close matches.
    let b = engine(&[
        ("SSLPROBE_HAVE_FOO", &os("1")),
        ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKET", &os("1")),
    ]);
    b.expect_ok("unknown override names");
    let w = b.warnings().join("\n");
    assert!(
        w.contains("SSLPROBE_HAVE_FOO=1: \"FOO\" is not an API of the sslprobe catalog")
            && w.contains("the catalog's names: SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS,")
            && w.contains("did you mean SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS"),
        "{w}"
    );
    // Names that are not identifiers are compared, never compiled, and are errors.
    let b = engine(&[("SSLPROBE_HAVE_SSL_CTX_NEW();exit(1)", &os("1"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "SSL_CTX_NEW();exit(1)",
            "is not an API name (not a C identifier)",
        ],
    );
    let log_line = b
        .stderr
        .lines()
        .find(|l| l.contains("full log: "))
        .expect("log path printed");
    let log = read(Path::new(
        log_line.split("full log: ").nth(1).unwrap().trim(),
    ));
    assert!(
        !log.contains("==== ["),
        "no compiler ran before the overrides were validated:\n{log}"
    );
}

/// README row: `SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=maybe`
#[test]
fn bad_override_value_lists_the_valid_values() {
    baseline();
    let _g = lock();
    let b = engine(&[("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", &os("maybe"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "invalid SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS: \"maybe\"",
            "expected 0 (force absent), 1 (force present",
            ": fn",
        ],
    );
    let b = engine(&[("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", &os("u128"))]);
    b.expect_error("hostile-engine", &["u64, c_ulong, u32, c_long_macro"]);
}

/// README row: overrides set
#[test]
fn overrides_are_applied_without_probing_and_recorded() {
    baseline();
    let _g = lock();
    let b = engine(&[
        ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", &os("0")),
        ("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", &os("u32")),
    ]);
    b.expect_ok("overrides");
    let s = b.script("hostile-engine").unwrap();
    // Every override variable (set or not) and the toolchain variables re-run the build script.
    let output = read(&s.out_dir.parent().unwrap().join("output"));
    let catalog = catalog();
    let mut vars: Vec<String> = catalog
        .apis
        .iter()
        .map(|a| sslprobe_build::catalog::override_var_name(&a.name))
        .collect();
    vars.extend(["SSLPROBE_NO_PROBE", "SSLPROBE_ASSUME"].map(String::from));
    vars.extend(["CC", "CFLAGS", "TARGET_CC", "HOST_CFLAGS"].map(String::from));
    for v in vars {
        assert!(
            output
                .lines()
                .any(|l| l == format!("cargo:rerun-if-env-changed={v}")),
            "no rerun-if-env-changed={v}"
        );
    }
    assert!(
        !s.cfgs.contains("have_ssl_ctx_set_num_tickets"),
        "{:?}",
        s.cfgs
    );
    assert!(
        s.cfgs.contains("have_ssl_ctx_set_options=\"u32\""),
        "{:?}",
        s.cfgs
    );
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(
        log.contains("## override: SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=0"),
        "{log}"
    );
    assert!(
        log.contains("## result: SSL_CTX_set_num_tickets absent [source: override]"),
        "{log}"
    );
    assert!(
        log.contains("## result: SSL_CTX_set_options present (variant u32) [source: override]"),
        "{log}"
    );
    // Not probed: neither API's probe function is in any generated source.
    assert!(
        !log.contains("sslprobe_ssl_ctx_set_num_tickets__fn")
            && !log.contains("sslprobe_ssl_ctx_set_options__u64"),
        "{log}"
    );
    // Everything else is still probed, with the baseline's results.
    let rest: Vec<String> = result_lines(&log)
        .into_iter()
        .filter(|l| l.ends_with("[source: probe]"))
        .collect();
    let base: Vec<String> = baseline()
        .results
        .iter()
        .filter(|l| {
            !l.contains(" SSL_CTX_set_num_tickets ") && !l.contains(" SSL_CTX_set_options ")
        })
        .cloned()
        .collect();
    assert_eq!(rest, base);
    let info = read(&s.out_dir.join("build_info.rs"));
    assert!(info.contains("overrides: &[\"SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=0\", \"SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS=u32\"]"), "{info}");
    assert!(
        info.contains("name: \"SSL_CTX_set_num_tickets\"") && info.contains("source: \"override\""),
        "{info}"
    );
    // The contradiction with the knowledge DB is said out loud.
    assert!(b.stderr.contains("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=0 forces SSL_CTX_set_num_tickets absent but the knowledge DB expects it present"), "{}", b.stderr);
}

#[test]
fn no_probe_runs_no_compiler_at_all() {
    baseline();
    let _g = lock();
    // CC is broken on purpose: with SSLPROBE_NO_PROBE=1 it must not matter.
    let b = engine(&[
        ("SSLPROBE_NO_PROBE", &os("1")),
        ("SSLPROBE_ASSUME", &os("openssl-1.1.0i")),
        ("SSLPROBE_HAVE_SSL_CTX_SET_KEYLOG_CALLBACK", &os("1")),
        ("CC", &os("/nonexistent/hostile-cc")),
    ]);
    b.expect_ok("SSLPROBE_NO_PROBE=1");
    let s = b.script("hostile-engine").unwrap();
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert!(!log.contains("==== ["), "no compiler run:\n{log}");
    assert!(
        log.contains("## result: SSL_CTX_set_num_tickets absent [source: assumed]"),
        "{log}"
    );
    assert!(
        log.contains(
            "## result: SSL_CTX_set_keylog_callback present (variant fn) [source: override]"
        ),
        "{log}"
    );
    assert!(
        s.cfgs.contains("sslprobe_openssl") && !s.cfgs.contains("have_ssl_ctx_set_num_tickets"),
        "{:?}",
        s.cfgs
    );
    assert!(
        b.stderr.contains("SSLPROBE_NO_PROBE=1: nothing was probed"),
        "{}",
        b.stderr
    );
    let info = read(&s.out_dir.join("build_info.rs"));
    assert!(
        info.contains("version: \"1.1.0i\"") && info.contains("compiler_runs: 0"),
        "{info}"
    );
    assert!(info.contains("\"SSLPROBE_NO_PROBE=1\", \"SSLPROBE_ASSUME=openssl-1.1.0i\", \"SSLPROBE_HAVE_SSL_CTX_SET_KEYLOG_CALLBACK=1\""), "{info}");
}

/// README row: `SSLPROBE_NO_PROBE=1` without `SSLPROBE_ASSUME` (or a bad one)
#[test]
fn no_probe_needs_a_valid_assume() {
    baseline();
    let _g = lock();
    let b = engine(&[("SSLPROBE_NO_PROBE", &os("1"))]);
    b.expect_error(
        "hostile-engine",
        &[
            "needs SSLPROBE_ASSUME=<family>-<version>",
            "openssl, libressl, boringssl, awslc",
            "boringssl-44",
        ],
    );
    let b = engine(&[
        ("SSLPROBE_NO_PROBE", &os("1")),
        ("SSLPROBE_ASSUME", &os("wolfssl-5.7.0")),
    ]);
    b.expect_error(
        "hostile-engine",
        &[
            "invalid SSLPROBE_ASSUME: \"wolfssl-5.7.0\": unknown family \"wolfssl\"",
            "openssl-3.0.13",
        ],
    );
    let b = engine(&[("SSLPROBE_NO_PROBE", &os("yes"))]);
    b.expect_error(
        "hostile-engine",
        &["invalid SSLPROBE_NO_PROBE: \"yes\": expected 1"],
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

/// A catalog directory holding the first `n` APIs of this repository's catalog.
fn partial_catalog(dir: &Path, n: usize) -> Vec<String> {
    let src = support::repo("probes");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let text = read(&src.join("catalog.toml"));
    let mut parts = text.split("\n[[api]]\n");
    let head = parts.next().unwrap().to_string();
    let apis: Vec<&str> = parts.take(n).collect();
    let mut out = head;
    let mut names = Vec::new();
    for a in &apis {
        out.push_str("\n[[api]]\n");
        out.push_str(a);
        out.push('\n');
        let name = a
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .unwrap()
            .trim_end_matches('"')
            .to_string();
        let file = format!("{}.c", name.to_ascii_lowercase());
        std::fs::copy(src.join(&file), dir.join(&file)).unwrap();
        names.push(name);
    }
    write(&dir.join("catalog.toml"), &out);
    if src.join("sslprobe.h").exists() {
        std::fs::copy(src.join("sslprobe.h"), dir.join("sslprobe.h")).unwrap();
    }
    names
}

/// The log is one run's, whole and only its own: every compiler-run entry is complete (its
/// sections in order, nothing from another entry in between), the results are exactly its own
/// catalog's, and no probe of an API outside its catalog appears in it.
fn assert_log_intact(log: &str, apis: &[String], all: &[String], what: &str) {
    const SECTIONS: [&str; 4] = [
        "---- source",
        "---- command",
        "---- exit status: ",
        "---- output",
    ];
    let mut entries = 0;
    let mut expect: Option<usize> = None;
    for line in log.lines() {
        if line.starts_with("==== [") {
            assert!(
                expect.is_none() || expect == Some(SECTIONS.len()),
                "{what}: an entry was cut short before {line:?}:\n{log}"
            );
            entries += 1;
            expect = Some(0);
        } else if let Some(i) = SECTIONS.iter().position(|s| line.starts_with(s)) {
            assert_eq!(
                expect,
                Some(i),
                "{what}: section {line:?} out of order:\n{log}"
            );
            expect = Some(i + 1);
        }
    }
    assert!(entries > 0, "{what}: no compiler runs logged:\n{log}");
    assert_eq!(
        expect,
        Some(SECTIONS.len()),
        "{what}: the last entry is incomplete"
    );
    let results = result_lines(log);
    let names: Vec<&str> = results
        .iter()
        .map(|l| l["## result: ".len()..].split(' ').next().unwrap())
        .collect();
    assert_eq!(names, apis, "{what}: results for exactly its own catalog");
    assert!(
        results.iter().all(|l| l.ends_with("[source: probe]")),
        "{what}"
    );
    for other in all.iter().filter(|a| !apis.contains(a)) {
        let func = format!("sslprobe_{}__", other.to_ascii_lowercase());
        assert!(
            !log.contains(&func),
            "{what}: {func} (not in its catalog) is in its log"
        );
    }
}

/// README row: two crates probing at once (`cargo build -j2`)
#[test]
fn two_crates_probing_at_once_never_share_scratch_files() {
    baseline();
    let f = fx();
    let ws = f.root.join("concurrent");
    write(
        &ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    );
    support::copy_lock(&ws);
    let full = catalog();
    let alpha_apis = partial_catalog(&ws.join("alpha/probes"), full.apis.len());
    let beta_apis = partial_catalog(&ws.join("beta/probes"), 3);
    make_engine(
        &ws.join("alpha"),
        "hostile-alpha",
        &ws.join("alpha/probes"),
        false,
    );
    make_engine(
        &ws.join("beta"),
        "hostile-beta",
        &ws.join("beta/probes"),
        false,
    );
    let _g = lock();
    for round in 1..=3 {
        // Touch both catalogs so that both build scripts run again, side by side under -j2.
        let start = SystemTime::now();
        for p in ["alpha/probes/catalog.toml", "beta/probes/catalog.toml"] {
            std::fs::File::options()
                .write(true)
                .open(ws.join(p))
                .unwrap()
                .set_modified(SystemTime::now())
                .unwrap();
        }
        let b = cargo(&ws, &["-j2", "--workspace"], &[]);
        b.expect_ok(&format!("round {round}"));
        let a = b.script("hostile-alpha").expect("alpha ran");
        let z = b.script("hostile-beta").expect("beta ran");
        assert_ne!(a.out_dir, z.out_dir);
        for (s, apis, what) in [(&a, &alpha_apis, "alpha"), (&z, &beta_apis, "beta")] {
            let log_path = s.out_dir.join("sslprobe.log");
            assert!(
                std::fs::metadata(&log_path).unwrap().modified().unwrap() >= start,
                "{what}: its build script ran in round {round}"
            );
            assert_log_intact(
                &read(&log_path),
                apis,
                &alpha_apis,
                &format!("round {round}, {what}"),
            );
            // Scratch directories are private to a run and removed after it.
            let scratch = s.out_dir.join("sslprobe-scratch");
            // (Only this round's: a failed run of an earlier test session may have left some.)
            let left: Vec<_> = std::fs::read_dir(&scratch)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .filter(|e| {
                            e.metadata()
                                .and_then(|m| m.modified())
                                .is_ok_and(|t| t >= start)
                        })
                        .map(|e| e.path())
                        .collect()
                })
                .unwrap_or_default();
            assert!(
                left.is_empty(),
                "{what}: scratch files left behind: {left:?}"
            );
        }
        assert_eq!(
            a.cfgs,
            baseline().cfgs,
            "alpha (the whole catalog) matches the baseline"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The real downstream crate
// ---------------------------------------------------------------------------------------------

#[test]
fn downstream_crate_sees_the_engine_results() {
    baseline();
    let f = fx();
    let dir = f.root.join("downstream");
    make_downstream(&dir, "hostile-downstream");
    let _g = lock();
    let b = cargo(&dir, &[], &[]);
    b.expect_ok("downstream crate");
    let s = b.script("sslprobe").expect("sslprobe's build script");
    let log = read(&s.out_dir.join("sslprobe.log"));
    assert_eq!(result_lines(&log), baseline().results);
    let text = b.run_executable("hostile-downstream");
    for line in &baseline().results {
        let rest = &line["## result: ".len()..];
        let name = rest.split(' ').next().unwrap();
        let present = rest.contains(" present");
        assert!(
            text.contains(&format!("api {name} present={present} ")),
            "{name}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Identifier hygiene: nothing from the environment or a downstream catalog reaches generated C
// unless it is a valid C identifier (or a validated #include line).
// ---------------------------------------------------------------------------------------------

const HYGIENE_TOML: &str = r#"
[[api]]
name = "NAME"
doc = "d"
variants = [ { name = "VARIANT", kind = "function", rust = "()" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "never" }
boringssl = { since = "never" }
awslc = { since = "never" }
"#;

fn hygiene_catalog(
    name: &str,
    variant: &str,
    preamble: &str,
) -> sslprobe_build::Result<sslprobe_build::Catalog> {
    let toml = HYGIENE_TOML
        .replace("NAME", name)
        .replace("VARIANT", variant);
    let file = format!("{}.c", name.to_ascii_lowercase());
    let src = format!("{preamble}\nSSLPROBE_VARIANT({variant})\n{{ }}\n");
    sslprobe_build::Catalog::from_sources(&toml, &[(file.as_str(), src.as_str())])
}

#[test]
fn downstream_catalog_names_must_be_c_identifiers() {
    let ok = "#include <openssl/ssl.h>";
    assert!(hygiene_catalog("SSL_CTX_new", "fn", ok).is_ok());
    for bad in [
        "SSL_CTX_new(); system(\"x\")",
        "SSL CTX",
        "1SSL",
        "SSL-CTX",
        "SSL_CTX_new\n#include </etc/passwd>",
        "",
    ] {
        assert!(
            hygiene_catalog(bad, "fn", ok).is_err(),
            "API name {bad:?} accepted"
        );
    }
    for bad in ["f n", "fn;", "9", "u32\"", ""] {
        assert!(
            hygiene_catalog("SSL_CTX_new", bad, ok).is_err(),
            "variant name {bad:?} accepted"
        );
    }
}

#[test]
fn the_real_catalog_passes_the_include_check() {
    let catalog = catalog();
    for api in &catalog.apis {
        assert!(
            sslprobe_build::catalog::is_c_identifier(&api.name),
            "{}",
            api.name
        );
        for v in &api.variants {
            assert!(
                sslprobe_build::catalog::is_c_identifier(&v.name),
                "{}: {}",
                api.name,
                v.name
            );
        }
        // Loading validated them already; each line also passes alone, in a catalog of one.
        for inc in &api.includes {
            hygiene_catalog("SSL_CTX_new", "fn", inc)
                .unwrap_or_else(|e| panic!("{}: {inc}: {e}", api.name));
        }
    }
}

#[test]
fn downstream_catalog_include_lines_are_validated() {
    for bad in [
        "#include <openssl/ssl.h> int evil;",
        "#include <../../etc/passwd>",
        "#include_next <x.h>",
        "#includes",
    ] {
        assert!(
            hygiene_catalog("SSL_CTX_new", "fn", bad).is_err(),
            "include line {bad:?} accepted"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The README's table of hostile environments is this file's list of cases
// ---------------------------------------------------------------------------------------------

/// The first cells ("case") of README's hostile-environment table.
fn readme_hostile_rows(readme: &str) -> Vec<String> {
    let start = readme
        .find("| case | what the user sees |")
        .expect("README has the hostile-environment table");
    let end = readme[start..]
        .find("<!-- hostile-table:end -->")
        .map(|e| start + e)
        .expect("the table ends with <!-- hostile-table:end -->");
    readme[start..end]
        .lines()
        .skip(2) // header and |---|
        .filter(|l| l.starts_with("| "))
        .map(|l| {
            let cell = &l[2..];
            cell[..cell.find(" | ").expect("a row has two cells")].to_string()
        })
        .collect()
}

/// Each `/// README row: CASE` line of this file, with the test it documents (the marker is
/// in the doc comment right above a `#[test] fn`).
fn claimed_rows(source: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut claims = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(case) = line.strip_prefix("/// README row: ") else {
            continue;
        };
        let rest = &lines[i + 1..];
        let after_docs = rest
            .iter()
            .position(|l| !l.starts_with("///"))
            .map(|j| &rest[j..])
            .unwrap_or(&[]);
        let test = match after_docs {
            [attr, f, ..] if *attr == "#[test]" && f.starts_with("fn ") => {
                f["fn ".len()..].split('(').next().unwrap_or("").to_string()
            }
            _ => panic!(
                "`/// README row: {case}` (line {}) is not on a #[test] fn",
                i + 1
            ),
        };
        claims.push((case.to_string(), test));
    }
    claims
}

/// README says each row of its hostile-environment table is a case of this file: every row is
/// claimed by exactly one test here (`/// README row: <the row's case cell, verbatim>`), and
/// no claim names a row the README no longer has.
#[test]
fn every_readme_hostile_row_is_a_test_here() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let rows = readme_hostile_rows(&readme);
    assert!(
        rows.len() >= 20,
        "the table has {} rows: {rows:?}",
        rows.len()
    );
    let claims = claimed_rows(include_str!("hostile.rs"));
    let mut problems = Vec::new();
    for row in &rows {
        let tests: Vec<&str> = claims
            .iter()
            .filter(|(c, _)| c == row)
            .map(|(_, t)| t.as_str())
            .collect();
        match tests.len() {
            1 => {}
            0 => problems.push(format!("README row {row} has no test in tests/hostile.rs")),
            _ => problems.push(format!("README row {row} is claimed by {tests:?}")),
        }
    }
    for (case, test) in &claims {
        if !rows.contains(case) {
            problems.push(format!(
                "{test} claims README row {case}, which the README table does not have"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_row_checker_sees_a_missing_and_a_stale_row() {
    let readme = concat!(
        "| case | what the user sees |\n",
        "|---|---|\n",
        "| `A=1` | x |\n",
        "| b c | y |\n",
        "<!-- hostile-table:end -->\n"
    );
    assert_eq!(readme_hostile_rows(readme), ["`A=1`", "b c"]);
    let source = "/// Doc.\n///\n/// README row: `A=1`\n#[test]\nfn a_case() {}\n";
    assert_eq!(
        claimed_rows(source),
        [("`A=1`".to_string(), "a_case".to_string())]
    );
    let misplaced = "/// README row: b c\nfn helper() {}\n";
    assert!(std::panic::catch_unwind(|| claimed_rows(misplaced)).is_err());
}
