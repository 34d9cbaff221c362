//! loom models of the sync primitives' protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod cancellation;
mod notify;
mod once_cell;
mod set_once;
