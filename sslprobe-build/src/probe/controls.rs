//! Control probes: programs whose answer is known in advance, so that every run proves the engine
//! can still say both "yes" and "no" with the user's compiler, flags and linker.
//!
//! A probe answers "present" when its unit compiles and links. Flags can make that answer
//! meaningless without a word: `-w` silences the very diagnostics the probes turn into errors
//! (a wrong prototype then compiles), `-Wl,--unresolved-symbols=ignore-all`, `-Wl,-z,undefs`,
//! `-Wl,--noinhibit-exec` or `-shared` let a missing symbol link, `-c`, `-S`, `-E`, `-r` and
//! `-fsyntax-only` never link at all. So every run compiles and links tiny control programs
//! (two compiler runs: the two compile controls share one unit) with the very compiler, flags, directories and libraries of the probes — beside the
//! first batch round (in the thread that runs identification), so a healthy toolchain pays no
//! wall-clock time for them:
//!
//! | control | must | proves |
//! |---|---|---|
//! | `int main(void) { return 0; }` | link into an executable of the target's format | "present" is a yes |
//! | call of an undeclared function | fail to **compile** | "undeclared" is a no |
//! | function pointer of the wrong type | fail to **compile** | "wrong prototype" is a no |
//! | address of a declared, undefined symbol | fail to **link** | "missing from the library" is a no |
//!
//! and every probe unit that succeeds must have produced a linked executable of the target's format
//! (ELF executable or PIE, Mach-O `MH_EXECUTE`, PE image that is not a DLL, wasm module) — the
//! "yes" control. A control that misbehaves stops probing; [`diagnose`] then finds the flag
//! responsible by compiling the controls alone while leaving out one flag at a time. A flag that
//! only changes which warnings are reported (`-w`, `-Wno-…`) is dropped for the probes, so the
//! engine's own `-Werror=` flags win, and the log says so; any other flag is an
//! [`Error::Toolchain`] naming it. Nothing here knows a list of bad flags.

use crate::compiler::{render_command, Compiler};
use crate::error::{Error, Result};
use crate::locate::Location;
use crate::log::Log;
use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a control must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Must {
    /// Fail with a compiler diagnostic (not only at link time).
    FailToCompile,
    /// Compile, then fail to link with an undefined symbol.
    FailToLink,
}

/// One control probe.
#[derive(Debug, Clone, Copy)]
pub(super) struct Control {
    /// Short name, part of the C function name.
    pub name: &'static str,
    /// What it checks, for messages.
    pub what: &'static str,
    /// Its expected outcome.
    pub must: Must,
    /// The C body (a block statement).
    body: &'static str,
}

/// The symbol the link control references: declared, never defined anywhere.
pub(super) const UNDEFINED_SYMBOL: &str = "sslprobe_control_undefined_symbol";

/// How the "yes" control is named in messages.
const YES: &str = "control \"a plain program must link into an executable\"";

/// The three "no" controls.
pub(super) const CONTROLS: [Control; 3] = [
    Control {
        name: "undeclared",
        what: "a call of an undeclared function must fail to compile",
        must: Must::FailToCompile,
        // Also undefined: if the compiler lets the call through, the link fails instead, and
        // the control sees that it failed for the wrong reason.
        body: "{\n    int r = sslprobe_control_undeclared_function(0);\n    (void)r;\n}\n",
    },
    Control {
        name: "wrong_type",
        what: "a function pointer of the wrong type must fail to compile",
        must: Must::FailToCompile,
        // The block's own function: declared and defined, so only the type can fail.
        body: "{\n    long (*volatile p)(char *, double) = sslprobe_control__wrong_type;\n    (void)p;\n}\n",
    },
    Control {
        name: "undefined",
        what: "a declared but undefined symbol must fail to link",
        must: Must::FailToLink,
        body: "{\n    extern int sslprobe_control_undefined_symbol(void);\n    int (*volatile p)(void) = sslprobe_control_undefined_symbol;\n    (void)p;\n}\n",
    },
];

const MISSING: &str = "missing: the compiler exited 0 without writing it";

/// Checks that `path`, written by a compile + link that exited 0, is a linked executable of
/// `target`'s format. `Err` describes what it is instead.
pub(super) fn check_executable(path: &Path, target: &str) -> std::result::Result<(), String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) if target.contains("windows") => {
            // GNU toolchains for Windows may append `.exe` to the output name.
            std::fs::read(path.with_extension("exe")).map_err(|_| MISSING.to_string())?
        }
        Err(_) => return Err(MISSING.into()),
    };
    executable_format(&bytes, target)
}

/// Readers of little- or big-endian integers at an offset (`None` past the end), one per width.
macro_rules! int_reader {
    ($($name:ident: $t:ty),*) => {$(
        fn $name(b: &[u8], off: usize, le: bool) -> Option<$t> {
            let s = b.get(off..off.checked_add(std::mem::size_of::<$t>())?)?.try_into().ok()?;
            Some(if le { <$t>::from_le_bytes(s) } else { <$t>::from_be_bytes(s) })
        }
    )*};
}
int_reader!(u16_at: u16, u32_at: u32, u64_at: u64);

/// The ELF machine number of a target triple's architecture, where known.
fn elf_machine(target: &str) -> Option<u16> {
    let arch = target.split('-').next()?;
    Some(match arch {
        "x86_64" => 62,
        "i386" | "i486" | "i586" | "i686" => 3,
        "aarch64" | "aarch64_be" => 183,
        a if a.starts_with("arm") || a.starts_with("thumb") => 40,
        a if a.starts_with("riscv") => 243,
        "powerpc" => 20,
        "powerpc64" | "powerpc64le" => 21,
        "s390x" => 22,
        a if a.starts_with("mips") => 8,
        "loongarch64" => 258,
        "sparc64" => 43,
        _ => return None,
    })
}

/// What `bytes` is, judged as the output of linking a program for `target`.
fn executable_format(bytes: &[u8], target: &str) -> std::result::Result<(), String> {
    if bytes.starts_with(b"\x7fELF") {
        return elf_executable(bytes, target);
    }
    if bytes.len() >= 16 {
        let magic_le = u32_at(bytes, 0, true).unwrap_or(0);
        if magic_le == 0xfeed_facf || magic_le == 0xfeed_face {
            return match u32_at(bytes, 12, true) {
                Some(2) => Ok(()),
                Some(t) => Err(format!(
                    "a Mach-O file of type {t}, not an executable (MH_EXECUTE)"
                )),
                None => Err("a truncated Mach-O file".into()),
            };
        }
        if u32_at(bytes, 0, false) == Some(0xcafe_babe) {
            // A universal binary: the slices were linked by the same command.
            return Ok(());
        }
    }
    if bytes.starts_with(b"MZ") {
        let pe = u32_at(bytes, 0x3c, true).unwrap_or(0) as usize;
        if bytes.get(pe..pe.saturating_add(4)) != Some(b"PE\0\0") {
            return Err("an MZ file without a PE header".into());
        }
        let ch = u16_at(bytes, pe.saturating_add(22), true).unwrap_or(0);
        return if ch & 0x2000 != 0 {
            Err("a DLL, not an executable image".into())
        } else if ch & 0x0002 == 0 {
            Err("a PE file not marked executable (unresolved references?)".into())
        } else {
            Ok(())
        };
    }
    if bytes.starts_with(b"\0asm") {
        return Ok(());
    }
    let text = bytes.iter().take(512).all(|b| b.is_ascii());
    if bytes.is_empty() {
        Err("an empty file".into())
    } else if text {
        Err(format!(
            "text (preprocessed source or assembly?), starting {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
        ))
    } else if target.contains("apple")
        || target.contains("windows")
        || target.contains("linux")
        || target.contains("bsd")
        || target.contains("android")
    {
        Err("a file of an unknown format, not an executable for the target".into())
    } else {
        // A target whose executable format this engine cannot read: the other three controls
        // still hold; say nothing rather than refuse a working toolchain.
        Ok(())
    }
}

fn elf_executable(b: &[u8], target: &str) -> std::result::Result<(), String> {
    let class64 = match b.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("an ELF file of an unknown class".into()),
    };
    let le = b.get(5) == Some(&1);
    let bad = || "a truncated ELF file".to_string();
    let e_type = u16_at(b, 16, le).ok_or_else(bad)?;
    let machine = u16_at(b, 18, le).ok_or_else(bad)?;
    if let Some(want) = elf_machine(target) {
        if machine != want {
            return Err(format!(
                "an ELF file for machine {machine}, not for {target} (machine {want})"
            ));
        }
    }
    match e_type {
        2 => return Ok(()),
        1 => return Err("a relocatable object (ELF ET_REL), not a linked executable".into()),
        3 => {}
        t => return Err(format!("an ELF file of type {t}, not an executable")),
    }
    // ET_DYN: a position-independent executable (PT_INTERP, or DF_1_PIE for static-pie) or a
    // shared library (neither).
    let (phoff, phentsize, phnum) = if class64 {
        (
            u64_at(b, 32, le).ok_or_else(bad)? as usize,
            u16_at(b, 54, le).ok_or_else(bad)? as usize,
            u16_at(b, 56, le).ok_or_else(bad)? as usize,
        )
    } else {
        (
            u32_at(b, 28, le).ok_or_else(bad)? as usize,
            u16_at(b, 42, le).ok_or_else(bad)? as usize,
            u16_at(b, 44, le).ok_or_else(bad)? as usize,
        )
    };
    for k in 0..phnum {
        let ph = phoff.saturating_add(k * phentsize);
        let p_type = u32_at(b, ph, le).ok_or_else(bad)?;
        if p_type == 3 {
            return Ok(()); // PT_INTERP
        }
        if p_type != 2 {
            continue; // not PT_DYNAMIC
        }
        let (off, size, entsize) = if class64 {
            (
                u64_at(b, ph.saturating_add(8), le).ok_or_else(bad)? as usize,
                u64_at(b, ph.saturating_add(32), le).ok_or_else(bad)? as usize,
                16,
            )
        } else {
            (
                u32_at(b, ph.saturating_add(4), le).ok_or_else(bad)? as usize,
                u32_at(b, ph.saturating_add(16), le).ok_or_else(bad)? as usize,
                8,
            )
        };
        for e in (off..off.saturating_add(size).min(b.len())).step_by(entsize) {
            let (tag, val) = if class64 {
                (u64_at(b, e, le), u64_at(b, e.saturating_add(8), le))
            } else {
                (
                    u32_at(b, e, le).map(u64::from),
                    u32_at(b, e.saturating_add(4), le).map(u64::from),
                )
            };
            let (Some(tag), Some(val)) = (tag, val) else {
                break;
            };
            // DT_FLAGS_1 with DF_1_PIE.
            if tag == 0x6fff_fffb && val & 0x0800_0000 != 0 {
                return Ok(());
            }
        }
    }
    Err("a shared library (ELF ET_DYN without an interpreter), not an executable".into())
}

/// Compiles and links one control source on its own, with the probes' compiler and flags but
/// no library (the controls test what the compiler and linker do with undeclared, mistyped and
/// undefined names, not the library; linking nothing keeps them cheap): whether it succeeded,
/// and what the compiler said. The output
/// file `dir/control_<name>` is left for the caller.
fn run_one(
    runs: &AtomicUsize,
    cc: &Compiler,
    dir: &Path,
    name: &str,
    source: &str,
    log: &mut Log,
) -> Result<(bool, String)> {
    runs.fetch_add(1, Ordering::Relaxed);
    let src = dir.join(format!("control_{name}.c"));
    let exe = dir.join(format!("control_{name}"));
    std::fs::write(&src, source).map_err(|e| Error::io(&src, e))?;
    let mut cmd = cc.compile_link_command(&Location::none(), &src, &exe)?;
    cmd.env("LC_ALL", "C");
    let command = render_command(&cmd);
    let out = cmd.output().map_err(|e| Error::Toolchain {
        message: format!(
            "could not run the C compiler {}: {e}\n  command: {command}",
            cc.path().display()
        ),
    })?;
    let output = super::diagnostics::plain(&format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
    log.entry(
        &format!("control check: {name}"),
        source,
        &command,
        out.status.code(),
        &output,
    );
    let _ = std::fs::remove_file(&src);
    if name != "yes" {
        let _ = std::fs::remove_file(&exe);
    }
    Ok((out.status.success(), output))
}

/// Runs the "no" controls with `cc`, in two compiler runs: the two that must fail to compile
/// share one translation unit (each must have a compiler error on its own lines), the one that
/// must fail to link has its own. Returns one sentence per control that misbehaves. The "yes"
/// control is not needed here: every probe unit that passes (the sanity probe is in each) is
/// checked to be an executable.
pub(super) fn check_no(
    cc: &Compiler,
    dir: &Path,
    runs: &AtomicUsize,
    log: &mut Log,
) -> Result<Vec<String>> {
    let mut bad = Vec::new();
    let main = "int main(void) { return 0; }\n";
    // The compile controls, each function on known lines.
    let mut src = String::new();
    let mut ranges = Vec::new();
    for c in CONTROLS.iter().filter(|c| c.must == Must::FailToCompile) {
        let f = format!("sslprobe_control__{}", c.name);
        let first = src.lines().count() + 1;
        src.push_str(&format!("void {f}(void);\nvoid {f}(void)\n{}", c.body));
        ranges.push((c, first, src.lines().count()));
    }
    src.push_str(main);
    let (ok, output) = run_one(runs, cc, dir, "compile", &src, log)?;
    for (c, lo, hi) in ranges {
        let own_error = output.lines().any(|l| {
            super::error_location(l).is_some_and(|(file, line)| {
                file.ends_with("control_compile.c") && (lo..=hi).contains(&line)
            })
        });
        if ok {
            bad.push(format!("control \"{}\": it compiled and linked", c.what));
        } else if !own_error {
            bad.push(format!(
                "control \"{}\": it compiled (the unit failed without a compiler error on its lines: {})",
                c.what,
                super::first_errors(&output).replace('\n', "; ")
            ));
        }
    }
    for c in CONTROLS.iter().filter(|c| c.must == Must::FailToLink) {
        let f = format!("sslprobe_control__{}", c.name);
        let src = format!("void {f}(void);\nvoid {f}(void)\n{}{main}", c.body);
        let (ok, output) = run_one(runs, cc, dir, c.name, &src, log)?;
        if ok {
            bad.push(format!("control \"{}\": it compiled and linked", c.what));
        } else if !output.contains(UNDEFINED_SYMBOL) {
            bad.push(format!(
                "control \"{}\": it failed, but not with the undefined symbol ({})",
                c.what,
                super::first_errors(&output).replace('\n', "; ")
            ));
        }
    }
    Ok(bad)
}

/// Every control on its own: the "yes" one (a plain program must link into an executable of
/// the target's format) and the "no" ones ([`check_no`]). For the diagnosis.
pub(super) fn check(
    cc: &Compiler,
    dir: &Path,
    runs: &AtomicUsize,
    log: &mut Log,
) -> Result<Vec<String>> {
    let mut bad = Vec::new();
    let exe = dir.join("control_yes");
    let (ok, output) = run_one(runs, cc, dir, "yes", "int main(void) { return 0; }\n", log)?;
    if !ok {
        bad.push(format!(
            "{YES}: a plain program with no library code does not compile and link ({})",
            super::first_errors(&output).replace('\n', "; ")
        ));
    } else if let Err(e) = check_executable(&exe, cc.target()) {
        bad.push(format!(
            "{YES}: a plain program compiled and linked, but the output is {e}"
        ));
    }
    let _ = std::fs::remove_file(&exe);
    bad.extend(check_no(cc, dir, runs, log)?);
    Ok(bad)
}

/// Whether a flag only changes which diagnostics the compiler reports (never what it compiles
/// or links): `-w`, and `-W…` except the `-Wl,`/`-Wa,`/`-Wp,` pass-throughs.
pub(crate) fn only_changes_diagnostics(flag: &str) -> bool {
    flag == "-w"
        || (flag.starts_with("-W")
            && !flag.starts_with("-Wl,")
            && !flag.starts_with("-Wa,")
            && !flag.starts_with("-Wp,"))
}

/// What [`diagnose`] concluded.
pub(super) enum Diagnosis {
    /// These flags only silence diagnostics: probe again without them.
    Drop(Compiler, Vec<String>),
}

/// The controls misbehaved (`symptoms`): find the flag responsible by compiling the controls
/// alone, first with every flag (to confirm), then leaving out one flag at a time, then two
/// adjacent ones (`-Xlinker X`). Returns a compiler to probe with again when the culprits only
/// change diagnostics, else the [`Error::Toolchain`] that names them.
pub(super) fn diagnose(
    cc: &Compiler,
    dir: &Path,
    symptoms: &[String],
    runs: &AtomicUsize,
    log: &mut Log,
) -> Result<Diagnosis> {
    log.note(&format!(
        "control probes misbehaved: {}; looking for the responsible flag",
        symptoms.join("; ")
    ));
    let alone = check(cc, dir, runs, log)?;
    let flags: Vec<OsString> = cc.user_args().to_vec();
    let mut culprit: Option<Vec<usize>> = None;
    if !alone.is_empty() {
        // Single flags first (those that only change diagnostics before the others: they are
        // the likelier and the cheaper verdict), then adjacent pairs (`-Xlinker X`).
        let mut candidates: Vec<Vec<usize>> = (0..flags.len()).map(|i| vec![i]).collect();
        candidates.sort_by_key(|d| !only_changes_diagnostics(&flags[d[0]].to_string_lossy()));
        candidates.extend((1..flags.len()).map(|i| vec![i - 1, i]));
        for drop in candidates {
            if check(&cc.without_user_args(&drop), dir, runs, log)?.is_empty() {
                culprit = Some(drop);
                break;
            }
        }
    }
    let what = if alone.is_empty() {
        symptoms
    } else {
        &alone[..]
    };
    let Some(drop) = culprit else {
        if alone.iter().any(|s| s.starts_with(YES)) {
            return Err(Error::Toolchain {
                message: format!(
                    "{} is not a working C compiler: {}; this says nothing about the SSL library (command: {})",
                    cc.path().display(),
                    what.join("; "),
                    render_command(&cc.command()),
                ),
            });
        }
        return Err(Error::Toolchain {
            message: format!(
                "the C compiler {} cannot tell a present API from an absent one, so no probe result could be \
                 trusted: {}. No single flag of {} is responsible: {}",
                cc.path().display(),
                what.join("; "),
                render_command(&cc.command()),
                if cc.user_args().is_empty() {
                    "the compiler itself misbehaves (is it a real C compiler?)"
                } else {
                    "check the compiler and CFLAGS"
                }
            ),
        });
    };
    let names: Vec<String> = drop
        .iter()
        .map(|i| flags[*i].to_string_lossy().into_owned())
        .collect();
    if names.iter().all(|f| only_changes_diagnostics(f)) {
        log.note(&format!(
            "the flag(s) {} only change which diagnostics are reported, and they undo the errors the probes rely on \
             ({}): they are left out of the probe commands, so the engine's own flags win",
            names.join(" "),
            what.join("; ")
        ));
        return Ok(Diagnosis::Drop(cc.without_user_args(&drop), names));
    }
    Err(Error::Toolchain {
        message: format!(
            "the flag {} makes the C compiler {} unable to tell a present API from an absent one ({}), so no probe \
             result could be trusted. Remove it from CFLAGS (or the compiler configuration) for this build",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" "),
            cc.path().display(),
            what.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_only_flags() {
        for f in [
            "-w",
            "-Wno-error",
            "-Wno-incompatible-pointer-types",
            "-Wall",
        ] {
            assert!(only_changes_diagnostics(f), "{f}");
        }
        for f in [
            "-Wl,-z,undefs",
            "-Wa,--noexecstack",
            "-Wp,-DX",
            "-shared",
            "-c",
            "-E",
        ] {
            assert!(!only_changes_diagnostics(f), "{f}");
        }
    }

    #[test]
    fn text_and_objects_are_not_executables() {
        assert!(
            executable_format(b"# 1 \"x.c\"\nint main", "x86_64-unknown-linux-gnu")
                .unwrap_err()
                .contains("text")
        );
        let mut rel = vec![0u8; 64];
        rel[..4].copy_from_slice(b"\x7fELF");
        rel[4] = 2;
        rel[5] = 1;
        rel[16] = 1;
        rel[18] = 62;
        assert!(executable_format(&rel, "x86_64-unknown-linux-gnu")
            .unwrap_err()
            .contains("relocatable"));
        rel[18] = 183;
        assert!(executable_format(&rel, "x86_64-unknown-linux-gnu")
            .unwrap_err()
            .contains("machine 183"));
        assert!(executable_format(b"", "x86_64-unknown-linux-gnu").is_err());
    }

    proptest::proptest! {
        /// Whatever a compiler wrote, judging it never panics (ELF/PE headers with wild offsets).
        #[test]
        fn judging_any_output_never_panics(mut bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
                                           kind in 0u8..3) {
            let magic: &[u8] = match kind { 0 => b"\x7fELF\x02\x01", 1 => b"MZ", _ => b"" };
            if bytes.len() >= magic.len() {
                bytes[..magic.len()].copy_from_slice(magic);
            }
            let _ = executable_format(&bytes, "x86_64-unknown-linux-gnu");
            let _ = executable_format(&bytes, "x86_64-pc-windows-gnu");
        }
    }
}
