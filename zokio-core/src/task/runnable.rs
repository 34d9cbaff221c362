//! The scheduler's view of a task.

use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;

use super::id::TaskMeta;
use super::{AbortHandle, Id};
use crate::budget;

/// A task that is ready to be polled. A scheduler receives it through
/// [`Schedule::schedule`](crate::Schedule::schedule) and calls [`run`](Runnable::run).
///
/// There is at most one `Runnable` per task at any time. Dropping it instead of
/// running it cancels the task: the future is dropped on the dropping thread and
/// the task's [`JoinHandle`](super::JoinHandle) reports
/// [`JoinError::is_cancelled`](super::JoinError::is_cancelled).
///
/// ```
/// use std::sync::mpsc;
/// use zokio_core::task::spawn;
///
/// let (tx, rx) = mpsc::channel();
/// let (runnable, handle) = spawn(async { 7 }, move |task, _hint| tx.send(task).unwrap());
/// runnable.run();
/// assert!(handle.is_finished());
/// assert!(rx.try_recv().is_err(), "a completed task is not rescheduled");
/// ```
pub struct Runnable(pub(crate) async_task::Runnable<TaskMeta>);

impl Runnable {
    /// Polls the task once, with a fresh cooperative budget.
    ///
    /// Returns true if the task woke itself while it ran (it yielded), in
    /// which case it has already been handed back to its scheduler.
    #[inline]
    pub fn run(self) -> bool {
        budget::with_task_budget(|| self.0.run())
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.0.metadata().id()
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.0.metadata().name()
    }

    /// Hands the task to its scheduler, as a wake would.
    pub fn schedule(self) {
        self.0.schedule()
    }

    /// A waker for this task.
    pub fn waker(&self) -> Waker {
        self.0.waker()
    }

    /// A handle that cancels this task, for a scheduler that must be able to
    /// cancel the tasks it owns when it shuts down.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle::new(self.0.waker(), self.0.metadata())
    }

    /// Converts into a raw pointer, for queues that store one word per task.
    #[inline]
    pub fn into_raw(self) -> NonNull<()> {
        self.0.into_raw()
    }

    /// Converts back from [`into_raw`](Runnable::into_raw).
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`Runnable::into_raw`] and be converted back only once.
    #[inline]
    pub unsafe fn from_raw(ptr: NonNull<()>) -> Runnable {
        // SAFETY: forwarded to the caller; zokio_core's `Runnable` is a plain
        // wrapper of async-task's, so the pointer came from the same type.
        Runnable(unsafe { async_task::Runnable::from_raw(ptr) })
    }
}

impl fmt::Debug for Runnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runnable").field("id", &self.id()).finish()
    }
}
