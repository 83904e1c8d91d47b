//! Library families and versions (work in progress; see helper).

/// The four OpenSSL-family libraries sslprobe knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// OpenSSL.
    OpenSsl,
    /// LibreSSL.
    LibreSsl,
    /// BoringSSL.
    BoringSsl,
    /// AWS-LC.
    AwsLc,
}

/// A library version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u64,
}

/// A version requirement.
#[derive(Debug, Clone)]
pub struct VersionReq;
