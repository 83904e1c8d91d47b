//! The append-only build log every step of a library build writes into.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::Progress;

/// An append-only build log that commands write into; each command it runs is also reported
/// as the build's current step to a [`Progress`] observer, when there is one.
pub struct Log {
    file: File,
    progress: Option<(String, Progress)>,
}

impl Log {
    /// Creates (truncates) the log at `path`.
    pub fn create(path: &Path) -> Result<Log> {
        let file =
            File::create(path).with_context(|| format!("creating log {}", path.display()))?;
        Ok(Log {
            file,
            progress: None,
        })
    }

    /// Reports every command this log runs to `progress`, as a step of library `key`.
    pub fn with_progress(mut self, key: &str, progress: Option<Progress>) -> Log {
        self.progress = progress.map(|p| (key.to_string(), p));
        self
    }

    /// Appends a line of commentary.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.file, "### {text}");
    }

    fn prepare(&mut self, cmd: &mut Command) -> Result<String> {
        let line = describe(cmd);
        if let Some((key, progress)) = &self.progress {
            progress.report(key, &step_label(cmd));
        }
        writeln!(self.file, "\n$ {line}")?;
        self.file.flush()?;
        cmd.stdin(Stdio::null())
            .env("LC_ALL", "C")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL");
        Ok(line)
    }

    /// Runs a command with stdout and stderr appended to the log, then its wall time.
    pub fn run(&mut self, cmd: &mut Command) -> Result<()> {
        let line = self.prepare(cmd)?;
        let start = Instant::now();
        let status = cmd
            .stdout(self.file.try_clone()?)
            .stderr(self.file.try_clone()?)
            .status()
            .with_context(|| format!("starting `{line}`"))?;
        self.note(&format!("{:.1} s", start.elapsed().as_secs_f64()));
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(())
    }

    /// Runs a command, returning its stdout; stderr goes to the log.
    pub fn output(&mut self, cmd: &mut Command) -> Result<Vec<u8>> {
        let line = self.prepare(cmd)?;
        let out = cmd
            .stdout(Stdio::piped())
            .stderr(self.file.try_clone()?)
            .output()
            .with_context(|| format!("starting `{line}`"))?;
        if !out.status.success() {
            bail!("`{line}` failed ({})", out.status);
        }
        Ok(out.stdout)
    }
}

/// A short name for a build step: the program's file name and its first few short,
/// non-path arguments (`make -j2 build_libs`, `perl ./Configure linux-x86_64`, `ninja -C`).
pub(super) fn step_label(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program()).file_name().map_or_else(
        || cmd.get_program().to_string_lossy(),
        |n| n.to_string_lossy(),
    );
    let mut label = program.into_owned();
    for a in cmd
        .get_args()
        .map(|a| a.to_string_lossy())
        .filter(|a| !a.starts_with('/') && !a.starts_with("--prefix") && a.len() <= 24)
        .take(3)
    {
        label.push(' ');
        label.push_str(&a);
    }
    label
}

/// The command as a copy-pasteable shell line (with its working directory first).
pub(super) fn describe(cmd: &Command) -> String {
    let mut s = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        s.push_str(&format!("(cd {}) ", dir.display()));
    }
    let quote = |a: &OsStr| {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains([' ', '\'', '"', '$']) {
            format!("'{}'", a.replace('\'', "'\\''"))
        } else {
            a.into_owned()
        }
    };
    s.push_str(&quote(cmd.get_program()));
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&quote(a));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_labels_are_short() {
        let mut c = Command::new("/usr/bin/make");
        c.args(["-j2", "build_libs"]).current_dir("/tmp");
        assert_eq!(step_label(&c), "make -j2 build_libs");
        let mut c = Command::new("perl");
        c.args(["./Configure", "linux-x86_64", "no-shared", "--prefix=/c/p"]);
        assert_eq!(step_label(&c), "perl ./Configure linux-x86_64 no-shared");
        let mut c = Command::new("tar");
        c.args(["xzf", "/some/where/libressl-3.5.4.tar.gz", "-C", "/x"]);
        assert_eq!(step_label(&c), "tar xzf -C");
    }
}
