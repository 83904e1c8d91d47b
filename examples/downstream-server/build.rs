// build.rs of a crate with `sslprobe` as a dependency and `sslprobe-build` as a build-dependency
fn main() {
    let answers = sslprobe_build::Probe::new()
        .function("SSL_CTX_set_block_padding", "int (*)(SSL_CTX *, size_t)")
        .function("SSL_CTX_set_block_padding_ex", "int (*)(SSL_CTX *, size_t, size_t)")
        .define("SSL_OP_NO_RENEGOTIATION")
        .emit()
        .expect("sslprobe");
    // A custom name read back as data, not only as a cfg.
    let value = answers.value("SSL_OP_NO_RENEGOTIATION").unwrap_or("absent");
    println!("cargo:rustc-env=EXAMPLE_SSL_OP_NO_RENEGOTIATION={value}");
}
