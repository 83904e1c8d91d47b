//! Shared TLS plumbing for `report` and `serve`: protocol flags, ticket modes, and turning the
//! loopback kit's errors into CLI failures. The real work lives in [`sslprobe::loopback`].

use crate::Failure;
use sslprobe::loopback::{self, Protocol, TicketMode};

/// The protocol selected by `--tls12` / `--tls13` (`None`: both TLS 1.2 and 1.3 allowed).
pub fn protocol_from_flags(tls12: bool, tls13: bool) -> Result<Option<Protocol>, Failure> {
    match (tls12, tls13) {
        (true, true) => Err(Failure::usage(
            "--tls12 and --tls13 exclude each other: give at most one (neither: both protocols)",
        )),
        (true, false) => Ok(Some(Protocol::Tls12)),
        (false, true) => Ok(Some(Protocol::Tls13)),
        (false, false) => Ok(None),
    }
}

/// `--baseline`: `SSL_OP_NO_TICKET` only (the seed's bug); otherwise the fix.
pub fn mode_from_flag(baseline: bool) -> TicketMode {
    if baseline {
        TicketMode::Baseline
    } else {
        TicketMode::Fixed
    }
}

/// A runtime failure (exit 1) with context.
pub fn failed(context: &str, e: loopback::Error) -> Failure {
    Failure::failed(format!("{context}: {e}"))
}

/// `1 write` / `3 writes`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_flags() {
        assert_eq!(protocol_from_flags(false, false).unwrap(), None);
        assert_eq!(
            protocol_from_flags(true, false).unwrap(),
            Some(Protocol::Tls12)
        );
        assert_eq!(
            protocol_from_flags(false, true).unwrap(),
            Some(Protocol::Tls13)
        );
        let e = protocol_from_flags(true, true).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("--tls12 and --tls13"));
    }

    #[test]
    fn modes_and_words() {
        assert_eq!(mode_from_flag(true), TicketMode::Baseline);
        assert_eq!(mode_from_flag(false), TicketMode::Fixed);
        assert_eq!(plural(1, "write", "writes"), "1 write");
        assert_eq!(plural(3, "write", "writes"), "3 writes");
    }
}
