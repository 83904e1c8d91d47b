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
//! Linux with the system OpenSSL development files (Debian: libssl-dev) only; elsewhere the test
//! prints why it is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The system's OpenSSL include directory, its multiarch include directory (Debian keeps
/// `opensslconf.h` and `configuration.h` there) and its library directory.
fn system_openssl() -> Option<(PathBuf, Option<PathBuf>, PathBuf)> {
    let var = |v: &str| -> Option<PathBuf> {
        let o = Command::new("pkg-config")
            .args([&format!("--variable={v}"), "openssl"])
            .output()
            .ok()?;
        let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
        (o.status.success() && !s.is_empty()).then(|| PathBuf::from(s))
    };
    let include = var("includedir")?;
    let libdir = var("libdir")?;
    if !include.join("openssl/ssl.h").is_file() || !libdir.join("libssl.so").exists() {
        return None;
    }
    let multiarch = Command::new("cc")
        .arg("-print-multiarch")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|m| !m.is_empty())
        .map(|m| include.join(m).join("openssl"))
        .filter(|d| d.is_dir());
    Some((include.join("openssl"), multiarch, libdir))
}

/// A prefix whose `include/openssl/` holds symlinks to every system header except `ssl.h`,
/// which is a copy, and whose `lib/` holds symlinks to libssl and libcrypto.
fn symlink_prefix(dir: &Path, headers: &Path, multiarch: Option<&Path>, libdir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    let inc = dir.join("include/openssl");
    let lib = dir.join("lib");
    std::fs::create_dir_all(&inc).unwrap();
    std::fs::create_dir_all(&lib).unwrap();
    for d in std::iter::once(headers).chain(multiarch) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let to = inc.join(e.file_name());
            if e.file_name() == "ssl.h" || to.exists() {
                continue;
            }
            std::os::unix::fs::symlink(e.path(), to).unwrap();
        }
    }
    std::fs::copy(headers.join("ssl.h"), inc.join("ssl.h")).unwrap();
    for e in std::fs::read_dir(libdir).unwrap() {
        let name = e.unwrap().file_name();
        let n = name.to_string_lossy();
        if n.starts_with("libssl.so") || n.starts_with("libcrypto.so") {
            std::os::unix::fs::symlink(libdir.join(&name), lib.join(&name)).unwrap();
        }
    }
    dir.to_path_buf()
}

fn write_scratch_crate(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let toml = format!(
        "[package]\nname = \"sslprobe-rerun-scratch\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nsslprobe = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
        workspace_root().display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), toml).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n    println!(\"{}\", sslprobe::build_info().compiler_runs);\n}\n",
    )
    .unwrap();
    let lock = workspace_root().join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).unwrap();
    }
}

/// Variables from the outer environment that would change what is built or probed.
const SCRUBBED: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CC",
    "CFLAGS",
    "OPENSSL_DIR",
    "OPENSSL_LIB_DIR",
    "OPENSSL_INCLUDE_DIR",
    "OPENSSL_STATIC",
    "OPENSSL_LIBS",
    "OPENSSL_NO_VENDOR",
    "PKG_CONFIG_PATH",
];

struct Scratch {
    krate: PathBuf,
    target: PathBuf,
}

struct Build {
    output: String,
    /// Whether sslprobe's build script ran.
    ran: bool,
}

impl Scratch {
    fn build(&self, env: &[(&str, &str)]) -> Build {
        let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        for v in SCRUBBED {
            c.env_remove(v);
        }
        for (k, _) in std::env::vars() {
            if k.starts_with("SSLPROBE_") {
                c.env_remove(k);
            }
        }
        c.args(["build", "-v", "--offline"])
            .current_dir(&self.krate)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_TERM_COLOR", "never");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("run cargo");
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "scratch build failed:\n{output}");
        let ran = output.lines().any(is_sslprobe_build_script_run);
        Build { output, ran }
    }

    /// `target/debug/build/sslprobe-<hash>/out/sslprobe.log` (the newest, if several).
    fn log(&self) -> Option<PathBuf> {
        let dir = self.target.join("debug/build");
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("out/sslprobe.log")))
            .filter(|p| p.is_file() && build_dir_is_sslprobe(p.parent().and_then(Path::parent)))
            .max_by_key(|p| {
                p.metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH)
            })
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
    let Some((headers, multiarch, libdir)) = system_openssl() else {
        eprintln!("skipped: no system OpenSSL development files found through pkg-config (Debian: apt install libssl-dev pkg-config)");
        return;
    };
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sslprobe-rerun");
    let prefix = symlink_prefix(
        &base.join("prefix"),
        &headers,
        multiarch.as_deref(),
        &libdir,
    );
    let other_prefix = symlink_prefix(
        &base.join("prefix-2"),
        &headers,
        multiarch.as_deref(),
        &libdir,
    );
    let scratch = Scratch {
        krate: base.join("crate"),
        target: base.join("target"),
    };
    let _ = std::fs::remove_dir_all(&scratch.krate);
    write_scratch_crate(&scratch.krate);
    let dir = prefix.to_string_lossy().into_owned();
    let env = [("OPENSSL_DIR", dir.as_str())];

    // 1. Whatever state the target directory is in, this build leaves it up to date.
    let first = scratch.build(&env);
    let log = scratch
        .log()
        .unwrap_or_else(|| panic!("no sslprobe.log after the first build:\n{}", first.output));
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
        mtime(&scratch.log().unwrap()) > before,
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
    let log_text = std::fs::read_to_string(scratch.log().unwrap()).unwrap();
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
