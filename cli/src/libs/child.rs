//! Child processes that end with the process that started them, sub-processes included.

use std::process::{Child, Command};

/// The supervisor [`supervised`] runs a command under (`sh -c SUPERVISOR sslprobe-supervisor
/// PROGRAM ARGS...`): it starts the command in the background and waits for it, passing on its
/// exit status; on `SIGTERM` it sends `SIGTERM` to its whole process group (the command and
/// everything the command started), then ends.
const SUPERVISOR: &str =
    "trap 'trap - TERM; kill -TERM 0; exit 143' TERM; \"$@\" & wait $!; exit $?";

/// `cmd` (program, arguments, working directory, environment changes), run under a small
/// `sh` supervisor in a process group of its own, so that the whole tree of processes it
/// starts ends with the process running it:
///
/// - on Linux the supervisor gets `SIGTERM` when the thread that starts it ends
///   (`PR_SET_PDEATHSIG`), above all when `sslprobe` or `cargo xtask` is killed by a signal it
///   cannot handle (`kill -9`, an out-of-memory kill, a CI job cancelling the top process
///   only); it then signals the group. Without it a library build's sub-make (OpenSSL 1.1.1's
///   `make build_libs` runs `make _build_libs`, which the top `make` does not stop) went on
///   alone for minutes, writing into a cache directory nobody owned any more;
/// - [`kill_tree`] ends the group at once (a time limit).
///
/// Standard input, output and error are not copied: set them on the returned command. A
/// command that cleared its environment (`env_clear`) cannot be copied faithfully (the
/// builders here never do). The signal follows the starting *thread*, not the process: every
/// caller here waits for the child on the thread that started it. Elsewhere than Linux only
/// the process group and [`kill_tree`] apply.
///
/// ```
/// # #[cfg(unix)] {
/// use std::process::Command;
/// use sslprobe_cli::libs::supervised;
///
/// let mut cmd = Command::new("sh");
/// cmd.args(["-c", "exit 3"]).env("X", "1");
/// // the exit status passes through the supervisor
/// assert_eq!(supervised(&cmd).status().unwrap().code(), Some(3));
/// # }
/// ```
pub fn supervised(cmd: &Command) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut w = Command::new("/bin/sh");
    w.arg("-c")
        .arg(SUPERVISOR)
        .arg("sslprobe-supervisor")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        w.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => w.env(k, v),
            None => w.env_remove(k),
        };
    }
    w.process_group(0);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure runs in the child between fork and exec and calls only
        // async-signal-safe functions (prctl, getppid); it allocates nothing.
        unsafe {
            w.pre_exec(move || {
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGTERM as libc::c_ulong,
                    0,
                    0,
                    0,
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // the parent may have died before the prctl above: nobody would signal us then
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
    w
}

/// Kills a [`supervised`] child's whole process group with `SIGKILL` (the child itself
/// when it has no group of its own), then reaps the child.
pub fn kill_tree(child: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill has no memory preconditions; a supervised child leads its own group.
        if unsafe { libc::kill(-pid, libc::SIGKILL) } != 0 {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// Waits up to `limit` for child `pid` to end; its raw wait status.
    fn reap(pid: libc::pid_t, limit: Duration) -> Option<libc::c_int> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let mut status = 0;
            // SAFETY: pid is a child of this process, not reaped elsewhere.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r == pid {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether process `pid` exists (a zombie counts as gone).
    fn alive(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
    }

    /// Waits up to `limit` for `file` to hold a line; the line.
    fn read_pid(file: &Path, limit: Duration) -> String {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(s) = std::fs::read_to_string(file) {
                if s.ends_with('\n') {
                    return s.trim().to_string();
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{} was not written", file.display());
    }

    /// A thread starts `sh`, which starts a grandchild `sleep` (writing its pid to a file, like
    /// a top `make` starting a sub-make), and ends without waiting, as a killed parent would.
    /// Returns the child's pid and the grandchild's.
    fn orphaned_tree(guarded: bool, dir: &Path) -> (libc::pid_t, String) {
        let file = dir.join(format!("grandchild-{guarded}"));
        let _ = std::fs::remove_file(&file);
        let script = format!("sleep 30 & echo $! > {}; wait", file.display());
        std::thread::spawn(move || {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", &script]);
            let mut cmd = if guarded { supervised(&cmd) } else { cmd };
            // reaped by `reap` on the test's thread: std's wait would need the handle
            #[allow(clippy::zombie_processes)]
            let child = cmd.spawn().unwrap();
            // the tree is whole before its starter goes
            let grandchild = read_pid(&file, Duration::from_secs(10));
            (libc::pid_t::try_from(child.id()).unwrap(), grandchild)
        })
        .join()
        .unwrap()
    }

    #[test]
    fn the_whole_tree_ends_when_its_starter_is_gone() {
        let dir = std::env::temp_dir().join(format!("sslprobe-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();

        let (pid, grandchild) = orphaned_tree(true, &dir);
        let status =
            reap(pid, Duration::from_secs(10)).expect("the supervisor outlived its starter");
        assert!(libc::WIFEXITED(status) || libc::WIFSIGNALED(status));
        let start = Instant::now();
        while alive(&grandchild) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !alive(&grandchild),
            "the grandchild {grandchild} outlived the tree's starter"
        );

        // the control: without the supervisor the whole tree goes on (ended here by hand)
        let (pid, grandchild) = orphaned_tree(false, &dir);
        assert!(
            reap(pid, Duration::from_millis(500)).is_none() && alive(&grandchild),
            "an unsupervised tree ended on its own: the test above proves nothing"
        );
        // SAFETY: pid is our unreaped child; the grandchild is its child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::kill(grandchild.parse().unwrap(), libc::SIGKILL);
        }
        assert!(reap(pid, Duration::from_secs(10)).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn kill_tree_ends_the_grandchildren_too() {
        let dir = std::env::temp_dir().join(format!("sslprobe-kill-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("grandchild");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!("sleep 30 & echo $! > {}; wait", file.display()),
        ]);
        let mut child = supervised(&cmd).spawn().unwrap();
        let grandchild = read_pid(&file, Duration::from_secs(10));
        kill_tree(&mut child);
        let start = Instant::now();
        while alive(&grandchild) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(&grandchild), "kill_tree left {grandchild} running");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_command_is_copied_whole() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "printf '%s|%s|%s' \"$A\" \"${B-unset}\" \"$(pwd)\"",
            "x y",
        ])
        .env("A", "a b")
        .env_remove("B")
        .current_dir("/");
        let out = supervised(&cmd)
            .env("B", "set")
            .env_remove("B")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a b|unset|/");
    }
}
