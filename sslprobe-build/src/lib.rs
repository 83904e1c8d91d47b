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
//! ## What a build script uses
//!
//! Three entry points, one per need:
//!
//! - **Probe your own names** ([`Probe`]): any function (with or without its prototype), macro,
//!   define, type or member, against the library sslprobe located:
//!
//!   ```no_run
//!   let answers = sslprobe_build::Probe::new()
//!       .function("SSL_CTX_set_block_padding", "int (*)(SSL_CTX *, size_t)")
//!       .define("SSL_OP_NO_RENEGOTIATION")
//!       .emit()?; // cargo:rustc-cfg=have_ssl_ctx_set_block_padding, check-cfg for every name
//!   assert!(answers.get("SSL_OP_NO_RENEGOTIATION").is_some());
//!   # Ok::<(), sslprobe_build::Error>(())
//!   ```
//!
//! - **The catalog's answers in a dependent crate** ([`downstream::emit_cfgs`]): the very cfgs
//!   `sslprobe` itself was built with, read from its `DEP_SSLPROBE_*` metadata:
//!
//!   ```no_run
//!   let meta = sslprobe_build::downstream::emit_cfgs()?;
//!   println!("cargo:warning=building against {} {}", meta.family, meta.version);
//!   # Ok::<(), sslprobe_build::Error>(())
//!   ```
//!
//! - **A whole catalog of your own** ([`build_script::run`]): `probes/catalog.toml` plus one C
//!   file per API, as `sslprobe` does it (`build_script::main()` is its whole `build.rs`).
//!
//! At run time (the `sslprobe probe` command does this), [`Prober`] probes any catalog against
//! any [`Location`] with any [`compiler::Compiler`]:
//!
//! ```no_run
//! use sslprobe_build::{compiler::Compiler, locate, probe::{self, Log}, Catalog, Prober};
//! # fn main() -> sslprobe_build::Result<()> {
//! let (catalog, _files) = Catalog::load(std::path::Path::new("probes"))?;
//! let loc = locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
//! let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
//! let mut log = Log::in_memory();
//! let results = Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut log)?;
//! probe::check_links(&results, &mut log)?; // a header/library mismatch is an error
//! for a in &results.apis {
//!     println!("{} {}", a.name, if a.present { "present" } else { "absent" });
//! }
//! # Ok(()) }
//! ```
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
mod identify;
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
