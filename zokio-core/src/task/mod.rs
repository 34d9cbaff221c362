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
mod kind;
mod runnable;
mod schedule;
#[cfg(feature = "tracing")]
mod trace;
mod wait_registry;
mod yield_now;

use std::future::Future;
use std::panic::Location;

use async_task::{ScheduleInfo, WithInfo};

pub use error::JoinError;
pub use id::Id;
pub use join::{AbortHandle, JoinHandle};
pub use kind::TaskKind;
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
    // What only the `tracing` feature records: without it a task's
    // allocation and its spawn compile to what they were before the feature.
    #[cfg(feature = "tracing")]
    kind: TaskKind,
    /// Set by `at_caller`: the one source of the spawn location for the
    /// spawn span and for schedulers that record it (task dumps).
    location: Option<&'static Location<'static>>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub const fn new() -> Self {
        Builder {
            name: None,
            #[cfg(feature = "tracing")]
            kind: TaskKind::Task,
            location: None,
        }
    }

    /// Names the task. The name is stored out of line, so only named tasks pay for it.
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }

    /// Says which kind of task this is, for the `tracing` feature's spawn
    /// span (tokio-console's "kind" column); without the feature, the
    /// builder is returned as it is.
    ///
    /// ```
    /// use zokio_core::task::{Builder, TaskKind};
    ///
    /// let (runnable, handle) = Builder::new().kind(TaskKind::Blocking).spawn(async { 1 }, |_, _| {});
    /// runnable.run();
    /// assert_eq!(zokio_core::block_on(handle).unwrap(), 1);
    /// ```
    #[inline]
    pub fn kind(self, kind: TaskKind) -> Self {
        #[cfg(feature = "tracing")]
        return Builder { kind, ..self };
        #[cfg(not(feature = "tracing"))]
        {
            let _ = kind;
            self
        }
    }

    /// Records the caller of this function (through any chain of
    /// `#[track_caller]` functions above it) as the task's spawn location,
    /// for the `tracing` feature's spawn span and for [`location`](Builder::location).
    /// A spawn that must go through a closure (where the caller's location
    /// is lost) calls this before it. A builder without a recorded location
    /// takes the caller of [`spawn`](Builder::spawn) for the span.
    ///
    /// ```
    /// let builder = zokio_core::task::Builder::new().name("near").at_caller();
    /// assert_eq!(builder.location().map(|l| l.line()), Some(line!() - 1));
    /// let (runnable, _handle) = builder.spawn(async {}, |_, _| {});
    /// assert_eq!(runnable.name(), Some("near"));
    /// ```
    #[inline]
    #[track_caller]
    pub fn at_caller(self) -> Self {
        Builder {
            // Not `unwrap_or_else(Location::caller)`: through `FnOnce` the
            // caller would be `core::ops::function`.
            location: match self.location {
                Some(location) => Some(location),
                None => Some(Location::caller()),
            },
            ..self
        }
    }

    /// The spawn location [`at_caller`](Builder::at_caller) recorded, if it
    /// was called.
    ///
    /// ```
    /// use zokio_core::task::Builder;
    ///
    /// assert!(Builder::new().location().is_none());
    /// assert_eq!(Builder::new().at_caller().location().unwrap().file(), file!());
    /// ```
    #[inline]
    pub fn location(&self) -> Option<&'static Location<'static>> {
        self.location
    }

    /// Creates a task running `future` that `schedule` will receive whenever it
    /// is woken. The first [`Runnable`] is returned, not scheduled: the caller
    /// decides where a new task goes.
    #[cfg_attr(feature = "tracing", track_caller)]
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
    #[cfg_attr(feature = "tracing", track_caller)]
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
        let meta = TaskMeta::new(self.name);
        #[cfg(feature = "tracing")]
        let future = {
            let location = match self.location {
                Some(location) => location,
                None => Location::caller(),
            };
            let span = trace::spawn_span(
                self.kind,
                self.name,
                meta.id(),
                std::mem::size_of::<F>(),
                location,
            );
            trace::Traced::new(future, span)
        };
        let build = async_task::Builder::new().metadata(meta);
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
#[cfg_attr(feature = "tracing", track_caller)]
pub fn spawn<F, S>(future: F, schedule: S) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule + Send + Sync,
{
    Builder::new().spawn(future, schedule)
}
