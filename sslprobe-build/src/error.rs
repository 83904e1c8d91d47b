//! The one error type of the engine.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while locating, identifying or probing a library.
///
/// Every variant carries enough context (paths, commands, compiler output) for a
/// user to act on it without re-running anything. Nothing here ever means
/// "the API is absent": absence is a [`crate::probe::ApiResult`], never an error.
///
/// ```
/// use sslprobe_build::{Error, Version};
/// match Version::parse("3.0.x") {
///     Err(Error::InvalidInput { what, value, reason }) => {
///         assert_eq!((what.as_str(), value.as_str()), ("version", "3.0.x"));
///         assert!(!reason.is_empty());
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// An environment variable, override, argument or path has a value we refuse.
    InvalidInput {
        /// What was being read, e.g. `OPENSSL_STATIC` or `--support`.
        what: String,
        /// The offending text, verbatim.
        value: String,
        /// Why it is refused, and what would be accepted.
        reason: String,
    },
    /// The library could not be found where the configuration says it is.
    NotFound {
        /// What was looked for.
        what: String,
        /// Places searched.
        searched: Vec<PathBuf>,
        /// Advice for the user.
        hint: String,
    },
    /// The catalog (probes/) is malformed.
    Catalog(String),
    /// The C toolchain could not even be set up or run.
    Toolchain {
        /// What failed.
        message: String,
    },
    /// The sanity probe failed: the environment is broken, so no result can be trusted.
    Sanity {
        /// The command line of the failing compile+link.
        command: String,
        /// Include directories used.
        include_dirs: Vec<PathBuf>,
        /// Library directories used.
        lib_dirs: Vec<PathBuf>,
        /// The compiler's own output.
        output: String,
        /// Our diagnosis of the likely cause.
        diagnosis: String,
    },
    /// The headers could not be identified as any OpenSSL-family library.
    Identify {
        /// Why.
        message: String,
        /// The preprocessor output or compiler diagnostics that led here.
        output: String,
    },
    /// The headers and the libraries belong to different builds: probes that compile against
    /// the headers do not link because symbols those headers declare are missing from the
    /// libraries (or a dependency of the libraries is). No result can be trusted.
    Mismatch {
        /// What does not link, and why it matters.
        what: String,
        /// The library directories the symbols were looked for in.
        lib_dirs: Vec<PathBuf>,
        /// What the user can do (including the overrides that accept the APIs as absent).
        hint: String,
    },
    /// I/O failure on a path we own (scratch directory, log file, ...).
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error ([`std::error::Error::source`] returns it).
        source: std::sync::Arc<std::io::Error>,
    },
}

impl PartialEq for Error {
    /// Errors are equal when they say the same thing (an I/O error by its kind and text).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Error::Io { path: a, source: x }, Error::Io { path: b, source: y }) => {
                a == b && x.kind() == y.kind() && x.to_string() == y.to_string()
            }
            _ => {
                std::mem::discriminant(self) == std::mem::discriminant(other)
                    && self.to_string() == other.to_string()
            }
        }
    }
}

impl Eq for Error {}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    ///
    /// ```
    /// use sslprobe_build::Error;
    /// let e = Error::invalid("--support", "openssl>=x", "not a version");
    /// assert!(matches!(&e, Error::InvalidInput { what, .. } if what == "--support"));
    /// assert!(e.to_string().contains("openssl>=x"));
    /// ```
    pub fn invalid(
        what: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            what: what.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub(crate) fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source: std::sync::Arc::new(err),
        }
    }
}

fn paths(p: &[PathBuf]) -> String {
    if p.is_empty() {
        return "(none)".into();
    }
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput {
                what,
                value,
                reason,
            } => {
                write!(f, "invalid {what}: {value:?}: {reason}")
            }
            Error::NotFound {
                what,
                searched,
                hint,
            } => {
                write!(f, "{what} not found (searched: {})", paths(searched))?;
                if !hint.is_empty() {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::Catalog(m) => write!(f, "probe catalog error: {m}"),
            Error::Toolchain { message } => write!(f, "C toolchain error: {message}"),
            Error::Sanity {
                command,
                include_dirs,
                lib_dirs,
                output,
                diagnosis,
            } => {
                writeln!(
                    f,
                    "sslprobe sanity probe failed: SSL_CTX_new could not be compiled and linked, \
                     so no API result could be trusted (this is a broken build environment, not \
                     a missing API)."
                )?;
                writeln!(f, "  diagnosis:    {diagnosis}")?;
                writeln!(f, "  command:      {command}")?;
                writeln!(f, "  include dirs: {}", paths(include_dirs))?;
                writeln!(f, "  lib dirs:     {}", paths(lib_dirs))?;
                writeln!(f, "  compiler output:")?;
                for line in output.lines() {
                    writeln!(f, "    {line}")?;
                }
                write!(
                    f,
                    "  To skip probing (cross builds without a target linker) see SSLPROBE_NO_PROBE / SSLPROBE_ASSUME."
                )
            }
            Error::Identify { message, output } => {
                write!(f, "could not identify the SSL library: {message}")?;
                if !output.trim().is_empty() {
                    write!(f, "\n  output:")?;
                    for line in output.lines().take(40) {
                        write!(f, "\n    {line}")?;
                    }
                }
                Ok(())
            }
            Error::Mismatch {
                what,
                lib_dirs,
                hint,
            } => {
                write!(f, "{what} (library directories: {})", paths(lib_dirs))?;
                if !hint.is_empty() {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Result alias of the engine.
///
/// ```
/// fn floor() -> sslprobe_build::Result<sslprobe_build::Version> {
///     sslprobe_build::Version::parse("1.1.1")
/// }
/// assert_eq!(floor().unwrap().to_string(), "1.1.1");
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
