//! Zokio: an async runtime for Rust built from small layers.
//!
//! | layer | crate |
//! | --- | --- |
//! | tasks, `JoinHandle`, `block_on`, the contracts | [`zokio_core`] |
//! | schedulers and the blocking pool | [`zokio_sched`] |
//! | reactor and sockets | [`zokio_io`] |
//! | timers | [`zokio_time`] |
//! | pooled memory | [`zokio_mem`] |

pub use zokio_core::block_on;
pub use zokio_macros::{main, test};

pub mod future;
pub mod io;
pub mod stream;
pub mod sync;

pub mod task;
