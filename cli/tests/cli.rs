//! The `sslprobe` binary, run for real: `report` (human and JSON), `serve` against the real
//! `openssl s_client`, and bad arguments.

use serde_json::Value;
use sslprobe::{build_info, Family};
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Instant;

mod common;
use common::{spawn_piped, spawn_server, sslprobe, Guard, TIMEOUT};

fn run(args: &[&str]) -> Output {
    sslprobe().args(args).output().expect("running sslprobe")
}

/// OpenSSL with an effective num_tickets: where the exact ticket numbers are known.
fn openssl_with_num_tickets() -> bool {
    let b = build_info();
    b.family == Family::OpenSsl
        && b.api("SSL_CTX_set_num_tickets")
            .is_some_and(|a| a.present && a.effective)
}

/// Starts `sslprobe serve --listen 127.0.0.1:0 --max-conns 1 [extra]`, returns it and its address.
fn start_server(extra: &[&str]) -> (Guard, SocketAddr, Receiver<String>) {
    let mut cmd = sslprobe();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--max-conns", "1"])
        .args(extra);
    let (g, addr, err) = spawn_server(cmd);
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    (g, addr, err)
}

/// `openssl s_client -connect ADDR -tls1_3 -msg`: sends "hello", waits for the echo, closes
/// stdin; returns every stdout line.
fn s_client(addr: SocketAddr) -> Vec<String> {
    s_client_with(addr, &["-tls1_3", "-msg"])
}

fn s_client_with(addr: SocketAddr, extra: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &addr.to_string(),
        "-servername",
        "localhost",
    ])
    .args(extra);
    // The openssl CLI must be installed.
    let (mut g, out, err) = spawn_piped(&mut cmd, Stdio::piped());
    let mut stdin = g.child().stdin.take().unwrap();
    stdin
        .write_all(b"hello\n")
        .and_then(|()| stdin.flush())
        .expect("writing to s_client");
    let mut lines = Vec::new();
    let start = Instant::now();
    // Tickets precede the echo on the wire, so once "hello" is back every ticket has been printed.
    while !lines.iter().any(|l: &String| l == "hello") {
        let left = TIMEOUT.checked_sub(start.elapsed()).unwrap_or_default();
        match out.recv_timeout(left) {
            Ok(l) => lines.push(l),
            Err(e) => {
                let stderr: Vec<String> = err.try_iter().collect();
                panic!(
                    "no echo from sslprobe serve ({e}); s_client stdout:\n{}\nstderr:\n{}",
                    lines.join("\n"),
                    stderr.join("\n")
                );
            }
        }
    }
    drop(stdin);
    let st = g.wait("openssl s_client");
    lines.extend(out.iter());
    assert!(st.success(), "s_client: {st}\n{}", lines.join("\n"));
    lines
}

fn tickets_received(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| l.starts_with("<<<") && l.contains("NewSessionTicket"))
        .count()
}

fn serve_and_count(extra: &[&str]) -> (usize, Vec<String>) {
    let (mut server, addr, err) = start_server(extra);
    let lines = s_client(addr);
    let st = server.wait("sslprobe serve --max-conns 1");
    let log: Vec<String> = err.iter().collect();
    assert!(st.success(), "serve exited with {st}:\n{}", log.join("\n"));
    assert!(
        log.iter()
            .any(|l| l.starts_with("connection 1 from 127.0.0.1:") && l.contains("TLSv1.3")),
        "{log:?}"
    );
    // The trace really is there (so "no NewSessionTicket" is not an empty output).
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<<<") && l.contains("Handshake") && l.contains("Finished")),
        "{}",
        lines.join("\n")
    );
    (tickets_received(&lines), log)
}

#[test]
fn serve_baseline_sends_two_tickets_to_s_client() {
    let (n, log) = serve_and_count(&["--baseline"]);
    eprintln!("{}", log.join("\n"));
    if openssl_with_num_tickets() {
        assert_eq!(n, 2, "SSL_OP_NO_TICKET only: 2 NewSessionTicket messages");
        assert!(
            log.iter()
                .any(|l| l.contains("2 NewSessionTickets sent") && l.contains("3 writes")),
            "{log:?}"
        );
    }
}

#[test]
fn serve_fixed_sends_no_ticket_to_s_client() {
    let (n, log) = serve_and_count(&[]);
    eprintln!("{}", log.join("\n"));
    assert_eq!(n, 0, "disable_session_tickets: no NewSessionTicket at all");
    assert!(
        log.iter()
            .any(|l| l.contains("0 NewSessionTickets sent") && l.contains("1 write ")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("tickets fixed: SSL_OP_NO_TICKET set")),
        "{log:?}"
    );
}

#[test]
fn serve_tls12_only_refuses_tls13_clients() {
    let (mut server, addr, err) = start_server(&["--tls12"]);
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &addr.to_string(), "-tls1_3"])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    assert!(
        !out.status.success(),
        "a TLS 1.3-only client must fail against --tls12"
    );
    let st = server.wait("sslprobe serve --tls12 --max-conns 1");
    assert!(st.success());
    let log: Vec<String> = err.iter().collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("connection 1 from") && l.contains("server handshake")),
        "{log:?}"
    );
}

#[test]
fn report_json_has_the_documented_fields() {
    let out = run(&["report", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", out.status);
    let v: Value = serde_json::from_slice(&out.stdout).expect("report --json prints JSON");
    let b = build_info();
    assert_eq!(v["library"]["family"], b.family.as_str());
    assert_eq!(v["library"]["version"], b.version);
    assert_eq!(v["library"]["found_by"], b.found_by);
    assert_eq!(v["runtime"]["matches"], true);
    let apis = v["apis"].as_array().expect("apis[]");
    assert_eq!(apis.len(), b.apis.len());
    for (j, a) in apis.iter().zip(b.apis) {
        assert_eq!(j["name"], a.name);
        assert_eq!(j["cfg"], a.cfg);
        assert_eq!(j["present"], a.present);
        assert_eq!(j["effective"], a.effective);
    }
    for p in ["tls13", "tls12"] {
        for m in ["baseline", "fixed"] {
            assert!(
                v["tickets"][p][m].is_u64(),
                "tickets.{p}.{m} is a count: {}",
                v["tickets"][p]
            );
        }
    }
    assert_eq!(v["tickets"]["tls13"]["fixed"], 0);
    assert_eq!(v["tickets"]["tls12"]["fixed"], 0);
    assert_eq!(v["tickets"]["tls12"]["baseline"], 0);
    if openssl_with_num_tickets() {
        assert_eq!(v["tickets"]["tls13"]["baseline"], 2);
        assert_eq!(
            v["tickets"]["tls13"]["details"]["baseline"]["writes_after_finished"],
            3
        );
        assert_eq!(
            v["tickets"]["tls13"]["details"]["fixed"]["writes_after_finished"],
            1
        );
        assert!(
            v["tickets"]["tls13"]["bytes_saved"]
                .as_i64()
                .is_some_and(|n| n > 0),
            "{}",
            v["tickets"]["tls13"]
        );
    }
}

#[test]
fn report_human_is_an_aligned_table() {
    let out = run(&["report"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let b = build_info();
    assert!(
        text.contains(&format!("built against {}", b.describe())),
        "{text}"
    );
    let checks: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Checking for "))
        .collect();
    assert_eq!(checks.len(), b.apis.len(), "one line per API");
    // Every result starts in the same column, right after the dots.
    let cols: Vec<usize> = checks
        .iter()
        .map(|l| l.find(" YES").or_else(|| l.find(" NO")).expect("YES or NO"))
        .collect();
    assert!(
        cols.windows(2).all(|w| w[0] == w[1]),
        "results not aligned:\n{}",
        checks.join("\n")
    );
    for a in b.apis {
        let line = checks
            .iter()
            .find(|l| l.contains(&format!(" {} .", a.name)))
            .unwrap_or_else(|| panic!("{} missing", a.name));
        assert_eq!(line.contains(" YES"), a.present, "{line}");
        assert!(line.contains(&format!("cfg {}", a.cfg)), "{line}");
    }
    let nt = checks
        .iter()
        .find(|l| l.contains(" SSL_CTX_set_num_tickets ."))
        .unwrap();
    if openssl_with_num_tickets() {
        assert!(
            nt.starts_with("Checking for function SSL_CTX_set_num_tickets ...")
                && nt.contains("YES (fn)"),
            "{nt}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("  TLS 1.3 full handshake")
                    && l.contains("2 tickets")
                    && l.contains("0 tickets")),
            "{text}"
        );
    }
    assert!(text.contains("matches the build"), "{text}");
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "sslprobe {args:?} must exit 2; stderr: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "sslprobe {args:?}: expected {needle:?} in: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    assert_usage_error(
        &["serve", "--listen", "nonsense"],
        "--listen \"nonsense\" is not a usable address",
    );
    assert_usage_error(
        &["serve", "--listen", "127.0.0.1"],
        "is not a usable address",
    );
    assert_usage_error(
        &["serve", "--listen", "127.0.0.1:0", "--tls12", "--tls13"],
        "--tls12 and --tls13 exclude each other",
    );
    assert_usage_error(
        &["serve", "--listen", "127.0.0.1:0", "--max-conns", "0"],
        "--max-conns must be at least 1",
    );
    assert_usage_error(
        &["serve", "--listen", "127.0.0.1:0", "--max-conns", "many"],
        "--max-conns",
    );
    assert_usage_error(&["serve"], "--listen");
    assert_usage_error(&["report", "--bogus"], "--bogus");
    // A port already taken is unusable input too.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_usage_error(
        &["serve", "--listen", &addr],
        &format!("cannot listen on {addr}"),
    );
}

/// The "done when" for key logging: `openssl s_client -keylogfile C` against
/// `sslprobe serve --keylog S` yields the same set of lines in C and S (TLS 1.3 and 1.2).
#[test]
#[cfg_attr(
    not(have_ssl_ctx_set_keylog_callback),
    ignore = "SSL_CTX_set_keylog_callback is absent from the library sslprobe was built against"
)]
fn serve_keylog_matches_s_client_keylog() {
    for (proto, n) in [("-tls1_3", 5), ("-tls1_2", 1)] {
        let dir =
            std::env::temp_dir().join(format!("sslprobe-keylog-{}-{proto}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s_path = dir.join("server.keys");
        let c_path = dir.join("client.keys");
        let (mut server, addr, err) = start_server(&["--keylog", s_path.to_str().unwrap()]);
        let lines = s_client_with(addr, &[proto, "-keylogfile", c_path.to_str().unwrap()]);
        assert!(lines.iter().any(|l| l == "hello"));
        let st = server.wait("sslprobe serve --max-conns 1");
        let log: Vec<String> = err.iter().collect();
        assert!(st.success(), "{log:?}");
        let read = |p: &std::path::Path| -> std::collections::BTreeSet<String> {
            std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .map(String::from)
                .collect()
        };
        let (srv, cli) = (read(&s_path), read(&c_path));
        assert_eq!(srv.len(), n, "{proto}: server lines {srv:?}");
        assert_eq!(srv, cli, "{proto}: server and s_client key logs differ");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{proto}: key log mode {mode:o}");
        assert!(
            log.iter()
                .any(|l| l.contains("keylog") && l.contains(&format!("{n} lines written"))),
            "{log:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn serve_keylog_refuses_a_symlink() {
    let dir = std::env::temp_dir().join(format!("sslprobe-keylog-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("target");
    std::fs::write(&target, "keep\n").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--keylog",
        link.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("symlink") || stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
    let _ = std::fs::remove_dir_all(&dir);
}
