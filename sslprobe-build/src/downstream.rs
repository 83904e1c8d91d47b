//! downstream (work in progress)
