//! `cargo xtask test`: the project's test suite, runnable on a fresh machine.
//!
//! Installs the Debian packages the tests need when they are missing (the `openssl` CLI as an
//! outside client, `libclang-dev` for the bindgen signature check, `pkg-config`, `libssl-dev`),
//! then runs `cargo test --workspace` and the feature-gated suites.

use anyhow::{bail, Context, Result};
use std::process::{Command, ExitCode};

/// Debian packages the test suite needs (lld and mold: the linker-output attribution tests).
pub const PACKAGES: &[&str] = &[
    "libssl-dev",
    "pkg-config",
    "openssl",
    "libclang-dev",
    "clang",
    "lld",
    "mold",
];

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
