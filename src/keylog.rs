//! TLS key logging in the NSS key log format (what Wireshark reads), only when asked for and
//! only where the library really supports it.
//!
//! [`enable_keylog`] (or [`enable_keylog_raw`] on a bare `SSL_CTX`) installs a callback with
//! `SSL_CTX_set_keylog_callback` that appends one line per TLS secret to a file:
//!
//! * **Never implicit.** Nothing is logged unless you call it, with an explicit path
//!   ([`KeylogTarget::Path`]) or with "the path in `SSLKEYLOGFILE`, if set"
//!   ([`KeylogTarget::FromEnv`]); an unset or empty `SSLKEYLOGFILE` leaves logging off.
//! * **Honest.** The [`KeylogStatus`] says whether lines will really be written: the API may be
//!   absent ([`KeylogStatus::Unavailable`]: OpenSSL < 1.1.1) or a stub that never calls the
//!   callback ([`KeylogStatus::NoEffect`]: LibreSSL >= 3.5.0). In both cases no file is created.
//! * **Safe file handling.** The file is opened with `O_APPEND | O_NOFOLLOW` and created with
//!   mode `0600`. An existing path is refused when it is a symbolic link, not a regular file,
//!   not owned by the effective user, or has more than one hard link (another name, perhaps in
//!   a directory others can read, would expose the same secrets). A path with a symbolic link
//!   among its parent directories is refused too (give the resolved path): a link there can
//!   send the secrets anywhere its owner likes. The checks are made on the path (`lstat` of
//!   each parent, before anything is created) and again on the opened descriptor (`fstat`:
//!   type, owner, link count); after opening, the parents are checked again and the path must
//!   still name the opened file, which leaves only a swap-and-swap-back of a parent directory
//!   between the two checks undetected. An existing file of ours whose mode grants anything to
//!   group or others (typically `0644`, as left by curl or a browser sharing the same
//!   `SSLKEYLOGFILE`) is *tightened* — group/other and special bits are removed with `fchmod` on
//!   the opened descriptor, never a permission added — and [`KeylogStatus::Active`] reports the
//!   previous mode. Tightening rather than refusing keeps the common "one `SSLKEYLOGFILE` for
//!   everything" workflow working while making sure secrets written from now on are private.
//!   [`KeylogStatus::Active`] reports the file's real mode (an owner-read-only `0400` file stays
//!   `0400`; only root can append to it).
//! * **Unix only.** File handling relies on `O_NOFOLLOW`, owners and modes: on other platforms
//!   [`enable_keylog`] refuses with [`KeylogError::Unsupported`] (after the support checks, so
//!   an absent API is still reported as [`KeylogStatus::Unavailable`]).
//! * **Whole lines.** Each secret is written as `line + "\n"` with a single `write(2)` on the
//!   `O_APPEND` descriptor while holding a mutex, so lines never interleave across threads or
//!   connections, nor (thanks to `O_APPEND`) with other processes appending to the same file.
//! * **No unwinding across FFI.** The callback never panics; write failures are counted
//!   ([`KeylogCounters::write_errors`], [`keylog_write_errors`]) instead.
//!
//! ## Why not `openssl::ssl::SslContextBuilder::set_keylog_callback`?
//! The `openssl` crate only offers that method under `openssl-sys`'s *version* cfgs (`ossl111`,
//! `boringssl`, `awslc`). This module is gated on sslprobe's own build-time probe
//! (`have_ssl_ctx_set_keylog_callback`) and calls the extern the probe proved, so it works
//! wherever the function really exists (a backport, a library whose version number says
//! otherwise) and says "unavailable" wherever it does not — truth from the probe, not from the
//! version number. It also needs no `openssl` crate at all ([`enable_keylog_raw`]).
//!
//! Installing this callback replaces any other key-log callback on the context (including one
//! set through the `openssl` crate), and vice versa: a context has one key-log callback.
//!
//! ```
//! use openssl::ssl::{SslContext, SslMethod};
//! use sslprobe::keylog::{enable_keylog, KeylogStatus, KeylogTarget};
//!
//! let mut builder = SslContext::builder(SslMethod::tls_server()).unwrap();
//! // Logs only if SSLKEYLOGFILE is set (and non-empty) in the environment.
//! match enable_keylog(&mut builder, KeylogTarget::FromEnv) {
//!     Ok(status) => println!("{status}"),
//!     Err(e) => eprintln!("key logging refused: {e}"),
//! }
//! ```

use crate::info::build_info;
use openssl_sys::{SSL, SSL_CTX};
use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The C name of the API this module uses.
const API: &str = "SSL_CTX_set_keylog_callback";

/// The environment variable read by [`KeylogTarget::FromEnv`].
pub const ENV_VAR: &str = "SSLKEYLOGFILE";

/// Where key-log lines go.
///
/// ```
/// use sslprobe::keylog::KeylogTarget;
/// let explicit = KeylogTarget::Path("/tmp/keys.log".into());
/// let from_env = KeylogTarget::FromEnv; // off unless SSLKEYLOGFILE is set
/// assert_ne!(explicit, from_env);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeylogTarget {
    /// This file (appended to; created with mode `0600` if missing).
    Path(PathBuf),
    /// The path in `SSLKEYLOGFILE`, if set and non-empty; otherwise logging stays off
    /// ([`KeylogStatus::Disabled`]). Read once, when [`enable_keylog`] is called.
    FromEnv,
}

impl KeylogTarget {
    /// The path this target resolves to now: `None` for [`KeylogTarget::FromEnv`] when
    /// `SSLKEYLOGFILE` is unset or empty.
    ///
    /// ```
    /// use sslprobe::keylog::KeylogTarget;
    /// let t = KeylogTarget::Path("keys.log".into());
    /// assert_eq!(t.resolve().as_deref(), Some(std::path::Path::new("keys.log")));
    /// ```
    pub fn resolve(&self) -> Option<PathBuf> {
        match self {
            KeylogTarget::Path(p) => Some(p.clone()),
            KeylogTarget::FromEnv => std::env::var_os(ENV_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// Whether the linked library can log keys at all (independent of any context).
///
/// ```
/// let support = sslprobe::keylog::support();
/// println!("key logging: {support}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeylogSupport {
    /// `SSL_CTX_set_keylog_callback` exists and calls the callback.
    Available,
    /// `SSL_CTX_set_keylog_callback` is absent (build-time probe, or — with the
    /// `runtime-detect` feature — from the library loaded at run time).
    Unavailable,
    /// Present but a stub that never calls the callback (LibreSSL >= 3.5.0).
    NoEffect,
}

impl fmt::Display for KeylogSupport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lib = build_info().describe();
        match self {
            KeylogSupport::Available => {
                write!(f, "available ({API} present and effective in {lib})")
            }
            KeylogSupport::Unavailable => write!(f, "unavailable ({API} is absent from {lib})"),
            KeylogSupport::NoEffect => {
                write!(
                    f,
                    "no effect ({API} exists in {lib} but is a stub: the callback is never called)"
                )
            }
        }
    }
}

/// The key-log callback setter the library really has, if any.
type SetKeylogCallback = unsafe extern "C" fn(
    ctx: *mut SSL_CTX,
    cb: Option<unsafe extern "C" fn(ssl: *const SSL, line: *const c_char)>,
);

#[cfg(all(have_ssl_ctx_set_keylog_callback, not(feature = "runtime-detect")))]
fn setter() -> Option<SetKeylogCallback> {
    Some(crate::sys::SSL_CTX_set_keylog_callback)
}

#[cfg(all(have_ssl_ctx_set_keylog_callback, feature = "runtime-detect"))]
fn setter() -> Option<SetKeylogCallback> {
    crate::sys::dynamic::SSL_CTX_set_keylog_callback()
}

#[cfg(not(have_ssl_ctx_set_keylog_callback))]
fn setter() -> Option<SetKeylogCallback> {
    None
}

/// Whether the linked library can log keys: [`KeylogSupport::Available`] when the build-time
/// probe found `SSL_CTX_set_keylog_callback` and the knowledge DB does not know it as a stub.
///
/// ```
/// use sslprobe::keylog::{support, KeylogSupport};
/// let info = sslprobe::build_info();
/// if !info.has("SSL_CTX_set_keylog_callback") {
///     assert_eq!(support(), KeylogSupport::Unavailable);
/// }
/// ```
pub fn support() -> KeylogSupport {
    if setter().is_none() {
        return KeylogSupport::Unavailable;
    }
    if build_info().api(API).is_some_and(|a| a.effective) {
        KeylogSupport::Available
    } else {
        KeylogSupport::NoEffect
    }
}

/// Counters of one key-log file: shared with the callback, readable at any time.
///
/// ```no_run
/// # fn demo(status: sslprobe::keylog::KeylogStatus) {
/// if let Some(c) = status.counters() {
///     println!("{} lines, {} write errors", c.lines_written(), c.write_errors());
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct KeylogCounters(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    lines: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl KeylogCounters {
    /// Lines written completely.
    pub fn lines_written(&self) -> u64 {
        self.0.lines.load(Ordering::Relaxed)
    }

    /// Failed or short writes (the callback cannot report errors to the library: it counts them).
    pub fn write_errors(&self) -> u64 {
        self.0.errors.load(Ordering::Relaxed)
    }

    /// The last write error, as text.
    pub fn last_write_error(&self) -> Option<String> {
        lock(&self.0.last_error).clone()
    }
}

impl PartialEq for KeylogCounters {
    /// Two handles are equal when they count the same file installation.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for KeylogCounters {}

static GLOBAL_WRITE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Key-log write errors in this process, over every context (see also
/// [`KeylogCounters::write_errors`]).
///
/// ```
/// let errors = sslprobe::keylog::keylog_write_errors();
/// println!("{errors} key-log write errors so far");
/// ```
pub fn keylog_write_errors() -> u64 {
    GLOBAL_WRITE_ERRORS.load(Ordering::Relaxed)
}

/// What [`enable_keylog`] did, i.e. whether key-log lines will really be written.
///
/// ```
/// use sslprobe::keylog::KeylogStatus;
/// assert!(!KeylogStatus::Disabled.is_active());
/// println!("{}", KeylogStatus::Disabled);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeylogStatus {
    /// The callback is installed; every TLS secret of connections on this context is appended
    /// to `path`.
    Active {
        /// The file (as given).
        path: PathBuf,
        /// The mode the existing file had before it was tightened to owner-only, if it was.
        tightened_from: Option<u32>,
        /// The file's permission bits now (`0o600` for a new file; an existing owner-only file
        /// keeps its mode, e.g. `0o400`).
        mode: u32,
        /// Lines and write errors of this file.
        counters: KeylogCounters,
    },
    /// `SSL_CTX_set_keylog_callback` is absent from this library: nothing will be logged; no
    /// file was created.
    Unavailable,
    /// `SSL_CTX_set_keylog_callback` exists but is a stub that never calls the callback
    /// (LibreSSL >= 3.5.0): nothing would ever be logged, so it was not installed and no file
    /// was created.
    NoEffect,
    /// [`KeylogTarget::FromEnv`] and `SSLKEYLOGFILE` is unset or empty: logging stays off.
    Disabled,
}

impl KeylogStatus {
    /// Whether lines will be written.
    pub fn is_active(&self) -> bool {
        matches!(self, KeylogStatus::Active { .. })
    }

    /// The counters when active.
    pub fn counters(&self) -> Option<&KeylogCounters> {
        match self {
            KeylogStatus::Active { counters, .. } => Some(counters),
            _ => None,
        }
    }
}

impl fmt::Display for KeylogStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeylogStatus::Active { path, tightened_from, mode, .. } => {
                write!(f, "key logging active: NSS key-log lines are appended to {} (mode {mode:04o})", path.display())?;
                if let Some(m) = tightened_from {
                    write!(f, "; the existing file had mode {m:04o} and was tightened")?;
                }
                write!(f, ". Anyone who reads it can decrypt this server's traffic")
            }
            KeylogStatus::Unavailable => write!(
                f,
                "key logging unavailable: {API} is absent from {}; nothing will be logged",
                build_info().describe()
            ),
            KeylogStatus::NoEffect => write!(
                f,
                "key logging has no effect: {API} exists in {} but is a stub that never calls the callback; \
                 nothing will be logged (no file created)",
                build_info().describe()
            ),
            KeylogStatus::Disabled => write!(f, "key logging off: {ENV_VAR} is not set (or empty)"),
        }
    }
}

/// Why key logging was refused.
#[derive(Debug)]
pub enum KeylogError {
    /// The path is empty.
    EmptyPath,
    /// The path exists and is a symbolic link (refused: it could point anywhere).
    Symlink {
        /// The path.
        path: PathBuf,
    },
    /// The path exists and is not a regular file.
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is (`directory`, `FIFO`, ...).
        kind: &'static str,
    },
    /// A parent directory in the path is a symbolic link (refused: the link's owner decides
    /// where the secrets go).
    SymlinkInPath {
        /// The path as given.
        path: PathBuf,
        /// The parent directory that is a symbolic link.
        dir: PathBuf,
        /// Where the link points, if it can be read.
        target: Option<PathBuf>,
    },
    /// The file has other hard links (refused: another name exposes the same secrets).
    HardLinked {
        /// The path.
        path: PathBuf,
        /// Its number of links.
        links: u64,
    },
    /// The path no longer named the opened file once it was open (something replaced it, or
    /// one of its parent directories, meanwhile).
    Replaced {
        /// The path.
        path: PathBuf,
    },
    /// Key-log files are only written on Unix (the safety checks need `O_NOFOLLOW`, owners and
    /// modes).
    Unsupported {
        /// The path.
        path: PathBuf,
    },
    /// The file is owned by another user than the effective user.
    NotOwned {
        /// The path.
        path: PathBuf,
        /// The file's owner.
        owner: u32,
        /// The effective user id of this process.
        euid: u32,
    },
    /// An I/O operation on the path failed.
    Io {
        /// The path.
        path: PathBuf,
        /// What was being done (`open`, `inspect`, `tighten the mode of`).
        op: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The context pointer is null ([`enable_keylog_raw`]).
    NullContext,
    /// The library refused to store the writer on the context (`SSL_CTX_get_ex_new_index` or
    /// `SSL_CTX_set_ex_data` failed, e.g. out of memory).
    ExData {
        /// Which call failed.
        call: &'static str,
    },
}

impl fmt::Display for KeylogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeylogError::EmptyPath => write!(f, "key log path is empty"),
            KeylogError::Symlink { path } => write!(
                f,
                "refusing key log file {}: it is a symbolic link (give the real path of a regular file)",
                path.display()
            ),
            KeylogError::NotRegularFile { path, kind } => {
                write!(f, "refusing key log file {}: it is a {kind}, not a regular file", path.display())
            }
            KeylogError::SymlinkInPath { path, dir, target } => {
                write!(
                    f,
                    "refusing key log file {}: its parent directory {} is a symbolic link",
                    path.display(),
                    dir.display()
                )?;
                if let Some(t) = target {
                    write!(f, " (to {})", t.display())?;
                }
                write!(f, "; give a path without symbolic links (the resolved path)")
            }
            KeylogError::HardLinked { path, links } => write!(
                f,
                "refusing key log file {}: it has {links} hard links, so its secrets can be read \
                 under another name; remove the other links or choose a new file",
                path.display()
            ),
            KeylogError::Replaced { path } => write!(
                f,
                "refusing key log file {}: the path was replaced while it was being opened",
                path.display()
            ),
            KeylogError::Unsupported { path } => write!(
                f,
                "cannot write key log file {}: key logging to files is only supported on Unix",
                path.display()
            ),
            KeylogError::NotOwned { path, owner, euid } => write!(
                f,
                "refusing key log file {}: it is owned by uid {owner}, not by the current user (uid {euid})",
                path.display()
            ),
            KeylogError::Io { path, op, source } => write!(f, "cannot {op} key log file {}: {source}", path.display()),
            KeylogError::NullContext => write!(f, "SSL_CTX pointer is null"),
            KeylogError::ExData { call } => write!(f, "{call} failed: cannot attach the key log writer to the context"),
        }
    }
}

impl std::error::Error for KeylogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeylogError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The open file and its counters, owned by the `SSL_CTX` (ex_data) once installed.
struct Sink {
    file: Mutex<File>,
    counters: Arc<Counters>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sink {
    /// Appends `line` and a newline with one `write(2)` under the mutex. Never panics.
    ///
    /// A short write (disk full, file size limit) would leave half a line: the rest is written
    /// at once, still under the mutex, and the line counts as one write error, not as written.
    fn append(&self, line: &[u8]) {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line);
        buf.push(b'\n');
        let mut file = lock(&self.file);
        let mut done = 0;
        let mut failure: Option<io::Error> = None;
        while done < buf.len() {
            match file.write(&buf[done..]) {
                Ok(0) => {
                    failure = Some(io::Error::new(io::ErrorKind::WriteZero, "write returned 0"));
                    break;
                }
                Ok(n) => {
                    done += n;
                    if done < buf.len() && failure.is_none() {
                        failure = Some(io::Error::new(
                            io::ErrorKind::WriteZero,
                            format!("short write: {n} of {} bytes", buf.len()),
                        ));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Report the real cause (EFBIG, ENOSPC) rather than the earlier short write.
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(file);
        match failure {
            None => {
                self.counters.lines.fetch_add(1, Ordering::Relaxed);
            }
            Some(e) => self.error(&e),
        }
    }

    fn error(&self, e: &io::Error) {
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        GLOBAL_WRITE_ERRORS.fetch_add(1, Ordering::Relaxed);
        *lock(&self.counters.last_error) = Some(e.to_string());
    }
}

/// The ex_data index holding `Box<Arc<Sink>>` on an `SSL_CTX` (allocated once per process,
/// with a free function that drops the sink when the context is freed). `-1`: allocation failed.
fn ex_index() -> c_int {
    static INDEX: OnceLock<c_int> = OnceLock::new();
    *INDEX.get_or_init(|| {
        openssl_sys::init();
        // The third parameter is `CRYPTO_EX_new *` in OpenSSL/LibreSSL but an unused
        // `CRYPTO_EX_unused *` (an int pointer) in BoringSSL and AWS-LC; both take null here.
        #[cfg(not(any(sslprobe_boringssl, sslprobe_awslc)))]
        let unused = None;
        #[cfg(any(sslprobe_boringssl, sslprobe_awslc))]
        let unused = std::ptr::null_mut();
        // SAFETY: registering a free callback with no argp; the callback matches CRYPTO_EX_free.
        unsafe {
            openssl_sys::SSL_CTX_get_ex_new_index(
                0,
                std::ptr::null_mut(),
                unused,
                None,
                Some(free_sink),
            )
        }
    })
}

unsafe extern "C" fn free_sink(
    _parent: *mut c_void,
    ptr: *mut c_void,
    _ad: *mut openssl_sys::CRYPTO_EX_DATA,
    _idx: c_int,
    _argl: c_long,
    _argp: *mut c_void,
) {
    if !ptr.is_null() {
        // SAFETY: only `Box<Arc<Sink>>::into_raw` pointers are stored under this index.
        drop(Box::from_raw(ptr as *mut Arc<Sink>));
    }
}

/// The C callback: finds the sink on the connection's context and appends the line.
unsafe extern "C" fn keylog_callback(ssl: *const SSL, line: *const c_char) {
    if ssl.is_null() || line.is_null() {
        return;
    }
    // Nothing below panics, but a panic must never unwind into C: contain it.
    let _ = std::panic::catch_unwind(|| {
        let index = ex_index();
        if index < 0 {
            return;
        }
        // SAFETY: the library passes a live SSL; its context outlives the call (the SSL holds a
        // reference). The key-log callback invoked is the one of this same context
        // (`ssl->ctx`), so the sink found here is the one installed with it.
        let ctx = openssl_sys::SSL_get_SSL_CTX(ssl);
        if ctx.is_null() {
            return;
        }
        let ptr = openssl_sys::SSL_CTX_get_ex_data(ctx, index) as *const Arc<Sink>;
        if ptr.is_null() {
            return;
        }
        // SAFETY: stored by `install` as Box<Arc<Sink>>, freed only with the context.
        let sink = &*ptr;
        sink.append(CStr::from_ptr(line).to_bytes());
    });
}

/// The opened key-log file and what is known about it.
struct Opened {
    file: File,
    /// The mode before it was tightened, if it was.
    tightened_from: Option<u32>,
    /// The permission bits now.
    mode: u32,
}

#[cfg(unix)]
use unix_file::open_keylog_file;

/// Without Unix file semantics (`O_NOFOLLOW`, owners, modes) the file cannot be opened safely:
/// refused, with the reason.
#[cfg(not(unix))]
fn open_keylog_file(path: &std::path::Path) -> Result<Opened, KeylogError> {
    if path.as_os_str().is_empty() {
        return Err(KeylogError::EmptyPath);
    }
    Err(KeylogError::Unsupported {
        path: path.to_path_buf(),
    })
}

/// Opening the key-log file with every check (Unix: `lstat`, `O_NOFOLLOW`, `fstat`, `fchmod`).
#[cfg(unix)]
mod unix_file {
    use super::{KeylogError, Opened};
    use std::fs::{OpenOptions, Permissions};
    use std::io;
    use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    fn file_kind(ft: std::fs::FileType) -> &'static str {
        if ft.is_dir() {
            "directory"
        } else if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_block_device() {
            "block device"
        } else if ft.is_char_device() {
            "character device"
        } else if ft.is_symlink() {
            "symbolic link"
        } else {
            "non-regular file"
        }
    }

    fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    /// Checks metadata of an existing path (from `lstat` or `fstat`).
    fn check_meta(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeylogError> {
        let ft = meta.file_type();
        if ft.is_symlink() {
            return Err(KeylogError::Symlink {
                path: path.to_path_buf(),
            });
        }
        if !ft.is_file() {
            return Err(KeylogError::NotRegularFile {
                path: path.to_path_buf(),
                kind: file_kind(ft),
            });
        }
        let euid = euid();
        if meta.uid() != euid {
            return Err(KeylogError::NotOwned {
                path: path.to_path_buf(),
                owner: meta.uid(),
                euid,
            });
        }
        if meta.nlink() > 1 {
            return Err(KeylogError::HardLinked {
                path: path.to_path_buf(),
                links: meta.nlink(),
            });
        }
        Ok(())
    }

    /// Refuses a path with a symbolic link among its parent directories (`lstat` of each one).
    /// A parent that cannot be inspected is left to the open, which then fails with the reason.
    fn check_parents(path: &Path) -> Result<(), KeylogError> {
        for dir in path.ancestors().skip(1) {
            if dir.as_os_str().is_empty() {
                continue;
            }
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(KeylogError::SymlinkInPath {
                    path: path.to_path_buf(),
                    dir: dir.to_path_buf(),
                    target: std::fs::read_link(dir).ok(),
                });
            }
        }
        Ok(())
    }

    /// Opens (or creates, mode 0600) the key-log file for appending, with every check.
    pub(super) fn open_keylog_file(path: &Path) -> Result<Opened, KeylogError> {
        if path.as_os_str().is_empty() {
            return Err(KeylogError::EmptyPath);
        }
        let io_err = |op: &'static str| {
            move |source: io::Error| KeylogError::Io {
                path: path.to_path_buf(),
                op,
                source,
            }
        };
        // lstat first: refuse symlinked parents, symlinks, FIFOs, devices, foreign and hard-linked
        // files before opening (or creating) anything.
        check_parents(path)?;
        match std::fs::symlink_metadata(path) {
            Ok(meta) => check_meta(path, &meta)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("inspect")(e)),
        }
        // O_NOFOLLOW closes the race with a symlink planted after the lstat; O_NONBLOCK keeps a FIFO
        // planted in that window from blocking the open (it has no effect on regular files).
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    KeylogError::Symlink {
                        path: path.to_path_buf(),
                    }
                } else {
                    io_err("open")(e)
                }
            })?;
        // fstat the descriptor we actually hold: the final word on type, owner and links.
        let meta = file.metadata().map_err(io_err("inspect"))?;
        check_meta(path, &meta)?;
        // The parents again, and the path must still name the file we hold (a parent directory
        // swapped for a symlink between the first check and the open would change it).
        check_parents(path)?;
        let named = std::fs::symlink_metadata(path).map_err(io_err("inspect"))?;
        if (named.dev(), named.ino()) != (meta.dev(), meta.ino()) {
            return Err(KeylogError::Replaced {
                path: path.to_path_buf(),
            });
        }
        // A regular file: back to blocking writes (O_NONBLOCK only guarded the open).
        // SAFETY: fcntl on a descriptor we own, with flag values from libc.
        unsafe {
            use std::os::fd::AsRawFd;
            let fd = file.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
                return Err(io_err("configure")(io::Error::last_os_error()));
            }
        }
        let mode = meta.mode() & 0o7777;
        let tight = mode & 0o600;
        let tightened_from = if mode != tight {
            file.set_permissions(Permissions::from_mode(tight))
                .map_err(io_err("tighten the mode of"))?;
            Some(mode)
        } else {
            None
        };
        Ok(Opened {
            file,
            tightened_from,
            mode: tight,
        })
    }
}

/// Enables key logging on a raw context. See [`enable_keylog`]; this variant needs no
/// `openssl` crate.
///
/// Calling it again on the same context replaces the file (the previous one is closed).
///
/// # Safety
/// `ctx` must be a valid `SSL_CTX` pointer (or null, which is reported as an error) that no
/// other thread uses during the call and on which no handshake is in progress (the previous
/// writer, if any, is freed).
///
/// ```
/// use openssl::ssl::{SslContext, SslMethod};
/// use sslprobe::keylog::{enable_keylog_raw, KeylogStatus, KeylogTarget};
/// let mut builder = SslContext::builder(SslMethod::tls_server()).unwrap();
/// let path = std::env::temp_dir().join(format!("sslprobe-doc-raw-{}.keys", std::process::id()));
/// let status = unsafe { enable_keylog_raw(builder.as_ptr(), KeylogTarget::Path(path.clone())) }.unwrap();
/// println!("{status}");
/// # let _ = std::fs::remove_file(&path);
/// ```
pub unsafe fn enable_keylog_raw(
    ctx: *mut SSL_CTX,
    target: KeylogTarget,
) -> Result<KeylogStatus, KeylogError> {
    if ctx.is_null() {
        return Err(KeylogError::NullContext);
    }
    let Some(path) = target.resolve() else {
        return Ok(KeylogStatus::Disabled);
    };
    if path.as_os_str().is_empty() {
        return Err(KeylogError::EmptyPath);
    }
    let set = match (setter(), support()) {
        (None, _) => return Ok(KeylogStatus::Unavailable),
        (Some(_), KeylogSupport::NoEffect) => return Ok(KeylogStatus::NoEffect),
        (Some(set), _) => set,
    };
    let index = ex_index();
    if index < 0 {
        return Err(KeylogError::ExData {
            call: "SSL_CTX_get_ex_new_index",
        });
    }
    let opened = open_keylog_file(&path)?;
    let counters = Arc::new(Counters::default());
    let sink = Box::into_raw(Box::new(Arc::new(Sink {
        file: Mutex::new(opened.file),
        counters: counters.clone(),
    })));
    let old = openssl_sys::SSL_CTX_get_ex_data(ctx, index);
    if openssl_sys::SSL_CTX_set_ex_data(ctx, index, sink as *mut c_void) != 1 {
        drop(Box::from_raw(sink));
        return Err(KeylogError::ExData {
            call: "SSL_CTX_set_ex_data",
        });
    }
    if !old.is_null() {
        // SAFETY: stored by an earlier call under our index; no handshake uses it (contract).
        drop(Box::from_raw(old as *mut Arc<Sink>));
    }
    set(ctx, Some(keylog_callback));
    Ok(KeylogStatus::Active {
        path,
        tightened_from: opened.tightened_from,
        mode: opened.mode,
        counters: KeylogCounters(counters),
    })
}

/// Enables key logging on a context builder: every TLS secret of every connection made from
/// the resulting context is appended, as one NSS key-log line, to the target file.
///
/// Order of decisions: [`KeylogTarget::FromEnv`] with `SSLKEYLOGFILE` unset or empty →
/// [`KeylogStatus::Disabled`]; API absent → [`KeylogStatus::Unavailable`]; API a stub →
/// [`KeylogStatus::NoEffect`] (in those three cases no file is touched); otherwise the file is
/// checked and opened (see the [module docs](self) for the rules) and the status is
/// [`KeylogStatus::Active`]. Refusals are errors naming the path and the reason.
///
/// ```
/// use openssl::ssl::{SslContext, SslMethod};
/// use sslprobe::keylog::{enable_keylog, KeylogStatus, KeylogSupport, KeylogTarget};
///
/// let path = std::env::temp_dir().join(format!("sslprobe-doc-{}.keys", std::process::id()));
/// let mut builder = SslContext::builder(SslMethod::tls_server()).unwrap();
/// let result = enable_keylog(&mut builder, KeylogTarget::Path(path.clone()));
/// #[cfg(unix)]
/// {
///     let status = result.unwrap();
///     println!("{status}");
///     if sslprobe::keylog::support() == KeylogSupport::Available {
///         assert!(status.is_active());
///         use std::os::unix::fs::PermissionsExt;
///         assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
///     }
/// }
/// // Elsewhere no key-log file is ever opened.
/// #[cfg(not(unix))]
/// assert!(!result.is_ok_and(|s| s.is_active()));
/// # let _ = std::fs::remove_file(&path);
/// ```
#[cfg(feature = "openssl")]
pub fn enable_keylog(
    builder: &mut openssl::ssl::SslContextBuilder,
    target: KeylogTarget,
) -> Result<KeylogStatus, KeylogError> {
    // SAFETY: the builder owns a valid SSL_CTX, we hold it mutably, and no connection can be
    // made from a builder.
    unsafe { enable_keylog_raw(builder.as_ptr(), target) }
}
