//! `sslprobe`: report what the build detected, probe any library, query the knowledge DB, advise
//! on backpatches, serve TLS for outside clients, and run a crate's tests across the libssl
//! matrix.
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
    /// Run your crate's tests (or any command) against OpenSSL 1.1.0 to 4.0, LibreSSL,
    /// BoringSSL and AWS-LC, each built once into a shared cache, and tabulate the results.
    #[command(long_about = MATRIX_ABOUT, after_long_help = MATRIX_HELP)]
    Matrix(MatrixArgs),
}

const MATRIX_ABOUT: &str = "\
Run your crate's tests (or any command) against every OpenSSL-family library: OpenSSL 1.1.0 to
4.0, LibreSSL, BoringSSL and AWS-LC.

Run it in your crate's directory, with the command after `--`:

    sslprobe matrix -- cargo test

For each library, sslprobe builds it from source into a shared cache the first time (later runs
reuse it), then runs the command with the environment you would set yourself to build against
that library: OPENSSL_DIR, OPENSSL_STATIC=1 for static builds, LD_LIBRARY_PATH for shared ones,
and a cargo target directory of its own (target/sslprobe-matrix/<library>), so nothing is
rebuilt on the next run. It prints a table: library, version, build, result, tests (the failed
ones named), what sslprobe detected when your crate uses it, and the time.

A library the crate cannot use is reported as `unusable` with the reason (for example
openssl-sys refusing LibreSSL older than 3.5), not as a failure. The exit status is 1 only for
real failures: a command that fails, a library that does not build, a library asked for with
--libs that cannot be had.";

const MATRIX_HELP: &str = "\
Libraries:
  `sslprobe matrix --list` shows every library key and whether the cache holds a complete
  build of it. By default every library built from source is used; Debian's wolfSSL and
  Android BoringSSL packages only when named with --libs (they are installed with apt).

Environment:
  SSLPROBE_MATRIX_CACHE  where built libraries are kept (default ~/.cache/sslprobe/libs). A
                         build that was interrupted is never taken for a complete one: it is
                         rebuilt from scratch.
  SSLPROBE_SOURCES       a directory holding LibreSSL release tarballs (libressl-X.Y.Z.tar.gz)
                         and a SHA256SUMS listing them, as LibreSSL's release site publishes
                         them; without it the LibreSSL rows say what is missing.
  SSLPROBE_KEEP_BUILD=1  keep the libraries' source and build trees.

BoringSSL and AWS-LC: openssl-sys generates its bindings for them with bindgen. When the
`bindgen` program is installed it is used; otherwise, for a cargo command in a crate that
depends on openssl or openssl-sys, sslprobe adds `--features openssl/bindgen` (libclang
needed).

Examples:
  sslprobe matrix -- cargo test
  sslprobe matrix --libs openssl-1.1.1w,openssl-3.5.x,libressl-4.3.2 -- cargo test --all-features
  sslprobe matrix --json matrix.json -- cargo run --example client
  sslprobe matrix --from-json matrix.json --markdown >> README-table.md
  sslprobe matrix --github -- cargo test > .github/workflows/libssl-matrix.yml";

/// `sslprobe matrix` arguments.
#[derive(clap::Args, Debug)]
struct MatrixArgs {
    /// Comma-separated library keys (see --list); default: every library built from source.
    #[arg(long, value_name = "KEYS")]
    libs: Option<String>,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
    /// How many libraries may be built at the same time (default 1; the command itself runs
    /// for one library at a time, while the next ones build).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Time limit of the command for each library, in seconds (default 7200).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// List the libraries and what the cache holds for each (complete or half-built).
    #[arg(long)]
    list: bool,
    /// Print a GitHub Actions workflow that does the same on CI, one job per library.
    #[arg(long)]
    github: bool,
    /// Print the table of a run saved with --json, instead of running anything.
    #[arg(long, value_name = "FILE")]
    from_json: Option<std::path::PathBuf>,
    /// Print the table as Markdown (for a README or a CI job summary).
    #[arg(long)]
    markdown: bool,
    /// The command to run for each library, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[cfg(not(unix))]
fn matrix(_: MatrixArgs) -> Result<(), Failure> {
    Err(Failure::usage(
        "sslprobe matrix runs on Unix-like systems only: it builds the libraries with perl, \
         make, cmake and ninja",
    ))
}

#[cfg(unix)]
fn matrix(a: MatrixArgs) -> Result<(), Failure> {
    use sslprobe_cli::matrix::{self, Error, Plan, RawArgs};
    let raw = RawArgs {
        libs: a.libs,
        json: a.json,
        jobs: a.jobs,
        list: a.list,
        github: a.github,
        from_json: a.from_json,
        markdown: a.markdown,
        timeout: a.timeout,
        command: a.command,
    };
    let result = Plan::from_args(raw).and_then(matrix::run);
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::failed(
            "some libraries failed (see the table above)",
        )),
        Err(Error::Usage(m)) => Err(Failure::usage(m)),
        Err(Error::Failed(m)) => Err(Failure::failed(m)),
    }
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
        Command::Matrix(a) => matrix(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("sslprobe: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
