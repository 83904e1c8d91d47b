//! The run-time library swap: `examples/swap.rs` built against shared OpenSSL 1.1.1w (once with
//! default features, once with `runtime-detect`) and started with `LD_LIBRARY_PATH` pointing at
//! shared 1.1.0i, which has the same soname (`libssl.so.1.1`) but lacks the `OPENSSL_1_1_1`
//! symbol version.
//!
//! Expected, and checked:
//! * default features (what happens today): runs on 1.1.1w (`num_tickets: Done`); the loader
//!   refuses it on 1.1.0i with a message naming `OPENSSL_1_1_1`;
//! * `runtime-detect`: runs on 1.1.1w (`Done`, `runtime_has_symbol: true`) and on 1.1.0i, where
//!   it reports the API absent (`NotNeeded { called: false }`, `runtime_has_symbol: false`).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::model::{Swap, SwapCase, SwapRun};
use super::{cmd, reason, user_vars, Ctx};
use crate::libs::{self, Prefix};

/// The library the swap binaries are built against.
pub const BUILT: &str = "openssl-1.1.1w-shared";
/// The library they are started with.
pub const SWAPPED: &str = "openssl-1.1.0i-shared";

/// What `num_tickets:` reads when the function was called.
const DONE: &str = "Done";
/// What `num_tickets:` reads when the function is absent at run time.
const ABSENT: &str = "NotNeeded { called: false }";

fn prefix_of(ctx: &Ctx, key: &str) -> Result<Prefix, String> {
    let lib = libs::find(key).ok_or_else(|| format!("{key} is not in the library table"))?;
    libs::ensure_built_with(lib, &ctx.opts).map_err(|e| format!("{key} did not build: {e:#}"))
}

fn run_binary(bin: &Path, lib_dir: &Path) -> SwapRun {
    let vars = vec![(
        "LD_LIBRARY_PATH".to_string(),
        lib_dir.as_os_str().to_os_string(),
    )];
    let line = cmd::render(bin.as_os_str(), &[], &vars);
    let c = cmd::command(bin.as_os_str(), &[], &vars);
    let mut run = SwapRun {
        library_dir: lib_dir.display().to_string(),
        ..SwapRun::default()
    };
    match cmd::run_captured(c, &line, Duration::from_secs(60)) {
        Ok(cap) => {
            run.exit_code = cap.finished.status.and_then(|s| s.code());
            run.output = format!("{}{}", cap.stdout, cap.stderr).trim().to_string();
            run.parse_output();
            // main() prints runtime_library first: without it the loader refused the binary.
            run.loaded = run.runtime_library.is_some() && cap.finished.success();
        }
        Err(e) => run.output = format!("{e:#}"),
    }
    run
}

/// Judges the default-features case.
pub fn judge_direct(on_built: &SwapRun, on_swapped: &SwapRun) -> (bool, String) {
    let loader_line = on_swapped
        .output
        .lines()
        .find(|l| l.contains("OPENSSL_1_1_1"))
        .map(str::trim);
    let built_ok = on_built.loaded && on_built.num_tickets.as_deref() == Some(DONE);
    match (built_ok, on_swapped.loaded, loader_line) {
        (true, false, Some(line)) => (
            true,
            format!(
                "the loader refuses it on 1.1.0i, as it does today: {}",
                shorten_paths(line)
            ),
        ),
        (false, _, _) => (
            false,
            format!(
                "expected it to run on 1.1.1w and call SSL_CTX_set_num_tickets (num_tickets: {DONE}); got: {}",
                first_line(&on_built.output)
            ),
        ),
        (true, true, _) => (
            false,
            "expected the loader to refuse it on 1.1.0i (OPENSSL_1_1_1), but it started".to_string(),
        ),
        (true, false, None) => (
            false,
            format!(
                "it did not start on 1.1.0i, but not because of OPENSSL_1_1_1: {}",
                first_line(&on_swapped.output)
            ),
        ),
    }
}

/// Judges the `runtime-detect` case.
pub fn judge_runtime_detect(on_built: &SwapRun, on_swapped: &SwapRun) -> (bool, String) {
    let built_ok = on_built.loaded
        && on_built.num_tickets.as_deref() == Some(DONE)
        && on_built.runtime_has_symbol == Some(true);
    let swapped_ok = on_swapped.loaded
        && on_swapped.num_tickets.as_deref() == Some(ABSENT)
        && on_swapped.runtime_has_symbol == Some(false)
        && on_swapped
            .runtime_library
            .as_deref()
            .is_some_and(|t| t.contains("1.1.0"));
    if built_ok && swapped_ok {
        return (
            true,
            format!(
                "starts on 1.1.0i and reports SSL_CTX_set_num_tickets absent (num_tickets: {ABSENT}, \
                 runtime_has_symbol: false); on 1.1.1w it calls it ({DONE}, runtime_has_symbol: true)"
            ),
        );
    }
    let mut why = Vec::new();
    if !built_ok {
        why.push(format!(
            "on 1.1.1w expected num_tickets {DONE} and runtime_has_symbol true, got: {}",
            one_line(&on_built.output)
        ));
    }
    if !swapped_ok {
        why.push(format!(
            "on 1.1.0i expected it to start with num_tickets {ABSENT} and runtime_has_symbol false, got: {}",
            one_line(&on_swapped.output)
        ));
    }
    (false, why.join("; "))
}

/// Replaces every absolute path in `line` by its file name (`/a/b/libssl.so.1.1:` →
/// `libssl.so.1.1:`), so the sentence reads the same on every machine.
pub fn shorten_paths(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let lead = word.len() - word.trim_start_matches('(').len();
            let body = &word[lead..];
            if body.starts_with('/') {
                let tail = body.rsplit('/').next().unwrap_or(body);
                format!("{}{tail}", &word[..lead])
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
}

fn one_line(s: &str) -> String {
    let l: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    if l.is_empty() {
        "(no output)".into()
    } else {
        l.join(" / ")
    }
}

fn failed_case(features: &str, why: String) -> SwapCase {
    SwapCase {
        features: features.into(),
        ok: false,
        explanation: why,
        on_built: SwapRun::default(),
        on_swapped: SwapRun::default(),
    }
}

/// Builds and runs both cases.
pub(super) fn run(ctx: &Ctx) -> Swap {
    let tag = "[swap]";
    ctx.say(
        tag,
        &format!("examples/swap.rs built against {BUILT}, started on {SWAPPED} ..."),
    );
    let (built, older) = match (prefix_of(ctx, BUILT), prefix_of(ctx, SWAPPED)) {
        (Ok(b), Ok(o)) => (b, o),
        (Err(e), _) | (_, Err(e)) => {
            return Swap {
                built_against: BUILT.into(),
                swapped_to: SWAPPED.into(),
                ok: false,
                direct: failed_case("", e.clone()),
                runtime_detect: failed_case("runtime-detect", e),
            }
        }
    };
    // The library's own target directory: same OPENSSL_DIR, so nothing of it is rebuilt.
    let target_dir = ctx.matrix_dir.join(BUILT);
    let mut vars: Vec<(String, OsString)> = vec![(
        "CARGO_TARGET_DIR".to_string(),
        target_dir.clone().into_os_string(),
    )];
    vars.extend(
        user_vars(&built)
            .into_iter()
            .filter(|(k, _)| k != "LD_LIBRARY_PATH"),
    );
    let mut cases = Vec::new();
    for (name, features) in [("direct", ""), ("runtime-detect", "runtime-detect")] {
        let mut args = vec!["build", "-p", "sslprobe", "--example", "swap"];
        if !features.is_empty() {
            args.extend(["--features", features]);
        }
        let log = ctx.log_path("swap", &format!("build-{name}"));
        let built_bin = match ctx.cargo(&args, &vars, &log) {
            Ok((out, line)) if out.finished.success() => {
                ctx.say(tag, &format!("`{line}` ok ({:.1} s)", out.finished.seconds));
                let from = target_dir.join("debug").join("examples").join("swap");
                let to = target_dir.join(format!("swap-{name}"));
                match std::fs::copy(&from, &to) {
                    Ok(_) => Ok(to),
                    Err(e) => Err(format!(
                        "copying {} to {}: {e}",
                        from.display(),
                        to.display()
                    )),
                }
            }
            Ok((out, line)) => {
                ctx.print_tail(&out.output, &out.log);
                Err(format!(
                    "`{line}` failed: {}",
                    reason::analyze(&out.output).reason
                ))
            }
            Err(e) => Err(format!("{e:#}")),
        };
        let case = match built_bin {
            Err(why) => failed_case(features, why),
            Ok(bin) => {
                let on_built = run_binary(&bin, &built.lib_dir);
                let on_swapped = run_binary(&bin, &older.lib_dir);
                let (ok, explanation) = if features.is_empty() {
                    judge_direct(&on_built, &on_swapped)
                } else {
                    judge_runtime_detect(&on_built, &on_swapped)
                };
                for (lib, r) in [(BUILT, &on_built), (SWAPPED, &on_swapped)] {
                    ctx.say(tag, &format!("{name} binary on {lib}:"));
                    for l in r.output.lines() {
                        println!("    | {l}");
                    }
                }
                ctx.say(
                    tag,
                    &format!(
                        "{name}: {} — {explanation}",
                        if ok { "ok" } else { "FAILED" }
                    ),
                );
                SwapCase {
                    features: features.into(),
                    ok,
                    explanation,
                    on_built,
                    on_swapped,
                }
            }
        };
        cases.push(case);
    }
    let runtime_detect = cases
        .pop()
        .unwrap_or_else(|| failed_case("runtime-detect", "not run".into()));
    let direct = cases
        .pop()
        .unwrap_or_else(|| failed_case("", "not run".into()));
    Swap {
        built_against: BUILT.into(),
        swapped_to: SWAPPED.into(),
        ok: direct.ok && runtime_detect.ok,
        direct,
        runtime_detect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(output: &str, code: i32) -> SwapRun {
        let mut r = SwapRun {
            output: output.into(),
            exit_code: Some(code),
            ..SwapRun::default()
        };
        r.parse_output();
        r.loaded = r.runtime_library.is_some() && code == 0;
        r
    }

    const ON_111: &str = "runtime_library: OpenSSL 1.1.1w  11 Sep 2023\nnum_tickets: Done\n";
    const LOADER: &str = "/tmp/swap: /c/1.1.0i/lib/libssl.so.1.1: version `OPENSSL_1_1_1' not found (required by /tmp/swap)";

    #[test]
    fn direct_case() {
        let (ok, why) = judge_direct(&run_of(ON_111, 0), &run_of(LOADER, 1));
        assert!(ok, "{why}");
        assert!(why.contains("version `OPENSSL_1_1_1' not found"), "{why}");
        assert!(
            why.ends_with(
                "swap: libssl.so.1.1: version `OPENSSL_1_1_1' not found (required by swap)"
            ),
            "{why}"
        );
        // starting on 1.1.0i is wrong for a direct build
        let (ok, _) = judge_direct(
            &run_of(ON_111, 0),
            &run_of("runtime_library: OpenSSL 1.1.0i\nnum_tickets: Done\n", 0),
        );
        assert!(!ok);
        // failing for another reason is not the expected failure
        let (ok, why) = judge_direct(
            &run_of(ON_111, 0),
            &run_of(
                "error while loading shared libraries: libssl.so.1.1: cannot open",
                127,
            ),
        );
        assert!(!ok);
        assert!(why.contains("not because of OPENSSL_1_1_1"), "{why}");
    }

    #[test]
    fn runtime_detect_case() {
        let built = run_of(&format!("{ON_111}runtime_has_symbol: true\n"), 0);
        let swapped = run_of(
            "runtime_library: OpenSSL 1.1.0i  14 Aug 2018\nnum_tickets: NotNeeded { called: false }\nruntime_has_symbol: false\n",
            0,
        );
        let (ok, why) = judge_runtime_detect(&built, &swapped);
        assert!(ok, "{why}");
        let (ok, why) = judge_runtime_detect(&built, &run_of(LOADER, 1));
        assert!(!ok);
        assert!(why.contains("on 1.1.0i expected"), "{why}");
        let lying = run_of(
            "runtime_library: OpenSSL 1.1.0i\nnum_tickets: NotNeeded { called: false }\nruntime_has_symbol: true\n",
            0,
        );
        assert!(!judge_runtime_detect(&built, &lying).0);
    }
}
