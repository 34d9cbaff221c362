//! The thread-per-core scheduler: one [`CurrentThread`] scheduler per worker
//! thread, each over a driver stack of its own (its reactor, its timer
//! wheel), with no stealing between them.
//!
//! It is a composition of the layers the other flavors use, not a runtime of
//! its own: a worker is a current-thread scheduler (its local queue, its
//! owned-task registry, its shutdown steps) running on a dedicated thread, a
//! [`LocalSet`](crate::LocalSet) entered there for `!Send` tasks. What this
//! module adds is the placement: a task spawned on a worker stays on it, a
//! task spawned from outside goes to a chosen worker
//! ([`spawn_on`](ThreadPerCore::spawn_on)) or to the next in turn, and all
//! workers share one blocking pool.
//!
//! A connection's tasks, its socket's registration and its timers therefore
//! live on one core for their whole life: no cross-core wakes, no shared
//! queues on the hot path. The price is balance: a busy worker's tasks wait
//! for it even when another worker idles; spread the load (one listener per
//! worker under `SO_REUSEPORT`, or hand accepted connections out).

mod index;
pub(crate) mod shared;
mod worker;

use std::fmt;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use zokio_core::Driver;
use zokio_core::context::Handles;
use zokio_core::sync::Arc;
use zokio_core::sync::thread::JoinHandle as ThreadHandle;
use zokio_core::task::{Builder, JoinHandle};

use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::current_thread::CurrentThread;
use crate::handle::Handle;
use crate::metrics::Metrics;

pub use index::current_worker;
pub(crate) use shared::{Shared, spawn_on};
use worker::{Running, Stop};

/// A scheduler with one single-threaded scheduler per worker thread, each
/// parking on a driver stack of its own (its reactor, its timer wheel), no
/// stealing between them.
///
/// A worker is a [`CurrentThread`] scheduler (its queue, its owned-task
/// registry, its shutdown steps) on a dedicated thread, with a
/// [`LocalSet`](crate::LocalSet) entered there for `!Send` tasks
/// ([`spawn_local`](crate::spawn_local)). A task spawned on a worker stays
/// on it; one spawned from outside goes to the next worker in turn, or to a
/// chosen one ([`spawn_on`](ThreadPerCore::spawn_on)). All workers share
/// one blocking pool. A connection's tasks, its socket's registration and
/// its timers thus stay on one core: no cross-core wakes, no shared queue on
/// the hot path. The price is balance: a busy worker's tasks wait for it
/// even while another idles, and a task that blocks its worker delays that
/// worker's timers and sockets (including those of `block_on`, which uses
/// worker 0's).
///
/// Dropping it stops every worker; each drops its tasks' futures (`Send`
/// and `!Send`) on its own thread, then the shared blocking pool is stopped.
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, ThreadPerCore};
///
/// // Each worker gets a driver of its own (here a plain thread parker).
/// let rt = ThreadPerCore::new(Config { worker_threads: 2, ..Config::default() }, |_worker| {
///     Ok((ThreadParker::new(), Default::default()))
/// })?;
/// let answer = rt.block_on(async {
///     // From outside the workers: the next worker in turn.
///     let a = zokio_sched::spawn(async { 40 });
///     // On worker 1, where `!Send` tasks may be spawned too.
///     let b = zokio_sched::Handle::current().spawn_on(1, async {
///         let local = zokio_sched::spawn_local(async { *std::rc::Rc::new(2) });
///         local.await.unwrap()
///     })?;
///     Ok::<_, std::io::Error>(a.await.unwrap() + b.await.unwrap())
/// })?;
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ThreadPerCore {
    shared: Arc<Shared>,
    threads: Vec<ThreadHandle<()>>,
    stops: Vec<std::sync::Arc<Stop>>,
    running: std::sync::Arc<Running>,
    context: Handles,
    shut_down: bool,
}

impl ThreadPerCore {
    /// Starts `config.worker_threads` workers. `make_driver(i)` gives worker
    /// `i`'s driver stack and the layer handles that stack provides (its
    /// timers and reactor), which the worker's thread enters; `config.layers`
    /// is replaced by them. Threads outside the workers (`block_on`, the
    /// blocking pool) enter worker 0's layers.
    ///
    /// Fails with `InvalidInput` for settings `Config::validate` rejects, or
    /// with the error of `make_driver` or of a thread that cannot start (the
    /// workers started already are stopped).
    pub fn new<D, F>(config: Config, mut make_driver: F) -> io::Result<ThreadPerCore>
    where
        D: Driver + Send + 'static,
        F: FnMut(usize) -> io::Result<(D, Handles)>,
    {
        config.validate()?;
        let pool = BlockingPool::new(&config);
        let mut schedulers = Vec::with_capacity(config.worker_threads);
        let mut first_layers = None;
        for i in 0..config.worker_threads {
            let (driver, layers) = make_driver(i)?;
            first_layers.get_or_insert_with(|| layers.clone());
            let worker_config = Config {
                worker_threads: 1,
                layers,
                ..config.clone()
            };
            schedulers.push(CurrentThread::with_pool(
                driver,
                worker_config,
                Some(pool.clone()),
                i,
            )?);
        }
        let workers = schedulers.iter().map(|s| s.shared.clone()).collect();
        let shared = Arc::new(Shared::new(workers, first_layers.unwrap_or_default(), pool));
        let handle = Handle::from(shared.clone());
        let mut rt = ThreadPerCore {
            context: handle.context(),
            shared,
            threads: Vec::with_capacity(config.worker_threads),
            stops: Vec::with_capacity(config.worker_threads),
            running: std::sync::Arc::default(),
            shut_down: false,
        };
        let id = rt.shared.id;
        for (i, mut scheduler) in schedulers.into_iter().enumerate() {
            // The worker's own timers and reactor, and the whole runtime's
            // handle: `spawn` there stays on the worker (see `Shared::pick`),
            // `spawn_on` reaches the others.
            let mut context = scheduler.shared.layers.clone();
            context
                .insert(handle.clone())
                .insert(handle.blocking_handle());
            scheduler.context = context;
            let stop = std::sync::Arc::new(Stop::default());
            let running = rt.running.clone();
            running.add();
            let their_stop = stop.clone();
            let started = config.spawn_thread(move || {
                worker::run((i, id), scheduler, &their_stop, &running);
            });
            match started {
                Ok(thread) => {
                    rt.threads.push(thread);
                    rt.stops.push(stop);
                }
                Err(e) => {
                    // The closure (and its scheduler) was dropped unrun.
                    rt.running.done();
                    return Err(e); // `rt`'s drop stops the workers started
                }
            }
        }
        Ok(rt)
    }

    /// Spawns a `Send` future: onto this thread's worker if called on one,
    /// else onto the next worker in turn.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle().spawn(future)
    }

    /// Spawns a `Send` future onto worker `worker` (from 0 to
    /// `num_workers() - 1`), or fails with `InvalidInput` for another index.
    #[track_caller]
    pub fn spawn_on<F>(&self, worker: usize, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(spawn_on(
            self.shared.worker(worker)?,
            Builder::new(),
            future,
        ))
    }

    /// How many workers run.
    pub fn num_workers(&self) -> usize {
        self.shared.workers.len()
    }

    /// A handle to the scheduler, usable from any thread.
    pub fn handle(&self) -> Handle {
        Handle::from(self.shared.clone())
    }

    /// A snapshot of every worker's counters.
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics()
    }

    /// Runs `future` to completion on this thread (not a worker: the workers
    /// run their tasks meanwhile), with the runtime entered: a `spawn` here
    /// goes to the next worker in turn, and timers and sockets made here
    /// belong to worker 0's driver.
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
        let _enter = self.context.enter();
        zokio_core::block_on_entered(future)
    }

    /// Stops every worker (each drops its tasks), waits at most `timeout`
    /// for them and for the blocking pool's threads; a worker stuck in a task
    /// that never yields is left behind, detached.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Stops every worker without waiting for any thread.
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        // On one of its own workers, waiting for the workers would wait for
        // this thread: stop them without waiting.
        let timeout = match index::worker_of(self.shared.id) {
            Some(_) => Some(Duration::ZERO),
            None => timeout,
        };
        let deadline = timeout.map(|t| Instant::now() + t);
        let _context = self.context.enter();
        self.stops.iter().for_each(|stop| stop.stop());
        if self.running.wait(deadline) {
            for thread in self.threads.drain(..) {
                // A worker's panic was its own thread's (task panics are
                // caught); it has counted itself out already.
                let _ = thread.join();
            }
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        self.shared.blocking.shutdown(left);
    }
}

impl Drop for ThreadPerCore {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for ThreadPerCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPerCore")
            .field("workers", &self.shared.workers.len())
            .finish_non_exhaustive()
    }
}
