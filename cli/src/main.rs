//! `sslprobe`: report what the build detected, probe any library, query the knowledge DB, advise
//! on backpatches, and serve TLS for outside clients.
//!
//! Exit codes: 0 success, 1 a check failed (e.g. disagreements), 2 bad arguments or unusable input.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod backpatch;
mod census;
// the writing half of the format is used by `cargo xtask census`, which shares this file
#[allow(dead_code)]
mod census_data;
mod compat;
mod probe;
mod report;
mod scan;
mod serve;
mod tls;

/// sslprobe: which libssl APIs really exist in the library you link.
#[derive(Parser, Debug)]
#[command(name = "sslprobe", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// What sslprobe was built against, every API, and a live loopback ticket count.
    Report(report::Args),
    /// A TLS echo server on loopback for outside clients (openssl s_client).
    Serve(serve::Args),
    /// Check every API sslprobe tests against any installed library, at run time.
    Probe(probe::Args),
    /// In which library versions an API exists, and how (function, macro, prototype changes).
    Compat(compat::Args),
    /// Which supported library versions need a guard for each API.
    Backpatch(backpatch::Args),
    /// Find the libssl APIs a C or Rust codebase uses that some supported version lacks.
    Scan(scan::Args),
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// 1: a check failed; 2: bad input.
    pub code: u8,
    /// What to print.
    pub message: String,
}

impl Failure {
    /// Bad input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    /// A failed check or runtime error (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(a) => report::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Probe(a) => probe::run(a),
        Command::Compat(a) => compat::run(a),
        Command::Backpatch(a) => backpatch::run(a),
        Command::Scan(a) => scan::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("sslprobe: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
