//! The single-threaded scheduler: tasks run on the thread that calls
//! `block_on`, so they may be `!Send`.
//!
//! Wakes on that thread go to a plain `VecDeque`; wakes from other threads go
//! to a thread-safe remote queue and unpark the driver. Every
//! `global_queue_interval` ticks the remote queue is served first and the
//! driver is polled, so neither waits behind plentiful local work. The
//! driver `D` is held by value and parked with a direct call.

pub(crate) mod shared;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use concurrent_queue::ConcurrentQueue;
use zokio_core::context::{self, Handles};
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::task::{JoinHandle, Runnable};
use zokio_core::{Driver, Unpark, budget};

use crate::blocking::BlockingPool;
use crate::config::Config;
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
/// [`block_on`](CurrentThread::block_on); tasks may be `!Send`
/// ([`spawn_local`](CurrentThread::spawn_local)). It is itself `!Send`.
///
/// Dropping it cancels every task it owns and drops their futures on this
/// thread.
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<zokio_sched::CurrentThread<zokio_core::ThreadParker>>();
/// ```
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread};
///
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default())?;
/// let task = rt.spawn(async { 1 + 1 });
/// assert_eq!(rt.block_on(task).unwrap(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct CurrentThread<D: Driver> {
    local: Box<Local>,
    driver: RefCell<D>,
    /// What `block_on` and shutdown enter: `Config::layers`, the scheduler
    /// and its blocking pool.
    context: Handles,
    interval: u32,
    counts: Cell<LocalCounts>,
    /// `!Send` tasks run on the thread that owns the scheduler: it must stay there.
    _not_send: PhantomData<*const ()>,
}

impl<D: Driver> CurrentThread<D> {
    /// A scheduler over `driver`. `worker_threads` is ignored; the other
    /// settings are checked as for [`MultiThread`](crate::MultiThread).
    pub fn new(driver: D, config: Config) -> io::Result<Self> {
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
            blocking: BlockingPool::new(&config),
            counters: WorkerCounters::default(),
            layers: config.layers.clone(),
        });
        Ok(CurrentThread {
            context: Handle::from(shared.clone()).context(),
            local: Box::new(Local {
                shared,
                queue: RefCell::new(VecDeque::new()),
            }),
            driver: RefCell::new(driver),
            interval: config.global_queue_interval,
            counts: Cell::new(LocalCounts::default()),
            _not_send: PhantomData,
        })
    }

    /// Spawns a `Send` future; see [`Handle::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        shared::spawn(
            self.local.shared.clone(),
            zokio_core::task::Builder::new(),
            future,
        )
    }

    /// Spawns a future that need not be `Send`; it runs inside the next
    /// [`block_on`](CurrentThread::block_on) on this thread.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local
            .spawn_local(zokio_core::task::Builder::new(), future)
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle().spawn_blocking(f)
    }

    /// A handle to this scheduler, usable from any thread.
    pub fn handle(&self) -> Handle {
        Handle::from(self.local.shared.clone())
    }

    /// A snapshot of the counters (one worker: this thread).
    pub fn metrics(&self) -> Metrics {
        self.local.shared.metrics()
    }

    /// Runs `future` to completion on this thread, running the spawned tasks
    /// meanwhile and parking on the driver when there is nothing to do.
    ///
    /// # Panics
    ///
    /// On a runtime thread (inside a task, or a worker): a runtime cannot be
    /// started from within a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let Some(_runtime) = zokio_core::context::enter_runtime() else {
            panic!(
                "zokio: cannot start a runtime from within a runtime: `CurrentThread::block_on` \
                 was called on a thread that is already running tasks; `.await` the future instead"
            );
        };
        let _context = self.context.enter();
        context::set_worker(&*self.local, || self.run(future))
    }

    /// The loop of `block_on`: the main future, a batch of tasks, the driver.
    fn run<F: Future>(&self, future: F) -> F::Output {
        let shared = &self.local.shared;
        let main = std::sync::Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            unpark: self.driver.borrow().unparker(),
            shared: shared.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut counts = self.counts.get();
        let mut tick = 0u32;
        loop {
            if main.woken.swap(false, Ordering::Acquire) {
                if let Poll::Ready(output) =
                    budget::with_task_budget(|| future.as_mut().poll(&mut cx))
                {
                    self.counts.set(counts);
                    shared.counters.publish(&counts);
                    return output;
                }
            }
            // A bounded batch of tasks, then the main future gets its turn.
            for _ in 0..self.interval {
                tick = tick.wrapping_add(1);
                let task = if tick % self.interval == 0 {
                    self.poll_driver(Some(Duration::ZERO));
                    shared.counters.publish(&counts);
                    shared.remote.pop().ok().or_else(|| self.pop_local())
                } else {
                    self.pop_local().or_else(|| shared.remote.pop().ok())
                };
                let Some(task) = task else { break };
                counts.polls += 1;
                shared.owned.run(task, 0);
                if main.woken.load(Ordering::Relaxed) {
                    break;
                }
            }
            let idle = !main.woken.load(Ordering::Acquire)
                && self.local.queue.borrow().is_empty()
                && shared.remote.is_empty();
            if idle {
                counts.parks += 1;
                shared.counters.publish(&counts);
                self.poll_driver(None);
            }
        }
    }

    fn pop_local(&self) -> Option<Runnable> {
        self.local.queue.borrow_mut().pop_front()
    }

    fn poll_driver(&self, timeout: Option<Duration>) {
        // A task cannot reach the driver, so the borrow is free here.
        if let Ok(mut driver) = self.driver.try_borrow_mut() {
            driver.park(timeout);
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
        &self.local.shared.state
    }

    fn owned(&self) -> &OwnedTasks {
        &self.local.shared.owned
    }

    fn blocking(&self) -> &BlockingPool {
        &self.local.shared.blocking
    }

    fn context(&self) -> &Handles {
        &self.context
    }

    /// Every task runs on the thread shutting down: there is nothing to stop.
    fn stop_threads(&mut self, _deadline: Option<Instant>) {}

    fn release_driver(&mut self) {
        if let Ok(mut driver) = self.driver.try_borrow_mut() {
            driver.shutdown();
        }
    }

    /// Drops the tasks of both queues here, on the owner thread, where even
    /// `!Send` ones may be dropped.
    fn drop_queued(&self) {
        loop {
            let local = self.local.queue.borrow_mut().pop_front();
            let task = local.or_else(|| self.local.shared.remote.pop().ok());
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
