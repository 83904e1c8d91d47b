//! `sslprobe serve`: a TLS echo server for outside clients such as `openssl s_client`.
//!
//! It uses a fresh self-signed certificate (`localhost`, `127.0.0.1`, `::1`) and, unless
//! `--baseline`, `sslprobe::disable_session_tickets`. The first stdout line is exactly
//! `listening on ADDR` with the bound address; each connection is reported on stderr with the
//! tickets the server sent and its socket writes after the client's `Finished`.

use crate::tls::{failed, mode_from_flag, plural, protocol_from_flags};
use crate::Failure;
use sslprobe::loopback::{self, Protocol, ServerContext, TicketMode};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::Duration;

/// Idle timeout of a served connection (reads and writes).
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Arguments of `sslprobe serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on, IP:PORT or HOST:PORT (port 0: any free port, printed on stdout).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Only set SSL_OP_NO_TICKET (the seed's bug: OpenSSL >= 1.1.1 then sends 2 stateful TLS 1.3
    /// tickets) instead of calling sslprobe::disable_session_tickets.
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
    /// Append NSS key-log lines (for Wireshark) to FILE: created with mode 0600; refused if it
    /// is a symlink, not a regular file, or owned by another user. Off unless given.
    #[arg(long, value_name = "FILE")]
    keylog: Option<std::path::PathBuf>,
}

/// Validated arguments.
#[derive(Debug)]
struct Config {
    addr: SocketAddr,
    proto: Option<Protocol>,
    mode: TicketMode,
    max_conns: Option<u64>,
}

fn validate(a: &Args) -> Result<Config, Failure> {
    let proto = protocol_from_flags(a.tls12, a.tls13)?;
    if a.max_conns == Some(0) {
        return Err(Failure::usage("--max-conns must be at least 1 (got 0)"));
    }
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
    })
}

/// Runs `sslprobe serve`.
pub fn run(args: Args) -> Result<(), Failure> {
    let cfg = validate(&args)?;
    let id = loopback::self_signed(loopback::HOST)
        .map_err(|e| failed("generating the certificate", e))?;
    let server = loopback::server_context(&id, cfg.proto, cfg.mode)
        .map_err(|e| failed("building the server context", e))?;
    let keylog = match &args.keylog {
        Some(path) => {
            use foreign_types::ForeignType;
            // SAFETY: the context is valid and not yet shared with any connection.
            let status = unsafe {
                sslprobe::keylog::enable_keylog_raw(
                    server.ctx.as_ptr(),
                    sslprobe::keylog::KeylogTarget::Path(path.clone()),
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
            Some(status)
        }
        None => None,
    };
    let listener = TcpListener::bind(cfg.addr)
        .map_err(|e| Failure::usage(format!("cannot listen on {}: {e}", cfg.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::failed(format!("reading the bound address: {e}")))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {bound}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::failed(format!("writing to stdout: {e}")))?;
    }
    eprintln!("{}", describe(&server, cfg.proto));

    let mut workers = Vec::new();
    let mut served = 0u64;
    for incoming in listener.incoming() {
        let tcp = match incoming {
            Ok(t) => t,
            Err(e) => {
                eprintln!("sslprobe serve: accept failed: {e}");
                continue;
            }
        };
        served += 1;
        let ctx = server.ctx.clone();
        let n = served;
        workers.push(thread::spawn(move || handle(n, &ctx, tcp)));
        workers.retain(|w| !w.is_finished());
        if cfg.max_conns.is_some_and(|m| served >= m) {
            break;
        }
    }
    for w in workers {
        let _ = w.join();
    }
    if let Some(c) = keylog.as_ref().and_then(|s| s.counters()) {
        eprintln!(
            "sslprobe serve: keylog: {} lines written, {} write errors",
            c.lines_written(),
            c.write_errors()
        );
    }
    eprintln!(
        "sslprobe serve: served {}, exiting",
        plural(served as usize, "connection", "connections")
    );
    Ok(())
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

fn handle(n: u64, ctx: &openssl::ssl::SslContext, tcp: TcpStream) {
    let peer = tcp
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let timeouts = tcp
        .set_read_timeout(Some(IDLE_TIMEOUT))
        .and_then(|()| tcp.set_write_timeout(Some(IDLE_TIMEOUT)));
    if let Err(e) = timeouts {
        eprintln!("connection {n} from {peer}: setting timeouts: {e}");
        return;
    }
    let (mut stream, wire) = match loopback::accept(ctx, tcp) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connection {n} from {peer}: {e}");
            return;
        }
    };
    let version = stream.ssl().version_str();
    let echoed = loopback::echo(&mut stream, &wire);
    let w = wire.snapshot();
    let echo_text = match echoed {
        Ok(b) => format!("{b} bytes echoed"),
        Err(e) => format!("echo failed: {e}"),
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
            keylog: None,
        }
    }

    #[test]
    fn validates_arguments() {
        let c = validate(&args("127.0.0.1:0")).unwrap();
        assert_eq!(c.addr, "127.0.0.1:0".parse().unwrap());
        assert_eq!(c.mode, TicketMode::Fixed);
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
}
