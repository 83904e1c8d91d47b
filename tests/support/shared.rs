//! What the tests of several packages share, std only: `tests/support` (this package's harness)
//! uses it, `sslprobe-build/tests/batching.rs` and `cli/tests/controls.rs` include it by path.
//! The one list of scrubbed variables, the system OpenSSL, the matrix cache's libraries, and
//! doctored copies of the system's library and headers.
// Each including test binary uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Whether a variable of the test's own environment is left out of every scratch build: it would
/// change what is built or probed — the C toolchain and its flags (the `cc` crate's names,
/// per-target ones included), where the library is (`OPENSSL_*`, `*_OPENSSL_*`, pkg-config),
/// sslprobe's overrides (`SSLPROBE_*`), another build script's metadata or variables (`DEP_*`,
/// `OUT_DIR`, `TARGET`, `HOST`), and cargo's own target and flags.
pub fn scrubbed(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "CC",
        "CFLAGS",
        "CXX",
        "CXXFLAGS",
        "TARGET_CC",
        "HOST_CC",
        "TARGET_CFLAGS",
        "HOST_CFLAGS",
        "CRATE_CC_NO_DEFAULTS",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "SYSROOT",
        "OUT_DIR",
        "TARGET",
        "HOST",
    ];
    EXACT.contains(&name)
        || ["OPENSSL_", "SSLPROBE_", "DEP_", "CC_", "CFLAGS_"]
            .iter()
            .any(|p| name.starts_with(p))
        || name.contains("_OPENSSL_")
}

/// The system OpenSSL's development files, found through pkg-config.
pub struct SystemOpenssl {
    /// `…/include` (holding `openssl/ssl.h`).
    pub include: PathBuf,
    /// The multiarch `…/include/<triple>/openssl` (Debian keeps `opensslconf.h` and
    /// `configuration.h` there), if any.
    pub multiarch: Option<PathBuf>,
    /// The library directory holding `libssl.so` (and `libssl.a`).
    pub lib_dir: PathBuf,
}

/// The system OpenSSL (Debian: libssl-dev and pkg-config, which `cargo xtask test` installs);
/// a missing one fails the test, naming them.
pub fn system_openssl() -> &'static SystemOpenssl {
    static SYS: OnceLock<SystemOpenssl> = OnceLock::new();
    SYS.get_or_init(|| {
        let var = |v: &str| -> PathBuf {
            let o = Command::new("pkg-config")
                .args([&format!("--variable={v}"), "openssl"])
                .output()
                .expect("pkg-config is not installed (`cargo xtask test` installs it)");
            let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
            assert!(
                o.status.success() && !s.is_empty(),
                "pkg-config knows no openssl: install libssl-dev (`cargo xtask test` does)"
            );
            PathBuf::from(s)
        };
        let (include, lib_dir) = (var("includedir"), var("libdir"));
        assert!(
            include.join("openssl/ssl.h").is_file() && lib_dir.join("libssl.so").exists(),
            "pkg-config's openssl ({} and {}) lacks openssl/ssl.h or libssl.so: install libssl-dev",
            include.display(),
            lib_dir.display()
        );
        let multiarch = Command::new("cc")
            .arg("-print-multiarch")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|m| !m.is_empty())
            .map(|m| include.join(m).join("openssl"))
            .filter(|d| d.is_dir());
        SystemOpenssl {
            include,
            multiarch,
            lib_dir,
        }
    })
}

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

/// A prefix at `dir` with the system headers and a copy of the system's static libssl in which
/// `SSL_CTX_set_num_tickets` and `SSL_set_num_tickets` are renamed (`objcopy --redefine-sym`,
/// references inside the library too): a libssl that exports everything except those two.
pub fn doctored_prefix(dir: &Path) -> PathBuf {
    let sys = system_openssl();
    let lib = dir.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    let inc = dir.join("include");
    if !inc.exists() {
        std::os::unix::fs::symlink(&sys.include, &inc).unwrap();
    }
    let st = Command::new("objcopy")
        .args([
            "--redefine-sym=SSL_CTX_set_num_tickets=sslprobe_test_hidden_1",
            "--redefine-sym=SSL_set_num_tickets=sslprobe_test_hidden_2",
        ])
        .arg(sys.lib_dir.join("libssl.a"))
        .arg(lib.join("libssl.a"))
        .status()
        .expect("objcopy (binutils, which `cargo xtask test` installs)");
    assert!(st.success(), "objcopy failed");
    std::fs::copy(sys.lib_dir.join("libcrypto.a"), lib.join("libcrypto.a")).unwrap();
    dir.to_path_buf()
}

/// An include directory at `dir` with copies of the system's `openssl/` headers, in which
/// `ssl.h` declares `uint32_t SSL_CTX_set_options(SSL_CTX *, uint32_t)` (OpenSSL 3 declares
/// `uint64_t`).
pub fn u32_headers(dir: &Path) -> PathBuf {
    let out = dir.join("openssl");
    std::fs::create_dir_all(&out).unwrap();
    for e in std::fs::read_dir(system_openssl().include.join("openssl")).unwrap() {
        let e = e.unwrap();
        let body = std::fs::read_to_string(e.path()).unwrap();
        let body = if e.file_name() == "ssl.h" {
            let from = "uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op);";
            assert!(body.contains(from), "the system's ssl.h changed");
            body.replace(
                from,
                "uint32_t SSL_CTX_set_options(SSL_CTX *ctx, uint32_t op);",
            )
        } else {
            body
        };
        std::fs::write(out.join(e.file_name()), body).unwrap();
    }
    dir.to_path_buf()
}
