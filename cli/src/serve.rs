//! `sslprobe serve` (not implemented yet).
use crate::Failure;

/// Arguments of `sslprobe serve`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `sslprobe serve`.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::failed("sslprobe serve is not implemented yet"))
}
