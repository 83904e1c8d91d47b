//! The second opinion on every function: does the library really export it?
//!
//! `nm_agrees` is computed like this, for each API of the catalog:
//!
//! * The catalog only knows the API as a macro or define (no `function` variant):
//!   `null` — there is no symbol to look for.
//! * The probe found it as a `macro` or `define`: `null` for the same reason.
//! * Otherwise (found as a function, or absent) the API name is first **resolved through the
//!   preprocessor**: `cc -E` over the probe's own headers (after the library's pre-includes,
//!   e.g. `<wolfssl/options.h>`) expands a bare use of the name. An object-like macro alias such
//!   as wolfSSL's `#define SSL_CTX_set_num_tickets wolfSSL_CTX_set_num_tickets` resolves to the
//!   function it names; a plain function (or a function-like macro, which does not expand
//!   without parentheses) resolves to itself. The resolved name is the `symbol`.
//! * `nm_agrees` = (probe found it as a function) == (`symbol` is a defined global symbol of
//!   libssl or libcrypto). Present but not exported means the probe (or the headers) lie; absent
//!   but exported means the probe missed a real function (a wrong or missing prototype variant,
//!   or a header that hides it) — both are disagreements.
//!
//! A link-only check (autoconf's `AC_CHECK_FUNCS`, declaring `char SSL_CTX_set_num_tickets();`
//! itself) looks for the literal name and gets wolfSSL wrong; resolving the alias first is what
//! makes this check right there. When the name expands to something that is not a single
//! identifier, `symbol` is `null` and so is `nm_agrees`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use sslprobe_build::catalog::is_c_identifier;

/// The marker written before each name in the preprocessed source.
const MARK: &str = "SSLPROBE_ALIAS_";

/// The C source whose preprocessed form [`parse_aliases`] reads.
pub fn alias_source(pre_includes: &[String], includes: &[String], names: &[&str]) -> String {
    let mut s = String::new();
    for h in pre_includes {
        s.push_str(&format!("#include <{h}>\n"));
    }
    for line in includes {
        s.push_str(line);
        s.push('\n');
    }
    for (i, name) in names.iter().enumerate() {
        s.push_str(&format!("{MARK}{i} = {name} ;\n"));
    }
    s
}

/// Reads the `SSLPROBE_ALIAS_<i> = <expansion> ;` lines of preprocessed output: for each
/// name, the identifier it expands to (`None` when the expansion is not one identifier,
/// parentheses aside).
pub fn parse_aliases(preprocessed: &str, names: &[&str]) -> BTreeMap<String, Option<String>> {
    let mut found: BTreeMap<usize, Option<String>> = BTreeMap::new();
    for line in preprocessed.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix(MARK) else {
            continue;
        };
        let Some((idx, expansion)) = rest.split_once('=') else {
            continue;
        };
        let Ok(idx) = idx.trim().parse::<usize>() else {
            continue;
        };
        let expansion = expansion.trim().trim_end_matches(';');
        let ident: String = expansion
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
            .collect();
        found.insert(idx, is_c_identifier(&ident).then_some(ident));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), found.get(&i).cloned().flatten()))
        .collect()
}

/// Resolves each name through the preprocessor with `-I include_dir` (see the module docs).
pub fn resolve_aliases(
    include_dir: &Path,
    pre_includes: &[String],
    includes: &[String],
    names: &[&str],
) -> Result<BTreeMap<String, Option<String>>> {
    let source = alias_source(pre_includes, includes, names);
    let out = crate::libs::preprocess(include_dir, &["-P"], &source)
        .context("preprocessing the alias probe")?;
    Ok(parse_aliases(&out, names))
}

/// The outcome of the `nm` comparison for one API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NmCheck {
    /// `null` when not applicable (see the module docs).
    pub agrees: Option<bool>,
    /// The symbol looked for.
    pub symbol: Option<String>,
    /// Whether it is exported (`null` when not looked for).
    pub exported: Option<bool>,
}

/// The comparison for one API (pure; see the module docs for the rule).
///
/// `function_variant`: the catalog has a `function` variant for the API; `present`/`kind`: the
/// probe's result; `symbol`: the alias-resolved name; `exports`: the library's defined global
/// symbols.
pub fn check(
    function_variant: bool,
    present: bool,
    kind: Option<&str>,
    symbol: Option<&str>,
    exports: &BTreeSet<String>,
) -> NmCheck {
    let not_applicable = NmCheck {
        agrees: None,
        symbol: None,
        exported: None,
    };
    if !function_variant || (present && kind != Some("function")) {
        return not_applicable;
    }
    let Some(symbol) = symbol else {
        return not_applicable;
    };
    let exported = exports.contains(symbol);
    NmCheck {
        agrees: Some(exported == present),
        symbol: Some(symbol.to_string()),
        exported: Some(exported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn source_has_pre_includes_includes_and_marks() {
        let s = alias_source(
            &["wolfssl/options.h".into()],
            &["#include <openssl/ssl.h>".into()],
            &["A", "B"],
        );
        assert_eq!(
            s,
            "#include <wolfssl/options.h>\n#include <openssl/ssl.h>\nSSLPROBE_ALIAS_0 = A ;\nSSLPROBE_ALIAS_1 = B ;\n"
        );
    }

    #[test]
    fn aliases_are_parsed() {
        let pp = "typedef int x;\nSSLPROBE_ALIAS_0 = wolfSSL_CTX_set_num_tickets ;\n\
                  SSLPROBE_ALIAS_1 = SSL_CTX_new ;\n  SSLPROBE_ALIAS_2 = ( wolfSSL_foo ) ;\n\
                  SSLPROBE_ALIAS_3 = SSL_CTX_ctrl((ctx), 123, 0, NULL) ;\n";
        let names = [
            "SSL_CTX_set_num_tickets",
            "SSL_CTX_new",
            "foo",
            "bar",
            "missing",
        ];
        let m = parse_aliases(pp, &names);
        assert_eq!(
            m["SSL_CTX_set_num_tickets"].as_deref(),
            Some("wolfSSL_CTX_set_num_tickets")
        );
        assert_eq!(m["SSL_CTX_new"].as_deref(), Some("SSL_CTX_new"));
        assert_eq!(m["foo"].as_deref(), Some("wolfSSL_foo"));
        assert_eq!(m["bar"], None, "an expression is not an alias");
        assert_eq!(m["missing"], None);
    }

    #[test]
    fn present_function_must_be_exported() {
        let ex = exports(&["SSL_CTX_set_num_tickets"]);
        let c = check(
            true,
            true,
            Some("function"),
            Some("SSL_CTX_set_num_tickets"),
            &ex,
        );
        assert_eq!(c.agrees, Some(true));
        assert_eq!(c.exported, Some(true));
        let c = check(
            true,
            true,
            Some("function"),
            Some("SSL_set_num_tickets"),
            &ex,
        );
        assert_eq!(c.agrees, Some(false), "present but not exported");
    }

    #[test]
    fn absent_must_not_be_exported() {
        let ex = exports(&["SSL_CTX_set_num_tickets"]);
        assert_eq!(
            check(true, false, None, Some("SSL_set_num_tickets"), &ex).agrees,
            Some(true)
        );
        let c = check(true, false, None, Some("SSL_CTX_set_num_tickets"), &ex);
        assert_eq!(
            c.agrees,
            Some(false),
            "absent but exported: the probe missed it"
        );
    }

    #[test]
    fn wolfssl_alias_is_resolved_where_a_link_only_check_fails() {
        // wolfSSL: the name is a macro over wolfSSL_CTX_set_num_tickets; only that is exported.
        let ex = exports(&["wolfSSL_CTX_set_num_tickets"]);
        let link_only = check(
            true,
            true,
            Some("function"),
            Some("SSL_CTX_set_num_tickets"),
            &ex,
        );
        assert_eq!(
            link_only.agrees,
            Some(false),
            "the literal name is not exported"
        );
        let resolved = check(
            true,
            true,
            Some("function"),
            Some("wolfSSL_CTX_set_num_tickets"),
            &ex,
        );
        assert_eq!(resolved.agrees, Some(true));
        assert_eq!(
            resolved.symbol.as_deref(),
            Some("wolfSSL_CTX_set_num_tickets")
        );
    }

    #[test]
    fn macros_defines_and_unresolvable_names_are_not_applicable() {
        let ex = exports(&["SSL_CTX_set_options"]);
        for c in [
            check(true, true, Some("macro"), Some("SSL_CTX_set_options"), &ex),
            check(false, true, Some("define"), Some("SSL_OP_NO_TICKET"), &ex),
            check(false, false, None, Some("SSL_CTX_set_dh_auto"), &ex),
            check(true, true, Some("function"), None, &ex),
        ] {
            assert_eq!(c.agrees, None, "{c:?}");
            assert_eq!(c.exported, None);
        }
    }

    #[test]
    fn resolves_through_the_real_preprocessor() {
        // A real header with an object-like alias, a function-like macro and a plain name.
        let dir = std::env::temp_dir().join(format!("xtask-nm-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("openssl")).unwrap();
        std::fs::write(
            dir.join("openssl/ssl.h"),
            "#define SSL_CTX_set_num_tickets wolfSSL_CTX_set_num_tickets\n\
             #define SSL_CTX_set_options(c, o) SSL_CTX_ctrl((c), 32, (o), 0)\n\
             int SSL_CTX_new(void);\n",
        )
        .unwrap();
        let names = [
            "SSL_CTX_set_num_tickets",
            "SSL_CTX_set_options",
            "SSL_CTX_new",
        ];
        let m = resolve_aliases(&dir, &[], &["#include <openssl/ssl.h>".into()], &names).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            m["SSL_CTX_set_num_tickets"].as_deref(),
            Some("wolfSSL_CTX_set_num_tickets")
        );
        assert_eq!(
            m["SSL_CTX_set_options"].as_deref(),
            Some("SSL_CTX_set_options")
        );
        assert_eq!(m["SSL_CTX_new"].as_deref(), Some("SSL_CTX_new"));
    }
}
