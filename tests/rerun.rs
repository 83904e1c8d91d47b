//! sslprobe's build script re-runs exactly when it must.
//!
//! A scratch crate depending on sslprobe is built by the real `cargo` (offline, the
//! workspace's Cargo.lock) against an OpenSSL prefix made of symlinks to the system headers and
//! libraries, with one header — `openssl/ssl.h` — a real copy this test can touch:
//!
//! * a second build with nothing changed runs no probe (`Fresh sslprobe`, the build script not
//!   run, its log untouched);
//! * touching the copied header re-runs the probes (the build script printed
//!   `cargo:rerun-if-changed` for every header the probes included);
//! * changing a relevant variable — `CFLAGS`, `OPENSSL_DIR` — re-runs them.
//!
//! Linux with the system OpenSSL development files (Debian: libssl-dev and pkg-config, which
//! `cargo xtask test` installs); without them the test fails, saying so.

mod support;

use std::path::{Path, PathBuf};
use std::time::SystemTime;
use support::{Cargo, Crate, Parts};

struct Scratch {
    krate: PathBuf,
    target: PathBuf,
}

struct Build {
    output: String,
    /// Whether sslprobe's build script ran.
    ran: bool,
    /// `…/build/sslprobe-<hash>/out/sslprobe.log`.
    log: PathBuf,
}

impl Scratch {
    fn build(&self, env: &[(&str, &str)]) -> Build {
        let b = Cargo::new("build", &self.krate, &self.target)
            .args(["-v"])
            .envs(env.iter().copied())
            .run();
        b.expect_ok("scratch build");
        let ran = b.stderr.lines().any(is_sslprobe_build_script_run);
        let script = b.script("sslprobe").unwrap_or_else(|| {
            panic!(
                "no build-script-executed message for sslprobe:\n{}",
                b.stderr
            )
        });
        Build {
            output: b.stderr,
            ran,
            log: script.out_dir.join("sslprobe.log"),
        }
    }
}

fn build_dir_is_sslprobe(dir: Option<&Path>) -> bool {
    dir.and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .is_some_and(|n| {
            n.strip_prefix("sslprobe-")
                .is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
        })
}

/// `     Running `…/build/sslprobe-0123456789abcdef/build-script-build`` (the run, not the
/// compile of the build script).
fn is_sslprobe_build_script_run(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("Running ")
        && line.split(['`', ' ']).any(|w| {
            let p = Path::new(w);
            p.file_name().is_some_and(|f| f == "build-script-build")
                && build_dir_is_sslprobe(p.parent())
        })
}

fn mtime(p: &Path) -> SystemTime {
    p.metadata()
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

#[test]
fn run_detection_reads_cargo_output() {
    assert!(is_sslprobe_build_script_run(
        "     Running `/t/debug/build/sslprobe-0123456789abcdef/build-script-build`"
    ));
    assert!(is_sslprobe_build_script_run(
        "     Running `CARGO=/x OUT_DIR=/o /t/debug/build/sslprobe-0123456789abcdef/build-script-build`"
    ));
    // The build script of another package, and the compile of sslprobe's own build script.
    assert!(!is_sslprobe_build_script_run(
        "     Running `/t/debug/build/openssl-sys-0123456789abcdef/build-script-build`"
    ));
    assert!(!is_sslprobe_build_script_run(
        "     Running `rustc --crate-name build_script_build --out-dir /t/debug/build/sslprobe-0123456789abcdef`"
    ));
}

#[test]
fn no_op_rebuild_probes_nothing_and_header_or_env_changes_reprobe() {
    let base = Path::new(support::TMP).join("sslprobe-rerun");
    let prefix = support::system_prefix(&base.join("prefix"), Parts::Whole, &["ssl.h"]);
    let other_prefix = support::system_prefix(&base.join("prefix-2"), Parts::Whole, &["ssl.h"]);
    let scratch = Scratch {
        krate: base.join("crate"),
        target: base.join("target"),
    };
    let _ = std::fs::remove_dir_all(&scratch.krate);
    Crate {
        name: "sslprobe-rerun-scratch",
        dependencies: &[support::sslprobe_dep("default-features = false")],
        build_dependencies: &[],
        own_workspace: true,
        files: &[(
            "src/main.rs",
            "fn main() {\n    println!(\"{}\", sslprobe::build_info().compiler_runs);\n}\n",
        )],
    }
    .write(&scratch.krate);
    let dir = prefix.to_string_lossy().into_owned();
    let env = [("OPENSSL_DIR", dir.as_str())];

    // 1. Whatever state the target directory is in, this build leaves it up to date.
    let first = scratch.build(&env);
    let log = first.log.clone();
    assert!(
        log.is_file(),
        "no sslprobe.log after the first build:\n{}",
        first.output
    );
    let header = prefix.join("include/openssl/ssl.h");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains(&prefix.join("include").display().to_string()),
        "the probes did not use the symlink prefix:\n{log_text}"
    );
    let build_dir = log.parent().and_then(Path::parent).unwrap();
    let printed = std::fs::read_to_string(build_dir.join("output")).unwrap();
    assert!(
        printed.contains(&format!("cargo:rerun-if-changed={}", header.display())),
        "the build script must print rerun-if-changed for the header it probed:\n{printed}"
    );
    assert!(
        printed.contains("cargo:rerun-if-env-changed=OPENSSL_DIR"),
        "{printed}"
    );
    assert!(
        printed.contains("cargo:rerun-if-env-changed=CFLAGS"),
        "{printed}"
    );

    // 2. Nothing changed: no probe runs.
    let before = mtime(&log);
    let again = scratch.build(&env);
    assert!(
        !again.ran,
        "a no-op rebuild re-ran sslprobe's build script:\n{}",
        again.output
    );
    assert!(
        again.output.contains("Fresh sslprobe v"),
        "sslprobe should be fresh:\n{}",
        again.output
    );
    assert_eq!(
        mtime(&log),
        before,
        "the probe log was rewritten by a no-op rebuild"
    );

    // 3. Touch the copied header: the probes run again (and only because of it).
    let later = SystemTime::now();
    std::fs::File::options()
        .append(true)
        .open(&header)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let touched = scratch.build(&env);
    assert!(
        touched.ran,
        "touching {} did not re-run the probes:\n{}",
        header.display(),
        touched.output
    );
    assert!(
        mtime(&touched.log) > before,
        "the probe log was not rewritten"
    );
    let still = scratch.build(&env);
    assert!(
        !still.ran,
        "the rebuild after the re-probe was not a no-op:\n{}",
        still.output
    );

    // 4. A relevant variable changes: CFLAGS (through the cc crate), then OPENSSL_DIR.
    let cflags = scratch.build(&[env[0], ("CFLAGS", "-DSSLPROBE_RERUN_TEST=1")]);
    assert!(
        cflags.ran,
        "changing CFLAGS did not re-run the probes:\n{}",
        cflags.output
    );
    let other = other_prefix.to_string_lossy().into_owned();
    let moved = scratch.build(&[
        ("OPENSSL_DIR", other.as_str()),
        ("CFLAGS", "-DSSLPROBE_RERUN_TEST=1"),
    ]);
    assert!(
        moved.ran,
        "changing OPENSSL_DIR did not re-run the probes:\n{}",
        moved.output
    );
    let log_text = support::read(&moved.log);
    assert!(
        log_text.contains(&other_prefix.join("include").display().to_string()),
        "{log_text}"
    );
    let settled = scratch.build(&[
        ("OPENSSL_DIR", other.as_str()),
        ("CFLAGS", "-DSSLPROBE_RERUN_TEST=1"),
    ]);
    assert!(!settled.ran, "{}", settled.output);
}
