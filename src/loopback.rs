//! Real TLS over loopback TCP: the measuring kit behind sslprobe's proof on the wire.
//!
//! Everything here runs real handshakes with the library sslprobe was built against: a
//! self-signed certificate ([`self_signed`]), server and client contexts pinned to one protocol
//! ([`server_context`], [`client_context`]), a message callback that sees every handshake message
//! ([`instrument`]) and a stream wrapper that counts socket writes ([`CountingStream`]).
//! [`count_tickets`] puts them together: one full handshake plus one resumption attempt on
//! `127.0.0.1`, counting the `NewSessionTicket` messages the client receives and the server's
//! socket writes between reading the client's `Finished` and its first application-data reply.
//!
//! ```
//! use sslprobe::loopback::{count_tickets, Protocol, TicketMode};
//! let fixed = count_tickets(Protocol::Tls12, TicketMode::Fixed).unwrap();
//! assert_eq!(fixed.tickets, 0);
//! println!("{fixed}");
//! ```
//!
//! Every socket has read/write timeouts and the server thread stops accepting after a deadline,
//! so a broken library produces an [`Error`], never a hang.

use crate::tickets::{disable_session_tickets, TicketsDisabled};
use foreign_types::ForeignTypeRef;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::ex_data::Index;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslRef, SslSession,
    SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Read/write timeout of every loopback socket.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a loopback server waits for its client to connect.
pub const ACCEPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The host name in the certificate and the client's SNI / verification name.
pub const HOST: &str = "localhost";

/// TLS record content type of handshake messages.
const CONTENT_TYPE_HANDSHAKE: c_int = 22;
/// Handshake message type `new_session_ticket`.
const HS_NEW_SESSION_TICKET: u8 = 4;
/// Handshake message type `finished`.
const HS_FINISHED: u8 = 20;

/// `void (*cb)(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)`
type MsgCallback = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    *const c_void,
    usize,
    *mut openssl_sys::SSL,
    *mut c_void,
);

extern "C" {
    // Not declared by openssl-sys; present in every OpenSSL-family libssl.
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
}

/// What went wrong while measuring.
#[derive(Debug)]
pub enum Error {
    /// An OpenSSL call failed.
    Ssl {
        /// What was being done.
        context: String,
        /// The library's error queue.
        source: ErrorStack,
    },
    /// A TLS handshake or TLS read/write failed.
    Tls {
        /// What was being done (`client handshake`, `server read`, ...).
        context: String,
        /// The library's description.
        message: String,
    },
    /// A socket operation failed.
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: io::Error,
    },
    /// Nothing happened in time.
    Timeout {
        /// What was awaited.
        what: String,
    },
    /// The requested mode or protocol does not exist in this library.
    Unsupported(String),
    /// The peers talked, but not as expected (wrong protocol negotiated, wrong echo).
    Unexpected(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Ssl { context, source } => write!(f, "{context}: {source}"),
            Error::Tls { context, message } => write!(f, "{context}: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Timeout { what } => write!(f, "timed out waiting for {what}"),
            Error::Unsupported(m) | Error::Unexpected(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Ssl { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn ssl_err(context: impl Into<String>) -> impl FnOnce(ErrorStack) -> Error {
    let context = context.into();
    move |source| Error::Ssl { context, source }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

fn tls_err(context: &str, e: &openssl::ssl::Error) -> Error {
    Error::Tls {
        context: context.to_string(),
        message: e.to_string(),
    }
}

/// The protocol version a loopback context is pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TLS 1.2 only.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl Protocol {
    /// `TLS 1.2` / `TLS 1.3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tls12 => "TLS 1.2",
            Protocol::Tls13 => "TLS 1.3",
        }
    }

    /// `tls12` / `tls13` (JSON keys, CLI flags).
    pub fn key(self) -> &'static str {
        match self {
            Protocol::Tls12 => "tls12",
            Protocol::Tls13 => "tls13",
        }
    }

    /// What `SSL_get_version` says once this protocol is negotiated (`TLSv1.3`).
    pub fn ssl_version_str(self) -> &'static str {
        match self {
            Protocol::Tls12 => "TLSv1.2",
            Protocol::Tls13 => "TLSv1.3",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the server context is told about session tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketMode {
    /// `SSL_OP_NO_TICKET` only: the seed's bug (OpenSSL >= 1.1.1 then sends two stateful TLS 1.3
    /// tickets per full handshake).
    Baseline,
    /// [`disable_session_tickets`]: `SSL_OP_NO_TICKET` plus `SSL_CTX_set_num_tickets(ctx, 0)`
    /// where the library has it.
    Fixed,
    /// Nothing: the library's defaults.
    Default,
    /// `SSL_CTX_set_num_tickets(ctx, 0)` only, without `SSL_OP_NO_TICKET`: shows that TLS 1.2
    /// tickets need the option (the PostgreSQL regression). Unsupported where the API is absent.
    NumTicketsOnly,
    /// `SSL_CTX_set_num_tickets(ctx, 5)` only: more tickets than any library's default, so an
    /// effective call shows on the wire and a stub does not. Unsupported where the API is absent.
    NumTicketsFive,
}

impl TicketMode {
    /// `baseline`, `fixed`, `default`, `num-tickets-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketMode::Baseline => "baseline",
            TicketMode::Fixed => "fixed",
            TicketMode::Default => "default",
            TicketMode::NumTicketsOnly => "num-tickets-only",
            TicketMode::NumTicketsFive => "num-tickets-5",
        }
    }

    /// What the mode does to the server context, in words.
    pub fn describe(self) -> &'static str {
        match self {
            TicketMode::Baseline => "SSL_OP_NO_TICKET only",
            TicketMode::Fixed => "sslprobe::disable_session_tickets",
            TicketMode::Default => "library defaults",
            TicketMode::NumTicketsOnly => "SSL_CTX_set_num_tickets(ctx, 0) only",
            TicketMode::NumTicketsFive => "SSL_CTX_set_num_tickets(ctx, 5) only",
        }
    }
}

impl fmt::Display for TicketMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A certificate and its private key.
#[derive(Clone)]
pub struct Identity {
    /// The self-signed certificate.
    pub cert: X509,
    /// Its private key.
    pub key: PKey<Private>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &self.cert.subject_name())
            .finish_non_exhaustive()
    }
}

/// Generates a self-signed EC P-256 certificate for `host` (also valid for `127.0.0.1` and
/// `::1`), valid from yesterday for 30 days.
///
/// ```
/// let id = sslprobe::loopback::self_signed("localhost").unwrap();
/// assert!(id.cert.verify(&id.key).unwrap());
/// ```
pub fn self_signed(host: &str) -> Result<Identity, Error> {
    let group =
        EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(ssl_err("EC group P-256"))?;
    let ec = EcKey::generate(&group).map_err(ssl_err("generating an EC P-256 key"))?;
    let key = PKey::from_ec_key(ec).map_err(ssl_err("wrapping the EC key"))?;
    let build = || -> Result<X509, ErrorStack> {
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_nid(Nid::COMMONNAME, host)?;
        name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "sslprobe loopback")?;
        let name = name.build();
        let mut b = X509::builder()?;
        b.set_version(2)?;
        let mut serial = BigNum::new()?;
        serial.rand(63, MsbOption::MAYBE_ZERO, false)?;
        let serial = serial.to_asn1_integer()?;
        b.set_serial_number(&serial)?;
        b.set_subject_name(&name)?;
        b.set_issuer_name(&name)?;
        b.set_pubkey(&key)?;
        let not_before = Asn1Time::from_unix(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
                - 86_400,
        )?;
        b.set_not_before(&not_before)?;
        let not_after = Asn1Time::days_from_now(30)?;
        b.set_not_after(&not_after)?;
        b.append_extension(BasicConstraints::new().critical().build()?)?;
        // keyCertSign too: OpenSSL 1.1.0 does not accept a self-signed certificate as its own
        // issuer (the trust anchor here) without it ("unknown ca").
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_cert_sign()
                .build()?,
        )?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let san = SubjectAlternativeName::new()
            .dns(host)
            .ip("127.0.0.1")
            .ip("::1")
            .build(&b.x509v3_context(None, None))?;
        b.append_extension(san)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(b.build())
    };
    let cert = build().map_err(ssl_err(format!(
        "building a self-signed certificate for {host}"
    )))?;
    Ok(Identity { cert, key })
}

/// Pins a context to `proto` (`None`: TLS 1.2 and up) with `SSL_CTX_set_min_proto_version` and
/// `SSL_CTX_set_max_proto_version` alone, never with the `SSL_OP_NO_TLSv1_x` options.
///
/// The options cannot express "TLS 1.3 only" portably. OpenSSL honours single holes, but
/// LibreSSL before 3.8 turns the options into one contiguous range that starts at the lowest
/// version they leave on (TLS 1.0 when `SSL_OP_NO_TLSv1` is clear) and ends below the first
/// version they switch off: `SSL_OP_NO_TLSv1_2` there means "TLS 1.0 to 1.1", which the 1.2
/// floor then empties, and both sides fail with "no protocols available" (its
/// `ssl_enabled_tls_version_range`). TLS 1.3 is named by its wire version, 0x0304, because the
/// openssl crate has no `SslVersion::TLS1_3` on libraries without TLS 1.3; there (OpenSSL 1.1.0)
/// the library refuses it as a bound and this returns [`Error::Unsupported`].
fn pin_protocol(b: &mut SslContextBuilder, proto: Option<Protocol>) -> Result<(), Error> {
    match proto {
        None => b
            .set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(ssl_err("setting minimum protocol TLS 1.2")),
        Some(Protocol::Tls12) => {
            b.set_min_proto_version(Some(SslVersion::TLS1_2))
                .map_err(ssl_err("setting minimum protocol TLS 1.2"))?;
            b.set_max_proto_version(Some(SslVersion::TLS1_2))
                .map_err(ssl_err("setting maximum protocol TLS 1.2"))
        }
        Some(Protocol::Tls13) => {
            // SAFETY: the builder owns a valid SSL_CTX and we hold it mutably.
            let (min, max) = unsafe {
                (
                    openssl_sys::SSL_CTX_set_min_proto_version(b.as_ptr(), TLS1_3_VERSION as _),
                    openssl_sys::SSL_CTX_set_max_proto_version(b.as_ptr(), TLS1_3_VERSION as _),
                )
            };
            if min == 1 && max == 1 {
                Ok(())
            } else {
                // Clear what a refused bound may have left on the error queue.
                let _ = ErrorStack::get();
                Err(Error::Unsupported(format!(
                    "the library linked refuses TLS 1.3 as a protocol bound \
                     (SSL_CTX_set_min_proto_version: {min}, SSL_CTX_set_max_proto_version: {max})"
                )))
            }
        }
    }
}

/// Whether the library linked can negotiate `proto` at all. Asks the library itself: one
/// without TLS 1.3 (OpenSSL 1.1.0) refuses 0x0304 as a maximum protocol version.
///
/// ```
/// use sslprobe::loopback::{supports, Protocol};
/// assert!(supports(Protocol::Tls12));
/// ```
pub fn supports(proto: Protocol) -> bool {
    match proto {
        Protocol::Tls12 => true,
        Protocol::Tls13 => {
            let Ok(b) = SslContext::builder(SslMethod::tls()) else {
                return false;
            };
            // SAFETY: a valid, exclusively owned context.
            unsafe {
                openssl_sys::SSL_CTX_set_max_proto_version(b.as_ptr(), TLS1_3_VERSION as _) == 1
            }
        }
    }
}

/// TLS 1.3's wire version.
const TLS1_3_VERSION: c_int = 0x0304;

/// A server context and what its ticket mode did.
pub struct ServerContext {
    /// The finished context (certificate, key, protocol, ticket mode applied).
    pub ctx: SslContext,
    /// The mode applied.
    pub mode: TicketMode,
    /// [`disable_session_tickets`]'s outcome (mode [`TicketMode::Fixed`] only).
    pub disabled: Option<TicketsDisabled>,
}

impl fmt::Debug for ServerContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerContext")
            .field("mode", &self.mode)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Applies a ticket mode to a server context builder.
pub fn apply_ticket_mode(
    b: &mut SslContextBuilder,
    mode: TicketMode,
) -> Result<Option<TicketsDisabled>, Error> {
    match mode {
        TicketMode::Default => Ok(None),
        TicketMode::Baseline => {
            b.set_options(SslOptions::NO_TICKET);
            Ok(None)
        }
        TicketMode::Fixed => Ok(Some(disable_session_tickets(b))),
        TicketMode::NumTicketsOnly => set_num_tickets(b, 0, mode).map(|()| None),
        TicketMode::NumTicketsFive => set_num_tickets(b, 5, mode).map(|()| None),
    }
}

#[cfg(have_ssl_ctx_set_num_tickets)]
fn set_num_tickets(b: &mut SslContextBuilder, n: usize, _mode: TicketMode) -> Result<(), Error> {
    // SAFETY: the builder owns a valid SSL_CTX and we hold it mutably.
    let ret = unsafe { crate::sys::SSL_CTX_set_num_tickets(b.as_ptr(), n) };
    if ret == 1 {
        Ok(())
    } else {
        Err(Error::Unexpected(format!(
            "SSL_CTX_set_num_tickets(ctx, {n}) returned {ret}"
        )))
    }
}

#[cfg(not(have_ssl_ctx_set_num_tickets))]
fn set_num_tickets(_b: &mut SslContextBuilder, _n: usize, mode: TicketMode) -> Result<(), Error> {
    Err(Error::Unsupported(format!(
        "SSL_CTX_set_num_tickets is absent from {}: mode {mode} cannot be measured",
        crate::info::build_info().describe()
    )))
}

/// A server context with `identity`, pinned to `proto` (`None`: TLS 1.2 and 1.3), with a session
/// id context (so session-id resumption works) and `mode` applied.
pub fn server_context(
    identity: &Identity,
    proto: Option<Protocol>,
    mode: TicketMode,
) -> Result<ServerContext, Error> {
    let mut b = server_builder(identity, proto)?;
    let disabled = apply_ticket_mode(&mut b, mode)?;
    Ok(ServerContext {
        ctx: b.build(),
        mode,
        disabled,
    })
}

/// [`server_context`] before its ticket mode and before it is built (`identity`'s certificate and
/// key, pinned to `proto`, a session id context), for a caller that sets more (e.g. key logging).
///
/// ```
/// use openssl::ssl::SslOptions;
/// use sslprobe::loopback::{self_signed, server_builder, Protocol};
/// let id = self_signed("localhost").unwrap();
/// let mut b = server_builder(&id, Some(Protocol::Tls12)).unwrap();
/// b.set_options(SslOptions::NO_TICKET);
/// let _ctx = b.build();
/// ```
pub fn server_builder(
    identity: &Identity,
    proto: Option<Protocol>,
) -> Result<SslContextBuilder, Error> {
    let mut b =
        SslContext::builder(SslMethod::tls_server()).map_err(ssl_err("SSL_CTX_new (server)"))?;
    b.set_certificate(&identity.cert)
        .map_err(ssl_err("setting the server certificate"))?;
    b.set_private_key(&identity.key)
        .map_err(ssl_err("setting the server key"))?;
    b.check_private_key()
        .map_err(ssl_err("checking the server key"))?;
    b.set_session_id_context(b"sslprobe-loopback")
        .map_err(ssl_err("setting the session id context"))?;
    pin_protocol(&mut b, proto)?;
    Ok(b)
}

/// Where a client context stores the sessions the server gives it (client session cache).
pub type SessionSlot = Arc<Mutex<Option<SslSession>>>;

/// A client context trusting exactly `identity`'s certificate (peer verification on), pinned to
/// `proto`, with a client session cache: every new session (each TLS 1.3 ticket, the TLS 1.2
/// session) is stored in the returned slot.
pub fn client_context(
    identity: &Identity,
    proto: Option<Protocol>,
) -> Result<(SslContext, SessionSlot), Error> {
    let (b, slot) = client_builder(identity, proto)?;
    Ok((b.build(), slot))
}

/// The builder behind [`client_context`] (trust, verification, protocol, session slot), for
/// measurements that configure more.
pub fn client_builder(
    identity: &Identity,
    proto: Option<Protocol>,
) -> Result<(SslContextBuilder, SessionSlot), Error> {
    let mut b =
        SslContext::builder(SslMethod::tls_client()).map_err(ssl_err("SSL_CTX_new (client)"))?;
    b.cert_store_mut()
        .add_cert(identity.cert.clone())
        .map_err(ssl_err("trusting the loopback certificate"))?;
    b.set_verify(SslVerifyMode::PEER);
    pin_protocol(&mut b, proto)?;
    b.set_session_cache_mode(SslSessionCacheMode::CLIENT);
    let slot: SessionSlot = Arc::new(Mutex::new(None));
    let s = slot.clone();
    b.set_new_session_callback(move |_, session| {
        if let Ok(mut g) = s.lock() {
            *g = Some(session);
        }
    });
    Ok((b, slot))
}

/// Per-connection counters fed by the message callback and by [`CountingStream`].
#[derive(Debug, Default)]
pub struct Wire {
    tickets_received: AtomicUsize,
    tickets_sent: AtomicUsize,
    peer_finished: AtomicBool,
    measuring: AtomicBool,
    writes: AtomicUsize,
    bytes: AtomicUsize,
    writes_after: AtomicUsize,
    bytes_after: AtomicUsize,
}

/// A snapshot of [`Wire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WireStats {
    /// `NewSessionTicket` messages received.
    pub tickets_received: usize,
    /// `NewSessionTicket` messages sent.
    pub tickets_sent: usize,
    /// Whether the peer's `Finished` was read.
    pub peer_finished: bool,
    /// Socket writes in total.
    pub writes: usize,
    /// Bytes written in total.
    pub bytes: usize,
    /// Socket writes from reading the peer's `Finished` until [`Wire::end_measurement`].
    pub writes_after_finished: usize,
    /// Bytes of those writes.
    pub bytes_after_finished: usize,
}

impl Wire {
    /// New, zeroed counters.
    pub fn new() -> Arc<Wire> {
        Arc::new(Wire::default())
    }

    fn on_handshake(&self, sent: bool, msg_type: u8) {
        if msg_type == HS_NEW_SESSION_TICKET {
            let counter = if sent {
                &self.tickets_sent
            } else {
                &self.tickets_received
            };
            counter.fetch_add(1, Ordering::SeqCst);
        } else if msg_type == HS_FINISHED
            && !sent
            && !self.peer_finished.swap(true, Ordering::SeqCst)
        {
            // The first Finished received starts the measurement window.
            self.measuring.store(true, Ordering::SeqCst);
        }
    }

    fn on_write(&self, n: usize) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(n, Ordering::SeqCst);
        if self.measuring.load(Ordering::SeqCst) {
            self.writes_after.fetch_add(1, Ordering::SeqCst);
            self.bytes_after.fetch_add(n, Ordering::SeqCst);
        }
    }

    /// Closes the "after the peer's Finished" window (call after the first reply is written).
    pub fn end_measurement(&self) {
        self.measuring.store(false, Ordering::SeqCst);
    }

    /// The current counts.
    pub fn snapshot(&self) -> WireStats {
        WireStats {
            tickets_received: self.tickets_received.load(Ordering::SeqCst),
            tickets_sent: self.tickets_sent.load(Ordering::SeqCst),
            peer_finished: self.peer_finished.load(Ordering::SeqCst),
            writes: self.writes.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
            writes_after_finished: self.writes_after.load(Ordering::SeqCst),
            bytes_after_finished: self.bytes_after.load(Ordering::SeqCst),
        }
    }
}

/// A stream that counts every successful `write` call (one per TLS record flight the library
/// hands to the socket) into a [`Wire`].
#[derive(Debug)]
pub struct CountingStream<S> {
    inner: S,
    wire: Arc<Wire>,
}

impl<S> CountingStream<S> {
    /// Wraps `inner`, counting into `wire`.
    pub fn new(inner: S, wire: Arc<Wire>) -> Self {
        CountingStream { inner, wire }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Read> Read for CountingStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for CountingStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.wire.on_write(n);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

unsafe extern "C" fn on_message(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut openssl_sys::SSL,
    _arg: *mut c_void,
) {
    if content_type != CONTENT_TYPE_HANDSHAKE || buf.is_null() || len == 0 || ssl.is_null() {
        return;
    }
    // The counters live in the SSL's ex_data (see `instrument`): no callback argument is needed,
    // which matters because `SSL_set_msg_callback_arg` is a macro over `SSL_ctrl` in OpenSSL and
    // a function in BoringSSL/AWS-LC.
    let Ok(index) = wire_index() else { return };
    // SAFETY: the callback is called with the connection's valid SSL; `buf` holds `len >= 1`
    // bytes of the handshake message.
    let ssl = SslRef::from_ptr(ssl);
    if let Some(wire) = ssl.ex_data(index) {
        wire.on_handshake(write_p != 0, *(buf as *const u8));
    }
}

fn wire_index() -> Result<Index<Ssl, Arc<Wire>>, Error> {
    static INDEX: OnceLock<Option<Index<Ssl, Arc<Wire>>>> = OnceLock::new();
    INDEX
        .get_or_init(|| Ssl::new_ex_index().ok())
        .ok_or_else(|| Error::Unexpected("SSL_get_ex_new_index failed".into()))
}

/// Installs the message callback on `ssl`, counting `NewSessionTicket` messages (sent and
/// received) and noting when the peer's `Finished` arrives, into `wire` (kept alive by the SSL's
/// ex_data for as long as the connection lives).
pub fn instrument(ssl: &mut SslRef, wire: Arc<Wire>) -> Result<(), Error> {
    ssl.set_ex_data(wire_index()?, wire);
    // SAFETY: valid SSL; the callback only reads the ex_data set above.
    unsafe {
        SSL_set_msg_callback(ssl.as_ptr(), Some(on_message));
    }
    Ok(())
}

fn set_timeouts(tcp: &TcpStream, timeout: Duration) -> Result<(), Error> {
    tcp.set_read_timeout(Some(timeout))
        .map_err(io_err("setting the read timeout"))?;
    tcp.set_write_timeout(Some(timeout))
        .map_err(io_err("setting the write timeout"))?;
    tcp.set_nodelay(true).map_err(io_err("setting TCP_NODELAY"))
}

/// An instrumented server-side TLS connection.
pub type ServerStream = SslStream<CountingStream<TcpStream>>;

/// Runs the server side of a handshake on an accepted socket (timeouts [`IO_TIMEOUT`] unless
/// already set), instrumented: returns the stream and its counters.
pub fn accept(ctx: &SslContext, tcp: TcpStream) -> Result<(ServerStream, Arc<Wire>), Error> {
    tcp.set_nonblocking(false)
        .map_err(io_err("making the accepted socket blocking"))?;
    if tcp.read_timeout().ok().flatten().is_none() {
        set_timeouts(&tcp, IO_TIMEOUT)?;
    }
    let wire = Wire::new();
    let mut ssl = Ssl::new(ctx).map_err(ssl_err("SSL_new (server)"))?;
    instrument(&mut ssl, wire.clone())?;
    let mut stream = SslStream::new(ssl, CountingStream::new(tcp, wire.clone()))
        .map_err(ssl_err("attaching the server socket"))?;
    stream
        .accept()
        .map_err(|e| tls_err("server handshake", &e))?;
    Ok((stream, wire))
}

/// Echoes everything read back to the peer until it closes the connection. The first reply
/// closes the wire's measurement window. Returns the number of bytes echoed. Errors before the
/// first reply are errors; afterwards an abrupt close just ends the echo.
pub fn echo<S: Read + Write>(stream: &mut SslStream<S>, wire: &Wire) -> Result<u64, Error> {
    let mut buf = [0u8; 4096];
    let mut echoed = 0u64;
    loop {
        let n = match stream.ssl_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => break,
            Err(_) if echoed > 0 => break,
            Err(e) => return Err(tls_err("server read", &e)),
        };
        let written = stream.write_all(&buf[..n]).and_then(|()| stream.flush());
        if echoed == 0 {
            wire.end_measurement();
        }
        written.map_err(io_err("server write"))?;
        echoed += n as u64;
    }
    let _ = stream.shutdown();
    Ok(echoed)
}

/// Accepts one connection on a non-blocking poll of `listener`, giving up after `deadline`.
pub fn accept_tcp(
    listener: &TcpListener,
    deadline: Duration,
) -> Result<(TcpStream, SocketAddr), Error> {
    listener
        .set_nonblocking(true)
        .map_err(io_err("making the listener non-blocking"))?;
    let start = Instant::now();
    loop {
        match listener.accept() {
            Ok(pair) => return Ok(pair),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                if start.elapsed() >= deadline {
                    return Err(Error::Timeout {
                        what: "the loopback client to connect".into(),
                    });
                }
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                return Err(Error::Io {
                    context: "accepting a loopback connection".into(),
                    source: e,
                })
            }
        }
    }
}

/// One client connection's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientResult {
    /// Client-side counters (tickets received).
    pub wire: WireStats,
    /// The handshake resumed the offered session.
    pub resumed: bool,
    /// `SSL_get_version` of the connection (`TLSv1.3`).
    pub version: String,
}

/// Connects to `addr`, handshakes (verifying `HOST`), offers `session` if given, sends one line,
/// reads its echo (which also processes any TLS 1.3 post-handshake tickets sent before it),
/// then closes.
pub fn client_roundtrip(
    addr: SocketAddr,
    ctx: &SslContext,
    session: Option<&SslSession>,
) -> Result<ClientResult, Error> {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
        .map_err(io_err(format!("connecting to {addr}")))?;
    set_timeouts(&tcp, IO_TIMEOUT)?;
    let wire = Wire::new();
    let mut ssl = Ssl::new(ctx).map_err(ssl_err("SSL_new (client)"))?;
    ssl.set_hostname(HOST).map_err(ssl_err("setting SNI"))?;
    ssl.param_mut()
        .set_host(HOST)
        .map_err(ssl_err("setting the verification host name"))?;
    if let Some(s) = session {
        // SAFETY: the session came from a connection of this same client context.
        unsafe { ssl.set_session(s) }.map_err(ssl_err("offering the previous session"))?;
    }
    instrument(&mut ssl, wire.clone())?;
    let mut stream = SslStream::new(ssl, tcp).map_err(ssl_err("attaching the client socket"))?;
    stream
        .connect()
        .map_err(|e| tls_err("client handshake", &e))?;
    let line = b"sslprobe loopback ping\n";
    stream
        .write_all(line)
        .and_then(|()| stream.flush())
        .map_err(io_err("client write"))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while got.len() < line.len() {
        match stream.ssl_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => break,
            Err(e) => {
                if e.io_error().is_some_and(|io| {
                    matches!(
                        io.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    )
                }) {
                    return Err(Error::Timeout {
                        what: "the echo from the loopback server".into(),
                    });
                }
                return Err(tls_err("client read", &e));
            }
        }
    }
    if got != line {
        return Err(Error::Unexpected(format!(
            "the loopback server echoed {:?} instead of {:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(line)
        )));
    }
    let resumed = stream.ssl().session_reused();
    let version = stream.ssl().version_str().to_string();
    let _ = stream.shutdown();
    Ok(ClientResult {
        wire: wire.snapshot(),
        resumed,
        version,
    })
}

/// Runs one instrumented echo connection on `listener` in a thread; returns the listener back
/// with the server's counters.
fn serve_one(
    listener: TcpListener,
    ctx: SslContext,
) -> thread::JoinHandle<(TcpListener, Result<WireStats, Error>)> {
    thread::spawn(move || {
        let run = || -> Result<WireStats, Error> {
            let (tcp, _) = accept_tcp(&listener, ACCEPT_TIMEOUT)?;
            let (mut stream, wire) = accept(&ctx, tcp)?;
            echo(&mut stream, &wire)?;
            Ok(wire.snapshot())
        };
        let r = run();
        (listener, r)
    })
}

fn join_server(
    h: thread::JoinHandle<(TcpListener, Result<WireStats, Error>)>,
) -> Result<(TcpListener, Result<WireStats, Error>), Error> {
    h.join()
        .map_err(|_| Error::Unexpected("the loopback server thread panicked".into()))
}

/// One connection's measurement, both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The client's view.
    pub client: ClientResult,
    /// The server's counters.
    pub server: WireStats,
}

fn connect_once(
    listener: TcpListener,
    server: &SslContext,
    client: &SslContext,
    session: Option<&SslSession>,
) -> Result<(TcpListener, Connection), Error> {
    let addr = listener
        .local_addr()
        .map_err(io_err("reading the listener address"))?;
    let h = serve_one(listener, server.clone());
    let c = client_roundtrip(addr, client, session);
    let (listener, s) = join_server(h)?;
    match (c, s) {
        (Ok(client), Ok(server)) => Ok((listener, Connection { client, server })),
        (Err(c), Ok(_)) => Err(c),
        (Ok(_), Err(s)) => Err(s),
        (Err(c), Err(s)) => Err(Error::Unexpected(format!(
            "loopback client: {c}; loopback server: {s}"
        ))),
    }
}

/// One instrumented connection between `server` and `client` on a fresh `127.0.0.1` listener:
/// handshake, one echoed line, close. For measurements that bring their own contexts (built
/// with [`server_builder`] and [`client_builder`]).
pub fn handshake(server: &SslContext, client: &SslContext) -> Result<Connection, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io_err("binding 127.0.0.1:0"))?;
    connect_once(listener, server, client, None).map(|(_, c)| c)
}

/// The result of [`count_tickets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCount {
    /// The protocol both sides were pinned to.
    pub protocol: Protocol,
    /// The server's ticket mode.
    pub mode: TicketMode,
    /// [`disable_session_tickets`]'s outcome (mode [`TicketMode::Fixed`]).
    pub disabled: Option<TicketsDisabled>,
    /// `NewSessionTicket` messages the client received on the full handshake.
    pub tickets: usize,
    /// `NewSessionTicket` messages the server sent on the full handshake (cross-check).
    pub server_tickets_sent: usize,
    /// Server socket writes from reading the client's `Finished` up to and including its first
    /// application-data reply (full handshake).
    pub writes_after_finished: usize,
    /// Bytes of those writes.
    pub bytes_after_finished: usize,
    /// `NewSessionTicket` messages the client received on the resumption attempt.
    pub resumed_tickets: usize,
    /// Whether the second connection resumed the first one's session.
    pub resumed: bool,
    /// Server writes after the client's `Finished` on the resumption attempt.
    pub resumed_writes_after_finished: usize,
    /// Bytes of those writes.
    pub resumed_bytes_after_finished: usize,
}

impl fmt::Display for TicketCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {} ticket(s), {} server write(s) / {} bytes after the client's Finished; resumption {}: {} ticket(s)",
            self.protocol,
            self.mode,
            self.mode.describe(),
            self.tickets,
            self.writes_after_finished,
            self.bytes_after_finished,
            if self.resumed { "succeeded" } else { "not resumed" },
            self.resumed_tickets
        )
    }
}

/// Runs a real handshake over loopback TCP with a fresh self-signed certificate, the server in
/// `mode`, both sides pinned to `proto`, then a resumption attempt with the session from the
/// first connection, and counts what happened. Fails if `proto` is not what was negotiated.
pub fn count_tickets(proto: Protocol, mode: TicketMode) -> Result<TicketCount, Error> {
    if !supports(proto) {
        return Err(Error::Unsupported(format!(
            "{proto} is not supported by the library linked"
        )));
    }
    let id = self_signed(HOST)?;
    let server = server_context(&id, Some(proto), mode)?;
    let (client, slot) = client_context(&id, Some(proto))?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io_err("binding 127.0.0.1:0"))?;

    let (listener, first) = connect_once(listener, &server.ctx, &client, None)?;
    if first.client.version != proto.ssl_version_str() {
        return Err(Error::Unexpected(format!(
            "asked for {proto} only but the loopback handshake negotiated {}",
            first.client.version
        )));
    }
    let session = slot.lock().ok().and_then(|mut g| g.take());
    // No ticket and no session id cached: offer the connection's own session anyway (the
    // attempt then shows it cannot resume).
    let (_listener, second) = connect_once(listener, &server.ctx, &client, session.as_ref())?;
    Ok(TicketCount {
        protocol: proto,
        mode,
        disabled: server.disabled,
        tickets: first.client.wire.tickets_received,
        server_tickets_sent: first.server.tickets_sent,
        writes_after_finished: first.server.writes_after_finished,
        bytes_after_finished: first.server.bytes_after_finished,
        resumed_tickets: second.client.wire.tickets_received,
        resumed: second.client.resumed,
        resumed_writes_after_finished: second.server.writes_after_finished,
        resumed_bytes_after_finished: second.server.bytes_after_finished,
    })
}

/// Baseline and fixed, side by side, for one protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// [`TicketMode::Baseline`].
    pub baseline: TicketCount,
    /// [`TicketMode::Fixed`].
    pub fixed: TicketCount,
}

impl Comparison {
    /// Bytes the fix saves per full handshake (server writes after the client's `Finished`,
    /// up to the first reply); negative if the fix costs bytes.
    pub fn bytes_saved(&self) -> i64 {
        self.baseline.bytes_after_finished as i64 - self.fixed.bytes_after_finished as i64
    }

    /// Socket writes the fix saves per full handshake.
    pub fn writes_saved(&self) -> i64 {
        self.baseline.writes_after_finished as i64 - self.fixed.writes_after_finished as i64
    }
}

/// [`count_tickets`] in baseline and fixed mode.
pub fn compare(proto: Protocol) -> Result<Comparison, Error> {
    Ok(Comparison {
        baseline: count_tickets(proto, TicketMode::Baseline)?,
        fixed: count_tickets(proto, TicketMode::Fixed)?,
    })
}
