//! Identify: which library and version the headers belong to, from the preprocessor only.
//!
//! A small generated C file includes `<openssl/ssl.h>` and echoes the identifying macros behind
//! string-literal markers (string literals are never macro-expanded, so the markers survive):
//!
//! ```text
//! "sslprobe:ossl_number" 0x1010117fL
//! ```
//!
//! [`parse_expansion`] turns that output into a [`Library`]. Nothing is run: this works for
//! cross builds too.

use crate::compiler::{render_command, Compiler};
use crate::error::{Error, Result};
use crate::locate::Location;
use crate::version::{Family, Version};
use std::collections::BTreeMap;
use std::path::Path;

/// The identified library.
///
/// ```no_run
/// # fn main() -> sslprobe_build::Result<()> {
/// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
/// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
/// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
/// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
/// let lib = &results.library;
/// match lib.family {
///     sslprobe_build::Family::BoringSsl => println!("BoringSSL API version {}", lib.version),
///     _ => println!("{} ({})", lib.version, lib.version_text.as_deref().unwrap_or("no version text")),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Library {
    /// OpenSSL, LibreSSL, BoringSSL or AWS-LC.
    pub family: Family,
    /// The family's own version: OpenSSL/LibreSSL/AWS-LC release, or BoringSSL's API version.
    pub version: Version,
    /// `OPENSSL_VERSION_TEXT` (or AWS-LC's version string), when the header defines it.
    pub version_text: Option<String>,
    /// `BORINGSSL_API_VERSION` / `AWSLC_API_VERSION`.
    pub api_version: Option<u64>,
    /// `OPENSSL_VERSION_NUMBER` when it is a literal (all but OpenSSL 3+, where we rebuild it).
    pub openssl_version_number: Option<u64>,
    /// Values of the define-kind APIs asked for, as the preprocessor expanded them.
    pub defines: BTreeMap<String, String>,
}

impl Library {
    /// `openssl 3.0.19`, `boringssl 44`, ...
    ///
    /// ```no_run
    /// # fn main() -> sslprobe_build::Result<()> {
    /// # let (catalog, _) = sslprobe_build::Catalog::load(std::path::Path::new("probes"))?;
    /// # let cc = sslprobe_build::compiler::Compiler::for_target("x86_64-unknown-linux-gnu")?;
    /// # let loc = sslprobe_build::locate::from_prefix(std::path::Path::new("/usr/local/ssl"), None)?;
    /// # let results = sslprobe_build::Prober::new(cc, loc, &std::env::temp_dir())?.run(&catalog, &mut sslprobe_build::probe::Log::in_memory())?;
    /// println!("cargo:warning=probed {}", results.library.describe()); // e.g. "OpenSSL 3.0.13"
    /// # Ok(()) }
    /// ```
    pub fn describe(&self) -> String {
        match self.family {
            Family::BoringSsl => format!(
                "{} (API version {})",
                self.family.display_name(),
                self.version
            ),
            _ => format!("{} {}", self.family.display_name(), self.version),
        }
    }
}

const MARK: &str = "\"sslprobe:";

/// The C source that [`identify`] preprocesses. `defines` are macro names (valid C
/// identifiers, checked) whose expansions are captured.
pub(crate) fn identify_source(prelude: &[String], defines: &[&str]) -> Result<String> {
    let mut s = String::new();
    for p in prelude {
        s.push_str(p);
        s.push('\n');
    }
    s.push_str("#include <openssl/ssl.h>\n");
    let pairs: &[(&str, &str)] = &[
        ("ossl_number", "OPENSSL_VERSION_NUMBER"),
        ("ossl_major", "OPENSSL_VERSION_MAJOR"),
        ("ossl_minor", "OPENSSL_VERSION_MINOR"),
        ("ossl_patch", "OPENSSL_VERSION_PATCH"),
        ("ossl_text", "OPENSSL_VERSION_TEXT"),
        ("libressl_number", "LIBRESSL_VERSION_NUMBER"),
        ("is_boringssl", "OPENSSL_IS_BORINGSSL"),
        ("boringssl_api", "BORINGSSL_API_VERSION"),
        ("is_awslc", "OPENSSL_IS_AWSLC"),
        ("awslc_version", "AWSLC_VERSION_NUMBER_STRING"),
        ("awslc_api", "AWSLC_API_VERSION"),
        ("wolfssl_version", "LIBWOLFSSL_VERSION_STRING"),
    ];
    for (key, mac) in pairs {
        s.push_str(&format!("#ifdef {mac}\n{MARK}{key}\" {mac}\n#endif\n"));
    }
    for d in defines {
        if !crate::catalog::is_c_identifier(d) {
            return Err(Error::invalid(
                "define name",
                *d,
                "not a valid C identifier",
            ));
        }
        s.push_str(&format!("#ifdef {d}\n{MARK}define:{d}\" {d}\n#endif\n"));
    }
    Ok(s)
}

/// Preprocesses the identification source against `loc` and parses the result.
///
/// `scratch` is a directory private to this run. The command and its output are appended to
/// `log` whatever happens.
pub(crate) fn identify(
    cc: &Compiler,
    loc: &Location,
    prelude: &[String],
    defines: &[&str],
    scratch: &Path,
    log: &mut crate::log::Log,
) -> Result<Library> {
    let src = identify_source(prelude, defines)?;
    let path = scratch.join("sslprobe_identify.c");
    std::fs::write(&path, &src).map_err(|e| Error::io(&path, e))?;
    let mut cmd = cc.preprocess_command(loc, &path);
    let command = render_command(&cmd);
    let out = cmd.output().map_err(|e| Error::Toolchain {
        message: format!(
            "could not run the C compiler {}: {e} (command: {command})",
            cc.path().display()
        ),
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    log.entry("identify", &src, &command, out.status.code(), &stderr);
    if !out.status.success() {
        return Err(Error::Identify {
            message: format!(
                "preprocessing <openssl/ssl.h> failed (include dirs: {}); command: {command}",
                if loc.include_dirs.is_empty() {
                    "compiler default".to_string()
                } else {
                    loc.include_dirs
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            output: stderr.into_owned(),
        });
    }
    parse_expansion(&stdout)
}

fn parse_int(v: &str) -> Option<u64> {
    let t = v
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let t = t.trim_end_matches(['L', 'l', 'U', 'u']);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        t.parse().ok()
    }
}

fn parse_string_literal(v: &str) -> Option<String> {
    // Adjacent literals ("a" "b") are concatenated; escapes are kept as written.
    let mut out = String::new();
    let mut rest = v.trim();
    let mut any = false;
    while let Some(r) = rest.strip_prefix('"') {
        let end = r.find('"')?;
        out.push_str(&r[..end]);
        rest = r[end + 1..].trim_start();
        any = true;
    }
    (any && rest.is_empty()).then_some(out)
}

/// Parses the preprocessor output of [`identify_source`]. Never panics, whatever the input.
pub(crate) fn parse_expansion(out: &str) -> Result<Library> {
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    let mut defines = BTreeMap::new();
    let lines: Vec<&str> = out.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix(MARK) else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let key = &rest[..end];
        let mut value = rest[end + 1..].trim().to_string();
        if value.is_empty() {
            // Some preprocessors put a macro's expansion from a system header on its own line
            // after a line marker; take the next line that is neither a marker nor ours.
            value = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .filter(|l| !l.starts_with(MARK))
                .unwrap_or("")
                .to_string();
        }
        if let Some(d) = key.strip_prefix("define:") {
            defines.insert(d.to_string(), value);
        } else {
            m.insert(key.to_string(), value);
        }
    }
    let fail = |message: &str| Error::Identify {
        message: message.to_string(),
        output: truncate(out),
    };
    let num = |k: &str| m.get(k).and_then(|v| parse_int(v));
    let text = m.get("ossl_text").and_then(|v| parse_string_literal(v));

    let (family, version, api_version) = if let Some(v) = m.get("wolfssl_version") {
        // wolfSSL's OpenSSL compatibility layer also defines OPENSSL_VERSION_NUMBER: check first.
        let v = parse_string_literal(v)
            .ok_or_else(|| fail("LIBWOLFSSL_VERSION_STRING is not a string literal"))?;
        let version =
            Version::parse(&v).map_err(|e| fail(&format!("LIBWOLFSSL_VERSION_STRING: {e}")))?;
        (Family::WolfSsl, version, None)
    } else if m.contains_key("is_awslc") {
        let v = m
            .get("awslc_version")
            .and_then(|v| parse_string_literal(v))
            .ok_or_else(|| {
                fail("OPENSSL_IS_AWSLC is defined but AWSLC_VERSION_NUMBER_STRING is not")
            })?;
        let version =
            Version::parse(&v).map_err(|e| fail(&format!("AWSLC_VERSION_NUMBER_STRING: {e}")))?;
        (Family::AwsLc, version, num("awslc_api"))
    } else if m.contains_key("is_boringssl") {
        let api = num("boringssl_api")
            .ok_or_else(|| fail("OPENSSL_IS_BORINGSSL without a numeric BORINGSSL_API_VERSION"))?;
        (Family::BoringSsl, Version::api(api), Some(api))
    } else if let Some(v) = m.get("libressl_number") {
        let n = parse_int(v).ok_or_else(|| fail("LIBRESSL_VERSION_NUMBER is not a number"))?;
        (Family::LibreSsl, Version::from_libressl_number(n), None)
    } else if let (Some(maj), Some(min), Some(pat)) =
        (num("ossl_major"), num("ossl_minor"), num("ossl_patch"))
    {
        (Family::OpenSsl, Version::new(maj, min, pat), None)
    } else if let Some(n) = num("ossl_number") {
        if n >> 28 >= 3 {
            return Err(fail("OPENSSL_VERSION_NUMBER says 3.x or later but OPENSSL_VERSION_MAJOR/MINOR/PATCH are missing"));
        }
        (Family::OpenSsl, Version::from_openssl_number(n), None)
    } else {
        return Err(fail(
            "none of OPENSSL_VERSION_NUMBER, LIBRESSL_VERSION_NUMBER, OPENSSL_IS_BORINGSSL or \
             OPENSSL_IS_AWSLC is defined after #include <openssl/ssl.h>",
        ));
    };
    let version_text = if family == Family::WolfSsl {
        m.get("wolfssl_version")
            .and_then(|v| parse_string_literal(v))
            .map(|v| format!("wolfSSL {v}"))
    } else if family == Family::AwsLc {
        m.get("awslc_version")
            .and_then(|v| parse_string_literal(v))
            .map(|v| format!("AWS-LC {v}"))
    } else {
        text
    };
    Ok(Library {
        family,
        version,
        version_text,
        api_version,
        openssl_version_number: num("ossl_number"),
        defines,
    })
}

fn truncate(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| l.contains("sslprobe:")).collect();
    if lines.is_empty() {
        "(no sslprobe markers in the preprocessor output)".into()
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(s: &str) -> Library {
        parse_expansion(s).unwrap()
    }

    #[test]
    fn openssl_1x_letter() {
        let l = lib("# 1 \"x\"\n\"sslprobe:ossl_number\" 0x1010009fL\n\"sslprobe:ossl_text\" \"OpenSSL 1.1.0i  14 Aug 2018\"\n");
        assert_eq!(
            (l.family, l.version.to_string()),
            (Family::OpenSsl, "1.1.0i".into())
        );
        assert_eq!(
            l.version_text.as_deref(),
            Some("OpenSSL 1.1.0i  14 Aug 2018")
        );
        assert_eq!(
            lib("\"sslprobe:ossl_number\" 0x1010117fL")
                .version
                .to_string(),
            "1.1.1w"
        );
    }

    #[test]
    fn openssl_3() {
        let l = lib("\"sslprobe:ossl_number\" ( (3<<28) | (0<<20) | (19<<4) | 0x0L )\n\"sslprobe:ossl_major\" 3\n\"sslprobe:ossl_minor\" 0\n\"sslprobe:ossl_patch\" 19\n\"sslprobe:define:SSL_OP_NO_TICKET\" ((uint64_t) 1 << (uint64_t) 14)\n");
        assert_eq!(l.version, Version::new(3, 0, 19));
        assert_eq!(
            l.defines["SSL_OP_NO_TICKET"],
            "((uint64_t) 1 << (uint64_t) 14)"
        );
    }

    #[test]
    fn libressl_boring_awslc() {
        let l =
            lib("\"sslprobe:ossl_number\" 0x20000000L\n\"sslprobe:libressl_number\" 0x3050000fL\n");
        assert_eq!(
            (l.family, l.version.to_string()),
            (Family::LibreSsl, "3.5.0".into())
        );
        let l = lib("\"sslprobe:ossl_number\" 0x1010107f\n\"sslprobe:is_boringssl\" 1\n\"sslprobe:boringssl_api\" 44\n");
        assert_eq!(
            (l.family, l.version.to_string(), l.api_version),
            (Family::BoringSsl, "44".into(), Some(44))
        );
        let l = lib("\"sslprobe:ossl_number\" 0x1010107f\n\"sslprobe:is_awslc\" \n\"sslprobe:awslc_version\" \"5.12.0\"\n\"sslprobe:awslc_api\" 37\n");
        assert_eq!(
            (l.family, l.version.to_string(), l.api_version),
            (Family::AwsLc, "5.12.0".into(), Some(37))
        );
    }

    #[test]
    fn refuses_unknown() {
        assert!(parse_expansion("").is_err());
        let w = parse_expansion(
            "\"sslprobe:wolfssl_version\" \"5.5.4\"\n\"sslprobe:ossl_number\" 0x10100000L",
        )
        .unwrap();
        assert_eq!(
            (w.family, w.version.to_string()),
            (Family::WolfSsl, "5.5.4".into())
        );
        assert!(parse_expansion("\"sslprobe:wolfssl_version\" 5\n").is_err());
        assert!(parse_expansion("\"sslprobe:ossl_number\" 0x30000000L").is_err());
        assert!(parse_expansion("\"sslprobe:is_boringssl\" \n").is_err());
    }

    #[test]
    fn rejects_bad_define_names() {
        assert!(identify_source(&[], &["SSL_OP_NO_TICKET"]).is_ok());
        assert!(identify_source(&[], &["X\n#include </etc/passwd>"]).is_err());
        assert!(identify_source(&[], &["X Y"]).is_err());
    }

    /// Property tests: `parse_expansion` never panics, and versions survive a round trip
    /// through synthetic preprocessor output (markers in any order, with line markers and
    /// unrelated declarations around them, and values on the following line as some
    /// preprocessors print them).
    mod prop_tests {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "ossl_number",
            "ossl_major",
            "ossl_minor",
            "ossl_patch",
            "ossl_text",
            "libressl_number",
            "is_boringssl",
            "boringssl_api",
            "is_awslc",
            "awslc_version",
            "awslc_api",
            "wolfssl_version",
            "define:SSL_OP_NO_TICKET",
        ];

        /// Lines that look like what the preprocessor prints, mixing our markers with noise.
        fn line() -> impl Strategy<Value = String> {
            let key = prop_oneof![
                prop::sample::select(KEYS).prop_map(str::to_string),
                "[a-z_:]{0,12}",
                ".{0,8}"
            ];
            let value = prop_oneof![
                any::<u64>().prop_map(|n| format!("0x{n:x}L")),
                any::<u64>().prop_map(|n| n.to_string()),
                "\"[ -~]{0,20}\"",
                "\\( *\\(?[0-9<|x ]{0,20}\\)? *\\)",
                ".{0,20}",
                Just(String::new()),
            ];
            prop_oneof![
                (key, value).prop_map(|(k, v)| format!("\"sslprobe:{k}\" {v}")),
                (0u32..5000, "[a-z/._]{0,20}").prop_map(|(n, f)| format!("# {n} \"{f}\"")),
                Just("\"sslprobe:".to_string()),
                Just("\"sslprobe:ossl_number\"".to_string()),
                ".{0,40}",
            ]
        }

        fn noise() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec(
                prop_oneof![
                    Just(String::new()),
                    (1u32..9999, "[a-z/._]{1,20}")
                        .prop_map(|(n, f)| format!("# {n} \"/usr/include/{f}\" 3 4")),
                    "typedef (int|long|struct [a-z_]{1,8} \\*) [a-z_]{1,12};",
                    "extern int [A-Za-z_]{1,16}\\(void\\);",
                ],
                0..4,
            )
        }

        /// Joins marker lines (shuffled) with noise; `split` puts each value on its own line
        /// after a line marker, as some preprocessors do for expansions from system headers.
        fn render(markers: Vec<(String, String)>, noise: Vec<String>, split: bool) -> String {
            let mut out = String::new();
            for (i, (k, v)) in markers.iter().enumerate() {
                if let Some(n) = noise.get(i) {
                    out.push_str(n);
                    out.push('\n');
                }
                if split {
                    out.push_str(&format!(
                        "\"sslprobe:{k}\"\n# 42 \"/usr/include/openssl/opensslv.h\" 3\n{v}\n"
                    ));
                } else {
                    out.push_str(&format!("\"sslprobe:{k}\" {v}\n"));
                }
            }
            out
        }

        fn openssl_1x() -> impl Strategy<Value = (Version, Vec<(String, String)>)> {
            (0u64..=1, 0u64..=255, 0u64..=255, 0u64..=52, 0u64..=15).prop_map(
                |(major, minor, fix, letter, status)| {
                    let n = major << 28 | minor << 20 | fix << 12 | letter << 4 | status;
                    let l = match letter {
                        0 => String::new(),
                        1..=26 => char::from(b'a' + (letter - 1) as u8).to_string(),
                        _ => format!("z{}", char::from(b'a' + (letter - 27) as u8)),
                    };
                    let v = Version::new(major, minor, fix).with_letter(&l).unwrap();
                    (
                        v,
                        vec![
                            ("ossl_number".into(), format!("0x{n:x}L")),
                            ("ossl_text".into(), "\"OpenSSL x  1 Jan 2000\"".into()),
                        ],
                    )
                },
            )
        }

        fn openssl_3() -> impl Strategy<Value = (Version, Vec<(String, String)>)> {
            (3u64..=99, 0u64..=255, 0u64..=9999).prop_map(|(major, minor, patch)| {
                let expr = format!("( ({major}<<28) | ({minor}<<20) | ({patch}<<4) | 0x0L )");
                (
                    Version::new(major, minor, patch),
                    vec![
                        ("ossl_number".into(), expr),
                        ("ossl_major".into(), major.to_string()),
                        ("ossl_minor".into(), minor.to_string()),
                        ("ossl_patch".into(), patch.to_string()),
                    ],
                )
            })
        }

        fn libressl() -> impl Strategy<Value = (Version, Vec<(String, String)>)> {
            (2u64..=15, 0u64..=255, 0u64..=255).prop_map(|(major, minor, patch)| {
                let n = major << 28 | minor << 20 | patch << 12 | 0xf;
                (
                    Version::new(major, minor, patch),
                    vec![
                        ("ossl_number".into(), "0x20000000L".into()),
                        ("libressl_number".into(), format!("0x{n:x}L")),
                    ],
                )
            })
        }

        proptest! {
            #[test]
            fn never_panics_on_any_text(s in ".{0,400}") {
                let _ = parse_expansion(&s);
            }

            #[test]
            fn never_panics_on_marker_soup(lines in prop::collection::vec(line(), 0..24)) {
                let _ = parse_expansion(&lines.join("\n"));
                let _ = parse_expansion(&lines.join("\r\n"));
            }

            #[test]
            fn openssl_round_trip(
                (version, markers) in prop_oneof![openssl_1x(), openssl_3()],
                order in any::<usize>(),
                noise in noise(),
                split: bool,
            ) {
                let mut markers = markers;
                let k = markers.len();
                markers.rotate_left(order % k);
                let l = parse_expansion(&render(markers, noise, split)).unwrap();
                prop_assert_eq!(l.family, Family::OpenSsl);
                prop_assert_eq!(l.version.to_string(), version.to_string());
                prop_assert_eq!(l.version, version);
            }

            #[test]
            fn libressl_round_trip((version, markers) in libressl(), noise in noise(), split: bool) {
                let l = parse_expansion(&render(markers, noise, split)).unwrap();
                prop_assert_eq!(l.family, Family::LibreSsl);
                prop_assert_eq!(l.version, version);
            }

            #[test]
            fn boringssl_round_trip(api in 0u64..1_000_000, noise in noise(), split: bool) {
                let markers = vec![
                    ("ossl_number".to_string(), "0x1010107f".to_string()),
                    ("is_boringssl".to_string(), "1".to_string()),
                    ("boringssl_api".to_string(), api.to_string()),
                ];
                let l = parse_expansion(&render(markers, noise, split)).unwrap();
                prop_assert_eq!((l.family, l.version.clone(), l.api_version), (Family::BoringSsl, Version::api(api), Some(api)));
            }

            #[test]
            fn awslc_round_trip(major in 0u64..100, minor in 0u64..100, patch in 0u64..100, api in 0u64..1000, noise in noise()) {
                let text = format!("{major}.{minor}.{patch}");
                let markers = vec![
                    ("is_awslc".to_string(), "1".to_string()),
                    ("awslc_version".to_string(), format!("\"{text}\"")),
                    ("awslc_api".to_string(), api.to_string()),
                ];
                let l = parse_expansion(&render(markers, noise, false)).unwrap();
                prop_assert_eq!(l.family, Family::AwsLc);
                prop_assert_eq!(l.version, Version::new(major, minor, patch));
                prop_assert_eq!(l.api_version, Some(api));
                prop_assert_eq!(l.version_text, Some(format!("AWS-LC {text}")));
            }

            #[test]
            fn define_values_round_trip(
                name in "[A-Z_][A-Z0-9_]{0,30}",
                value in "[!-~][ -~]{0,30}[!-~]",
                (_, markers) in openssl_1x(),
            ) {
                let mut markers = markers;
                markers.push((format!("define:{name}"), value.clone()));
                let l = parse_expansion(&render(markers, vec![], false)).unwrap();
                prop_assert_eq!(l.defines.get(&name), Some(&value));
            }
        }
    }
}
