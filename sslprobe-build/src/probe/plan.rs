//! Planning the first round from the knowledge DB, and which blocks still need probing.

use super::*;

/// What the knowledge DB expects of one API in the identified library: only used to plan the
/// first batch round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// Absent: every variant should fail.
    Absent,
    /// Present as this variant (index).
    Variant(usize),
    /// Present, variant not recorded.
    Unknown,
}

pub(super) fn expected_winners(catalog: &Catalog, library: &Library) -> Vec<Expect> {
    catalog
        .apis
        .iter()
        .map(|api| {
            let Some(db) = api.db_get(library.family) else {
                return Expect::Unknown;
            };
            if !db.has(&library.version) {
                return Expect::Absent;
            }
            match db.variant_at(&library.version) {
                Some(v) => api
                    .variants
                    .iter()
                    .position(|x| x.name == v)
                    .map_or(Expect::Unknown, Expect::Variant),
                None if api.variants.len() == 1 => Expect::Variant(0),
                None => Expect::Unknown,
            }
        })
        .collect()
}

/// The blocks (indices) still worth probing: for each API, the variants with no outcome yet
/// that come before its first variant known to pass. The sanity block is never listed.
pub(super) fn needed(ids: &[(usize, usize)], outcomes: &Outcomes) -> Vec<usize> {
    let mut first_pass: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, r) in outcomes {
        if *i >= FIRST_PROBE && r.is_ok() {
            let (api, v) = ids[*i];
            let e = first_pass.entry(api).or_insert(v);
            *e = (*e).min(v);
        }
    }
    (1..ids.len())
        .filter(|i| !outcomes.contains_key(i))
        .filter(|i| {
            let (api, v) = ids[*i];
            first_pass.get(&api).is_none_or(|p| v < *p)
        })
        .collect()
}

/// Splits the needed blocks of the first round: the expected winners (which should pass), and
/// the variants before them and all variants of APIs expected absent (which should fail).
/// Variants after an expected winner are left out: they matter only if it fails. Where the DB
/// does not name the variant, the first one is expected to pass and the others are probed too.
pub(super) fn plan(
    ids: &[(usize, usize)],
    expected: &[Expect],
    need: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    let (mut pass, mut fail) = (Vec::new(), Vec::new());
    for &i in need {
        let (api, v) = ids[i];
        match expected.get(api).copied().unwrap_or(Expect::Unknown) {
            Expect::Variant(k) if v == k => pass.push(i),
            Expect::Variant(k) if v < k => fail.push(i),
            Expect::Variant(_) => {}
            Expect::Absent => fail.push(i),
            Expect::Unknown if v == 0 => pass.push(i),
            Expect::Unknown => fail.push(i),
        }
    }
    (pass, fail)
}

/// Guesses the library from the `#define`s in its version headers, read as text: no compiler,
/// no preprocessor, conditionals ignored. The headers are those beside the `openssl/ssl.h` the
/// compiler would find first (`openssl/opensslv.h`, and `openssl/base.h` for BoringSSL and
/// AWS-LC), plus `wolfssl/version.h` when the prelude names wolfSSL. Only for planning the
/// first batch round; `None` when nothing usable is found.
pub(super) fn guess_library(loc: &Location, prelude: &[String]) -> Option<Library> {
    const KEYS: &[(&str, &str)] = &[
        ("OPENSSL_VERSION_NUMBER", "ossl_number"),
        ("OPENSSL_VERSION_MAJOR", "ossl_major"),
        ("OPENSSL_VERSION_MINOR", "ossl_minor"),
        ("OPENSSL_VERSION_PATCH", "ossl_patch"),
        ("LIBRESSL_VERSION_NUMBER", "libressl_number"),
        ("OPENSSL_IS_BORINGSSL", "is_boringssl"),
        ("BORINGSSL_API_VERSION", "boringssl_api"),
        ("OPENSSL_IS_AWSLC", "is_awslc"),
        ("AWSLC_VERSION_NUMBER_STRING", "awslc_version"),
        ("AWSLC_API_VERSION", "awslc_api"),
        ("LIBWOLFSSL_VERSION_STRING", "wolfssl_version"),
    ];
    let mut dirs = loc.include_dirs.clone();
    dirs.extend(["/usr/local/include", "/usr/include"].map(PathBuf::from));
    let dir = dirs.iter().find(|d| d.join("openssl/ssl.h").is_file())?;
    let mut files: Vec<PathBuf> = ["openssl/opensslv.h", "openssl/base.h"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    if prelude.iter().any(|p| p.contains("wolfssl")) {
        files.extend(dirs.iter().map(|d| d.join("wolfssl/version.h")));
    }
    let mut seen = BTreeSet::new();
    let mut text = String::new();
    for f in &files {
        {
            let Ok(src) = std::fs::read_to_string(f) else {
                continue;
            };
            for line in src.lines() {
                let Some(rest) = line.trim_start().strip_prefix('#') else {
                    continue;
                };
                let Some(rest) = rest.trim_start().strip_prefix("define") else {
                    continue;
                };
                let mut parts = rest.trim().splitn(2, char::is_whitespace);
                let (Some(name), value) = (parts.next(), parts.next().unwrap_or("").trim()) else {
                    continue;
                };
                let value = value.split("/*").next().unwrap_or("").trim();
                if let Some((_, key)) = KEYS.iter().find(|(n, _)| *n == name) {
                    if seen.insert(*key) {
                        let _ = writeln!(
                            text,
                            "\"sslprobe:{key}\" {}",
                            if value.is_empty() { "1" } else { value }
                        );
                    }
                }
            }
        }
    }
    identify::parse_expansion(&text).ok()
}
