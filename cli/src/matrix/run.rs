//! Running child processes for the matrix: a scrubbed environment, combined output kept in a
//! log file, a time limit, and a copy-pasteable rendering of each command.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Whether an inherited environment variable must not reach the matrix's children: anything
/// that would make the build find a different library (`OPENSSL_*`, `<TARGET>_OPENSSL_*`,
/// `DEP_OPENSSL_*`), sslprobe's own overrides (`SSLPROBE_*`), a key log file, or another target
/// directory.
pub fn scrubbed(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    name.contains("OPENSSL")
        || name.starts_with("SSLPROBE_")
        || name == "SSLKEYLOGFILE"
        || name == "CARGO_TARGET_DIR"
        || name == "CARGO_BUILD_TARGET_DIR"
}

/// A command with the inherited environment scrubbed (see [`scrubbed`]) and `vars` set.
pub fn command(program: &OsStr, args: &[&OsStr], vars: &[(String, OsString)]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, _) in std::env::vars_os() {
        if scrubbed(&k) {
            cmd.env_remove(&k);
        }
    }
    cmd.env("CARGO_TERM_COLOR", "never");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// A word quoted for a POSIX shell when it needs it (`it's` → `'it'\''s'`).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `K=V K=V program args...`, quoted for a POSIX shell where needed.
pub fn render(program: &OsStr, args: &[&OsStr], vars: &[(String, OsString)]) -> String {
    let quote = |s: &OsStr| shell_quote(&s.to_string_lossy());
    let mut parts: Vec<String> = vars
        .iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect();
    let prog = Path::new(program)
        .file_name()
        .filter(|n| *n == "cargo")
        .map_or_else(|| quote(program), |n| n.to_string_lossy().into_owned());
    parts.push(prog);
    parts.extend(args.iter().map(|a| quote(a)));
    parts.join(" ")
}

/// How a finished (or killed) child ended.
#[derive(Debug)]
pub struct Finished {
    /// Exit status (`None` when killed for exceeding the time limit).
    pub status: Option<ExitStatus>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl Finished {
    /// Exited with status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

fn wait_limited(child: &mut Child, limit: Duration) -> Result<Option<ExitStatus>> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if start.elapsed() > limit {
            crate::libs::kill_tree(child);
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The result of [`run_logged`].
#[derive(Debug)]
pub struct Logged {
    /// How it ended.
    pub finished: Finished,
    /// stdout and stderr interleaved as written.
    pub output: String,
    /// The log file holding the command line and the output.
    pub log: PathBuf,
}

/// Runs `cmd` (with no input, [`supervised`](crate::libs::supervised): nothing it starts
/// outlives this process) with stdout and stderr both appended to `log` (after a `$ line`
/// header), killing it and everything it started after `limit`.
pub fn run_logged(cmd: Command, line: &str, log: &Path, limit: Duration) -> Result<Logged> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(log, format!("$ {line}\n"))
        .with_context(|| format!("writing {}", log.display()))?;
    let file = File::options()
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let start = Instant::now();
    let mut child = crate::libs::supervised(&cmd)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("starting `{line}`"))?;
    let status = wait_limited(&mut child, limit)?;
    let seconds = start.elapsed().as_secs_f64();
    let mut output = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    if let Some(rest) = output.strip_prefix(&format!("$ {line}\n")) {
        output = rest.to_string();
    }
    if status.is_none() {
        output.push_str(&format!(
            "\n[killed after {} s: time limit]\n",
            limit.as_secs()
        ));
        let _ = std::fs::write(log, format!("$ {line}\n{output}"));
    }
    Ok(Logged {
        finished: Finished { status, seconds },
        output,
        log: log.to_path_buf(),
    })
}

/// The result of [`run_captured`].
#[derive(Debug)]
pub struct Captured {
    /// How it ended.
    pub finished: Finished,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

/// Runs `cmd` (with no input, [`supervised`](crate::libs::supervised)) with stdout and stderr
/// captured separately, killing it and everything it started after `limit`.
pub fn run_captured(cmd: Command, line: &str, limit: Duration) -> Result<Captured> {
    let dir = std::env::temp_dir().join(format!(
        "sslprobe-matrix-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let start = Instant::now();
    let spawned = crate::libs::supervised(&cmd)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .spawn()
        .with_context(|| format!("starting `{line}`"));
    let result = spawned.and_then(|mut child| wait_limited(&mut child, limit));
    let read = |p: &Path| {
        std::fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let (stdout, mut stderr) = (read(&out_path), read(&err_path));
    let _ = std::fs::remove_dir_all(&dir);
    let status = result?;
    if status.is_none() {
        stderr.push_str(&format!(
            "\n[killed after {} s: time limit]\n",
            limit.as_secs()
        ));
    }
    Ok(Captured {
        finished: Finished {
            status,
            seconds: start.elapsed().as_secs_f64(),
        },
        stdout,
        stderr,
    })
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing() {
        for v in [
            "OPENSSL_DIR",
            "X86_64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR",
            "DEP_OPENSSL_INCLUDE",
            "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS",
            "SSLPROBE_NO_PROBE",
            "SSLKEYLOGFILE",
            "CARGO_TARGET_DIR",
        ] {
            assert!(scrubbed(OsStr::new(v)), "{v}");
        }
        for v in ["PATH", "HOME", "CC", "RUSTFLAGS", "LD_LIBRARY_PATH"] {
            assert!(!scrubbed(OsStr::new(v)), "{v}");
        }
    }

    #[test]
    fn rendering() {
        let vars = vec![
            ("OPENSSL_DIR".to_string(), OsString::from("/c/p x")),
            ("OPENSSL_STATIC".to_string(), OsString::from("1")),
        ];
        let args: Vec<&OsStr> = ["test", "-p", "sslprobe", "--features", "openssl/bindgen"]
            .iter()
            .map(OsStr::new)
            .collect();
        assert_eq!(
            render(OsStr::new("/root/.cargo/bin/cargo"), &args, &vars),
            "OPENSSL_DIR='/c/p x' OPENSSL_STATIC=1 cargo test -p sslprobe --features openssl/bindgen"
        );
        assert_eq!(
            render(OsStr::new("/bin/sh"), &[OsStr::new("it's")], &[]),
            "/bin/sh 'it'\\''s'"
        );
    }

    #[test]
    fn logged_and_captured_runs() {
        let dir = std::env::temp_dir().join(format!("sslprobe-run-test-{}", std::process::id()));
        let log = dir.join("x.log");
        let cmd = command(
            OsStr::new("sh"),
            &[
                OsStr::new("-c"),
                OsStr::new("echo out; echo err >&2; exit 3"),
            ],
            &[],
        );
        let r = run_logged(cmd, "sh -c ...", &log, Duration::from_secs(30)).unwrap();
        assert!(!r.finished.success());
        assert_eq!(r.finished.status.and_then(|s| s.code()), Some(3));
        assert!(
            r.output.contains("out\n") && r.output.contains("err\n"),
            "{}",
            r.output
        );
        assert!(std::fs::read_to_string(&log)
            .unwrap()
            .starts_with("$ sh -c ...\n"));
        let cmd = command(
            OsStr::new("sh"),
            &[OsStr::new("-c"), OsStr::new("echo out; echo err >&2")],
            &[("SSLPROBE_RUN_TEST_VAR".into(), "v".into())],
        );
        let c = run_captured(cmd, "sh", Duration::from_secs(30)).unwrap();
        assert!(c.finished.success());
        assert_eq!((c.stdout.as_str(), c.stderr.as_str()), ("out\n", "err\n"));
        let cmd = command(OsStr::new("sleep"), &[OsStr::new("5")], &[]);
        let c = run_captured(cmd, "sleep 5", Duration::from_millis(200)).unwrap();
        assert!(c.finished.status.is_none(), "killed");
        assert!(c.stderr.contains("time limit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tails() {
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
