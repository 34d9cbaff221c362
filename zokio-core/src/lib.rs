//! The task layer of [Zokio]: what every other layer builds on.
//!
//! # The model
//!
//! A **task** is a future spawned into one heap allocation (by [async-task]):
//! header, scheduler handle, and the future, whose slot later holds its output.
//! [`task::spawn`] returns two halves. The [`Runnable`](task::Runnable) is the
//! right to poll the task once; it goes to a scheduler, which calls
//! [`run`](task::Runnable::run). The [`JoinHandle`](task::JoinHandle) is the
//! right to its output: a future of `Result<T, JoinError>`. A panic in the task
//! is caught and delivered as a [`JoinError`](task::JoinError); the thread that
//! polled keeps going.
//!
//! When a task is woken, its `Runnable` is passed to its [`Schedule`]
//! implementation with a [`ScheduleHint`] telling a wake from a yield. That is
//! the whole contract between tasks and schedulers.
//!
//! When a worker has nothing to run, it parks on a [`Driver`]: the thing that
//! waits for events (readiness, timers) and processes them. Drivers stack, and
//! [`ThreadParker`] is the bottom of every stack. Its [`Unpark`] handle wakes it
//! from any thread.
//!
//! [`block_on`] drives one future on the current thread, with no scheduler.
//!
//! Each task poll runs with a cooperative [`budget`]: resources spend it, and a
//! task that has spent it yields, so one busy task cannot starve the others.
//!
//! The [`context`] module holds everything Zokio keeps per thread, in one
//! thread-local: each layer's current handle (entered, empty, or disabled
//! with a reason), whether the thread runs a scheduler's tasks, and the
//! state of the task being polled. A spawn, a wake or a poll touches that
//! one thread-local.
//!
//! [`blocking`] is the contract for running code that blocks: a pool
//! implements [`Blocking`](blocking::Blocking), and any layer spawns work on
//! the current pool without depending on the scheduler that provides it.
//!
//! A driver may say on which CPU the data behind a wake arrived, and a
//! scheduler may queue the task on its worker there: the [`placement`] half
//! of the driver contract.
//!
//! An [`AtomicWaker`] is the slot where a waiting task leaves its waker for
//! the thread that will wake it (the reactor for a socket direction, the
//! timer wheel for a timer), with no lock.
//!
//! [`sync`] swaps std's primitives for loom's under `--cfg loom`; every crate in
//! the workspace takes its atomics from there so its protocols can be
//! model-checked.
//!
//! [Zokio]: https://docs.rs/zokio
//! [async-task]: https://docs.rs/async-task

mod atomic_waker;
mod block_on;
pub mod blocking;
pub mod budget;
pub mod context;
mod driver;
pub mod local_wake;
mod park;
pub mod placement;
pub mod sync;
pub mod task;

#[cfg(all(test, loom))]
mod loom_models;

pub use atomic_waker::AtomicWaker;
pub use block_on::{block_on, block_on_entered};
pub use driver::{Driver, Unpark, unpark_waker};
pub use park::{ThreadParker, ThreadUnparker};
pub use task::{Schedule, ScheduleHint};
