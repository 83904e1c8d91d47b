//! Raw declarations of the optional APIs that were found, with the prototype the build-time
//! probe proved. Generated from the catalog; only present APIs are declared, so every use must be
//! gated by the API's cfg (`#[cfg(have_ssl_ctx_set_num_tickets)]`).
#![allow(non_snake_case, non_camel_case_types, unused_imports, clippy::all, missing_docs)]

use openssl_sys::*;
use std::os::raw::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

include!(concat!(env!("OUT_DIR"), "/sslprobe_externs.rs"));
