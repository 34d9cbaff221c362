//! loom models of the pools' atomic protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod depot;
