//! probe (work in progress)
/// Result.
pub struct ApiResult;
/// Prober.
pub struct Prober;
/// Results.
pub struct Results;
