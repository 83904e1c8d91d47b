//! The C compiler, exactly as the real build would use it.
//!
//! The compiler, its target flags and the user's `CFLAGS` come from the `cc` crate (the same
//! discovery every `-sys` crate uses: `CC`, `CFLAGS`, `TARGET_CC`, `CC_<target>`, ...). The
//! engine then makes three adjustments, and only these:
//!
//! - optimisation flags are replaced by `-O0` (an optimiser may drop the very reference a probe
//!   exists to make) and debug-info flags are dropped (they change nothing but cost time);
//! - `-Wno-error` neutralises a user's `-Werror`, so warnings the probe did not ask about cannot
//!   turn a present API into an absent one, and `-Wno-all -Wno-extra` skip the user's general
//!   warnings (for their code, not ours);
//! - the diagnostics a probe relies on are made errors: implicit function declarations,
//!   incompatible pointer types and int conversions;
//! - diagnostics are plain text (`-fdiagnostics-color=never`): they are parsed; deprecation
//!   warnings are off (`-Wno-deprecated-declarations`: a deprecated API is present).
//!
//! The engine's flags come after the user's, so they win where order decides. Where it does not
//! (`-w` silences every warning, whatever follows), the control probes notice and the flag is
//! left out of the probe commands (see `probe::controls`).
//!
//! ```
//! use sslprobe_build::compiler::{render_command, Compiler};
//! # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
//! let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
//! let mut check = std::process::Command::new(cc.path());
//! check.arg("--version");
//! println!("probing with: {}", render_command(&check));
//! # }
//! # Ok::<(), sslprobe_build::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::locate::Location;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags that turn the diagnostics probes rely on into errors.
pub(crate) const PROBE_ERROR_FLAGS: &[&str] = &[
    "-Werror=implicit-function-declaration",
    "-Werror=incompatible-pointer-types",
    "-Werror=int-conversion",
];

/// A configured C compiler plus the library location to compile and link against.
///
/// ```
/// use sslprobe_build::compiler::{render_command, Compiler};
/// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
/// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// println!("probes compile with {}", cc.path().display());
/// # }
/// # Ok::<(), sslprobe_build::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Compiler {
    path: PathBuf,
    args: Vec<OsString>,
    /// How many of `args` (the first ones) come from the `cc` crate and the user; the rest are
    /// the engine's.
    user_args: usize,
    env: Vec<(OsString, OsString)>,
    target: String,
}

pub(crate) fn is_dropped_flag(arg: &&std::ffi::OsStr) -> bool {
    let s = arg.to_string_lossy();
    (s.starts_with("-O") && s.len() <= 6) || s == "-g" || s.starts_with("-gdwarf") || s == "-Werror"
}

impl Compiler {
    /// The compiler a build script's `cc::Build` would use (the `cc` crate reads `TARGET`,
    /// `HOST`, `CC`, `CFLAGS`, ... itself). It prints nothing: the caller records those names
    /// through its [`Env`](crate::env::Env) ([`toolchain_var_names`]), so that the `Env` alone
    /// produces the `cargo:rerun-if-env-changed` lines.
    pub(crate) fn from_build_script() -> Result<Compiler> {
        let mut b = cc::Build::new();
        b.cargo_metadata(false)
            .cargo_warnings(false)
            .emit_rerun_if_env_changed(false);
        b.opt_level(0).debug(false);
        let target = crate::env::cargo_var("TARGET")
            .and_then(|t| t.into_string().ok())
            .ok_or_else(|| Error::Toolchain {
                message:
                    "TARGET is not set: Compiler::from_build_script must run inside a build script"
                        .into(),
            })?;
        Self::from_cc(&b, target)
    }

    /// A compiler for `target` outside a build script (the CLI): host = target, no cargo output.
    ///
    /// ```
    /// use sslprobe_build::compiler::Compiler;
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// // Outside a build script (a CLI, a test): the compiler the cc crate picks for the target,
    /// // honouring CC, CFLAGS, CC_<target>, ...
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// # }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn for_target(target: &str) -> Result<Compiler> {
        let mut b = cc::Build::new();
        b.cargo_metadata(false)
            .cargo_warnings(false)
            .emit_rerun_if_env_changed(false)
            .target(target)
            .host(target)
            .opt_level(0)
            .debug(false);
        Self::from_cc(&b, target.to_string())
    }

    fn from_cc(b: &cc::Build, target: String) -> Result<Compiler> {
        let tool = b.try_get_compiler().map_err(|e| Error::Toolchain {
            message: format!("the cc crate could not set up a C compiler for {target}: {e}"),
        })?;
        // The cc crate takes a compiler whose output it cannot read for MSVC (`CC=true` prints
        // nothing); only a real MSVC-style driver is refused here. Anything else is used as a
        // GNU-style driver, and the control probes tell whether it really compiles and links.
        let stem = tool
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if tool.is_like_msvc() && (target.contains("msvc") || stem == "cl" || stem == "clang-cl") {
            return Err(Error::Toolchain {
                message: "MSVC-style compilers are not supported by the probe engine yet; set \
                          SSLPROBE_NO_PROBE=1 with SSLPROBE_ASSUME=<family>-<version> to use the knowledge DB"
                    .into(),
            });
        }
        // `to_command` includes a compiler wrapper (ccache, sccache) and the tool's environment.
        let base = tool.to_command();
        let mut args: Vec<OsString> = base
            .get_args()
            .filter(|a| !is_dropped_flag(a))
            .map(OsString::from)
            .collect();
        let user_args = args.len();
        args.push("-O0".into());
        args.push("-Wno-error".into());
        // The user's `-Wall`/`-Wextra` are for their code; on probes they only cost time (a
        // large batch compiles a third faster without them). Before the `-Werror=` flags below,
        // so those stay on.
        args.push("-Wno-all".into());
        args.push("-Wno-extra".into());
        args.extend(PROBE_ERROR_FLAGS.iter().map(OsString::from));
        args.push("-fdiagnostics-color=never".into());
        // A deprecated API is still present: its warnings never change an answer, and printing
        // one (with its include trace) per probe is most of a large batch's output.
        args.push("-Wno-deprecated-declarations".into());
        if tool.is_like_clang() {
            args.push("-ferror-limit=0".into());
        }
        let env = base
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_os_string(), v?.to_os_string())))
            .collect();
        Ok(Compiler {
            path: PathBuf::from(base.get_program()),
            args,
            user_args,
            env,
            target,
        })
    }

    /// The target triple.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// The compiler program.
    ///
    /// ```
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// assert!(!cc.path().as_os_str().is_empty());
    /// # }
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The flags from the `cc` crate and the user (`CFLAGS`, target flags), in order, without
    /// the engine's own.
    pub(crate) fn user_args(&self) -> &[OsString] {
        &self.args[..self.user_args]
    }

    /// The flags the engine adds after the user's.
    pub(crate) fn engine_args(&self) -> &[OsString] {
        &self.args[self.user_args..]
    }

    /// This compiler without the user flags at the given positions (of [`Compiler::user_args`]).
    pub(crate) fn without_user_args(&self, drop: &[usize]) -> Compiler {
        let mut c = self.clone();
        c.args = self
            .args
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, a)| a.clone())
            .collect();
        c.user_args = self.user_args - drop.iter().filter(|i| **i < self.user_args).count();
        c
    }

    /// The compiler with its flags, no input: for messages.
    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.args(&self.args);
        cmd
    }

    fn base(&self, loc: &Location) -> Command {
        let mut cmd = Command::new(&self.path);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.args(&self.args);
        for dir in &loc.include_dirs {
            let mut a = OsString::from("-I");
            a.push(dir);
            cmd.arg(a);
        }
        cmd
    }

    /// `cc -E -P src` (no line markers) with the location's include directories.
    ///
    /// ```
    /// use sslprobe_build::{compiler::Compiler, locate};
    /// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
    /// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
    /// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_prefix(&prefix, None)?;
    /// let src = prefix.join("v.c");
    /// std::fs::write(&src, "#include <openssl/ssl.h>\nint v = 42;\n").unwrap();
    /// let out = cc.preprocess_command(&loc, &src).output().unwrap();
    /// assert!(out.status.success());
    /// assert!(String::from_utf8_lossy(&out.stdout).contains("int v = 42;"));
    /// # }
    /// # std::fs::remove_dir_all(&prefix).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn preprocess_command(&self, loc: &Location, src: &Path) -> Command {
        let mut cmd = self.base(loc);
        cmd.arg("-E").arg("-P").arg(src);
        cmd
    }

    /// `cc src -o out` linking the location's libraries: one compile + link.
    ///
    /// ```
    /// use sslprobe_build::{compiler::{render_command, Compiler}, locate};
    /// # let prefix = std::env::temp_dir().join(format!("sslprobe-doc-{}", std::process::id()));
    /// # for d in ["include/openssl", "lib"] { std::fs::create_dir_all(prefix.join(d)).unwrap(); }
    /// # for f in ["include/openssl/ssl.h", "lib/libssl.so", "lib/libcrypto.so"] { std::fs::write(prefix.join(f), "").unwrap(); }
    /// # if cfg!(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu")) {
    /// let cc = Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// let loc = locate::from_prefix(&prefix, None)?;
    /// let cmd = cc.compile_link_command(&loc, &prefix.join("p.c"), &prefix.join("p"))?;
    /// let text = render_command(&cmd);
    /// assert!(text.contains("-O0") && text.ends_with("-lssl -lcrypto"), "{text}");
    /// # }
    /// # std::fs::remove_dir_all(&prefix).unwrap();
    /// # Ok::<(), sslprobe_build::Error>(())
    /// ```
    pub fn compile_link_command(&self, loc: &Location, src: &Path, out: &Path) -> Result<Command> {
        let mut cmd = self.base(loc);
        cmd.arg(src).arg("-o").arg(out);
        cmd.args(link_args(loc)?);
        Ok(cmd)
    }
}

/// Linker arguments for a location: `-L` dirs, the libraries (full paths of the `.a` files when
/// static, so that a missing static library is an error rather than a silent shared link), then
/// system libraries.
pub(crate) fn link_args(loc: &Location) -> Result<Vec<OsString>> {
    let mut out = Vec::new();
    for dir in &loc.lib_dirs {
        let mut a = OsString::from("-L");
        a.push(dir);
        out.push(a);
    }
    for lib in &loc.libs {
        if loc.link_static {
            let file = format!("lib{lib}.a");
            let found = loc
                .lib_dirs
                .iter()
                .map(|d| d.join(&file))
                .find(|p| p.is_file());
            match found {
                Some(p) => out.push(p.into_os_string()),
                None => {
                    return Err(Error::NotFound {
                        what: format!("static library {file} (static linking was requested)"),
                        searched: loc.lib_dirs.clone(),
                        hint: "unset OPENSSL_STATIC or set OPENSSL_STATIC=0 to link the shared library, \
                               or point OPENSSL_DIR/OPENSSL_LIB_DIR at a build that has static libraries"
                            .into(),
                    })
                }
            }
        } else {
            out.push(format!("-l{lib}").into());
        }
    }
    for lib in &loc.system_libs {
        out.push(format!("-l{lib}").into());
    }
    Ok(out)
}

/// Renders a command for logs and error messages, shell-quoted where needed.
///
/// ```
/// use sslprobe_build::compiler::render_command;
/// let mut cmd = std::process::Command::new("cc");
/// cmd.args(["-I/opt/my ssl/include", "-DX=1", "p.c"]);
/// assert_eq!(render_command(&cmd), "cc '-I/opt/my ssl/include' -DX=1 p.c");
/// ```
pub fn render_command(cmd: &Command) -> String {
    let mut parts = vec![quote(cmd.get_program())];
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

pub(crate) fn quote(s: &std::ffi::OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=+:,@%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The environment variables the `cc` crate reads to choose the compiler and its flags (each
/// base name also with the target suffix in both spellings, and `TARGET_`/`HOST_` prefixes).
///
/// `Compiler::from_build_script` runs `cc` with its cargo output off, so `cc` prints no
/// `cargo:rerun-if-env-changed` lines itself; the build script and [`crate::Probe`] record these
/// names through their `Env` ([`Env::note_read`](crate::env::Env::note_read)).
pub(crate) fn toolchain_var_names(target: &str) -> Vec<String> {
    let t_us = target.replace('-', "_");
    let mut names = Vec::new();
    for base in ["CC", "CFLAGS", "CRATE_CC_NO_DEFAULTS"] {
        for n in [
            format!("{base}_{target}"),
            format!("{base}_{t_us}"),
            format!("TARGET_{base}"),
            format!("HOST_{base}"),
            base.to_string(),
        ] {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    for n in [
        "CC_FORCE_DISABLE",
        "CC_SHELL_ESCAPED_FLAGS",
        "CC_KNOWN_WRAPPER_CUSTOM",
        "RUSTC_WRAPPER",
    ] {
        names.push(n.to_string());
    }
    names
}

/// The toolchain variables that are set, with their values.
pub(crate) fn toolchain_vars(env: &dyn crate::env::Env, target: &str) -> Vec<(String, String)> {
    toolchain_var_names(target)
        .into_iter()
        .filter_map(|n| {
            env.var_os(&n)
                .map(|v| (n, v.to_string_lossy().into_owned()))
        })
        .collect()
}
