//! sslprobe's developer tasks, run as `cargo xtask <command>`.
//!
//! * `cargo xtask libs [--list | --tarballs] [--libs a,b,c] [--jobs N]` builds the matrix
//!   libraries into the cache (see [`xtask::libs`]).

use std::process::ExitCode;

use xtask::libs_cmd;

mod bench;
mod test_cmd;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  libs [--list | --tarballs] [--libs a,b,c] [--jobs N] [--at-once N]
      Build the matrix libraries into the cache ($SSLPROBE_MATRIX_CACHE,
      default ~/.cache/sslprobe/libs), reusing complete builds, printing each
      library's build time. Release tarballs (LibreSSL) come from
      $SSLPROBE_SOURCES, else ../shared/sources beside the workspace, and are
      used only when their SHA256 matches that directory's SHA256SUMS.
      --list       list the libraries and their cache state, build nothing
      --tarballs   print the tarball file names the libraries need, one a line
      --libs KEYS  comma-separated subset (default: all)
      --jobs N     parallel compile jobs per build (make/ninja -jN, default 2)
      --at-once N  libraries built at the same time (default 2 where there are
                   2 or more CPUs: one build's serial steps leave cores idle)
  matrix [--libs a,b] [--json FILE] [--list] [--readme] [--no-swap] [--jobs N]
      Prove sslprobe against every library: build each (cached), build and
      test sslprobe against it with OPENSSL_DIR as a user would, run the
      catalog (build-time report + `sslprobe probe`), compare every API with
      the knowledge DB and with `nm`, count tickets on loopback, and run the
      1.1.1w -> 1.1.0i shared-library swap. Exit 1 on any disagreement or
      failure. --json FILE writes the results; --readme rewrites README's
      Tested-against section from them; --list shows the plan.
  matrix --readme-from FILE
      Rewrite README's Tested-against section from a matrix JSON file.
  census [--out FILE] [--jobs N]
      Regenerate cli/data/census.txt: every public function and macro of the
      openssl/*.h headers of every examined release (OpenSSL from 1.1.0 as the
      package registry's openssl-src carries it, LibreSSL, BoringSSL, AWS-LC,
      and every matrix library built in the cache: Debian's wolfSSL and Android
      BoringSSL, the shared builds), read with clang, plus the exports of the
      matrix libraries built (one not built is written as 'not examined').
      Needs clang. Sources and results are cached under the library cache.
  census --check [--libs a,b]
      Check the data file against every built matrix library (their installed
      headers and exports); exit 1 when it is stale.
  bench [--runs N] [--json FILE] [--only ROWS] [--no-install]
      Time probing the catalog: sslprobe batched / one at a time, the
      single-probe floor, autoconf and meson (default target/bench.json).
  test
      The test suite (README's test command): installs the Debian packages the
      tests need when missing, then `cargo test --workspace` and the
      feature-gated suites (runtime-detect).
  help
      Show this message.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("libs") => libs_cmd::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("matrix") => xtask::matrix::run(&args[1..]),
        Some("census") => xtask::census::run(&args[1..]),
        Some("test") => test_cmd::run(&args[1..]),
        Some("help" | "-h" | "--help") | None => {
            print!("{USAGE}");
            return if args.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
        Some(other) => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
