//! The matrix cache's libraries, for the tests of this package and of `sslprobe-build`
//! (`sslprobe-build/tests/batching.rs` includes this file by path): std only.

use std::path::{Path, PathBuf};

/// The prefix of OpenSSL `version`'s static build in the matrix cache (`$SSLPROBE_MATRIX_CACHE`,
/// default `~/.cache/sslprobe/libs`). `cargo xtask test` builds the ones the tests use (as
/// `cargo xtask libs --libs openssl-<version>` does); a missing one fails the test, saying so.
pub fn cached_openssl(version: &str) -> PathBuf {
    let cache = std::env::var_os("SSLPROBE_MATRIX_CACHE")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/sslprobe/libs")))
        .expect("neither SSLPROBE_MATRIX_CACHE nor HOME is set");
    let suffix = format!("+{version}-static");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cache)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(&suffix))
        })
        .map(|d| d.join("prefix"))
        .filter(|p| p.join("include/openssl/ssl.h").is_file() && p.join("lib/libssl.a").is_file())
        .collect();
    dirs.sort();
    dirs.pop().unwrap_or_else(|| {
        panic!(
            "OpenSSL {version} is not in the matrix cache {}: `cargo xtask test` builds it, \
             or `cargo xtask libs --libs openssl-{version}`",
            cache.display()
        )
    })
}
