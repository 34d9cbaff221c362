//! loom models of the facade's atomic protocols (its sync primitives), run
//! by `cargo xtask loom` (`--cfg loom`). They live inside the crate so that
//! they can reach its internals.

mod batch_semaphore;
mod cancellation;
mod mpsc;
mod notify;
mod once_cell;
mod oneshot;
mod set_once;
