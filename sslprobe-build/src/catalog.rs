//! catalog (work in progress)
/// An API.
pub struct Api;
/// The catalog.
pub struct Catalog;
/// DB row.
pub struct DbEntry;
/// Kind.
pub enum Kind {}
/// Variant.
pub struct Variant;
