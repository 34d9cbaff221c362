//! The scheduler's view of a task.

use std::fmt;
use std::ptr::NonNull;
use std::task::Waker;

use super::harness::{self, RunSlot};
use super::id::TaskMeta;
use super::{AbortHandle, Id, WaitRegistry};
use crate::budget;
use crate::sync::atomic::AtomicBool;

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
pub struct Runnable(Option<async_task::Runnable<TaskMeta>>);

impl Runnable {
    pub(crate) fn new(inner: async_task::Runnable<TaskMeta>) -> Runnable {
        Runnable(Some(inner))
    }

    /// The async-task runnable, which every method but `drop` consumes.
    #[inline]
    fn take(mut self) -> async_task::Runnable<TaskMeta> {
        match self.0.take() {
            Some(inner) => inner,
            // Only `take` empties it, and it takes `self`.
            None => unreachable!("a Runnable is consumed once"),
        }
    }

    #[inline]
    fn inner(&self) -> &async_task::Runnable<TaskMeta> {
        match &self.0 {
            Some(inner) => inner,
            None => unreachable!("a Runnable is consumed once"),
        }
    }

    /// Polls the task once, with a fresh cooperative budget.
    ///
    /// Returns true if the task woke itself while it ran (it yielded), in
    /// which case it has already been handed back to its scheduler.
    #[inline]
    pub fn run(self) -> bool {
        self.run_reporting().yielded
    }

    /// Polls the task once, as [`run`](Runnable::run) does, and says whether
    /// the task started or stopped waiting in this run.
    ///
    /// A scheduler that must cancel its waiting tasks when it shuts down keeps
    /// each [`first_wait`](RunReport::first_wait) waker (under the task's
    /// [`id`](Runnable::id), read before running) until the same task reports
    /// [`finished_after_wait`](RunReport::finished_after_wait). Tasks that
    /// complete in their first poll report nothing and cost nothing. The two
    /// reports of one task come from different runs, possibly on different
    /// threads, so they may reach the scheduler in either order.
    /// [`run_owned`](Runnable::run_owned) has the task record both itself,
    /// from inside its runs, which leaves no such race.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use zokio_core::task::spawn;
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let (runnable, handle) = spawn(
    ///     async { zokio_core::task::yield_now().await; 5 },
    ///     move |task, _| tx.send(task).unwrap(),
    /// );
    /// let first = runnable.run_reporting();
    /// assert!(first.yielded && first.first_wait.is_some() && !first.finished_after_wait);
    /// let second = rx.recv().unwrap().run_reporting();
    /// assert!(second.first_wait.is_none() && second.finished_after_wait);
    /// assert_eq!(zokio_core::block_on(handle).unwrap(), 5);
    /// ```
    #[inline]
    pub fn run_reporting(self) -> RunReport {
        self.run_with(None, None)
    }

    /// Runs the task as [`run_reporting`](Runnable::run_reporting) does,
    /// unless `closed` is set by the time the run begins: then the task is
    /// cancelled (its future dropped, its handle reporting it), as an abort
    /// would.
    ///
    /// This is how a scheduler that shuts down drops every task it owns: it
    /// sets the flag, then wakes each waiting task. Whichever run a wake
    /// leads to cancels the task, even a run already queued by an earlier
    /// wake that this one merged into, because async-task publishes every
    /// wake to the run that follows it.
    ///
    /// ```
    /// use zokio_core::sync::atomic::{AtomicBool, Ordering};
    /// use zokio_core::task::spawn;
    ///
    /// let closed = AtomicBool::new(false);
    /// let (runnable, handle) = spawn(async { 1 }, |_, _| {});
    /// closed.store(true, Ordering::Release);
    /// let report = runnable.run_unless_closed(&closed);
    /// assert!(!report.finished_after_wait, "it never waited");
    /// assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
    /// ```
    #[inline]
    pub fn run_unless_closed(self, closed: &AtomicBool) -> RunReport {
        self.run_with(Some(closed), None)
    }

    /// Runs the task as [`run_unless_closed`](Runnable::run_unless_closed)
    /// does, with the task recording its first wait and its finish in
    /// `registry` itself, from inside the run (see [`WaitRegistry`]), instead
    /// of reporting them. Returns what [`run`](Runnable::run) returns.
    ///
    /// Because the task records both from inside its own runs, which never
    /// overlap, its finish can never reach the registry before its wait, on
    /// whatever threads the two runs happen.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::sync::atomic::AtomicBool;
    /// use std::task::Waker;
    /// use zokio_core::task::{spawn, WaitKey, WaitRegistry};
    ///
    /// #[derive(Default)]
    /// struct Count(Cell<i32>);
    /// impl WaitRegistry for Count {
    ///     fn insert(&self, _: Waker) -> WaitKey {
    ///         self.0.set(self.0.get() + 1);
    ///         WaitKey::new(0)
    ///     }
    ///     fn remove(&self, _: WaitKey) {
    ///         self.0.set(self.0.get() - 1);
    ///     }
    /// }
    ///
    /// let (registry, closed) = (Count::default(), AtomicBool::new(false));
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let (runnable, handle) = spawn(
    ///     async { zokio_core::task::yield_now().await; 5 },
    ///     move |task, _| tx.send(task).unwrap(),
    /// );
    /// assert!(runnable.run_owned(&closed, &registry), "it yielded");
    /// assert_eq!(registry.0.get(), 1, "its first wait is recorded");
    /// rx.recv().unwrap().run_owned(&closed, &registry);
    /// assert_eq!(registry.0.get(), 0, "and its finish");
    /// assert_eq!(zokio_core::block_on(handle).unwrap(), 5);
    /// ```
    #[inline]
    pub fn run_owned(self, closed: &AtomicBool, registry: &dyn WaitRegistry) -> bool {
        self.run_with(Some(closed), Some(registry)).yielded
    }

    #[inline]
    fn run_with(
        self,
        closed: Option<&AtomicBool>,
        registry: Option<&dyn WaitRegistry>,
    ) -> RunReport {
        let inner = self.take();
        let mut slot = RunSlot::new(inner.metadata(), closed, registry);
        let yielded = harness::with_slot(&mut slot, || budget::with_task_budget(|| inner.run()));
        RunReport {
            yielded,
            first_wait: slot.first_wait,
            finished_after_wait: slot.finished_after_wait,
            id: slot.id,
        }
    }

    /// The task's id.
    #[inline]
    pub fn id(&self) -> Id {
        self.inner().metadata().id()
    }

    /// The task's name, if it was spawned with one.
    #[inline]
    pub fn name(&self) -> Option<&str> {
        self.inner().metadata().name()
    }

    /// Hands the task to its scheduler, as a wake would.
    pub fn schedule(self) {
        self.take().schedule()
    }

    /// A waker for this task.
    pub fn waker(&self) -> Waker {
        self.inner().waker()
    }

    /// A handle that cancels this task, for a scheduler that must be able to
    /// cancel the tasks it owns when it shuts down.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle::new(self.inner().waker(), self.inner().metadata())
    }

    /// Converts into a raw pointer, for queues that store one word per task.
    #[inline]
    pub fn into_raw(self) -> NonNull<()> {
        self.take().into_raw()
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
        Runnable::new(unsafe { async_task::Runnable::from_raw(ptr) })
    }
}

/// Dropping a `Runnable` unrun cancels its task: its future is dropped, and
/// the task counts as finished.
impl Drop for Runnable {
    fn drop(&mut self) {
        if let Some(inner) = self.0.take() {
            inner.metadata().mark_finished();
            drop(inner);
        }
    }
}

/// What one [`Runnable::run_reporting`] observed.
///
/// ```
/// let (runnable, _handle) = zokio_core::task::spawn(async {}, |_, _| {});
/// let report = runnable.run_reporting();
/// assert!(!report.yielded && report.first_wait.is_none() && !report.finished_after_wait);
/// ```
#[derive(Debug, Default)]
#[must_use = "a scheduler that tracks waiting tasks must act on the report"]
pub struct RunReport {
    /// The task woke itself while it ran, and has been handed back to its
    /// scheduler already (what [`Runnable::run`] returns).
    pub yielded: bool,
    /// Set on the run in which the task returned `Pending` for the first
    /// time: its waker, which wakes it wherever it waits.
    pub first_wait: Option<Waker>,
    /// Set on the run in which a task that had waited finished: it completed,
    /// panicked or was aborted (its future is dropped).
    pub finished_after_wait: bool,
    /// The task's id when either of the above is set (`None` otherwise), so a
    /// scheduler need not read it before every run.
    pub id: Option<Id>,
}

impl fmt::Debug for Runnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runnable").field("id", &self.id()).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn a_runnable_is_one_word() {
        assert_eq!(
            std::mem::size_of::<super::Runnable>(),
            std::mem::size_of::<usize>()
        );
    }
}
