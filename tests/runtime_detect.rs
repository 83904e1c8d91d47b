//! `runtime-detect`: optional APIs are resolved with dlsym instead of being linked.
//! (The 1.1.1w → 1.1.0i library swap itself is exercised by `cargo xtask matrix`.)
#![cfg(feature = "runtime-detect")]

use sslprobe::build_info;

#[test]
fn dynamic_lookup_agrees_with_the_build_time_probe_on_the_same_library() {
    // Use libssl, so the linker keeps it (`NEEDED`) even where nothing else in this binary
    // references it (OpenSSL 1.1.0, where every optional API is resolved dynamically).
    openssl_sys::init();
    let info = build_info();
    // Built and run against the same shared library: every function the probe found resolves.
    assert!(
        !info.link_static,
        "runtime-detect looks symbols up in the dynamic symbol table, which a static build does \
         not have: run this suite against a shared library (as `cargo xtask test` and the matrix \
         do), not with OPENSSL_STATIC or a static-only prefix"
    );
    for api in info
        .apis
        .iter()
        .filter(|a| a.present && a.kind == Some(sslprobe::Kind::Function))
    {
        assert!(
            sslprobe::sys::runtime_has_symbol(api.name),
            "{} found at build time but not by dlsym",
            api.name
        );
    }
}

#[test]
fn absent_and_invalid_names_are_absent() {
    assert!(!sslprobe::sys::runtime_has_symbol(
        "SSL_CTX_definitely_not_a_function"
    ));
    assert!(!sslprobe::sys::runtime_has_symbol(""));
    assert!(!sslprobe::sys::runtime_has_symbol("SSL_CTX_new\0x"));
    assert!(!sslprobe::sys::runtime_has_symbol("1abc"));
}

#[cfg(have_ssl_ctx_set_num_tickets)]
#[test]
fn disable_session_tickets_uses_the_resolved_function() {
    use openssl::ssl::{SslContext, SslMethod};
    let mut b = SslContext::builder(SslMethod::tls_server()).unwrap();
    let out = sslprobe::disable_session_tickets(&mut b);
    assert!(sslprobe::sys::dynamic::SSL_CTX_set_num_tickets().is_some());
    assert!(
        !matches!(
            out.num_tickets,
            sslprobe::NumTickets::NotNeeded { called: false }
        ),
        "{out}"
    );
}
