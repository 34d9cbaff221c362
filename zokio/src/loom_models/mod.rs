//! loom models of the facade's atomic protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod batch_semaphore;
