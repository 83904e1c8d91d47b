//! The library side of the `sslprobe` command: the backpatch advisor, the library table with its
//! build recipes and cache ([`libs`]), and `sslprobe matrix` ([`matrix`]: a crate's command run
//! against every library), each usable on its own.
//!
//! The command-line tool (`src/main.rs`) is built on it; the probing engine itself is
//! `sslprobe-build`.
#![warn(missing_docs)]

pub mod advisor;
pub mod libs;
pub mod matrix;
