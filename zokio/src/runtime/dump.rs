//! Task dumps: what [`Handle::dump`](super::Handle::dump) returns.
//!
//! Turn them on with [`Builder::enable_task_dump`](super::Builder::enable_task_dump).
//! Every task spawned on the
//! runtime then has a record in a table of its scheduler (not in the task:
//! a task's heap block is unchanged): its id, name, spawn location (the
//! caller of `zokio::spawn`, `Handle::spawn`, `JoinSet::spawn`..., through
//! `#[track_caller]`), state, poll count and the time its last poll began.
//! A spawn takes a free record from its worker's cache and a task's end
//! gives it back, a poll stamps it with plain stores and no clock read (the
//! time is the scheduler's coarse clock, read every few dozen polls and at
//! each wake-up from parking, kept to the millisecond). Which worker is
//! polling a task the workers' poll marks say, the stall watchdog's, kept
//! whenever either is on. A dump reads the records while the runtime runs.
//!
//! Not recorded: the `.await` an idle task is parked on. Rust's `.await`
//! has no hook, so that location is known only where a leaf future is built
//! by a `#[track_caller]` function, and recording it would add a word to
//! every such future and a store to each of its `Pending` returns whether or
//! not dumps are on. Tasks of a [`LocalSet`](crate::task::LocalSet) and
//! blocking-pool jobs are not listed: they are not the scheduler's tasks.
//!
//! ```
//! let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().enable_task_dump().build()?;
//! rt.block_on(async {
//!     let sleeper = zokio::spawn(zokio::time::sleep(std::time::Duration::from_secs(60)));
//!     zokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!     let dump = zokio::runtime::Handle::current().dump()?;
//!     print!("{dump}"); // zokio task dump: 1 live task / task 3 spawned at src/main.rs:4:19: idle, ...
//!     assert_eq!(dump.tasks().len(), 1);
//!     sleeper.abort();
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub use zokio_sched::dump::{Dump, TaskDump, TaskState};
