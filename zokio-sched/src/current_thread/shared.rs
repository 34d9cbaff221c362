//! What a current-thread scheduler's tasks and handles share, and where a
//! woken task goes: the local queue on the thread holding the core (inside
//! `block_on`), the thread-safe remote queue otherwise.

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
use crate::dump::Recordable;
use crate::dump::records::TaskRecords;
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
    /// False when the pool is shared (a thread-per-core worker's).
    pub(crate) owns_blocking: bool,
    pub(crate) counters: WorkerCounters,
    /// The poll in progress, for the stall watchdog and dumps (if either
    /// is on).
    pub(crate) poll_marks: Option<crate::poll_mark::PollMarks>,
    /// The live tasks' records, for dumps and the watchdog (if on).
    pub(crate) records: Option<Arc<TaskRecords>>,
    /// The runtime's other layers, entered with the scheduler.
    pub(crate) layers: Handles,
}

/// The core's queue: the worker state of the thread inside `block_on`.
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

impl Recordable for TaskSchedule {
    #[inline]
    fn records(&self) -> Option<&TaskRecords> {
        self.0.records.as_deref()
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
            // Shut down, and the final drain may have missed this task: drop
            // it here (tasks are `Send`; `!Send` ones live in a `LocalSet`).
            while let Ok(task) = self.remote.pop() {
                drop(task);
            }
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
#[track_caller]
pub(crate) fn spawn<F>(
    shared: Arc<Shared>,
    builder: Builder<'_>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The closure below would lose the spawn location: the builder keeps
    // it, for the spawn span and the task's record alike.
    let builder = builder.at_caller();
    with_local(Some(Arc::as_ptr(&shared)), |local| match local {
        Some(local) => {
            let (runnable, handle) =
                crate::dump::spawn(builder, future, TaskSchedule(shared), None);
            if !local.shared.state.is_running() {
                drop(runnable); // shut down: cancelled, and the handle reports it
                return handle;
            }
            local.queue.borrow_mut().push_back(runnable);
            handle
        }
        None => {
            let (runnable, handle) =
                crate::dump::spawn(builder, future, TaskSchedule(shared.clone()), None);
            if !shared.state.is_running() {
                drop(runnable);
                return handle;
            }
            shared.schedule_remote(runnable);
            handle
        }
    })
}
