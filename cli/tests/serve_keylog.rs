//! `sslprobe serve --keylog FILE`: the key-log file rules, with the real binary and real files.
//! Key-log files hold TLS secrets: a file is never created for a server that cannot start, the
//! reported mode is the file's real one, and symlinked parent directories and hard-linked files
//! are refused.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use sslprobe::keylog::{support, KeylogSupport};

mod common;
use common::{spawn_server, sslprobe, TempDir};

/// `sslprobe serve --listen LISTEN --keylog PATH` run to its exit, from `cwd`.
fn serve_keylog(listen: &str, path: &str, cwd: &Path) -> Output {
    sslprobe()
        .args(["serve", "--listen", listen, "--keylog", path])
        .current_dir(cwd)
        .output()
        .expect("running sslprobe")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the run was refused before serving: exit 2 and `needle` in stderr when the library
/// can log keys; otherwise (no file is ever opened) exit 1 saying why nothing would be logged.
fn assert_refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert!(out.stdout.is_empty(), "nothing served: {err}");
    if support() == KeylogSupport::Available {
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle:?} in: {err}");
    } else {
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("key logging"), "{err}");
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// The case: a port in use used to leave the key-log file behind. Bind comes first.
#[test]
fn keylog_file_is_not_created_when_the_port_is_taken() {
    let dir = TempDir::new("keylog-port");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let keys = dir.path().join("server.keys");
    let out = serve_keylog(&addr, keys.to_str().unwrap(), dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot listen on {addr}")),
        "{}",
        stderr(&out)
    );
    assert!(!keys.exists(), "{} was created", keys.display());
}

/// The case: an existing 0400 file was reported as "(mode 0600)" while it stayed 0400.
/// Its real mode is reported (root can append to it); for other users the kernel refuses the
/// open and the error names the file.
#[test]
fn keylog_reports_the_real_mode_of_a_0400_file() {
    let dir = TempDir::new("keylog-0400");
    let keys = dir.path().join("ro.keys");
    std::fs::write(&keys, "").unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o400)).unwrap();
    let path = keys.to_str().unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if support() == KeylogSupport::Available && root {
        let mut cmd = sslprobe();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--keylog", path]);
        let (server, _addr, err) = spawn_server(cmd);
        let status = common::next_line(&err, "key-log status line");
        drop(server);
        assert!(
            status.starts_with("sslprobe serve: key logging active")
                && status.contains(&format!("appended to {path} (mode 0400)")),
            "{status}"
        );
        assert!(!status.contains("0600"), "{status}");
    } else {
        let out = serve_keylog("127.0.0.1:0", path, dir.path());
        assert_refused(
            &out,
            &format!("cannot open key log file {path}: Permission denied"),
        );
    }
    assert_eq!(mode(&keys), 0o400, "the mode is left as it was");
}

/// A symbolic link among the parent directories is refused, by absolute and relative path,
/// and nothing is created behind the link.
#[test]
fn keylog_refuses_a_symlink_in_a_parent_directory() {
    let dir = TempDir::new("keylog-parent");
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let abs = link.join("server.keys");
    let out = serve_keylog("127.0.0.1:0", abs.to_str().unwrap(), dir.path());
    assert_refused(
        &out,
        &format!(
            "refusing key log file {}: its parent directory {} is a symbolic link (to {})",
            abs.display(),
            link.display(),
            real.display()
        ),
    );
    let out = serve_keylog("127.0.0.1:0", "link/rel.keys", dir.path());
    assert_refused(
        &out,
        "refusing key log file link/rel.keys: its parent directory link is a symbolic link",
    );
    let created: Vec<_> = std::fs::read_dir(&real).unwrap().collect();
    assert!(created.is_empty(), "created behind the link: {created:?}");
}

/// A file with another hard link is refused and left untouched.
#[test]
fn keylog_refuses_a_hard_linked_file() {
    let dir = TempDir::new("keylog-hardlink");
    let keys = dir.path().join("server.keys");
    std::fs::write(&keys, "keep\n").unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    let other = dir.path().join("elsewhere.keys");
    std::fs::hard_link(&keys, &other).unwrap();
    let out = serve_keylog("127.0.0.1:0", keys.to_str().unwrap(), dir.path());
    assert_refused(
        &out,
        &format!(
            "refusing key log file {}: it has 2 hard links",
            keys.display()
        ),
    );
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep\n");
    assert_eq!(mode(&keys), 0o600);
}
