//! What the build script found: library identity, every probe result, and the knowledge DB.
//!
//! All of it is generated at build time from the catalog (`probes/catalog.toml`) and the probe
//! results; see [`build_info`] and [`db`].

use std::fmt;

pub use generated::{Family, Kind};

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The build-time result for one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiInfo {
    /// C name.
    pub name: &'static str,
    /// cfg name (`have_…`).
    pub cfg: &'static str,
    /// Compiles and links with the expected prototype.
    pub present: bool,
    /// Function / macro / define, as found.
    pub kind: Option<Kind>,
    /// Winning prototype variant.
    pub variant: Option<&'static str>,
    /// Present and not a known stub.
    pub effective: bool,
    /// What the knowledge DB expected.
    pub db_expected: bool,
    /// Probe and DB agree.
    pub db_agrees: bool,
    /// `probe`, `override` or `assumed`.
    pub source: &'static str,
    /// DB note for this family.
    pub note: Option<&'static str>,
    /// Why it is absent (compiler/linker diagnostics excerpt).
    pub failure: Option<&'static str>,
    /// For defines: the expanded value.
    pub value: Option<&'static str>,
}

/// Build-time identity of the library and every probe result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildInfo {
    /// Library family.
    pub family: Family,
    /// Version (`3.0.19`, `1.1.0i`; BoringSSL: API version).
    pub version: &'static str,
    /// `OPENSSL_VERSION_TEXT`.
    pub version_text: Option<&'static str>,
    /// BoringSSL/AWS-LC API version.
    pub api_version: Option<u64>,
    /// `OPENSSL_VERSION_NUMBER` when a literal.
    pub openssl_version_number: Option<u64>,
    /// Include directories (empty: compiler default).
    pub include_dirs: &'static [&'static str],
    /// Library directories (empty: linker default).
    pub lib_dirs: &'static [&'static str],
    /// How the library was located.
    pub found_by: &'static str,
    /// Linked statically.
    pub link_static: bool,
    /// Compiler invocations used by identify + probe.
    pub compiler_runs: usize,
    /// The build-time probe log (`$OUT_DIR/sslprobe.log`).
    pub log_path: &'static str,
    /// Overrides applied (`SSLPROBE_HAVE_*`, `SSLPROBE_ASSUME`).
    pub overrides: &'static [&'static str],
    /// One entry per catalog API.
    pub apis: &'static [ApiInfo],
}

impl BuildInfo {
    /// The result for an API by C name.
    ///
    /// ```
    /// let info = sslprobe::build_info();
    /// let t = info.api("SSL_CTX_set_num_tickets").unwrap();
    /// assert_eq!(t.cfg, "have_ssl_ctx_set_num_tickets");
    /// ```
    pub fn api(&self, name: &str) -> Option<&'static ApiInfo> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// The knowledge DB's row for an API (by C name) in the family built against; `None` for
    /// an API outside the catalog or a family without DB rows (wolfSSL).
    ///
    /// ```
    /// let info = sslprobe::build_info();
    /// if let Some(row) = info.db_row("SSL_CTX_set_num_tickets") {
    ///     assert_eq!(row.family, info.family);
    /// }
    /// ```
    pub fn db_row(&self, name: &str) -> Option<&'static DbFamily> {
        db().iter()
            .find(|a| a.name == name)?
            .families
            .iter()
            .find(|f| f.family == self.family)
    }

    /// Whether the API was found.
    pub fn has(&self, name: &str) -> bool {
        self.api(name).is_some_and(|a| a.present)
    }

    /// `OpenSSL 3.0.19`, `BoringSSL (API version 44)`.
    pub fn describe(&self) -> String {
        match self.family {
            Family::BoringSsl => format!("BoringSSL (API version {})", self.version),
            f => format!("{} {}", f.display_name(), self.version),
        }
    }
}

/// Knowledge-DB row for one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbFamily {
    /// The family.
    pub family: Family,
    /// First version that has it (`None`: never).
    pub since: Option<&'static str>,
    /// `(from version, variant)` overrides.
    pub variants: &'static [(&'static str, &'static str)],
    /// Whether calling it has an effect.
    pub effective: bool,
    /// Whether it is needed for what it is for: false where it works but the library already
    /// behaves that way without it (`SSL_CTX_set_num_tickets` on BoringSSL and AWS-LC, whose
    /// TLS 1.3 servers send no ticket once `SSL_OP_NO_TICKET` is set).
    pub needed: bool,
    /// One-line note.
    pub note: Option<&'static str>,
}

/// Knowledge-DB entry for one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbApi {
    /// C name.
    pub name: &'static str,
    /// cfg name.
    pub cfg: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// `(variant, kind)` in probe order.
    pub variants: &'static [(&'static str, Kind)],
    /// One row per family.
    pub families: &'static [DbFamily],
}

mod generated {
    #![allow(clippy::all)]
    use super::{ApiInfo, BuildInfo, DbApi, DbFamily};
    include!(concat!(env!("OUT_DIR"), "/build_info.rs"));
}

/// The build-time identity of the library and every probe result.
pub fn build_info() -> &'static BuildInfo {
    &generated::BUILD_INFO
}

/// The knowledge DB (generated from the catalog).
pub fn db() -> &'static [DbApi] {
    generated::DB
}

/// `probes/catalog.toml` as compiled in, and the probe sources: lets `sslprobe probe` run the
/// same catalog against any library at run time.
pub fn catalog_sources() -> (&'static str, &'static [(&'static str, &'static str)]) {
    (generated::CATALOG_TOML, generated::PROBE_SOURCES)
}
