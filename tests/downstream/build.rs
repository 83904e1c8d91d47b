//! The one call a downstream build script makes, plus a generated list of `cfg!()` checks, one per
//! catalog API named in the metadata (so this fixture never keeps its own copy of the catalog).
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let meta = match sslprobe_build::downstream::emit_cfgs() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: reading sslprobe's metadata: {e}");
            std::process::exit(1);
        }
    };
    println!("cargo:rustc-env=DOWNSTREAM_FAMILY={}", meta.family.as_str());
    println!("cargo:rustc-env=DOWNSTREAM_VERSION={}", meta.version);
    println!(
        "cargo:rustc-env=DOWNSTREAM_NO_EFFECT={}",
        meta.no_effect.join(",")
    );

    let mut code = String::from("/// (cfg, on) for every API of the catalog and every variant found.\npub const SEEN: &[(&str, bool)] = &[\n");
    for api in &meta.apis {
        let cfg = sslprobe_build::catalog::cfg_name(api);
        writeln!(code, "    ({cfg:?}, cfg!({cfg})),").unwrap();
        if let Some(v) = meta.variants.get(api) {
            let shown = format!("{cfg}=\"{v}\"");
            writeln!(code, "    ({shown:?}, cfg!({cfg} = {v:?})),").unwrap();
        }
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("seen.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
