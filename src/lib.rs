//! # sslprobe — which libssl APIs really exist, decided at build time
//!
//! The build script ([`sslprobe-build`](https://docs.rs/sslprobe-build)) locates the libssl
//! that `openssl-sys` links, identifies it, compiles (never runs) a small C probe per API and
//! emits one cfg per API (`have_ssl_ctx_set_num_tickets`, ...). This crate then calls an API
//! only when it exists and says honestly what happened:
//!
//! ```
//! use openssl::ssl::{SslAcceptor, SslMethod};
//! let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
//! let outcome = sslprobe::disable_session_tickets(&mut acceptor);
//! println!("{outcome}");
//! ```
//!
//! [`build_info`] tells what was detected; [`db`] is the knowledge DB generated from the catalog.
#![warn(missing_docs)]

pub mod info;
pub mod keylog;
#[cfg(feature = "openssl")]
pub mod loopback;
pub mod runtime;
pub mod sys;
pub mod tickets;

pub use info::{
    build_info, catalog_sources, db, ApiInfo, BuildInfo, DbApi, DbFamily, Family, Kind,
};
pub use runtime::{check_runtime_library, runtime_library, LibraryMismatch, RuntimeLibrary};
#[cfg(feature = "openssl")]
pub use tickets::disable_session_tickets;
pub use tickets::{disable_session_tickets_raw, NumTickets, TicketsDisabled};
