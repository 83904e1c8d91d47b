//! Build tools (installed with apt when missing), apt helpers and file locks.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

/// A program a recipe needs and the apt package that provides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tool {
    /// Program name looked up in `$PATH`.
    pub program: &'static str,
    /// Debian/Ubuntu package providing it.
    pub package: &'static str,
}

/// `perl` (OpenSSL's Configure).
pub const PERL: Tool = Tool {
    program: "perl",
    package: "perl",
};
/// GNU make.
pub const MAKE: Tool = Tool {
    program: "make",
    package: "make",
};
/// The C compiler.
pub const CC: Tool = Tool {
    program: "cc",
    package: "gcc",
};
/// The C++ compiler (BoringSSL, AWS-LC).
pub const CXX: Tool = Tool {
    program: "c++",
    package: "g++",
};
/// `nm` (symbol checks).
pub const NM: Tool = Tool {
    program: "nm",
    package: "binutils",
};
/// cmake.
pub const CMAKE: Tool = Tool {
    program: "cmake",
    package: "cmake",
};
/// ninja.
pub const NINJA: Tool = Tool {
    program: "ninja",
    package: "ninja-build",
};
/// patchelf (RUNPATH of shared builds).
pub const PATCHELF: Tool = Tool {
    program: "patchelf",
    package: "patchelf",
};
/// tar (LibreSSL tarball).
pub const TAR: Tool = Tool {
    program: "tar",
    package: "tar",
};

/// Tools already checked in this process.
static CHECKED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// Full path of `program` in `$PATH`, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Makes sure every tool is in `$PATH`, installing the missing ones with one
/// `apt-get install -y` (announced on stderr). Each tool is checked once per process.
pub fn ensure_tools(tools: &[Tool]) -> Result<()> {
    let mut guard = CHECKED.lock().unwrap_or_else(|e| e.into_inner());
    let checked = guard.get_or_insert_with(HashSet::new);
    let missing: Vec<Tool> = tools
        .iter()
        .copied()
        .filter(|t| !checked.contains(t.program) && which(t.program).is_none())
        .collect();
    if !missing.is_empty() {
        let mut packages: Vec<&str> = missing.iter().map(|t| t.package).collect();
        packages.dedup();
        let programs: Vec<&str> = missing.iter().map(|t| t.program).collect();
        eprintln!(
            "sslprobe: missing build tools ({}); installing with apt-get: {}",
            programs.join(", "),
            packages.join(" ")
        );
        apt_install(&packages)?;
        let still: Vec<&str> = missing
            .iter()
            .filter(|t| which(t.program).is_none())
            .map(|t| t.program)
            .collect();
        if !still.is_empty() {
            bail!("still missing after apt-get install: {}", still.join(", "));
        }
    }
    checked.extend(tools.iter().map(|t| t.program));
    Ok(())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `apt-get` (through `sudo -n` when not root), non-interactive, output captured.
fn apt_get(args: &[&str]) -> Result<(bool, String)> {
    let mut cmd = if is_root() {
        Command::new("apt-get")
    } else if which("sudo").is_some() {
        let mut c = Command::new("sudo");
        c.args(["-n", "--preserve-env=DEBIAN_FRONTEND", "apt-get"]);
        c
    } else {
        bail!("apt-get {} needs root and there is no sudo", args.join(" "));
    };
    cmd.args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null());
    let out = cmd
        .output()
        .with_context(|| format!("running apt-get {}", args.join(" ")))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status.success(), text))
}

/// Whether `apt-get update` already ran in this process; held through every [`apt_install`].
static UPDATED: Mutex<bool> = Mutex::new(false);

/// `apt-get install -y PACKAGES`; when that fails, `apt-get update` (once per
/// process) and retry. The error carries apt's output. One call at a time in a process
/// (libraries built side by side may each need a package, and a second `apt-get` fails on
/// dpkg's lock instead of waiting for it).
pub fn apt_install(packages: &[&str]) -> Result<()> {
    let mut updated = UPDATED.lock().unwrap_or_else(|e| e.into_inner());
    if which("apt-get").is_none() {
        bail!(
            "apt-get not found: install {} by hand (or run on Debian/Ubuntu)",
            packages.join(" ")
        );
    }
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    let (ok, first) = apt_get(&args)?;
    if ok {
        return Ok(());
    }
    if !*updated {
        eprintln!("sslprobe: apt-get install failed; running apt-get update and retrying");
        let (ok, text) = apt_get(&["update"])?;
        if !ok {
            bail!("apt-get update failed:\n{}", tail(&text, 20));
        }
        *updated = true;
        let (ok, text) = apt_get(&args)?;
        if ok {
            return Ok(());
        }
        bail!(
            "apt-get install {} failed:\n{}",
            packages.join(" "),
            tail(&text, 20)
        );
    }
    bail!(
        "apt-get install {} failed:\n{}",
        packages.join(" "),
        tail(&first, 20)
    )
}

/// Installed version of a Debian package, `None` when not installed.
pub fn dpkg_version(package: &str) -> Result<Option<String>> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}\t${Version}", package])
        .stderr(Stdio::null())
        .output()
        .context("running dpkg-query (is this Debian/Ubuntu?)")?;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(parse_dpkg_status(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `dpkg-query -f '${Status}\t${Version}'` output.
fn parse_dpkg_status(text: &str) -> Option<String> {
    let (status, version) = text.trim().split_once('\t')?;
    (status.ends_with(" installed") && !version.is_empty()).then(|| version.to_string())
}

/// Upstream part of a Debian version: `1:5.5.4-2+deb12u1` -> `5.5.4`.
pub fn debian_upstream_version(version: &str) -> &str {
    let v = version.split_once(':').map_or(version, |(_, v)| v);
    v.rsplit_once('-').map_or(v, |(u, _)| u)
}

/// Files a Debian package installed (`dpkg -L`).
pub fn dpkg_files(package: &str) -> Result<Vec<PathBuf>> {
    let out = Command::new("dpkg")
        .args(["-L", package])
        .output()
        .context("running dpkg -L")?;
    if !out.status.success() {
        bail!(
            "dpkg -L {package} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(PathBuf::from)
        .collect())
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// An exclusive `flock` held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes an exclusive lock on `path` (created if needed), waiting for it.
pub fn lock_file(path: &Path) -> Result<FileLock> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    // SAFETY: flock on a valid, owned file descriptor.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        eprintln!("sslprobe: waiting for lock {}", path.display());
        // SAFETY: as above.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("locking {}", path.display()));
        }
    }
    Ok(FileLock { _file: file })
}

/// `program` as an `OsStr` resolved from an environment override (`CC`, ...).
pub fn env_program(var: &str, default: &'static str) -> std::ffi::OsString {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| OsStr::new(default).to_os_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_parsing() {
        assert_eq!(
            parse_dpkg_status("install ok installed\t5.5.4-2+deb12u1"),
            Some("5.5.4-2+deb12u1".into())
        );
        assert_eq!(parse_dpkg_status("deinstall ok config-files\t1.0"), None);
        assert_eq!(parse_dpkg_status(""), None);
    }

    #[test]
    fn upstream_version() {
        assert_eq!(debian_upstream_version("5.5.4-2+deb12u1"), "5.5.4");
        assert_eq!(debian_upstream_version("1:2.0-1"), "2.0");
        assert_eq!(debian_upstream_version("13.0.0"), "13.0.0");
    }
}
