//! Exports the target triple the CLI is built for (`SSLPROBE_CLI_TARGET`): `sslprobe probe`
//! configures its C compiler for that target, exactly as a build script would.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    match std::env::var("TARGET") {
        Ok(target) => println!("cargo:rustc-env=SSLPROBE_CLI_TARGET={target}"),
        Err(e) => {
            eprintln!("sslprobe-cli build script: TARGET is not usable ({e}); cargo always sets it for build scripts");
            std::process::exit(1);
        }
    }
}
