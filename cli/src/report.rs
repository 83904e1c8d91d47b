//! `sslprobe report` (not implemented yet).
use crate::Failure;

/// Arguments of `sslprobe report`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `sslprobe report`.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::failed("sslprobe report is not implemented yet"))
}
