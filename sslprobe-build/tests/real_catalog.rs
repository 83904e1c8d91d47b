//! The workspace's real catalog (`probes/`), read by the engine's own catalog reader, against
//! the `toml` crate reading the same file. Outside the published package (which has no
//! `probes/`): the engine's unit tests use their own fixtures.

use sslprobe_build::catalog::override_var_name;
use sslprobe_build::Catalog;
use std::collections::BTreeSet;
use std::path::Path;

fn probes() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../probes"))
}

#[test]
fn the_engine_reads_the_real_catalog_as_toml_does() {
    let (catalog, files) = Catalog::load(probes()).expect("the real catalog loads");
    let text = std::fs::read_to_string(probes().join("catalog.toml")).unwrap();
    let theirs: toml::Value = toml::from_str(&text).expect("valid TOML");
    let apis = theirs["api"].as_array().expect("[[api]] tables");
    assert_eq!(catalog.apis.len(), apis.len());
    assert!(catalog.apis.len() > 20);
    for (ours, t) in catalog.apis.iter().zip(apis) {
        assert_eq!(ours.name, t["name"].as_str().unwrap());
        assert_eq!(ours.doc, t["doc"].as_str().unwrap());
        let variants = t["variants"].as_array().unwrap();
        assert_eq!(ours.variants.len(), variants.len(), "{}", ours.name);
        for (v, tv) in ours.variants.iter().zip(variants) {
            assert_eq!(v.name, tv["name"].as_str().unwrap(), "{}", ours.name);
            assert_eq!(
                v.kind.as_str(),
                tv["kind"].as_str().unwrap(),
                "{}",
                ours.name
            );
            assert_eq!(v.rust.as_deref(), tv.get("rust").and_then(|r| r.as_str()));
        }
        let db = t["db"].as_table().unwrap();
        for (family, entry) in ours.db_rows() {
            let te = &db[family.as_str()];
            assert_eq!(
                entry.effective,
                te.get("effective")
                    .and_then(|e| e.as_bool())
                    .unwrap_or(true),
                "{} {family}",
                ours.name
            );
            assert_eq!(
                entry.note.as_deref(),
                te.get("note").and_then(|n| n.as_str())
            );
        }
    }
    // One probe file per API, plus the catalog itself.
    assert_eq!(files.len(), catalog.apis.len() + 1);
}

#[test]
fn override_variables_of_the_real_catalog_are_distinct() {
    let (catalog, _) = Catalog::load(probes()).unwrap();
    let vars: BTreeSet<String> = catalog
        .apis
        .iter()
        .map(|a| override_var_name(&a.name))
        .collect();
    assert_eq!(vars.len(), catalog.apis.len());
}
