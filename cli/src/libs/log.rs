//! The append-only build log every step of a library build writes into.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read as _, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::Progress;

/// An append-only build log that commands write into; each command it runs is also reported
/// as the build's current step to a [`Progress`] observer, when there is one.
pub struct Log {
    file: File,
    progress: Option<(String, Progress)>,
    cpu_seconds: f64,
}

impl Log {
    /// Creates (truncates) the log at `path`.
    pub fn create(path: &Path) -> Result<Log> {
        let file =
            File::create(path).with_context(|| format!("creating log {}", path.display()))?;
        Ok(Log {
            file,
            progress: None,
            cpu_seconds: 0.0,
        })
    }

    /// Reports every command this log runs to `progress`, as a step of library `key`.
    pub fn with_progress(mut self, key: &str, progress: Option<Progress>) -> Log {
        self.progress = progress.map(|p| (key.to_string(), p));
        self
    }

    /// CPU seconds (user + system) used by the commands this log has run, each with the
    /// descendants it waited for (a `make` and its compilers). Measured per command, so a
    /// build's figure stays its own while other builds run in the same process.
    pub fn cpu_seconds(&self) -> f64 {
        self.cpu_seconds
    }

    /// Appends a line of commentary.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.file, "### {text}");
    }

    /// Logs `cmd`'s line and returns it with the command to spawn: `cmd` in the C locale, out
    /// of any outer `make`'s jobserver, with no input, under a [`supervised`](super::supervised)
    /// process group (a killed build leaves no `make` behind).
    fn prepare(&mut self, cmd: &mut Command) -> Result<(String, Command)> {
        let line = describe(cmd);
        if let Some((key, progress)) = &self.progress {
            progress.report(key, &step_label(cmd));
        }
        writeln!(self.file, "\n$ {line}")?;
        self.file.flush()?;
        cmd.env("LC_ALL", "C")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL");
        let mut spawned = super::supervised(cmd);
        spawned.stdin(Stdio::null());
        Ok((line, spawned))
    }

    /// Runs a command with stdout and stderr appended to the log, then its wall and CPU time.
    pub fn run(&mut self, cmd: &mut Command) -> Result<()> {
        let (line, mut cmd) = self.prepare(cmd)?;
        let start = Instant::now();
        let child = cmd
            .stdout(self.file.try_clone()?)
            .stderr(self.file.try_clone()?)
            .spawn()
            .with_context(|| format!("starting `{line}`"))?;
        let (status, cpu) =
            wait_measured(child).with_context(|| format!("waiting for `{line}`"))?;
        self.cpu_seconds += cpu;
        self.note(&format!(
            "{:.1} s ({cpu:.1} s CPU)",
            start.elapsed().as_secs_f64()
        ));
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(())
    }

    /// Runs a command, returning its stdout; stderr goes to the log.
    pub fn output(&mut self, cmd: &mut Command) -> Result<Vec<u8>> {
        let (line, mut cmd) = self.prepare(cmd)?;
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(self.file.try_clone()?)
            .spawn()
            .with_context(|| format!("starting `{line}`"))?;
        let mut stdout = Vec::new();
        if let Some(mut pipe) = child.stdout.take() {
            pipe.read_to_end(&mut stdout)
                .with_context(|| format!("reading the output of `{line}`"))?;
        }
        let (status, cpu) =
            wait_measured(child).with_context(|| format!("waiting for `{line}`"))?;
        self.cpu_seconds += cpu;
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(stdout)
    }
}

/// Waits for `child` (with `wait4`, not [`std::process::Child::wait`]) and returns its exit
/// status and the CPU seconds, user + system, that it and the descendants it waited for used.
/// `getrusage(RUSAGE_CHILDREN)` would count every child of the process, other threads'
/// builds included.
fn wait_measured(child: std::process::Child) -> Result<(ExitStatus, f64)> {
    use std::os::unix::process::ExitStatusExt as _;
    let pid = libc::pid_t::try_from(child.id()).context("process id out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 only writes the two out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own child, not yet reaped (std reaps only in wait/try_wait).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err).context("wait4");
        }
    }
    // Reaped: the handle must not be waited for again (dropping it closes its pipes only).
    drop(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok((
        ExitStatus::from_raw(status),
        secs(usage.ru_utime) + secs(usage.ru_stime),
    ))
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

    /// A shell loop that keeps a CPU busy for about `secs` seconds.
    fn busy(secs: f64) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!(
            "end=$(( $(date +%s%N) + {} )); while [ $(date +%s%N) -lt $end ]; do :; done",
            (secs * 1e9) as u64
        ));
        c
    }

    #[test]
    fn each_log_counts_the_cpu_of_its_own_commands_only() {
        let dir = std::env::temp_dir().join(format!("sslprobe-log-cpu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.log"), dir.join("b.log"));
        // a busy build and a sleeping one side by side, as `cargo xtask libs` runs them
        let (busy_cpu, idle_cpu) = std::thread::scope(|s| {
            let busy_log = s.spawn(|| {
                let mut log = Log::create(&a).unwrap();
                log.run(&mut busy(0.6)).unwrap();
                log.cpu_seconds()
            });
            let idle_log = s.spawn(|| {
                let mut log = Log::create(&b).unwrap();
                log.run(Command::new("sleep").arg("1")).unwrap();
                log.output(Command::new("echo").arg("hi")).unwrap();
                log.cpu_seconds()
            });
            (busy_log.join().unwrap(), idle_log.join().unwrap())
        });
        assert!(busy_cpu > 0.3, "the busy command's CPU: {busy_cpu}");
        assert!(
            idle_cpu < 0.2,
            "the sleeping build was charged the other build's CPU: {idle_cpu}"
        );
        // the log says each command's time
        assert!(std::fs::read_to_string(&a).unwrap().contains("s CPU)"));
        // a failing command still fails, with its status
        let mut log = Log::create(&b).unwrap();
        let err = log.run(Command::new("false").arg("x")).unwrap_err();
        assert!(format!("{err:#}").contains("failed"), "{err:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }

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
