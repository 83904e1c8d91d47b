//! What a probing run found: one [`ApiResult`] per API, judged against the knowledge DB.

use crate::catalog::{Api, Catalog, Kind, Variant};
use crate::error::{Error, Result};
use crate::identify::Library;
use crate::locate::Location;
use crate::overrides::{Forced, Override, Overrides, ASSUME_EXAMPLES, ASSUME_VAR};
use std::path::PathBuf;

/// Where a result came from.
///
/// ```no_run
/// # fn main() -> sslprobe_build::Result<()> {
/// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
/// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
/// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
/// use sslprobe_build::probe::Source;
/// for a in &results.apis {
///     if a.source == Source::Override {
///         println!("{}: forced by SSLPROBE_HAVE_*, not probed", a.name);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Source {
    /// A probe compiled and linked (or failed to).
    Probe,
    /// `SSLPROBE_HAVE_<API>` forced it.
    Override,
    /// `SSLPROBE_NO_PROBE`: taken from the knowledge DB for `SSLPROBE_ASSUME`.
    Assumed,
}

/// The result for one API.
///
/// ```no_run
/// # fn main() -> sslprobe_build::Result<()> {
/// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
/// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
/// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
/// let a = results.get("SSL_CTX_set_num_tickets").unwrap();
/// match (a.present, a.effective) {
///     (true, true) => println!("{} ({:?}, variant {:?})", a.cfg, a.kind, a.variant),
///     (true, false) => println!("present but a no-op here: {}", a.note.as_deref().unwrap_or("")),
///     (false, _) => println!("absent: {}", a.failure.as_deref().unwrap_or("")),
/// }
/// if !a.db_agrees {
///     println!("the knowledge DB expected present={}", a.db_expected);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ApiResult {
    /// API name.
    pub name: String,
    /// Its cfg name.
    pub cfg: String,
    /// Whether it compiles and links with the expected prototype.
    pub present: bool,
    /// Function or macro (or define), as found in this library.
    pub kind: Option<Kind>,
    /// The winning variant.
    pub variant: Option<String>,
    /// Present and not a known stub/no-op in this library.
    pub effective: bool,
    /// What the knowledge DB expects for this library and version.
    pub db_expected: bool,
    /// The kind the knowledge DB expects for this library and version (when it says).
    pub db_kind: Option<Kind>,
    /// The prototype variant the knowledge DB expects for this library and version (when it
    /// says).
    pub db_variant: Option<String>,
    /// Whether the probe agrees with the DB: presence, and when present the kind and the
    /// prototype variant.
    pub db_agrees: bool,
    /// The DB's note for this family.
    pub note: Option<String>,
    /// Where the result came from.
    pub source: Source,
    /// Why it is absent: the first diagnostics of the last variant tried.
    pub failure: Option<String>,
    /// For defines: the expanded value.
    pub value: Option<String>,
}

/// Everything one probing run found.
///
/// ```no_run
/// # fn main() -> sslprobe_build::Result<()> {
/// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
/// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
/// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
/// println!("{} at {:?}", results.library.describe(), results.location.include_dirs);
/// let present = results.apis.iter().filter(|a| a.present).count();
/// println!("{present} of {} APIs present, {} compiler runs", results.apis.len(), results.compiler_runs);
/// for note in &results.toolchain_notes {
///     println!("cargo:warning={note}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Results {
    /// The identified library.
    pub library: Library,
    /// Where it is.
    pub location: Location,
    /// One entry per catalog API, in catalog order.
    pub apis: Vec<ApiResult>,
    /// Number of compiler invocations.
    pub compiler_runs: usize,
    /// Wall time of identify + probe.
    pub elapsed_ms: u64,
    /// Overrides applied (`NAME=value`), in the order read.
    pub overrides: Vec<String>,
    /// What the control probes made the engine change (e.g. a user flag that silenced the
    /// diagnostics the probes rely on, left out of the probe commands). Build scripts print each
    /// as a `cargo:warning`.
    pub toolchain_notes: Vec<String>,
    /// Every header the successful probe compiles included (from the compiler's `-MD`
    /// dependency output), sorted. A build script prints `cargo:rerun-if-changed` for each, so
    /// that touching or upgrading a header re-runs the probes and nothing else does:
    ///
    /// ```no_run
    /// # fn f(results: &sslprobe_build::Results) {
    /// for h in &results.headers {
    ///     println!("cargo:rerun-if-changed={}", h.display());
    /// }
    /// # }
    /// ```
    pub headers: Vec<PathBuf>,
}

/// Where the results of the APIs no override forces come from, for [`Results::assemble`].
#[derive(Debug)]
pub(crate) enum Rest {
    /// A probe run over exactly those APIs (the catalog of [`Overrides::to_probe`]); its
    /// library, location, counts and headers carry over.
    Probed(Box<Results>),
    /// `SSLPROBE_NO_PROBE=1`: nothing ran; the knowledge DB for `SSLPROBE_ASSUME` decides, for
    /// the library at this location.
    Assumed(Location),
}

impl Results {
    /// The final results, built in one place: one entry per `catalog` API, in catalog order,
    /// from the override that forces it if there is one, else from `rest` (the probe's result,
    /// or the knowledge DB for the assumed library), with [`Results::overrides`] filled in.
    ///
    /// A probed API missing from the probe run is an error, not "absent"; so is
    /// [`Rest::Assumed`] without `SSLPROBE_ASSUME`.
    pub(crate) fn assemble(
        catalog: &Catalog,
        overrides: &Overrides,
        rest: Rest,
    ) -> Result<Results> {
        let (mut results, assume) = match rest {
            Rest::Probed(probed) => (*probed, None),
            Rest::Assumed(location) => {
                let assume = overrides.assume.as_ref().ok_or_else(|| {
                    Error::invalid(
                        ASSUME_VAR,
                        "",
                        format!("not set; SSLPROBE_NO_PROBE=1 needs it, e.g. {ASSUME_EXAMPLES}"),
                    )
                })?;
                let results = Results {
                    library: assume.library(),
                    location,
                    apis: Vec::new(),
                    compiler_runs: 0,
                    elapsed_ms: 0,
                    overrides: Vec::new(),
                    headers: Vec::new(),
                    toolchain_notes: Vec::new(),
                };
                (results, Some(assume.text.as_str()))
            }
        };
        let mut apis = Vec::with_capacity(catalog.apis.len());
        for api in &catalog.apis {
            let library = &results.library;
            let r = match (overrides.get(&api.name), assume) {
                (Some(o), _) => forced_result(api, library, o),
                (None, Some(text)) => assumed_result(api, library, text),
                (None, None) => results.get(&api.name).cloned().ok_or_else(|| {
                    Error::Catalog(format!(
                        "{}: no probe result although it was not overridden",
                        api.name
                    ))
                })?,
            };
            apis.push(r);
        }
        results.apis = apis;
        results.overrides = overrides.records();
        Ok(results)
    }

    /// The result for an API.
    ///
    /// ```no_run
    /// # fn main() -> sslprobe_build::Result<()> {
    /// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
    /// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
    /// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
    /// let have = results.get("SSL_CTX_set_num_tickets").is_some_and(|a| a.present);
    /// assert!(results.get("not_in_the_catalog").is_none());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, name: &str) -> Option<&ApiResult> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// One human sentence per probe/DB disagreement.
    ///
    /// ```no_run
    /// # fn main() -> sslprobe_build::Result<()> {
    /// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
    /// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
    /// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
    /// // A distro backport, a header/library mismatch or a DB error: say it loudly.
    /// for d in results.disagreements() {
    ///     eprintln!("DISAGREE: {d}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn disagreements(&self) -> Vec<String> {
        self.apis
            .iter()
            .filter(|a| !a.db_agrees)
            .map(|a| {
                let shape = |kind: Option<Kind>, variant: Option<&str>| {
                    match (kind, variant) {
                        (Some(k), Some(v)) => format!(" ({k}, variant {v})"),
                        (Some(k), None) => format!(" ({k})"),
                        (None, Some(v)) => format!(" (variant {v})"),
                        (None, None) => String::new(),
                    }
                };
                let saw = if a.present {
                    format!("present{}", shape(a.kind, a.variant.as_deref()))
                } else {
                    "absent".into()
                };
                let expected = if a.db_expected {
                    format!("present{}", shape(a.db_kind, a.db_variant.as_deref()))
                } else {
                    "absent".into()
                };
                format!(
                    "{}: the probe found it {saw} but the knowledge DB expects it {expected} in {} — a distro \
                     backport, a header/library mismatch, or a DB error{}",
                    a.name,
                    self.library.describe(),
                    a.failure.as_ref().map(|f| format!(" (probe said: {f})")).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Builds an [`ApiResult`] for `api` against the DB for `library`.
    pub(crate) fn classify(
        api: &Api,
        library: &Library,
        found: Option<(&str, Kind)>,
        source: Source,
        failure: Option<String>,
    ) -> ApiResult {
        let present = found.is_some();
        let kind = found.map(|(_, k)| k);
        let variant = found.map(|(v, _)| v);
        // The knowledge DB's judgement of what was found.
        let (effective, db_expected, db_kind, db_variant, db_agrees, note) =
            match api.db_get(library.family) {
                // A family the DB does not cover (wolfSSL): nothing to agree or disagree with. An
                // API asked for by a build script ([`crate::Probe`]) has no DB rows at all: nothing
                // to say. A catalog API lacks rows only for a family the DB does not cover.
                None => (
                    present,
                    present,
                    None,
                    None,
                    true,
                    (!api.db.is_empty()).then(|| {
                        format!(
                            "the knowledge DB has no rows for {}",
                            library.family.display_name()
                        )
                    }),
                ),
                Some(db) => {
                    let db_expected = db.has(&library.version);
                    let db_kind = api.db_kind_at(library.family, &library.version);
                    let db_variant = db.variant_at(&library.version).map(str::to_string);
                    let kind_agrees = match (kind, db_kind) {
                        (Some(k), Some(dk)) => k == dk,
                        _ => true,
                    };
                    // A different prototype is as much a disagreement as a different presence: the
                    // FFI declaration follows the probe, and a DB that expects another type is wrong
                    // or the header is not what the version says.
                    let variant_agrees = match (variant, db_variant.as_deref()) {
                        (Some(v), Some(dv)) => v == dv,
                        _ => true,
                    };
                    (
                        present && (db.effective || !db_expected),
                        db_expected,
                        db_kind,
                        db_variant,
                        present == db_expected && kind_agrees && variant_agrees,
                        db.note.clone(),
                    )
                }
            };
        ApiResult {
            name: api.name.clone(),
            cfg: api.cfg(),
            present,
            kind,
            variant: variant.map(str::to_string),
            effective,
            db_expected,
            db_kind,
            db_variant,
            db_agrees,
            note,
            source,
            failure: if present { None } else { failure },
            value: if kind == Some(Kind::Define) {
                library.defines.get(&api.name).cloned()
            } else {
                None
            },
        }
    }
}

/// The result an override forces for `api` against `library`.
fn forced_result(api: &Api, library: &Library, o: &Override) -> ApiResult {
    let variant = match &o.forced {
        Forced::Absent => None,
        Forced::Variant(v) => api.variant(v),
        Forced::Present => default_variant(api, library),
    };
    let found = variant.map(|v| (v.name.as_str(), v.kind));
    let failure = found
        .is_none()
        .then(|| format!("forced absent by {}=0 (not probed)", o.var));
    Results::classify(api, library, found, Source::Override, failure)
}

/// The variant the DB expects for `library`, or the API's first variant (also for a family
/// the DB does not cover, such as wolfSSL).
fn default_variant<'a>(api: &'a Api, library: &Library) -> Option<&'a Variant> {
    api.db_get(library.family)
        .and_then(|db| db.variant_at(&library.version))
        .and_then(|v| api.variant(v))
        .or_else(|| api.variants.first())
}

/// `SSLPROBE_NO_PROBE=1`: what the knowledge DB says for `library` (`SSLPROBE_ASSUME=assume`).
fn assumed_result(api: &Api, library: &Library, assume: &str) -> ApiResult {
    // SSLPROBE_ASSUME only accepts families the DB covers; a family without rows assumes
    // nothing present rather than panicking.
    if api
        .db_get(library.family)
        .is_some_and(|db| db.has(&library.version))
    {
        let v = default_variant(api, library);
        Results::classify(
            api,
            library,
            v.map(|v| (v.name.as_str(), v.kind)),
            Source::Assumed,
            None,
        )
    } else {
        let failure = format!(
            "assumed absent: the knowledge DB says {} does not have it (SSLPROBE_NO_PROBE=1, SSLPROBE_ASSUME={assume}; not probed)",
            library.describe()
        );
        Results::classify(api, library, None, Source::Assumed, Some(failure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{catalog, lib, location, overrides};
    use crate::version::Family;

    /// The result `ov` forces for `api` against `library`, when it is overridden.
    fn result_for(ov: &Overrides, api: &Api, library: &Library) -> Option<ApiResult> {
        ov.get(&api.name).map(|o| forced_result(api, library, o))
    }

    /// `SSLPROBE_NO_PROBE=1 SSLPROBE_ASSUME=<assume>` plus `vars`, assembled over the fixture
    /// catalog.
    fn assumed(vars: &[(&str, &str)], assume: &str) -> Results {
        let mut all = vec![("SSLPROBE_NO_PROBE", "1"), ("SSLPROBE_ASSUME", assume)];
        all.extend_from_slice(vars);
        let ov = overrides(&all).unwrap();
        Results::assemble(&catalog(), &ov, Rest::Assumed(location())).unwrap()
    }

    #[test]
    fn assumed_results_follow_the_db() {
        let c = catalog();
        let r = assumed(&[], "openssl-1.1.0i");
        assert_eq!(r.compiler_runs, 0);
        assert_eq!(
            r.overrides,
            ["SSLPROBE_NO_PROBE=1", "SSLPROBE_ASSUME=openssl-1.1.0i"]
        );
        assert_eq!(r.apis.len(), c.apis.len());
        for a in &r.apis {
            assert_eq!(a.source, Source::Assumed, "{}", a.name);
            assert!(a.db_agrees, "{}", a.name);
            let api = c.get(&a.name).unwrap();
            assert_eq!(
                a.present,
                api.db_get(Family::OpenSsl).unwrap().has(&r.library.version),
                "{}",
                a.name
            );
        }
        let nt = r.get("SSL_CTX_set_num_tickets").unwrap();
        assert!(!nt.present);
        assert!(
            nt.failure.as_deref().unwrap().contains("assumed absent"),
            "{nt:?}"
        );
        // OpenSSL 1.1.0: unsigned long options.
        assert_eq!(
            r.get("SSL_CTX_set_options").unwrap().variant.as_deref(),
            Some("u64")
        );
        assert!(r.disagreements().is_empty());

        let r = assumed(&[], "boringssl-44");
        assert_eq!(
            r.get("SSL_CTX_set_options").unwrap().variant.as_deref(),
            Some("u32")
        );
        assert!(r.get("SSL_CTX_set_num_tickets").unwrap().present);
        assert!(!r.get("SSL_set_num_tickets").unwrap().present);

        let r = assumed(&[], "libressl-3.5.0");
        let nt = r.get("SSL_CTX_set_num_tickets").unwrap();
        assert!(nt.present && !nt.effective, "LibreSSL's stub: {nt:?}");
    }

    #[test]
    fn overrides_beat_the_db_and_are_marked() {
        let r = assumed(
            &[
                ("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "1"),
                ("SSLPROBE_HAVE_SSL_OP_NO_TICKET", "0"),
                ("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", "c_long_macro"),
            ],
            "openssl-1.1.0i",
        );
        let nt = r.get("SSL_CTX_set_num_tickets").unwrap();
        assert!(
            nt.present && nt.source == Source::Override && !nt.db_agrees,
            "{nt:?}"
        );
        let op = r.get("SSL_OP_NO_TICKET").unwrap();
        assert!(!op.present && op.source == Source::Override, "{op:?}");
        assert!(
            op.failure
                .as_deref()
                .unwrap()
                .contains("SSLPROBE_HAVE_SSL_OP_NO_TICKET=0"),
            "{op:?}"
        );
        let so = r.get("SSL_CTX_set_options").unwrap();
        assert_eq!(
            (so.variant.as_deref(), so.kind),
            (Some("c_long_macro"), Some(Kind::Macro))
        );
        assert_eq!(
            r.get("SSL_CTX_set_keylog_callback").unwrap().source,
            Source::Assumed
        );
        assert_eq!(r.overrides.len(), 5);
    }

    #[test]
    fn forced_present_takes_the_db_variant_for_the_library() {
        let c = catalog();
        let ov = overrides(&[
            ("SSLPROBE_HAVE_SSL_CTX_SET_OPTIONS", "1"),
            ("SSLPROBE_HAVE_SSL_CTX_GET_NUM_TICKETS", "1"),
        ])
        .unwrap();
        let api = c.get("SSL_CTX_set_options").unwrap();
        let v = |l: &Library| result_for(&ov, api, l).unwrap().variant.unwrap();
        assert_eq!(v(&lib(Family::OpenSsl, "3.0.19")), "u64");
        assert_eq!(v(&lib(Family::OpenSsl, "1.0.2u")), "c_long_macro");
        assert_eq!(v(&lib(Family::BoringSsl, "44")), "u32");
        assert_eq!(v(&lib(Family::LibreSsl, "3.8.0")), "c_long_macro");
        // The DB says OpenSSL 1.0.1 has no SSL_CTX_set_options variant: the first one.
        assert_eq!(v(&lib(Family::OpenSsl, "1.0.1u")), "u64");
        let g = result_for(
            &ov,
            c.get("SSL_CTX_get_num_tickets").unwrap(),
            &lib(Family::OpenSsl, "1.1.0i"),
        )
        .unwrap();
        assert_eq!(
            (g.variant.as_deref(), g.db_agrees),
            (Some("const_ctx"), false)
        );
        assert!(result_for(
            &ov,
            c.get("SSL_OP_NO_TICKET").unwrap(),
            &lib(Family::OpenSsl, "3.0.0")
        )
        .is_none());
    }

    #[test]
    fn assemble_keeps_catalog_order() {
        let c = catalog();
        let ov = overrides(&[("SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS", "0")]).unwrap();
        // Stand-in for a probe run over the remaining APIs (the real one is in tests/hostile.rs).
        let rest = ov.to_probe(&c);
        let probed_lib = lib(Family::OpenSsl, "3.0.19");
        let probed = Results {
            library: probed_lib.clone(),
            location: location(),
            apis: rest
                .apis
                .iter()
                .map(|a| Results::classify(a, &probed_lib, None, Source::Probe, Some("x".into())))
                .collect(),
            compiler_runs: 1,
            elapsed_ms: 1,
            overrides: vec![],
            headers: vec![],
            toolchain_notes: vec![],
        };
        let r = Results::assemble(&c, &ov, Rest::Probed(Box::new(probed))).unwrap();
        let names: Vec<&str> = r.apis.iter().map(|a| a.name.as_str()).collect();
        let want: Vec<&str> = c.apis.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, want);
        assert_eq!(
            r.get("SSL_CTX_set_num_tickets").unwrap().source,
            Source::Override
        );
        assert_eq!(r.overrides, ["SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS=0"]);
        // A result missing for an API that was not overridden is an error, not "absent".
        let empty = Results {
            apis: vec![],
            ..r.clone()
        };
        assert!(Results::assemble(&c, &ov, Rest::Probed(Box::new(empty))).is_err());
    }
}
