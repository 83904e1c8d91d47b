//! `sslprobe backpatch` (not implemented yet).
use crate::Failure;

/// Arguments of `sslprobe backpatch`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `sslprobe backpatch`.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::failed("sslprobe backpatch is not implemented yet"))
}
