//! sslprobe's build script: the whole pipeline lives in `sslprobe-build`.
fn main() {
    sslprobe_build::build_script::main();
    // The catalog is part of this package: dependents' tests read it from here
    // (`DEP_SSLPROBE_CATALOG_DIR`), never from a path beside their own sources.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let catalog = std::path::Path::new(&manifest).join("probes");
    println!("cargo:catalog_dir={}", catalog.display());
}
