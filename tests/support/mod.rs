//! The scratch-crate harness of the integration tests that build crates with the real `cargo`
//! (`hostile`, `rerun`, `downstream`), included by each with `mod support;`.
//!
//! - [`Crate`] writes a scratch crate (Cargo.toml, build script, sources, this workspace's
//!   `Cargo.lock`).
//! - [`Cargo`] runs `cargo <subcommand> --offline --message-format=json` on it in ONE scrubbed
//!   environment ([`shared::scrubbed`]: nothing of the test's own toolchain, library location, overrides
//!   or cargo flags leaks into a case), and [`Build`] is what came back: the build scripts' cfgs
//!   and `OUT_DIR`s, rustc's diagnostics, warnings, executables.
//! - [`SharedTarget`] is a target directory several builds of one test binary share, with the lock
//!   that serialises them.
//! - [`shared`] (std only, also included by path from `sslprobe-build/tests/batching.rs` and
//!   `cli/tests/controls.rs`): the scrubbed variables, the system OpenSSL (found through
//!   pkg-config), the matrix cache's libraries and doctored copies of the system's;
//!   [`system_prefix`] assembles the system's into prefixes of symlinks.
//!
//! Every prerequisite missing here is a loud failure naming what `cargo xtask test` installs or
//! builds: a case never passes without running.
// Each test binary uses a part of the harness.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, MutexGuard, OnceLock};

pub mod shared;

use shared::{scrubbed, system_openssl};

/// This workspace's root (the `sslprobe` package).
pub const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// Cargo's scratch directory for integration tests.
pub const TMP: &str = env!("CARGO_TARGET_TMPDIR");

/// `path` below this workspace's root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(REPO).join(path)
}

/// Writes `text` to `path`, creating its directory.
pub fn write(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Reads `path`, naming it on failure.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A symlink `dst` → `src` (replacing `dst`), creating `dst`'s directory.
pub fn symlink(src: &Path, dst: &Path) {
    if let Some(d) = dst.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    let _ = std::fs::remove_file(dst);
    std::os::unix::fs::symlink(src, dst)
        .unwrap_or_else(|e| panic!("{} -> {}: {e}", dst.display(), src.display()));
}

/// Copies this workspace's `Cargo.lock` into `dir` (same dependency versions: `--offline` works).
pub fn copy_lock(dir: &Path) {
    std::fs::copy(repo("Cargo.lock"), dir.join("Cargo.lock"))
        .unwrap_or_else(|e| panic!("copying Cargo.lock into {}: {e}", dir.display()));
}

/// The `sslprobe = { path = ... }` dependency line (`extra`: more keys, e.g.
/// `default-features = false`).
pub fn sslprobe_dep(extra: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    format!("sslprobe = {{ path = {REPO:?}{extra} }}")
}

/// The `sslprobe-build = { path = ... }` dependency line.
pub fn sslprobe_build_dep() -> String {
    format!(
        "sslprobe-build = {{ path = {:?} }}",
        repo("sslprobe-build")
            .to_str()
            .expect("UTF-8 workspace path")
    )
}

/// A scratch crate.
pub struct Crate<'a> {
    /// Package name.
    pub name: &'a str,
    /// `[dependencies]` lines.
    pub dependencies: &'a [String],
    /// `[build-dependencies]` lines.
    pub build_dependencies: &'a [String],
    /// Its own workspace, with this workspace's `Cargo.lock` (else a member of an enclosing one).
    pub own_workspace: bool,
    /// Files beside Cargo.toml (`build.rs`, `src/main.rs`, ...) and their text.
    pub files: &'a [(&'a str, &'a str)],
}

impl Crate<'_> {
    /// Writes the crate into `dir` (over whatever is there).
    pub fn write(&self, dir: &Path) {
        let mut toml = format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n",
            self.name
        );
        for (table, lines) in [
            ("dependencies", self.dependencies),
            ("build-dependencies", self.build_dependencies),
        ] {
            if !lines.is_empty() {
                toml.push_str(&format!("\n[{table}]\n{}\n", lines.join("\n")));
            }
        }
        if self.own_workspace {
            toml.push_str("\n[workspace]\n");
        }
        write(&dir.join("Cargo.toml"), &toml);
        for (name, text) in self.files {
            write(&dir.join(name), text);
        }
        if self.own_workspace {
            copy_lock(dir);
        }
    }
}

/// The scrubbed variables of the test's own environment that choose the library and how it is
/// probed (not cargo's own): what a scratch crate passes on when it must see the very library
/// this test binary was built against.
pub fn library_env() -> Vec<(OsString, OsString)> {
    std::env::vars_os()
        .filter(|(k, _)| {
            k.to_str().is_some_and(|k| {
                scrubbed(k)
                    && !["CARGO_", "DEP_"].iter().any(|p| k.starts_with(p))
                    && !k.contains("RUSTFLAGS")
                    && !matches!(k, "OUT_DIR" | "TARGET" | "HOST")
            })
        })
        .collect()
}

/// The host triple (`rustc -vV`).
pub fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let vv = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
        String::from_utf8_lossy(&vv.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
            .expect("host triple")
    })
}

/// A target directory that several builds of one test binary share, and the lock that
/// serialises them (each case sees only its own build's effects).
pub struct SharedTarget {
    /// The directory.
    pub dir: PathBuf,
    lock: Mutex<()>,
}

impl SharedTarget {
    /// A shared target directory at `dir`.
    pub fn new(dir: PathBuf) -> SharedTarget {
        SharedTarget {
            dir,
            lock: Mutex::new(()),
        }
    }

    /// Holds the directory for one case (a panicking case does not poison it for the others).
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One cargo run on a scratch crate.
pub struct Cargo {
    cmd: Command,
}

impl Cargo {
    /// `cargo <subcommand> --offline --message-format=json` in `dir`, building into `target`, in
    /// the scrubbed environment.
    pub fn new(subcommand: &str, dir: &Path, target: &Path) -> Cargo {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(dir);
        for (k, _) in std::env::vars_os() {
            if k.to_str().is_none_or(scrubbed) {
                cmd.env_remove(&k);
            }
        }
        cmd.env("CARGO_TARGET_DIR", target)
            .env("CARGO_TERM_COLOR", "never")
            .args([subcommand, "--offline", "--message-format=json"]);
        Cargo { cmd }
    }

    /// More arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cargo {
        self.cmd.args(args);
        self
    }

    /// More variables.
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Cargo {
        self.cmd.envs(vars);
        self
    }

    /// The command, for a case that wraps it (e.g. in a mount namespace).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs it.
    pub fn run(self) -> Build {
        Build::of(self.cmd)
    }
}

/// What a cargo run gave.
pub struct Build {
    /// Cargo's exit status.
    pub status: ExitStatus,
    /// Whether cargo succeeded.
    pub ok: bool,
    /// Cargo's stderr (progress, `-v` lines, build-script failures).
    pub stderr: String,
    /// The JSON messages on stdout.
    pub messages: Vec<Value>,
}

/// A build script's run, from its `build-script-executed` message.
pub struct Script {
    /// Its `OUT_DIR`.
    pub out_dir: PathBuf,
    /// The cfgs it set.
    pub cfgs: BTreeSet<String>,
}

impl Build {
    /// Runs `cmd` (a cargo command with `--message-format=json`).
    pub fn of(mut cmd: Command) -> Build {
        let out = cmd.output().expect("run cargo");
        let messages = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        Build {
            status: out.status,
            ok: out.status.success(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            messages,
        }
    }

    fn of_reason<'a>(&'a self, reason: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.messages.iter().filter(move |m| m["reason"] == reason)
    }

    /// The `build-script-executed` message of package `name` (cargo replays it for a fresh
    /// build script too).
    pub fn script(&self, name: &str) -> Option<Script> {
        let needle = format!("#{name}@");
        self.of_reason("build-script-executed")
            .find(|m| {
                m["package_id"]
                    .as_str()
                    .is_some_and(|p| p.contains(&needle))
            })
            .map(|m| Script {
                out_dir: PathBuf::from(m["out_dir"].as_str().unwrap()),
                cfgs: m["cfgs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect(),
            })
    }

    /// rustc's diagnostics, rendered.
    pub fn rustc_diagnostics(&self) -> String {
        self.of_reason("compiler-message")
            .filter_map(|m| m["message"]["rendered"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every warning: rustc's (rendered) and cargo's own (`warning:` lines on stderr).
    pub fn warnings(&self) -> Vec<String> {
        self.of_reason("compiler-message")
            .filter(|m| m["message"]["level"] == "warning")
            .filter_map(|m| m["message"]["rendered"].as_str().map(str::to_string))
            .chain(
                self.stderr
                    .lines()
                    .filter(|l| l.trim_start().starts_with("warning"))
                    .map(str::to_string),
            )
            .collect()
    }

    /// The executable built for binary target `name`.
    pub fn executable(&self, name: &str) -> Option<PathBuf> {
        self.of_reason("compiler-artifact")
            .filter(|m| m["target"]["name"] == name)
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
    }

    /// Runs the executable built for binary target `name`; asserts that it succeeded and returns
    /// its stdout.
    pub fn run_executable(&self, name: &str) -> String {
        let exe = self
            .executable(name)
            .unwrap_or_else(|| panic!("no executable {name} was built:\n{}", self.stderr));
        let out = Command::new(&exe)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{name} failed ({}):\n{}\n{stdout}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Asserts that the build succeeded.
    pub fn expect_ok(&self, what: &str) {
        assert!(
            self.ok,
            "{what}: the build failed ({}):\n{}\n{}",
            self.status,
            self.stderr,
            self.rustc_diagnostics()
        );
    }

    /// Asserts that the build failed in `pkg`'s build script with every `needle` in its output,
    /// and that no results were produced for `pkg` (so nothing could be read as "absent").
    pub fn expect_error(&self, pkg: &str, needles: &[&str]) {
        assert!(
            !self.ok,
            "expected the build to fail, it succeeded:\n{}",
            self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "the error should contain {n:?}:\n{}",
                self.stderr
            );
        }
        assert!(
            self.script(pkg).is_none(),
            "a failed build must not produce results for {pkg}"
        );
        assert!(
            self.stderr
                .contains(&format!("failed to run custom build command for `{pkg}")),
            "{}",
            self.stderr
        );
    }
}

/// Which parts of the system OpenSSL a prefix made by [`system_prefix`] holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Headers and shared libraries.
    Whole,
    /// Headers and an empty `lib/`.
    HeadersOnly,
    /// Shared libraries, no `include/`.
    LibrariesOnly,
}

/// A prefix at `dir` (made anew) of symlinks to the system OpenSSL: `include/openssl/` holds every
/// header (the multiarch ones too), each a symlink except those named in `copied`, which are real
/// copies a test may touch; `lib/` holds `libssl.so*` and `libcrypto.so*` (no static libraries).
pub fn system_prefix(dir: &Path, parts: Parts, copied: &[&str]) -> PathBuf {
    let sys = system_openssl();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    if parts != Parts::LibrariesOnly {
        let inc = dir.join("include/openssl");
        let headers = sys.include.join("openssl");
        for d in std::iter::once(&headers).chain(&sys.multiarch) {
            for e in std::fs::read_dir(d).unwrap() {
                let (name, path) = e.map(|e| (e.file_name(), e.path())).unwrap();
                let to = inc.join(&name);
                if to.exists() {
                    continue;
                }
                if copied.iter().any(|c| name == **c) {
                    std::fs::copy(&path, &to).unwrap();
                } else {
                    symlink(&path, &to);
                }
            }
        }
    }
    if parts != Parts::HeadersOnly {
        for e in std::fs::read_dir(&sys.lib_dir).unwrap() {
            let name = e.unwrap().file_name();
            let n = name.to_string_lossy();
            if n.starts_with("libssl.so") || n.starts_with("libcrypto.so") {
                symlink(&sys.lib_dir.join(&name), &dir.join("lib").join(&name));
            }
        }
    }
    dir.to_path_buf()
}
