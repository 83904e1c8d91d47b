//! emit (work in progress)
