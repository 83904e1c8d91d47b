//! Exports the target triple the CLI is built for (`SSLPROBE_CLI_TARGET`): `sslprobe probe`
//! configures its C compiler for that target, exactly as a build script would. Receives
//! sslprobe's cfgs like any downstream crate (its tests run only what the library has), and
//! the directory of sslprobe's catalog (`SSLPROBE_CATALOG_DIR`, for the unit tests).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Err(e) = sslprobe_build::downstream::emit_cfgs() {
        eprintln!("sslprobe-cli build script: reading sslprobe's metadata: {e}");
        std::process::exit(1);
    }
    // sslprobe's catalog directory (inside its package), for this crate's unit tests.
    match std::env::var("DEP_SSLPROBE_CATALOG_DIR") {
        Ok(dir) => println!("cargo:rustc-env=SSLPROBE_CATALOG_DIR={dir}"),
        Err(e) => {
            eprintln!("sslprobe-cli build script: DEP_SSLPROBE_CATALOG_DIR is not usable ({e}); sslprobe's build script exports it");
            std::process::exit(1);
        }
    }
    match std::env::var("TARGET") {
        Ok(target) => println!("cargo:rustc-env=SSLPROBE_CLI_TARGET={target}"),
        Err(e) => {
            eprintln!("sslprobe-cli build script: TARGET is not usable ({e}); cargo always sets it for build scripts");
            std::process::exit(1);
        }
    }
}
