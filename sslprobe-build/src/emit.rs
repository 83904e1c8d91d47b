//! Emit: turn [`Results`] into cargo instructions and generated Rust.
//!
//! Everything here is derived from the catalog and the results; nothing is typed twice.
//! - [`cargo_lines`]: `rustc-check-cfg` for every cfg the catalog can emit, the cfgs that hold,
//!   and the `links` metadata (see [`crate::downstream`]).
//! - [`build_info_rs`]: the build-time identity, every probe result and the knowledge DB as Rust
//!   statics for the runtime crate (`include!`d from `$OUT_DIR`).
//! - [`externs_rs`]: `extern "C"` declarations for the functions found, with the prototype
//!   variant the probe proved.

use crate::catalog::{Catalog, Kind};
use crate::downstream::Metadata;
use crate::error::Result;
use crate::results::{Results, Source};
use crate::version::Family;
use std::fmt::Write as _;
use std::path::Path;

/// The metadata exported to dependents, derived from the results.
pub fn metadata(catalog: &Catalog, results: &Results) -> Metadata {
    let present: Vec<_> = results.apis.iter().filter(|a| a.present).collect();
    Metadata {
        family: results.library.family,
        version: results.library.version.clone(),
        have: present.iter().map(|a| a.name.clone()).collect(),
        no_effect: present
            .iter()
            .filter(|a| !a.effective)
            .map(|a| a.name.clone())
            .collect(),
        variants: present
            .iter()
            .filter(|a| catalog.get(&a.name).is_some_and(|c| c.variants.len() > 1))
            .filter_map(|a| Some((a.name.clone(), a.variant.clone()?)))
            .collect(),
        apis: catalog.apis.iter().map(|a| a.name.clone()).collect(),
        check_cfg: catalog.check_cfgs(),
        include: results.location.include_dirs.clone(),
        lib_dir: results.location.lib_dirs.clone(),
        libs: results.location.libs.clone(),
        system_libs: results.location.system_libs.clone(),
        link_static: results.location.link_static,
    }
}

/// Every `cargo:` line for the build script: check-cfg, cfgs, metadata.
pub fn cargo_lines(catalog: &Catalog, results: &Results) -> Result<Vec<String>> {
    let meta = metadata(catalog, results);
    let mut out = meta.cfg_lines();
    for (k, v) in meta.to_pairs()? {
        out.push(format!("cargo:{k}={v}"));
    }
    Ok(out)
}

fn s(v: &str) -> String {
    format!("{v:?}")
}

fn opt(v: Option<&str>) -> String {
    v.map_or("None".to_string(), |v| format!("Some({v:?})"))
}

fn family(f: Family) -> String {
    format!("Family::{f:?}")
}

fn kind(k: Kind) -> String {
    format!("Kind::{k:?}")
}

/// The runtime crate's `Family` and `Kind` enums, generated from [`Family::EVERY`] and
/// [`Kind`] so that the names exist once.
pub fn enums_rs() -> String {
    let mut o = String::from(
        "/// An SSL library family (generated from `sslprobe_build::Family`).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum Family {\n",
    );
    for f in Family::EVERY {
        let _ = writeln!(
            o,
            "    /// {} (`{}`).\n    {f:?},",
            f.display_name(),
            f.as_str()
        );
    }
    o.push_str("}\n\nimpl Family {\n    /// Every family, in declaration order.\n");
    let all: Vec<String> = Family::EVERY.iter().map(|f| family(*f)).collect();
    let _ = writeln!(
        o,
        "    pub const EVERY: [Family; {}] = [{}];",
        all.len(),
        all.join(", ")
    );
    o.push_str("\n    /// The lower-case name used in cfgs (`sslprobe_<name>`), JSON and the CLI.\n    ///\n    /// ```\n    /// assert_eq!(sslprobe::Family::AwsLc.as_str(), \"awslc\");\n    /// ```\n    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for f in Family::EVERY {
        let _ = writeln!(o, "            {} => {:?},", family(f), f.as_str());
    }
    o.push_str("        }\n    }\n\n    /// The human-readable name (`OpenSSL`, `AWS-LC`, ...).\n    pub fn display_name(self) -> &'static str {\n        match self {\n");
    for f in Family::EVERY {
        let _ = writeln!(o, "            {} => {:?},", family(f), f.display_name());
    }
    o.push_str("        }\n    }\n}\n\n/// How an API exists in the library (generated from `sslprobe_build::Kind`).\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Kind {\n");
    for k in Kind::ALL {
        let _ = writeln!(o, "    /// `{}`.\n    {k:?},", k.as_str());
    }
    o.push_str("}\n\nimpl Kind {\n    /// `function`, `macro`, `define`, `type` or `member`.\n    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for k in Kind::ALL {
        let _ = writeln!(o, "            {} => {:?},", kind(k), k.as_str());
    }
    o.push_str("        }\n    }\n}\n\n");
    o
}

fn paths(p: &[std::path::PathBuf]) -> String {
    let v: Vec<String> = p.iter().map(|p| s(&p.to_string_lossy())).collect();
    format!("&[{}]", v.join(", "))
}

/// The knowledge DB as Rust statics (`pub static DB: &[DbApi]`), expecting `DbApi`, `DbFamily`,
/// `Family` and `Kind` in scope.
pub fn db_rs(catalog: &Catalog) -> String {
    let mut o = String::from("pub static DB: &[DbApi] = &[\n");
    for a in &catalog.apis {
        let _ = writeln!(
            o,
            "    DbApi {{\n        name: {},\n        cfg: {},\n        doc: {},",
            s(&a.name),
            s(&a.cfg()),
            s(&a.doc)
        );
        let vars: Vec<String> = a
            .variants
            .iter()
            .map(|v| format!("({}, {})", s(&v.name), kind(v.kind)))
            .collect();
        let _ = writeln!(
            o,
            "        variants: &[{}],\n        families: &[",
            vars.join(", ")
        );
        for (f, e) in &a.db {
            let since = e.since.as_ref().map(|v| v.to_string());
            let vv: Vec<String> = e
                .variants
                .iter()
                .map(|(ver, v)| format!("({}, {})", s(&ver.to_string()), s(v)))
                .collect();
            let _ = writeln!(
                o,
                "            DbFamily {{ family: {}, since: {}, variants: &[{}], effective: {}, needed: {}, note: {} }},",
                family(*f),
                opt(since.as_deref()),
                vv.join(", "),
                e.effective,
                e.needed,
                opt(e.note.as_deref())
            );
        }
        o.push_str("        ],\n    },\n");
    }
    o.push_str("];\n");
    o
}

/// The generated `build_info.rs`: `pub static BUILD_INFO: BuildInfo`, the DB, and the catalog
/// sources (for `sslprobe probe`), expecting the runtime crate's `info` types in scope.
/// Reproducible: the same library, environment and target directory give the same file (no
/// timings, nothing random).
pub fn build_info_rs(
    catalog: &Catalog,
    results: &Results,
    probes_dir: &Path,
    log_path: &str,
) -> String {
    let l = &results.library;
    let loc = &results.location;
    let mut o =
        String::from("// @generated by sslprobe-build (emit::build_info_rs). Do not edit.\n");
    o.push_str(&enums_rs());
    let _ = writeln!(o, "pub static BUILD_INFO: BuildInfo = BuildInfo {{");
    let _ = writeln!(o, "    family: {},", family(l.family));
    let _ = writeln!(o, "    version: {},", s(&l.version.to_string()));
    let _ = writeln!(o, "    version_text: {},", opt(l.version_text.as_deref()));
    let _ = writeln!(o, "    api_version: {:?},", l.api_version);
    let _ = writeln!(
        o,
        "    openssl_version_number: {:?},",
        l.openssl_version_number
    );
    let _ = writeln!(o, "    include_dirs: {},", paths(&loc.include_dirs));
    let _ = writeln!(o, "    lib_dirs: {},", paths(&loc.lib_dirs));
    let _ = writeln!(o, "    found_by: {},", s(&loc.found_by.to_string()));
    let _ = writeln!(o, "    link_static: {},", loc.link_static);
    let _ = writeln!(o, "    compiler_runs: {},", results.compiler_runs);
    let _ = writeln!(o, "    log_path: {},", s(log_path));
    let ov: Vec<String> = results.overrides.iter().map(|x| s(x)).collect();
    let _ = writeln!(o, "    overrides: &[{}],", ov.join(", "));
    o.push_str("    apis: &[\n");
    for a in &results.apis {
        let src = match a.source {
            Source::Probe => "probe",
            Source::Override => "override",
            Source::Assumed => "assumed",
        };
        let _ = writeln!(
            o,
            "        ApiInfo {{ name: {}, cfg: {}, present: {}, kind: {}, variant: {}, effective: {}, db_expected: {}, db_agrees: {}, source: {}, note: {}, failure: {}, value: {} }},",
            s(&a.name),
            s(&a.cfg),
            a.present,
            a.kind.map_or("None".to_string(), |k| format!("Some({})", kind(k))),
            opt(a.variant.as_deref()),
            a.effective,
            a.db_expected,
            a.db_agrees,
            s(src),
            opt(a.note.as_deref()),
            opt(a.failure.as_deref()),
            opt(a.value.as_deref()),
        );
    }
    o.push_str("    ],\n};\n\n");
    o.push_str(&db_rs(catalog));
    let abs = |f: &str| s(&probes_dir.join(f).to_string_lossy());
    let _ = writeln!(o, "\n/// `probes/catalog.toml`, embedded for `sslprobe probe`.\npub static CATALOG_TOML: &str = include_str!({});", abs("catalog.toml"));
    o.push_str("/// The probe files, embedded for `sslprobe probe`.\npub static PROBE_SOURCES: &[(&str, &str)] = &[\n");
    for a in &catalog.apis {
        let _ = writeln!(o, "    ({}, include_str!({})),", s(&a.file), abs(&a.file));
    }
    o.push_str("];\n");
    o
}

/// `extern "C"` declarations for every function-kind API found, with the proven prototype,
/// followed by `pub mod dynamic`: the same functions resolved at run time with `dlsym`
/// (`fn NAME() -> Option<unsafe extern "C" fn(..) -> ..>`), for the `runtime-detect` feature, so a
/// binary built against a newer shared library still loads on an older one.
/// Types: `openssl_sys::*` and `std::os::raw::*` are expected in scope.
pub fn externs_rs(catalog: &Catalog, results: &Results) -> String {
    let mut found = Vec::new();
    for a in &results.apis {
        let (Some(Kind::Function), Some(vname)) = (a.kind, a.variant.as_deref()) else {
            continue;
        };
        let Some(v) = catalog.get(&a.name).and_then(|api| api.variant(vname)) else {
            continue;
        };
        let Some(sig) = &v.rust else { continue };
        found.push((a.name.as_str(), v.name.as_str(), sig.as_str()));
    }
    let mut o = String::from(
        "// @generated by sslprobe-build (emit::externs_rs). Do not edit.\nextern \"C\" {\n",
    );
    for (name, variant, sig) in &found {
        let _ = writeln!(
            o,
            "    /// `{name}`, prototype variant `{variant}` (proven by the build-time probe)."
        );
        let _ = writeln!(o, "    pub fn {name}{sig};");
    }
    o.push_str("}\n\n");
    o.push_str("/// The same functions, resolved at run time (`dlsym(RTLD_DEFAULT, ..)`): `None` when the\n");
    o.push_str("/// library loaded at run time lacks the symbol.\n#[cfg(feature = \"runtime-detect\")]\npub mod dynamic {\n    use super::*;\n");
    for (name, variant, sig) in &found {
        let _ = writeln!(
            o,
            "    /// `{name}` (variant `{variant}`) if the loaded library exports it."
        );
        let _ = writeln!(
            o,
            "    pub fn {name}() -> Option<unsafe extern \"C\" fn{sig}> {{"
        );
        let _ = writeln!(
            o,
            "        static CELL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();"
        );
        let _ = writeln!(
            o,
            "        let p = *CELL.get_or_init(|| crate::sys::lookup(c\"{name}\"));"
        );
        let _ = writeln!(
            o,
            "        // SAFETY: the symbol has the prototype the build-time probe proved."
        );
        let _ = writeln!(o, "        (p != 0).then(|| unsafe {{ std::mem::transmute::<usize, unsafe extern \"C\" fn{sig}>(p) }})");
        o.push_str("    }\n");
    }
    o.push_str("}\n");
    o
}
