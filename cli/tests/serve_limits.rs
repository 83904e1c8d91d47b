//! `sslprobe serve` under resource limits and hostile clients, run for real: the built binary
//! in a child process whose limits are lowered with `setrlimit` (in `pre_exec`), real TCP
//! connections that never speak, and a real TLS client (the `openssl` crate) that must still
//! complete a handshake and get its echo afterwards.

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::{Duration, Instant};

mod common;
use common::{spawn_server, sslprobe, Guard, TIMEOUT};

/// `sslprobe serve --listen 127.0.0.1:0 [extra]`, not started yet.
fn serve_cmd(extra: &[&str]) -> Command {
    let mut cmd = sslprobe();
    cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(extra);
    cmd
}

/// Lowers `resource` to `limit` (soft and hard) in the child about to exec.
fn set_limit(resource: libc::__rlimit_resource_t, limit: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: setrlimit with a valid pointer; async-signal-safe.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A TLS client that accepts the server's self-signed certificate.
fn connector() -> SslConnector {
    let mut b = SslConnector::builder(SslMethod::tls_client()).expect("client context");
    b.set_verify(SslVerifyMode::NONE);
    b.build()
}

/// Waits for a `--max-conns 1` server to exit; asserts success and that its connection's log
/// line ends with `ending`.
fn one_connection_ended(mut server: Guard, err: &Receiver<String>, ending: &str) {
    let st = server.wait("sslprobe serve --max-conns 1");
    let log: Vec<String> = err.iter().collect();
    assert!(st.success(), "{st}: {}", log.join("\n"));
    assert!(
        log.iter()
            .any(|l| l.starts_with("connection 1 from") && l.ends_with(ending)),
        "{ending:?} in:\n{}",
        log.join("\n")
    );
}

/// One real TLS round trip: handshake (certificate not verified: it is self-signed), send
/// `hello\n`, read the echo.
fn tls_echo(addr: SocketAddr) -> Result<(), String> {
    let connector = connector();
    let tcp = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .and_then(|()| tcp.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("timeouts: {e}"))?;
    let mut tls = connector
        .connect("localhost", tcp)
        .map_err(|e| format!("handshake: {e}"))?;
    tls.write_all(b"hello\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut echo = [0u8; 6];
    tls.read_exact(&mut echo)
        .map_err(|e| format!("read: {e}"))?;
    if &echo != b"hello\n" {
        return Err(format!("echo {echo:?}"));
    }
    let _ = tls.shutdown();
    Ok(())
}

/// Retries [`tls_echo`] until it works (connections the server had to drop fail), within
/// `TIMEOUT`; returns the number of connections made.
fn tls_echo_eventually(
    addr: SocketAddr,
    server: &mut Guard,
    log: &mut Vec<String>,
    err: &Receiver<String>,
) -> usize {
    let start = Instant::now();
    for attempt in 1.. {
        match tls_echo(addr) {
            Ok(()) => return attempt,
            Err(e) => {
                log.extend(err.try_iter());
                assert!(
                    server.alive(),
                    "the server died; its log:\n{}",
                    log.join("\n")
                );
                assert!(
                    start.elapsed() < TIMEOUT,
                    "no TLS round trip within {TIMEOUT:?} (last: {e}); log:\n{}",
                    log.join("\n")
                );
                thread::sleep(Duration::from_millis(200));
            }
        }
    }
    unreachable!("the loop returns or panics")
}

/// Lines read so far, waiting `settle` first.
fn drain(err: &Receiver<String>, settle: Duration) -> Vec<String> {
    thread::sleep(settle);
    err.try_iter().collect()
}

fn count(log: &[String], needle: &str) -> usize {
    log.iter().filter(|l| l.contains(needle)).count()
}

/// Asserts that exactly `n` lines contain `needle`.
fn assert_count(log: &[String], needle: &str, n: usize) {
    assert_eq!(count(log, needle), n, "{needle:?} in:\n{}", log.join("\n"));
}

/// Asserts that some line starts with `prefix`.
fn assert_starts(log: &[String], prefix: &str) {
    assert!(
        log.iter().any(|l| l.starts_with(prefix)),
        "a line starting with {prefix:?} in:\n{}",
        log.join("\n")
    );
}

/// Phase 1 of the resource tests: opens `n` TCP connections that never speak, waits `settle`,
/// asserts the server lives; returns the connections and the log so far.
fn idle_clients(
    server: &mut Guard,
    addr: SocketAddr,
    err: &Receiver<String>,
    n: usize,
    settle: Duration,
) -> (Vec<TcpStream>, Vec<String>) {
    let idle = (0..n)
        .map(|i| TcpStream::connect(addr).unwrap_or_else(|e| panic!("idle connection {i}: {e}")))
        .collect();
    let log = drain(err, settle);
    assert!(server.alive(), "the server died:\n{}", log.join("\n"));
    (idle, log)
}

/// Phase 2: a real client is served (retrying while the server drops connections), then,
/// 1.2 s later, a second one, which ends the failure episode (the first success at least 1 s
/// after its last failure). Asserts the server lives; returns the connections made.
fn served_again(
    server: &mut Guard,
    addr: SocketAddr,
    err: &Receiver<String>,
    log: &mut Vec<String>,
) -> usize {
    let attempts = tls_echo_eventually(addr, server, log, err);
    thread::sleep(Duration::from_millis(1200));
    tls_echo(addr).expect("a second client");
    log.extend(drain(err, Duration::from_millis(300)));
    assert!(server.alive(), "{}", log.join("\n"));
    assert_starts(log, "connection ");
    attempts + 1
}

/// The case: RLIMIT_NOFILE=32 and 60 idle connections used to print hundreds of
/// thousands of "Too many open files" lines in 3 s. Now: one line for the episode, the server
/// lives, and once the idle clients close, a real TLS client is served.
#[test]
fn fd_limit_backs_off_logs_once_and_keeps_serving() {
    let mut cmd = serve_cmd(&["--handshake-timeout", "60"]);
    // SAFETY: only setrlimit between fork and exec.
    unsafe {
        cmd.pre_exec(|| set_limit(libc::RLIMIT_NOFILE, 32));
    }
    let (mut server, addr, err) = spawn_server(cmd);
    let (idle, mut log) = idle_clients(&mut server, addr, &err, 60, Duration::from_secs(3));
    assert!(
        log.len() < 20,
        "{} stderr lines in 3 s:\n{}",
        log.len(),
        log.join("\n")
    );
    assert_count(&log, "accept failed: Too many open files", 1);
    drop(idle);
    let connections = 60 + served_again(&mut server, addr, &err, &mut log);
    // The backlog of closed connections drains faster than their threads close their sockets,
    // so the limit may be hit again: still a handful of lines, not one per failure.
    let episodes = count(&log, "accept failed: Too many open files");
    assert!((1..=3).contains(&episodes), "{}", log.join("\n"));
    assert_starts(&log, "sslprobe serve: accept works again, after ");
    // Bounded by the connections (one line each at most), not by time: two start-up lines,
    // two per episode.
    assert!(
        log.len() <= 2 + 2 * episodes + connections,
        "{} lines:\n{}",
        log.len(),
        log.join("\n")
    );
}

/// Makes thread creation in the child fail for real: `Builder::spawn` gets `EAGAIN` from
/// `pthread_create` once the child has `limit` tasks.
///
/// RLIMIT_NPROC counts the tasks of the real user and is not enforced for root, and these
/// tests run as root here. So as root the child first becomes `nobody` (uid/gid 65534, no
/// supplementary groups, hence no capabilities); as another user it enters a new user
/// namespace, where the limit counts only its own tasks (Linux >= 5.14 per-namespace
/// ucounts). Both branches were seen to pass: as root, and with this test binary itself run
/// as `nobody` (`setpriv --reuid=65534 --regid=65534 --clear-groups`).
fn limit_threads(cmd: &mut Command, limit: u64) {
    // SAFETY: only async-signal-safe system calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::geteuid() == 0 {
                const NOBODY: u32 = 65534;
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(NOBODY) != 0
                    || libc::setuid(NOBODY) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            } else if libc::unshare(libc::CLONE_NEWUSER) != 0 {
                return Err(io::Error::last_os_error());
            }
            set_limit(libc::RLIMIT_NPROC, limit)
        });
    }
}

/// The case: a low RLIMIT_NPROC made `thread::spawn` panic and the server exit 101.
/// Now the connection whose thread cannot start is dropped, one line says so for the whole
/// episode, and once the busy threads end (handshake timeout) a real client is served.
#[test]
fn failed_thread_spawn_drops_the_connection_not_the_server() {
    let mut cmd = serve_cmd(&["--handshake-timeout", "2"]);
    // The main thread and two connection threads.
    limit_threads(&mut cmd, 3);
    let (mut server, addr, err) = spawn_server(cmd);
    let (idle, mut log) = idle_clients(&mut server, addr, &err, 6, Duration::from_secs(1));
    let failed = "starting a connection thread failed";
    assert_count(&log, failed, 1);
    // The third connection found no thread.
    assert_count(
        &log,
        "(connection 3 dropped, as is every connection until a thread starts)",
        1,
    );
    served_again(&mut server, addr, &err, &mut log);
    drop(idle);
    assert_count(&log, failed, 1);
    assert_starts(
        &log,
        "sslprobe serve: starting a connection thread works again, after ",
    );
    // The two idle connections that got a thread timed out.
    assert_count(
        &log,
        "closed: handshake not completed within the --handshake-timeout (2 s)",
        2,
    );
}

/// `--max-concurrent 1`: while one idle client holds the only slot, a second client waits in
/// the backlog (logged once) and is served as soon as the first times out.
#[test]
fn max_concurrent_makes_clients_wait_then_serves_them() {
    let (mut server, addr, err) = spawn_server(serve_cmd(&[
        "--max-concurrent",
        "1",
        "--handshake-timeout",
        "2",
    ]));
    let idle = TcpStream::connect(addr).expect("idle connection");
    thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    tls_echo(addr).expect("the waiting client is served once the slot frees");
    let waited = start.elapsed();
    let log = drain(&err, Duration::from_millis(300));
    drop(idle);
    assert!(server.alive(), "{}", log.join("\n"));
    assert!(
        log.iter().any(|l| {
            l
            == "sslprobe serve: 1 connection open (the --max-concurrent cap): new clients wait in \
                the listen backlog until one ends"
        }),
        "{}",
        log.join("\n")
    );
    assert!(
        log.iter().any(|l| l.starts_with("connection 1 from")
            && l.ends_with("closed: handshake not completed within the --handshake-timeout (2 s)")),
        "{}",
        log.join("\n")
    );
    // Served after the idle one's deadline, not alongside it.
    assert!(
        waited >= Duration::from_millis(1200),
        "served after {waited:?}"
    );
}

/// `--idle-timeout 1`: a client that completes the handshake and then says nothing is closed.
#[test]
fn idle_connection_is_closed_after_idle_timeout() {
    let (server, addr, err) = spawn_server(serve_cmd(&["--idle-timeout", "1", "--max-conns", "1"]));
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut tls = connector().connect("localhost", tcp).expect("handshake");
    let start = Instant::now();
    let mut buf = [0u8; 16];
    // The server's close ends the read (EOF or an error), long before our own timeout.
    let r = tls.ssl_read(&mut buf);
    let closed_after = start.elapsed();
    assert!(
        closed_after < Duration::from_secs(8),
        "read returned {r:?} after {closed_after:?}"
    );
    one_connection_ended(
        server,
        &err,
        "closed: no progress within the --idle-timeout (1 s)",
    );
}

/// The handshake timeout is a deadline for the whole handshake: a client that trickles one
/// byte every 200 ms (so no single read ever times out) is still closed after it.
#[test]
fn trickling_client_is_closed_at_the_handshake_deadline() {
    let (server, addr, err) =
        spawn_server(serve_cmd(&["--handshake-timeout", "1", "--max-conns", "1"]));
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // A TLS handshake record header announcing 256 bytes, then the body one byte at a time.
    tcp.write_all(&[0x16, 0x03, 0x01, 0x01, 0x00]).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 64];
    let closed_after = loop {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still open after 10 s of trickling"
        );
        if tcp.write_all(&[0]).is_err() {
            break start.elapsed();
        }
        match tcp.read(&mut buf) {
            Ok(0) => break start.elapsed(),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break start.elapsed(),
        }
    };
    assert!(
        closed_after < Duration::from_secs(4),
        "closed after {closed_after:?}"
    );
    one_connection_ended(
        server,
        &err,
        "closed: handshake not completed within the --handshake-timeout (1 s)",
    );
}

/// The new flags are validated: exit 2 with a message naming the flag and the value.
#[test]
fn limit_flags_are_validated() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--max-concurrent", "0"],
            "--max-concurrent must be between 1 and 10000 (got 0)",
        ),
        (
            &["--max-concurrent", "10001"],
            "--max-concurrent must be between 1 and 10000 (got 10001)",
        ),
        (
            &["--handshake-timeout", "0"],
            "--handshake-timeout must be between 1 and 86400 seconds (got 0)",
        ),
        (
            &["--idle-timeout", "86401"],
            "--idle-timeout must be between 1 and 86400 seconds (got 86401)",
        ),
        (&["--idle-timeout=-1"], "--idle-timeout"),
        (&["--max-concurrent", "many"], "--max-concurrent"),
        (&["--handshake-timeout", "1.5"], "--handshake-timeout"),
    ];
    for (args, needle) in cases {
        let out = serve_cmd(args).output().expect("running sslprobe");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing is served");
    }
}
