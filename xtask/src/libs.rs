//! The library table, build recipes, cache and source fetching: `sslprobe_cli::libs` (the
//! `sslprobe matrix` command uses the same ones), re-exported whole, plus what is specific to
//! this repository: LibreSSL release tarballs come from `$SSLPROBE_SOURCES`, else
//! `../shared/sources` beside the workspace ([`sources_dir`], [`options_from_env`]).

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use sslprobe_cli::libs::*;

/// `../shared/sources` beside the workspace root: where this repository's tasks look for
/// release tarballs when `$SSLPROBE_SOURCES` is not set.
pub fn beside_workspace() -> DefaultSources {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    let xtask = xtask.canonicalize().unwrap_or_else(|_| xtask.to_path_buf());
    let root = xtask.parent().map_or(xtask.clone(), Path::to_path_buf);
    let beside = root.parent().unwrap_or(&root).join("shared/sources");
    DefaultSources {
        description: "../shared/sources (beside the workspace)".into(),
        dir: beside,
    }
}

/// The sources directory: `$SSLPROBE_SOURCES`, else `../shared/sources` beside the workspace
/// ([`beside_workspace`]); `Ok(Err(why))` when there is none.
pub fn sources_dir() -> Result<std::result::Result<PathBuf, String>> {
    sources_dir_with(Some(&beside_workspace()))
}

/// [`Options::from_env`] with this repository's default sources directory.
pub fn options_from_env() -> Result<Options> {
    let mut opts = Options::from_env()?;
    opts.default_sources = Some(beside_workspace());
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `include:` entries (`lib`, `dir`, `recipe`) of the CI workflow's matrix job.
    fn ci_matrix_entries(yaml: &str) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut lib: Option<String> = None;
        let mut dir: Option<String> = None;
        for line in yaml.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("- lib:") {
                lib = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("dir:") {
                dir = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("recipe:") {
                if let (Some(l), Some(d)) = (lib.take(), dir.take()) {
                    out.push((l, d, v.trim().to_string()));
                }
            }
        }
        out
    }

    #[test]
    fn ci_workflow_matrix_matches_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../.github/workflows/ci.yml");
        let yaml = std::fs::read_to_string(path).expect("read .github/workflows/ci.yml");
        let got = ci_matrix_entries(&yaml);
        let want: Vec<(String, String, String)> = LIBS
            .iter()
            .map(|l| {
                (
                    l.key.to_string(),
                    l.cache_dir_name(),
                    l.recipe_revision().to_string(),
                )
            })
            .collect();
        let expected_yaml: String = want
            .iter()
            .map(|(k, d, r)| {
                format!("          - lib: {k}\n            dir: {d}\n            recipe: {r}\n")
            })
            .collect();
        assert_eq!(
            got, want,
            "ci.yml's matrix `include:` is out of date; it should read:\n{expected_yaml}"
        );
        // the library cache is keyed on the entry's recipe revision, not on file hashes (an
        // edit that changes no recipe must not rebuild every library)
        assert!(
            yaml.contains("${{ matrix.dir }}-r${{ matrix.recipe }}"),
            "cache key"
        );
    }

    #[test]
    fn the_repository_default_is_beside_the_workspace() {
        let d = beside_workspace();
        assert!(d.dir.ends_with("shared/sources"), "{}", d.dir.display());
        assert_eq!(
            options_from_env().unwrap().default_sources,
            Some(beside_workspace())
        );
    }

    #[test]
    fn the_census_paths_still_resolve() {
        // xtask/src/census imports these through crate::libs
        let lib = find("openssl-1.1.1w").expect("in the table");
        assert!(matches!(
            lib.source,
            Source::Crate {
                recipe: Recipe::OpenSsl { .. },
                ..
            }
        ));
        assert_eq!(lib.linkage, Linkage::Static);
        assert!(default_cache_dir().is_ok());
        assert_eq!(parse_keys("awslc").unwrap()[0].key, "awslc");
        let _: fn(&Lib, &Path) -> Option<Prefix> = load_cached;
        let _: fn(&Path, Linkage) -> Result<std::collections::BTreeSet<String>> = defined_symbols;
    }
}
