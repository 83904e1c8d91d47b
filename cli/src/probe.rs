//! `sslprobe probe` (not implemented yet).
use crate::Failure;

/// Arguments of `sslprobe probe`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `sslprobe probe`.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::failed("sslprobe probe is not implemented yet"))
}
