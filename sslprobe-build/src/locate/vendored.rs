//! The vendored build of `openssl-sys` (`DEP_OPENSSL_VENDORED`, `DEP_OPENSSL_ROOT`).

use super::*;

/// The vendored case, from `openssl-sys`'s exports (`find_vendored.rs: get_openssl`:
/// `cargo:vendored=1`, `cargo:root=<lib_dir>/..`, include = `<root>/include`).
pub(crate) fn vendored(env: &dyn Env, target: &str) -> Result<Option<Location>> {
    let Some(flag) = env.var_os("DEP_OPENSSL_VENDORED") else {
        return Ok(None);
    };
    let flag = flag.to_string_lossy().trim().to_ascii_lowercase();
    if matches!(flag.as_str(), "" | "0" | "false" | "no" | "off") {
        return Ok(None);
    }
    let Some(root) = env.var_os("DEP_OPENSSL_ROOT") else {
        return Err(Error::NotFound {
            what: "DEP_OPENSSL_ROOT (DEP_OPENSSL_VENDORED is set, so openssl-sys built OpenSSL itself)".into(),
            searched: Vec::new(),
            hint: "openssl-sys >= 0.9 exports both; a build script only sees them when its crate \
                   depends on openssl-sys directly"
                .into(),
        });
    };
    let (name, root) = existing_dir("DEP_OPENSSL_ROOT", root)?;
    let lib_dirs = prefix_lib_dirs(&root);
    if lib_dirs.is_empty() {
        return Err(Error::NotFound {
            what: "library directory of the vendored OpenSSL (DEP_OPENSSL_ROOT)".into(),
            searched: vec![root.join("lib64"), root.join("lib")],
            hint: "the vendored build looks incomplete; try `cargo clean -p openssl-sys`".into(),
        });
    }
    let include = root.join("include");
    check_headers(&name, &include)?;
    let libs = libs_from_env(env, target)?;
    Ok(Some(Location {
        include_dirs: vec![include],
        lib_dirs,
        libs,
        // openssl-src builds `no-shared`, so determine_mode finds only .a files.
        system_libs: static_system_libs(target),
        link_static: true,
        found_by: FoundBy::Vendored,
        prefix: Some(root),
    }))
}
