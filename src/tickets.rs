//! Turning session tickets off, completely and honestly.
//!
//! `SSL_OP_NO_TICKET` alone is not enough on OpenSSL >= 1.1.1: its TLS 1.3 server then sends two
//! *stateful* tickets per full handshake instead of stateless ones. `SSL_CTX_set_num_tickets(ctx,
//! 0)` stops those, but does nothing for TLS 1.2, where only `SSL_OP_NO_TICKET` works. So
//! [`disable_session_tickets`] always does both, calling `SSL_CTX_set_num_tickets` only where the
//! build-time probe found it, and reports what each call means on the library linked.

use crate::info::build_info;
use openssl_sys::SSL_CTX;
use std::fmt;

/// What the `SSL_CTX_set_num_tickets(ctx, 0)` part of [`disable_session_tickets`] amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumTickets {
    /// Called, and needed: this library would otherwise send stateful TLS 1.3 tickets
    /// (OpenSSL >= 1.1.1).
    Done,
    /// Not needed here: the API is absent (no TLS 1.3 tickets beyond `SSL_OP_NO_TICKET`, e.g.
    /// OpenSSL 1.1.0), or present but `SSL_OP_NO_TICKET` alone already stops every ticket
    /// (the knowledge DB's `needed = false`: BoringSSL, AWS-LC, which have no stateful
    /// tickets). `called` says whether it was called anyway.
    NotNeeded {
        /// Whether the function was called (it is harmless where present).
        called: bool,
    },
    /// Called, but it has no effect on this library (LibreSSL >= 3.5.0: a stub storing a value
    /// nothing reads; its TLS 1.3 server never sends tickets anyway).
    NoEffect,
    /// Called and it returned failure.
    Failed {
        /// The return value.
        ret: i32,
    },
}

/// The outcome of [`disable_session_tickets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketsDisabled {
    /// `SSL_OP_NO_TICKET` was set (always true: it is what stops TLS 1.2 tickets).
    pub no_ticket_option: bool,
    /// What the `SSL_CTX_set_num_tickets(ctx, 0)` part did.
    pub num_tickets: NumTickets,
}

impl TicketsDisabled {
    /// Whether, by everything known about this library, no session ticket will be sent.
    pub fn all_tickets_disabled(&self) -> bool {
        self.no_ticket_option && !matches!(self.num_tickets, NumTickets::Failed { .. })
    }
}

impl fmt::Display for TicketsDisabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lib = build_info().describe();
        write!(f, "SSL_OP_NO_TICKET set; ")?;
        match self.num_tickets {
            NumTickets::Done => write!(f, "SSL_CTX_set_num_tickets(ctx, 0) called: TLS 1.3 stateful tickets stopped ({lib})"),
            NumTickets::NotNeeded { called: true } => {
                write!(f, "SSL_CTX_set_num_tickets(ctx, 0) called but not needed: SSL_OP_NO_TICKET alone stops all tickets on {lib}")
            }
            NumTickets::NotNeeded { called: false } => {
                write!(f, "SSL_CTX_set_num_tickets is absent from the library in use and not needed there (built against {lib})")
            }
            NumTickets::NoEffect => write!(
                f,
                "SSL_CTX_set_num_tickets(ctx, 0) called but it has no effect on {lib} (a stub); its TLS 1.3 server sends no tickets anyway"
            ),
            NumTickets::Failed { ret } => write!(f, "SSL_CTX_set_num_tickets(ctx, 0) FAILED (returned {ret}) on {lib}"),
        }
    }
}

/// Sets `SSL_OP_NO_TICKET` with the options function (or macro) the probe found.
///
/// # Safety
/// `ctx` must be a valid `SSL_CTX`.
// openssl-sys types SSL_OP_NO_TICKET per library; the cast is a no-op on some of them.
#[allow(clippy::unnecessary_cast)]
unsafe fn set_no_ticket(ctx: *mut SSL_CTX) {
    #[cfg(have_ssl_ctx_set_options = "u64")]
    crate::sys::SSL_CTX_set_options(ctx, openssl_sys::SSL_OP_NO_TICKET as u64);
    #[cfg(have_ssl_ctx_set_options = "c_ulong")]
    crate::sys::SSL_CTX_set_options(ctx, openssl_sys::SSL_OP_NO_TICKET as std::os::raw::c_ulong);
    #[cfg(have_ssl_ctx_set_options = "u32")]
    crate::sys::SSL_CTX_set_options(ctx, openssl_sys::SSL_OP_NO_TICKET as u32);
    #[cfg(have_ssl_ctx_set_options = "c_long_macro")]
    openssl_sys::SSL_CTX_ctrl(
        ctx,
        openssl_sys::SSL_CTRL_OPTIONS,
        openssl_sys::SSL_OP_NO_TICKET as std::os::raw::c_long,
        std::ptr::null_mut(),
    );
    #[cfg(not(have_ssl_ctx_set_options))]
    openssl_sys::SSL_CTX_set_options(ctx, openssl_sys::SSL_OP_NO_TICKET as _);
}

/// Disables session tickets on a raw context: always sets `SSL_OP_NO_TICKET`, and calls
/// `SSL_CTX_set_num_tickets(ctx, 0)` when the library has it.
///
/// # Safety
/// `ctx` must be a valid, non-null `SSL_CTX` pointer not used concurrently.
pub unsafe fn disable_session_tickets_raw(ctx: *mut SSL_CTX) -> TicketsDisabled {
    set_no_ticket(ctx);
    #[cfg(all(have_ssl_ctx_set_num_tickets, not(feature = "runtime-detect")))]
    let ret: Option<i32> = Some(crate::sys::SSL_CTX_set_num_tickets(ctx, 0));
    #[cfg(all(have_ssl_ctx_set_num_tickets, feature = "runtime-detect"))]
    let ret: Option<i32> = crate::sys::dynamic::SSL_CTX_set_num_tickets().map(|f| f(ctx, 0));
    #[cfg(not(have_ssl_ctx_set_num_tickets))]
    let ret: Option<i32> = None;
    TicketsDisabled {
        no_ticket_option: true,
        num_tickets: classify(ret),
    }
}

/// What a call of `SSL_CTX_set_num_tickets` that returned `ret` (`None`: not called) amounts
/// to on the library built against: the probe's `effective` and the knowledge DB's `needed` for
/// its family (`needed = false` in `probes/catalog.toml`; a family without a DB row counts as
/// needing it).
fn classify(ret: Option<i32>) -> NumTickets {
    const API: &str = "SSL_CTX_set_num_tickets";
    let info = build_info();
    let effective = info.api(API).is_some_and(|a| a.effective);
    let needed = info.db_row(API).is_none_or(|f| f.needed);
    match ret {
        None => NumTickets::NotNeeded { called: false },
        Some(r) if r != 1 => NumTickets::Failed { ret: r },
        Some(_) if !effective => NumTickets::NoEffect,
        Some(_) if !needed => NumTickets::NotNeeded { called: true },
        Some(_) => NumTickets::Done,
    }
}

/// Disables session tickets on a context builder: always sets `SSL_OP_NO_TICKET`, and calls
/// `SSL_CTX_set_num_tickets(ctx, 0)` when the library has it.
///
/// ```
/// use openssl::ssl::{SslContext, SslMethod};
/// let mut b = SslContext::builder(SslMethod::tls_server()).unwrap();
/// let outcome = sslprobe::disable_session_tickets(&mut b);
/// assert!(outcome.no_ticket_option);
/// assert!(outcome.all_tickets_disabled());
/// println!("{outcome}");
/// ```
#[cfg(feature = "openssl")]
pub fn disable_session_tickets(builder: &mut openssl::ssl::SslContextBuilder) -> TicketsDisabled {
    // SAFETY: the builder owns a valid SSL_CTX and we hold it mutably.
    unsafe { disable_session_tickets_raw(builder.as_ptr()) }
}
