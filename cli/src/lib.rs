//! The library side of the `sslprobe` command: the backpatch advisor, usable on its own.
//!
//! The command-line tool (`src/main.rs`) is built on it; the probing engine itself is
//! `sslprobe-build`.
#![warn(missing_docs)]

pub mod advisor;
