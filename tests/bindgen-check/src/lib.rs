//! # bindgen-check — sslprobe's externs, verified against bindgen at compile time
//!
//! sslprobe writes the `extern "C"` declarations of the optional APIs itself, from the prototype
//! variant its build-time probe proved (`sslprobe::sys`). This crate proves, for the library it
//! is built against, that each of those declarations has *exactly* the Rust type bindgen derives
//! from the real `<openssl/ssl.h>`: `build.rs` runs bindgen on the include directory sslprobe
//! found (`DEP_SSLPROBE_INCLUDE`) and generates one assignment per function from bindgen's item
//! to sslprobe's. A mismatch in pointer constness, integer width, a callback type or the return
//! type does not compile.
//!
//! ```sh
//! cargo test -p bindgen-check          # needs libclang (Debian: apt-get install libclang-dev)
//! ```
//!
//! Not a default workspace member: only the check needs libclang.

/// bindgen's reading of `<openssl/ssl.h>`, restricted to the catalog functions found; the opaque
/// library types are `openssl_sys`'s.
#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    missing_docs,
    unused_imports,
    clippy::all
)]
pub mod bindings {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

/// The generated proofs: [`checks::CHECKED`] lists the functions, [`checks::check_all`] holds one
/// compile-time type equality per function.
pub mod checks {
    include!(concat!(env!("OUT_DIR"), "/checks.rs"));
}

/// The library the check was generated for (`DEP_SSLPROBE_FAMILY` and `_VERSION`), e.g.
/// `openssl 3.0.19`.
pub const LIBRARY: &str = env!("BINDGEN_CHECK_LIBRARY");
