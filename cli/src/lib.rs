//! The library side of the `sslprobe` command: the backpatch advisor, the library table with its
//! build recipes and cache ([`libs`]), and `sslprobe matrix` ([`matrix`]: a crate's command run
//! against every library), each usable on its own.
//!
//! [`libs`] and [`matrix`] exist on Unix-like systems only: they build OpenSSL-family libraries
//! with `perl`, `make`, `cmake` and `ninja`, lock the cache with `flock` and tell executables by
//! their mode bits.
//!
//! The command-line tool (`src/main.rs`) is built on it; the probing engine itself is
//! `sslprobe-build`.
#![warn(missing_docs)]

pub mod advisor;
#[cfg(unix)]
pub mod libs;
#[cfg(unix)]
pub mod matrix;
