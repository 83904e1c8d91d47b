//! A crate downstream of sslprobe (tests/downstream/) receives the cfgs sslprobe detected.
//!
//! The fixture is copied under the target directory (so the source tree gets no Cargo.lock),
//! its path dependencies pointed at this workspace, the workspace's Cargo.lock copied in (same
//! dependency versions, no network: `--offline`), built by the real `cargo` (the harness of
//! `tests/support`, passing on the variables that chose this test binary's library) with
//! `RUSTFLAGS="-D unexpected_cfgs -D warnings"`, and run: every cfg it uses must be declared by the
//! check-cfg lines that `sslprobe_build::downstream::emit_cfgs()` prints. Its output, one
//! `cfg NAME on|off` line per cfg, is compared with `sslprobe::build_info()`.

mod support;

use sslprobe::{build_info, db, Family};
use std::collections::BTreeMap;
use std::path::Path;
use support::Cargo;

const FIXTURE_FILES: &[&str] = &["Cargo.toml", "build.rs", "src/main.rs"];

/// Copies the fixture to `dir`, with its `../..` path dependencies made absolute.
fn stage_fixture(dir: &Path) {
    let src = support::repo("tests/downstream");
    for f in FIXTURE_FILES {
        let mut text = support::read(&src.join(f));
        if *f == "Cargo.toml" {
            let before = text.clone();
            text = text
                .replace(
                    "sslprobe-build = { path = \"../../sslprobe-build\" }",
                    &support::sslprobe_build_dep(),
                )
                .replace(
                    "sslprobe = { path = \"../..\" }",
                    &support::sslprobe_dep(""),
                );
            assert_eq!(
                before.matches("path = ").count(),
                2,
                "the fixture's two path dependencies"
            );
            assert!(
                !text.contains("\"../"),
                "every relative path dependency was rewritten:\n{text}"
            );
        }
        support::write(&dir.join(f), &text);
    }
    support::copy_lock(dir);
}

#[test]
fn a_downstream_crate_receives_the_detected_cfgs() {
    let base = Path::new(support::TMP).join("sslprobe-downstream");
    let krate = base.join("crate");
    let _ = std::fs::remove_dir_all(&krate);
    stage_fixture(&krate);

    // The scratch crate must see the very library this test binary was built against.
    let b = Cargo::new("build", &krate, &base.join("target"))
        .envs(support::library_env())
        .envs([("RUSTFLAGS", "-D unexpected_cfgs -D warnings")])
        .run();
    b.expect_ok("the downstream crate");
    assert!(
        b.warnings().is_empty(),
        "no warning allowed:\n{:#?}",
        b.warnings()
    );
    let stdout = b.run_executable("sslprobe-downstream-check");
    eprintln!("{stdout}");

    let mut cfgs: BTreeMap<String, bool> = BTreeMap::new();
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("cfg ") {
            let (name, state) = rest
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            assert!(state == "on" || state == "off", "bad line {line:?}");
            assert!(
                cfgs.insert(name.to_string(), state == "on").is_none(),
                "{name} printed twice"
            );
        } else if let Some((k, v)) = line.split_once(' ') {
            fields.insert(k, v);
        }
    }

    let b = build_info();
    assert_eq!(fields.get("family"), Some(&b.family.as_str()));
    assert_eq!(fields.get("version"), Some(&b.version));
    for f in [
        Family::OpenSsl,
        Family::LibreSsl,
        Family::BoringSsl,
        Family::AwsLc,
    ] {
        let name = format!("sslprobe_{}", f.as_str());
        assert_eq!(cfgs.get(&name), Some(&(f == b.family)), "{name}");
    }
    let no_effect: Vec<&str> = fields
        .get("no-effect")
        .map(|s| s.split(',').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    for a in b.apis {
        assert_eq!(
            cfgs.get(a.cfg),
            Some(&a.present),
            "{}: downstream cfg vs build_info present={}",
            a.cfg,
            a.present
        );
        assert_eq!(
            no_effect.contains(&a.name),
            a.present && !a.effective,
            "{} in DEP_SSLPROBE_NO_EFFECT",
            a.name
        );
        let multi = db()
            .iter()
            .find(|d| d.name == a.name)
            .is_some_and(|d| d.variants.len() > 1);
        if let (true, true, Some(v)) = (multi, a.present, a.variant) {
            let key = format!("{}=\"{v}\"", a.cfg);
            assert_eq!(cfgs.get(&key), Some(&true), "{key} must be on downstream");
        }
    }
    // Every API line is accounted for: catalog APIs, their variants, the four families.
    let variant_lines = cfgs.keys().filter(|k| k.contains('=')).count();
    assert_eq!(cfgs.len(), b.apis.len() + variant_lines + 4);

    // The hand-written uses compiled exactly as the cfgs say.
    let options = b
        .api("SSL_CTX_set_options")
        .filter(|a| a.present)
        .and_then(|a| a.variant)
        .unwrap_or("absent");
    assert_eq!(fields.get("options-type"), Some(&options));
    if b.has("SSL_CTX_set_num_tickets") {
        let get = if b.has("SSL_CTX_get_num_tickets") {
            "0"
        } else {
            "absent"
        };
        assert_eq!(
            fields.get("num-tickets").copied(),
            Some(format!("set=1 get={get}").as_str())
        );
    } else {
        assert_eq!(fields.get("num-tickets"), Some(&"absent"));
    }
    if b.family == Family::OpenSsl && b.has("SSL_CTX_set_num_tickets") {
        assert_eq!(fields.get("disable-session-tickets"), Some(&"Done"));
    }
}
