//! Tasks: spawning, joining, aborting, yielding, and task-local values.

mod local;

pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use zokio_core::task::{AbortHandle, Id, JoinError, JoinHandle, YieldNow, yield_now};
