//! The catalog: the one table of truth.
//!
//! A catalog is a directory (the root crate's `probes/`) holding `catalog.toml` and one small C
//! file per API, named after the API in lower case (`ssl_ctx_set_num_tickets.c`). Everything
//! else — cfg names, `rustc-check-cfg` lines, `DEP_SSLPROBE_*` metadata, Rust `extern`
//! declarations, the knowledge DB embedded in the runtime crate, README's API table — is derived
//! from it. Adding an API is one `[[api]]` entry plus its C file.
//!
//! ## `catalog.toml`
//!
//! ```toml
//! [[api]]
//! name = "SSL_CTX_set_num_tickets"
//! doc = "How many TLS 1.3 session tickets a server sends after a full handshake."
//! variants = [
//!   { name = "fn", kind = "function", rust = "(ctx: *mut SSL_CTX, num_tickets: usize) -> c_int" },
//! ]
//! [api.db]
//! openssl  = { since = "1.1.1" }
//! libressl = { since = "3.5.0", effective = false, note = "stub: stores a value nothing reads" }
//! boringssl = { since = "17", needed = false, note = "BORINGSSL_API_VERSION; capped at 16" }
//! awslc    = { since = "1.2.0", needed = false, note = "capped at 16" }
//! ```
//!
//! A family's row: `since` (the first version that has the API, or `"never"`), `variant` (the
//! prototype variant the DB expects, one name or a table of version = name), `effective = false`
//! for a stub or no-op, `needed = false` where the API works but the library already behaves as
//! it would make it (BoringSSL's TLS 1.3 server sends no ticket once `SSL_OP_NO_TICKET` is set),
//! and a `note`.
//!
//! The file is TOML, and the engine reads it with a reader of the subset above (no TOML crate:
//! this crate is every downstream crate's build-dependency): comments, `[[api]]` and `[api.db]`
//! headers, `key = value` with strings (basic or literal, one line), booleans, arrays (over
//! several lines) and one-line inline tables. Anything else — numbers, dates, multi-line
//! strings, dotted keys, a key given twice, an unknown field, a value of the wrong type — is an
//! error naming the line (`catalog.toml: line 12: SSL_foo: unknown field ...`).
//!
//! A variant is one way the API can exist: a function with a given prototype, a function-like
//! macro, or a preprocessor define. The first variant (in catalog order) whose probe compiles and
//! links wins; its name becomes the value of the API's cfg when there is more than one.
//!
//! ## Probe files
//!
//! A probe file is plain C: a preamble of `#include` lines and comments, then one block per
//! variant, each opened by a line `SSLPROBE_VARIANT(name)` followed by a function body:
//!
//! ```c
//! #include <openssl/ssl.h>
//!
//! SSLPROBE_VARIANT(fn)
//! {
//!     int (*volatile p)(SSL_CTX *, size_t) = SSL_CTX_set_num_tickets;
//!     (void)p;
//! }
//! ```
//!
//! The engine turns each block into its own function (see [`crate::probe`]); `probes/sslprobe.h`
//! defines the macro so a file can also be compiled by hand.

use crate::error::{Error, Result};
use crate::version::{Family, Version};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How an API is present in a library, as probed.
///
/// ```
/// use sslprobe_build::Kind;
/// let kinds: Vec<String> = Kind::ALL.iter().map(|k| k.to_string()).collect();
/// assert_eq!(kinds, ["function", "macro", "define", "type", "member"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Kind {
    /// An exported function (possibly also `#define X X`, or an object-like macro alias of one).
    Function,
    /// A function-like macro (usually over `SSL_CTX_ctrl`); there is no symbol to link.
    Macro,
    /// A preprocessor constant such as `SSL_OP_NO_TICKET`.
    Define,
    /// A type name such as `OSSL_LIB_CTX` (usable through a pointer; may be opaque).
    Type,
    /// A member of a complete struct or union type.
    Member,
}

impl Kind {
    /// Every kind, in declaration order.
    ///
    /// ```
    /// assert_eq!(sslprobe_build::Kind::ALL[0], sslprobe_build::Kind::Function);
    /// ```
    pub const ALL: [Kind; 5] = [
        Kind::Function,
        Kind::Macro,
        Kind::Define,
        Kind::Type,
        Kind::Member,
    ];

    /// The lower-case name used in JSON and the catalog.
    ///
    /// ```
    /// assert_eq!(sslprobe_build::Kind::Macro.as_str(), "macro");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Macro => "macro",
            Kind::Define => "define",
            Kind::Type => "type",
            Kind::Member => "member",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way an API can exist, with the C code that proves it.
///
/// ```
/// use sslprobe_build::{Catalog, Kind};
/// let toml = r#"
/// [[api]]
/// name = "SSL_get0_group_name"
/// doc = "The name of the group a connection negotiated."
/// variants = [ { name = "fn", kind = "function", rust = "(s: *const SSL) -> *const c_char" } ]
/// [api.db]
/// openssl = { since = "3.2.0" }
/// libressl = { since = "never" }
/// boringssl = { since = "never" }
/// awslc = { since = "never" }
/// "#;
/// let c = "#include <openssl/ssl.h>\nSSLPROBE_VARIANT(fn)\n{\n    (void)SSL_get0_group_name;\n}\n";
/// let catalog = Catalog::from_sources(toml, &[("ssl_get0_group_name.c", c)])?;
/// let v = &catalog.apis[0].variants[0];
/// assert_eq!((v.name.as_str(), v.kind), ("fn", Kind::Function));
/// assert_eq!(v.rust.as_deref(), Some("(s: *const SSL) -> *const c_char"));
/// assert_eq!((v.line, v.body.as_str()), (3, "{\n    (void)SSL_get0_group_name;\n}\n"));
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Variant {
    /// Short identifier, unique within the API (`fn`, `u64`, `macro`, ...). Becomes a cfg value.
    pub name: String,
    /// Function, macro or define.
    pub kind: Kind,
    /// For functions: the Rust signature after the name, e.g. `(ctx: *mut SSL_CTX) -> c_int`.
    pub rust: Option<String>,
    /// The C body of the probe (from the probe file), including its braces.
    pub body: String,
    /// 1-based line in the probe file where the body starts (after the marker line).
    pub line: usize,
}

/// What the knowledge DB says about one API in one family.
///
/// ```
/// use sslprobe_build::{Family, Version};
/// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
/// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
/// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
/// let openssl = catalog.apis[0].db_get(Family::OpenSsl).unwrap();
/// assert_eq!(openssl.since, Some(Version::new(1, 0, 2)));
/// assert_eq!(openssl.variants[1], (Version::new(1, 1, 0), "u64".to_string()));
/// assert!(openssl.effective && openssl.note.is_none());
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DbEntry {
    /// First version that has the API (`None`: no version has it).
    pub since: Option<Version>,
    /// Version ranges that override the variant: `(from, variant)` sorted by version.
    pub variants: Vec<(Version, String)>,
    /// Whether calling it has any effect (false for LibreSSL's stubs, AWS-LC's no-ops).
    pub effective: bool,
    /// Whether it is needed for what it is for (`needed = false` in the catalog): false where
    /// the API works but the library already behaves that way without it, e.g.
    /// `SSL_CTX_set_num_tickets(ctx, 0)` on BoringSSL, whose TLS 1.3 server sends no ticket
    /// once `SSL_OP_NO_TICKET` is set. The runtime reports such a call as "not needed".
    pub needed: bool,
    /// One line of context.
    pub note: Option<String>,
}

impl DbEntry {
    /// Whether `version` of this family has the API according to the DB.
    ///
    /// ```
    /// use sslprobe_build::{Family, Version};
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// let api = &catalog.apis[0];
    /// assert!(api.db_get(Family::LibreSsl).unwrap().has(&Version::new(3, 9, 2)));
    /// assert!(!api.db_get(Family::AwsLc).unwrap().has(&Version::new(1, 0, 0))); // "never"
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn has(&self, version: &Version) -> bool {
        self.since.as_ref().is_some_and(|s| version >= s)
    }

    /// The variant the DB expects at `version` (`None` when absent or unspecified).
    pub(crate) fn variant_at(&self, version: &Version) -> Option<&str> {
        if !self.has(version) {
            return None;
        }
        self.variants
            .iter()
            .rev()
            .find(|(from, _)| version >= from)
            .map(|(_, v)| v.as_str())
    }
}

/// One API of the catalog.
///
/// ```
/// use sslprobe_build::{Catalog, Family};
/// let toml = r#"
/// [[api]]
/// name = "SSL_CTX_set_options"
/// doc = "Sets option bits on a context."
/// variants = [
///   { name = "u64", kind = "function", rust = "(ctx: *mut SSL_CTX, op: u64) -> u64" },
///   { name = "long_macro", kind = "macro" },
/// ]
/// [api.db]
/// openssl = { since = "1.0.2", variant = { "1.0.2" = "long_macro", "1.1.0" = "u64" } }
/// libressl = { since = "2.0.0", variant = "long_macro" }
/// boringssl = { since = "1", variant = "u64" }
/// awslc = { since = "never" }
/// "#;
/// let c = "#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
/// let catalog = Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
/// let api = catalog.get("SSL_CTX_set_options").unwrap();
/// assert_eq!(api.includes, ["#include <openssl/ssl.h>"]);
/// assert_eq!((api.file.as_str(), api.variants.len()), ("ssl_ctx_set_options.c", 2));
/// assert_eq!(api.db.len(), 4);
/// assert!(api.fallback.is_none() && api.doc.starts_with("Sets"));
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Api {
    /// The C name, e.g. `SSL_CTX_set_num_tickets`. A valid C identifier.
    pub name: String,
    /// One-line description.
    pub doc: String,
    /// What a call guarded by this API's cfg should fall back to where the API is absent
    /// (used by the backpatch advisor).
    pub fallback: Option<String>,
    /// Ways it can exist, in probe preference order.
    pub variants: Vec<Variant>,
    /// Knowledge DB, one entry per family (all four are always present).
    pub db: BTreeMap<Family, DbEntry>,
    /// The probe file's name inside the catalog directory.
    pub file: String,
    /// Include lines of the probe file's preamble, e.g. `#include <openssl/ssl.h>`.
    pub includes: Vec<String>,
}

impl Api {
    /// The cfg emitted when the API is present: `have_` + the name in lower case.
    ///
    /// ```
    /// assert_eq!(sslprobe_build::catalog::cfg_name("SSL_CTX_set_num_tickets"), "have_ssl_ctx_set_num_tickets");
    /// ```
    pub fn cfg(&self) -> String {
        cfg_name(&self.name)
    }

    /// The `cargo:rustc-check-cfg` argument for this API's cfg.
    pub(crate) fn check_cfg(&self) -> String {
        if self.variants.len() > 1 {
            let values: Vec<String> = self
                .variants
                .iter()
                .map(|v| format!("\"{}\"", v.name))
                .collect();
            format!("cfg({}, values(none(), {}))", self.cfg(), values.join(", "))
        } else {
            format!("cfg({})", self.cfg())
        }
    }

    /// The variant with that name.
    ///
    /// ```
    /// use sslprobe_build::Kind;
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// assert_eq!(catalog.apis[0].variant("long_macro").map(|v| v.kind), Some(Kind::Macro));
    /// assert!(catalog.apis[0].variant("u32").is_none());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The DB rows of every family the DB covers ([`Family::ALL`]), in that order. The
    /// catalog loader guarantees a row for each.
    ///
    /// ```
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// let since: Vec<String> = catalog.apis[0]
    ///     .db_rows()
    ///     .map(|(family, e)| format!("{family} {}", e.since.as_ref().map_or("never".into(), |v| v.to_string())))
    ///     .collect();
    /// assert_eq!(since, ["openssl 1.0.2", "libressl 2.0.0", "boringssl 1", "awslc never"]);
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn db_rows(&self) -> impl Iterator<Item = (Family, &DbEntry)> + '_ {
        Family::ALL
            .into_iter()
            .filter_map(|f| self.db.get(&f).map(|e| (f, e)))
    }

    /// The DB entry for a family, `None` for families the DB does not cover (wolfSSL).
    ///
    /// ```
    /// use sslprobe_build::Family;
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// assert!(catalog.apis[0].db_get(Family::BoringSsl).is_some());
    /// assert!(catalog.apis[0].db_get(Family::WolfSsl).is_none());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn db_get(&self, family: Family) -> Option<&DbEntry> {
        self.db.get(&family)
    }

    /// The kind of the DB-expected variant at a version, if the DB knows it.
    ///
    /// ```
    /// use sslprobe_build::{Family, Kind, Version};
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// let api = &catalog.apis[0];
    /// assert_eq!(api.db_kind_at(Family::OpenSsl, &Version::parse("1.0.2u")?), Some(Kind::Macro));
    /// assert_eq!(api.db_kind_at(Family::OpenSsl, &Version::new(3, 0, 0)), Some(Kind::Function));
    /// assert_eq!(api.db_kind_at(Family::OpenSsl, &Version::new(1, 0, 1)), None); // before "since"
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn db_kind_at(&self, family: Family, version: &Version) -> Option<Kind> {
        let entry = self.db_get(family)?;
        if !entry.has(version) {
            return None;
        }
        match entry.variant_at(version) {
            Some(v) => self.variant(v).map(|v| v.kind),
            None => match self.variants.as_slice() {
                [only] => Some(only.kind),
                _ => None,
            },
        }
    }
}

/// The cfg name for an API name: `have_` + lower case.
///
/// ```
/// // What a dependent's code tests: #[cfg(have_ssl_ctx_set_num_tickets)]
/// assert_eq!(sslprobe_build::catalog::cfg_name("SSL_CTX_set_num_tickets"), "have_ssl_ctx_set_num_tickets");
/// ```
pub fn cfg_name(api: &str) -> String {
    format!("have_{}", api.to_ascii_lowercase())
}

/// The override variable for an API name: `SSLPROBE_HAVE_` + upper case.
///
/// ```
/// assert_eq!(sslprobe_build::catalog::override_var_name("SSL_CTX_set_num_tickets"), "SSLPROBE_HAVE_SSL_CTX_SET_NUM_TICKETS");
/// ```
pub fn override_var_name(api: &str) -> String {
    format!("{OVERRIDE_PREFIX}{}", api.to_ascii_uppercase())
}

/// The prefix of the per-API override variables.
pub(crate) const OVERRIDE_PREFIX: &str = "SSLPROBE_HAVE_";

/// Whether `s` is a valid C identifier (and so may reach generated C source).
///
/// ```
/// use sslprobe_build::catalog::is_c_identifier;
/// assert!(is_c_identifier("SSL_CTX_new"));
/// assert!(!is_c_identifier("SSL_CTX_new(); system(\"x\")"));
/// assert!(!is_c_identifier("1abc"));
/// ```
pub fn is_c_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && s.len() <= 128
}

/// The whole catalog.
///
/// ```
/// use sslprobe_build::Catalog;
/// let toml = r#"
/// [[api]]
/// name = "SSL_OP_NO_TICKET"
/// doc = "Disables session tickets."
/// variants = [ { name = "define", kind = "define" } ]
/// [api.db]
/// openssl = { since = "0.9.8" }
/// libressl = { since = "2.0.0" }
/// boringssl = { since = "1" }
/// awslc = { since = "1.0.0" }
/// "#;
/// let probe = "#include <openssl/ssl.h>\nSSLPROBE_VARIANT(define)\n{\n    long x = SSL_OP_NO_TICKET;\n    (void)x;\n}\n";
/// let catalog = Catalog::from_sources(toml, &[("ssl_op_no_ticket.c", probe)])?;
/// assert_eq!(catalog.apis.len(), 1);
/// assert_eq!(catalog.apis[0].cfg(), "have_ssl_op_no_ticket");
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Catalog {
    /// APIs in catalog order.
    pub apis: Vec<Api>,
}

mod reader;

use reader::{Kind as V, Table, Value};

struct RawCatalog {
    api: Vec<RawApi>,
}

struct RawApi {
    name: String,
    doc: String,
    fallback: Option<String>,
    variants: Vec<RawVariant>,
    db: Vec<(String, RawDb)>,
}

struct RawVariant {
    name: String,
    kind: Kind,
    rust: Option<String>,
}

struct RawDb {
    since: String,
    variant: Option<RawDbVariant>,
    effective: bool,
    needed: bool,
    note: Option<String>,
}

enum RawDbVariant {
    One(String),
    ByVersion(Vec<(String, String)>),
}

/// The fields of one table of `catalog.toml`, checked against the fields it may have.
struct Fields<'a> {
    what: String,
    line: usize,
    table: &'a Table,
}

impl<'a> Fields<'a> {
    /// `value` must be a table whose keys are all in `allowed`.
    fn new(what: String, value: &'a Value, allowed: &[&str]) -> std::result::Result<Self, String> {
        let V::Table { entries, .. } = &value.kind else {
            return Err(format!(
                "line {}: {what} must be a table, found {}",
                value.line,
                value.kind.type_name()
            ));
        };
        for (k, v) in entries {
            if !allowed.contains(&k.as_str()) {
                return Err(format!(
                    "line {}: {what}: unknown field `{k}`, expected one of {}",
                    v.line,
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(Fields {
            what,
            line: value.line,
            table: entries,
        })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.table.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn required(&self, key: &str) -> std::result::Result<&'a Value, String> {
        self.get(key)
            .ok_or_else(|| format!("line {}: {}: missing field `{key}`", self.line, self.what))
    }

    fn wrong(&self, key: &str, v: &Value, expected: &str) -> String {
        format!(
            "line {}: {}: `{key}` must be {expected}, found {}",
            v.line,
            self.what,
            v.kind.type_name()
        )
    }

    fn string(&self, key: &str) -> std::result::Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value {
                kind: V::Str(s), ..
            }) => Ok(Some(s.clone())),
            Some(v) => Err(self.wrong(key, v, "a string")),
        }
    }

    /// A boolean field; `default` when absent.
    fn boolean(&self, key: &str, default: bool) -> std::result::Result<bool, String> {
        match self.get(key) {
            None => Ok(default),
            Some(Value {
                kind: V::Bool(b), ..
            }) => Ok(*b),
            Some(v) => Err(self.wrong(key, v, "a boolean")),
        }
    }

    fn required_string(&self, key: &str) -> std::result::Result<String, String> {
        self.required(key)?;
        self.string(key)?
            .ok_or_else(|| format!("missing field `{key}`"))
    }

    fn tables(&self, key: &str) -> std::result::Result<&'a [Value], String> {
        match &self.required(key)?.kind {
            V::Array { items, .. } => Ok(items),
            _ => Err(self.wrong(key, self.required(key)?, "an array of tables")),
        }
    }
}

/// Reads `catalog.toml` text into the raw catalog (field names and types checked here; meaning
/// in [`Catalog::from_raw`]).
fn read_raw(text: &str) -> std::result::Result<RawCatalog, String> {
    let root = Value {
        line: 1,
        kind: V::Table {
            entries: reader::parse(text)?,
            inline: false,
        },
    };
    let top = Fields::new("the catalog".into(), &root, &["api"])?;
    let mut api = Vec::new();
    for (i, a) in top.tables("api")?.iter().enumerate() {
        // Errors name the API when it has a name.
        let what = match &a.kind {
            V::Table { entries, .. } => entries.iter().find_map(|(k, v)| match &v.kind {
                V::Str(s) if k == "name" => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        };
        let a = Fields::new(
            what.unwrap_or_else(|| format!("api #{}", i + 1)),
            a,
            &["name", "doc", "fallback", "variants", "db"],
        )?;
        let name = a.required_string("name")?;
        let mut variants = Vec::new();
        for (j, v) in a.tables("variants")?.iter().enumerate() {
            let v = Fields::new(
                format!("{name}: variants[{j}]"),
                v,
                &["name", "kind", "rust"],
            )?;
            let kind_name = v.required_string("kind")?;
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind_name)
                .ok_or_else(|| {
                    format!(
                        "line {}: {}: unknown kind {kind_name:?}, expected one of {}",
                        v.line,
                        v.what,
                        Kind::ALL.map(Kind::as_str).join(", ")
                    )
                })?;
            variants.push(RawVariant {
                name: v.required_string("name")?,
                kind,
                rust: v.string("rust")?,
            });
        }
        let db_value = a.required("db")?;
        let families: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
        let db_fields = Fields::new(format!("{name}: db"), db_value, &families)?;
        let mut db = Vec::new();
        for (fam, e) in db_fields.table {
            let e = Fields::new(
                format!("{name}: db.{fam}"),
                e,
                &["since", "variant", "effective", "needed", "note"],
            )?;
            let variant = match e.get("variant") {
                None => None,
                Some(Value {
                    kind: V::Str(s), ..
                }) => Some(RawDbVariant::One(s.clone())),
                Some(Value {
                    kind: V::Table { entries, .. },
                    ..
                }) => {
                    let mut by = Vec::new();
                    for (ver, v) in entries {
                        match &v.kind {
                            V::Str(s) => by.push((ver.clone(), s.clone())),
                            _ => return Err(e.wrong(&format!("variant.{ver:?}"), v, "a string")),
                        }
                    }
                    Some(RawDbVariant::ByVersion(by))
                }
                Some(v) => {
                    return Err(e.wrong("variant", v, "a string or a table of version = variant"))
                }
            };
            let effective = e.boolean("effective", true)?;
            let needed = e.boolean("needed", true)?;
            db.push((
                fam.clone(),
                RawDb {
                    since: e.required_string("since")?,
                    variant,
                    effective,
                    needed,
                    note: e.string("note")?,
                },
            ));
        }
        api.push(RawApi {
            doc: a.required_string("doc")?,
            fallback: a.string("fallback")?,
            variants,
            db,
            name,
        });
    }
    Ok(RawCatalog { api })
}

/// The marker that opens a variant block in a probe file.
pub(crate) const VARIANT_MARKER: &str = "SSLPROBE_VARIANT(";

/// The probe file name for an API: lower-case name + `.c`.
pub(crate) fn probe_file_name(api: &str) -> String {
    format!("{}.c", api.to_ascii_lowercase())
}

impl Catalog {
    /// Loads `dir/catalog.toml` and the probe files beside it.
    ///
    /// Returns the catalog and every file read (for `cargo:rerun-if-changed`).
    ///
    /// ```
    /// use sslprobe_build::Catalog;
    /// let dir = std::env::temp_dir().join(format!("catalog-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let toml = r#"
    /// [[api]]
    /// name = "SSL_new"
    /// doc = "Creates a connection."
    /// variants = [ { name = "fn", kind = "function", rust = "(ctx: *mut SSL_CTX) -> *mut SSL" } ]
    /// [api.db]
    /// openssl = { since = "0.9.8" }
    /// libressl = { since = "2.0.0" }
    /// boringssl = { since = "1" }
    /// awslc = { since = "1.0.0" }
    /// "#;
    /// std::fs::write(dir.join("catalog.toml"), toml).unwrap();
    /// std::fs::write(dir.join("ssl_new.c"), "#include <openssl/ssl.h>\nSSLPROBE_VARIANT(fn)\n{ }\n").unwrap();
    /// let (catalog, files) = Catalog::load(&dir)?;
    /// assert_eq!(catalog.apis[0].name, "SSL_new");
    /// assert_eq!(files, [dir.join("catalog.toml"), dir.join("ssl_new.c")]); // for rerun-if-changed
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn load(dir: &Path) -> Result<(Catalog, Vec<PathBuf>)> {
        let toml_path = dir.join("catalog.toml");
        let text = std::fs::read_to_string(&toml_path).map_err(|e| Error::io(&toml_path, e))?;
        let mut read = vec![toml_path.clone()];
        let raw =
            read_raw(&text).map_err(|e| Error::Catalog(format!("{}: {e}", toml_path.display())))?;
        let mut sources = BTreeMap::new();
        for api in &raw.api {
            let file = probe_file_name(&api.name);
            let path = dir.join(&file);
            let src = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            read.push(path);
            sources.insert(file, src);
        }
        let catalog = Self::from_raw(raw, &|f: &str| sources.get(f).cloned())?;
        Ok((catalog, read))
    }

    /// Builds a catalog from in-memory sources (`catalog.toml` text and a probe-file lookup),
    /// as embedded in the runtime crate for `sslprobe probe`.
    ///
    /// ```
    /// use sslprobe_build::Catalog;
    /// let toml = "[[api]]\nname = \"SSL_new\"\ndoc = \"d\"\nvariants = [{ name = \"fn\", kind = \"function\" }]\n";
    /// // Every error names what is wrong: here the missing knowledge-DB rows.
    /// let err = Catalog::from_sources(toml, &[("ssl_new.c", "SSLPROBE_VARIANT(fn)\n{ }\n")]).unwrap_err();
    /// assert!(err.to_string().contains("SSL_new"), "{err}");
    /// ```
    pub fn from_sources(catalog_toml: &str, files: &[(&str, &str)]) -> Result<Catalog> {
        let raw =
            read_raw(catalog_toml).map_err(|e| Error::Catalog(format!("catalog.toml: {e}")))?;
        let lookup = |f: &str| {
            files
                .iter()
                .find(|(n, _)| *n == f)
                .map(|(_, s)| s.to_string())
        };
        Self::from_raw(raw, &lookup)
    }

    fn from_raw(raw: RawCatalog, source: &dyn Fn(&str) -> Option<String>) -> Result<Catalog> {
        let mut apis = Vec::new();
        for r in raw.api {
            let name = r.name;
            let bad = |m: String| Error::Catalog(format!("{name}: {m}"));
            if !is_c_identifier(&name) {
                return Err(bad("not a valid C identifier".into()));
            }
            if apis.iter().any(|a: &Api| a.name == name) {
                return Err(bad("listed twice".into()));
            }
            if r.variants.is_empty() {
                return Err(bad("has no variants".into()));
            }
            let file = probe_file_name(&name);
            let src = source(&file).ok_or_else(|| bad(format!("probe file {file} is missing")))?;
            let (includes, blocks) =
                split_probe_file(&src).map_err(|m| bad(format!("{file}: {m}")))?;
            let mut variants = Vec::new();
            for rv in &r.variants {
                if !is_c_identifier(&rv.name) {
                    return Err(bad(format!(
                        "variant name {:?} is not an identifier",
                        rv.name
                    )));
                }
                if variants.iter().any(|v: &Variant| v.name == rv.name) {
                    return Err(bad(format!("variant {} listed twice", rv.name)));
                }
                let (line, body) = blocks
                    .iter()
                    .find(|(n, _, _)| *n == rv.name)
                    .map(|(_, l, b)| (*l, b.clone()))
                    .ok_or_else(|| {
                        bad(format!("{file} has no SSLPROBE_VARIANT({}) block", rv.name))
                    })?;
                if rv.kind == Kind::Function && rv.rust.is_none() {
                    return Err(bad(format!(
                        "function variant {} needs a `rust` signature",
                        rv.name
                    )));
                }
                variants.push(Variant {
                    name: rv.name.clone(),
                    kind: rv.kind,
                    rust: rv.rust.clone(),
                    body,
                    line,
                });
            }
            for (n, _, _) in &blocks {
                if !variants.iter().any(|v| &v.name == n) {
                    return Err(bad(format!(
                        "{file} has a block {n} that catalog.toml does not list"
                    )));
                }
            }
            let mut db = BTreeMap::new();
            for (fam, rd) in r.db {
                let family: Family = fam.parse().map_err(|e: Error| bad(e.to_string()))?;
                let since = if rd.since == "never" {
                    None
                } else {
                    Some(
                        Version::parse(&rd.since)
                            .map_err(|e| bad(format!("db.{fam}.since: {e}")))?,
                    )
                };
                if !rd.needed && (since.is_none() || !rd.effective) {
                    return Err(bad(format!(
                        "db.{fam}: `needed = false` says a working API is not needed; it needs \
                         a `since` version and no `effective = false`"
                    )));
                }
                let mut dbv = Vec::new();
                match rd.variant {
                    None => {}
                    Some(RawDbVariant::One(v)) => {
                        let from = since.clone().unwrap_or_else(|| Version::new(0, 0, 0));
                        dbv.push((from, v));
                    }
                    Some(RawDbVariant::ByVersion(m)) => {
                        for (ver, v) in m {
                            let ver = Version::parse(&ver)
                                .map_err(|e| bad(format!("db.{fam}.variant: {e}")))?;
                            dbv.push((ver, v));
                        }
                        dbv.sort();
                    }
                }
                for (_, v) in &dbv {
                    if !variants.iter().any(|x| &x.name == v) {
                        return Err(bad(format!("db.{fam} names unknown variant {v:?}")));
                    }
                }
                db.insert(
                    family,
                    DbEntry {
                        since,
                        variants: dbv,
                        effective: rd.effective,
                        needed: rd.needed,
                        note: rd.note,
                    },
                );
            }
            for f in Family::ALL {
                if !db.contains_key(&f) {
                    return Err(bad(format!(
                        "db.{f} is missing (write `{f} = {{ since = \"never\" }}` when no version has it)"
                    )));
                }
            }
            apis.push(Api {
                name,
                doc: r.doc,
                fallback: r.fallback,
                variants,
                db,
                file,
                includes,
            });
        }
        Ok(Catalog { apis })
    }

    /// The API with that exact name.
    ///
    /// ```
    /// # let toml = "[[api]]\nname = \"SSL_CTX_set_options\"\ndoc = \"d\"\nvariants = [{ name = \"u64\", kind = \"function\", rust = \"() -> u64\" }, { name = \"long_macro\", kind = \"macro\" }]\n[api.db]\nopenssl = { since = \"1.0.2\", variant = { \"1.0.2\" = \"long_macro\", \"1.1.0\" = \"u64\" } }\nlibressl = { since = \"2.0.0\", variant = \"long_macro\" }\nboringssl = { since = \"1\", variant = \"u64\" }\nawslc = { since = \"never\" }\n";
    /// # let c = "SSLPROBE_VARIANT(u64)\n{ }\nSSLPROBE_VARIANT(long_macro)\n{ }\n";
    /// # let catalog = sslprobe_build::Catalog::from_sources(toml, &[("ssl_ctx_set_options.c", c)])?;
    /// assert!(catalog.get("SSL_CTX_set_options").is_some());
    /// assert!(catalog.get("ssl_ctx_set_options").is_none()); // exact names only
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// Catalog names closest to `name` (for "did you mean" errors), best first.
    pub(crate) fn close_matches(&self, name: &str) -> Vec<&str> {
        let lower = name.to_ascii_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .apis
            .iter()
            .map(|a| {
                let al = a.name.to_ascii_lowercase();
                let d = if al.contains(&lower) || lower.contains(&al) {
                    0
                } else {
                    levenshtein(&al, &lower)
                };
                (d, a.name.as_str())
            })
            .filter(|(d, _)| *d <= (lower.len() / 3).max(3))
            .collect();
        scored.sort();
        scored.into_iter().take(5).map(|(_, n)| n).collect()
    }

    /// Every `cargo:rustc-check-cfg` argument the catalog can produce (APIs and families).
    pub(crate) fn check_cfgs(&self) -> Vec<String> {
        let mut v: Vec<String> = Family::EVERY
            .iter()
            .map(|f| format!("cfg({})", f.cfg()))
            .collect();
        v.extend(self.apis.iter().map(Api::check_cfg));
        v
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

type Blocks = Vec<(String, usize, String)>;

/// Splits a probe file into its preamble's include lines and its variant blocks
/// `(name, first body line, body)`.
fn split_probe_file(src: &str) -> std::result::Result<(Vec<String>, Blocks), String> {
    let mut includes = Vec::new();
    let mut blocks: Blocks = Vec::new();
    let mut in_comment = false;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix(VARIANT_MARKER) {
            let name = rest
                .strip_suffix(')')
                .filter(|n| is_c_identifier(n))
                .ok_or_else(|| format!("line {}: malformed marker {t:?}", i + 1))?;
            blocks.push((name.to_string(), i + 2, String::new()));
            continue;
        }
        if let Some(b) = blocks.last_mut() {
            b.2.push_str(line);
            b.2.push('\n');
            continue;
        }
        // Preamble: only comments, blank lines and #include lines.
        if in_comment {
            if t.contains("*/") {
                in_comment = false;
            }
            continue;
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        if t.starts_with("/*") {
            in_comment = !t.contains("*/");
            continue;
        }
        if t.starts_with("#include") {
            validate_include(t).map_err(|e| format!("line {}: {e}", i + 1))?;
            includes.push(t.to_string());
            continue;
        }
        return Err(format!(
            "line {}: only comments and #include lines may precede the first {VARIANT_MARKER}..) block, found {t:?}",
            i + 1
        ));
    }
    if blocks.is_empty() {
        return Err(format!("no {VARIANT_MARKER}name) block"));
    }
    Ok((includes, blocks))
}

/// Validates an extra include line (`#include <x/y.h>` or `#include "x.h"`).
pub(crate) fn validate_include(line: &str) -> Result<()> {
    let inner = line
        .strip_prefix("#include <")
        .and_then(|r| r.strip_suffix('>'))
        .or_else(|| {
            line.strip_prefix("#include \"")
                .and_then(|r| r.strip_suffix('"'))
        });
    match inner {
        Some(h)
            if !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./+".contains(c))
                && !h.starts_with('/')
                && !h.contains("..") =>
        {
            Ok(())
        }
        _ => Err(Error::invalid(
            "prelude include",
            line,
            "expected `#include <dir/header.h>` with a plain relative header name",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[[api]]
name = "SSL_foo"
doc = "d"
variants = [ { name = "fn", kind = "function", rust = "() -> c_int" }, { name = "mac", kind = "macro" } ]
[api.db]
openssl = { since = "1.1.1", variant = { "1.1.1" = "fn", "3.0.0" = "mac" } }
libressl = { since = "never" }
boringssl = { since = "18" }
awslc = { since = "1.2.0", effective = false, note = "no-op" }
"#;
    const C: &str = "/* c */\n#include <openssl/ssl.h>\n\nSSLPROBE_VARIANT(fn)\n{\n  x;\n}\nSSLPROBE_VARIANT(mac)\n{ y; }\n";

    #[test]
    fn loads_and_derives() {
        let c = Catalog::from_sources(TOML, &[("ssl_foo.c", C)]).unwrap();
        let a = c.get("SSL_foo").unwrap();
        assert_eq!(a.cfg(), "have_ssl_foo");
        assert_eq!(a.includes, vec!["#include <openssl/ssl.h>"]);
        assert_eq!(a.variants[0].line, 5);
        assert_eq!(a.variants[0].body, "{\n  x;\n}\n");
        assert_eq!(
            a.check_cfg(),
            "cfg(have_ssl_foo, values(none(), \"fn\", \"mac\"))"
        );
        let o = a.db_get(Family::OpenSsl).unwrap();
        assert_eq!(o.variant_at(&"1.1.1w".parse().unwrap()), Some("fn"));
        assert_eq!(o.variant_at(&"3.0.2".parse().unwrap()), Some("mac"));
        assert_eq!(o.variant_at(&"1.1.0i".parse().unwrap()), None);
        assert!(!a
            .db_get(Family::LibreSsl)
            .unwrap()
            .has(&"9.9.9".parse().unwrap()));
        assert!(a.db_get(Family::BoringSsl).unwrap().has(&Version::api(18)));
        assert!(!a.db_get(Family::BoringSsl).unwrap().has(&Version::api(17)));
        assert!(!a.db_get(Family::AwsLc).unwrap().effective);
        assert!(
            a.db_get(Family::BoringSsl).unwrap().needed,
            "needed unless said"
        );
        assert_eq!(
            a.db_kind_at(Family::OpenSsl, &"3.1.0".parse().unwrap()),
            Some(Kind::Macro)
        );
    }

    #[test]
    fn needed_false_is_for_working_apis_only() {
        let not_needed = TOML.replace(
            "boringssl = { since = \"18\" }",
            "boringssl = { since = \"18\", needed = false }",
        );
        let c = Catalog::from_sources(&not_needed, &[("ssl_foo.c", C)]).unwrap();
        assert!(
            !c.get("SSL_foo")
                .unwrap()
                .db_get(Family::BoringSsl)
                .unwrap()
                .needed
        );
        for (toml, what) in [
            (
                TOML.replace("since = \"never\" }", "since = \"never\", needed = false }"),
                "never",
            ),
            (
                TOML.replace("effective = false,", "effective = false, needed = false,"),
                "a stub",
            ),
        ] {
            let e = Catalog::from_sources(&toml, &[("ssl_foo.c", C)]).unwrap_err();
            assert!(e.to_string().contains("`needed = false`"), "{what}: {e}");
        }
        let e = Catalog::from_sources(
            &TOML.replace(
                "boringssl = { since = \"18\" }",
                "boringssl = { since = \"18\", needed = \"no\" }",
            ),
            &[("ssl_foo.c", C)],
        )
        .unwrap_err();
        assert!(e.to_string().contains("`needed` must be a boolean"), "{e}");
    }

    #[test]
    fn rejects_mismatches() {
        let e = Catalog::from_sources(
            TOML,
            &[("ssl_foo.c", "#include <x.h>\nSSLPROBE_VARIANT(fn)\n{}\n")],
        )
        .unwrap_err();
        assert!(e.to_string().contains("no SSLPROBE_VARIANT(mac)"), "{e}");
        let e = Catalog::from_sources(TOML, &[]).unwrap_err();
        assert!(e.to_string().contains("ssl_foo.c is missing"), "{e}");
        let bad = TOML.replace("libressl = { since = \"never\" }\n", "");
        let e = Catalog::from_sources(&bad, &[("ssl_foo.c", C)]).unwrap_err();
        assert!(e.to_string().contains("db.libressl is missing"), "{e}");
        let bad = TOML.replace("SSL_foo", "SSL foo");
        assert!(Catalog::from_sources(&bad, &[("ssl foo.c", C)]).is_err());
        let e = Catalog::from_sources(TOML, &[("ssl_foo.c", "int x;\nSSLPROBE_VARIANT(fn)\n{}\n")])
            .unwrap_err();
        assert!(e.to_string().contains("only comments and #include"), "{e}");
    }

    #[test]
    fn rejects_bad_fields_with_their_line() {
        let cases = [
            (TOML.replace("doc = ", "dok = "), "line 4: SSL_foo: unknown field `dok`, expected one of `name`, `doc`"),
            (TOML.replace("kind = \"macro\"", "kind = \"makro\""), "line 5: SSL_foo: variants[1]: unknown kind \"makro\", expected one of function, macro, define, type, member"),
            (TOML.replace("effective = false", "effective = \"no\""), "line 10: SSL_foo: db.awslc: `effective` must be a boolean, found a string"),
            (TOML.replace("libressl = ", "libre = "), "line 8: SSL_foo: db: unknown field `libre`, expected one of `openssl`, `libressl`, `boringssl`, `awslc`"),
            (TOML.replace("name = \"SSL_foo\"\n", ""), "line 2: api #1: missing field `name`"),
            (TOML.replace("\"3.0.0\" = \"mac\"", "\"3.0.0\" = true"), "line 7: SSL_foo: db.openssl: `variant.\"3.0.0\"` must be a string, found a boolean"),
            (TOML.replace("[[api]]", "[api]"), "line 2: the catalog: `api` must be an array of tables, found a table"),
            (TOML.replace("since = \"18\"", "since = 18"), "line 9: unsupported value `18`"),
        ];
        for (text, want) in cases {
            let e = Catalog::from_sources(&text, &[("ssl_foo.c", C)])
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
            assert!(e.contains("catalog.toml: line "), "{e}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_c_identifier("_a1"));
        for bad in ["", "a-b", "a b", "é", "a;b", "9"] {
            assert!(!is_c_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn close_matches_suggest() {
        let c = Catalog::from_sources(TOML, &[("ssl_foo.c", C)]).unwrap();
        assert_eq!(c.close_matches("ssl_fo"), vec!["SSL_foo"]);
        assert!(c.close_matches("completely_different_name").is_empty());
    }
}
