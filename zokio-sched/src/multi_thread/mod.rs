//! The work-stealing scheduler: [`MultiThread`] owns the workers and the
//! driver; [`shared`] is what tasks and handles point to; [`worker`] is the
//! loop each worker thread runs.
//!
//! The driver stack `D` is held by value in the one place the workers park
//! on, so a worker's park is a direct call into the concrete stack. Tasks
//! never see `D`: their schedule handle points to the driver-free
//! [`Shared`], which wakes the driver through one type-erased unparker when
//! it must wake a worker sleeping there.

pub(crate) mod block_in_place;
pub(crate) mod lend;
pub(crate) mod shared;
pub(crate) mod spill;
mod worker;

use std::future::Future;
use std::io;

use std::time::{Duration, Instant};

use zokio_core::context::Handles;
use zokio_core::sync::atomic::AtomicBool;
use zokio_core::sync::thread::JoinHandle as ThreadHandle;
use zokio_core::sync::{Arc, Condvar, Mutex};
use zokio_core::task::JoinHandle;
use zokio_core::{Driver, ThreadParker, Unpark};

use self::spill::SpillQueue;
use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::driver_cell::DriverCell;
use crate::handle::Handle;
use crate::idle::Idle;
use crate::inbox::Inbox;
use crate::metrics::{Metrics, WorkerCounters};
use crate::owned::OwnedTasks;
use crate::queue::local_queue;
use crate::shutdown::{self, RunState, Steps};
use crate::worker_cpus::WorkerCpus;
use concurrent_queue::ConcurrentQueue;
use shared::{Remote, Shared};

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
pub struct MultiThread<D: Driver> {
    shared: Arc<Shared>,
    driver: Arc<DriverCell<D>>,
    /// What every thread of the runtime enters: `Config::layers`, the
    /// scheduler and its blocking pool.
    context: Handles,
    threads: Vec<ThreadHandle<()>>,
    /// The stall watchdog's monitor, stopped when the runtime is dropped.
    _watchdog: Option<crate::stall::Watchdog>,
}

impl<D: Driver + Send + 'static> MultiThread<D> {
    /// Starts the workers. A thread that cannot be spawned gives its error,
    /// after the workers already started are shut down.
    pub fn new(driver: D, config: Config) -> io::Result<Self> {
        config.validate()?;
        let workers = config.worker_threads;
        let parkers: Vec<ThreadParker> = (0..workers).map(|_| ThreadParker::new()).collect();
        let (queues, stealers): (Vec<_>, Vec<_>) = (0..workers).map(|_| local_queue()).unzip();
        let unparker = driver.unparker();
        let shared = Arc::new(Shared {
            id: crate::id::next(),
            state: RunState::new(),
            remotes: parkers
                .iter()
                .zip(stealers)
                .map(|(parker, stealer)| Remote {
                    stealer,
                    unparker: parker.unparker(),
                    on_driver: AtomicBool::new(false),
                    counters: WorkerCounters::default(),
                    inbox: Inbox::new(),
                    spilled: SpillQueue::new(),
                })
                .collect(),
            injector: ConcurrentQueue::unbounded(),
            idle: Idle::new(workers),
            cpus: WorkerCpus::new(workers),
            owned: OwnedTasks::new(4 * workers),
            driver_unpark: Box::new(move || unparker.unpark()),
            global_queue_interval: config.global_queue_interval,
            event_interval: config.event_interval,
            lifo_disabled: config.disable_lifo_slot,
            on_park: config.on_thread_park.clone(),
            on_unpark: config.on_thread_unpark.clone(),
            blocking: BlockingPool::new(&config),
            layers: config.layers.clone(),
            alive: Mutex::new(workers),
            exited: Condvar::new(),
            stand_in: Mutex::new(None),
            poll_marks: config.poll_marks(workers),
            records: config.records(0),
        });
        let mut rt = MultiThread {
            context: Handle::from(shared.clone()).context(),
            shared,
            driver: Arc::new(DriverCell::new(driver)),
            threads: Vec::with_capacity(workers),
            _watchdog: None,
        };
        let driver = rt.driver.clone();
        let start: shared::StartStandIn =
            std::sync::Arc::new(move |shared: &Arc<Shared>, index, lend| {
                let (shared, driver) = (shared.clone(), driver.clone());
                let job = Handle::from(shared.clone())
                    .spawn_blocking(move || worker::stand_in(shared, index, driver, lend));
                // A pool shut down cancels the job at once.
                !job.is_finished()
            });
        *rt.shared.stand_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(start);
        for (index, (parker, queue)) in parkers.into_iter().zip(queues).enumerate() {
            let start = worker::Start {
                shared: rt.shared.clone(),
                index,
                parker,
                queue,
                driver: rt.driver.clone(),
                context: rt.context.clone(),
            };
            match config.spawn_thread(move || worker::run(start)) {
                Ok(thread) => rt.threads.push(thread),
                Err(err) => {
                    // The workers never started count as exited.
                    *rt.shared.alive.lock().unwrap_or_else(|e| e.into_inner()) -= workers - index;
                    shutdown::shutdown(&mut rt, None);
                    return Err(err);
                }
            }
        }
        if let (Some(watch), Some(marks)) = (&config.stall, &rt.shared.poll_marks) {
            let records = rt.shared.records.clone();
            match crate::stall::Watchdog::start(watch, marks.clone(), 0, records) {
                Ok(watchdog) => rt._watchdog = Some(watchdog),
                Err(err) => {
                    shutdown::shutdown(&mut rt, None);
                    return Err(err);
                }
            }
        }
        Ok(rt)
    }
}

impl<D: Driver> MultiThread<D> {
    /// Spawns `future`; see [`Handle::spawn`].
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

    /// Runs `future` to completion on the calling thread (which is not a
    /// worker), with the runtime entered, so `spawn` works inside. The
    /// thread counts as running the runtime meanwhile: a nested `block_on`
    /// in the future panics, as in Tokio.
    ///
    /// # Panics
    ///
    /// On a thread already running a runtime (a worker, a task, or inside
    /// another `block_on`), with Tokio's message.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let Some(_runtime) = zokio_core::context::enter_runtime() else {
            panic!("{}", crate::NESTED_BLOCK_ON);
        };
        let _enter = self.context.enter();
        zokio_core::block_on_entered(future)
    }

    /// A handle to this scheduler.
    pub fn handle(&self) -> Handle {
        Handle::from(self.shared.clone())
    }

    /// A snapshot of the per-worker counters and queue depths; see [`Metrics`].
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics()
    }

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
        shutdown::shutdown(&mut self, Some(timeout));
    }

    /// Shuts down without waiting for the threads.
    pub fn shutdown_background(mut self) {
        shutdown::shutdown(&mut self, Some(Duration::ZERO));
    }

    /// True on a worker thread of this scheduler.
    fn on_worker(&self) -> bool {
        shared::is_worker_of(&self.shared)
    }
}

impl<D: Driver> Steps for MultiThread<D> {
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

    fn stop_threads(&mut self, deadline: Option<Instant>) {
        let shared = &self.shared;
        drop(
            shared
                .stand_in
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        for worker in 0..shared.remotes.len() {
            shared.unpark_worker(worker);
        }
        (shared.driver_unpark)();
        // From a worker of this runtime we must not wait for ourselves.
        if self.on_worker() {
            return;
        }
        let mut alive = shared.alive.lock().unwrap_or_else(|e| e.into_inner());
        while *alive > 0 {
            alive = match deadline {
                None => shared.exited.wait(alive).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    let wait = shared.exited.wait_timeout(alive, left);
                    wait.unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
        drop(alive);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    fn release_driver(&mut self) {
        // Free once every worker has left it; a worker still in it (stuck, or
        // ourselves) keeps it, and its wakers wait for that worker.
        if let Some(mut driver) = self.driver.try_take() {
            driver.with(|driver| driver.shutdown());
        }
    }

    fn drop_queued(&self) {
        self.shared.drain_injector();
        // A worker that polled the driver as another exited may have handed
        // it a task; with every worker gone, drop those here.
        for remote in self.shared.remotes.iter() {
            while let Some(task) = remote.inbox.pop() {
                drop(task);
            }
            remote.spilled.drain();
        }
    }
}

impl<D: Driver> Drop for MultiThread<D> {
    fn drop(&mut self) {
        shutdown::shutdown(self, None);
    }
}

impl<D: Driver> std::fmt::Debug for MultiThread<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiThread")
            .field("workers", &self.shared.remotes.len())
            .finish_non_exhaustive()
    }
}
