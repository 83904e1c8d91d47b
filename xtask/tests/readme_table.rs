//! README.md's API table is generated from the catalog (`probes/`); this test fails when the
//! copy in README differs from what `sslprobe_build::docs::api_table_markdown` renders.
//!
//! Regenerate with `SSLPROBE_BLESS=1 cargo test -p xtask --test readme_table`: that rewrites only the
//! section between `<!-- api-table:start -->` and `<!-- api-table:end -->` (appending an
//! `## API catalog` section holding the markers when README has none).

use sslprobe_build::Catalog;
use std::path::Path;
use xtask::docs;
use xtask::readme::line_diff;

const REGENERATE: &str = "SSLPROBE_BLESS=1 cargo test -p xtask --test readme_table";

/// `SSLPROBE_BLESS`: unset, empty or `0` checks; `1` rewrites; anything else is refused.
fn bless() -> bool {
    match std::env::var("SSLPROBE_BLESS") {
        Err(std::env::VarError::NotPresent) => false,
        Ok(v) if v.is_empty() || v == "0" => false,
        Ok(v) if v == "1" => true,
        Ok(v) => panic!(
            "SSLPROBE_BLESS={v:?}: expected 1 (rewrite README's API table) or 0/unset (check it)"
        ),
        Err(e) => panic!("SSLPROBE_BLESS is not valid UTF-8: {e}"),
    }
}

#[test]
fn readme_api_table_is_generated_from_the_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let (catalog, _) =
        Catalog::load(&root.join("probes")).unwrap_or_else(|e| panic!("loading probes/: {e}"));
    let table = docs::api_table_markdown(&catalog);
    // The table itself must cover the whole catalog: one row per API, in catalog order.
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows.len(),
        catalog.apis.len(),
        "one row per catalog API:\n{table}"
    );
    for (row, api) in rows.iter().zip(&catalog.apis) {
        assert!(
            row.starts_with(&format!("| `{}` |", api.name)),
            "row for {}: {row}",
            api.name
        );
    }

    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .unwrap_or_else(|e| panic!("{}: {e}", readme_path.display()));
    if bless() {
        let updated = docs::SECTION
            .replace(&readme, &table, docs::MISSING)
            .unwrap_or_else(|e| panic!("{}: {e}", readme_path.display()));
        if updated != readme {
            std::fs::write(&readme_path, &updated)
                .unwrap_or_else(|e| panic!("{}: {e}", readme_path.display()));
            eprintln!("rewrote the API table in {}", readme_path.display());
        }
        assert_eq!(docs::SECTION.body(&updated), Some(table.as_str()));
        return;
    }
    match docs::SECTION.body(&readme) {
        None => panic!(
            "{} has no API table section (markers {} … {}); create it with:\n    {REGENERATE}",
            readme_path.display(),
            docs::START_MARKER,
            docs::END_MARKER
        ),
        Some(section) if section == table => {}
        Some(section) => panic!(
            "README.md's API table is out of date with probes/catalog.toml (- README, + generated):\n{}\nregenerate it with:\n    {REGENERATE}",
            line_diff(section, &table, 20)
        ),
    }
}
