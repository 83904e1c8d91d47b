//! `sslprobe compat API... [--json]`: the knowledge-DB rows for the named APIs — per family the
//! first version that has it, how it exists there (function, macro, define; per version when that
//! changes) and whether it has any effect, with the DB's note.
//!
//! The DB is the catalog compiled into the `sslprobe` crate (`probes/catalog.toml`). An unknown
//! API name is an error (exit 2) listing the closest catalog names.
//!
//! JSON (`--json`): `apis[]` with `name`, `doc`, `kinds` (every kind the API can take), and
//! `families.<openssl|libressl|boringssl|awslc>` each holding `since` (version string, BoringSSL's
//! API version as a number string; `null` when no version has it), `kind` (as of the newest
//! version range the DB describes; `null` when never or when the DB does not say), `variants`
//! (`[{from, variant, kind}]`, the DB's prototype variant per version range; may be empty),
//! `effective` (`false` for stubs and no-ops; `null` when never) and `note` (or `null`).

use crate::probe::{embedded_catalog, print_out};
use crate::Failure;
use serde_json::json;
use sslprobe_build::catalog::{Api, DbEntry, Kind};
use sslprobe_build::{Catalog, Family};
use std::fmt::Write as _;

/// Arguments of `sslprobe compat`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// API names as in the catalog, e.g. SSL_CTX_set_num_tickets.
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

/// Looks every name up; unknown names give one error listing the close matches of each.
fn lookup<'c>(catalog: &'c Catalog, names: &[String]) -> Result<Vec<&'c Api>, Failure> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for n in names {
        match catalog.get(n) {
            Some(a) => found.push(a),
            None => {
                let close = catalog.close_matches(n);
                if close.is_empty() {
                    errors.push(format!(
                        "unknown API {n:?} (not in the catalog; no close match)"
                    ));
                } else {
                    errors.push(format!(
                        "unknown API {n:?}; did you mean: {}?",
                        close.join(", ")
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(Failure::usage(format!(
            "{}\n  the catalog has {} APIs: {}",
            errors.join("\n"),
            catalog.apis.len(),
            catalog
                .apis
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )))
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
            }
        }
        if let Some(n) = &e.note {
            let _ = write!(line, " — {n}");
        }
        let _ = writeln!(o, "{line}");
    }
    o
}

fn to_json(apis: &[&Api]) -> String {
    let list: Vec<serde_json::Value> = apis
        .iter()
        .map(|api| {
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
            json!({ "name": api.name, "doc": api.doc, "kinds": kinds, "families": families })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "apis": list }))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// Runs `sslprobe compat`.
pub fn run(args: Args) -> Result<(), Failure> {
    let catalog = embedded_catalog()?;
    let apis = lookup(&catalog, &args.apis)?;
    if args.json {
        print_out(&format!("{}\n", to_json(&apis)))
    } else {
        let parts: Vec<String> = apis.iter().map(|a| text(a)).collect();
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
        let e = lookup(&c, &["SSL_CTX_set_num_ticket".into()]).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("did you mean: SSL_CTX_set_num_tickets"),
            "{}",
            e.message
        );
        assert_eq!(
            lookup(&c, &["SSL_CTX_set_num_tickets".into()])
                .unwrap()
                .len(),
            1
        );
    }
}
