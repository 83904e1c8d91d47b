//! The table of libraries the matrix builds, with pinned source versions.
//!
//! Versions are pinned here on purpose (reproducibility): to move to a newer
//! patch release, edit the table; nothing is resolved at run time. The
//! OpenSSL 3.x rows carry the newest `openssl-src` release of each minor that
//! crates.io had when the table was written.

use super::{Family, Lib, Linkage, OpenSslModules, OpensslSys, Recipe, Source};

macro_rules! ossl3 {
    ($maj:literal, $min:literal, $patch:literal) => {
        &[
            ("OPENSSL_VERSION_MAJOR", $maj),
            ("OPENSSL_VERSION_MINOR", $min),
            ("OPENSSL_VERSION_PATCH", $patch),
        ]
    };
}

macro_rules! openssl3 {
    ($key:literal, $crate_ver:literal, $ver:literal, $maj:literal, $min:literal, $patch:literal, modules: $m:ident) => {
        Lib {
            key: $key,
            family: Family::OpenSsl,
            version: $ver,
            linkage: Linkage::Static,
            source: Source::Crate {
                name: "openssl-src",
                version: $crate_ver,
                recipe: Recipe::OpenSsl {
                    modules: OpenSslModules::$m,
                },
            },
            expect_macros: ossl3!($maj, $min, $patch),
            openssl_sys: OpensslSys::Supported,
        }
    };
}

/// A LibreSSL portable release tarball from the sources directory (see
/// [`super::sources_dir`]): `libressl-<version>.tar.gz`.
macro_rules! libressl {
    ($key:literal, $ver:literal, $number:literal, $linkage:ident) => {
        Lib {
            key: $key,
            family: Family::LibreSsl,
            version: $ver,
            linkage: Linkage::$linkage,
            source: Source::Tarball {
                file: concat!("libressl-", $ver, ".tar.gz"),
                recipe: Recipe::LibreSsl,
            },
            expect_macros: &[("LIBRESSL_VERSION_NUMBER", $number)],
            // openssl-sys supports LibreSSL 3.5.0 through 4.4.x: every release tarball row
            openssl_sys: OpensslSys::Supported,
        }
    };
}

/// Every library the matrix knows, in display order.
pub const LIBS: &[Lib] = &[
    Lib {
        key: "openssl-1.1.0i",
        family: Family::OpenSsl,
        version: "1.1.0i",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "openssl-src",
            version: "110.0.7+1.1.0i",
            recipe: Recipe::OpenSsl {
                modules: OpenSslModules::Unsupported,
            },
        },
        expect_macros: &[("OPENSSL_VERSION_NUMBER", "0x1010009f")],
        openssl_sys: OpensslSys::Supported,
    },
    Lib {
        key: "openssl-1.1.1w",
        family: Family::OpenSsl,
        version: "1.1.1w",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "openssl-src",
            version: "111.28.2+1.1.1w",
            recipe: Recipe::OpenSsl {
                modules: OpenSslModules::Unsupported,
            },
        },
        expect_macros: &[("OPENSSL_VERSION_NUMBER", "0x1010117f")],
        openssl_sys: OpensslSys::Supported,
    },
    openssl3!("openssl-3.0.x", "300.0.13+3.0.8", "3.0.8", "3", "0", "8", modules: Installed),
    openssl3!("openssl-3.1.x", "300.1.6+3.1.4", "3.1.4", "3", "1", "4", modules: Installed),
    openssl3!("openssl-3.2.x", "300.2.3+3.2.1", "3.2.1", "3", "2", "1", modules: Installed),
    openssl3!("openssl-3.3.x", "300.3.2+3.3.2", "3.3.2", "3", "3", "2", modules: Installed),
    openssl3!("openssl-3.4.x", "300.4.2+3.4.1", "3.4.1", "3", "4", "1", modules: Installed),
    openssl3!("openssl-3.5.x", "300.5.5+3.5.5", "3.5.5", "3", "5", "5", modules: BuiltIn),
    openssl3!("openssl-3.6.x", "300.6.1+3.6.3", "3.6.3", "3", "6", "3", modules: BuiltIn),
    openssl3!("openssl-4.0.x", "400.0.2+4.0.3", "4.0.3", "4", "0", "3", modules: BuiltIn),
    Lib {
        key: "openssl-1.1.0i-shared",
        family: Family::OpenSsl,
        version: "1.1.0i",
        linkage: Linkage::Shared,
        source: Source::Crate {
            name: "openssl-src",
            version: "110.0.7+1.1.0i",
            recipe: Recipe::OpenSsl {
                modules: OpenSslModules::Unsupported,
            },
        },
        expect_macros: &[("OPENSSL_VERSION_NUMBER", "0x1010009f")],
        openssl_sys: OpensslSys::Supported,
    },
    Lib {
        key: "openssl-1.1.1w-shared",
        family: Family::OpenSsl,
        version: "1.1.1w",
        linkage: Linkage::Shared,
        source: Source::Crate {
            name: "openssl-src",
            version: "111.28.2+1.1.1w",
            recipe: Recipe::OpenSsl {
                modules: OpenSslModules::Unsupported,
            },
        },
        expect_macros: &[("OPENSSL_VERSION_NUMBER", "0x1010117f")],
        openssl_sys: OpensslSys::Supported,
    },
    Lib {
        key: "boringssl-new",
        family: Family::BoringSsl,
        version: "API 44",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "boring-sys",
            version: "5.4.0",
            recipe: Recipe::BoringSsl {
                cmake_dir: "deps/boringssl",
                include_dir: "deps/boringssl/include",
            },
        },
        expect_macros: &[("BORINGSSL_API_VERSION", "44")],
        openssl_sys: OpensslSys::Supported,
    },
    Lib {
        key: "boringssl-old",
        family: Family::BoringSsl,
        version: "API 14",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "boring-sys",
            version: "1.1.1",
            // boring-sys 1.x ships BoringSSL's generated build files: the top
            // CMakeLists.txt (pregenerated assembly, err_data.c) wraps `src/`.
            recipe: Recipe::BoringSsl {
                cmake_dir: "deps/boringssl",
                include_dir: "deps/boringssl/src/include",
            },
        },
        expect_macros: &[("BORINGSSL_API_VERSION", "14")],
        openssl_sys: OpensslSys::Untested,
    },
    Lib {
        key: "awslc",
        family: Family::AwsLc,
        version: "5.12.0",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "aws-lc-sys",
            version: "0.47.0",
            recipe: Recipe::AwsLc {
                cmake_dir: "aws-lc",
            },
        },
        expect_macros: &[("AWSLC_VERSION_NUMBER_STRING", "\"5.12.0\"")],
        openssl_sys: OpensslSys::Supported,
    },
    Lib {
        key: "libressl-3.1.0",
        family: Family::LibreSsl,
        version: "3.1.0",
        linkage: Linkage::Static,
        source: Source::Crate {
            name: "libtls-sys",
            version: "1.2.0",
            recipe: Recipe::LibreSslTarball {
                tarball: "libressl-3.1.0.tar.gz",
            },
        },
        expect_macros: &[("LIBRESSL_VERSION_NUMBER", "0x3010000f")],
        openssl_sys: OpensslSys::Untested,
    },
    libressl!("libressl-3.5.4", "3.5.4", "0x3050400f", Static),
    libressl!("libressl-3.9.2", "3.9.2", "0x3090200f", Static),
    libressl!("libressl-4.3.2", "4.3.2", "0x4030200f", Static),
    libressl!("libressl-4.3.2-shared", "4.3.2", "0x4030200f", Shared),
    Lib {
        key: "wolfssl-debian",
        family: Family::WolfSsl,
        version: "",
        linkage: Linkage::Shared,
        source: Source::Apt {
            package: "libwolfssl-dev",
            header: "wolfssl/openssl/ssl.h",
            ssl_lib: "libwolfssl.so",
            crypto_lib: "libwolfssl.so",
            link_libs: &["wolfssl"],
            pre_includes: &["wolfssl/options.h"],
        },
        expect_macros: &[],
        openssl_sys: OpensslSys::Never(
            "openssl-sys links libssl and libcrypto; wolfSSL ships only libwolfssl, whose \
             OpenSSL compatibility layer it cannot link",
        ),
    },
    Lib {
        key: "boringssl-android-debian",
        family: Family::BoringSsl,
        version: "",
        linkage: Linkage::Shared,
        source: Source::Apt {
            package: "android-libboringssl-dev",
            header: "android/openssl/ssl.h",
            ssl_lib: "libssl.so",
            crypto_lib: "libcrypto.so",
            link_libs: &["ssl", "crypto"],
            pre_includes: &[],
        },
        expect_macros: &[],
        openssl_sys: OpensslSys::Untested,
    },
];
