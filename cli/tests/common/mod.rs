//! Helpers shared by the `sslprobe` binary's integration tests: running the real binary,
//! reading a server's output lines, killing what a test started, temporary directories.
// Each test crate includes this module and uses a different subset of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// How long a test waits for a line or an exit before failing.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The `sslprobe` binary built with these tests.
pub fn sslprobe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sslprobe"))
}

/// Kills (by its own handle) a child still running when the test ends or panics.
pub struct Guard(pub Option<Child>);

impl Guard {
    /// The child.
    pub fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child present")
    }

    /// Waits for the child to exit by itself, within `TIMEOUT`.
    pub fn wait(&mut self, what: &str) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child().try_wait().expect("try_wait") {
                return st;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "{what} did not exit within {TIMEOUT:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the child is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child().try_wait(), Ok(None))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            if let Ok(None) = c.try_wait() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// Sends every line of `r` to a channel, from a thread.
pub fn lines_of(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    rx
}

/// The next line, within `TIMEOUT`.
pub fn next_line(rx: &Receiver<String>, what: &str) -> String {
    rx.recv_timeout(TIMEOUT)
        .unwrap_or_else(|e| panic!("no {what} within {TIMEOUT:?}: {e}"))
}

/// Starts `cmd` with piped stdout and stderr (and `stdin`); returns it and the line channels
/// of both outputs.
pub fn spawn_piped(cmd: &mut Command, stdin: Stdio) -> (Guard, Receiver<String>, Receiver<String>) {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {program}: {e}"));
    let mut g = Guard(Some(child));
    let out = lines_of(g.child().stdout.take().unwrap());
    let err = lines_of(g.child().stderr.take().unwrap());
    (g, out, err)
}

/// Starts a prepared `sslprobe serve` command (stdio set here), reads its `listening on ADDR`
/// line; returns it, the address and its stderr lines.
pub fn spawn_server(mut cmd: Command) -> (Guard, SocketAddr, Receiver<String>) {
    let (g, out, err) = spawn_piped(&mut cmd, Stdio::null());
    let first = match out.recv_timeout(TIMEOUT) {
        Ok(l) => l,
        Err(e) => {
            let log: Vec<String> = err.try_iter().collect();
            panic!(
                "no `listening on` line within {TIMEOUT:?} ({e}); stderr:\n{}",
                log.join("\n")
            )
        }
    };
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first stdout line {first:?}"));
    let addr: SocketAddr = addr.parse().unwrap_or_else(|e| panic!("{addr:?}: {e}"));
    assert_ne!(addr.port(), 0, "the real bound port is printed, not 0");
    (g, addr, err)
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory whose name contains `tag`.
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "sslprobe-cli-test-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        TempDir(p)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The directory as UTF-8 text.
    pub fn str(&self) -> &str {
        self.0.to_str().expect("temp dir is UTF-8")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
