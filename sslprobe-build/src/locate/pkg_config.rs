//! pkg-config, run as `openssl-sys` runs it (see the module docs of [`super`]).

use super::*;

/// `::pkg_config::Config::targeted_env_var`, with `target`/`host` from the caller. All four
/// names are read (recorded); the first set wins.
pub(crate) fn pkg_config_targeted(
    env: &dyn Env,
    target: &str,
    host: &str,
    base: &str,
) -> Option<OsString> {
    let kind = if host == target { "HOST" } else { "TARGET" };
    let target_u = target.replace('-', "_");
    let candidates = [
        env.var_os(&format!("{base}_{target}")),
        env.var_os(&format!("{base}_{target_u}")),
        env.var_os(&format!("{kind}_{base}")),
        env.var_os(base),
    ];
    candidates.into_iter().flatten().next()
}

/// `find_normal.rs: try_pkg_config`: `::pkg_config::Config::new().print_system_libs(false)
/// .probe("openssl")`, plus `.cargo_metadata(false)`, `.env_metadata(false)` and an explicit
/// `.statik(...)` computed from the [`Env`] the way the crate's `infer_static` would.
///
/// Returns the reason as text when pkg-config is not used or fails (`openssl-sys` prints it and
/// carries on with the default prefixes).
pub(crate) fn try_pkg_config(
    env: &dyn Env,
    target: &str,
    host: &str,
) -> std::result::Result<Location, String> {
    if target.contains("windows-msvc") {
        return Err("not used for windows-msvc targets (openssl-sys uses vcpkg there)".into());
    }
    // openssl-sys sets PKG_CONFIG_ALLOW_CROSS=1 itself in this case.
    let forced_cross = target.contains("windows-gnu") && host.contains("windows");

    // Read (and thereby record) everything the pkg-config crate reads.
    let allow_cross = pkg_config_targeted(env, target, host, "PKG_CONFIG_ALLOW_CROSS");
    let custom_exe = pkg_config_targeted(env, target, host, "PKG_CONFIG");
    let targeted_sysroot = pkg_config_targeted(env, target, host, "PKG_CONFIG_SYSROOT_DIR");
    let _ = pkg_config_targeted(env, target, host, "PKG_CONFIG_PATH");
    let _ = pkg_config_targeted(env, target, host, "PKG_CONFIG_LIBDIR");
    let plain_sysroot = env.var_os("PKG_CONFIG_SYSROOT_DIR");
    let sysroot_env = env.var_os("SYSROOT");
    let no_pkg_config = env.var_os("OPENSSL_NO_PKG_CONFIG");
    let statik = infer_static(env);

    // `::pkg_config::Config::probe`: abort variable, then `target_supported`.
    if no_pkg_config.is_some() {
        return Err("OPENSSL_NO_PKG_CONFIG is set".into());
    }
    if host != target && !forced_cross {
        let supported = match allow_cross {
            Some(v) if v == "0" => false,
            Some(_) => true,
            None => custom_exe.is_some() || targeted_sysroot.is_some(),
        };
        if !supported {
            return Err(format!(
                "cross-compiling ({host} → {target}) and PKG_CONFIG_ALLOW_CROSS is not set, nor a \
                 target-specific PKG_CONFIG or PKG_CONFIG_SYSROOT_DIR"
            ));
        }
    }

    let probe = |statik: bool| {
        ::pkg_config::Config::new()
            .print_system_libs(false)
            .cargo_metadata(false)
            .env_metadata(false)
            .statik(statik)
            .probe("openssl")
            .map_err(|e| e.to_string())
    };
    let lib = probe(statik)?;
    // The package's own libraries are what a shared link lists; with --static the rest are
    // Libs.private extras (e.g. -ldl).
    let primary = if statik {
        dedup(probe(false)?.libs)
    } else {
        dedup(lib.libs.clone())
    };
    let link_paths = dedup(lib.link_paths.clone());

    // `::pkg_config::Library::parse_libs_cflags` + `is_static_available`: libraries below a
    // system root are linked dynamically even with --static.
    let system_roots: Vec<PathBuf> = if cfg!(target_os = "macos") {
        vec![PathBuf::from("/Library"), PathBuf::from("/System")]
    } else {
        let sysroot = plain_sysroot.or(sysroot_env).map(PathBuf::from);
        if cfg!(target_os = "windows") {
            sysroot.into_iter().collect()
        } else {
            vec![sysroot.unwrap_or_else(|| PathBuf::from("/usr"))]
        }
    };
    let link_static = statik
        && !primary.is_empty()
        && primary
            .iter()
            .all(|l| static_available(l, &system_roots, &link_paths));

    let mut system_libs: Vec<String> = if statik {
        dedup(
            lib.libs
                .iter()
                .filter(|l| !primary.contains(l))
                .cloned()
                .collect(),
        )
    } else {
        Vec::new()
    };
    if link_static {
        for l in static_system_libs(target) {
            if !system_libs.contains(&l) {
                system_libs.push(l);
            }
        }
    }

    Ok(Location {
        include_dirs: dedup(lib.include_paths.clone()),
        lib_dirs: link_paths,
        libs: primary,
        system_libs,
        link_static,
        found_by: FoundBy::PkgConfig,
        prefix: None,
    })
}

/// `::pkg_config::Config::infer_static` for `openssl`: plain (never `<TARGET>_`) names, presence only.
pub(crate) fn infer_static(env: &dyn Env) -> bool {
    let openssl_static = env.var_os("OPENSSL_STATIC");
    let openssl_dynamic = env.var_os("OPENSSL_DYNAMIC");
    let all_static = env.var_os("PKG_CONFIG_ALL_STATIC");
    // Read for the record only: when it decides, the answer is `false`, the default anyway.
    let _all_dynamic = env.var_os("PKG_CONFIG_ALL_DYNAMIC");
    openssl_static.is_some() || (openssl_dynamic.is_none() && all_static.is_some())
}

/// `pkg_config::is_static_available`.
pub(crate) fn static_available(name: &str, system_roots: &[PathBuf], dirs: &[PathBuf]) -> bool {
    let mut names = vec![format!("lib{name}.a")];
    if cfg!(target_os = "windows") {
        names.push(format!("{name}.lib"));
    }
    dirs.iter().any(|dir| {
        names.iter().any(|n| dir.join(n).exists())
            && !system_roots.iter().any(|root| dir.starts_with(root))
    })
}
