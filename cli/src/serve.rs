//! `sslprobe serve`: a TLS echo server for outside clients such as `openssl s_client`.
//!
//! It uses a fresh self-signed certificate (`localhost`, `127.0.0.1`, `::1`) and, unless
//! `--baseline`, `sslprobe::disable_session_tickets`. The first stdout line is exactly
//! `listening on ADDR` with the bound address; each connection is reported on stderr with the
//! tickets the server sent and its socket writes after the client's `Finished`.
//!
//! ## Resource limits
//!
//! The server keeps running when the process runs out of something, and its log stays bounded
//! by the number of connections, never by time:
//!
//! * **File descriptors** (`EMFILE`, `ENFILE`, also `ENOBUFS`/`ENOMEM` from `accept`): the
//!   accept loop backs off (10 ms doubling up to 1 s between tries) and logs one line when such
//!   an episode starts and one, with the number of failures, at the first success at least 1 s
//!   after the last failure.
//! * **Threads** (`std::thread::Builder::spawn` fails, e.g. `EAGAIN` under `RLIMIT_NPROC`): the
//!   connection is dropped (closed), with the same back-off and once-per-episode logging.
//! * **Concurrency**: at most `--max-concurrent` connections are served at once; further clients
//!   wait in the kernel's listen backlog (logged once per episode).
//! * **Slow or idle peers**: a handshake must complete within `--handshake-timeout` seconds in
//!   total (a deadline, not a per-read timeout, so a client trickling one byte at a time cannot
//!   hold a slot longer), and an established connection is closed after `--idle-timeout`
//!   seconds in which a read or write makes no progress.

use crate::tls::{failed, mode_from_flag, plural, protocol_from_flags};
use crate::Failure;
use openssl::ssl::{Ssl, SslContext, SslStream};
use sslprobe::loopback::{self, CountingStream, Protocol, ServerContext, TicketMode, Wire};
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Default of `--max-concurrent`.
const DEFAULT_MAX_CONCURRENT: u64 = 64;
/// Largest accepted `--max-concurrent` (one thread per connection).
const MAX_CONCURRENT_LIMIT: u64 = 10_000;
/// Default of `--handshake-timeout`, in seconds.
const DEFAULT_HANDSHAKE_TIMEOUT: u64 = 10;
/// Default of `--idle-timeout`, in seconds.
const DEFAULT_IDLE_TIMEOUT: u64 = 120;
/// Largest accepted timeout, in seconds (one day).
const MAX_TIMEOUT: u64 = 86_400;
/// First pause after a resource failure; doubled after each further failure.
const BACKOFF_FIRST: Duration = Duration::from_millis(10);
/// Longest pause between two tries during a resource failure episode.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Arguments of `sslprobe serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on, IP:PORT or HOST:PORT (port 0: any free port, printed on stdout).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Only set SSL_OP_NO_TICKET, the common incomplete fix (OpenSSL >= 1.1.1 then still sends 2
    /// stateful TLS 1.3 tickets), instead of calling sslprobe::disable_session_tickets.
    #[arg(long)]
    baseline: bool,
    /// TLS 1.2 only.
    #[arg(long)]
    tls12: bool,
    /// TLS 1.3 only.
    #[arg(long)]
    tls13: bool,
    /// Exit after serving N connections (default: serve until killed).
    #[arg(long, value_name = "N")]
    max_conns: Option<u64>,
    /// Serve at most N connections at once (1 to 10000); further clients wait in the listen
    /// backlog until a connection ends.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT)]
    max_concurrent: u64,
    /// Close a connection whose TLS handshake has not completed within SECS seconds in total
    /// (1 to 86400).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_HANDSHAKE_TIMEOUT)]
    handshake_timeout: u64,
    /// Close an established connection after SECS seconds in which a read or write makes no
    /// progress (1 to 86400).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_TIMEOUT)]
    idle_timeout: u64,
    /// Append NSS key-log lines (for Wireshark) to FILE: created with mode 0600; refused if it
    /// is a symlink, has a symlink among its parent directories, has other hard links, is not a
    /// regular file, or is owned by another user. Off unless given.
    #[arg(long, value_name = "FILE")]
    keylog: Option<std::path::PathBuf>,
}

/// The per-connection time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timeouts {
    handshake: Duration,
    idle: Duration,
}

/// Validated arguments.
#[derive(Debug)]
struct Config {
    addr: SocketAddr,
    proto: Option<Protocol>,
    mode: TicketMode,
    max_conns: Option<u64>,
    max_concurrent: usize,
    timeouts: Timeouts,
}

/// Checks that `value` of `flag` lies in `1..=max`.
fn in_range(flag: &str, value: u64, max: u64, unit: &str) -> Result<u64, Failure> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Failure::usage(format!(
            "{flag} must be between 1 and {max}{unit} (got {value})"
        )))
    }
}

fn validate(a: &Args) -> Result<Config, Failure> {
    let proto = protocol_from_flags(a.tls12, a.tls13)?;
    if a.max_conns == Some(0) {
        return Err(Failure::usage("--max-conns must be at least 1 (got 0)"));
    }
    let max_concurrent = in_range(
        "--max-concurrent",
        a.max_concurrent,
        MAX_CONCURRENT_LIMIT,
        "",
    )?;
    let secs = |flag, v| in_range(flag, v, MAX_TIMEOUT, " seconds").map(Duration::from_secs);
    let timeouts = Timeouts {
        handshake: secs("--handshake-timeout", a.handshake_timeout)?,
        idle: secs("--idle-timeout", a.idle_timeout)?,
    };
    let listen = a.listen.trim();
    if listen.is_empty() {
        return Err(Failure::usage(
            "--listen needs an address such as 127.0.0.1:0",
        ));
    }
    let addr = listen
        .to_socket_addrs()
        .map_err(|e| Failure::usage(format!("--listen {:?} is not a usable address (expected IP:PORT or HOST:PORT, e.g. 127.0.0.1:0): {e}", a.listen)))?
        .next()
        .ok_or_else(|| Failure::usage(format!("--listen {:?} resolves to no address", a.listen)))?;
    Ok(Config {
        addr,
        proto,
        mode: mode_from_flag(a.baseline),
        max_conns: a.max_conns,
        // At most MAX_CONCURRENT_LIMIT: fits any usize.
        max_concurrent: usize::try_from(max_concurrent).unwrap_or(usize::MAX),
        timeouts,
    })
}

/// Turns on `--keylog FILE` on the server context; an inactive status is an error.
fn enable_keylog(
    server: &ServerContext,
    path: &std::path::Path,
) -> Result<sslprobe::keylog::KeylogStatus, Failure> {
    use foreign_types::ForeignType;
    // SAFETY: the context is valid and not yet shared with any connection.
    let status = unsafe {
        sslprobe::keylog::enable_keylog_raw(
            server.ctx.as_ptr(),
            sslprobe::keylog::KeylogTarget::Path(path.to_path_buf()),
        )
    }
    .map_err(|e| Failure::usage(format!("--keylog: {e}")))?;
    if !status.is_active() {
        // Asked for keys that will never be written: say so and stop.
        return Err(Failure::failed(format!(
            "--keylog {}: {status}",
            path.display()
        )));
    }
    eprintln!("sslprobe serve: {status}");
    Ok(status)
}

/// Runs `sslprobe serve`.
pub fn run(args: Args) -> Result<(), Failure> {
    let cfg = validate(&args)?;
    let id = loopback::self_signed(loopback::HOST)
        .map_err(|e| failed("generating the certificate", e))?;
    let server = loopback::server_context(&id, cfg.proto, cfg.mode)
        .map_err(|e| failed("building the server context", e))?;
    // Bind before touching the key-log file: a port in use must not leave a file behind.
    let listener = TcpListener::bind(cfg.addr)
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", cfg.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::failed(format!("reading the bound address: {e}")))?;
    let keylog = match &args.keylog {
        Some(path) => Some(enable_keylog(&server, path)?),
        None => None,
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {bound}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::failed(format!("writing to stdout: {e}")))?;
    }
    eprintln!("{}", describe(&server, cfg.proto));
    eprintln!(
        "sslprobe serve: at most {} at once, handshake timeout {} s, idle timeout {} s",
        plural(cfg.max_concurrent, "connection", "connections"),
        cfg.timeouts.handshake.as_secs(),
        cfg.timeouts.idle.as_secs()
    );

    let served = accept_loop(&listener, &server.ctx, &cfg);
    if let Some(c) = keylog.as_ref().and_then(|s| s.counters()) {
        eprintln!(
            "sslprobe serve: keylog: {} lines written, {} write errors",
            c.lines_written(),
            c.write_errors()
        );
    }
    eprintln!(
        "sslprobe serve: served {}, exiting",
        plural(
            usize::try_from(served).unwrap_or(usize::MAX),
            "connection",
            "connections"
        )
    );
    Ok(())
}

/// Whether an `accept` error means the process or system ran out of a resource (retrying at
/// once would fail the same way).
fn out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// A run of failures of one kind: logged once when it starts and once when it is over, with
/// an exponential back-off after each failure.
///
/// The episode is over at the first success that comes at least [`EPISODE_QUIET`] after its
/// last failure: a limit that is hit again right after each success (a flood at the file
/// descriptor limit) stays one episode, instead of two lines per connection.
struct Episode {
    /// What fails, for the log (`accept`, `starting a connection thread`).
    what: &'static str,
    /// The current episode: when it started, its failures, and when the last one happened.
    current: Option<(Instant, u64, Instant)>,
    /// The next pause.
    backoff: Duration,
}

/// How long without a failure ends an [`Episode`].
const EPISODE_QUIET: Duration = Duration::from_secs(1);

impl Episode {
    fn new(what: &'static str) -> Episode {
        Episode {
            what,
            current: None,
            backoff: BACKOFF_FIRST,
        }
    }

    /// Records a failure (`consequence`: what happened to the connection, if any), logs it if
    /// it starts an episode, and sleeps for the back-off.
    fn fail(&mut self, e: &io::Error, consequence: &str) {
        let now = Instant::now();
        match &mut self.current {
            Some((_, n, last)) => {
                *n += 1;
                *last = now;
            }
            None => {
                eprintln!(
                    "sslprobe serve: {} failed: {e}{consequence}; backing off (up to {} ms between \
                     tries); further failures are counted, not logged, until it has worked for {} s",
                    self.what,
                    BACKOFF_MAX.as_millis(),
                    EPISODE_QUIET.as_secs()
                );
                self.current = Some((now, 1, now));
            }
        }
        thread::sleep(self.backoff);
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }

    /// Records a success: resets the back-off, and ends the episode (one log line) if its last
    /// failure is at least [`EPISODE_QUIET`] old.
    fn succeed(&mut self) {
        self.backoff = BACKOFF_FIRST;
        let Some((start, n, last)) = self.current else {
            return;
        };
        if last.elapsed() < EPISODE_QUIET {
            return;
        }
        self.current = None;
        eprintln!(
            "sslprobe serve: {} works again, after {} over {:.1} s",
            self.what,
            plural(
                usize::try_from(n).unwrap_or(usize::MAX),
                "failure",
                "failures"
            ),
            last.duration_since(start).as_secs_f64()
        );
    }
}

/// The number of connections being served, shared with the connection threads.
#[derive(Default)]
struct Slots {
    active: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, usize> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until fewer than `cap` connections are served, then takes a slot. `waiting` is
    /// the episode state: a run of takes that had to wait is logged once, when it starts.
    fn take(self: &Arc<Self>, cap: usize, waiting: &mut bool) -> Slot {
        let mut active = self.lock();
        let must_wait = *active >= cap;
        if must_wait && !*waiting {
            eprintln!(
                "sslprobe serve: {} open (the --max-concurrent cap): new clients wait in the \
                 listen backlog until one ends",
                plural(*active, "connection", "connections")
            );
        }
        *waiting = must_wait;
        while *active >= cap {
            active = self.freed.wait(active).unwrap_or_else(|p| p.into_inner());
        }
        *active += 1;
        Slot(self.clone())
    }
}

/// One taken slot, given back when dropped (connection done, thread panicked, or the thread
/// could not be started and dropped its closure).
struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.lock() -= 1;
        self.0.freed.notify_one();
    }
}

/// Accepts and serves connections until `--max-conns` is reached (or forever). Returns the
/// number of connections handed to a thread.
fn accept_loop(listener: &TcpListener, ctx: &SslContext, cfg: &Config) -> u64 {
    let slots = Arc::new(Slots::default());
    let mut accept_trouble = Episode::new("accept");
    let mut spawn_trouble = Episode::new("starting a connection thread");
    let mut at_cap = false;
    let mut workers = Vec::new();
    let (mut accepted, mut served) = (0u64, 0u64);
    loop {
        let slot = slots.take(cfg.max_concurrent, &mut at_cap);
        let tcp = match listener.accept() {
            Ok((t, _)) => t,
            Err(e) if out_of_resources(&e) => {
                accept_trouble.fail(&e, "");
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Per-connection failures (e.g. ECONNABORTED): one line per connection, and a
                // short pause so that an unexpected persistent error cannot spin.
                eprintln!("sslprobe serve: accept failed: {e}");
                thread::sleep(BACKOFF_FIRST);
                continue;
            }
        };
        accept_trouble.succeed();
        accepted += 1;
        let n = accepted;
        let ctx = ctx.clone();
        let timeouts = cfg.timeouts;
        // A failed spawn drops the closure, and with it the socket (closing the connection)
        // and the slot.
        let spawned = thread::Builder::new()
            .name(format!("connection {n}"))
            .spawn(move || {
                let _slot = slot;
                handle(n, &ctx, tcp, timeouts);
            });
        match spawned {
            Ok(w) => {
                spawn_trouble.succeed();
                served += 1;
                workers.push(w);
            }
            Err(e) => {
                spawn_trouble.fail(
                    &e,
                    &format!(
                        " (connection {n} dropped, as is every connection until a thread starts)"
                    ),
                );
                continue;
            }
        }
        workers.retain(|w| !w.is_finished());
        if cfg.max_conns.is_some_and(|m| served >= m) {
            break;
        }
    }
    for w in workers {
        let _ = w.join();
    }
    served
}

fn describe(server: &ServerContext, proto: Option<Protocol>) -> String {
    let protos = proto.map_or("TLS 1.2 and TLS 1.3".to_string(), |p| format!("{p} only"));
    let how = match (&server.disabled, server.mode) {
        (Some(d), _) => format!("fixed: {d}"),
        (None, m) => format!("{m}: {}", m.describe()),
    };
    format!(
        "sslprobe serve: {protos}, self-signed certificate for {}, tickets {how}",
        loopback::HOST
    )
}

/// An accepted socket whose every read and write is bounded: by what is left of the handshake
/// deadline while the handshake runs, by the idle timeout afterwards.
struct TimedSocket {
    tcp: TcpStream,
    timeouts: Timeouts,
    /// Set until the handshake completes.
    deadline: Cell<Option<Instant>>,
    /// Why the connection timed out, once it has.
    expired: Cell<Option<&'static str>>,
}

impl TimedSocket {
    fn new(tcp: TcpStream, timeouts: Timeouts) -> TimedSocket {
        TimedSocket {
            tcp,
            timeouts,
            deadline: Cell::new(Some(Instant::now() + timeouts.handshake)),
            expired: Cell::new(None),
        }
    }

    /// Sets the socket timeout (`SO_RCVTIMEO` or `SO_SNDTIMEO` through `set`) for the next
    /// operation; returns which limit applies.
    fn arm(
        &self,
        set: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
    ) -> io::Result<&'static str> {
        let (limit, which) = match self.deadline.get() {
            Some(d) => (d.saturating_duration_since(Instant::now()), "handshake"),
            None => (self.timeouts.idle, "idle"),
        };
        if limit.is_zero() {
            return Err(self.expire(which));
        }
        set(&self.tcp, Some(limit))?;
        Ok(which)
    }

    /// Turns a socket timeout into a `TimedOut` error saying which limit was reached.
    fn check<T>(&self, which: &'static str, r: io::Result<T>) -> io::Result<T> {
        match r {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(self.expire(which))
            }
            r => r,
        }
    }

    fn expire(&self, which: &'static str) -> io::Error {
        let text = if which == "handshake" {
            "handshake not completed within the --handshake-timeout"
        } else {
            "no progress within the --idle-timeout"
        };
        self.expired.set(Some(text));
        io::Error::new(io::ErrorKind::TimedOut, text)
    }
}

impl Read for TimedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let which = self.arm(TcpStream::set_read_timeout)?;
        let r = (&self.tcp).read(buf);
        self.check(which, r)
    }
}

impl Write for TimedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let which = self.arm(TcpStream::set_write_timeout)?;
        let r = (&self.tcp).write(buf);
        self.check(which, r)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&self.tcp).flush()
    }
}

/// A served TLS connection over a [`TimedSocket`], instrumented like [`loopback::accept`].
type Served = SslStream<CountingStream<TimedSocket>>;

/// The server side of the handshake, as [`loopback::accept`] does it but over a
/// [`TimedSocket`], so the handshake deadline holds in total.
fn handshake(
    ctx: &SslContext,
    tcp: TcpStream,
    timeouts: Timeouts,
) -> Result<(Served, Arc<Wire>), String> {
    tcp.set_nodelay(true)
        .map_err(|e| format!("setting TCP_NODELAY: {e}"))?;
    let wire = Wire::new();
    let mut ssl = Ssl::new(ctx).map_err(|e| format!("SSL_new (server): {e}"))?;
    loopback::instrument(&mut ssl, wire.clone()).map_err(|e| e.to_string())?;
    let socket = TimedSocket::new(tcp, timeouts);
    let mut stream = SslStream::new(ssl, CountingStream::new(socket, wire.clone()))
        .map_err(|e| format!("attaching the server socket: {e}"))?;
    let done = stream.accept();
    let socket = stream.get_ref().get_ref();
    if let Some(why) = socket.expired.get() {
        return Err(format!(
            "closed: {why} ({} s)",
            timeouts.handshake.as_secs()
        ));
    }
    done.map_err(|e| format!("server handshake: {e}"))?;
    socket.deadline.set(None);
    Ok((stream, wire))
}

fn handle(n: u64, ctx: &SslContext, tcp: TcpStream, timeouts: Timeouts) {
    let peer = tcp
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let (mut stream, wire) = match handshake(ctx, tcp, timeouts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connection {n} from {peer}: {e}");
            return;
        }
    };
    let version = stream.ssl().version_str();
    let echoed = loopback::echo(&mut stream, &wire);
    let w = wire.snapshot();
    let echo_text = match (echoed, stream.get_ref().get_ref().expired.get()) {
        (Ok(b), None) => format!("{b} bytes echoed"),
        (Ok(b), Some(why)) => format!(
            "{b} bytes echoed, then closed: {why} ({} s)",
            timeouts.idle.as_secs()
        ),
        (Err(_), Some(why)) => format!("closed: {why} ({} s)", timeouts.idle.as_secs()),
        (Err(e), None) => format!("echo failed: {e}"),
    };
    eprintln!(
        "connection {n} from {peer}: {version}, {} sent, {} / {} bytes after the client's Finished up to the first reply, {echo_text}",
        plural(w.tickets_sent, "NewSessionTicket", "NewSessionTickets"),
        plural(w.writes_after_finished, "write", "writes"),
        w.bytes_after_finished
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(listen: &str) -> Args {
        Args {
            listen: listen.into(),
            baseline: false,
            tls12: false,
            tls13: false,
            max_conns: None,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            keylog: None,
        }
    }

    #[test]
    fn validates_arguments() {
        let c = validate(&args("127.0.0.1:0")).unwrap();
        assert_eq!(c.addr, "127.0.0.1:0".parse().unwrap());
        assert_eq!(c.mode, TicketMode::Fixed);
        assert_eq!(c.max_concurrent, 64);
        assert_eq!(
            c.timeouts,
            Timeouts {
                handshake: Duration::from_secs(10),
                idle: Duration::from_secs(120)
            }
        );
        for bad in [
            "",
            "127.0.0.1",
            "nonsense",
            "127.0.0.1:99999",
            "300.1.1.1:1",
        ] {
            let e = validate(&args(bad)).unwrap_err();
            assert_eq!(e.code, 2, "{bad:?}");
        }
        let mut a = args("127.0.0.1:0");
        a.max_conns = Some(0);
        assert!(validate(&a).unwrap_err().message.contains("--max-conns"));
        a.max_conns = Some(1);
        a.tls12 = true;
        a.tls13 = true;
        assert_eq!(validate(&a).unwrap_err().code, 2);
        a.tls13 = false;
        a.baseline = true;
        let c = validate(&a).unwrap();
        assert_eq!(
            (c.proto, c.mode),
            (Some(Protocol::Tls12), TicketMode::Baseline)
        );
    }

    #[test]
    fn validates_limits() {
        let set = |f: fn(&mut Args, u64), v: u64| {
            let mut a = args("127.0.0.1:0");
            f(&mut a, v);
            validate(&a)
        };
        type Setter = fn(&mut Args, u64);
        let cases: [(&str, Setter, u64); 3] = [
            ("--max-concurrent", |a, v| a.max_concurrent = v, 10_000),
            (
                "--handshake-timeout",
                |a, v| a.handshake_timeout = v,
                86_400,
            ),
            ("--idle-timeout", |a, v| a.idle_timeout = v, 86_400),
        ];
        for (flag, f, max) in cases {
            for bad in [0, max + 1, u64::MAX] {
                let e = set(f, bad).unwrap_err();
                assert_eq!(e.code, 2, "{flag} {bad}");
                assert!(
                    e.message.contains(flag)
                        && e.message.contains(&format!("between 1 and {max}"))
                        && e.message.contains(&format!("(got {bad})")),
                    "{}",
                    e.message
                );
            }
            assert!(set(f, 1).is_ok() && set(f, max).is_ok(), "{flag}");
        }
        let mut a = args("127.0.0.1:0");
        a.max_concurrent = 3;
        a.handshake_timeout = 2;
        a.idle_timeout = 5;
        let c = validate(&a).unwrap();
        assert_eq!(c.max_concurrent, 3);
        assert_eq!(c.timeouts.handshake, Duration::from_secs(2));
        assert_eq!(c.timeouts.idle, Duration::from_secs(5));
    }
}
