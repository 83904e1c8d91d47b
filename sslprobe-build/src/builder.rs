//! [`Probe`]: probe any libssl API from any build script, in one line per name.
//!
//! ```no_run
//! // The `main` of build.rs in a crate with `sslprobe` as a dependency and `sslprobe-build`
//! // as a build-dependency:
//! sslprobe_build::Probe::new()
//!     .function("SSL_CTX_set_block_padding", "int (*)(SSL_CTX *, size_t)")
//!     .function("SSL_CTX_set_block_padding_ex", "int (*)(SSL_CTX *, size_t, size_t)")
//!     .define("SSL_OP_NO_RENEGOTIATION")
//!     .emit()
//!     .expect("sslprobe");
//! ```
//!
//! That prints `cargo:rustc-cfg=have_<lower-case name>` for every name found,
//! `cargo:rustc-check-cfg` for every name asked (found or not), and — when `sslprobe` is a
//! dependency — the catalog's own cfgs too ([`crate::downstream::emit_cfgs`]), so one call
//! gives the crate everything and `-D warnings` builds stay clean.
//!
//! **Which library.** The one sslprobe located: its build script exports the include and
//! library directories, the libraries, static or shared, family and version (`DEP_SSLPROBE_*`).
//! Without sslprobe in the dependency graph the library is located the way `openssl-sys` does
//! it (`OPENSSL_DIR`, `OPENSSL_LIB_DIR`/`OPENSSL_INCLUDE_DIR`, pkg-config, the vendored root),
//! and checked against `DEP_OPENSSL_INCLUDE` when `openssl-sys` is a direct dependency. Never
//! a second, different library.
//!
//! **How.** The same engine as sslprobe's own catalog: every request becomes a probe block,
//! the whole request is compiled and linked in about one batch (failures attributed by line
//! and by linker output, bisection as a fallback), with the sanity probe and the control
//! probes, the compiler and flags the `cc` crate gives this build script, and the log in
//! `$OUT_DIR/sslprobe.log`. Probes are compiled and linked, never run.
//!
//! | method | probe (C) | present when |
//! |---|---|---|
//! | [`Probe::function`] | `(int (*)(SSL_CTX *, size_t)){ NAME }` | declared with that prototype, and it links |
//! | [`Probe::function_name`] | `(void (*)(void))NAME` | declared, and it links |
//! | [`Probe::macro_name`] | `#ifndef NAME` / `#error` | a macro of that name is defined |
//! | [`Probe::define`] | as a macro; the value is captured by the preprocessor | defined ([`Answer::value`]) |
//! | [`Probe::type_name`] | `TYPE *p = 0;` (`sizeof(struct X)` for a struct, union or enum) | the type exists (a typedef may be opaque; a struct must be complete) |
//! | [`Probe::member`] | `sizeof(((TYPE *)0)->MEMBER)` | the complete type has that member |
//!
//! Bad input is an error that names it: a name that is not a C identifier, a header path
//! that is not a plain relative name, a prototype that is not a function-pointer type (the
//! compiler decides that, in a check compiled beside the probes). An absent API is never an
//! error. `SSLPROBE_HAVE_<NAME>=0|1` forces one answer without probing it, and with
//! `SSLPROBE_NO_PROBE=1` every name needs such an override (the error lists the missing ones).
//! The overrides are read and validated by the same reader, with the same rules, as in
//! sslprobe's own build (a misspelt or lower-case `SSLPROBE_HAVE_` name, a bad value or a bad
//! `SSLPROBE_ASSUME` is an error; a name this request does not ask for is left to its owner).

use crate::catalog::validate_include;
use crate::catalog::{is_c_identifier, override_var_name, Api, Catalog, Kind, Variant};
use crate::compiler::{toolchain_var_names, Compiler};
use crate::downstream::Metadata;
use crate::env::{cargo_var, Env, ProcessEnv};
use crate::error::{Error, Result};
use crate::identify::Library;
use crate::locate::{self, Location};
use crate::log::Log;
use crate::overrides::{Forced, Overrides};
use crate::probe::Prober;
use crate::results::Source;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What is asked about a name.
///
/// ```no_run
/// use sslprobe_build::{Ask, Probe};
/// let answers = Probe::new().member("struct tm", "tm_gmtoff").run()?;
/// let a = answers.get("tm_tm_gmtoff").unwrap();
/// assert!(matches!(&a.ask, Ask::Member { c_type, member } if c_type == "struct tm" && member == "tm_gmtoff"));
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ask {
    /// A function; with a prototype (a function-pointer type), the declaration must match it.
    Function {
        /// `int (*)(SSL_CTX *, size_t)`, or `None` for "declared and links".
        prototype: Option<String>,
    },
    /// A macro (function-like or object-like).
    Macro,
    /// A preprocessor constant, whose value is captured.
    Define,
    /// A type name.
    Type {
        /// The C type as written (`OSSL_LIB_CTX`, `struct tm`).
        c_type: String,
    },
    /// A member of a complete struct or union type.
    Member {
        /// The C type as written.
        c_type: String,
        /// The member name.
        member: String,
    },
}

impl Ask {
    fn kind(&self) -> Kind {
        match self {
            Ask::Function { .. } => Kind::Function,
            Ask::Macro => Kind::Macro,
            Ask::Define => Kind::Define,
            Ask::Type { .. } => Kind::Type,
            Ask::Member { .. } => Kind::Member,
        }
    }
}

#[derive(Debug, Clone)]
struct Request {
    /// The name answers and cfgs use (`have_<lower-case name>`).
    name: String,
    ask: Ask,
}

/// A probing request for a build script: the names to look for, then [`Probe::emit`].
///
/// Every method takes and returns the builder, so a request reads as one expression; input
/// problems are collected and reported together by [`Probe::emit`] / [`Probe::run`].
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), sslprobe_build::Error> {
///     sslprobe_build::Probe::new()
///         .include("openssl/ocsp.h")
///         .function_name("OCSP_resp_get0_signer")
///         .type_name("OSSL_LIB_CTX")
///         .emit()?; // cargo:rustc-cfg=have_ocsp_resp_get0_signer, have_ossl_lib_ctx, ...
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Probe {
    requests: Vec<Request>,
    includes: Vec<String>,
    problems: Vec<String>,
    catalog_cfgs: bool,
}

impl Default for Probe {
    fn default() -> Self {
        Probe::new()
    }
}

/// One answer.
///
/// ```no_run
/// let answers = sslprobe_build::Probe::new().define("OPENSSL_VERSION_NUMBER").run()?;
/// let a = &answers.answers[0];
/// assert_eq!((a.name.as_str(), a.cfg.as_str()), ("OPENSSL_VERSION_NUMBER", "have_openssl_version_number"));
/// if a.present {
///     println!("cargo:warning=OPENSSL_VERSION_NUMBER is {}", a.value.as_deref().unwrap_or("?"));
/// } else {
///     println!("cargo:warning=absent: {}", a.failure.as_deref().unwrap_or("forced by SSLPROBE_HAVE_*"));
/// }
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The name asked for (for a member: `<type>_<member>`, e.g. `tm_tm_gmtoff`).
    pub name: String,
    /// The cfg set when present: `have_` + the name in lower case.
    pub cfg: String,
    /// What was asked.
    pub ask: Ask,
    /// Whether the probe compiled and linked (or the override said so).
    pub present: bool,
    /// For [`Probe::define`]: the value, as the preprocessor expands it.
    pub value: Option<String>,
    /// Probed, or forced by `SSLPROBE_HAVE_<NAME>`.
    pub source: Source,
    /// Why it is absent: the first diagnostics of its probe.
    pub failure: Option<String>,
}

/// Everything [`Probe::run`] found.
///
/// ```no_run
/// let answers = sslprobe_build::Probe::new().function_name("SSL_CTX_set_num_tickets").run()?;
/// if let Some(lib) = &answers.library {
///     println!("cargo:warning=probed {} in {} compiler runs", lib.describe(), answers.compiler_runs);
/// }
/// println!("cargo:warning=log: {}", answers.log_path.display());
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Answers {
    /// The library probed (identified by the preprocessor); `None` when nothing was probed
    /// (`SSLPROBE_NO_PROBE=1` without sslprobe's metadata).
    pub library: Option<Library>,
    /// Where it is.
    pub location: Option<Location>,
    /// One answer per name asked, in the order asked.
    pub answers: Vec<Answer>,
    /// sslprobe's own metadata (the catalog's answers), when sslprobe is a dependency.
    pub sslprobe: Option<Metadata>,
    /// The probe log.
    pub log_path: PathBuf,
    /// Compiler runs (identification, probes, controls).
    pub compiler_runs: usize,
}

impl Answers {
    /// The answer for a name.
    ///
    /// ```no_run
    /// let a = sslprobe_build::Probe::new().define("SSL_OP_NO_TICKET").run().unwrap();
    /// assert_eq!(a.get("SSL_OP_NO_TICKET").unwrap().cfg, "have_ssl_op_no_ticket");
    /// ```
    pub fn get(&self, name: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.name == name)
    }

    /// Whether a name was found.
    ///
    /// ```no_run
    /// let answers = sslprobe_build::Probe::new().function_name("SSL_CTX_set_num_tickets").run()?;
    /// if !answers.has("SSL_CTX_set_num_tickets") {
    ///     println!("cargo:warning=no TLS 1.3 ticket count control in this libssl");
    /// }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some_and(|a| a.present)
    }

    /// The value of a define that was found.
    ///
    /// ```no_run
    /// let answers = sslprobe_build::Probe::new().define("OPENSSL_VERSION_NUMBER").run()?;
    /// let hex = answers.value("OPENSSL_VERSION_NUMBER"); // e.g. Some("0x30000130L")
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name)?.value.as_deref()
    }

    /// The `cargo:` lines [`Probe::emit`] prints for the names asked: a check-cfg for every
    /// name, a cfg for every name found.
    ///
    /// ```no_run
    /// let answers = sslprobe_build::Probe::new().macro_name("SSL_CTX_set_min_proto_version").run()?;
    /// // What emit() would print for these names, e.g. for a generated file instead:
    /// for line in answers.cfg_lines() {
    ///     println!("{line}"); // cargo:rustc-check-cfg=cfg(have_ssl_ctx_set_min_proto_version), ...
    /// }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn cfg_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .answers
            .iter()
            .map(|a| format!("cargo:rustc-check-cfg=cfg({})", a.cfg))
            .collect();
        out.extend(
            self.answers
                .iter()
                .filter(|a| a.present)
                .map(|a| format!("cargo:rustc-cfg={}", a.cfg)),
        );
        out
    }
}

/// The identifier part of a type (`struct tm` → `tm`), for names and cfgs.
fn type_ident(c_type: &str) -> &str {
    let t = c_type.trim();
    ["struct ", "union ", "enum "]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t)
        .trim()
}

/// Whether a type is written as an identifier, optionally after `struct`/`union`/`enum`.
fn is_type_name(c_type: &str) -> bool {
    let t = c_type.trim();
    let ident = type_ident(t);
    is_c_identifier(ident)
        && !["struct", "union", "enum"].contains(&ident)
        && (t == ident || t.split_whitespace().count() == 2)
}

/// A prototype's text may reach C source only if it is made of the tokens a type name uses;
/// whether it *is* a function-pointer type is for the compiler to say.
fn prototype_text_ok(p: &str) -> bool {
    let mut depth = 0i32;
    for c in p.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c.is_ascii_alphanumeric() || " _*,[].\t".contains(c) => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !p.trim().is_empty() && p.len() <= 512
}

impl Probe {
    /// An empty request. The catalog's own cfgs are emitted too (see
    /// [`Probe::catalog_cfgs`]); `<openssl/ssl.h>` is always included.
    ///
    /// ```no_run
    /// // Nothing asked yet: only the catalog's cfgs (when sslprobe is a dependency) are emitted.
    /// let answers = sslprobe_build::Probe::new().emit()?;
    /// assert!(answers.answers.is_empty());
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn new() -> Probe {
        Probe {
            requests: Vec::new(),
            includes: vec!["#include <openssl/ssl.h>".into()],
            problems: Vec::new(),
            catalog_cfgs: true,
        }
    }

    fn ask(mut self, name: &str, ask: Ask) -> Probe {
        if !is_c_identifier(name) {
            self.problems.push(format!(
                "{name:?} is not a C identifier (a name to probe must be one)"
            ));
        } else if self.requests.iter().any(|r| r.name == name) {
            self.problems.push(format!("{name} is asked for twice"));
        } else {
            self.requests.push(Request {
                name: name.to_string(),
                ask,
            });
        }
        self
    }

    /// A function declared with exactly this prototype, written as a function-pointer type
    /// (`"int (*)(SSL_CTX *, size_t)"`), that links.
    ///
    /// ```no_run
    /// let a = sslprobe_build::Probe::new()
    ///     .function("SSL_CTX_set_num_tickets", "int (*)(SSL_CTX *, size_t)")
    ///     .emit()?;
    /// if a.has("SSL_CTX_set_num_tickets") { /* cfg(have_ssl_ctx_set_num_tickets) is set */ }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn function(mut self, name: &str, prototype: &str) -> Probe {
        if !prototype_text_ok(prototype) {
            self.problems.push(format!(
                "the prototype {prototype:?} of {name} is not a C type name (expected e.g. \"int (*)(SSL_CTX *, size_t)\")"
            ));
            return self;
        }
        self.ask(
            name,
            Ask::Function {
                prototype: Some(prototype.trim().to_string()),
            },
        )
    }

    /// A function declared under this name (any prototype) that links.
    ///
    /// ```no_run
    /// // Any declared function that links, whatever its prototype.
    /// let answers = sslprobe_build::Probe::new().function_name("SSL_get0_group_name").emit()?;
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn function_name(self, name: &str) -> Probe {
        self.ask(name, Ask::Function { prototype: None })
    }

    /// A macro of this name (function-like or object-like).
    ///
    /// ```no_run
    /// // Present when `#ifdef SSL_set_tlsext_host_name` holds; cfg have_ssl_set_tlsext_host_name.
    /// let answers = sslprobe_build::Probe::new().macro_name("SSL_set_tlsext_host_name").emit()?;
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn macro_name(self, name: &str) -> Probe {
        self.ask(name, Ask::Macro)
    }

    /// A preprocessor constant; its value is captured ([`Answer::value`]).
    ///
    /// ```no_run
    /// let a = sslprobe_build::Probe::new().define("SSL_OP_NO_RENEGOTIATION").emit()?;
    /// println!("value: {:?}", a.value("SSL_OP_NO_RENEGOTIATION"));
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn define(self, name: &str) -> Probe {
        self.ask(name, Ask::Define)
    }

    /// A type (`"OSSL_LIB_CTX"`, `"struct tm"`): a typedef name may be opaque (it is used
    /// through a pointer), a `struct`/`union`/`enum` must be complete. Its name (and cfg) is the
    /// identifier: `have_ossl_lib_ctx`.
    ///
    /// ```
    /// // A bad type is refused before anything runs (here, outside a build script, too):
    /// let err = sslprobe_build::Probe::new().type_name("struct").run().unwrap_err();
    /// assert!(err.to_string().contains("struct"), "{err}");
    /// // The real thing, in build.rs: cfg have_ossl_lib_ctx when OpenSSL 3's library context exists.
    /// # if false {
    /// sslprobe_build::Probe::new().type_name("OSSL_LIB_CTX").emit()?;
    /// # }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn type_name(mut self, c_type: &str) -> Probe {
        if !is_type_name(c_type) {
            self.problems.push(format!(
                "{c_type:?} is not a type name (an identifier, optionally after struct/union/enum)"
            ));
            return self;
        }
        let name = type_ident(c_type).to_string();
        self.ask(
            &name,
            Ask::Type {
                c_type: c_type.trim().to_string(),
            },
        )
    }

    /// A member of a complete struct or union type. Its name (and cfg) is
    /// `<type>_<member>`: `.member("struct tm", "tm_gmtoff")` sets `have_tm_tm_gmtoff`.
    ///
    /// ```no_run
    /// // cfg have_tm_tm_gmtoff when `struct tm` has `tm_gmtoff`.
    /// let answers = sslprobe_build::Probe::new().member("struct tm", "tm_gmtoff").emit()?;
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn member(mut self, c_type: &str, member: &str) -> Probe {
        if !is_type_name(c_type) || !is_c_identifier(member) {
            self.problems.push(format!(
                "{c_type:?}.{member:?} is not a type name and a member name"
            ));
            return self;
        }
        let name = format!("{}_{member}", type_ident(c_type));
        self.ask(
            &name,
            Ask::Member {
                c_type: c_type.trim().to_string(),
                member: member.to_string(),
            },
        )
    }

    /// One more header for every probe, as a plain relative name: `"openssl/ocsp.h"`.
    ///
    /// ```
    /// // A header must be a plain relative name; anything else is refused before anything runs.
    /// let err = sslprobe_build::Probe::new().include("../secret.h").run().unwrap_err();
    /// assert!(err.to_string().contains("../secret.h"), "{err}");
    /// // In build.rs:
    /// # if false {
    /// sslprobe_build::Probe::new().include("openssl/ocsp.h").function_name("OCSP_resp_get0_signer").emit()?;
    /// # }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn include(mut self, header: &str) -> Probe {
        let line = format!("#include <{header}>");
        match validate_include(&line) {
            Ok(()) if !self.includes.contains(&line) => self.includes.push(line),
            Ok(()) => {}
            Err(_) => self.problems.push(format!(
                "the header {header:?} is not a plain relative header name (e.g. \"openssl/ocsp.h\")"
            )),
        }
        self
    }

    /// Whether [`Probe::emit`] also prints the catalog's cfgs (sslprobe's own answers, from
    /// `DEP_SSLPROBE_*`). On by default.
    ///
    /// ```no_run
    /// // Only the names asked here; the catalog's cfgs come from elsewhere (or are not wanted).
    /// sslprobe_build::Probe::new().catalog_cfgs(false).define("SSL_OP_NO_RENEGOTIATION").emit()?;
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn catalog_cfgs(mut self, yes: bool) -> Probe {
        self.catalog_cfgs = yes;
        self
    }

    /// Probes, then prints the `cargo:` lines: `rerun-if-env-changed` for every variable read,
    /// `rerun-if-changed` for every header the probes included, `rustc-check-cfg` for every
    /// name asked and `rustc-cfg` for every name found, and the catalog's cfgs. Returns the
    /// answers.
    ///
    /// ```no_run
    /// // The `main` of build.rs:
    /// if let Err(e) = sslprobe_build::Probe::new().define("SSL_OP_NO_RENEGOTIATION").emit() {
    ///     // Bad input or a broken environment; an absent name is never an error.
    ///     eprintln!("error: {e}");
    ///     std::process::exit(1);
    /// }
    /// ```
    pub fn emit(self) -> Result<Answers> {
        let env = ProcessEnv::new();
        let catalog_cfgs = self.catalog_cfgs;
        let result = self.probe(&env);
        for v in env.read_vars() {
            println!("cargo:rerun-if-env-changed={v}");
        }
        let (answers, headers) = result?;
        for h in headers {
            println!("cargo:rerun-if-changed={}", h.display());
        }
        if let (true, Some(m)) = (catalog_cfgs, &answers.sslprobe) {
            for l in m.cfg_lines() {
                println!("{l}");
            }
        }
        for l in answers.cfg_lines() {
            println!("{l}");
        }
        Ok(answers)
    }

    /// Probes and returns the answers without printing anything (still inside a build script:
    /// it needs `OUT_DIR`, `TARGET` and the compiler settings Cargo gives one).
    ///
    /// ```no_run
    /// let answers = sslprobe_build::Probe::new().define("SSL_OP_NO_RENEGOTIATION").run()?;
    /// // Nothing was printed: write the cfgs where you like.
    /// std::fs::write(
    ///     std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("cfgs.txt"),
    ///     answers.cfg_lines().join("\n"),
    /// ).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn run(self) -> Result<Answers> {
        self.probe(&ProcessEnv::new()).map(|(a, _)| a)
    }

    fn probe(self, env: &dyn Env) -> Result<(Answers, Vec<PathBuf>)> {
        if !self.problems.is_empty() {
            return Err(Error::invalid(
                "sslprobe_build::Probe request",
                format!("{} problem(s)", self.problems.len()),
                format!("{} (nothing was probed)", self.problems.join("; ")),
            ));
        }
        let out = cargo_var("OUT_DIR")
            .map(PathBuf::from)
            .ok_or_else(|| Error::Toolchain {
                message: "OUT_DIR is not set: sslprobe_build::Probe must run inside a build script"
                    .into(),
            })?;
        let target = cargo_var("TARGET")
            .and_then(|t| t.into_string().ok())
            .unwrap_or_default();
        env.note_read(&toolchain_var_names(&target));
        let log_path = out.join("sslprobe.log");
        let mut log = Log::to_file(&log_path)?;

        // Overrides first: they decide what needs probing. Read as sslprobe's own build reads
        // them (one reader, one set of rules), over the names asked here.
        let all: Vec<&Request> = self.requests.iter().collect();
        let names = Catalog {
            apis: request_catalog(&all, &self.includes)
                .apis
                .into_iter()
                .filter(|a| self.requests.iter().any(|r| r.name == a.name))
                .collect(),
        };
        let ov = Overrides::for_request(&names, env)?;
        for r in ov.records() {
            log.note(&format!("override: {r}"));
        }
        if ov.no_probe {
            let missing: Vec<String> = self
                .requests
                .iter()
                .filter(|r| ov.get(&r.name).is_none())
                .map(|r| format!("{}=0|1", override_var_name(&r.name)))
                .collect();
            if !missing.is_empty() {
                return Err(Error::invalid(
                    "SSLPROBE_NO_PROBE",
                    "1",
                    format!(
                        "nothing is probed, so every name this build script asks for needs an override; missing: {}",
                        missing.join(", ")
                    ),
                ));
            }
        }

        // The library: sslprobe's, else openssl-sys's rules.
        let sslprobe = if Metadata::present(env) {
            Some(Metadata::from(env)?)
        } else {
            None
        };
        let location = match &sslprobe {
            Some(m) => m.location(),
            None => {
                let loc = locate::locate(env, &target)?;
                let dep = env.var_os("DEP_OPENSSL_INCLUDE");
                locate::check_consistent_with_openssl_sys(&loc, dep.as_deref())?;
                loc
            }
        };
        log.note(&format!("located: {location:?}"));

        let to_probe: Vec<&Request> = self
            .requests
            .iter()
            .filter(|r| ov.get(&r.name).is_none())
            .collect();
        let (library, results, runs, headers) = if ov.no_probe || to_probe.is_empty() {
            (None, None, 0, Vec::new())
        } else {
            let catalog = request_catalog(&to_probe, &self.includes);
            let cc = Compiler::from_build_script()?;
            let prober = Prober::new(cc, location.clone(), &out.join("sslprobe-scratch"))?;
            let results = prober.run(&catalog, &mut log)?;
            crate::probe::check_links(&results, &mut log)?;
            let bad: Vec<String> = to_probe
                .iter()
                .enumerate()
                .filter(|(_, r)| matches!(r.ask, Ask::Function { prototype: Some(_) }))
                .filter_map(|(i, r)| {
                    let check = results.get(&prototype_check_name(i))?;
                    (!check.present).then(|| {
                        format!(
                            "the prototype {:?} of {} is not a function-pointer type ({})",
                            match &r.ask {
                                Ask::Function { prototype: Some(p) } => p.as_str(),
                                _ => "",
                            },
                            r.name,
                            check
                                .failure
                                .as_deref()
                                .unwrap_or("the compiler refused it")
                                .replace('\n', "; ")
                        )
                    })
                })
                .collect();
            if !bad.is_empty() {
                return Err(Error::invalid(
                    "sslprobe_build::Probe::function",
                    bad.join("; "),
                    "write the prototype as a function-pointer type, e.g. \"int (*)(SSL_CTX *, size_t)\"",
                ));
            }
            let runs = results.compiler_runs;
            let headers = results.headers.clone();
            (Some(results.library.clone()), Some(results), runs, headers)
        };
        let answers = self
            .requests
            .iter()
            .map(|r| {
                let (present, source, value, failure) = match ov.get(&r.name) {
                    Some(o) => (o.forced != Forced::Absent, Source::Override, None, None),
                    None => match results.as_ref().and_then(|res| res.get(&r.name)) {
                        Some(a) => (a.present, Source::Probe, a.value.clone(), a.failure.clone()),
                        // Never "absent" for want of a result: a name neither forced nor
                        // answered by the engine is an internal error, said as such.
                        None => {
                            return Err(Error::Toolchain {
                                message: format!(
                                    "the probe engine returned no result for {} (neither probed nor forced); \
                                     details in {}",
                                    r.name,
                                    log_path.display()
                                ),
                            })
                        }
                    },
                };
                Ok(Answer {
                    name: r.name.clone(),
                    cfg: crate::catalog::cfg_name(&r.name),
                    ask: r.ask.clone(),
                    present,
                    value,
                    source,
                    failure,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for a in &answers {
            log.note(&format!(
                "answer: {} {} [{}]",
                a.name,
                if a.present { "present" } else { "absent" },
                match a.source {
                    Source::Override => "override",
                    _ => "probe",
                }
            ));
        }
        Ok((
            Answers {
                library,
                location: Some(location),
                answers,
                sslprobe,
                log_path,
                compiler_runs: runs,
            },
            headers,
        ))
    }
}

/// The internal name of the check that a prototype is a function-pointer type.
fn prototype_check_name(i: usize) -> String {
    format!("sslprobe_prototype_check_{i}")
}

/// The request as a catalog the engine probes: one API per name (plus, per prototype, a check
/// that it is a function-pointer type, which must compile).
fn request_catalog(requests: &[&Request], includes: &[String]) -> Catalog {
    let mut apis = Vec::new();
    let api = |name: &str, kind: Kind, body: String| Api {
        name: name.to_string(),
        doc: String::new(),
        fallback: None,
        variants: vec![Variant {
            name: kind.as_str().to_string(),
            kind,
            rust: None,
            body,
            line: 2,
        }],
        db: BTreeMap::new(),
        file: format!("{}.c", name.to_ascii_lowercase()),
        includes: includes.to_vec(),
    };
    for (i, r) in requests.iter().enumerate() {
        let n = &r.name;
        let body = match &r.ask {
            Ask::Function { prototype: Some(p) } => {
                apis.push(api(
                    &prototype_check_name(i),
                    Kind::Type,
                    format!(
                        "{{\n    extern __typeof__(*({p})0) sslprobe_prototype_{i};\n    _Static_assert(__builtin_types_compatible_p(__typeof__(&sslprobe_prototype_{i}), __typeof__(&*sslprobe_prototype_{i})), \"not a function-pointer type\");\n}}\n"
                    ),
                ));
                format!(
                    "{{\n    void (*volatile sslprobe_p)(void) = (void (*)(void))({p}){{ {n} }};\n    (void)sslprobe_p;\n}}\n"
                )
            }
            Ask::Function { prototype: None } => format!(
                "{{\n    void (*volatile sslprobe_p)(void) = (void (*)(void))({n});\n    (void)sslprobe_p;\n}}\n"
            ),
            Ask::Macro | Ask::Define => {
                format!("{{\n#ifndef {n}\n#error \"{n} is not defined\"\n#endif\n}}\n")
            }
            // A typedef name may be opaque (used through a pointer, as OpenSSL's are); a
            // `struct`/`union`/`enum` must be complete, since a pointer to an undeclared struct
            // always compiles.
            Ask::Type { c_type } if c_type.contains(' ') => {
                format!("{{\n    (void)sizeof({c_type});\n}}\n")
            }
            Ask::Type { c_type } => format!(
                "{{\n    {c_type} *volatile sslprobe_p = 0;\n    (void)sslprobe_p;\n}}\n"
            ),
            Ask::Member { c_type, member } => format!(
                "{{\n    (void)sizeof(((({c_type} *)0))->{member});\n}}\n"
            ),
        };
        apis.push(api(n, r.ask.kind(), body));
    }
    Catalog { apis }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_validated_before_anything_runs() {
        let p = Probe::new()
            .function("SSL_x(); system(\"x\")", "int (*)(void)")
            .function("SSL_y", "int (*)(void); }")
            .include("/etc/passwd")
            .include("../x.h")
            .type_name("struct")
            .member("struct tm", "a-b")
            .define("SSL_OK")
            .define("SSL_OK");
        let e = p.probe(&crate::env::MapEnv::new()).unwrap_err().to_string();
        for needle in [
            "is not a C identifier",
            "is not a C type name",
            "\"/etc/passwd\" is not a plain relative header name",
            "\"../x.h\"",
            "\"struct\" is not a type name",
            "is not a type name and a member name",
            "SSL_OK is asked for twice",
        ] {
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn names_and_cfgs() {
        assert_eq!(type_ident("struct tm"), "tm");
        assert!(is_type_name("OSSL_LIB_CTX") && is_type_name("union u"));
        assert!(!is_type_name("struct a b") && !is_type_name("int *"));
        assert!(prototype_text_ok("int (*)(SSL_CTX *, size_t)"));
        assert!(prototype_text_ok("void (*)(const char *, ...)"));
        assert!(!prototype_text_ok("int (*)(void"));
        assert!(!prototype_text_ok("int (*)(void)) { x; }"));
        assert!(!prototype_text_ok("int (*)(void) /* c */"));
    }
}
