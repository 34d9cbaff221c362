//! What every task's schedule handle points to, and where a woken task goes.
//!
//! [`Shared`] holds no driver type: tasks stay one type whatever the driver
//! stack. Where a woken task goes is decided in [`Shared::schedule`]: on one
//! of this runtime's workers it stays local (the LIFO slot for a wake, the
//! back of the ring for a yield); anywhere else it goes to the injector and
//! one sleeper is woken.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::ptr;

use concurrent_queue::ConcurrentQueue;
use zokio_core::context::{self, Handles};
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Arc, Condvar, Mutex};
use zokio_core::task::{Builder, JoinHandle, Runnable, ScheduleHint};
use zokio_core::{Schedule, ThreadParker, ThreadUnparker, Unpark, placement};

use super::lend::Lend;
use super::spill::SpillQueue;

use crate::blocking::BlockingPool;
use crate::dump::Recordable;
use crate::dump::records::TaskRecords;
use crate::dump::worker::WorkerRecords;
use crate::idle::Idle;
use crate::inbox::Inbox;
use crate::lifo::LifoSlot;
use crate::metrics::{Metrics, WorkerCounters};
use crate::owned::OwnedTasks;
use crate::queue::{LocalQueue, Stealer};
use crate::shutdown::RunState;
use crate::worker_cpus::WorkerCpus;

/// Capacity of each worker's ring.
pub(crate) const RING: usize = 256;

/// What other threads may touch of one worker. Padded to its own cache lines.
#[repr(align(128))]
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<RING>,
    pub(crate) unparker: ThreadUnparker,
    /// Set while the worker sleeps in the driver rather than its own parker.
    pub(crate) on_driver: AtomicBool,
    pub(crate) counters: WorkerCounters,
    /// Tasks other workers hand this one: their data arrived on its CPU.
    pub(crate) inbox: Inbox<Runnable>,
    /// What the worker's full ring spilled: its own, taken by others only
    /// when they have nothing else (see `spill`).
    pub(crate) spilled: SpillQueue,
}

/// The state shared by a multi-thread scheduler's workers and handles.
pub(crate) struct Shared {
    /// Unique among the process's schedulers.
    pub(crate) id: std::num::NonZeroU64,
    pub(crate) state: RunState,
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) injector: ConcurrentQueue<Runnable>,
    pub(crate) idle: Idle,
    pub(crate) cpus: WorkerCpus,
    pub(crate) owned: OwnedTasks,
    /// Wakes the driver, whatever its type: taken only to wake a worker that
    /// sleeps in it, just before the system call that does.
    pub(crate) driver_unpark: Box<dyn Fn() + Send + Sync>,
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    /// Wakes go to the back of the ring, never the LIFO slot.
    pub(crate) lifo_disabled: bool,
    pub(crate) on_park: Option<crate::config::ThreadHook>,
    pub(crate) on_unpark: Option<crate::config::ThreadHook>,
    pub(crate) blocking: BlockingPool,
    /// The runtime's other layers, entered with the scheduler on its threads.
    pub(crate) layers: Handles,
    /// Workers still running, and the condvar shutdown waits on.
    pub(crate) alive: Mutex<usize>,
    pub(crate) exited: Condvar,
    /// Starts a `block_in_place` stand-in (it knows the driver's type);
    /// emptied at shutdown, which drops its reference to the driver.
    pub(crate) stand_in: Mutex<Option<StartStandIn>>,
    /// Each worker's poll in progress, for the stall watchdog and dumps
    /// (if either is on).
    pub(crate) poll_marks: Option<crate::poll_mark::PollMarks>,
    /// The live tasks' records, for dumps and the watchdog (if on).
    pub(crate) records: Option<Arc<TaskRecords>>,
}

/// A task's schedule handle: one pointer.
struct TaskSchedule(Arc<Shared>);

impl Schedule for TaskSchedule {
    #[inline]
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        self.0.schedule(task, hint);
    }
}

impl Recordable for TaskSchedule {
    #[inline]
    fn records(&self) -> Option<&TaskRecords> {
        self.0.records.as_deref()
    }
}

/// Starts a stand-in for worker `index` of the runtime; false if none can
/// be started (the blocking pool is shut down).
pub(crate) type StartStandIn =
    std::sync::Arc<dyn Fn(&Arc<Shared>, usize, Arc<Lend<Parts>>) -> bool + Send + Sync>;

/// What a worker lends to a `block_in_place` stand-in: its ring's owner end
/// and its parker.
pub(crate) struct Parts {
    pub(crate) queue: LocalQueue<RING>,
    pub(crate) parker: ThreadParker,
}

/// A worker's own state, which the tasks it runs reach through the thread's
/// context when they wake or spawn other tasks.
pub(crate) struct WorkerContext {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: usize,
    pub(crate) lifo: LifoSlot,
    /// The worker's own end of its ring; borrowed only for a push, a pop or
    /// a steal, never across a task's poll or a driver's park.
    pub(crate) queue: RefCell<LocalQueue<RING>>,
    /// True while the worker is in the driver: tasks woken by the driver go
    /// to the ring, and are run once it returns.
    pub(crate) in_driver: Cell<bool>,
    /// True while a busy worker polls the driver with placement hints asked
    /// for: a woken task whose data arrived on another awake worker's CPU
    /// goes to that worker's inbox.
    pub(crate) placing: Cell<bool>,
    /// Tasks handed to other workers' inboxes (published with the counts).
    pub(crate) handed_off: Cell<u64>,
    /// Times the ring overflowed into the worker's spill queue (published
    /// likewise).
    pub(crate) overflows: Cell<u64>,
    /// Tasks scheduled from this thread onto its own ring or LIFO slot.
    pub(crate) local_schedules: Cell<u64>,
    /// What the worker sleeps on when another holds the driver; its unparker
    /// is this worker's in `Remote`. Lent with the ring by `block_in_place`.
    pub(crate) parker: RefCell<ThreadParker>,
    /// This worker's view of the task records (if on): a spawn here takes
    /// its record from them without a thread-local lookup.
    pub(crate) records: Option<WorkerRecords>,
}

/// This thread's worker context if it is a worker of the scheduler at `shared`.
#[inline]
fn with_worker<R>(shared: *const Shared, f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    context::with_worker(|cx: Option<&WorkerContext>| {
        f(cx.filter(|cx| ptr::eq(Arc::as_ptr(&cx.shared), shared)))
    })
}

/// True on a worker thread of the scheduler at `shared`.
pub(crate) fn is_worker_of(shared: &Arc<Shared>) -> bool {
    with_worker(Arc::as_ptr(shared), |cx| cx.is_some())
}

impl Shared {
    #[inline]
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        with_worker(self, |cx| match cx {
            Some(cx) => self.schedule_local(cx, task, hint),
            None => self.schedule_remote(task),
        })
    }

    pub(crate) fn schedule_local(&self, cx: &WorkerContext, task: Runnable, hint: ScheduleHint) {
        if cx.placing.get() {
            if let Some(worker) = self.worker_for_origin(cx.index) {
                cx.handed_off.set(cx.handed_off.get() + 1);
                if self.remotes[worker].inbox.push(task) {
                    // It fell asleep after we looked: wake it for the task.
                    self.unpark_worker(worker);
                }
                return;
            }
        }
        cx.local_schedules.set(cx.local_schedules.get() + 1);
        // Behind the queued work, not next: a task that yielded, the wakes
        // of a driver poll (a batch, queued in the order it arrived), and a
        // consumer whose waker asked for it (it takes more in one poll once
        // the tasks queued before it have run).
        if cx.in_driver.get() {
            self.push_local(cx, task);
            // A driver that waits inside another loop must return for it.
            zokio_core::local_wake::notify();
            return;
        }
        if hint == ScheduleHint::Yield || self.lifo_disabled || placement::is_wake_behind() {
            self.push_local(cx, task);
            return;
        }
        if let Some(previous) = cx.lifo.put(task) {
            self.push_local(cx, previous);
            // Wake a sleeper when the ring becomes stealable. While it stays
            // non-empty a wake was already sent, and a worker that parks
            // meanwhile (as the last searcher) looks at every ring first:
            // the owner runs these tasks in any case, so this is only about
            // parallelism, never about a lost task.
            if self.remotes[cx.index].stealer.len() == 1 {
                self.notify_parked();
            }
        }
    }

    /// The awake worker, other than `me`, running on the CPU where the data
    /// behind the wake in progress arrived.
    fn worker_for_origin(&self, me: usize) -> Option<usize> {
        let worker = self.cpus.worker_on(placement::wake_origin()?)?;
        (worker != me && !self.remotes[worker].inbox.is_sleeping()).then_some(worker)
    }

    /// Pushes onto the ring of the worker `cx` belongs to (its own thread).
    pub(crate) fn push_local(&self, cx: &WorkerContext, task: Runnable) {
        let overflow = &mut |batch: &mut dyn Iterator<Item = Runnable>| {
            cx.overflows.set(cx.overflows.get() + 1);
            self.remotes[cx.index].spilled.push(batch);
        };
        cx.queue.borrow_mut().push_back(task, overflow);
    }

    fn schedule_remote(&self, task: Runnable) {
        // The injector is unbounded and never closed: the push cannot fail.
        let _ = self.injector.push(task);
        if self.state.is_closed_after_push() {
            self.drain_injector();
            return;
        }
        self.notify_parked();
    }

    pub(crate) fn drain_injector(&self) {
        while let Ok(task) = self.injector.pop() {
            drop(task);
        }
    }

    pub(crate) fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unpark_worker(worker);
        }
    }

    pub(crate) fn unpark_worker(&self, worker: usize) {
        let remote = &self.remotes[worker];
        remote.unparker.unpark();
        if remote.on_driver.load(Ordering::SeqCst) {
            (self.driver_unpark)();
        }
    }

    /// The `block_in_place` stand-in starter, unless shut down.
    pub(crate) fn stand_in(&self) -> Option<StartStandIn> {
        self.stand_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    #[inline]
    pub(crate) fn is_running(&self) -> bool {
        self.state.is_running()
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    pub(crate) fn layers(&self) -> &Handles {
        &self.layers
    }

    pub(crate) fn metrics(&self) -> Metrics {
        Metrics {
            workers: self
                .remotes
                .iter()
                .map(|r| r.counters.snapshot(r.stealer.len() + r.spilled.len()))
                .collect(),
            injector_depth: self.injector.len(),
            owned_tasks: self.owned.len(),
            blocking: self.blocking.metrics(),
        }
    }
}

/// Spawns `future` onto the scheduler `shared` points to; `shared` becomes
/// the task's schedule handle.
#[inline]
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
    with_worker(Arc::as_ptr(&shared), |cx| match cx {
        Some(cx) => {
            let records = cx.records.as_ref();
            let (runnable, handle) =
                crate::dump::spawn(builder, future, TaskSchedule(shared), records);
            if !cx.shared.is_running() {
                // Shut down: cancelled at once; the handle reports it.
                drop(runnable);
                return handle;
            }
            // Like a wake: the new task takes the LIFO slot, and only the
            // task it displaces to the ring (stealable) wakes a sleeper.
            cx.shared.schedule_local(cx, runnable, ScheduleHint::Wake);
            handle
        }
        None => {
            let (runnable, handle) =
                crate::dump::spawn(builder, future, TaskSchedule(shared.clone()), None);
            if !shared.is_running() {
                drop(runnable);
                return handle;
            }
            shared.schedule_remote(runnable);
            handle
        }
    })
}
