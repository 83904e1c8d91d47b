//! The run-time library swap, as `cargo xtask matrix` runs it.
//!
//! Creates a server `SSL_CTX` with raw `openssl-sys` calls that exist since OpenSSL 1.1.0, turns
//! session tickets off with [`sslprobe::disable_session_tickets_raw`] and prints what happened,
//! one `key: value` per line. Built against a shared OpenSSL 1.1.1 and started on 1.1.0
//! (`LD_LIBRARY_PATH`):
//!
//! * default features: `SSL_CTX_set_num_tickets` is linked directly, so the loader refuses the
//!   binary (`version 'OPENSSL_1_1_1' not found`) before `main` runs;
//! * `--features runtime-detect`: the function is looked up with `dlsym`, so the binary starts,
//!   reports `num_tickets: NotNeeded { called: false }` and `runtime_has_symbol: false`.
//!
//! ```text
//! OPENSSL_DIR=/path/to/1.1.1w cargo build -p sslprobe --example swap --features runtime-detect
//! LD_LIBRARY_PATH=/path/to/1.1.0i/lib target/debug/examples/swap
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    openssl_sys::init();
    println!("runtime_library: {}", sslprobe::runtime_library().text);
    println!("built_against: {}", sslprobe::build_info().describe());
    // SAFETY: TLS_server_method returns a static method table; SSL_CTX_new accepts it and
    // returns an owned context or null.
    let ctx = unsafe { openssl_sys::SSL_CTX_new(openssl_sys::TLS_server_method()) };
    if ctx.is_null() {
        eprintln!("SSL_CTX_new failed");
        return ExitCode::FAILURE;
    }
    // SAFETY: ctx is a valid context owned here and not shared.
    let outcome = unsafe { sslprobe::disable_session_tickets_raw(ctx) };
    println!("num_tickets: {:?}", outcome.num_tickets);
    println!("outcome: {outcome}");
    #[cfg(feature = "runtime-detect")]
    println!(
        "runtime_has_symbol: {}",
        sslprobe::sys::runtime_has_symbol("SSL_CTX_set_num_tickets")
    );
    // SAFETY: ctx came from SSL_CTX_new and is freed once.
    unsafe { openssl_sys::SSL_CTX_free(ctx) };
    if outcome.all_tickets_disabled() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
