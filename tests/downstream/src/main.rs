//! Prints which sslprobe cfgs this crate received, one `cfg NAME on|off` line each, and uses a
//! few of them for real (calls that only compile when the cfg says the API exists).
use openssl::ssl::{SslContext, SslMethod};

mod seen {
    include!(concat!(env!("OUT_DIR"), "/seen.rs"));
}

#[cfg(have_ssl_ctx_set_options = "u64")]
const OPTIONS_TYPE: &str = "u64";
#[cfg(have_ssl_ctx_set_options = "c_ulong")]
const OPTIONS_TYPE: &str = "c_ulong";
#[cfg(have_ssl_ctx_set_options = "u32")]
const OPTIONS_TYPE: &str = "u32";
#[cfg(have_ssl_ctx_set_options = "c_long_macro")]
const OPTIONS_TYPE: &str = "c_long_macro";
#[cfg(not(have_ssl_ctx_set_options))]
const OPTIONS_TYPE: &str = "absent";

/// Sets num_tickets to 0 and reads it back, through sslprobe's probe-proven declarations.
#[cfg(have_ssl_ctx_set_num_tickets)]
fn num_tickets(ctx: *mut openssl_sys::SSL_CTX) -> String {
    // SAFETY: a valid context owned by the caller.
    let set = unsafe { sslprobe::sys::SSL_CTX_set_num_tickets(ctx, 0) };
    #[cfg(have_ssl_ctx_get_num_tickets)]
    let get = unsafe { sslprobe::sys::SSL_CTX_get_num_tickets(ctx) }.to_string();
    #[cfg(not(have_ssl_ctx_get_num_tickets))]
    let get = "absent".to_string();
    format!("set={set} get={get}")
}

#[cfg(not(have_ssl_ctx_set_num_tickets))]
fn num_tickets(_ctx: *mut openssl_sys::SSL_CTX) -> String {
    "absent".to_string()
}

fn main() {
    println!("family {}", env!("DOWNSTREAM_FAMILY"));
    println!("version {}", env!("DOWNSTREAM_VERSION"));
    println!("no-effect {}", env!("DOWNSTREAM_NO_EFFECT"));
    for (name, on) in [
        ("sslprobe_openssl", cfg!(sslprobe_openssl)),
        ("sslprobe_libressl", cfg!(sslprobe_libressl)),
        ("sslprobe_boringssl", cfg!(sslprobe_boringssl)),
        ("sslprobe_awslc", cfg!(sslprobe_awslc)),
    ] {
        println!("cfg {name} {}", if on { "on" } else { "off" });
    }
    for (cfg, on) in seen::SEEN {
        println!("cfg {cfg} {}", if *on { "on" } else { "off" });
    }
    println!("options-type {OPTIONS_TYPE}");
    let mut b = match SslContext::builder(SslMethod::tls_server()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("SSL_CTX_new: {e}");
            std::process::exit(1);
        }
    };
    println!("num-tickets {}", num_tickets(b.as_ptr()));
    let outcome = sslprobe::disable_session_tickets(&mut b);
    println!("disable-session-tickets {:?}", outcome.num_tickets);
}
