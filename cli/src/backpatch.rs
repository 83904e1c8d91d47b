//! `sslprobe backpatch`: which supported library versions need a guard for each API.
//!
//! ```text
//! sslprobe backpatch --support "openssl>=1.0.2, libressl>=3.4,<4" [--api NAME...] [--json]
//! sslprobe backpatch --branches FILE [--api NAME...] [--json]
//! ```
//!
//! The verdicts come from the knowledge DB in the catalog (see
//! `sslprobe_cli::advisor`); a real build's probes decide what a given library has.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use sslprobe_build::{Api, Catalog};
use sslprobe_cli::advisor::{advise_api, ApiAdvice, Coverage, FamilyRange, SupportSpec, Verdict};

use crate::census::{self, Census};
use crate::census_data::Record;
use crate::compat::{self, Resolved};
use crate::Failure;

/// Arguments of `sslprobe backpatch`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Supported library versions, e.g. "openssl>=1.0.2, libressl>=3.4,<4; boringssl; awslc>=1.2"
    /// (families: openssl, libressl, boringssl (API versions), awslc; a family not listed is
    /// not supported). Optional with --branches.
    #[arg(long, value_name = "SPEC")]
    support: Option<String>,

    /// Only these APIs (repeat the flag or separate with commas): any libssl/libcrypto name, in any
    /// letter case; default: every API sslprobe tests.
    #[arg(long = "api", value_name = "NAME", num_args = 1.., value_delimiter = ',')]
    apis: Vec<String>,

    /// A TOML file mapping branch names to SPECs, one table `[branches]` with one line per
    /// branch (`REL_16_STABLE = "openssl>=1.0.2"`): prints a branch x API table.
    #[arg(long, value_name = "FILE")]
    branches: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// One branch of a branches file, parsed.
struct Branch {
    name: String,
    spec: SupportSpec,
}

/// The `[branches]` table of a branches file, in file order.
struct BranchTable(Vec<(String, String)>);

impl<'de> Deserialize<'de> for BranchTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BranchTable;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of branch names to support-spec strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BranchTable, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    // toml names the key ("in `REL_17`") when the value is not a string.
                    let spec: String = map.next_value()?;
                    out.push((name, spec));
                }
                Ok(BranchTable(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The whole branches file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BranchFile {
    branches: BranchTable,
}

/// Reads and validates a branches file; every error names the file and the offending text.
fn read_branches(path: &Path) -> Result<Vec<Branch>, Failure> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read branches file {shown}: {e}")))?;
    let file: BranchFile = toml::from_str(&text)
        .map_err(|e| Failure::usage(format!("branches file {shown} is not valid: {e}")))?;
    if file.branches.0.is_empty() {
        return Err(Failure::usage(format!(
            "branches file {shown}: the [branches] table is empty; add lines like \
             REL_17 = \"openssl>=1.1.1\""
        )));
    }
    let mut out = Vec::new();
    for (name, spec) in file.branches.0 {
        if name.trim().is_empty() {
            return Err(Failure::usage(format!(
                "branches file {shown}: a branch has an empty name"
            )));
        }
        let spec = SupportSpec::parse(&spec)
            .map_err(|e| Failure::usage(format!("branches file {shown}, branch {name:?}: {e}")))?;
        out.push(Branch { name, spec });
    }
    Ok(out)
}

/// The catalog compiled into the runtime crate.
fn load_catalog() -> Result<Catalog, Failure> {
    let (toml, files) = sslprobe::catalog_sources();
    Catalog::from_sources(toml, files)
        .map_err(|e| Failure::failed(format!("the embedded catalog does not load: {e}")))
}

/// The APIs to report: the named ones, in the order given without repeats — catalog APIs
/// (exact name, cfg name or any letter case) and, for any other name, census names — or every
/// catalog API. An empty name (`--api ,,`, `--api a,`) is one error, and an unknown name
/// repeated is reported once.
fn select_apis<'c>(
    catalog: &'c Catalog,
    census: &'c Census,
    names: &[String],
) -> Result<(Vec<&'c Api>, Vec<&'c Record>), Failure> {
    if names.is_empty() {
        return Ok((catalog.apis.iter().collect(), Vec::new()));
    }
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(Failure::usage(format!(
            "empty API name in --api (got {:?}: a comma at an end, or two in a row); give names \
             such as --api SSL_CTX_set_num_tickets,SSL_set_num_tickets",
            names.join(",")
        )));
    }
    let mut out: Vec<&Api> = Vec::new();
    let mut from_census: Vec<&Record> = Vec::new();
    let mut unknown = Vec::new();
    for raw in names {
        match compat::resolve(catalog, census, raw) {
            Some(Resolved::Catalog(a)) if out.iter().any(|x| x.name == a.name) => {}
            Some(Resolved::Catalog(a)) => out.push(a),
            Some(Resolved::Census(r)) if from_census.iter().any(|x| x.name == r.name) => {}
            Some(Resolved::Census(r)) => from_census.push(r),
            None => {
                let message = census::unknown_name(raw.trim(), catalog, Some(census));
                if !unknown.contains(&message) {
                    unknown.push(message);
                }
            }
        }
    }
    if unknown.is_empty() {
        Ok((out, from_census))
    } else {
        Err(Failure::usage(unknown.join("\n")))
    }
}

fn advise_all(apis: &[&Api], spec: &SupportSpec, coverage: &Coverage) -> Vec<ApiAdvice> {
    apis.iter().map(|a| advise_api(a, spec, coverage)).collect()
}

/// Warns (stderr) about items that judge no version at all: legal, but usually a typo.
fn warn_empty(spec: &SupportSpec, coverage: &Coverage, context: &str) {
    for item in spec.items() {
        let floor = coverage.floor(item.family);
        if item.range.is_empty() {
            eprintln!(
                "sslprobe: warning: {context}support item {:?} matches no version, so it supports nothing",
                item.text
            );
        } else if let Some(floor) = floor.filter(|f| item.range.end().is_some_and(|e| e <= *f)) {
            eprintln!(
                "sslprobe: warning: {context}support item {:?} ends before {} {floor}, the earliest \
                 version the knowledge DB records, so nothing is judged for it",
                item.text, item.family
            );
        }
    }
}

#[derive(Serialize)]
struct JsonSpec<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    support: &'a str,
    supported: Vec<FamilyRange>,
    apis: &'a [ApiAdvice],
    /// Catalog APIs of `apis` whose prototype differs inside the window (census evidence).
    prototype_differs: Vec<Differs>,
    /// Named APIs outside the catalog, judged from the census.
    census_apis: Vec<census::Advice>,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    support: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supported: Option<Vec<FamilyRange>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apis: Option<&'a [ApiAdvice]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prototype_differs: Option<Vec<Differs>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    census_apis: Option<Vec<census::Advice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    branches: Option<Vec<JsonSpec<'a>>>,
}

/// Runs `sslprobe backpatch`.
pub fn run(args: Args) -> Result<(), Failure> {
    if args.support.is_none() && args.branches.is_none() {
        return Err(Failure::usage(
            "backpatch needs --support SPEC (e.g. --support \"openssl>=1.0.2, libressl>=3.4\"), \
             --branches FILE, or both",
        ));
    }
    let spec = match &args.support {
        Some(s) => {
            Some(SupportSpec::parse(s).map_err(|e| Failure::usage(format!("--support: {e}")))?)
        }
        None => None,
    };
    let branches = match &args.branches {
        Some(p) => Some(read_branches(p)?),
        None => None,
    };
    let catalog = load_catalog()?;
    let census = census::embedded()?;
    let (apis, census_names) = select_apis(&catalog, census, &args.apis)?;
    let coverage = Coverage::of(&catalog);

    if let Some(s) = &spec {
        warn_empty(s, &coverage, "");
    }
    for b in branches.iter().flatten() {
        warn_empty(&b.spec, &coverage, &format!("branch {:?}: ", b.name));
    }

    let single = spec.as_ref().map(|s| (s, advise_all(&apis, s, &coverage)));
    let census_advice = |s: &SupportSpec| -> Vec<census::Advice> {
        census_names
            .iter()
            .map(|r| census::advise(census, r, s))
            .collect()
    };
    // catalog APIs whose prototype differs inside the window (census), with the prototypes
    let differs = |s: &SupportSpec| -> Vec<Differs> {
        apis.iter()
            .filter_map(|a| census.get(&a.name))
            .filter(|r| census.window(r, s).prototypes.len() > 1)
            .map(|r| Differs {
                name: r.name.clone(),
                prototypes: census::advise(census, r, s).prototypes,
            })
            .collect()
    };
    let per_branch: Vec<(&Branch, Vec<ApiAdvice>)> = branches
        .iter()
        .flatten()
        .map(|b| (b, advise_all(&apis, &b.spec, &coverage)))
        .collect();

    if args.json {
        let out = JsonOut {
            support: single.as_ref().map(|(s, _)| s.text()),
            supported: single.as_ref().map(|(s, _)| coverage.judged(s)),
            apis: single.as_ref().map(|(_, a)| a.as_slice()),
            prototype_differs: single.as_ref().map(|(s, _)| differs(s)),
            census_apis: single.as_ref().map(|(s, _)| census_advice(s)),
            branches: branches.as_ref().map(|_| {
                per_branch
                    .iter()
                    .map(|(b, a)| JsonSpec {
                        name: Some(&b.name),
                        support: b.spec.text(),
                        supported: coverage.judged(&b.spec),
                        apis: a,
                        prototype_differs: differs(&b.spec),
                        census_apis: census_advice(&b.spec),
                    })
                    .collect()
            }),
        };
        let text = serde_json::to_string_pretty(&out)
            .map_err(|e| Failure::failed(format!("cannot write JSON: {e}")))?;
        println!("{text}");
        return Ok(());
    }

    let mut text = String::new();
    if let Some((s, advice)) = &single {
        text.push_str(&render_spec(s, advice, &coverage, &differs(s)));
        if !census_names.is_empty() {
            text.push('\n');
            text.push_str(&census::advice_text(&census_advice(s), ""));
        }
    }
    if branches.is_some() {
        if single.is_some() {
            text.push('\n');
        }
        text.push_str(&render_branches(&per_branch, &coverage, &differs));
        if !census_names.is_empty() {
            for (b, _) in &per_branch {
                text.push_str(&format!("\n{} (census):\n", b.name));
                text.push_str(&census::advice_text(&census_advice(&b.spec), "  "));
            }
        }
    }
    text.push_str(
        "\nVerdicts come from the knowledge DB (probes/catalog.toml); on a real build the probes \
         decide (cfg have_<api>).\n",
    );
    if !census_names.is_empty() {
        text.push_str(&format!(
            "[census] verdicts and prototypes come from the headers of the {} releases the \
             census examined (cli/data/census.txt).\n",
            census.releases().len()
        ));
    }
    print!("{text}");
    Ok(())
}

/// The cell text of a verdict: `always`, `GUARD` or `no-effect`.
fn cell(v: Verdict) -> &'static str {
    match v {
        Verdict::Always => "always",
        Verdict::Guard => "GUARD",
        Verdict::NoEffect => "no-effect",
    }
}

fn join(ranges: &[FamilyRange]) -> String {
    ranges
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The detail lines of one API's advice (nothing for `always`).
fn details(a: &ApiAdvice, indent: &str) -> String {
    let mut s = String::new();
    if a.verdict == Verdict::Always {
        return s;
    }
    if !a.missing_in.is_empty() {
        let _ = writeln!(s, "{indent}missing in:   {}", join(&a.missing_in));
    }
    if !a.no_effect_in.is_empty() {
        let _ = writeln!(s, "{indent}no effect in: {}", join(&a.no_effect_in));
    }
    if a.verdict == Verdict::Guard {
        let _ = writeln!(s, "{indent}guard:        #[cfg({})]", a.cfg);
        match &a.fallback {
            Some(f) => {
                let _ = writeln!(s, "{indent}fallback:     {f}");
            }
            None => {
                let _ = writeln!(s, "{indent}fallback:     (none recorded)");
            }
        }
    }
    for n in &a.notes {
        let _ = writeln!(s, "{indent}note:         {n}");
    }
    s
}

/// A catalog API whose prototype differs inside a window, per the census.
#[derive(Serialize)]
struct Differs {
    name: String,
    /// `family releases: form`, one per run of the window's releases.
    prototypes: Vec<String>,
}

/// The cell text of an API's verdict: `always` becomes `PROTOTYPE-DIFFERS` when the census
/// shows more than one prototype inside the window (the call needs the variant cfgs).
fn shown(a: &ApiAdvice, differs: &[Differs]) -> &'static str {
    if a.verdict == Verdict::Always && differs.iter().any(|d| d.name == a.name) {
        "PROTOTYPE-DIFFERS"
    } else {
        cell(a.verdict)
    }
}

/// The census's prototypes of a `PROTOTYPE-DIFFERS` entry.
fn prototype_lines(s: &mut String, a: &ApiAdvice, differs: &[Differs], indent: &str) {
    if shown(a, differs) != "PROTOTYPE-DIFFERS" {
        return;
    }
    for d in differs.iter().filter(|d| d.name == a.name) {
        for p in &d.prototypes {
            let _ = writeln!(s, "{indent}prototype:    {p}");
        }
        let _ = writeln!(
            s,
            "{indent}variants:     {} (the call needs the variant cfgs)",
            a.cfg
        );
    }
}

/// The count line under the entries. Each count is the number of entries that show that line:
/// an API can need a guard in some versions and be without effect in others, so "need a guard"
/// and "no effect somewhere" overlap (said when they do).
fn summary(advice: &[ApiAdvice], differs: &[Differs]) -> String {
    let guard = advice
        .iter()
        .filter(|a| a.verdict == Verdict::Guard)
        .count();
    let no_effect = advice.iter().filter(|a| !a.no_effect_in.is_empty()).count();
    let both = advice
        .iter()
        .filter(|a| a.verdict == Verdict::Guard && !a.no_effect_in.is_empty())
        .count();
    let prototype = advice
        .iter()
        .filter(|a| shown(a, differs) == "PROTOTYPE-DIFFERS")
        .count();
    let always = advice
        .iter()
        .filter(|a| a.verdict == Verdict::Always)
        .count()
        - prototype;
    let overlap = if both > 0 {
        format!(" ({both} of them also need a guard)")
    } else {
        String::new()
    };
    let prototype = if prototype > 0 {
        format!(", {prototype} prototype differs")
    } else {
        String::new()
    };
    format!(
        "{} API(s): {guard} need a guard, {no_effect} no effect somewhere{overlap}{prototype}, \
         {always} always",
        advice.len()
    )
}

/// The header lines of one spec: as written, and the ranges judged.
fn spec_header(s: &mut String, label: &str, spec: &SupportSpec, coverage: &Coverage) {
    let pad = " ".repeat(label.len().saturating_sub("i.e.".len()));
    let _ = writeln!(s, "{label}: {}", spec.text());
    let _ = writeln!(s, "{pad}i.e.: {}", join(&coverage.judged(spec)));
}

fn render_spec(
    spec: &SupportSpec,
    advice: &[ApiAdvice],
    coverage: &Coverage,
    differs: &[Differs],
) -> String {
    let mut s = String::new();
    spec_header(&mut s, "Support", spec, coverage);
    s.push('\n');
    let width = advice.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in advice {
        let _ = writeln!(s, "{:<width$}  {}", a.name, shown(a, differs));
        prototype_lines(&mut s, a, differs, "    ");
        s.push_str(&details(a, "    "));
    }
    s.push('\n');
    s.push_str(&summary(advice, differs));
    s.push('\n');
    s
}

fn render_branches(
    per_branch: &[(&Branch, Vec<ApiAdvice>)],
    coverage: &Coverage,
    differs: &dyn Fn(&SupportSpec) -> Vec<Differs>,
) -> String {
    let mut s = String::new();
    let name_w = per_branch
        .iter()
        .flat_map(|(_, a)| a.iter().map(|x| x.name.len()))
        .chain(["API".len()])
        .max()
        .unwrap_or(3);
    let per_differs: Vec<Vec<Differs>> = per_branch.iter().map(|(b, _)| differs(&b.spec)).collect();
    let widths: Vec<usize> = per_branch
        .iter()
        .zip(&per_differs)
        .map(|((b, a), d)| {
            let widest = a.iter().map(|x| shown(x, d).len()).max().unwrap_or(0);
            b.name.chars().count().max("no-effect".len()).max(widest)
        })
        .collect();
    let mut header = format!("{:<name_w$}", "API");
    for ((b, _), w) in per_branch.iter().zip(&widths) {
        let _ = write!(header, "  {:<w$}", b.name);
    }
    let _ = writeln!(s, "{}", header.trim_end());
    let rows = per_branch.first().map_or(0, |(_, a)| a.len());
    for i in 0..rows {
        let mut line = format!("{:<name_w$}", per_branch[0].1[i].name);
        for (((_, a), w), d) in per_branch.iter().zip(&widths).zip(&per_differs) {
            let _ = write!(line, "  {:<w$}", shown(&a[i], d));
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
    for (b, advice) in per_branch {
        s.push('\n');
        spec_header(&mut s, &b.name, &b.spec, coverage);
        let d = differs(&b.spec);
        for a in advice.iter().filter(|a| shown(a, &d) != "always") {
            let _ = writeln!(s, "  {}  {}", a.name, shown(a, &d));
            prototype_lines(&mut s, a, &d, "      ");
            s.push_str(&details(a, "      "));
        }
        let _ = writeln!(s, "  {}", summary(advice, &d));
    }
    s
}
