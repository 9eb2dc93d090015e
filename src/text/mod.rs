//! text (work in progress)
