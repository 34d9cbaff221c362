//! Zokio: an async runtime for Rust built from small layers.
//!
//! | layer | crate |
//! | --- | --- |
//! | tasks, `JoinHandle`, `block_on`, the contracts | [`zokio_core`] |
//! | schedulers and the blocking pool | [`zokio_sched`] |
//! | reactor and sockets | [`zokio_io`] |
//! | timers | [`zokio_time`] |
//! | pooled memory | [`zokio_mem`] |
//!
//! The facade that composes them into `Runtime`, `spawn` and `run` is being
//! built; today it offers the task layer.

pub use zokio_core::block_on;

/// Tasks and their handles.
pub mod task {
    pub use zokio_core::task::{AbortHandle, Id, JoinError, JoinHandle, YieldNow, yield_now};
}
