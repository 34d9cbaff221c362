//! The work-stealing scheduler.
//!
//! [`Shared`] is what every task's schedule handle points to (one `Arc`, no
//! driver type in it); the worker loop lives in [`worker`]. Where a woken task
//! goes is decided in [`Shared::schedule`]: on one of this runtime's workers it
//! stays local (the LIFO slot for a wake, the back of the ring for a yield);
//! anywhere else it goes to the injector and one sleeper is woken.

mod worker;

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::ptr;
use std::sync::{Arc, Condvar, Mutex};
use std::task::Waker;
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use concurrent_queue::ConcurrentQueue;
use zokio_core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use zokio_core::task::{JoinHandle, Runnable, ScheduleHint};
use zokio_core::{Driver, Schedule, ThreadParker, ThreadUnparker, Unpark, placement};

use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::handle::{Handle, WeakHandle};
use crate::idle::Idle;
use crate::inbox::Inbox;
use crate::lifo::LifoSlot;
use crate::metrics::{Metrics, WorkerCounters};
use crate::owned::OwnedTasks;
use crate::queue::LocalQueue;
use crate::worker_cpus::WorkerCpus;

/// Capacity of each worker's ring.
const RING: usize = 256;

const RUNNING: u8 = 0;
/// Workers stop and drop their queues; new spawns are cancelled.
const CLOSING: u8 = 1;
/// Shut down: a task scheduled now is dropped by whoever schedules it.
const CLOSED: u8 = 2;

/// The driver behind a `dyn`, taken only on the cold park path.
trait DynDriver: Send {
    fn park(&mut self, timeout: Option<Duration>);
    fn shutdown(&mut self);
}

impl<D: Driver + Send> DynDriver for D {
    fn park(&mut self, timeout: Option<Duration>) {
        Driver::park(self, timeout)
    }
    fn shutdown(&mut self) {
        Driver::shutdown(self)
    }
}

/// What other threads may touch of one worker. Padded to its own cache lines.
#[repr(align(128))]
struct Remote {
    queue: LocalQueue<RING>,
    unparker: ThreadUnparker,
    /// Set while the worker sleeps in the driver rather than its own parker.
    on_driver: AtomicBool,
    counters: WorkerCounters,
    /// Tasks other workers hand this one: their data arrived on its CPU.
    inbox: Inbox<Runnable>,
}

/// The state shared by a multi-thread scheduler's workers and handles.
pub(crate) struct Shared {
    state: AtomicU8,
    remotes: Box<[Remote]>,
    injector: ConcurrentQueue<Runnable>,
    idle: Idle,
    cpus: WorkerCpus,
    owned: OwnedTasks,
    driver: Mutex<Box<dyn DynDriver>>,
    driver_unpark: Box<dyn Fn() + Send + Sync>,
    global_queue_interval: u32,
    blocking: BlockingPool,
    /// Workers still running, and the condvar shutdown waits on.
    alive: Mutex<usize>,
    exited: Condvar,
}

/// A task's schedule handle: one pointer.
struct TaskSchedule(Arc<Shared>);

impl Schedule for TaskSchedule {
    #[inline]
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        self.0.schedule(task, hint);
    }
}

/// A worker's own state that its running tasks reach through a thread-local
/// pointer when they wake other tasks.
struct WorkerContext {
    shared: Arc<Shared>,
    index: usize,
    lifo: LifoSlot,
    /// True while the worker is in the driver: tasks woken by the driver go
    /// to the ring, and are run once it returns.
    in_driver: Cell<bool>,
    /// True while a busy worker polls the driver with placement hints asked
    /// for: a woken task whose data arrived on another awake worker's CPU
    /// goes to that worker's inbox.
    placing: Cell<bool>,
    /// Tasks handed to other workers' inboxes (published with the counts).
    handed_off: Cell<u64>,
}

thread_local! {
    static WORKER: Cell<*const WorkerContext> = const { Cell::new(ptr::null()) };
}

/// This thread's worker context if it is a worker of `shared`.
#[inline]
fn with_worker<R>(shared: &Shared, f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let cx = WORKER.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: a non-null pointer is set by `worker::run` to a context on its
    // stack and cleared before that frame ends; we are on that thread.
    let cx = unsafe { cx.as_ref() };
    f(cx.filter(|cx| ptr::eq(Arc::as_ptr(&cx.shared), shared)))
}

impl Shared {
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        with_worker(self, |cx| match cx {
            Some(cx) => self.schedule_local(cx, task, hint),
            None => self.schedule_remote(task),
        })
    }

    fn schedule_local(&self, cx: &WorkerContext, task: Runnable, hint: ScheduleHint) {
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
        if hint == ScheduleHint::Yield || cx.in_driver.get() {
            self.push_local(cx.index, task);
            return;
        }
        if let Some(previous) = cx.lifo.put(task) {
            self.push_local(cx.index, previous);
            // Wake a sleeper when the ring becomes stealable. While it stays
            // non-empty a wake was already sent, and a worker that parks
            // meanwhile (as the last searcher) looks at every ring first:
            // the owner runs these tasks in any case, so this is only about
            // parallelism, never about a lost task.
            if self.remotes[cx.index].queue.len() == 1 {
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

    fn push_local(&self, index: usize, task: Runnable) {
        let overflow = &mut |batch: &mut dyn Iterator<Item = Runnable>| {
            batch.for_each(|t| self.push_injector(t));
        };
        // SAFETY: only worker `index` calls this with its own index, on its
        // own thread (checked by `with_worker`).
        unsafe { self.remotes[index].queue.push_back(task, overflow) };
    }

    fn push_injector(&self, task: Runnable) {
        // The injector is unbounded and never closed: the push cannot fail.
        let _ = self.injector.push(task);
    }

    fn schedule_remote(&self, task: Runnable) {
        self.push_injector(task);
        // Pairs with the store of CLOSED in `shutdown`: either it drains our
        // task, or we see CLOSED and drop it ourselves.
        zokio_core::sync::atomic::fence(Ordering::SeqCst);
        if self.state.load(Ordering::SeqCst) == CLOSED {
            self.drain_injector();
            return;
        }
        self.notify_parked();
    }

    fn drain_injector(&self) {
        while let Ok(task) = self.injector.pop() {
            drop(task);
        }
    }

    fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unpark_worker(worker);
        }
    }

    fn unpark_worker(&self, worker: usize) {
        let remote = &self.remotes[worker];
        remote.unparker.unpark();
        if remote.on_driver.load(Ordering::SeqCst) {
            (self.driver_unpark)();
        }
    }

    fn is_running(&self) -> bool {
        self.state.load(Ordering::Acquire) == RUNNING
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            workers: self
                .remotes
                .iter()
                .map(|r| r.counters.snapshot(r.queue.len()))
                .collect(),
            injector_depth: self.injector.len(),
            owned_tasks: self.owned.len(),
            blocking: self.blocking.metrics(),
        }
    }
}

pub(crate) fn spawn<F>(shared: &Arc<Shared>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    with_worker(shared, |cx| {
        let (runnable, handle) = zokio_core::task::spawn(future, TaskSchedule(shared.clone()));
        if !shared.is_running() {
            // Shut down: cancelled at once; the handle reports it.
            drop(runnable);
            return handle;
        }
        match cx {
            // Like a wake: the new task takes the LIFO slot, and only the
            // task it displaces to the ring (stealable) wakes a sleeper.
            Some(cx) => shared.schedule_local(cx, runnable, ScheduleHint::Wake),
            None => shared.schedule_remote(runnable),
        }
        handle
    })
}

/// A work-stealing scheduler: `worker_threads` threads, each with its own
/// queue, that park on `D` when idle.
///
/// Dropping it shuts it down: every task it owns is cancelled and its future
/// dropped (wherever the task waits), and the threads are joined.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 2, ..Config::default() })?;
/// let answer = rt.block_on(async {
///     zokio_sched::spawn(async { 42 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct MultiThread<D> {
    shared: Arc<Shared>,
    threads: Vec<ThreadHandle<()>>,
    shut_down: bool,
    _driver: PhantomData<fn(D)>,
}

impl<D: Driver + Send + 'static> MultiThread<D> {
    /// Starts the workers. A thread that cannot be spawned gives its error,
    /// after the workers already started are shut down.
    pub fn new(driver: D, config: Config) -> io::Result<Self> {
        config.validate()?;
        let workers = config.worker_threads;
        let parkers: Vec<ThreadParker> = (0..workers).map(|_| ThreadParker::new()).collect();
        let unparker = driver.unparker();
        let shared = Arc::new(Shared {
            state: AtomicU8::new(RUNNING),
            remotes: parkers
                .iter()
                .map(|p| Remote {
                    queue: LocalQueue::new(),
                    unparker: p.unparker(),
                    on_driver: AtomicBool::new(false),
                    counters: WorkerCounters::default(),
                    inbox: Inbox::new(),
                })
                .collect(),
            injector: ConcurrentQueue::unbounded(),
            idle: Idle::new(workers),
            cpus: WorkerCpus::new(workers),
            owned: OwnedTasks::new(4 * workers),
            driver: Mutex::new(Box::new(driver)),
            driver_unpark: Box::new(move || unparker.unpark()),
            global_queue_interval: config.global_queue_interval,
            blocking: BlockingPool::new(&config),
            alive: Mutex::new(workers),
            exited: Condvar::new(),
        });
        shared
            .blocking
            .set_handle(WeakHandle::Multi(Arc::downgrade(&shared)));
        let mut rt = MultiThread {
            shared: shared.clone(),
            threads: Vec::with_capacity(workers),
            shut_down: false,
            _driver: PhantomData,
        };
        for (index, parker) in parkers.into_iter().enumerate() {
            let shared = shared.clone();
            match config.spawn_thread(true, move || worker::run(shared, index, parker)) {
                Ok(thread) => rt.threads.push(thread),
                Err(err) => {
                    // The workers never started count as exited.
                    *rt.shared.alive.lock().unwrap_or_else(|e| e.into_inner()) -= workers - index;
                    rt.shutdown(None);
                    return Err(err);
                }
            }
        }
        Ok(rt)
    }

    /// Spawns `future`; see [`Handle::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn(&self.shared, future)
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.shared.blocking.spawn_blocking(f)
    }

    /// Runs `future` to completion on the calling thread (which is not a
    /// worker) with this runtime's handle entered, so `spawn` works inside.
    ///
    /// # Panics
    ///
    /// On a worker thread of any runtime, where blocking would stall it.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = self.handle().enter();
        zokio_core::block_on(future)
    }

    /// A handle to this scheduler.
    pub fn handle(&self) -> Handle {
        Handle::from(self.shared.clone())
    }

    /// A snapshot of the per-worker counters and queue depths; see [`Metrics`].
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics()
    }
}

impl<D> MultiThread<D> {
    /// Shuts down, waiting at most `timeout` for worker and blocking threads
    /// (a thread stuck in a task is left behind, detached).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, MultiThread};
    ///
    /// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() }).unwrap();
    /// let handle = rt.handle();
    /// let forever = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// assert!(zokio_core::block_on(forever).unwrap_err().is_cancelled());
    /// // Spawning afterwards does not panic: the task is cancelled at once.
    /// assert!(zokio_core::block_on(handle.spawn(async {})).unwrap_err().is_cancelled());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for the threads.
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        let shared = &self.shared;
        let deadline = timeout.map(|t| Instant::now() + t);
        // From a worker of this runtime we must not wait for ourselves.
        let on_worker = with_worker(shared, |cx| cx.is_some());
        shared.state.store(CLOSING, Ordering::SeqCst);
        // Wake every waiting task: each is scheduled (to the injector, from
        // here) and, the runtime being closed, dropped instead of run.
        let waiting = shared.owned.close_and_take();
        waiting.iter().for_each(Waker::wake_by_ref);
        drop(waiting);
        for worker in 0..shared.remotes.len() {
            shared.unpark_worker(worker);
        }
        (shared.driver_unpark)();
        let all_exited = !on_worker && {
            let mut alive = shared.alive.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if *alive == 0 {
                    break true;
                }
                alive = match deadline {
                    None => shared.exited.wait(alive).unwrap_or_else(|e| e.into_inner()),
                    Some(deadline) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break false;
                        }
                        let wait = shared.exited.wait_timeout(alive, left);
                        wait.unwrap_or_else(|e| e.into_inner()).0
                    }
                };
            }
        };
        if all_exited {
            for thread in self.threads.drain(..) {
                let _ = thread.join();
            }
        }
        // Release what the driver holds for tasks (their wakers).
        let driver = if all_exited {
            Some(shared.driver.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            shared.driver.try_lock().ok()
        };
        if let Some(mut driver) = driver {
            driver.shutdown();
        }
        shared.drain_injector();
        shared.state.store(CLOSED, Ordering::SeqCst);
        zokio_core::sync::atomic::fence(Ordering::SeqCst);
        shared.drain_injector();
        // A worker that polled the driver as another exited may have handed
        // it a task; with every worker gone, drop those here.
        for remote in shared.remotes.iter() {
            while let Some(task) = remote.inbox.pop() {
                drop(task);
            }
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        shared.blocking.shutdown(left);
    }
}

impl<D> Drop for MultiThread<D> {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl<D> std::fmt::Debug for MultiThread<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiThread")
            .field("workers", &self.shared.remotes.len())
            .finish_non_exhaustive()
    }
}
