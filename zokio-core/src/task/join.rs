//! Awaiting, detaching and cancelling a task.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker, ready};

use async_task::FallibleTask;

use super::harness::Outcome;
use super::id::TaskMeta;
use super::{Id, JoinError};
use crate::budget;

/// An owned permission to await a task's output.
///
/// A `JoinHandle<T>` is a future of `Result<T, JoinError>`. Dropping it
/// *detaches* the task: the task keeps running and its output is dropped.
/// [`abort`](JoinHandle::abort) cancels it.
///
/// ```
/// use zokio_core::block_on;
/// use zokio_core::task::spawn;
///
/// let (runnable, handle) = spawn(async { 1 + 1 }, |_, _| {});
/// runnable.run();
/// assert_eq!(block_on(handle).unwrap(), 2);
/// ```
pub struct JoinHandle<T> {
    /// `None` only inside `Drop`, which detaches it.
    task: Option<FallibleTask<Outcome<T>, TaskMeta>>,
    abort: AbortHandle,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: async_task::Task<Outcome<T>, TaskMeta>, waker: Waker) -> Self {
        let abort = AbortHandle::new(waker, task.metadata());
        JoinHandle {
            task: Some(task.fallible()),
            abort,
        }
    }

    /// Cancels the task.
    ///
    /// A task that is waiting is dropped without being polled again; a task
    /// that is being polled is dropped after that poll returns. Awaiting the
    /// handle then gives a cancelled [`JoinError`], unless the task completed
    /// first. Aborting a finished task does nothing.
    ///
    /// ```
    /// use zokio_core::block_on;
    /// use zokio_core::task::spawn;
    /// use std::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let (runnable, handle) = spawn(std::future::pending::<()>(), move |t, _| tx.send(t).unwrap());
    /// runnable.run(); // the task now waits forever
    /// handle.abort(); // wakes it so its scheduler drops it
    /// rx.recv().unwrap().run();
    /// assert!(block_on(handle).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        self.abort.abort();
    }

    /// True once the task has completed, panicked or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(FallibleTask::is_finished)
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.abort.id()
    }

    /// A cloneable handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = ready!(budget::poll_proceed(cx));
        let id = self.abort.id();
        let Some(task) = self.task.as_mut() else {
            return Poll::Ready(Err(JoinError::cancelled(id)));
        };
        let outcome = ready!(Pin::new(task).poll(cx));
        progress.made_progress();
        Poll::Ready(match outcome {
            Some(Ok(output)) => Ok(output),
            Some(Err(failure)) => Err(JoinError::new(id, failure)),
            // The task was closed without output: its runnable was dropped.
            None => Err(JoinError::cancelled(id)),
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Dropping an async-task handle would cancel the task; ours detaches.
        // A finished task's output is dropped here, with the task current (as
        // in Tokio, its `Drop` sees the task's id).
        if let Some(task) = self.task.take() {
            super::harness::with_current_task(self.abort.meta(), || task.detach());
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Cancels a task without owning its output. Cloneable, `Send` and `Sync`.
///
/// ```
/// use zokio_core::task::spawn;
///
/// let (runnable, handle) = spawn(async {}, |_, _| {});
/// let abort = handle.abort_handle();
/// assert_eq!(abort.id(), handle.id());
/// abort.abort();
/// runnable.run();
/// assert!(handle.is_finished());
/// ```
pub struct AbortHandle {
    /// A waker for the task; holding it keeps the task's header alive.
    waker: Waker,
    /// The metadata in that header.
    meta: NonNull<TaskMeta>,
}

// `meta` points into the header of the task that `waker` references; a waker
// keeps the whole task allocation alive, and the header's metadata is dropped
// only when the allocation is freed.
// SAFETY: so the pointer stays valid on any thread, and `TaskMeta` is `Sync`
// (an atomic word and an immutable boxed name).
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`: every access through `meta` is a shared, atomic one.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    pub(crate) fn new(waker: Waker, meta: &TaskMeta) -> AbortHandle {
        AbortHandle {
            waker,
            meta: NonNull::from(meta),
        }
    }

    fn meta(&self) -> &TaskMeta {
        // SAFETY: valid while `self.waker` keeps the allocation alive (see `Send`).
        unsafe { self.meta.as_ref() }
    }

    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        // The flag must be visible before the task can run again; the wake then
        // gets an idle task polled (and so dropped), or a running one re-polled.
        if self.meta().request_abort() {
            self.waker.wake_by_ref();
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.meta().id()
    }

    /// True once the task has completed, panicked or been cancelled, as
    /// [`JoinHandle::is_finished`].
    ///
    /// ```
    /// use zokio_core::task::spawn;
    ///
    /// let (runnable, handle) = spawn(async { 3 }, |_, _| {});
    /// let abort = handle.abort_handle();
    /// assert!(!abort.is_finished());
    /// runnable.run();
    /// assert!(abort.is_finished());
    ///
    /// let (runnable, handle) = spawn(std::future::pending::<()>(), |_, _| {});
    /// let abort = handle.abort_handle();
    /// drop(runnable); // cancelled without running
    /// assert!(abort.is_finished() && handle.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.meta().is_finished()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> Self {
        AbortHandle {
            waker: self.waker.clone(),
            meta: self.meta,
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
