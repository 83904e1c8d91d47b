//! A TLS server on loopback that asks sslprobe what its libssl has, then serves one client.
//!
//! Prints one `key: value` line per fact, for the test that runs it.

use openssl::ssl::{SslAcceptor, SslConnector, SslMethod, SslVerifyMode};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

#[cfg(have_ssl_ctx_set_block_padding)]
extern "C" {
    // The prototype the build script's probe proved against the headers.
    fn SSL_CTX_set_block_padding(
        ctx: *mut openssl_sys::SSL_CTX,
        block_size: usize,
    ) -> std::os::raw::c_int;
}

/// Pads TLS 1.3 records to 256 bytes where the library can (a custom probe decided).
#[cfg(have_ssl_ctx_set_block_padding)]
fn pad_records(builder: &mut openssl::ssl::SslContextBuilder) -> String {
    // SAFETY: the builder owns a valid SSL_CTX; the function exists (probed) with this type.
    let rc = unsafe { SSL_CTX_set_block_padding(builder.as_ptr(), 256) };
    format!("set (SSL_CTX_set_block_padding returned {rc})")
}

#[cfg(not(have_ssl_ctx_set_block_padding))]
fn pad_records(_: &mut openssl::ssl::SslContextBuilder) -> String {
    "unavailable (SSL_CTX_set_block_padding not in this libssl)".into()
}

/// What the catalog cfg says about the ticket fix.
fn num_tickets_api() -> &'static str {
    if cfg!(have_ssl_ctx_set_num_tickets) {
        "present"
    } else {
        "absent"
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = sslprobe::loopback::self_signed("localhost")?;
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    acceptor.set_private_key(&id.key)?;
    acceptor.set_certificate(&id.cert)?;
    let tickets = sslprobe::disable_session_tickets(&mut acceptor);
    let padding = pad_records(&mut acceptor);
    let acceptor = acceptor.build();

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> Result<(), String> {
        let (tcp, _) = listener.accept().map_err(|e| e.to_string())?;
        let mut tls = acceptor.accept(tcp).map_err(|e| e.to_string())?;
        let mut line = [0u8; 5];
        tls.read_exact(&mut line).map_err(|e| e.to_string())?;
        tls.write_all(&line).map_err(|e| e.to_string())?;
        tls.shutdown().map_err(|e| e.to_string())?;
        Ok(())
    });

    let mut connector = SslConnector::builder(SslMethod::tls())?;
    connector.set_verify(SslVerifyMode::NONE);
    let connector = connector.build();
    let tcp = TcpStream::connect(addr)?;
    let mut tls = connector.connect("localhost", tcp)?;
    tls.write_all(b"hello")?;
    let mut echo = [0u8; 5];
    tls.read_exact(&mut echo)?;
    let version = tls.ssl().version_str().to_string();
    server.join().map_err(|_| "server thread panicked")??;

    println!("library: {}", sslprobe::build_info().describe());
    println!("catalog SSL_CTX_set_num_tickets: {}", num_tickets_api());
    println!("custom SSL_CTX_set_block_padding: {padding}");
    println!(
        "custom SSL_OP_NO_RENEGOTIATION: {}",
        env!("EXAMPLE_SSL_OP_NO_RENEGOTIATION")
    );
    println!("tickets: {tickets}");
    println!("handshake: {version}, echo {}", String::from_utf8_lossy(&echo));
    Ok(())
}
