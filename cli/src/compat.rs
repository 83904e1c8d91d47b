//! `sslprobe compat` (not implemented yet).
use crate::Failure;

/// Arguments of `sslprobe compat`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `sslprobe compat`.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::failed("sslprobe compat is not implemented yet"))
}
