//! What sslprobe's build script found, read back from a cargo target directory: the
//! `cargo:FAMILY=`, `cargo:VERSION=`, `cargo:APIS=`, `cargo:HAVE=` and `cargo:NO_EFFECT=` lines
//! it leaves in `<target>/<profile>/build/sslprobe-<hash>/output` (what dependents receive as
//! `DEP_SSLPROBE_*`). Nothing is guessed: no such file, no finding.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// sslprobe's findings for one build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detected {
    /// Family as identified (`openssl`, `libressl`, ...).
    pub family: String,
    /// Version as identified.
    pub version: String,
    /// Every catalog API probed.
    pub apis: usize,
    /// The APIs found present.
    pub present: usize,
    /// The APIs found absent, by name.
    pub absent: Vec<String>,
    /// APIs present but known to do nothing in this library.
    pub no_effect: Vec<String>,
    /// The build-script output file read.
    pub output: PathBuf,
}

impl Detected {
    /// `openssl 3.0.8: 31/31 APIs` (with `, N without effect` when some are stubs).
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} {}: {}/{} APIs",
            self.family, self.version, self.present, self.apis
        );
        if !self.no_effect.is_empty() {
            s.push_str(&format!(", {} without effect", self.no_effect.len()));
        }
        s
    }
}

/// The value of a `cargo:KEY=` (or `cargo::metadata=KEY=`) line.
fn metadata<'a>(output: &'a str, key: &str) -> Option<&'a str> {
    output.lines().find_map(|l| {
        let rest = l
            .strip_prefix("cargo::metadata=")
            .or_else(|| l.strip_prefix("cargo:"))?;
        rest.strip_prefix(key)?.strip_prefix('=')
    })
}

fn names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses one build-script output file; `None` unless it is sslprobe's (it names the family,
/// the version and the probed APIs).
pub fn parse_output(text: &str, path: &Path) -> Option<Detected> {
    let family = metadata(text, "FAMILY")?;
    let version = metadata(text, "VERSION")?;
    let apis = names(metadata(text, "APIS")?);
    let have = names(metadata(text, "HAVE").unwrap_or(""));
    let absent = apis.iter().filter(|a| !have.contains(a)).cloned().collect();
    Some(Detected {
        family: family.to_string(),
        version: version.to_string(),
        apis: apis.len(),
        present: have.len(),
        absent,
        no_effect: names(metadata(text, "NO_EFFECT").unwrap_or("")),
        output: path.to_path_buf(),
    })
}

/// The newest sslprobe build-script output below a cargo target directory (any profile, any
/// target triple), if any.
pub fn find(target_dir: &Path) -> Option<Detected> {
    let mut found: Vec<(SystemTime, Detected)> = Vec::new();
    // <target>/<profile>/build and <target>/<triple>/<profile>/build
    let mut build_dirs = Vec::new();
    for a in read_dirs(target_dir) {
        build_dirs.push(a.join("build"));
        for b in read_dirs(&a) {
            build_dirs.push(b.join("build"));
        }
    }
    for build in build_dirs {
        for dir in read_dirs(&build) {
            let is_sslprobe = dir
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("sslprobe-"))
                .is_some_and(|hash| hash.chars().all(|c| c.is_ascii_hexdigit()));
            if !is_sslprobe {
                continue;
            }
            let path = dir.join("output");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if let Some(d) = parse_output(&text, &path) {
                found.push((modified, d));
            }
        }
    }
    found.into_iter().max_by_key(|(t, _)| *t).map(|(_, d)| d)
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "cargo:rustc-cfg=sslprobe_libressl\n\
        cargo:rustc-cfg=have_ssl_ctx_set_num_tickets\n\
        cargo:FAMILY=libressl\ncargo:VERSION=3.5.4\n\
        cargo:HAVE=SSL_CTX_set_num_tickets,SSL_OP_NO_TICKET\n\
        cargo:NO_EFFECT=SSL_CTX_set_num_tickets\n\
        cargo:APIS=SSL_CTX_set_num_tickets,SSL_OP_NO_TICKET,SSL_CTX_set_keylog_callback\n";

    #[test]
    fn reads_the_findings() {
        let d = parse_output(OUTPUT, Path::new("/t/output")).unwrap();
        assert_eq!(
            (d.family.as_str(), d.version.as_str()),
            ("libressl", "3.5.4")
        );
        assert_eq!((d.present, d.apis), (2, 3));
        assert_eq!(d.absent, ["SSL_CTX_set_keylog_callback"]);
        assert_eq!(d.no_effect, ["SSL_CTX_set_num_tickets"]);
        assert_eq!(d.summary(), "libressl 3.5.4: 2/3 APIs, 1 without effect");
        // the newer metadata syntax
        let new = OUTPUT.replace("cargo:FAMILY", "cargo::metadata=FAMILY");
        assert_eq!(parse_output(&new, Path::new("/t/output")).unwrap(), d);
        // another crate's output
        assert_eq!(parse_output("cargo:rustc-env=X=1\n", Path::new("/o")), None);
    }

    #[test]
    fn finds_the_newest_output_in_a_target_directory() {
        let t = std::env::temp_dir().join(format!("sslprobe-detect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        assert_eq!(find(&t), None, "no target directory");
        let old = t.join("debug/build/sslprobe-0123abcd");
        let new = t.join("x86_64-unknown-linux-gnu/debug/build/sslprobe-4567ef00");
        let other = t.join("debug/build/sslprobe-cli-89ab");
        for d in [&old, &new, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(other.join("output"), OUTPUT.replace("3.5.4", "9.9.9")).unwrap();
        std::fs::write(old.join("output"), OUTPUT.replace("3.5.4", "1.0.0")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(new.join("output"), OUTPUT).unwrap();
        let d = find(&t).unwrap();
        assert_eq!(d.version, "3.5.4");
        assert_eq!(d.output, new.join("output"));
        std::fs::remove_dir_all(&t).unwrap();
    }
}
