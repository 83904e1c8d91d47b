//! The C compiler, exactly as the real build would use it.
//!
//! The compiler, its target flags and the user's `CFLAGS` come from the `cc` crate (the same
//! discovery every `-sys` crate uses: `CC`, `CFLAGS`, `TARGET_CC`, `CC_<target>`, ...). The
//! engine then makes three adjustments, and only these:
//!
//! - optimisation flags are replaced by `-O0` (an optimiser may drop the very reference a probe
//!   exists to make) and debug-info flags are dropped (they change nothing but cost time);
//! - `-Wno-error` neutralises a user's `-Werror`, so warnings the probe did not ask about cannot
//!   turn a present API into an absent one;
//! - the diagnostics a probe relies on are made errors: implicit function declarations,
//!   incompatible pointer types and int conversions.

use crate::locate::Location;
use crate::{Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags that turn the diagnostics probes rely on into errors.
pub const PROBE_ERROR_FLAGS: &[&str] = &[
    "-Werror=implicit-function-declaration",
    "-Werror=incompatible-pointer-types",
    "-Werror=int-conversion",
];

/// A configured C compiler plus the library location to compile and link against.
#[derive(Debug, Clone)]
pub struct Compiler {
    path: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    is_clang: bool,
    target: String,
}

fn is_dropped_flag(arg: &&std::ffi::OsStr) -> bool {
    let s = arg.to_string_lossy();
    (s.starts_with("-O") && s.len() <= 6) || s == "-g" || s.starts_with("-gdwarf") || s == "-Werror"
}

impl Compiler {
    /// The compiler a build script's `cc::Build` would use (reads `TARGET`, `HOST`, `CC`,
    /// `CFLAGS`, ... and prints `cargo:rerun-if-env-changed` for each, as `cc` does).
    pub fn from_build_script() -> Result<Compiler> {
        let mut b = cc::Build::new();
        b.cargo_metadata(false)
            .cargo_warnings(false)
            .emit_rerun_if_env_changed(true);
        b.opt_level(0).debug(false);
        let target = std::env::var("TARGET").map_err(|_| Error::Toolchain {
            message:
                "TARGET is not set: Compiler::from_build_script must run inside a build script"
                    .into(),
        })?;
        Self::from_cc(&b, target)
    }

    /// A compiler for `target` outside a build script (the CLI): host = target, no cargo output.
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
        if tool.is_like_msvc() {
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
        args.push("-O0".into());
        args.push("-Wno-error".into());
        args.extend(PROBE_ERROR_FLAGS.iter().map(OsString::from));
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
            env,
            is_clang: tool.is_like_clang(),
            target,
        })
    }

    /// The target triple.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Whether the compiler is clang.
    pub fn is_clang(&self) -> bool {
        self.is_clang
    }

    /// The compiler program.
    pub fn path(&self) -> &Path {
        &self.path
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
    pub fn preprocess_command(&self, loc: &Location, src: &Path) -> Command {
        let mut cmd = self.base(loc);
        cmd.arg("-E").arg("-P").arg(src);
        cmd
    }

    /// `cc src -o out` linking the location's libraries: one compile + link.
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
pub fn link_args(loc: &Location) -> Result<Vec<OsString>> {
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
pub fn render_command(cmd: &Command) -> String {
    let mut parts = vec![quote(cmd.get_program())];
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(s: &std::ffi::OsStr) -> String {
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
