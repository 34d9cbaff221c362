//! The single-threaded scheduler: tasks run on the thread that calls
//! `block_on`.
//!
//! Wakes on that thread go to a plain `VecDeque`; wakes from other threads go
//! to a thread-safe remote queue and unpark the driver. Every
//! `global_queue_interval` ticks the remote queue is served first and the
//! driver is polled, so neither waits behind plentiful local work. The local
//! queue and the driver `D` (held by value, parked with a direct call) form
//! the *core*, which `block_on` takes for as long as it runs: the scheduler
//! is `Send` and `Sync`, and a second `block_on` on another thread polls its
//! own future until the core is free, as Tokio's does.

pub(crate) mod shared;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use concurrent_queue::ConcurrentQueue;
use zokio_core::context::{self, Handles};
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::sync::{Arc, Condvar, Mutex, MutexGuard};
use zokio_core::task::JoinHandle;
use zokio_core::{Driver, Unpark, budget};

use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::dump::worker::WorkerRecords;
use crate::handle::Handle;
use crate::metrics::{LocalCounts, Metrics, WorkerCounters};
use crate::owned::OwnedTasks;
use crate::shutdown::{self, RunState, Steps};
use shared::{Local, Shared};

/// Wakes the future `block_on` drives.
struct MainWaker<U> {
    woken: AtomicBool,
    unpark: U,
    /// The scheduler whose `block_on` drives the future.
    shared: Arc<Shared>,
}

impl<U: Unpark> Wake for MainWaker<U> {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // On the thread in `block_on` the loop is running (a task or the
        // driver's dispatch woke the future) and looks at the flag before it
        // parks again: an unpark would only make the next park return at
        // once, at the price of a system call per wake.
        if !self.shared.is_owner_thread() {
            self.unpark.unpark();
        }
    }
}

/// A scheduler that runs every task on the thread calling
/// [`block_on`](CurrentThread::block_on). `Send` and `Sync` (for a `Send`
/// driver), as Tokio's current-thread runtime: `block_on` may be called
/// from any thread, and from several at once; one of them at a time runs
/// the tasks, while the others only poll their own future until the first
/// returns. `!Send` tasks run in a [`LocalSet`](crate::LocalSet).
///
/// Dropping it cancels every task it owns and drops their futures.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// fn assert_send_sync<T: Send + Sync>(_: &T) {}
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default())?;
/// assert_send_sync(&rt);
/// let task = rt.spawn(async { 1 + 1 });
/// assert_eq!(rt.block_on(task).unwrap(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct CurrentThread<D: Driver> {
    pub(crate) shared: Arc<Shared>,
    /// What the thread running the tasks holds: taken by `block_on`.
    slot: Mutex<Slot<D>>,
    /// Where `block_on`s wait while another holds the core.
    waiters: Arc<Waiters>,
    /// What `block_on` and shutdown enter: `Config::layers`, the scheduler
    /// and its blocking pool (a thread-per-core worker's: its own layers,
    /// the whole runtime's handle).
    pub(crate) context: Handles,
    interval: u32,
    event_interval: u32,
    on_park: Option<crate::config::ThreadHook>,
    on_unpark: Option<crate::config::ThreadHook>,
    /// The stall watchdog's monitor, stopped when the runtime is dropped.
    _watchdog: Option<crate::stall::Watchdog>,
}

/// The part only the thread running the tasks touches.
struct Core<D: Driver> {
    local: Local,
    driver: D,
    counts: LocalCounts,
    /// The waker of `block_on`'s future, made once: a ready `block_on`
    /// allocates nothing. A waker kept from an earlier `block_on` can only
    /// cause a spurious poll of a later one's future.
    main: std::sync::Arc<MainWaker<D::Unparker>>,
    waker: Waker,
    /// This thread's view of the task records (if on), entered while a
    /// `block_on` holds the core, so its cache stays with the core.
    records: Option<WorkerRecords>,
}

/// The core, when no `block_on` holds it, and how many `block_on`s wait.
struct Slot<D: Driver> {
    core: Option<Box<Core<D>>>,
    /// `block_on`s waiting for the core. Changed, like `core`, only under
    /// the slot's lock, so a releaser that reads 0 here knows no waiter can
    /// have looked at the slot and missed the core it puts back.
    waiting: usize,
}

/// Puts the core back when `block_on` returns or unwinds.
struct CoreGuard<'a, D: Driver> {
    scheduler: &'a CurrentThread<D>,
    core: Option<Box<Core<D>>>,
}

impl<D: Driver> Drop for CoreGuard<'_, D> {
    fn drop(&mut self) {
        if let Some(core) = self.core.take() {
            let waiting = {
                let mut slot = self.scheduler.lock_slot();
                slot.core = Some(core);
                slot.waiting
            };
            if waiting > 0 {
                // A waiter looks at the slot while it holds the waiters'
                // lock, so it either saw the core or is waiting by now.
                let _lock = self.scheduler.waiters.lock();
                self.scheduler.waiters.released.notify_all();
            }
        }
    }
}

/// Counts a `block_on` out of the slot's waiters when it stops waiting.
struct Waiting<'a, D: Driver>(&'a CurrentThread<D>);

impl<D: Driver> Drop for Waiting<'_, D> {
    fn drop(&mut self) {
        self.0.lock_slot().waiting -= 1;
    }
}

/// What a `block_on` waiting for the core waits on: the core put back, or
/// its future woken.
struct Waiters {
    lock: Mutex<()>,
    released: Condvar,
}

impl Waiters {
    fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Wakes the future of a `block_on` waiting for the core.
struct WaitWaker {
    woken: AtomicBool,
    waiters: Arc<Waiters>,
}

impl Wake for WaitWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        let _lock = self.waiters.lock();
        self.waiters.released.notify_all();
    }
}

impl<D: Driver> CurrentThread<D> {
    /// A scheduler over `driver`. `worker_threads` is ignored; the other
    /// settings are checked as for [`MultiThread`](crate::MultiThread).
    pub fn new(driver: D, config: Config) -> io::Result<Self> {
        Self::with_pool(driver, config, None, 0)
    }

    /// As `new`, on the blocking pool `shared` if given (which its owner,
    /// not this scheduler's shutdown, then stops), as the runtime's worker
    /// number `worker` (in dumps and stall reports).
    pub(crate) fn with_pool(
        driver: D,
        config: Config,
        shared: Option<BlockingPool>,
        worker: usize,
    ) -> io::Result<Self> {
        Config {
            worker_threads: 1,
            ..config.clone()
        }
        .validate()?;
        let unparker = driver.unparker();
        let shared = Arc::new(Shared {
            id: crate::id::next(),
            state: RunState::new(),
            remote: ConcurrentQueue::unbounded(),
            unpark: Box::new(move || unparker.unpark()),
            owned: OwnedTasks::new(1),
            owns_blocking: shared.is_none(),
            blocking: shared.unwrap_or_else(|| BlockingPool::new(&config)),
            counters: WorkerCounters::default(),
            poll_marks: config.poll_marks(1),
            records: config.records(worker),
            layers: config.layers.clone(),
        });
        let main = std::sync::Arc::new(MainWaker {
            woken: AtomicBool::new(false),
            unpark: driver.unparker(),
            shared: shared.clone(),
        });
        let watchdog = match (&config.stall, &shared.poll_marks) {
            (Some(watch), Some(marks)) => Some(crate::stall::Watchdog::start(
                watch,
                marks.clone(),
                worker,
                shared.records.clone(),
            )?),
            _ => None,
        };
        Ok(CurrentThread {
            _watchdog: watchdog,
            context: Handle::from(shared.clone()).context(),
            slot: Mutex::new(Slot {
                core: Some(Box::new(Core {
                    local: Local {
                        shared: shared.clone(),
                        queue: RefCell::new(VecDeque::new()),
                    },
                    driver,
                    counts: LocalCounts::default(),
                    waker: Waker::from(main.clone()),
                    main,
                    records: shared.records.clone().map(WorkerRecords::new),
                })),
                waiting: 0,
            }),
            shared,
            waiters: Arc::new(Waiters {
                lock: Mutex::new(()),
                released: Condvar::new(),
            }),
            interval: config.global_queue_interval,
            event_interval: config.event_interval,
            on_park: config.on_thread_park.clone(),
            on_unpark: config.on_thread_unpark.clone(),
        })
    }

    /// Parks the driver once without blocking, on this thread: the
    /// thread-per-core worker does it first, so that a driver keeping
    /// per-thread state (the reactor's socket ring) knows its thread before
    /// any task runs.
    pub(crate) fn park_driver_now(&self) {
        let core = self.lock_slot().core.take();
        if let Some(mut core) = core {
            core.driver.park(Some(Duration::ZERO));
            self.lock_slot().core = Some(core);
        }
    }

    fn lock_slot(&self) -> MutexGuard<'_, Slot<D>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spawns a `Send` future; see [`Handle::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        shared::spawn(
            self.shared.clone(),
            zokio_core::task::Builder::new(),
            future,
        )
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle().spawn_blocking(f)
    }

    /// A handle to this scheduler, usable from any thread.
    pub fn handle(&self) -> Handle {
        Handle::from(self.shared.clone())
    }

    /// A snapshot of the counters (one worker: the thread running the tasks).
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics()
    }

    /// Runs `future` to completion on this thread, running the spawned tasks
    /// meanwhile and parking on the driver when there is nothing to do. If
    /// another thread's `block_on` is running the tasks, this one polls only
    /// `future`, and takes over the tasks when that one returns.
    ///
    /// # Panics
    ///
    /// On a runtime thread (inside a task, or a worker): a runtime cannot be
    /// started from within a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let Some(_runtime) = zokio_core::context::enter_runtime() else {
            panic!("{}", crate::NESTED_BLOCK_ON);
        };
        let _context = self.context.enter();
        let mut future = pin!(future);
        loop {
            let core = self.lock_slot().core.take();
            if let Some(core) = core {
                let mut guard = CoreGuard {
                    scheduler: self,
                    core: Some(core),
                };
                let Some(core) = guard.core.as_deref_mut() else {
                    unreachable!("the guard was just given the core")
                };
                let Core {
                    local,
                    driver,
                    counts,
                    main,
                    waker,
                    records,
                } = core;
                let _records = records.as_ref().map(WorkerRecords::enter);
                return context::set_worker(&*local, || {
                    self.run(local, driver, counts, (main, waker), future.as_mut())
                });
            }
            if let Some(output) = self.wait_for_core(future.as_mut()) {
                return output;
            }
        }
    }

    /// Polls `future` while another thread holds the core, until it
    /// completes (`Some`) or the core is put back (`None`).
    fn wait_for_core<F: Future>(&self, mut future: Pin<&mut F>) -> Option<F::Output> {
        let waiters = self.waiters.clone();
        let waiter = std::sync::Arc::new(WaitWaker {
            woken: AtomicBool::new(true),
            waiters: waiters.clone(),
        });
        let waker = Waker::from(waiter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut lock = waiters.lock();
        self.lock_slot().waiting += 1;
        let _counted = Waiting(self);
        loop {
            if self.lock_slot().core.is_some() {
                return None;
            }
            if waiter.woken.swap(false, Ordering::Acquire) {
                drop(lock);
                if let Poll::Ready(output) =
                    budget::with_task_budget(|| future.as_mut().poll(&mut cx))
                {
                    return Some(output);
                }
                lock = waiters.lock();
                continue;
            }
            lock = waiters
                .released
                .wait(lock)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The loop of `block_on` on the thread holding the core: the main
    /// future, a batch of tasks, the driver.
    fn run<F: Future>(
        &self,
        local: &Local,
        driver: &mut D,
        saved: &mut LocalCounts,
        (main, waker): (&MainWaker<D::Unparker>, &Waker),
        mut future: Pin<&mut F>,
    ) -> F::Output {
        let shared = &self.shared;
        main.woken.store(true, Ordering::Relaxed);
        let mut cx = Context::from_waker(waker);
        let mut counts = *saved;
        // Busy time: the clock is read as the thread parks and as it returns
        // from parking, not on entry (a `block_on` of a ready future reads
        // no clock), so each `block_on`'s time before its first park is not
        // counted.
        let mut busy_since: Option<std::time::Instant> = None;
        let mut tick = 0u32;
        let pop_local = || local.queue.borrow_mut().pop_front();
        // The one worker's mark, found once (not indexed per poll).
        let mark = shared.poll_marks.as_deref().map(|marks| &marks[0]);
        loop {
            if main.woken.swap(false, Ordering::Acquire) {
                if let Poll::Ready(output) =
                    budget::with_task_budget(|| future.as_mut().poll(&mut cx))
                {
                    *saved = counts;
                    shared.counters.publish(&counts);
                    return output;
                }
            }
            // A bounded batch of tasks, then the main future gets its turn.
            for _ in 0..self.interval {
                tick = tick.wrapping_add(1);
                if tick % self.event_interval == 0 {
                    driver.park(Some(Duration::ZERO));
                    shared.counters.publish(&counts);
                    if let Some(records) = &shared.records {
                        records.refresh_clock();
                    }
                }
                let task = if tick % self.interval == 0 {
                    shared.remote.pop().ok().or_else(pop_local)
                } else {
                    pop_local().or_else(|| shared.remote.pop().ok())
                };
                let Some(task) = task else { break };
                counts.polls += 1;
                match mark {
                    None => {
                        shared.owned.run(task, 0);
                    }
                    Some(mark) => {
                        mark.enter(counts.polls, task.id());
                        shared.owned.run(task, 0);
                        mark.leave();
                    }
                }
                if main.woken.load(Ordering::Relaxed) {
                    break;
                }
            }
            let idle = || {
                !main.woken.load(Ordering::Acquire)
                    && local.queue.borrow().is_empty()
                    && shared.remote.is_empty()
            };
            if idle() {
                counts.parks += 1;
                if let Some(since) = busy_since {
                    counts.busy_ns += since.elapsed().as_nanos() as u64;
                }
                counts.forced_yields = zokio_core::budget::forced_yields();
                shared.counters.publish(&counts);
                match &self.on_park {
                    None => driver.park(None),
                    Some(hook) => {
                        hook();
                        // Woken or given work by the hook: poll the driver
                        // without sleeping (timers and I/O still progress).
                        let timeout = if idle() { None } else { Some(Duration::ZERO) };
                        driver.park(timeout);
                    }
                }
                busy_since = Some(std::time::Instant::now());
                if let Some(records) = &shared.records {
                    records.refresh_clock();
                }
                if let Some(hook) = &self.on_unpark {
                    hook();
                }
            }
        }
    }
}

impl<D: Driver> CurrentThread<D> {
    /// Shuts down, waiting at most `timeout` for the blocking pool's threads.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        shutdown::shutdown(&mut self, Some(timeout));
    }

    /// Shuts down without waiting for the blocking pool's threads.
    pub fn shutdown_background(mut self) {
        shutdown::shutdown(&mut self, Some(Duration::ZERO));
    }
}

impl<D: Driver> Steps for CurrentThread<D> {
    fn state(&self) -> &RunState {
        &self.shared.state
    }

    fn owned(&self) -> &OwnedTasks {
        &self.shared.owned
    }

    fn blocking(&self) -> &BlockingPool {
        &self.shared.blocking
    }

    fn context(&self) -> &Handles {
        &self.context
    }

    fn owns_blocking(&self) -> bool {
        self.shared.owns_blocking
    }

    /// Every task runs on the thread shutting down: there is nothing to stop.
    fn stop_threads(&mut self, _deadline: Option<Instant>) {}

    fn release_driver(&mut self) {
        // `shutdown` takes `&mut self`: no `block_on` holds the core.
        if let Some(core) = self.lock_slot().core.as_mut() {
            core.driver.shutdown();
        }
    }

    /// Drops the tasks of both queues here.
    fn drop_queued(&self) {
        loop {
            let local = self
                .lock_slot()
                .core
                .as_ref()
                .and_then(|core| core.local.queue.borrow_mut().pop_front());
            let task = local.or_else(|| self.shared.remote.pop().ok());
            match task {
                Some(task) => drop(task),
                None => break,
            }
        }
    }
}

impl<D: Driver> Drop for CurrentThread<D> {
    fn drop(&mut self) {
        shutdown::shutdown(self, None);
    }
}

impl<D: Driver> std::fmt::Debug for CurrentThread<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentThread").finish_non_exhaustive()
    }
}
