//! Test fixtures of the engine's own tests: one small catalog with the shapes that matter, a
//! location, a library, the overrides read from a list of variables.

use crate::catalog::Catalog;
use crate::error::Result;
use crate::identify::Library;
use crate::locate::{FoundBy, Location};
use crate::overrides::{Assume, Overrides};
use crate::version::Family;
use std::ffi::OsString;

/// A test catalog with the shapes that matter (single and multi-variant functions, a
/// macro variant, a define), independent of edits to the real catalog.
pub(crate) const TOML: &str = r#"
[[api]]
name = "SSL_CTX_set_num_tickets"
doc = "d"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "3.5.0", effective = false, note = "stub" }
boringssl = { since = "18" }
awslc = { since = "1.2.0" }

[[api]]
name = "SSL_set_num_tickets"
doc = "d"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "3.5.0", effective = false }
boringssl = { since = "never" }
awslc = { since = "never" }

[[api]]
name = "SSL_CTX_get_num_tickets"
doc = "d"
variants = [ { name = "const_ctx", kind = "function", rust = "() -> usize" }, { name = "mut_ctx", kind = "function", rust = "() -> usize" } ]
[api.db]
openssl = { since = "1.1.1", variant = "const_ctx" }
libressl = { since = "3.5.0", variant = "const_ctx" }
boringssl = { since = "19", variant = "const_ctx" }
awslc = { since = "1.4.0", variant = "const_ctx" }

[[api]]
name = "SSL_CTX_set_keylog_callback"
doc = "d"
variants = [ { name = "fn", kind = "function", rust = "()" } ]
[api.db]
openssl = { since = "1.1.1" }
libressl = { since = "3.5.0", effective = false }
boringssl = { since = "1" }
awslc = { since = "1.0.0" }

[[api]]
name = "SSL_CTX_set_options"
doc = "d"
variants = [
  { name = "u64", kind = "function", rust = "() -> u64" },
  { name = "c_ulong", kind = "function", rust = "() -> c_ulong" },
  { name = "u32", kind = "function", rust = "() -> u32" },
  { name = "c_long_macro", kind = "macro" },
]
[api.db]
openssl = { since = "1.0.2", variant = { "1.0.2" = "c_long_macro", "1.1.0" = "u64", "3.0.0" = "u64" } }
libressl = { since = "2.0.0", variant = "c_long_macro" }
boringssl = { since = "1", variant = "u32" }
awslc = { since = "1.0.0", variant = "u32" }

[[api]]
name = "SSL_OP_NO_TICKET"
doc = "d"
variants = [ { name = "define", kind = "define" } ]
[api.db]
openssl = { since = "0.9.8" }
libressl = { since = "2.0.0" }
boringssl = { since = "1" }
awslc = { since = "1.0.0" }
"#;

/// [`TOML`] with a C file per API.
pub(crate) fn catalog() -> Catalog {
    let c = |vs: &[&str]| {
        let mut s = String::from("#include <openssl/ssl.h>\n");
        for v in vs {
            s.push_str(&format!("SSLPROBE_VARIANT({v})\n{{ }}\n"));
        }
        s
    };
    let files = [
        ("ssl_ctx_set_num_tickets.c", c(&["fn"])),
        ("ssl_set_num_tickets.c", c(&["fn"])),
        ("ssl_ctx_get_num_tickets.c", c(&["const_ctx", "mut_ctx"])),
        ("ssl_ctx_set_keylog_callback.c", c(&["fn"])),
        (
            "ssl_ctx_set_options.c",
            c(&["u64", "c_ulong", "u32", "c_long_macro"]),
        ),
        ("ssl_op_no_ticket.c", c(&["define"])),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, s)| (*n, s.as_str())).collect();
    Catalog::from_sources(TOML, &files).expect("the test catalog loads")
}

/// A location with no directories, linking `ssl` and `crypto`.
pub(crate) fn location() -> Location {
    Location {
        include_dirs: vec![],
        lib_dirs: vec![],
        libs: vec!["ssl".into(), "crypto".into()],
        system_libs: vec![],
        link_static: false,
        found_by: FoundBy::Explicit,
        prefix: None,
    }
}

/// The library `SSLPROBE_ASSUME=<family>-<v>` stands for.
pub(crate) fn lib(family: Family, v: &str) -> Library {
    Assume {
        family,
        version: v.parse().unwrap(),
        text: String::new(),
    }
    .library()
}

/// The overrides `vars` set, read against [`catalog`].
pub(crate) fn overrides(vars: &[(&str, &str)]) -> Result<Overrides> {
    Overrides::from_vars(
        &catalog(),
        vars.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    )
}
