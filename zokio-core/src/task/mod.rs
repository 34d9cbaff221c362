//! Tasks: spawning a future into one heap allocation, and the handles to it.
//!
//! A task is an [async-task] allocation laid out as header (state, awaiter,
//! vtable, one word of [`Id`]/name/abort metadata), the scheduler handle, and a
//! union of the future and its output. The future is wrapped in a harness that
//! catches panics, honours [`JoinHandle::abort`] and tells
//! [`Runnable::run_reporting`] when the task starts and stops waiting; it holds
//! no pointer of its own, only the key a scheduler's [`WaitRegistry`] gave it,
//! in the padding after its state tag. A spawned `pending()` with a
//! pointer-sized scheduler handle takes 56 bytes: a 40-byte header, the
//! handle, and one word for the union of the future's state and its output
//! (`Result<(), _>` is one word, see `error::Failure`).
//!
//! [async-task]: https://docs.rs/async-task

mod error;
mod harness;
mod id;
mod join;
mod runnable;
mod schedule;
mod wait_registry;
mod yield_now;

use std::future::Future;

use async_task::{ScheduleInfo, WithInfo};

pub use error::JoinError;
pub use id::Id;
pub use join::{AbortHandle, JoinHandle};
pub use runnable::{RunReport, Runnable};
pub use wait_registry::{WaitKey, WaitRegistry};
pub use yield_now::{YieldNow, yield_now};

use harness::Harness;
use id::TaskMeta;
pub use schedule::{Schedule, ScheduleHint};

/// The id of the task being polled (or whose future is being dropped by a
/// run) on this thread, or `None` outside a task, as in Tokio.
///
/// ```
/// use zokio_core::task::{spawn, try_id};
///
/// assert_eq!(try_id(), None);
/// let (runnable, handle) = spawn(async { try_id() }, |_, _| {});
/// let id = runnable.id();
/// runnable.run();
/// assert_eq!(zokio_core::block_on(handle).unwrap(), Some(id));
/// ```
pub fn try_id() -> Option<Id> {
    harness::current_task_id()
}

/// The id of the task being polled on this thread.
///
/// # Panics
///
/// Outside a task, with Tokio's message; see [`try_id`].
///
/// ```
/// let (runnable, handle) = zokio_core::task::spawn(async { zokio_core::task::id() }, |_, _| {});
/// let id = runnable.id();
/// runnable.run();
/// assert_eq!(zokio_core::block_on(handle).unwrap(), id);
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("Can't get a task id when not inside a task")
}

/// Configures a task before it is spawned.
///
/// ```
/// use zokio_core::task::Builder;
///
/// let (runnable, handle) = Builder::new().name("ticker").spawn(async {}, |_, _| {});
/// assert_eq!(runnable.name(), Some("ticker"));
/// # drop(handle);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub const fn new() -> Self {
        Builder { name: None }
    }

    /// Names the task. The name is stored out of line, so only named tasks pay for it.
    pub fn name(self, name: &'a str) -> Self {
        Builder { name: Some(name) }
    }

    /// Creates a task running `future` that `schedule` will receive whenever it
    /// is woken. The first [`Runnable`] is returned, not scheduled: the caller
    /// decides where a new task goes.
    pub fn spawn<F, S>(self, future: F, schedule: S) -> (Runnable, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule + Send + Sync,
    {
        // SAFETY: `F`, its output and `S` are `Send` and `'static`, which is
        // everything `spawn_unchecked` asks for.
        unsafe { self.spawn_unchecked(future, schedule) }
    }

    /// Like [`spawn`](Builder::spawn), without the `Send` bounds, for
    /// thread-local executors.
    ///
    /// # Safety
    ///
    /// If `future` or its output is not `Send`, the [`Runnable`] must be run
    /// and dropped, and the [`JoinHandle`] awaited and dropped, on the thread
    /// that spawned the task. If `schedule` is not `Send` and `Sync`, every
    /// waker of the task must be woken and dropped on that thread too.
    pub unsafe fn spawn_unchecked<F, S>(
        self,
        future: F,
        schedule: S,
    ) -> (Runnable, JoinHandle<F::Output>)
    where
        F: Future + 'static,
        S: Schedule,
    {
        let schedule = WithInfo(move |runnable, info: ScheduleInfo| {
            let hint = if info.woken_while_running {
                ScheduleHint::Yield
            } else {
                ScheduleHint::Wake
            };
            schedule.schedule(Runnable::new(runnable), hint);
        });
        let build = async_task::Builder::new().metadata(TaskMeta::new(self.name));
        // SAFETY: forwarded to the caller.
        let (runnable, task) = unsafe { build.spawn_unchecked(|_| Harness::new(future), schedule) };
        let waker = runnable.waker();
        (Runnable::new(runnable), JoinHandle::new(task, waker))
    }
}

/// Creates an unnamed task; see [`Builder::spawn`].
///
/// ```
/// use std::sync::mpsc;
/// use zokio_core::task::{spawn, ScheduleHint};
///
/// // The smallest executor: a channel of runnable tasks.
/// let (tx, rx) = mpsc::channel();
/// let (runnable, handle) = spawn(async { "done" }, move |task, _: ScheduleHint| tx.send(task).unwrap());
/// runnable.schedule();
/// while let Ok(task) = rx.try_recv() {
///     task.run();
/// }
/// assert_eq!(zokio_core::block_on(handle).unwrap(), "done");
/// ```
pub fn spawn<F, S>(future: F, schedule: S) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule + Send + Sync,
{
    Builder::new().spawn(future, schedule)
}
