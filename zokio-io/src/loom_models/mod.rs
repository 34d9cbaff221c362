//! loom models of the reactor's atomic protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod readiness;
mod signal;
