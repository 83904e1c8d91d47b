//! `sslprobe matrix`: a crate's own command (`cargo test`) run against every library of the
//! table, each built into the shared cache first, with the environment a user sets for it.

pub mod reason;
pub mod run;
