//! sslprobe's build script: the whole pipeline lives in `sslprobe-build`.
fn main() {
    sslprobe_build::build_script::main();
}
