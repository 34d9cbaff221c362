//! loom models of the facade's atomic protocols (its sync primitives), run
//! by `cargo xtask loom` (`--cfg loom`). They live inside the crate so that
//! they can reach its internals.

mod mpsc;
mod oneshot;
