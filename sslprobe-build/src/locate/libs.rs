//! Which libraries to link, and how: `OPENSSL_LIBS`, `OPENSSL_STATIC`, and what the library
//! directories hold.

use super::*;

/// `main.rs`: `OPENSSL_LIBS`, else `libssl:libcrypto` on `windows-msvc`, else `ssl:crypto`.
pub(crate) fn libs_from_env(env: &dyn Env, target: &str) -> Result<Vec<String>> {
    match target_var_named(env, target, "OPENSSL_LIBS") {
        Some((name, value)) => parse_libs(&name, &value),
        None => Ok(default_libs(target.contains("windows-msvc"))),
    }
}

pub(crate) fn default_libs(msvc: bool) -> Vec<String> {
    let names: [&str; 2] = if msvc {
        ["libssl", "libcrypto"]
    } else {
        ["ssl", "crypto"]
    };
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Colon-separated plain library names; empty means none (as in `openssl-sys`).
pub(crate) fn parse_libs(name: &str, value: &OsStr) -> Result<Vec<String>> {
    let Some(text) = value.to_str() else {
        return Err(Error::invalid(
            name,
            value.to_string_lossy(),
            "not valid UTF-8 (openssl-sys would silently ignore it and link ssl and crypto); \
             expected colon-separated library names such as \"ssl:crypto\"",
        ));
    };
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(':')
        .map(|lib| {
            let plain = !lib.is_empty()
                && lib.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'));
            if plain {
                Ok(lib.to_owned())
            } else {
                Err(Error::invalid(
                    name,
                    text,
                    format!(
                        "{lib:?} is not a plain library name: expected colon-separated names made of \
                         [A-Za-z0-9_.+-], without `lib` prefix or suffix, e.g. \"ssl:crypto\""
                    ),
                ))
            }
        })
        .collect()
}

/// `main.rs: determine_mode`'s reading of `OPENSSL_STATIC`: `"0"` → shared, any other UTF-8
/// value → static, unset or non-UTF-8 → auto-detect.
pub(crate) fn openssl_static(env: &dyn Env, target: &str) -> Option<bool> {
    target_var(env, target, "OPENSSL_STATIC").and_then(|v| v.to_str().map(|s| s != "0"))
}

/// File names (UTF-8 only, as `openssl-sys` filters them) in the library directories.
pub(crate) fn lib_files(lib_dirs: &[PathBuf]) -> Result<HashSet<String>> {
    let mut files = HashSet::new();
    for dir in lib_dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            if let Ok(name) = entry.file_name().into_string() {
                files.insert(name);
            }
        }
    }
    Ok(files)
}

/// `(can_static, can_dylib)` as computed by `main.rs: determine_mode`.
pub(crate) fn availability(files: &HashSet<String>, libs: &[String]) -> (bool, bool) {
    let can_static = libs
        .iter()
        .all(|l| files.contains(&format!("lib{l}.a")) || files.contains(&format!("{l}.lib")));
    let can_dylib = libs.iter().all(|l| {
        files.contains(&format!("lib{l}.so"))
            || files.contains(&format!("{l}.dll"))
            || files.contains(&format!("lib{l}.dylib"))
    });
    (can_static, can_dylib)
}

/// `main.rs: determine_mode`: the explicit request wins (without looking at the files); else
/// only static → static, only shared or both → shared, neither → error.
pub(crate) fn determine_mode(
    lib_dirs: &[PathBuf],
    libs: &[String],
    requested: Option<bool>,
) -> Result<bool> {
    if let Some(link_static) = requested {
        return Ok(link_static);
    }
    let files = lib_files(lib_dirs)?;
    match availability(&files, libs) {
        (true, false) => Ok(true),
        (_, true) => Ok(false),
        (false, false) => Err(missing_libs(lib_dirs, libs, None)),
    }
}

pub(crate) fn missing_libs(lib_dirs: &[PathBuf], libs: &[String], kind: Option<bool>) -> Error {
    let files = |l: &String| match kind {
        Some(true) => format!("lib{l}.a"),
        Some(false) => format!("lib{l}.so"),
        None => format!("lib{l}.a or lib{l}.so"),
    };
    let wanted = libs.iter().map(files).collect::<Vec<_>>().join(", ");
    Error::NotFound {
        what: format!("OpenSSL libraries ({wanted}) in the library directory"),
        searched: lib_dirs.to_vec(),
        hint: "the directory must contain every library to either statically or dynamically link \
               OpenSSL (openssl-sys checks the same); install the development package, fix \
               OPENSSL_DIR / OPENSSL_LIB_DIR, or adjust OPENSSL_LIBS / OPENSSL_STATIC"
            .into(),
    }
}

/// What a C link of static OpenSSL needs after `-lssl -lcrypto` on `target` (a triple, or an
/// OS name such as [`std::env::consts::OS`]): OpenSSL's own `ex_libs` (`Libs.private` of
/// `libcrypto.pc`) for the platform; on Windows the five libraries `openssl-sys` adds.
pub(crate) fn static_system_libs(target: &str) -> Vec<String> {
    let libs: &[&str] = if target.contains("windows") {
        &["gdi32", "user32", "crypt32", "ws2_32", "advapi32"]
    } else if target.contains("android") {
        &["dl"]
    } else if target.contains("linux") {
        &["dl", "pthread"]
    } else if ["freebsd", "netbsd", "openbsd", "dragonfly"]
        .iter()
        .any(|os| target.contains(os))
    {
        &["pthread"]
    } else if target.contains("solaris") || target.contains("illumos") {
        &["socket", "nsl", "dl", "pthread"]
    } else {
        &[]
    };
    libs.iter().map(|s| (*s).to_owned()).collect()
}
