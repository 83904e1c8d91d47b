//! Raw declarations of the optional APIs that were found, with the prototype the build-time
//! probe proved. Generated from the catalog; only present APIs are declared, so every use must be
//! gated by the API's cfg (`#[cfg(have_ssl_ctx_set_num_tickets)]`).
//!
//! With the `runtime-detect` feature, the `dynamic` module (only then compiled) resolves the
//! same functions at run time with `dlsym`, so no direct reference to them is linked: a binary
//! built against OpenSSL 1.1.1 (shared) then still loads on 1.1.0, where the loader would
//! otherwise refuse the missing `OPENSSL_1_1_1` symbol version, and reports the API absent.
#![allow(
    non_snake_case,
    non_camel_case_types,
    unused_imports,
    clippy::all,
    missing_docs
)]

use openssl_sys::*;
use std::os::raw::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

include!(concat!(env!("OUT_DIR"), "/sslprobe_externs.rs"));

/// Looks a symbol up in the process's global scope; 0 when absent.
#[cfg(feature = "runtime-detect")]
pub(crate) fn lookup(name: &std::ffi::CStr) -> usize {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name has no preconditions.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

/// Whether the library loaded at run time exports `name` (a C identifier; anything else is
/// `false`). Only meaningful for shared linking: a static build has no dynamic symbol table.
#[cfg(feature = "runtime-detect")]
pub fn runtime_has_symbol(name: &str) -> bool {
    let valid = !name.is_empty()
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !name.starts_with(|c: char| c.is_ascii_digit());
    match std::ffi::CString::new(name) {
        Ok(c) if valid => lookup(&c) != 0,
        _ => false,
    }
}
