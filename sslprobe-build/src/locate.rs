//! locate (work in progress)
/// Where the library is.
#[derive(Debug, Clone)]
pub struct Location;
