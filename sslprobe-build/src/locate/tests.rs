//! Tests of locating, against real directory trees.
use super::*;
use std::fs;

const TARGET: &str = "x86_64-unknown-linux-gnu";
const PFX: &str = "X86_64_UNKNOWN_LINUX_GNU_";

/// A fake prefix: `include/openssl/ssl.h` plus the given files under it.
fn prefix_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    make_prefix(dir.path(), files);
    dir
}

fn make_prefix(root: &Path, files: &[&str]) {
    fs::create_dir_all(root.join("include/openssl")).unwrap();
    fs::write(root.join("include/openssl/ssl.h"), "/* fake */\n").unwrap();
    for f in files {
        let p = root.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "").unwrap();
    }
}

/// An env that cannot reach pkg-config.
fn env() -> MapEnv {
    MapEnv::new().set("OPENSSL_NO_PKG_CONFIG", "1")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn openssl_dir_prefers_lib64_and_keeps_lib() {
    let p = prefix_with(&[
        "lib64/libssl.so",
        "lib64/libcrypto.so",
        "lib/libssl.a",
        "lib/libcrypto.a",
    ]);
    let loc = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap();
    assert_eq!(
        loc.lib_dirs,
        vec![p.path().join("lib64"), p.path().join("lib")]
    );
    assert_eq!(loc.include_dirs, vec![p.path().join("include")]);
    assert_eq!(loc.found_by, FoundBy::OpensslDir);
    assert_eq!(loc.prefix.as_deref(), Some(p.path()));
    assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
    assert!(!loc.link_static, "both kinds present → dynamic");
    assert!(loc.system_libs.is_empty());

    let only_lib = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
    let loc = locate(&env().set("OPENSSL_DIR", only_lib.path()), TARGET).unwrap();
    assert_eq!(loc.lib_dirs, vec![only_lib.path().join("lib")]);

    let from_prefix = from_prefix(p.path(), None).unwrap();
    assert_eq!(from_prefix.lib_dirs[0], p.path().join("lib64"));
    assert_eq!(from_prefix.found_by, FoundBy::Explicit);
}

#[test]
fn target_prefixed_var_wins_over_plain() {
    let good = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
    let e = env()
        .set(format!("{PFX}OPENSSL_DIR"), good.path())
        .set("OPENSSL_DIR", "/nonexistent/openssl");
    let loc = locate(&e, TARGET).unwrap();
    assert_eq!(loc.prefix.as_deref(), Some(good.path()));
    assert_eq!(
        target_var(&e, TARGET, "OPENSSL_DIR"),
        Some(good.path().as_os_str().to_owned())
    );
    assert_eq!(
        target_var(
            &MapEnv::new().set("OPENSSL_DIR", "/x"),
            TARGET,
            "OPENSSL_DIR"
        ),
        Some("/x".into())
    );
}

#[test]
fn target_var_records_both_reads() {
    let penv = ProcessEnv::new();
    assert_eq!(
        target_var(&penv, "aarch64-linux-android", "SSLPROBE_TEST_SURELY_UNSET"),
        None
    );
    assert_eq!(
        penv.read_vars(),
        strings(&[
            "AARCH64_LINUX_ANDROID_SSLPROBE_TEST_SURELY_UNSET",
            "SSLPROBE_TEST_SURELY_UNSET"
        ])
    );
}

#[test]
fn lib_and_include_dir() {
    let p = prefix_with(&["somewhere/libssl.a", "somewhere/libcrypto.a"]);
    let e = env()
        .set("OPENSSL_LIB_DIR", p.path().join("somewhere"))
        .set("OPENSSL_INCLUDE_DIR", p.path().join("include"));
    let loc = locate(&e, TARGET).unwrap();
    assert_eq!(loc.found_by, FoundBy::LibAndIncludeDir);
    assert_eq!(loc.lib_dirs, vec![p.path().join("somewhere")]);
    assert_eq!(loc.prefix, None);
    assert!(loc.link_static, "only .a → static");
    assert_eq!(loc.system_libs, strings(&["dl", "pthread"]));
    assert_eq!(
        FoundBy::LibAndIncludeDir.to_string(),
        "OPENSSL_LIB_DIR + OPENSSL_INCLUDE_DIR"
    );
}

#[test]
fn lone_lib_dir_overrides_half_of_openssl_dir() {
    let p = prefix_with(&[
        "lib/libssl.so",
        "lib/libcrypto.so",
        "other/libssl.a",
        "other/libcrypto.a",
    ]);
    let e = env()
        .set("OPENSSL_DIR", p.path())
        .set("OPENSSL_LIB_DIR", p.path().join("other"));
    let loc = locate(&e, TARGET).unwrap();
    assert_eq!(loc.lib_dirs, vec![p.path().join("other")]);
    assert_eq!(loc.include_dirs, vec![p.path().join("include")]);
    assert_eq!(loc.found_by, FoundBy::OpensslDir);
    assert!(loc.link_static);
}

#[test]
fn openssl_libs_parsing_and_rejection() {
    let p = prefix_with(&["lib/libssl3.so", "lib/libcrypto3.so", "lib/libz.so"]);
    let e = env().set("OPENSSL_DIR", p.path());
    let loc = locate(&e.clone().set("OPENSSL_LIBS", "ssl3:crypto3:z"), TARGET).unwrap();
    assert_eq!(loc.libs, strings(&["ssl3", "crypto3", "z"]));
    let loc = locate(&e.clone().set("OPENSSL_LIBS", ""), TARGET).unwrap();
    assert!(loc.libs.is_empty());

    for bad in [
        "ssl;rm -rf",
        "ssl::crypto",
        "ssl:",
        "-lssl crypto",
        "ssl:cr/ypto",
    ] {
        let err = locate(&e.clone().set("OPENSSL_LIBS", bad), TARGET).unwrap_err();
        match &err {
            Error::InvalidInput { what, value, .. } => {
                assert_eq!(what, "OPENSSL_LIBS");
                assert_eq!(value, bad);
            }
            other => panic!("{bad}: {other}"),
        }
    }
    let err = locate(&e.clone().set(format!("{PFX}OPENSSL_LIBS"), "a b"), TARGET).unwrap_err();
    assert!(
        err.to_string().contains(&format!("{PFX}OPENSSL_LIBS")),
        "{err}"
    );
    assert_eq!(
        parse_libs("X", OsStr::new("ssl.1:c++_x-y")).unwrap(),
        strings(&["ssl.1", "c++_x-y"])
    );
}

#[test]
fn static_auto_detection() {
    let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    assert!(
        locate(&env().set("OPENSSL_DIR", only_a.path()), TARGET)
            .unwrap()
            .link_static
    );

    let both = prefix_with(&[
        "lib/libssl.a",
        "lib/libcrypto.a",
        "lib/libssl.so",
        "lib/libcrypto.so",
    ]);
    assert!(
        !locate(&env().set("OPENSSL_DIR", both.path()), TARGET)
            .unwrap()
            .link_static
    );

    // Only versioned shared objects (runtime package): neither kind is linkable.
    let none = prefix_with(&["lib/libssl.so.3", "lib/libcrypto.so.3"]);
    let err = locate(&env().set("OPENSSL_DIR", none.path()), TARGET).unwrap_err();
    match &err {
        Error::NotFound { searched, .. } => {
            assert_eq!(searched, &vec![none.path().join("lib")])
        }
        other => panic!("{other}"),
    }
    assert!(err
        .to_string()
        .contains(&none.path().join("lib").display().to_string()));

    // Mixed: libssl only static, libcrypto only shared → neither for both → error.
    let mixed = prefix_with(&["lib/libssl.a", "lib/libcrypto.so"]);
    assert!(locate(&env().set("OPENSSL_DIR", mixed.path()), TARGET).is_err());
}

#[test]
fn openssl_static_values() {
    let both = prefix_with(&[
        "lib/libssl.a",
        "lib/libcrypto.a",
        "lib/libssl.so",
        "lib/libcrypto.so",
    ]);
    let e = env().set("OPENSSL_DIR", both.path());
    assert!(
        locate(&e.clone().set("OPENSSL_STATIC", "1"), TARGET)
            .unwrap()
            .link_static
    );
    assert!(
        !locate(&e.clone().set("OPENSSL_STATIC", "0"), TARGET)
            .unwrap()
            .link_static
    );
    // As permissive as openssl-sys: anything but "0" is static.
    for v in ["", "yes please", "false", "no"] {
        assert!(
            locate(&e.clone().set("OPENSSL_STATIC", v), TARGET)
                .unwrap()
                .link_static,
            "{v:?}"
        );
    }
    // The prefixed form wins.
    let e2 = e
        .clone()
        .set("OPENSSL_STATIC", "1")
        .set(format!("{PFX}OPENSSL_STATIC"), "0");
    assert!(!locate(&e2, TARGET).unwrap().link_static);

    // An explicit request is not checked against the files (openssl-sys does not either).
    let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    let loc = locate(
        &env()
            .set("OPENSSL_DIR", only_a.path())
            .set("OPENSSL_STATIC", "0"),
        TARGET,
    )
    .unwrap();
    assert!(!loc.link_static);
}

#[cfg(unix)]
#[test]
fn openssl_static_non_utf8_means_auto() {
    use std::os::unix::ffi::OsStrExt;
    let only_a = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    let e = env()
        .set("OPENSSL_DIR", only_a.path())
        .set("OPENSSL_STATIC", OsStr::from_bytes(b"0\xff"));
    assert!(locate(&e, TARGET).unwrap().link_static);
}

#[test]
fn missing_openssl_dir_is_not_found_naming_var_and_path() {
    let err = locate(
        &env().set("OPENSSL_DIR", "/nonexistent/sslprobe-test"),
        TARGET,
    )
    .unwrap_err();
    match &err {
        Error::NotFound { what, searched, .. } => {
            assert!(what.contains("OPENSSL_DIR"), "{what}");
            assert_eq!(searched, &vec![PathBuf::from("/nonexistent/sslprobe-test")]);
        }
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("OPENSSL_DIR") && text.contains("/nonexistent/sslprobe-test"),
        "{text}"
    );

    let err = locate(
        &env().set(format!("{PFX}OPENSSL_LIB_DIR"), "/nonexistent/lib"),
        TARGET,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(&format!("{PFX}OPENSSL_LIB_DIR")),
        "{err}"
    );
}

#[test]
fn relative_and_empty_paths_are_rejected() {
    for v in ["", "relative/openssl"] {
        let err = locate(&env().set("OPENSSL_DIR", v), TARGET).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { what, .. } if what == "OPENSSL_DIR"),
            "{err}"
        );
    }
}

#[test]
fn missing_headers_and_lib_dirs() {
    let p = tempfile::tempdir().unwrap();
    fs::create_dir_all(p.path().join("lib")).unwrap();
    fs::create_dir_all(p.path().join("include")).unwrap();
    let err = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap_err();
    assert!(err.to_string().contains("ssl.h"), "{err}");

    let no_lib = tempfile::tempdir().unwrap();
    make_prefix(no_lib.path(), &[]);
    let err = locate(&env().set("OPENSSL_DIR", no_lib.path()), TARGET).unwrap_err();
    match err {
        Error::NotFound { searched, .. } => {
            assert_eq!(
                searched,
                vec![no_lib.path().join("lib64"), no_lib.path().join("lib")]
            )
        }
        other => panic!("{other}"),
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_prefix() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(OsStr::from_bytes(b"ssl-\xff\xfe-prefix"));
    make_prefix(&root, &["lib/libssl.so", "lib/libcrypto.so"]);
    let loc = locate(&env().set("OPENSSL_DIR", root.as_os_str()), TARGET).unwrap();
    assert_eq!(loc.include_dirs, vec![root.join("include")]);
    assert_eq!(loc.lib_dirs, vec![root.join("lib")]);
    let e = env()
        .set("OPENSSL_LIB_DIR", root.join("lib"))
        .set("OPENSSL_INCLUDE_DIR", root.join("include"));
    assert_eq!(locate(&e, TARGET).unwrap().lib_dirs, vec![root.join("lib")]);
    assert!(from_prefix(&root, Some(false)).is_ok());
    check_consistent_with_openssl_sys(&loc, Some(root.join("include").as_os_str())).unwrap();
}

#[test]
fn vendored() {
    let root = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    // Vendored wins over OPENSSL_DIR, as in openssl-sys's find_openssl.
    let e = env()
        .set("DEP_OPENSSL_VENDORED", "1")
        .set("DEP_OPENSSL_ROOT", root.path())
        .set("OPENSSL_DIR", "/nonexistent/ignored");
    let loc = locate(&e, TARGET).unwrap();
    assert_eq!(loc.found_by, FoundBy::Vendored);
    assert!(loc.link_static);
    assert_eq!(loc.include_dirs, vec![root.path().join("include")]);
    assert_eq!(loc.lib_dirs, vec![root.path().join("lib")]);
    assert_eq!(loc.prefix.as_deref(), Some(root.path()));
    assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
    assert_eq!(FoundBy::Vendored.to_string(), "vendored (DEP_OPENSSL_ROOT)");

    let err = locate(&env().set("DEP_OPENSSL_VENDORED", "1"), TARGET).unwrap_err();
    assert!(err.to_string().contains("DEP_OPENSSL_ROOT"), "{err}");

    // "0" is not vendored: falls through to OPENSSL_DIR.
    let e = env()
        .set("DEP_OPENSSL_VENDORED", "0")
        .set("OPENSSL_DIR", root.path());
    assert_eq!(locate(&e, TARGET).unwrap().found_by, FoundBy::OpensslDir);
}

#[test]
fn consistency_check() {
    let p = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
    let loc = locate(&env().set("OPENSSL_DIR", p.path()), TARGET).unwrap();
    let inc = p.path().join("include");
    check_consistent_with_openssl_sys(&loc, Some(inc.as_os_str())).unwrap();
    // Through a symlink: canonicalised.
    #[cfg(unix)]
    {
        let link = p.path().join("include-link");
        std::os::unix::fs::symlink(&inc, &link).unwrap();
        check_consistent_with_openssl_sys(&loc, Some(link.as_os_str())).unwrap();
    }
    check_consistent_with_openssl_sys(&loc, None).unwrap();
    check_consistent_with_openssl_sys(&loc, Some(OsStr::new(""))).unwrap();

    let other = prefix_with(&[]);
    let other_inc = other.path().join("include");
    let err = check_consistent_with_openssl_sys(&loc, Some(other_inc.as_os_str())).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&canonical(&inc).display().to_string()),
        "{text}"
    );
    assert!(
        text.contains(&canonical(&other_inc).display().to_string()),
        "{text}"
    );

    // Compiler default on our side.
    let mut default = loc.clone();
    default.include_dirs.clear();
    check_consistent_with_openssl_sys(&default, Some(OsStr::new("/usr/include"))).unwrap();
    let err = check_consistent_with_openssl_sys(&default, Some(other_inc.as_os_str())).unwrap_err();
    assert!(err.to_string().contains("default include path"), "{err}");

    // pkg-config style: several include dirs, openssl-sys exports (the last) one.
    let mut multi = loc.clone();
    multi.include_dirs = vec![other_inc.clone(), inc.clone()];
    check_consistent_with_openssl_sys(&multi, Some(inc.as_os_str())).unwrap();
}

#[test]
fn explicit_validation() {
    let p = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    let loc = from_prefix(p.path(), None).unwrap();
    assert!(loc.link_static, "only static exists → falls back to static");
    assert!(from_prefix(p.path(), Some(true)).unwrap().link_static);
    let err = from_prefix(p.path(), Some(false)).unwrap_err();
    assert!(err.to_string().contains("libssl.so"), "{err}");

    let d = from_dirs(&p.path().join("include"), &p.path().join("lib"), None).unwrap();
    assert_eq!(d.prefix, None);
    assert_eq!(d.found_by, FoundBy::Explicit);
    assert!(from_dirs(&p.path().join("lib"), &p.path().join("lib"), None).is_err());
    assert!(from_prefix(&p.path().join("nope"), None).is_err());

    let shared = prefix_with(&["lib/libssl.so", "lib/libcrypto.so"]);
    assert!(from_prefix(shared.path(), Some(true)).is_err());
    assert!(!from_prefix(shared.path(), None).unwrap().link_static);
}

#[test]
fn no_pkg_config_on_linux_is_not_found() {
    let err = locate(&env(), TARGET).unwrap_err();
    match &err {
        Error::NotFound { hint, .. } => {
            assert!(hint.contains("OPENSSL_NO_PKG_CONFIG"), "{hint}")
        }
        other => panic!("{other}"),
    }
    // Cross without PKG_CONFIG_ALLOW_CROSS: pkg-config is not consulted either.
    let err = locate(
        &MapEnv::new().set("HOST", TARGET),
        "aarch64-unknown-linux-gnu",
    )
    .unwrap_err();
    assert!(err.to_string().contains("PKG_CONFIG_ALLOW_CROSS"), "{err}");
}

#[test]
fn static_system_libs_per_target() {
    assert_eq!(
        static_system_libs("x86_64-unknown-linux-musl"),
        strings(&["dl", "pthread"])
    );
    assert_eq!(
        static_system_libs("aarch64-linux-android"),
        strings(&["dl"])
    );
    assert_eq!(static_system_libs("x86_64-pc-windows-gnu").len(), 5);
    assert!(static_system_libs("aarch64-apple-darwin").is_empty());
}

#[cfg(feature = "serde")]
#[test]
fn serde_names() {
    // serde is the contract with the CLI's JSON output.
    assert_eq!(
        toml_value(&FoundBy::LibAndIncludeDir),
        "\"lib-and-include-dir\""
    );
    assert_eq!(toml_value(&FoundBy::PkgConfig), "\"pkg-config\"");
}

#[cfg(feature = "serde")]
fn toml_value<T: serde::Serialize>(v: &T) -> String {
    #[derive(serde::Serialize)]
    struct W<'a, T: serde::Serialize> {
        v: &'a T,
    }
    toml::to_string(&W { v })
        .unwrap()
        .trim()
        .trim_start_matches("v = ")
        .to_owned()
}

/// The real thing: Debian's system OpenSSL through pkg-config (libssl-dev installed).
#[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
#[test]
fn real_system_openssl_via_pkg_config() {
    let penv = ProcessEnv::new();
    // No overrides of our own: a MapEnv, so the test does not depend on the caller's OPENSSL_*.
    let loc = locate(&MapEnv::new(), TARGET).unwrap();
    assert_eq!(loc.found_by, FoundBy::PkgConfig);
    assert_eq!(loc.libs, strings(&["ssl", "crypto"]));
    assert!(!loc.link_static);
    assert!(loc.system_libs.is_empty());
    // openssl-sys's configuration allows system cflags: /usr/include is reported.
    assert!(
        loc.include_dirs
            .iter()
            .all(|d| d == Path::new("/usr/include")),
        "{:?}",
        loc.include_dirs
    );
    check_consistent_with_openssl_sys(&loc, Some(OsStr::new("/usr/include"))).unwrap();

    // OPENSSL_STATIC in the pkg-config case (pkg-config crate's `infer_static`): mere
    // presence runs `--static`, yet /usr is a system root, so the libraries stay shared and
    // only the Libs.private extras are added (as openssl-sys links them).
    let st = locate(&MapEnv::new().set("OPENSSL_STATIC", "0"), TARGET).unwrap();
    assert_eq!(st.found_by, FoundBy::PkgConfig);
    assert_eq!(st.libs, strings(&["ssl", "crypto"]));
    assert!(!st.link_static);
    assert_eq!(st.system_libs, strings(&["dl"]));
    // ...while the <TARGET>_ form is invisible to pkg-config.
    let pst = locate(
        &MapEnv::new().set(format!("{PFX}OPENSSL_STATIC"), "1"),
        TARGET,
    )
    .unwrap();
    assert_eq!(pst, loc);

    // A lone OPENSSL_LIB_DIR is ignored when pkg-config answers (try_pkg_config exits).
    let lone = prefix_with(&["lib/libssl.a", "lib/libcrypto.a"]);
    let l = locate(
        &MapEnv::new().set("OPENSSL_LIB_DIR", lone.path().join("lib")),
        TARGET,
    )
    .unwrap();
    assert_eq!(l, loc);

    // The pkg-config variables are read through the Env (→ rerun-if-env-changed).
    let _ = locate(&penv, TARGET);
    let read = penv.read_vars();
    for name in [
        "OPENSSL_DIR",
        &format!("{PFX}OPENSSL_DIR"),
        "PKG_CONFIG_PATH",
        &format!("PKG_CONFIG_PATH_{TARGET}"),
        "PKG_CONFIG_PATH_x86_64_unknown_linux_gnu",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "PKG_CONFIG_ALLOW_CROSS",
        "PKG_CONFIG",
        "OPENSSL_NO_PKG_CONFIG",
        "OPENSSL_STATIC",
    ] {
        assert!(
            read.iter().any(|r| r == name),
            "{name} not recorded: {read:?}"
        );
    }
}
