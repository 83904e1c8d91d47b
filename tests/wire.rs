//! The proof on the wire: real handshakes over loopback TCP with the library sslprobe was built
//! against, counting the `NewSessionTicket` messages the client receives and the server's socket
//! writes after the client's `Finished`.
//!
//! Exact numbers are asserted where the build detected a library whose behaviour is known
//! (OpenSSL >= 1.1.1: `SSL_CTX_set_num_tickets` present and effective); elsewhere the
//! library-independent facts (the fix leaves zero tickets) are asserted.

use sslprobe::loopback::{compare, count_tickets, supports, Protocol, TicketCount, TicketMode};
use sslprobe::{build_info, Family, NumTickets};
use std::collections::BTreeSet;

/// OpenSSL with an effective `SSL_CTX_set_num_tickets`: 1.1.1 and later (the system 3.0 here).
fn openssl_with_num_tickets() -> bool {
    let b = build_info();
    b.family == Family::OpenSsl
        && b.api("SSL_CTX_set_num_tickets")
            .is_some_and(|a| a.present && a.effective)
}

/// One measurement; `None` (with the reason printed) when the library cannot speak `proto` at
/// all — OpenSSL 1.1.0 has no TLS 1.3, so it has no TLS 1.3 tickets to count.
fn measure(proto: Protocol, mode: TicketMode) -> Option<TicketCount> {
    if !supports(proto) {
        eprintln!("not measured: {} has no {proto}", build_info().describe());
        return None;
    }
    match count_tickets(proto, mode) {
        Ok(c) => {
            eprintln!("{c}");
            Some(c)
        }
        Err(e) => panic!("{proto} {mode} on {}: {e}", build_info().describe()),
    }
}

#[test]
fn tls13_is_there_wherever_num_tickets_is_effective() {
    // Every library where SSL_CTX_set_num_tickets does something speaks TLS 1.3.
    if openssl_with_num_tickets() {
        assert!(supports(Protocol::Tls13));
    }
    assert!(supports(Protocol::Tls12));
}

#[test]
fn the_build_cfg_and_build_info_agree() {
    // The build script's cfgs reach this integration test too; they must say what build_info says.
    let b = build_info();
    assert_eq!(
        cfg!(have_ssl_ctx_set_num_tickets),
        b.has("SSL_CTX_set_num_tickets")
    );
    assert_eq!(cfg!(have_ssl_ctx_set_options), b.has("SSL_CTX_set_options"));
    assert_eq!(
        cfg!(have_ssl_ctx_set_options = "u64"),
        b.api("SSL_CTX_set_options").and_then(|a| a.variant) == Some("u64")
    );
    assert_eq!(cfg!(sslprobe_openssl), b.family == Family::OpenSsl);
    assert_eq!(cfg!(sslprobe_libressl), b.family == Family::LibreSsl);
}

#[test]
fn tls13_baseline_sends_two_tickets_the_seed_bug() {
    let Some(c) = measure(Protocol::Tls13, TicketMode::Baseline) else {
        return;
    };
    if openssl_with_num_tickets() {
        assert_eq!(
            c.tickets, 2,
            "SSL_OP_NO_TICKET alone: OpenSSL >= 1.1.1 sends 2 stateful tickets"
        );
        assert_eq!(c.server_tickets_sent, 2, "the server's own count agrees");
        // Stateful tickets resume, and the resumed handshake gets one more ticket.
        assert!(c.resumed, "a stateful TLS 1.3 ticket resumes");
        assert_eq!(c.resumed_tickets, 1);
    } else if matches!(
        build_info().family,
        Family::LibreSsl | Family::BoringSsl | Family::AwsLc
    ) {
        assert_eq!(
            c.tickets,
            0,
            "{}: SSL_OP_NO_TICKET alone stops TLS 1.3 tickets",
            build_info().describe()
        );
    }
}

#[test]
fn tls13_fixed_sends_no_ticket_and_cannot_resume() {
    let Some(c) = measure(Protocol::Tls13, TicketMode::Fixed) else {
        return;
    };
    assert_eq!(c.tickets, 0);
    assert_eq!(c.server_tickets_sent, 0);
    assert_eq!(
        c.resumed_tickets, 0,
        "the resumption attempt gets no ticket either"
    );
    assert!(!c.resumed, "TLS 1.3 without any ticket cannot resume");
    let outcome = c
        .disabled
        .expect("fixed mode reports disable_session_tickets' outcome");
    assert!(outcome.no_ticket_option && outcome.all_tickets_disabled());
}

#[test]
fn tls13_default_sends_two_tickets() {
    let Some(c) = measure(Protocol::Tls13, TicketMode::Default) else {
        return;
    };
    if openssl_with_num_tickets() {
        assert_eq!(
            c.tickets, 2,
            "OpenSSL's default is 2 TLS 1.3 tickets per full handshake"
        );
        assert!(c.resumed);
        assert_eq!(c.resumed_tickets, 1, "and at most 1 after a resumption");
    }
}

#[test]
fn tls12_baseline_no_ticket_option_stops_tls12_tickets() {
    let Some(c) = measure(Protocol::Tls12, TicketMode::Baseline) else {
        return;
    };
    assert_eq!(c.tickets, 0);
    assert_eq!(c.resumed_tickets, 0);
    assert!(
        c.resumed,
        "TLS 1.2 still resumes by session id from the server cache"
    );
}

#[test]
fn tls12_default_sends_one_ticket_so_the_counter_sees_tls12_tickets() {
    let Some(c) = measure(Protocol::Tls12, TicketMode::Default) else {
        return;
    };
    assert_eq!(
        c.tickets, 1,
        "a TLS 1.2 server with defaults sends one NewSessionTicket"
    );
    assert_eq!(c.server_tickets_sent, 1);
    assert!(c.resumed, "the ticket resumes");
}

#[test]
fn tls12_fixed_sends_no_ticket_the_postgresql_regression() {
    let Some(c) = measure(Protocol::Tls12, TicketMode::Fixed) else {
        return;
    };
    assert_eq!(c.tickets, 0);
    assert_eq!(
        c.resumed_tickets, 0,
        "the resumption attempt gets 0 tickets"
    );
}

#[test]
fn num_tickets_alone_does_not_stop_tls12_tickets() {
    if !cfg!(have_ssl_ctx_set_num_tickets) {
        let e = count_tickets(Protocol::Tls12, TicketMode::NumTicketsOnly).unwrap_err();
        assert!(
            e.to_string().contains("SSL_CTX_set_num_tickets is absent"),
            "{e}"
        );
        return;
    }
    let Some(c) = measure(Protocol::Tls12, TicketMode::NumTicketsOnly) else {
        return;
    };
    if openssl_with_num_tickets() {
        assert_eq!(c.tickets, 1, "SSL_CTX_set_num_tickets(ctx, 0) alone leaves the TLS 1.2 ticket: both calls are needed");
        let Some(t13) = measure(Protocol::Tls13, TicketMode::NumTicketsOnly) else {
            return;
        };
        assert_eq!(t13.tickets, 0, "while over TLS 1.3 it does stop them");
    }
}

#[test]
fn server_writes_after_finished_three_with_the_bug_one_with_the_fix() {
    if !supports(Protocol::Tls13) {
        eprintln!("not measured: {} has no TLS 1.3", build_info().describe());
        return;
    }
    let cmp = match compare(Protocol::Tls13) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    eprintln!(
        "TLS 1.3 server writes after the client's Finished up to the first reply: baseline {} ({} bytes), fixed {} ({} bytes): {} bytes saved per connection",
        cmp.baseline.writes_after_finished,
        cmp.baseline.bytes_after_finished,
        cmp.fixed.writes_after_finished,
        cmp.fixed.bytes_after_finished,
        cmp.bytes_saved()
    );
    assert_eq!(
        cmp.fixed.writes_after_finished, 1,
        "with the fix only the reply is written"
    );
    assert!(cmp.fixed.bytes_after_finished > 0);
    if openssl_with_num_tickets() {
        assert_eq!(
            cmp.baseline.writes_after_finished, 3,
            "2 tickets, each flushed on its own, + the reply"
        );
        assert_eq!(cmp.writes_saved(), 2);
        assert!(cmp.bytes_saved() > 0, "the two tickets cost bytes");
        // The reply is the same size in both runs, so the saving is exactly the tickets' records.
        assert_eq!(
            cmp.baseline.bytes_after_finished - cmp.bytes_saved() as usize,
            cmp.fixed.bytes_after_finished
        );
    }
}

#[test]
fn disable_session_tickets_says_what_it_did() {
    use openssl::ssl::{SslContext, SslMethod};
    let mut b = SslContext::builder(SslMethod::tls_server()).unwrap();
    let outcome = sslprobe::disable_session_tickets(&mut b);
    assert!(outcome.no_ticket_option);
    if openssl_with_num_tickets() {
        assert_eq!(outcome.num_tickets, NumTickets::Done);
        let text = outcome.to_string();
        assert!(
            text.contains("SSL_CTX_set_num_tickets(ctx, 0) called"),
            "{text}"
        );
    }
    if !cfg!(have_ssl_ctx_set_num_tickets) {
        assert_eq!(outcome.num_tickets, NumTickets::NotNeeded { called: false });
    }
    let api = build_info()
        .api("SSL_CTX_set_num_tickets")
        .expect("in the catalog");
    if api.present && !api.effective {
        // LibreSSL: called, said to do nothing (num_tickets_five_on_the_wire_is_what_the_db_says
        // measures that), and the option is still what stops tickets.
        assert_eq!(outcome.num_tickets, NumTickets::NoEffect);
        assert!(outcome.to_string().contains("no effect"), "{outcome}");
    }
    // The knowledge DB's `needed = false` (BoringSSL, AWS-LC): called, and said not to be needed
    // (the matrix checks that claim against the wire: no TLS 1.3 ticket with the option alone).
    let needed = build_info()
        .db_row("SSL_CTX_set_num_tickets")
        .is_none_or(|f| f.needed);
    if api.present && api.effective && !needed {
        assert_eq!(outcome.num_tickets, NumTickets::NotNeeded { called: true });
        assert!(outcome.to_string().contains("not needed"), "{outcome}");
    }
    // The option really is on the context.
    assert!(b.options().contains(openssl::ssl::SslOptions::NO_TICKET));
    let ctx = b.build();
    #[cfg(have_ssl_ctx_get_num_tickets)]
    {
        // SAFETY: a valid context.
        let n = unsafe {
            sslprobe::sys::SSL_CTX_get_num_tickets(foreign_types::ForeignType::as_ptr(&ctx))
        };
        if openssl_with_num_tickets() {
            assert_eq!(n, 0, "num_tickets really is 0 on the context");
        }
    }
}

#[test]
fn build_info_matches_the_loaded_library() {
    let b = build_info();
    let rt = sslprobe::runtime_library();
    // The same library at build and run time (the matrix runs this suite on every library).
    assert_eq!(rt.family, Some(b.family), "{}", rt.text);
    if b.family == Family::OpenSsl || b.family == Family::LibreSsl {
        assert_eq!(
            rt.version.as_deref(),
            Some(b.version),
            "OpenSSL_version() says {:?}",
            rt.text
        );
    }
    if let (Some(t), true) = (b.version_text, b.family == Family::OpenSsl) {
        assert_eq!(
            t, rt.text,
            "OPENSSL_VERSION_TEXT at build time vs OpenSSL_version() now"
        );
    }
    sslprobe::check_runtime_library().expect("same library at build and run time");
    // Every catalog API appears, once, with its cfg.
    let names: BTreeSet<&str> = b.apis.iter().map(|a| a.name).collect();
    assert_eq!(names.len(), b.apis.len(), "no API twice");
    for d in sslprobe::db() {
        let a = b
            .api(d.name)
            .unwrap_or_else(|| panic!("{} from the catalog is missing from build_info()", d.name));
        assert_eq!(a.cfg, d.cfg);
        assert_eq!(a.cfg, format!("have_{}", a.name.to_lowercase()));
        assert!(
            !a.effective || a.present,
            "{}: effective but absent",
            a.name
        );
        if a.present {
            assert!(
                a.kind.is_some() && a.variant.is_some(),
                "{}: present without kind/variant",
                a.name
            );
        }
    }
    assert_eq!(names.len(), sslprobe::db().len());
    // The probes against this real library agree with the knowledge DB, and the headline APIs are there.
    for a in b.apis {
        assert!(
            a.db_agrees,
            "{}: probe says present={} but the DB expected {}",
            a.name, a.present, a.db_expected
        );
    }
    // On the system OpenSSL 3.x (CI's default build) the headline APIs are all there.
    if b.family == Family::OpenSsl && (b.version.starts_with("3.") || b.version.starts_with("4.")) {
        for must in [
            "SSL_CTX_set_num_tickets",
            "SSL_set_num_tickets",
            "SSL_CTX_get_num_tickets",
            "SSL_CTX_set_keylog_callback",
            "SSL_CTX_set_options",
        ] {
            assert!(b.has(must), "{must} must be found on OpenSSL {}", b.version);
        }
        assert_eq!(
            b.api("SSL_CTX_set_options").and_then(|a| a.variant),
            Some("u64"),
            "uint64_t options since OpenSSL 3.0"
        );
    }
}

#[test]
fn a_failed_handshake_is_an_error_on_both_sides_not_a_hang() {
    use sslprobe::loopback::{self, Error};
    let id = loopback::self_signed(loopback::HOST).unwrap();
    let server = loopback::server_context(&id, Some(Protocol::Tls12), TicketMode::Fixed).unwrap();
    if !supports(Protocol::Tls13) {
        // No TLS 1.3 to mismatch with: pinning a context to it is refused up front, clearly.
        let Err(e) = loopback::client_context(&id, Some(Protocol::Tls13)) else {
            panic!("a TLS 1.3 pin must be refused without TLS 1.3");
        };
        assert!(matches!(e, Error::Unsupported(_)), "{e:?}");
        assert!(e.to_string().contains("refuses TLS 1.3"), "{e}");
        return;
    }
    let (client, _slot) = loopback::client_context(&id, Some(Protocol::Tls13)).unwrap();
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = server.ctx.clone();
    let h = std::thread::spawn(move || {
        let (tcp, _) = loopback::accept_tcp(&listener, loopback::ACCEPT_TIMEOUT)?;
        loopback::accept(&ctx, tcp).map(|_| ())
    });
    let c = loopback::client_roundtrip(addr, &client, None).unwrap_err();
    let s = h.join().unwrap().unwrap_err();
    assert!(matches!(c, Error::Tls { .. }), "{c:?}");
    assert!(c.to_string().starts_with("client handshake: "), "{c}");
    assert!(s.to_string().starts_with("server handshake: "), "{s}");
    // A wrong certificate is refused by the verifying client.
    let other = loopback::self_signed(loopback::HOST).unwrap();
    let (client, _slot) = loopback::client_context(&other, Some(Protocol::Tls12)).unwrap();
    let server = loopback::server_context(&id, Some(Protocol::Tls12), TicketMode::Fixed).unwrap();
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        let (tcp, _) = loopback::accept_tcp(&listener, loopback::ACCEPT_TIMEOUT)?;
        loopback::accept(&server.ctx, tcp).map(|_| ())
    });
    let c = loopback::client_roundtrip(addr, &client, None).unwrap_err();
    let text = c.to_string().to_ascii_lowercase().replace('_', " ");
    assert!(text.contains("certificate verify failed"), "{c}");
    let _ = h.join().unwrap();
}

/// The contexts pinned to TLS 1.3 negotiate TLS 1.3 wherever the library has it. Regression:
/// the pin used to be "minimum TLS 1.2 plus `SSL_OP_NO_TLSv1_2`", which LibreSSL before 3.8 reads
/// as "TLS 1.0 to 1.1" and then empties with the 1.2 floor, so both sides failed with "no
/// protocols available" (tls13_client.c / tls13_server.c) and `sslprobe report` exited 1.
#[test]
fn contexts_pinned_to_tls13_negotiate_tls13() {
    use sslprobe::loopback::{self, Error};
    let id = loopback::self_signed(loopback::HOST).unwrap();
    if !supports(Protocol::Tls13) {
        let Err(e) = loopback::server_context(&id, Some(Protocol::Tls13), TicketMode::Default)
        else {
            panic!("a TLS 1.3 pin must be refused without TLS 1.3");
        };
        assert!(matches!(e, Error::Unsupported(_)), "{e:?}");
        return;
    }
    let server = loopback::server_context(&id, Some(Protocol::Tls13), TicketMode::Default).unwrap();
    let (client, _slot) = loopback::client_context(&id, Some(Protocol::Tls13)).unwrap();
    let conn = loopback::handshake(&server.ctx, &client)
        .unwrap_or_else(|e| panic!("TLS 1.3 loopback on {}: {e}", build_info().describe()));
    assert_eq!(conn.client.version, "TLSv1.3");
    // And a TLS 1.3-only client cannot fall back to a TLS 1.2-only server.
    let tls12 = loopback::server_context(&id, Some(Protocol::Tls12), TicketMode::Default).unwrap();
    assert!(loopback::handshake(&tls12.ctx, &client).is_err());
}

/// `SSL_CTX_set_num_tickets(ctx, 5)` measured on a real TLS 1.3 handshake: where the DB calls
/// the API effective the client receives 5 tickets; where it calls it a stub (LibreSSL) the call
/// changes nothing: as many tickets as without it (LibreSSL's TLS 1.3 server sends none).
#[test]
fn num_tickets_five_on_the_wire_is_what_the_db_says() {
    let b = build_info();
    let api = b.api("SSL_CTX_set_num_tickets").expect("in the catalog");
    if !supports(Protocol::Tls13) || !api.present {
        let e = count_tickets(Protocol::Tls13, TicketMode::NumTicketsFive).unwrap_err();
        assert!(
            matches!(e, sslprobe::loopback::Error::Unsupported(_)),
            "{e:?}"
        );
        return;
    }
    let five = measure(Protocol::Tls13, TicketMode::NumTicketsFive).expect("TLS 1.3");
    let default = measure(Protocol::Tls13, TicketMode::Default).expect("TLS 1.3");
    assert_eq!(
        five.tickets, five.server_tickets_sent,
        "both ends count alike"
    );
    if api.effective {
        assert_eq!(
            five.tickets,
            5,
            "{}: the DB says SSL_CTX_set_num_tickets is effective",
            b.describe()
        );
    } else {
        assert_eq!(
            five.tickets,
            default.tickets,
            "{}: the DB says SSL_CTX_set_num_tickets has no effect, yet 5 changed the count",
            b.describe()
        );
    }
    if b.family == Family::LibreSsl {
        assert_eq!(
            five.tickets, 0,
            "LibreSSL's TLS 1.3 server sends no tickets"
        );
    }
}

/// Key-log lines counted by a callback installed with the raw `SSL_CTX_set_keylog_callback` on
/// both ends of real handshakes. Not through `sslprobe::keylog`, which declines to install a
/// callback the DB calls a stub: here the claim itself is measured.
#[cfg(all(have_ssl_ctx_set_keylog_callback, not(feature = "runtime-detect")))]
mod keylog_lines {
    use super::*;
    use sslprobe::loopback::{self, handshake};
    use std::os::raw::c_char;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Lines seen by servers and clients; only the one test below installs the callback.
    static SERVER_LINES: AtomicUsize = AtomicUsize::new(0);
    static CLIENT_LINES: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count_line(ssl: *const openssl_sys::SSL, line: *const c_char) {
        if line.is_null() {
            return;
        }
        // SAFETY: the library calls back with the connection it logs for.
        let server = unsafe { openssl_sys::SSL_is_server(ssl as *mut _) } == 1;
        let counter = if server { &SERVER_LINES } else { &CLIENT_LINES };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// `(server lines, client lines)` of one handshake pinned to `proto`.
    fn lines_of_one_handshake(proto: Protocol) -> (usize, usize) {
        let id = loopback::self_signed(loopback::HOST).unwrap();
        let sb = loopback::server_builder(&id, Some(proto)).unwrap();
        let (cb, _slot) = loopback::client_builder(&id, Some(proto)).unwrap();
        // SAFETY: valid contexts; the callback only touches the atomics above.
        unsafe {
            sslprobe::sys::SSL_CTX_set_keylog_callback(sb.as_ptr(), Some(count_line));
            sslprobe::sys::SSL_CTX_set_keylog_callback(cb.as_ptr(), Some(count_line));
        }
        let (server, client) = (sb.build(), cb.build());
        let before = (
            SERVER_LINES.load(Ordering::SeqCst),
            CLIENT_LINES.load(Ordering::SeqCst),
        );
        let conn = handshake(&server, &client)
            .unwrap_or_else(|e| panic!("{proto} on {}: {e}", build_info().describe()));
        assert_eq!(conn.client.version, proto.ssl_version_str());
        // Keep the contexts (and so the callback's users) alive until counted.
        drop((server, client));
        (
            SERVER_LINES.load(Ordering::SeqCst) - before.0,
            CLIENT_LINES.load(Ordering::SeqCst) - before.1,
        )
    }

    #[test]
    fn keylog_lines_on_real_handshakes_are_what_the_db_says() {
        let b = build_info();
        let api = b
            .api("SSL_CTX_set_keylog_callback")
            .expect("in the catalog");
        assert!(api.present, "the cfg says present");
        assert!(
            supports(Protocol::Tls13),
            "every library with key logging has TLS 1.3"
        );
        for (proto, lines) in [(Protocol::Tls13, 5), (Protocol::Tls12, 1)] {
            let (server, client) = lines_of_one_handshake(proto);
            eprintln!(
                "{proto} on {}: {server} server / {client} client key-log line(s)",
                b.describe()
            );
            if api.effective {
                assert_eq!(
                    (server, client),
                    (lines, lines),
                    "the DB says the callback is effective"
                );
            } else {
                assert_eq!(
                    (server, client),
                    (0, 0),
                    "the DB says the callback is a stub, yet it was called"
                );
            }
        }
    }
}
