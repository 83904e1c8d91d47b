//! The compile-time proofs ran for exactly the functions sslprobe declared.

use sslprobe::Kind;

#[test]
fn every_generated_extern_is_checked_against_bindgen() {
    // Every function-kind API the build-time probe found has an extern in `sslprobe::sys`.
    let declared: Vec<&str> = sslprobe::build_info()
        .apis
        .iter()
        .filter(|a| a.present && a.kind == Some(Kind::Function))
        .map(|a| a.name)
        .collect();
    assert!(
        !declared.is_empty(),
        "sslprobe declared no extern at all for {}",
        bindgen_check::LIBRARY
    );
    assert_eq!(
        bindgen_check::checks::CHECKED,
        declared.as_slice(),
        "checked vs declared for {}",
        bindgen_check::LIBRARY
    );
    // Each check took the address of both the bindgen item and sslprobe's extern (so both
    // link, too).
    assert_eq!(bindgen_check::checks::check_all(), declared.len());
}

#[test]
fn checked_the_library_sslprobe_identified() {
    let info = sslprobe::build_info();
    assert_eq!(
        bindgen_check::LIBRARY,
        format!("{} {}", info.family, info.version)
    );
}
