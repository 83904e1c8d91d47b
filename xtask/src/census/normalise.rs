//! Normalising what the compiler reports: prototypes, macro parameter lists, and which macro
//! names are internal (include guards, reserved names) rather than API.

/// A function type with whitespace collapsed: `int (SSL_CTX *, size_t)`.
pub fn prototype(ty: &str) -> String {
    let mut out = String::with_capacity(ty.len());
    for word in ty.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A macro parameter list without spaces: `(ctx,m)`.
pub fn params(list: &str) -> String {
    list.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a macro is not API: a reserved name (`_`-prefixed) or an include guard
/// (`HEADER_SSL_H`, `OPENSSL_HEADER_SSL_H`, `OPENSSL_SSL_H`, `*_H_`, `*_H_INCLUDED`).
pub fn is_internal_macro(name: &str) -> bool {
    name.starts_with('_')
        || name.ends_with("_H")
        || name.ends_with("_H_")
        || name.ends_with("_H__")
        || name.ends_with("_H_INCLUDED")
        || name.starts_with("OPENSSL_HEADER_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_collapse_whitespace() {
        assert_eq!(
            prototype("int  (SSL_CTX *,\n size_t)"),
            "int (SSL_CTX *, size_t)"
        );
        assert_eq!(params("(ctx, m )"), "(ctx,m)");
    }

    #[test]
    fn guards_and_reserved_names_are_internal() {
        for n in [
            "HEADER_SSL_H",
            "OPENSSL_HEADER_SSL_H",
            "OPENSSL_SSL_H",
            "_OPENSSL_X",
            "__STDC__",
        ] {
            assert!(is_internal_macro(n), "{n}");
        }
        for n in [
            "SSL_OP_NO_TLSv1_3",
            "OPENSSL_VERSION_NUMBER",
            "SSL_CTX_set_mode",
        ] {
            assert!(!is_internal_macro(n), "{n}");
        }
    }
}
