//! loom models of the task layer's atomic protocols, run by `cargo xtask loom`
//! (`--cfg loom`). They live inside the crate so that they can reach its
//! internals.

mod atomic_waker;
mod blocking;
mod park;
mod task;
