//! Key logging (`sslprobe::keylog`) with real TLS handshakes on loopback.
//!
//! The reference for every server line is the *client's* own key log: the `openssl` crate's
//! `SslContextBuilder::set_keylog_callback` in-process, and the real `openssl s_client
//! -keylogfile` as outside client. Environment cases (`SSLKEYLOGFILE`) and the write-error case
//! (a file size limit) run in child processes of this test binary, so no test mutates the
//! environment or resource limits of the process the other tests share.
// The reference client reads client_random and master_key through the openssl crate, which
// offers neither on BoringSSL or AWS-LC builds: there this suite does not compile (matrix note).
#![cfg(all(feature = "openssl", not(any(sslprobe_boringssl, sslprobe_awslc))))]

use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion};
use sslprobe::keylog::{
    enable_keylog, keylog_write_errors, support, KeylogError, KeylogStatus, KeylogSupport,
    KeylogTarget,
};
use sslprobe::loopback::{self, Identity, Protocol, IO_TIMEOUT};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

const TLS13_LABELS: [&str; 5] = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
];

// ---------------------------------------------------------------------------------------------
// Small local helpers: temp dirs, the server (sslprobe's loopback kit), the reference client.
// ---------------------------------------------------------------------------------------------

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!(
            "sslprobe-keylog-{}-{}-{tag}",
            std::process::id(),
            n
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read temp dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn identity() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| loopback::self_signed(loopback::HOST).expect("a self-signed certificate"))
}

/// A server context builder pinned to one protocol version ([`loopback::server_builder`]).
fn server_builder(proto: Protocol) -> SslContextBuilder {
    loopback::server_builder(identity(), Some(proto)).expect("a loopback server context")
}

/// A TLS echo server on 127.0.0.1 ([`loopback::accept`] and [`loopback::echo`]) that serves
/// `connections` connections, each on its own thread. `strict`: echo failures are errors too (the
/// outside client may hang up before reading the echo).
struct Server {
    addr: SocketAddr,
    handle: thread::JoinHandle<Result<(), loopback::Error>>,
}

impl Server {
    fn start(ctx: SslContext, connections: usize, strict: bool) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let handle = thread::spawn(move || {
            let mut workers = Vec::new();
            for _ in 0..connections {
                let (tcp, _) = loopback::accept_tcp(&listener, loopback::ACCEPT_TIMEOUT)?;
                let ctx = ctx.clone();
                workers.push(thread::spawn(move || {
                    let (mut stream, wire) = loopback::accept(&ctx, tcp)?;
                    let echoed = loopback::echo(&mut stream, &wire);
                    echoed
                        .map(drop)
                        .or_else(|e| if strict { Err(e) } else { Ok(()) })
                }));
            }
            for w in workers {
                w.join().expect("server worker panicked")?;
            }
            Ok(())
        });
        Server { addr, handle }
    }

    fn finish(self) {
        self.handle
            .join()
            .expect("server thread panicked")
            .expect("server failed");
    }
}

/// What the client saw of one connection.
struct ClientConn {
    client_random: String,
    /// TLS 1.2: the master secret (the CLIENT_RANDOM line's secret).
    master_key: Option<String>,
    version: &'static str,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A client context that logs its own keys through the `openssl` crate (the reference).
fn client_ctx(proto: Protocol, lines: Arc<Mutex<Vec<String>>>) -> SslContext {
    let version = match proto {
        Protocol::Tls12 => SslVersion::TLS1_2,
        Protocol::Tls13 => SslVersion::TLS1_3,
    };
    let mut b = SslContext::builder(SslMethod::tls_client()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    b.set_min_proto_version(Some(version)).unwrap();
    b.set_max_proto_version(Some(version)).unwrap();
    // The openssl crate offers set_keylog_callback for OpenSSL >= 1.1.1 only, not for LibreSSL
    // (whose callback is a stub anyway): there the reference client logs nothing, and the tests
    // that compare with it are not compiled.
    #[cfg(not(sslprobe_libressl))]
    b.set_keylog_callback(move |_, line| lines.lock().unwrap().push(line.to_string()));
    #[cfg(sslprobe_libressl)]
    drop(lines);
    b.build()
}

/// Connects, sends one line, reads the echo.
fn client_run(ctx: &SslContext, addr: SocketAddr) -> ClientConn {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let ssl = Ssl::new(ctx).unwrap();
    let mut tls = ssl.connect(stream).expect("client handshake");
    tls.write_all(b"ping\n").unwrap();
    let mut echo = String::new();
    BufReader::new(&mut tls).read_line(&mut echo).unwrap();
    assert_eq!(echo, "ping\n", "echo");
    let mut random = [0u8; 32];
    assert_eq!(tls.ssl().client_random(&mut random), 32);
    let version = tls.ssl().version_str();
    let master_key = tls.ssl().session().map(|s| {
        let mut buf = vec![0u8; 48];
        let n = s.master_key(&mut buf);
        hex(&buf[..n])
    });
    let _ = tls.shutdown();
    ClientConn {
        client_random: hex(&random),
        master_key,
        version,
    }
}

/// The non-comment lines of a key-log file.
fn file_lines(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{} does not end with a newline",
        path.display()
    );
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$`, without a regex crate.
fn well_formed(line: &str) -> bool {
    let parts: Vec<&str> = line.split(' ').collect();
    let lower_hex = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    parts.len() == 3
        && !parts[0].is_empty()
        && parts[0]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && parts[1].len() == 64
        && lower_hex(parts[1])
        && lower_hex(parts[2])
}

fn set(lines: &[String]) -> BTreeSet<String> {
    lines.iter().cloned().collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn keylog_works() -> bool {
    support() == KeylogSupport::Available
}

/// One handshake of `version` against a server logging to `server_file`; returns the client's
/// lines and connection facts. Asserts the server's status is Active.
fn handshake_logged(
    proto: Protocol,
    server_file: &Path,
) -> (Vec<String>, ClientConn, KeylogStatus) {
    let mut b = server_builder(proto);
    let status = enable_keylog(&mut b, KeylogTarget::Path(server_file.to_path_buf()))
        .expect("enable_keylog");
    assert!(status.is_active(), "{status}");
    let server = Server::start(b.build(), 1, true);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let conn = client_run(&client_ctx(proto, lines.clone()), server.addr);
    server.finish();
    let client_lines = lines.lock().unwrap().clone();
    (client_lines, conn, status)
}

// ---------------------------------------------------------------------------------------------
// Status on this library
// ---------------------------------------------------------------------------------------------

#[test]
fn support_agrees_with_build_info() {
    let info = sslprobe::build_info();
    let api = info
        .api("SSL_CTX_set_keylog_callback")
        .expect("catalog has SSL_CTX_set_keylog_callback");
    let expected = match (api.present, api.effective) {
        (false, _) => KeylogSupport::Unavailable,
        (true, false) => KeylogSupport::NoEffect,
        (true, true) => KeylogSupport::Available,
    };
    #[cfg(not(feature = "runtime-detect"))]
    assert_eq!(support(), expected, "{}", support());
    #[cfg(feature = "runtime-detect")]
    let _ = expected;
    assert_eq!(
        cfg!(have_ssl_ctx_set_keylog_callback),
        api.present,
        "cfg and build_info disagree"
    );
    println!("keylog support: {}", support());
}

#[test]
fn status_on_this_library() {
    let dir = TempDir::new("status");
    let path = dir.path("keys.log");
    let mut b = server_builder(Protocol::Tls13);
    let status = enable_keylog(&mut b, KeylogTarget::Path(path.clone())).expect("enable_keylog");
    println!("{status}");
    match support() {
        KeylogSupport::Available => {
            assert!(
                matches!(&status, KeylogStatus::Active { path: p, tightened_from: None, .. } if *p == path)
            );
            assert!(path.exists(), "active status must have created the file");
            assert!(status.to_string().contains(path.to_str().unwrap()));
        }
        KeylogSupport::Unavailable => {
            assert_eq!(status, KeylogStatus::Unavailable);
            assert!(
                dir.entries().is_empty(),
                "no file may be created when the API is absent"
            );
        }
        KeylogSupport::NoEffect => {
            assert_eq!(status, KeylogStatus::NoEffect);
            assert!(status.to_string().contains("never calls"), "{status}");
            assert!(
                dir.entries().is_empty(),
                "no file may be created when the API is a stub"
            );
        }
    }
    // The library here is Debian's OpenSSL 3: the probe must have found a working callback.
    let info = sslprobe::build_info();
    if info.family == sslprobe::Family::OpenSsl && info.version.starts_with("3.") {
        assert!(status.is_active(), "OpenSSL 3 must log keys: {status}");
    }
}

// ---------------------------------------------------------------------------------------------
// Real handshakes: server lines == client lines
// ---------------------------------------------------------------------------------------------

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn tls13_server_lines_equal_client_lines() {
    assert!(keylog_works());
    let dir = TempDir::new("tls13");
    let path = dir.path("server.keys");
    let (client, conn, status) = handshake_logged(Protocol::Tls13, &path);
    assert_eq!(conn.version, "TLSv1.3");
    let server = file_lines(&path);
    assert_eq!(
        server.len(),
        5,
        "TLS 1.3: five secrets per connection: {server:#?}"
    );
    assert_eq!(client.len(), 5, "client logged {client:#?}");
    assert_eq!(
        set(&server),
        set(&client),
        "server and client key logs differ"
    );
    let labels: BTreeSet<&str> = server
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(labels, TLS13_LABELS.into_iter().collect());
    for l in &server {
        assert!(well_formed(l), "malformed line {l:?}");
        assert_eq!(
            l.split(' ').nth(1).unwrap(),
            conn.client_random,
            "client random of {l:?}"
        );
    }
    assert_eq!(mode(&path), 0o600, "key log file mode");
    let counters = status.counters().unwrap();
    assert_eq!(counters.lines_written(), 5);
    assert_eq!(counters.write_errors(), 0);
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn tls12_server_lines_equal_client_lines() {
    assert!(keylog_works());
    let dir = TempDir::new("tls12");
    let path = dir.path("server.keys");
    let (client, conn, status) = handshake_logged(Protocol::Tls12, &path);
    assert_eq!(conn.version, "TLSv1.2");
    let server = file_lines(&path);
    assert_eq!(
        server.len(),
        1,
        "TLS 1.2: one CLIENT_RANDOM line: {server:#?}"
    );
    assert_eq!(set(&server), set(&client));
    let expected = format!(
        "CLIENT_RANDOM {} {}",
        conn.client_random,
        conn.master_key.expect("TLS 1.2 session")
    );
    assert_eq!(
        server[0], expected,
        "the line carries the client random and the master secret"
    );
    assert!(well_formed(&server[0]));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(status.counters().unwrap().lines_written(), 1);
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn appends_across_contexts_and_keeps_existing_content() {
    let dir = TempDir::new("append");
    let path = dir.path("server.keys");
    std::fs::write(&path, "# earlier content\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (c1, _, s1) = handshake_logged(Protocol::Tls13, &path);
    let (c2, _, s2) = handshake_logged(Protocol::Tls12, &path);
    assert!(matches!(
        s1,
        KeylogStatus::Active {
            tightened_from: None,
            ..
        }
    ));
    assert!(matches!(
        s2,
        KeylogStatus::Active {
            tightened_from: None,
            ..
        }
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# earlier content\n"),
        "existing content must be kept: {text}"
    );
    let all: Vec<String> = c1.into_iter().chain(c2).collect();
    assert_eq!(set(&file_lines(&path)), set(&all));
    assert_eq!(file_lines(&path).len(), 6);
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn concurrent_connections_write_whole_lines() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 4;
    let dir = TempDir::new("concurrent");
    let path = dir.path("server.keys");
    let mut b = server_builder(Protocol::Tls13);
    let status = enable_keylog(&mut b, KeylogTarget::Path(path.clone())).unwrap();
    let server = Server::start(b.build(), THREADS * PER_THREAD, true);
    let addr = server.addr;
    let client_lines = Arc::new(Mutex::new(Vec::new()));
    let randoms = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..THREADS)
        .map(|_| {
            let (lines, randoms) = (client_lines.clone(), randoms.clone());
            thread::spawn(move || {
                let ctx = client_ctx(Protocol::Tls13, lines);
                for _ in 0..PER_THREAD {
                    let conn = client_run(&ctx, addr);
                    randoms.lock().unwrap().push(conn.client_random);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("client thread panicked");
    }
    server.finish();

    let connections = THREADS * PER_THREAD;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        5 * connections,
        "exactly five lines per connection"
    );
    for l in &lines {
        assert!(well_formed(l), "torn or malformed line {l:?}");
    }
    // Every connection contributed exactly its five labels.
    let mut per_random: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for l in &lines {
        let mut it = l.split(' ');
        let (label, random) = (it.next().unwrap(), it.next().unwrap());
        assert!(
            per_random.entry(random).or_default().insert(label),
            "duplicate {label} for {random}"
        );
    }
    assert_eq!(per_random.len(), connections);
    let expected: BTreeSet<&str> = TLS13_LABELS.into_iter().collect();
    assert!(per_random.values().all(|labels| *labels == expected));
    let randoms: BTreeSet<String> = randoms.lock().unwrap().iter().cloned().collect();
    assert_eq!(randoms, per_random.keys().map(|r| r.to_string()).collect());
    // And they are exactly what the clients logged.
    let owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(set(&owned), set(&client_lines.lock().unwrap()));
    let counters = status.counters().unwrap();
    assert_eq!(counters.lines_written(), (5 * connections) as u64);
    assert_eq!(counters.write_errors(), 0);
}

// ---------------------------------------------------------------------------------------------
// File safety
// ---------------------------------------------------------------------------------------------

fn enable(path: &Path) -> Result<KeylogStatus, KeylogError> {
    let mut b = server_builder(Protocol::Tls13);
    enable_keylog(&mut b, KeylogTarget::Path(path.to_path_buf()))
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn new_file_has_mode_0600_even_with_permissive_umask() {
    let dir = TempDir::new("mode");
    let path = dir.path("new.keys");
    let status = enable(&path).unwrap();
    assert!(matches!(
        status,
        KeylogStatus::Active {
            tightened_from: None,
            ..
        }
    ));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), unsafe {
        libc::geteuid()
    });
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn existing_loose_file_is_tightened_not_loosened() {
    let dir = TempDir::new("tighten");
    let loose = dir.path("loose.keys");
    std::fs::write(&loose, "# shared with a browser\n").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let status = enable(&loose).unwrap();
    assert!(
        matches!(
            status,
            KeylogStatus::Active {
                tightened_from: Some(0o644),
                ..
            }
        ),
        "{status:?}"
    );
    assert!(status.to_string().contains("0644"), "{status}");
    assert_eq!(mode(&loose), 0o600);
    assert_eq!(
        std::fs::read_to_string(&loose).unwrap(),
        "# shared with a browser\n"
    );

    // Owner read-only stays read-only: only bits are removed, never added.
    let ro = dir.path("ro.keys");
    std::fs::write(&ro, "").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o440)).unwrap();
    match enable(&ro) {
        Ok(status) => {
            assert!(
                matches!(
                    status,
                    KeylogStatus::Active {
                        tightened_from: Some(0o440),
                        mode: 0o400,
                        ..
                    }
                ),
                "{status:?}"
            );
            assert_eq!(mode(&ro), 0o400);
            assert!(status.to_string().contains("(mode 0400)"), "{status}");
        }
        // Not root: appending to a read-only file is refused by the kernel, clearly.
        Err(e) => assert!(matches!(e, KeylogError::Io { op: "open", .. }), "{e}"),
    }
}

#[test]
fn symlink_is_refused_and_target_untouched() {
    let dir = TempDir::new("symlink");
    let target = dir.path("precious.txt");
    std::fs::write(&target, "precious\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path("keys.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    if !keylog_works() {
        // Nothing is opened where logging cannot happen; still nothing may change.
        let _ = enable(&link);
    } else {
        let err = enable(&link).expect_err("a symlink must be refused");
        assert!(
            matches!(&err, KeylogError::Symlink { path } if *path == link),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(link.to_str().unwrap()) && msg.contains("symbolic link"),
            "{msg}"
        );
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    assert_eq!(mode(&target), 0o644, "target mode must not change");

    // A dangling symlink must not create its target either.
    let missing = dir.path("missing-target");
    let dangling = dir.path("dangling.log");
    std::os::unix::fs::symlink(&missing, &dangling).unwrap();
    if keylog_works() {
        assert!(matches!(
            enable(&dangling),
            Err(KeylogError::Symlink { .. })
        ));
    }
    assert!(!missing.exists(), "the symlink target must not be created");
}

/// A symbolic link among the parent directories and a file with other hard links are refused
/// (typed errors naming the path), and nothing changes behind them.
#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn symlinked_parent_and_hard_link_are_refused() {
    let dir = TempDir::new("links");
    let real = dir.path("real");
    std::fs::create_dir(&real).unwrap();
    let link = dir.path("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let through = link.join("keys.log");
    let err = enable(&through).expect_err("a symlinked parent must be refused");
    assert!(
        matches!(&err, KeylogError::SymlinkInPath { path, dir, target: Some(t) }
            if *path == through && *dir == link && *t == real),
        "{err:?}"
    );
    assert!(
        !real.join("keys.log").exists(),
        "nothing created behind the link"
    );

    let keys = dir.path("keys.log");
    std::fs::write(&keys, "keep\n").unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::hard_link(&keys, dir.path("second-name")).unwrap();
    let err = enable(&keys).expect_err("a hard-linked file must be refused");
    assert!(
        matches!(&err, KeylogError::HardLinked { path, links: 2 } if *path == keys),
        "{err:?}"
    );
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), "keep\n");

    // Once the other name is gone, the same file is accepted, and its real mode reported.
    std::fs::remove_file(dir.path("second-name")).unwrap();
    let status = enable(&keys).unwrap();
    assert!(
        matches!(
            status,
            KeylogStatus::Active {
                mode: 0o600,
                tightened_from: None,
                ..
            }
        ),
        "{status:?}"
    );
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn file_owned_by_another_user_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        println!("SKIPPED: not root, cannot give a file to another user (chown needs root)");
        return;
    }
    let dir = TempDir::new("owner");
    let path = dir.path("foreign.keys");
    std::fs::write(&path, "theirs\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let nobody: u32 = 65534;
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: valid NUL-terminated path; -1 (as gid_t) keeps the group.
    assert_eq!(
        unsafe { libc::chown(c.as_ptr(), nobody, u32::MAX) },
        0,
        "chown"
    );
    let err = enable(&path).expect_err("a file of another user must be refused");
    assert!(
        matches!(
            err,
            KeylogError::NotOwned {
                owner: 65534,
                euid: 0,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(path.to_str().unwrap()) && msg.contains("owned by uid 65534"),
        "{msg}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs\n");
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), nobody);
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn non_regular_files_and_empty_path_are_refused() {
    let dir = TempDir::new("nonregular");
    let sub = dir.path("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let err = enable(&sub).expect_err("directory");
    assert!(
        matches!(
            err,
            KeylogError::NotRegularFile {
                kind: "directory",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("a-directory"));

    let fifo = dir.path("a-fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    // Must return (not block on the FIFO) with a clear error.
    let err = enable(&fifo).expect_err("FIFO");
    assert!(
        matches!(err, KeylogError::NotRegularFile { kind: "FIFO", .. }),
        "{err:?}"
    );

    let err = enable(Path::new("/dev/null")).expect_err("device");
    assert!(
        matches!(
            err,
            KeylogError::NotRegularFile {
                kind: "character device",
                ..
            }
        ),
        "{err:?}"
    );

    assert!(matches!(enable(Path::new("")), Err(KeylogError::EmptyPath)));

    let err = enable(&dir.path("no-such-dir/keys.log")).expect_err("missing directory");
    assert!(matches!(err, KeylogError::Io { op: "open", .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

#[cfg(any(not(have_ssl_ctx_set_keylog_callback), sslprobe_libressl))]
#[test]
fn without_a_working_callback_nothing_is_created() {
    let dir = TempDir::new("nowork");
    let path = dir.path("keys.log");
    let status = enable(&path).unwrap();
    assert!(
        matches!(status, KeylogStatus::Unavailable | KeylogStatus::NoEffect),
        "{status:?}"
    );
    assert!(dir.entries().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Child-process cases: environment variable and write errors
// ---------------------------------------------------------------------------------------------

const CHILD_EXPECT: &str = "SSLPROBE_KEYLOG_TEST_EXPECT";

/// Runs one `#[ignore]`d test of this binary in a child process with `env` applied.
fn run_child(test: &str, env: &[(&str, Option<&str>)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args([
        "--ignored",
        "--exact",
        test,
        "--nocapture",
        "--test-threads=1",
    ]);
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().expect("run child test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {test} failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("1 passed"),
        "child {test} did not run: {stdout}"
    );
    stdout
}

#[test]
fn from_env_cases() {
    let dir = TempDir::new("env");
    let target = dir.path("env.keys");
    let target_s = target.to_str().unwrap();

    run_child(
        "child_from_env",
        &[("SSLKEYLOGFILE", None), (CHILD_EXPECT, Some("disabled"))],
    );
    run_child(
        "child_from_env",
        &[
            ("SSLKEYLOGFILE", Some("")),
            (CHILD_EXPECT, Some("disabled")),
        ],
    );
    assert!(
        dir.entries().is_empty(),
        "Disabled must create no file: {:?}",
        dir.entries()
    );

    let expect = match support() {
        KeylogSupport::Available => "active",
        KeylogSupport::Unavailable => "unavailable",
        KeylogSupport::NoEffect => "noeffect",
    };
    let out = run_child(
        "child_from_env",
        &[
            ("SSLKEYLOGFILE", Some(target_s)),
            (CHILD_EXPECT, Some(expect)),
        ],
    );
    if expect == "active" {
        let lines = file_lines(&target);
        assert_eq!(lines.len(), 5, "{lines:#?}");
        // The child printed its client's lines: they must be exactly the file's.
        let client: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("CLIENT-LOG "))
            .map(str::to_string)
            .collect();
        assert_eq!(set(&lines), set(&client));
        assert_eq!(mode(&target), 0o600);
    } else {
        assert!(dir.entries().is_empty());
    }
}

#[test]
#[ignore = "run in a child process by from_env_cases"]
fn child_from_env() {
    let expect =
        std::env::var(CHILD_EXPECT).expect("run by from_env_cases, which sets the expectation");
    let mut b = server_builder(Protocol::Tls13);
    let status = enable_keylog(&mut b, KeylogTarget::FromEnv).expect("enable_keylog");
    println!("status: {status}");
    match expect.as_str() {
        "disabled" => {
            assert_eq!(status, KeylogStatus::Disabled);
            assert!(status.to_string().contains("SSLKEYLOGFILE"));
        }
        "unavailable" => assert_eq!(status, KeylogStatus::Unavailable),
        "noeffect" => assert_eq!(status, KeylogStatus::NoEffect),
        "active" => {
            let env_path = PathBuf::from(std::env::var_os("SSLKEYLOGFILE").unwrap());
            assert!(
                matches!(&status, KeylogStatus::Active { path, .. } if *path == env_path),
                "{status:?}"
            );
            #[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
            {
                let server = Server::start(b.build(), 1, true);
                let lines = Arc::new(Mutex::new(Vec::new()));
                client_run(&client_ctx(Protocol::Tls13, lines.clone()), server.addr);
                server.finish();
                for l in lines.lock().unwrap().iter() {
                    println!("CLIENT-LOG {l}");
                }
            }
        }
        other => panic!("unknown expectation {other:?}"),
    }
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn write_errors_are_counted_not_fatal() {
    let dir = TempDir::new("efbig");
    let path = dir.path("limited.keys");
    let out = run_child(
        "child_write_errors",
        &[("SSLPROBE_KEYLOG_TEST_FILE", Some(path.to_str().unwrap()))],
    );
    assert!(out.contains("write errors: "), "{out}");
    // Whatever reached the file is whole lines only, plus at most the limit's torn tail.
    let text = std::fs::read(&path).unwrap();
    assert!(text.len() <= 200, "file size limit");
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
#[ignore = "run in a child process by write_errors_are_counted_not_fatal"]
fn child_write_errors() {
    let path = PathBuf::from(
        std::env::var_os("SSLPROBE_KEYLOG_TEST_FILE").expect("run by the parent test"),
    );
    let mut b = server_builder(Protocol::Tls13);
    let status = enable_keylog(&mut b, KeylogTarget::Path(path.clone())).unwrap();
    // Limit files to 200 bytes: the second secret line hits EFBIG. Ignore SIGXFSZ so the write
    // fails with an error instead of killing the process.
    // SAFETY: plain libc calls with valid arguments, in a single-purpose child process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit {
            rlim_cur: 200,
            rlim_max: 200,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
    let server = Server::start(b.build(), 1, true);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let conn = client_run(&client_ctx(Protocol::Tls13, lines.clone()), server.addr);
    server.finish();
    assert_eq!(
        conn.version, "TLSv1.3",
        "the handshake completed despite the failing key log"
    );
    let counters = status.counters().unwrap();
    println!(
        "write errors: {} lines: {}",
        counters.write_errors(),
        counters.lines_written()
    );
    assert!(counters.write_errors() >= 1);
    assert_eq!(
        counters.lines_written() + counters.write_errors(),
        5,
        "every secret was attempted once"
    );
    assert!(keylog_write_errors() >= counters.write_errors());
    let last = counters.last_write_error().expect("last error recorded");
    assert!(
        last.contains("short write") || last.contains("large"),
        "{last}"
    );
}

// ---------------------------------------------------------------------------------------------
// The outside client: openssl s_client -keylogfile C against a server logging to S
// ---------------------------------------------------------------------------------------------

#[cfg(have_ssl_ctx_set_keylog_callback)]
fn s_client_round(proto: Protocol, flag: &str, expected_lines: usize) {
    if Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        panic!("the openssl CLI is required for the outside-client test (it is installed here)");
    }
    let dir = TempDir::new("s_client");
    let s_path = dir.path("S.keys");
    let c_path = dir.path("C.keys");
    let mut b = server_builder(proto);
    let status = enable_keylog(&mut b, KeylogTarget::Path(s_path.clone())).unwrap();
    // Where key logging has no effect (LibreSSL's stub), the outside client's handshake is still
    // real: the server must then have logged nothing, not even created its file.
    let server_lines = if keylog_works() {
        expected_lines
    } else {
        assert_eq!(status, KeylogStatus::NoEffect, "{}", support());
        0
    };
    let server = Server::start(b.build(), 1, false);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &server.addr.to_string(),
            "-keylogfile",
        ])
        .arg(&c_path)
        .arg(flag)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl s_client");
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hello from s_client\n").unwrap();
        // Dropping stdin closes it: s_client sends the line and hangs up at EOF.
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("openssl s_client did not finish within 30 s");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    server.finish();
    assert!(exit.success(), "s_client failed ({exit}):\n{out}\n{err}");

    if server_lines == 0 {
        assert!(!s_path.exists(), "a key-log file appeared with no effect");
        assert_eq!(
            file_lines(&c_path).len(),
            expected_lines,
            "s_client's own log"
        );
        return;
    }
    let s = file_lines(&s_path);
    let c = file_lines(&c_path);
    assert_eq!(
        s.len(),
        expected_lines,
        "server lines {s:#?}\ns_client output:\n{out}"
    );
    assert_eq!(set(&s), set(&c), "S and C differ\ns_client output:\n{out}");
    assert!(s.iter().all(|l| well_formed(l)));
    assert_eq!(mode(&s_path), 0o600);
    assert_eq!(status.counters().unwrap().write_errors(), 0);
}

#[cfg(have_ssl_ctx_set_keylog_callback)]
#[test]
fn openssl_s_client_tls13_same_lines() {
    s_client_round(Protocol::Tls13, "-tls1_3", 5);
}

#[cfg(have_ssl_ctx_set_keylog_callback)]
#[test]
fn openssl_s_client_tls12_same_lines() {
    s_client_round(Protocol::Tls12, "-tls1_2", 1);
}

/// Open descriptors of this process that point at `path`.
fn open_fds_to(path: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(sslprobe_libressl)))]
#[test]
fn re_enabling_replaces_the_file_and_freeing_the_context_closes_it() {
    let dir = TempDir::new("replace");
    let first = dir.path("first.keys");
    let second = dir.path("second.keys");
    let mut b = server_builder(Protocol::Tls13);
    enable_keylog(&mut b, KeylogTarget::Path(first.clone())).unwrap();
    assert_eq!(open_fds_to(&first), 1, "the first file is open");
    let status = enable_keylog(&mut b, KeylogTarget::Path(second.clone())).unwrap();
    assert_eq!(open_fds_to(&first), 0, "replacing closes the previous file");
    assert_eq!(open_fds_to(&second), 1);
    let server = Server::start(b.build(), 1, true);
    let lines = Arc::new(Mutex::new(Vec::new()));
    client_run(&client_ctx(Protocol::Tls13, lines.clone()), server.addr);
    server.finish(); // drops the last reference to the server context
    assert!(
        file_lines(&first).is_empty(),
        "nothing goes to the replaced file"
    );
    assert_eq!(set(&file_lines(&second)), set(&lines.lock().unwrap()));
    assert_eq!(status.counters().unwrap().lines_written(), 5);
    assert_eq!(
        open_fds_to(&second),
        0,
        "freeing the SSL_CTX closes the key log file"
    );
}
