//! The single-threaded scheduler: tasks run on the thread that calls
//! `block_on`, so they may be `!Send`.
//!
//! Wakes on that thread go to a plain `VecDeque`; wakes from other threads go
//! to a thread-safe remote queue and unpark the driver. Every
//! `global_queue_interval` ticks the remote queue is served first and the
//! driver is polled, so neither waits behind plentiful local work.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use concurrent_queue::ConcurrentQueue;
use zokio_core::sync::atomic::{AtomicBool, AtomicU8, Ordering, fence};
use zokio_core::task::{JoinHandle, Runnable, ScheduleHint};
use zokio_core::{Driver, Schedule, Unpark, budget};

use crate::blocking::BlockingPool;
use crate::config::Config;
use crate::handle::{Handle, WeakHandle};
use crate::metrics::{LocalCounts, Metrics, WorkerCounters};
use crate::owned::OwnedTasks;

const RUNNING: u8 = 0;
const CLOSING: u8 = 1;
const CLOSED: u8 = 2;

/// The part of a `CurrentThread` that handles and tasks share.
pub(crate) struct Shared {
    state: AtomicU8,
    remote: ConcurrentQueue<Runnable>,
    unpark: Box<dyn Fn() + Send + Sync>,
    owned: OwnedTasks,
    blocking: BlockingPool,
    counters: WorkerCounters,
}

/// The owner thread's queue, reached through `LOCAL` while `block_on` runs.
struct Local {
    shared: Arc<Shared>,
    queue: RefCell<VecDeque<Runnable>>,
}

thread_local! {
    static LOCAL: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

/// This thread's local queue if it is inside `block_on` of `shared`'s scheduler.
fn with_local<R>(shared: Option<&Shared>, f: impl FnOnce(Option<&Local>) -> R) -> R {
    let local = LOCAL.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: a non-null pointer is set by `block_on` to a `Local` owned by
    // the scheduler it borrows, and reset before `block_on` returns.
    let local = unsafe { local.as_ref() };
    f(local.filter(|l| shared.is_none_or(|s| ptr::eq(Arc::as_ptr(&l.shared), s))))
}

struct TaskSchedule(Arc<Shared>);

impl Schedule for TaskSchedule {
    fn schedule(&self, task: Runnable, _hint: ScheduleHint) {
        self.0.schedule(task);
    }
}

impl Shared {
    fn schedule(&self, task: Runnable) {
        with_local(Some(self), |local| match local {
            Some(local) => local.queue.borrow_mut().push_back(task),
            None => self.schedule_remote(task),
        })
    }

    fn schedule_remote(&self, task: Runnable) {
        let _ = self.remote.push(task);
        fence(Ordering::SeqCst);
        if self.state.load(Ordering::SeqCst) == CLOSED {
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
}

pub(crate) fn spawn<F>(shared: &Arc<Shared>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (runnable, handle) = zokio_core::task::spawn(future, TaskSchedule(shared.clone()));
    if shared.state.load(Ordering::Acquire) != RUNNING {
        drop(runnable); // shut down: cancelled, and the handle reports it
        return handle;
    }
    shared.schedule(runnable);
    handle
}

/// Spawns a `!Send` future onto the [`CurrentThread`] scheduler whose
/// `block_on` is running on this thread.
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
    let spawned = with_local(None, |local| local.map(|local| local.spawn_local(future)));
    match spawned {
        Some(handle) => handle,
        None => panic!(
            "zokio: `spawn_local` was called outside `CurrentThread::block_on`; `!Send` tasks \
             can only run on a current-thread scheduler's own thread"
        ),
    }
}

impl Local {
    fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
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
        let (runnable, handle) = unsafe {
            zokio_core::task::Builder::new().spawn_unchecked(future, TaskSchedule(shared.clone()))
        };
        if shared.state.load(Ordering::Acquire) != RUNNING {
            drop(runnable); // on the owner thread: sound for `!Send`
            return handle;
        }
        self.queue.borrow_mut().push_back(runnable);
        handle
    }
}

/// Wakes the future `block_on` drives.
struct MainWaker {
    woken: AtomicBool,
    unpark: Box<dyn Fn() + Send + Sync>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        (self.unpark)();
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
    interval: u32,
    counts: Cell<LocalCounts>,
    shut_down: bool,
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
            state: AtomicU8::new(RUNNING),
            remote: ConcurrentQueue::unbounded(),
            unpark: Box::new(move || unparker.unpark()),
            owned: OwnedTasks::new(1),
            blocking: BlockingPool::new(&config),
            counters: WorkerCounters::default(),
        });
        shared
            .blocking
            .set_handle(WeakHandle::Current(Arc::downgrade(&shared)));
        Ok(CurrentThread {
            local: Box::new(Local {
                shared,
                queue: RefCell::new(VecDeque::new()),
            }),
            driver: RefCell::new(driver),
            interval: config.global_queue_interval,
            counts: Cell::new(LocalCounts::default()),
            shut_down: false,
            _not_send: PhantomData,
        })
    }

    /// Spawns a `Send` future; see [`Handle::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn(&self.local.shared, future)
    }

    /// Spawns a future that need not be `Send`; it runs inside the next
    /// [`block_on`](CurrentThread::block_on) on this thread.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Runs `f` on the blocking pool; see [`Handle::spawn_blocking`].
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.local.shared.blocking.spawn_blocking(f)
    }

    /// A handle to this scheduler, usable from any thread.
    pub fn handle(&self) -> Handle {
        Handle::from(self.local.shared.clone())
    }

    /// A snapshot of the counters (one worker: this thread).
    pub fn metrics(&self) -> Metrics {
        let shared = &self.local.shared;
        let depth = self.local.queue.try_borrow().map_or(0, |q| q.len());
        Metrics {
            workers: vec![shared.counters.snapshot(depth)],
            injector_depth: shared.remote.len(),
            owned_tasks: shared.owned.len(),
            blocking: shared.blocking.metrics(),
        }
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
        let shared = &self.local.shared;
        let _handle = self.handle().enter();
        let previous = LOCAL.with(|l| l.replace(&*self.local));
        let _restore = RestoreLocal(previous);
        let unparker = self.driver.borrow().unparker();
        let main = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            unpark: Box::new(move || unparker.unpark()),
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
                shared.owned.run(task);
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

struct RestoreLocal(*const Local);

impl Drop for RestoreLocal {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|l| l.set(self.0));
    }
}

impl<D: Driver> CurrentThread<D> {
    fn drain(&self) {
        loop {
            let local = self.local.queue.borrow_mut().pop_front();
            let task = local.or_else(|| self.local.shared.remote.pop().ok());
            match task {
                Some(task) => drop(task),
                None => break,
            }
        }
    }

    /// Shuts down, waiting at most `timeout` for the blocking pool's threads.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for the blocking pool's threads.
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        let shared = self.local.shared.clone();
        shared.state.store(CLOSING, Ordering::SeqCst);
        let waiting = shared.owned.close_and_take();
        waiting.iter().for_each(Waker::wake_by_ref);
        drop(waiting);
        self.drain();
        if let Ok(mut driver) = self.driver.try_borrow_mut() {
            driver.shutdown();
        }
        self.drain();
        shared.state.store(CLOSED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.drain();
        shared.blocking.shutdown(timeout);
    }
}

impl<D: Driver> Drop for CurrentThread<D> {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl<D: Driver> std::fmt::Debug for CurrentThread<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentThread").finish_non_exhaustive()
    }
}
