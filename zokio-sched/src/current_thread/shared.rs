//! What a current-thread scheduler's tasks and handles share, and where a
//! woken task goes: the owner thread's local queue while it is inside
//! `block_on`, the thread-safe remote queue otherwise.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::ptr;

use concurrent_queue::ConcurrentQueue;
use zokio_core::Schedule;
use zokio_core::context::{self, Handles};
use zokio_core::sync::Arc;
use zokio_core::task::{Builder, JoinHandle, Runnable, ScheduleHint};

use crate::blocking::BlockingPool;
use crate::metrics::WorkerCounters;
use crate::owned::OwnedTasks;
use crate::shutdown::RunState;

/// The part of a `CurrentThread` that handles and tasks share.
pub(crate) struct Shared {
    /// Unique among the process's schedulers.
    pub(crate) id: std::num::NonZeroU64,
    pub(crate) state: RunState,
    pub(crate) remote: ConcurrentQueue<Runnable>,
    /// Wakes the driver, whatever its type, for a task woken elsewhere.
    pub(crate) unpark: Box<dyn Fn() + Send + Sync>,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: BlockingPool,
    pub(crate) counters: WorkerCounters,
    /// The runtime's other layers, entered with the scheduler.
    pub(crate) layers: Handles,
}

/// The owner thread's queue: its worker state while `block_on` runs.
pub(crate) struct Local {
    pub(crate) shared: Arc<Shared>,
    pub(crate) queue: RefCell<VecDeque<Runnable>>,
}

/// This thread's local queue if it is inside `block_on` of the scheduler at
/// `shared` (of any current-thread scheduler, for `None`).
pub(crate) fn with_local<R>(
    shared: Option<*const Shared>,
    f: impl FnOnce(Option<&Local>) -> R,
) -> R {
    context::with_worker(|local: Option<&Local>| {
        f(local.filter(|l| shared.is_none_or(|s| ptr::eq(Arc::as_ptr(&l.shared), s))))
    })
}

struct TaskSchedule(Arc<Shared>);

impl Schedule for TaskSchedule {
    fn schedule(&self, task: Runnable, _hint: ScheduleHint) {
        self.0.schedule(task);
    }
}

impl Shared {
    /// True on the thread inside this scheduler's `block_on`.
    pub(crate) fn is_owner_thread(&self) -> bool {
        with_local(Some(ptr::from_ref(self)), |local| local.is_some())
    }

    /// A snapshot of the counters; the local queue's depth is read only on
    /// the scheduler's own thread (inside its `block_on`), and is 0 elsewhere.
    pub(crate) fn metrics(&self) -> crate::metrics::Metrics {
        let depth = with_local(Some(ptr::from_ref(self)), |local| {
            local.map_or(0, |l| l.queue.try_borrow().map_or(0, |q| q.len()))
        });
        crate::metrics::Metrics {
            workers: vec![self.counters.snapshot(depth)],
            injector_depth: self.remote.len(),
            owned_tasks: self.owned.len(),
            blocking: self.blocking.metrics(),
        }
    }

    fn schedule(&self, task: Runnable) {
        with_local(Some(self), |local| match local {
            Some(local) => local.queue.borrow_mut().push_back(task),
            None => self.schedule_remote(task),
        })
    }

    fn schedule_remote(&self, task: Runnable) {
        let _ = self.remote.push(task);
        if self.state.is_closed_after_push() {
            // Shut down. Tasks may be `!Send`, so they are dropped only on
            // the owner thread (which drained the queue); elsewhere a task
            // that raced with shutdown is left in the queue, not dropped.
            return;
        }
        (self.unpark)();
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    pub(crate) fn layers(&self) -> &Handles {
        &self.layers
    }
}

/// Spawns a `Send` future onto the scheduler `shared` points to; `shared`
/// becomes the task's schedule handle.
pub(crate) fn spawn<F>(
    shared: Arc<Shared>,
    builder: Builder<'_>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    with_local(Some(Arc::as_ptr(&shared)), |local| match local {
        Some(local) => {
            let (runnable, handle) = builder.spawn(future, TaskSchedule(shared));
            if !local.shared.state.is_running() {
                drop(runnable); // shut down: cancelled, and the handle reports it
                return handle;
            }
            local.queue.borrow_mut().push_back(runnable);
            handle
        }
        None => {
            let (runnable, handle) = builder.spawn(future, TaskSchedule(shared.clone()));
            if !shared.state.is_running() {
                drop(runnable);
                return handle;
            }
            shared.schedule_remote(runnable);
            handle
        }
    })
}

/// Spawns a `!Send` future onto the [`CurrentThread`] scheduler whose
/// `block_on` is running on this thread.
///
/// [`CurrentThread`]: crate::CurrentThread
///
/// # Panics
///
/// Outside `CurrentThread::block_on`.
///
/// ```
/// use std::rc::Rc;
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
/// let n = rt.block_on(async {
///     let shared = Rc::new(5);
///     let task = zokio_sched::spawn_local(async move { *shared + 1 });
///     task.await.unwrap()
/// });
/// assert_eq!(n, 6);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_with(Builder::new(), future)
}

/// [`spawn_local`], with a name and the other options of `builder`.
///
/// # Panics
///
/// As [`spawn_local`].
#[track_caller]
pub fn spawn_local_with<F>(builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let spawned = with_local(None, |local| {
        local.map(|local| local.spawn_local(builder, future))
    });
    match spawned {
        Some(handle) => handle,
        None => panic!(
            "zokio: `spawn_local` was called outside `CurrentThread::block_on`; `!Send` tasks \
             can only run on a current-thread scheduler's own thread"
        ),
    }
}

impl Local {
    pub(crate) fn spawn_local<F>(&self, builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let shared = &self.shared;
        // This `!Send` task's runnable is run and dropped only on this thread
        // (`block_on`, shutdown); wakes elsewhere only move it through the
        // remote queue, and after shutdown leave it there. The output's
        // `JoinHandle` is `!Send` if the output is.
        // SAFETY: so `spawn_unchecked`'s same-thread requirements hold.
        let (runnable, handle) =
            unsafe { builder.spawn_unchecked(future, TaskSchedule(shared.clone())) };
        if !shared.state.is_running() {
            drop(runnable); // on the owner thread: sound for `!Send`
            return handle;
        }
        self.queue.borrow_mut().push_back(runnable);
        handle
    }
}
