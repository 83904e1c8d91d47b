//! sslprobe's developer tasks (`cargo xtask ...`), as a library so that
//! subcommands can share code: [`libs`] builds the matrix libraries,
//! [`libs_cmd`] is the `libs` subcommand, [`cli`] the flag parser, [`census`] the census of
//! every public libssl name across releases.

#![warn(missing_docs)]

pub mod census;
pub mod cli;
pub mod docs;
pub mod libs;
pub mod libs_cmd;
pub mod matrix;
pub mod readme;
