//! identify (work in progress)
/// The identified library.
#[derive(Debug, Clone)]
pub struct Library;
