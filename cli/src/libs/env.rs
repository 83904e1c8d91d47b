//! What a user sets for `openssl-sys` (and everything built on it) to use a built library:
//! the environment, the run-time library path, and what the family needs beyond that.

use std::ffi::OsString;

use super::{Family, Lib, Linkage, OpensslSys, Prefix};

/// The cargo feature of the `openssl` crate (and, as `bindgen`, of `openssl-sys`) that makes
/// `openssl-sys` generate its bindings with the bindgen library (BoringSSL, AWS-LC).
pub const OPENSSL_BINDGEN_FEATURE: &str = "openssl/bindgen";

/// The environment a user sets to build against `prefix` (and run, for shared libraries):
/// `OPENSSL_DIR` (or `OPENSSL_INCLUDE_DIR` and `OPENSSL_LIB_DIR` for a system package without
/// a prefix of its own), `OPENSSL_STATIC=1` for static builds, and `LD_LIBRARY_PATH` set to
/// the library directory for shared ones (the programs cargo builds must load that libssl,
/// not the system's).
pub fn user_vars(prefix: &Prefix) -> Vec<(String, OsString)> {
    let mut v: Vec<(String, OsString)> = Vec::new();
    match &prefix.prefix {
        Some(p) => v.push(("OPENSSL_DIR".into(), p.clone().into_os_string())),
        None => {
            v.push((
                "OPENSSL_INCLUDE_DIR".into(),
                prefix.include_dir.clone().into_os_string(),
            ));
            v.push((
                "OPENSSL_LIB_DIR".into(),
                prefix.lib_dir.clone().into_os_string(),
            ));
        }
    }
    match prefix.linkage {
        Linkage::Static => v.push(("OPENSSL_STATIC".into(), "1".into())),
        Linkage::Shared => v.push((
            "LD_LIBRARY_PATH".into(),
            prefix.lib_dir.clone().into_os_string(),
        )),
    }
    v
}

/// Whether `openssl-sys` must generate its Rust bindings from the library's headers: it does
/// for BoringSSL and AWS-LC, with the bindgen library when its `bindgen` feature is on
/// (libclang needed), else by running the `bindgen` program.
pub fn needs_bindgen(family: Family) -> bool {
    matches!(family, Family::BoringSsl | Family::AwsLc)
}

/// The `--features` a user of the `openssl` crate adds for `openssl-sys` to accept the
/// library ([`OPENSSL_BINDGEN_FEATURE`] for BoringSSL and AWS-LC).
pub fn features_for(family: Family) -> Option<&'static str> {
    needs_bindgen(family).then_some(OPENSSL_BINDGEN_FEATURE)
}

/// Why `openssl-sys` can never use `lib`, whatever the crate does: known before building
/// anything (`None` when it may work: then only a build tells). From the table
/// ([`Lib::openssl_sys`](super::Lib::openssl_sys)).
pub fn openssl_sys_cannot_use(lib: &Lib) -> Option<&'static str> {
    match lib.openssl_sys {
        OpensslSys::Never(why) => Some(why),
        _ => None,
    }
}

/// Whether `openssl-sys` is meant to work with `lib` as a user builds it: a failure of its
/// build script against such a library is a real failure, not a refusal. From the table.
pub fn openssl_sys_supports(lib: &Lib) -> bool {
    lib.openssl_sys == OpensslSys::Supported
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libs::find;

    /// A manifest as `lib.json` holds it (`prefix` null for a system package).
    fn prefix(family: Family, linkage: Linkage, apt: bool) -> Prefix {
        let json = serde_json::json!({
            "name": "k", "family": family.as_str(), "version": "1", "source_package": "s",
            "prefix": if apt { None } else { Some("/c/lib/prefix") },
            "include_dir": "/c/lib/prefix/include", "lib_dir": "/c/lib/prefix/lib",
            "linkage": linkage.as_str(), "ssl_lib": "/c/lib/prefix/lib/libssl.a",
            "crypto_lib": "/c/lib/prefix/lib/libcrypto.a", "link_libs": ["ssl", "crypto"],
            "pre_includes": [], "macros": {}, "build_seconds": 0.0,
            "recipe_revision": 1,
        });
        serde_json::from_value(json).expect("a valid manifest")
    }

    #[test]
    fn user_environment_is_what_a_user_sets() {
        let v = user_vars(&prefix(Family::OpenSsl, Linkage::Static, false));
        let keys: Vec<&str> = v.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["OPENSSL_DIR", "OPENSSL_STATIC"]);
        assert_eq!(v[0].1, OsString::from("/c/lib/prefix"));
        let v = user_vars(&prefix(Family::BoringSsl, Linkage::Shared, true));
        let keys: Vec<&str> = v.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["OPENSSL_INCLUDE_DIR", "OPENSSL_LIB_DIR", "LD_LIBRARY_PATH"]
        );
        assert_eq!(v[2].1, OsString::from("/c/lib/prefix/lib"));
        assert_eq!(features_for(Family::AwsLc), Some(OPENSSL_BINDGEN_FEATURE));
        assert_eq!(
            features_for(Family::BoringSsl),
            Some(OPENSSL_BINDGEN_FEATURE)
        );
        assert_eq!(features_for(Family::OpenSsl), None);
        assert_eq!(features_for(Family::LibreSsl), None);
    }

    #[test]
    fn supported_libraries() {
        let supported: Vec<&str> = crate::libs::LIBS
            .iter()
            .filter(|l| !openssl_sys_supports(l))
            .map(|l| l.key)
            .collect();
        assert_eq!(
            supported,
            [
                "boringssl-old",
                "libressl-3.1.0",
                "wolfssl-debian",
                "boringssl-android-debian"
            ]
        );
    }

    #[test]
    fn only_wolfssl_is_known_unusable_in_advance() {
        let unusable: Vec<&str> = crate::libs::LIBS
            .iter()
            .filter(|l| openssl_sys_cannot_use(l).is_some())
            .map(|l| l.key)
            .collect();
        assert_eq!(unusable, ["wolfssl-debian"]);
        assert!(openssl_sys_cannot_use(find("libressl-3.1.0").unwrap()).is_none());
    }
}
