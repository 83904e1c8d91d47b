//! `sslprobe compat API... [--json]`: where each named API exists. Every answer says where it
//! comes from:
//!
//! * *catalog* — one of the curated APIs compiled into the `sslprobe` crate
//!   (`probes/catalog.toml`), probed by the library matrix: per family the first version that
//!   has it, how it exists there (function, macro, define; per version when that changes),
//!   whether it has any effect, and the DB's note; plus the census evidence below when the
//!   census knows the name;
//! * *census* — any other name declared by the headers of the examined releases
//!   (`cli/data/census.txt`, see [`crate::census`]): per family where it is present, in what form
//!   and prototype, when it first appeared / disappeared, and whether built libraries export it.
//!
//! Names are matched exactly, then as cfg names (`have_ssl_ctx_set_num_tickets`), then in any
//! letter case. An unknown name is an error (exit 2) with the closest catalog and census names.
//!
//! JSON (`--json`): `apis[]` in the order asked. Catalog answers: `name`, `source: "catalog"`,
//! `doc`, `kinds` (every kind the API can take), `census` (the census answer or `null`), and
//! `families.<openssl|libressl|boringssl|awslc>` each holding `since` (version string,
//! BoringSSL's API version as a number string; `null` when no version has it), `kind` (as of the
//! newest version range the DB describes; `null` when never or when the DB does not say),
//! `variants` (`[{from, variant, kind}]`, the DB's prototype variant per version range; may be
//! empty), `effective` (`false` for stubs and no-ops; `null` when never), `needed` (`false`
//! where the API works but the library already behaves as it would make it; `null` when
//! never) and `note` (or `null`).
//! Census answers: `name`, `source: "census"`, `releases_examined`, `families.<family>`
//! (`openssl`, `libressl`, `boringssl`, `awslc`, `wolfssl`) with `examined`, `examined_range`,
//! `runs[]` (`from`, `to`, `releases`, `libs` — the matrix libraries in the run that are
//! releases of their own, such as `openssl-1.1.1w-shared` — and `shape` or `null` when
//! absent), `first_seen`, `removed`, `prototype_changes`, `exported_in`,
//! `declared_not_exported` and `not_examined` (matrix libraries of the family the census could
//! not read, `key: why`; a family with none examined has only `examined: 0` and this).
//! A release text names its matrix library when its version alone does not identify it:
//! `API 17 [boringssl-android-debian]`, `1.1.1w [openssl-1.1.1w-shared]`.

use crate::census::{self, Census};
use crate::census_data::Record;
use crate::probe::{embedded_catalog, print_out};
use crate::Failure;
use serde_json::json;
use sslprobe_build::catalog::{Api, DbEntry, Kind};
use sslprobe_build::{Catalog, Family};
use std::fmt::Write as _;

/// Arguments of `sslprobe compat`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// API names, e.g. SSL_CTX_set_num_tickets (any letter case; the cfg name
    /// have_ssl_ctx_set_num_tickets works too).
    #[arg(required = true, value_name = "API")]
    apis: Vec<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// The kind the DB gives for a family, as of its newest version range: the named variant's kind,
/// or the one kind all variants share when the DB names none.
fn family_kind(api: &Api, e: &DbEntry) -> Option<Kind> {
    e.since.as_ref()?;
    if let Some((_, v)) = e.variants.last() {
        return api.variant(v).map(|v| v.kind);
    }
    let first = api.variants.first()?.kind;
    api.variants
        .iter()
        .all(|v| v.kind == first)
        .then_some(first)
}

fn version_text(family: Family, v: &sslprobe_build::Version) -> String {
    match family {
        Family::BoringSsl => format!("API {v}"),
        _ => v.to_string(),
    }
}

/// Where a name's answer comes from.
pub enum Resolved<'a> {
    /// One of the curated catalog APIs (probed by the matrix; notes, stubs, variants).
    Catalog(&'a Api),
    /// Any other name the census knows (header and export evidence).
    Census(&'a Record),
}

/// Finds a catalog API as typed: exact name, cfg name (`have_ssl_ctx_set_num_tickets`), or a
/// unique case-insensitive match.
pub fn catalog_api<'c>(catalog: &'c Catalog, raw: &str) -> Option<&'c Api> {
    for s in census::spellings(raw) {
        if let Some(a) = catalog.get(&s) {
            return Some(a);
        }
        let lower = s.to_ascii_lowercase();
        if let Some(a) = catalog.apis.iter().find(|a| a.cfg() == lower) {
            return Some(a);
        }
        let mut ci = catalog
            .apis
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case(&s));
        if let (Some(a), None) = (ci.next(), ci.next()) {
            return Some(a);
        }
    }
    None
}

/// Resolves a name against the catalog first, then the census.
pub fn resolve<'a>(catalog: &'a Catalog, census: &'a Census, raw: &str) -> Option<Resolved<'a>> {
    catalog_api(catalog, raw)
        .map(Resolved::Catalog)
        .or_else(|| census.find(raw).map(Resolved::Census))
}

/// Looks every name up; unknown names give one error with a suggestion for each.
fn lookup<'c>(
    catalog: &'c Catalog,
    census: &'c Census,
    names: &[String],
) -> Result<Vec<Resolved<'c>>, Failure> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for n in names {
        match resolve(catalog, census, n) {
            Some(r) => found.push(r),
            None => errors.push(census::unknown_name(n.trim(), catalog, Some(census))),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(Failure::usage(errors.join("\n")))
    }
}

/// Text for one API.
fn text(api: &Api) -> String {
    let mut o = String::new();
    let kinds: Vec<&str> = api
        .variants
        .iter()
        .map(|v| v.kind.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let _ = writeln!(o, "{} — {}", api.name, api.doc);
    let _ = writeln!(
        o,
        "  source: catalog (probed by the library matrix, with curated notes, stubs and variants)"
    );
    let _ = writeln!(o, "  cfg {} ({})", api.cfg(), kinds.join(" / "));
    for (f, e) in api.db_rows() {
        let mut line = format!("  {:<10} ", f.display_name());
        match &e.since {
            None => line.push_str("never"),
            Some(since) => {
                let _ = write!(line, "since {}", version_text(f, since));
                if e.variants.is_empty() {
                    if let Some(k) = family_kind(api, e) {
                        let _ = write!(line, ", {k}");
                    }
                } else {
                    let parts: Vec<String> = e
                        .variants
                        .iter()
                        .map(|(from, v)| {
                            let from = if from < since { since } else { from };
                            let kind = api.variant(v).map_or("?", |v| v.kind.as_str());
                            format!("{kind} `{v}` from {}", version_text(f, from))
                        })
                        .collect();
                    let _ = write!(line, ", {}", parts.join(", "));
                }
                if !e.effective {
                    line.push_str(", NO EFFECT");
                }
                if !e.needed {
                    line.push_str(", not needed");
                }
            }
        }
        if let Some(n) = &e.note {
            let _ = write!(line, " — {n}");
        }
        let _ = writeln!(o, "{line}");
    }
    o
}

/// JSON for one catalog API (with the census's evidence for it, when it has some).
fn catalog_json(api: &Api, census: &Census) -> serde_json::Value {
    let mut families = serde_json::Map::new();
    for (f, e) in api.db_rows() {
        let variants: Vec<serde_json::Value> = e
            .variants
            .iter()
            .map(|(from, v)| {
                json!({
                    "from": from.to_string(),
                    "variant": v,
                    "kind": api.variant(v).map(|v| v.kind.as_str()),
                })
            })
            .collect();
        families.insert(
            f.as_str().to_string(),
            json!({
                "since": e.since.as_ref().map(|v| v.to_string()),
                "kind": family_kind(api, e).map(|k| k.as_str()),
                "variants": variants,
                "effective": e.since.as_ref().map(|_| e.effective),
                "needed": e.since.as_ref().map(|_| e.needed),
                "note": e.note,
            }),
        );
    }
    let mut kinds: Vec<&str> = Vec::new();
    for v in &api.variants {
        if !kinds.contains(&v.kind.as_str()) {
            kinds.push(v.kind.as_str());
        }
    }
    json!({
        "name": api.name,
        "source": "catalog",
        "doc": api.doc,
        "kinds": kinds,
        "families": families,
        "census": census.get(&api.name).map(|r| census::json(census, r)),
    })
}

/// Runs `sslprobe compat`.
pub fn run(args: Args) -> Result<(), Failure> {
    let catalog = embedded_catalog()?;
    let census = census::embedded()?;
    let found = lookup(&catalog, census, &args.apis)?;
    if args.json {
        // answers keep the order asked, catalog and census ones alike
        let values: Vec<serde_json::Value> = found
            .iter()
            .map(|r| match r {
                Resolved::Catalog(a) => catalog_json(a, census),
                Resolved::Census(rec) => census::json(census, rec),
            })
            .collect();
        let doc = serde_json::to_string_pretty(&json!({ "apis": values }))
            .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
        print_out(&format!("{doc}\n"))
    } else {
        let parts: Vec<String> = found
            .iter()
            .map(|r| match r {
                Resolved::Catalog(a) => {
                    let mut t = text(a);
                    if let Some(rec) = census.get(&a.name) {
                        // the census's evidence for the same name, under the catalog answer
                        let c = census::text(census, rec);
                        let mut lines = c.lines();
                        if let Some(head) = lines.next() {
                            let from = head.split_once(" — ").map_or(head, |(_, r)| r);
                            t.push_str(&format!("  {from}:\n"));
                        }
                        for l in lines {
                            t.push_str(&format!("  {l}\n"));
                        }
                    }
                    t
                }
                Resolved::Census(rec) => census::text(census, rec),
            })
            .collect();
        print_out(&parts.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_per_family() {
        let c = embedded_catalog().map_err(|f| f.message).unwrap();
        let peer = c.get("SSL_get_peer_certificate").unwrap();
        assert_eq!(
            family_kind(peer, peer.db_get(Family::OpenSsl).unwrap()),
            Some(Kind::Macro)
        );
        assert_eq!(
            family_kind(peer, peer.db_get(Family::LibreSsl).unwrap()),
            Some(Kind::Function)
        );
        let t = c.get("SSL_CTX_set_num_tickets").unwrap();
        assert_eq!(
            family_kind(t, t.db_get(Family::OpenSsl).unwrap()),
            Some(Kind::Function)
        );
        let get1 = c.get("SSL_get1_peer_certificate").unwrap();
        assert_eq!(
            family_kind(get1, get1.db_get(Family::BoringSsl).unwrap()),
            None
        );
    }

    #[test]
    fn unknown_names_suggest() {
        let c = embedded_catalog().map_err(|f| f.message).unwrap();
        let census = census::embedded().map_err(|f| f.message).unwrap();
        let e = lookup(&c, census, &["SSL_CTX_set_num_ticket".into()])
            .err()
            .unwrap();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("did you mean SSL_CTX_set_num_tickets"),
            "{}",
            e.message
        );
        for name in [
            "SSL_CTX_set_num_tickets",
            "ssl_ctx_SET_num_tickets",
            "have_ssl_ctx_set_num_tickets",
        ] {
            assert!(
                matches!(
                    lookup(&c, census, &[name.into()]).ok().as_deref(),
                    Some([Resolved::Catalog(a)]) if a.name == "SSL_CTX_set_num_tickets"
                ),
                "{name}"
            );
        }
        assert!(matches!(
            lookup(&c, census, &["SSL_CTX_new".into()]).ok().as_deref(),
            Some([Resolved::Census(r)]) if r.name == "SSL_CTX_new"
        ));
    }
}
