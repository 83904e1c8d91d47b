//! # sslprobe-build — the probing engine of sslprobe
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! locate   → Location   (where headers and libraries are: env vars, pkg-config, vendored)
//! identify → Library    (family + version, from the preprocessor only)
//! probe    → Results    (per API: present, kind, prototype variant; compile + link, never run)
//! emit     → cargo:rustc-cfg / rustc-check-cfg / metadata / $OUT_DIR files
//! ```
//!
//! The [`catalog`] is the one table of truth: every cfg name, check-cfg line, metadata key and
//! knowledge-DB row is derived from it.
//!
//! ## A light build-dependency
//!
//! Every crate that probes compiles this one first, so it depends only on what probing needs:
//! `cc`, `pkg-config`, `semver` and `jobserver` (8 crates in all, itself included). The catalog
//! is read by a small strict reader of the TOML subset `catalog.toml` is written in (see
//! [`catalog`]), not by a TOML parser.
//!
//! ## Features
//!
//! - `serde` (off by default): `Serialize` on the data types ([`Results`], [`ApiResult`],
//!   [`Library`], [`Location`], [`Catalog`], ...) and `Serialize` + `Deserialize` on
//!   [`Version`], [`VersionReq`], [`Family`] and [`Kind`], for tools that write them as JSON
//!   (the `sslprobe` command enables it). A build script needs none of it.
#![warn(missing_docs)]

pub mod build_script;
mod builder;
pub mod catalog;
pub mod compiler;
pub mod downstream;
mod emit;
mod env;
mod error;
#[cfg(test)]
mod fixtures;
pub mod identify;
pub mod locate;
mod log;
mod overrides;
pub mod probe;
mod results;
pub mod version;

pub use builder::{Answer, Answers, Ask, Probe};
pub use catalog::{Api, Catalog, DbEntry, Kind, Variant};
pub use error::{Error, Result};
pub use identify::Library;
pub use locate::Location;
pub use probe::{ApiResult, Prober, Results};
pub use version::{Family, Version, VersionReq};
