//! Why a cargo build failed, in one line, from its output.

/// What [`analyze`] read from a failed cargo build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildFailure {
    /// The package whose build script failed (`openssl-sys`, `sslprobe`), if that is what failed.
    pub build_script_of: Option<String>,
    /// The package that did not compile (`sslprobe`), if that is what failed.
    pub compile_of: Option<String>,
    /// One line: the most telling diagnostics.
    pub reason: String,
}

fn backticked(line: &str) -> Option<&str> {
    let start = line.find('`')? + 1;
    let len = line[start..].find('`')?;
    Some(&line[start..start + len])
}

fn package_name(spec: &str) -> String {
    spec.split_whitespace().next().unwrap_or(spec).to_string()
}

/// Shortens `…/dir/file.h:67:10: fatal error: X` to `file.h:67:10: fatal error: X`.
fn strip_dirs(line: &str) -> String {
    let line = line.trim();
    let cut = line.find(": ").unwrap_or(line.len());
    match line[..cut].rfind('/') {
        Some(slash) => line[slash + 1..].to_string(),
        None => line.to_string(),
    }
}

fn build_script_reason(section: &[&str]) -> String {
    let trimmed: Vec<&str> = section.iter().map(|l| l.trim()).collect();
    if let Some(i) = trimmed
        .iter()
        .position(|l| l.contains("only compatible with"))
    {
        let para: Vec<&str> = trimmed[i..]
            .iter()
            .take_while(|l| !l.is_empty())
            .copied()
            .collect();
        return para.join(" ");
    }
    if let Some(l) = trimmed.iter().find(|l| l.contains("fatal error:")) {
        return strip_dirs(l);
    }
    let interesting = |l: &&&str| {
        !l.starts_with("cargo:")
            && !l.starts_with("process didn't exit")
            && !l.starts_with("note:")
            && (l.starts_with("error") || l.contains(" error:") || l.contains("error: "))
    };
    if let Some(l) = trimmed.iter().find(interesting) {
        return strip_dirs(l);
    }
    if let Some(i) = trimmed.iter().position(|l| l.contains("panicked at")) {
        if let Some(next) = trimmed[i + 1..].iter().find(|l| !l.is_empty()) {
            return next.to_string();
        }
    }
    "the build script failed (see the log)".to_string()
}

/// Reads the output of a failed `cargo build`/`cargo test` and names what failed and why.
pub fn analyze(output: &str) -> BuildFailure {
    let lines: Vec<&str> = output.lines().collect();
    if let Some(i) = lines
        .iter()
        .position(|l| l.starts_with("error: failed to run custom build command for `"))
    {
        let pkg = backticked(lines[i]).map(package_name);
        let reason = build_script_reason(&lines[i + 1..]);
        return BuildFailure {
            reason: format!(
                "the {} build script failed: {reason}",
                pkg.as_deref().unwrap_or("?")
            ),
            build_script_of: pkg,
            compile_of: None,
        };
    }
    let compile_of = lines
        .iter()
        .find(|l| l.starts_with("error: could not compile `"))
        .and_then(|l| backticked(l))
        .map(package_name);
    let mut errors = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let is_error = (l.starts_with("error[") || l.starts_with("error:"))
            && !l.starts_with("error: could not compile")
            && !l.starts_with("error: aborting");
        if !is_error {
            continue;
        }
        let location = lines[i + 1..]
            .iter()
            .take(3)
            .find_map(|n| n.trim().strip_prefix("--> "))
            .map(|loc| format!(" ({})", loc.trim()))
            .unwrap_or_default();
        errors.push(format!("{}{location}", l.trim()));
        if errors.len() == 3 {
            break;
        }
    }
    let reason = if errors.is_empty() {
        let last: Vec<&str> = lines
            .iter()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .copied()
            .collect();
        last.into_iter()
            .rev()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" / ")
    } else {
        errors.join("; ")
    };
    BuildFailure {
        reason: match &compile_of {
            Some(p) => format!("{p} does not compile: {reason}"),
            None => reason,
        },
        build_script_of: None,
        compile_of,
    }
}

/// `12 passed, 0 failed, 2 ignored` from cargo test output (sums every `test result:` line).
pub fn test_summary(output: &str) -> Option<String> {
    test_totals(output).map(|t| {
        format!(
            "{} passed, {} failed, {} ignored",
            t.passed, t.failed, t.ignored
        )
    })
}

/// The counts of every `test result:` line of a `cargo test` run, summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestTotals {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests marked `#[ignore]`.
    pub ignored: u64,
}

/// Sums the `test result:` lines of `cargo test` output; `None` when there is none (nothing
/// ran: the build failed, or the command is not a test run).
pub fn test_totals(output: &str) -> Option<TestTotals> {
    let mut totals = TestTotals::default();
    let mut seen = false;
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        seen = true;
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(what), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => totals.passed += n,
                "failed" => totals.failed += n,
                "ignored" => totals.ignored += n,
                _ => {}
            }
        }
    }
    seen.then_some(totals)
}

/// The names of the tests a `cargo test` run reports as failed (`test x::y ... FAILED` lines,
/// also for tests that fail without panicking on the test thread), in order, once each.
pub fn failed_test_names(output: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.trim_end().strip_prefix("test ") else {
            continue;
        };
        let Some(name) = rest.strip_suffix(" ... FAILED") else {
            continue;
        };
        // doc tests: `test src/lib.rs - f (line 3) ... FAILED`
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// The failed tests of a `cargo test` run, one line each: `name: file:line: message`
/// (first line of each panic message).
pub fn test_failures(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.strip_prefix("thread '") else {
            continue;
        };
        let Some((name, after)) = rest.split_once('\'') else {
            continue;
        };
        let Some(at) = after.split(" panicked at ").nth(1) else {
            continue;
        };
        let at = at.trim_end_matches(':');
        let msg = lines
            .get(i + 1)
            .map(|m| m.trim())
            .filter(|m| !m.is_empty() && !m.starts_with("stack backtrace"))
            .unwrap_or("");
        out.push(format!("{name}: {at}: {msg}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBRESSL: &str = "   Compiling openssl-sys v0.9.118
error: failed to run custom build command for `openssl-sys v0.9.118`
note: To improve backtraces for build dependencies, set the CARGO_PROFILE_DEV_BUILD_OVERRIDE_DEBUG=true environment variable to enable debug information generation.

Caused by:
  process didn't exit successfully: `/t/debug/build/openssl-sys-5e6e/build-script-main` (exit status: 101)
  --- stdout
  cargo:rustc-check-cfg=cfg(openssl)
  --- stderr
  thread 'main' (26261) panicked at /r/openssl-sys-0.9.118/build/main.rs:470:5:


  This crate is only compatible with OpenSSL (version 1.1.0, 1.1.1, 3.x, or 4.x), or LibreSSL 3.5.0
  through 4.4.x, but a different version of OpenSSL was found. The build is now aborting
  due to this version mismatch.


  stack backtrace:
";

    const BORING_OLD: &str = "error: failed to run custom build command for `openssl-sys v0.9.118`
Caused by:
  process didn't exit successfully: `/t/build-script-main` (exit status: 101)
  --- stderr
  /usr/include/openssl/macros.h:154:2: error: \"OPENSSL_API_COMPAT expresses an impossible API compatibility level\"
  /t/debug/build/openssl-sys-3db5/out/boring_static_wrapper.h:67:10: fatal error: 'openssl/mldsa.h' file not found

  thread 'main' (22136) panicked at /r/openssl-sys-0.9.118/build/run_bindgen.rs:218:10:
";

    const AWSLC: &str = "   Compiling sslprobe v0.1.0 (/work/main)
error[E0425]: cannot find function, tuple struct or tuple variant `SSL_ctrl` in crate `openssl_sys`
   --> src/loopback.rs:597:22
    |
597 |         openssl_sys::SSL_ctrl(
    |                      ^^^^^^^^ not found in `openssl_sys`

error[E0308]: mismatched types
     --> src/keylog.rs:459:17
      |
Some errors have detailed explanations: E0308, E0425.
error: could not compile `sslprobe` (lib) due to 2 previous errors
warning: build failed, waiting for other jobs to finish...
";

    const SSLPROBE_SCRIPT: &str = "error: failed to run custom build command for `sslprobe v0.1.0 (/work/main)`
Caused by:
  process didn't exit successfully: `/t/build-script-build` (exit status: 1)
  --- stdout
  cargo:rerun-if-env-changed=OPENSSL_DIR
  --- stderr
  error: sslprobe: the sanity probe (SSL_CTX_new) does not link against BoringSSL: undefined reference to `__cxa_throw'
      /usr/bin/ld: libssl.a(extensions.cc.o): in function `f':
";

    #[test]
    fn openssl_sys_version_check() {
        let f = analyze(LIBRESSL);
        assert_eq!(f.build_script_of.as_deref(), Some("openssl-sys"));
        assert_eq!(
            f.reason,
            "the openssl-sys build script failed: This crate is only compatible with OpenSSL (version \
             1.1.0, 1.1.1, 3.x, or 4.x), or LibreSSL 3.5.0 through 4.4.x, but a different version of \
             OpenSSL was found. The build is now aborting due to this version mismatch."
        );
    }

    #[test]
    fn bindgen_missing_header() {
        let f = analyze(BORING_OLD);
        assert_eq!(f.build_script_of.as_deref(), Some("openssl-sys"));
        assert_eq!(
            f.reason,
            "the openssl-sys build script failed: boring_static_wrapper.h:67:10: fatal error: 'openssl/mldsa.h' file not found"
        );
    }

    #[test]
    fn rust_compile_errors() {
        let f = analyze(AWSLC);
        assert_eq!(f.build_script_of, None);
        assert_eq!(f.compile_of.as_deref(), Some("sslprobe"));
        assert_eq!(
            f.reason,
            "sslprobe does not compile: error[E0425]: cannot find function, tuple struct or tuple \
             variant `SSL_ctrl` in crate `openssl_sys` (src/loopback.rs:597:22); error[E0308]: \
             mismatched types (src/keylog.rs:459:17)"
        );
    }

    #[test]
    fn other_build_script() {
        let f = analyze(SSLPROBE_SCRIPT);
        assert_eq!(f.build_script_of.as_deref(), Some("sslprobe"));
        assert!(
            f.reason.starts_with(
                "the sslprobe build script failed: error: sslprobe: the sanity probe (SSL_CTX_new) does not link"
            ),
            "{}",
            f.reason
        );
    }

    #[test]
    fn failed_tests_are_listed() {
        let out = "test a ... FAILED\n\
            thread 'build_info_matches' (3381) panicked at tests/wire.rs:279:9:\n\
            SSL_CTX_set_num_tickets must be found on OpenSSL 1.1.0i\n\
            stack backtrace:\n\
            thread 'other' panicked at tests/x.rs:1:2:\n\
            stack backtrace:\n";
        assert_eq!(
            test_failures(out),
            [
                "build_info_matches: tests/wire.rs:279:9: SSL_CTX_set_num_tickets must be found on OpenSSL 1.1.0i",
                "other: tests/x.rs:1:2: "
            ]
        );
    }

    #[test]
    fn test_summaries() {
        let out = "running 12 tests\ntest result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s\n\
                   test result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            test_summary(out).as_deref(),
            Some("15 passed, 1 failed, 2 ignored")
        );
        assert_eq!(
            test_totals(out),
            Some(TestTotals {
                passed: 15,
                failed: 1,
                ignored: 2
            })
        );
        assert_eq!(test_summary("error: could not compile"), None);
    }

    #[test]
    fn failed_test_names_from_the_status_lines() {
        let out =
            "test a::ok ... ok\ntest a::bad ... FAILED\ntest src/lib.rs - f (line 3) ... FAILED\n\
                   failures:\n    a::bad\ntest a::bad ... FAILED\n";
        assert_eq!(
            failed_test_names(out),
            ["a::bad", "src/lib.rs - f (line 3)"]
        );
        assert!(failed_test_names("test x ... ok\n").is_empty());
    }

    #[test]
    fn unknown_output_falls_back_to_the_last_lines() {
        let f = analyze("a\n\nb\nc\nd\n");
        assert_eq!(f.reason, "b / c / d");
    }
}
