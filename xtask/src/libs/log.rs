//! The append-only build log every step of a library build writes into.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// An append-only build log that commands write into.
pub struct Log {
    file: File,
}

impl Log {
    /// Creates (truncates) the log at `path`.
    pub fn create(path: &Path) -> Result<Log> {
        let file =
            File::create(path).with_context(|| format!("creating log {}", path.display()))?;
        Ok(Log { file })
    }

    /// Appends a line of commentary.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.file, "### {text}");
    }

    fn prepare(&mut self, cmd: &mut Command) -> Result<String> {
        let line = describe(cmd);
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
