//! Generates, from the real headers, the proof that sslprobe's generated externs are right.
//!
//! 1. Reads what sslprobe found (`DEP_SSLPROBE_*`: include directories, APIs present, winning
//!    prototype variants) and the catalog (`../../probes`, for each variant's kind).
//! 2. Runs bindgen on `<openssl/ssl.h>` from that include directory, allowlisting exactly the
//!    function-kind APIs present. The opaque library types are *not* generated: they are taken
//!    from `openssl_sys` (which sslprobe's externs use too), so a pointer to `SSL_CTX` means the
//!    same Rust type on both sides while constness, integer widths and callback types stay
//!    bindgen's own reading of the header.
//! 3. Writes `checks.rs`: for each function, the bindgen item is cast to a function pointer of
//!    the same arity with inferred types, and `sslprobe::sys::NAME` is assigned to it. Rust only
//!    allows that when both have exactly the same type, so any difference (`*const` vs `*mut`,
//!    `u32` vs `u64`, `c_int` vs `c_long`, a callback's parameters, the return type) is a
//!    compile error pointing at the API's line in `checks.rs`.

use sslprobe_build::catalog::Kind;
use sslprobe_build::downstream::{Metadata, KEYS};
use sslprobe_build::Catalog;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Opaque types `openssl_sys` provides: `(typedef name, struct tag)`. bindgen must not generate
/// its own copies (they would be distinct Rust types); the struct tags are aliased too, for
/// headers that spell a parameter `struct ssl_st *`.
const OPENSSL_SYS_TYPES: &[(&str, &str)] = &[
    ("SSL_CTX", "ssl_ctx_st"),
    ("SSL", "ssl_st"),
    ("SSL_METHOD", "ssl_method_st"),
    ("SSL_SESSION", "ssl_session_st"),
    ("X509", "x509_st"),
    ("BIO", "bio_st"),
    ("BIO_METHOD", "bio_method_st"),
    ("EVP_PKEY", "evp_pkey_st"),
    ("EVP_CIPHER_CTX", "evp_cipher_ctx_st"),
    ("EVP_MAC_CTX", "evp_mac_ctx_st"),
    ("OPENSSL_INIT_SETTINGS", "ossl_init_settings_st"),
];

fn main() {
    if let Err(e) = run() {
        eprintln!("\nbindgen-check: {e}\n");
        std::process::exit(1);
    }
}

/// One function to check: its name and the arity of its catalog signature.
struct Func {
    name: String,
    variant: String,
    arity: usize,
}

fn run() -> Result<(), String> {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?,
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let probes = manifest.join("../../probes");
    let (catalog, files) =
        Catalog::load(&probes).map_err(|e| format!("loading the catalog: {e}"))?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    for k in KEYS {
        println!("cargo:rerun-if-env-changed=DEP_SSLPROBE_{k}");
    }
    let meta = Metadata::parse(|k| std::env::var(format!("DEP_SSLPROBE_{k}")).ok())
        .map_err(|e| e.to_string())?;

    let mut funcs = Vec::new();
    for name in &meta.have {
        let api = catalog.get(name).ok_or_else(|| {
            format!(
                "DEP_SSLPROBE_HAVE names {name}, which {} does not list",
                probes.display()
            )
        })?;
        let variant = if api.variants.len() == 1 {
            &api.variants[0]
        } else {
            let v = meta
                .variants
                .get(name)
                .ok_or_else(|| format!("DEP_SSLPROBE_VARIANTS has no entry for {name}"))?;
            api.variant(v)
                .ok_or_else(|| format!("{name}: unknown variant {v} in DEP_SSLPROBE_VARIANTS"))?
        };
        if variant.kind != Kind::Function {
            continue;
        }
        let sig = variant
            .rust
            .as_deref()
            .ok_or_else(|| format!("{name}: function variant without a Rust signature"))?;
        let arity = arity(sig).map_err(|e| format!("{name}: signature {sig:?}: {e}"))?;
        funcs.push(Func {
            name: name.clone(),
            variant: variant.name.clone(),
            arity,
        });
    }

    let target = std::env::var("TARGET").map_err(|_| "TARGET is not set")?;
    let mut b = bindgen::Builder::default()
        .header_contents("sslprobe_bindgen_check.h", "#include <openssl/ssl.h>\n")
        .clang_arg(format!("--target={target}"))
        .allowlist_recursively(true)
        .layout_tests(false)
        .generate_comments(false)
        .formatter(bindgen::Formatter::Prettyplease)
        .raw_line("#[allow(unused_imports)]")
        .raw_line("use openssl_sys::*;");
    for dir in &meta.include {
        b = b.clang_arg(format!("-I{}", dir.display()));
    }
    for (typedef, tag) in OPENSSL_SYS_TYPES {
        b = b
            .blocklist_type(format!("^{typedef}$"))
            .blocklist_type(format!("^{tag}$"));
        b = b.raw_line(format!(
            "#[allow(dead_code)] pub type {tag} = openssl_sys::{typedef};"
        ));
    }
    for f in &funcs {
        b = b.allowlist_function(format!("^{}$", f.name));
    }
    let bindings = b.generate().map_err(|e| {
        format!(
            "bindgen failed on <openssl/ssl.h> (include dirs {:?}): {e}",
            meta.include
        )
    })?;
    let p = out.join("bindings.rs");
    bindings
        .write_to_file(&p)
        .map_err(|e| format!("{}: {e}", p.display()))?;

    let p = out.join("checks.rs");
    std::fs::write(&p, checks_rs(&funcs)).map_err(|e| format!("{}: {e}", p.display()))?;
    println!(
        "cargo:rustc-env=BINDGEN_CHECK_LIBRARY={} {}",
        meta.family, meta.version
    );
    Ok(())
}

/// The generated proofs. Each block fails to compile unless `sslprobe::sys::NAME` has exactly
/// the type of bindgen's `NAME`.
fn checks_rs(funcs: &[Func]) -> String {
    let mut o = String::from("// @generated by bindgen-check/build.rs\n\n");
    o.push_str("/// The function-kind APIs whose extern was checked, in catalog order.\n");
    o.push_str("pub const CHECKED: &[&str] = &[\n");
    for f in funcs {
        let _ = writeln!(o, "    {:?},", f.name);
    }
    o.push_str("];\n\n");
    o.push_str("/// Compile-time proofs; calling this only takes the functions' addresses.\n");
    o.push_str("#[allow(unused_assignments)]\npub fn check_all() -> usize {\n    let mut n = 0;\n");
    for f in funcs {
        let params = vec!["_"; f.arity].join(", ");
        let _ = writeln!(o, "    // {} (variant `{}`)", f.name, f.variant);
        let _ = writeln!(o, "    {{");
        let _ = writeln!(
            o,
            "        let mut f = crate::bindings::{} as unsafe extern \"C\" fn({params}) -> _;",
            f.name
        );
        let _ = writeln!(o, "        f = ::sslprobe::sys::{};", f.name);
        let _ = writeln!(o, "        n += usize::from(f as usize != 0);");
        let _ = writeln!(o, "    }}");
    }
    o.push_str("    n\n}\n");
    o
}

/// Number of parameters of a catalog signature such as
/// `(ctx: *mut SSL_CTX, cb: Option<unsafe extern "C" fn(s: *mut SSL) -> c_int>) -> c_int`:
/// top-level commas inside the first parentheses (nested `()`/`<>` skipped; `->` is not a `>`).
fn arity(sig: &str) -> Result<usize, String> {
    let s = sig.trim_start();
    let inner = s.strip_prefix('(').ok_or("does not start with `(`")?;
    let (mut paren, mut angle) = (0usize, 0usize);
    let mut count = 0;
    let mut seen_any = false;
    let mut prev = ' ';
    for c in inner.chars() {
        match c {
            '(' => paren += 1,
            ')' if paren == 0 => {
                return Ok(if seen_any { count + 1 } else { 0 });
            }
            ')' => paren -= 1,
            '<' => angle += 1,
            '>' if prev == '-' => {}
            '>' => angle = angle.checked_sub(1).ok_or("unbalanced `>`")?,
            ',' if paren == 0 && angle == 0 => {
                count += 1;
                seen_any = false;
                prev = c;
                continue;
            }
            _ => {}
        }
        if !c.is_whitespace() {
            seen_any = true;
        }
        prev = c;
    }
    Err("unbalanced parentheses".into())
}
