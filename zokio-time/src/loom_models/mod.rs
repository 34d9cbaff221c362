//! loom models of the timers' atomic protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod driver;
mod entry;
