//! The type-erased way into a scheduler: [`Handle`], how a thread finds the
//! current one, and the free `spawn` functions built on it.

use std::fmt;
use std::future::Future;
use zokio_core::sync::Arc;

use zokio_core::blocking::{Blocking, BlockingHandle};
use zokio_core::context::{self, EnterGuard, Handles, Layer, LayerHandle, TryCurrentError};
use zokio_core::task::{Builder, JoinHandle, Runnable};

use crate::blocking::BlockingPool;
use crate::current_thread::shared as current;
use crate::metrics::Metrics;
use crate::multi_thread::shared as multi;
use crate::thread_per_core::shared as per_core;

/// Which kind of scheduler a [`Handle`] leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavor {
    /// [`CurrentThread`](crate::CurrentThread): tasks run on the thread in `block_on`.
    CurrentThread,
    /// [`MultiThread`](crate::MultiThread): work-stealing worker threads.
    MultiThread,
    /// [`ThreadPerCore`](crate::ThreadPerCore): one single-threaded
    /// scheduler per worker thread, no stealing.
    ThreadPerCore,
}

/// A cheap, cloneable handle to a running scheduler ([`MultiThread`] or
/// [`CurrentThread`]), whatever its driver. `Send + Sync`.
///
/// Spawning into a scheduler that has shut down does not panic: the task is
/// cancelled at once and its `JoinHandle` reports it.
///
/// [`MultiThread`]: crate::MultiThread
/// [`CurrentThread`]: crate::CurrentThread
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, Handle, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() }).unwrap();
/// let handle = rt.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { 6 * 7 })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// assert!(Handle::try_current().is_err(), "not entered on this thread");
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: Scheduler,
}

#[derive(Clone)]
enum Scheduler {
    Multi(Arc<multi::Shared>),
    Current(Arc<current::Shared>),
    PerCore(Arc<per_core::Shared>),
}

impl From<Arc<per_core::Shared>> for Handle {
    fn from(shared: Arc<per_core::Shared>) -> Handle {
        Handle {
            inner: Scheduler::PerCore(shared),
        }
    }
}

impl From<Arc<multi::Shared>> for Handle {
    fn from(shared: Arc<multi::Shared>) -> Handle {
        Handle {
            inner: Scheduler::Multi(shared),
        }
    }
}

impl From<Arc<current::Shared>> for Handle {
    fn from(shared: Arc<current::Shared>) -> Handle {
        Handle {
            inner: Scheduler::Current(shared),
        }
    }
}

impl LayerHandle for Handle {
    const LAYER: Layer = Layer::Scheduler;
}

/// The scheduler's blocking pool, as the `zokio_core::blocking` contract
/// reaches it: a job that needs a new thread gets one that enters the whole
/// runtime.
impl Blocking for Handle {
    fn run(&self, job: Runnable) {
        self.pool().run(job, || self.context());
    }
}

impl Handle {
    /// Spawns `future` onto the scheduler.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.clone().spawn_owned(Builder::new(), future)
    }

    /// Spawns `future` onto the scheduler, with a name and the other options
    /// of `builder`.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_core::task::Builder;
    /// use zokio_sched::{Config, CurrentThread};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let task = rt.handle().spawn_with(Builder::new().name("answer"), async { 42 });
    /// assert_eq!(rt.block_on(task).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_with<F>(&self, builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.clone().spawn_owned(builder, future)
    }

    /// `spawn`, giving this handle's reference to the task.
    #[inline]
    #[track_caller]
    fn spawn_owned<F>(self, builder: Builder<'_>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.inner {
            Scheduler::Multi(shared) => multi::spawn(shared, builder, future),
            Scheduler::Current(shared) => current::spawn(shared, builder, future),
            Scheduler::PerCore(shared) => per_core::spawn_on(shared.pick(), builder, future),
        }
    }

    /// Spawns `future` onto worker `worker` of a thread-per-core scheduler
    /// (see [`ThreadPerCore::spawn_on`](crate::ThreadPerCore::spawn_on)).
    /// Fails with `InvalidInput` for an index past the last worker, or on a
    /// handle of another flavor (its scheduler places tasks itself).
    #[track_caller]
    pub fn spawn_on<F>(&self, worker: usize, future: F) -> std::io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner {
            Scheduler::PerCore(shared) => Ok(per_core::spawn_on(
                shared.worker(worker)?,
                Builder::new(),
                future,
            )),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "zokio: `spawn_on` needs a handle of the thread-per-core runtime \
                 (`Builder::new_thread_per_core`); this scheduler places tasks itself",
            )),
        }
    }

    /// How many workers the scheduler has (1 for a current-thread one).
    pub fn num_workers(&self) -> usize {
        match &self.inner {
            Scheduler::Multi(shared) => shared.remotes.len(),
            Scheduler::Current(_) => 1,
            Scheduler::PerCore(shared) => shared.workers.len(),
        }
    }

    /// Which scheduler this handle leads to.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, CurrentThread, Flavor};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// assert_eq!(rt.handle().flavor(), Flavor::CurrentThread);
    /// ```
    pub fn flavor(&self) -> Flavor {
        match self.inner {
            Scheduler::Multi(_) => Flavor::MultiThread,
            Scheduler::Current(_) => Flavor::CurrentThread,
            Scheduler::PerCore(_) => Flavor::ThreadPerCore,
        }
    }

    /// A number unique to this scheduler among all created in the process.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, CurrentThread};
    ///
    /// let a = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let b = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// assert_eq!(a.handle().id(), a.handle().id());
    /// ```
    pub fn id(&self) -> std::num::NonZeroU64 {
        match &self.inner {
            Scheduler::Multi(shared) => shared.id,
            Scheduler::Current(shared) => shared.id,
            Scheduler::PerCore(shared) => shared.id,
        }
    }

    /// A snapshot of the scheduler's counters. A current-thread scheduler's
    /// queue depth is known only on its own thread, and reads 0 elsewhere.
    pub fn metrics(&self) -> Metrics {
        match &self.inner {
            Scheduler::Multi(shared) => shared.metrics(),
            Scheduler::Current(shared) => shared.metrics(),
            Scheduler::PerCore(shared) => shared.metrics(),
        }
    }

    /// The live tasks of the scheduler: id, name, spawn location, state,
    /// polls and time since the last poll of each (see [`crate::dump`]).
    /// Reads the task records without stopping the scheduler, so it may be
    /// called anywhere, a task of this scheduler included. A
    /// thread-per-core scheduler's dump lists every worker's tasks.
    ///
    /// Fails with `Unsupported` unless the scheduler keeps records
    /// ([`Config::task_dump`](crate::Config::task_dump)).
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::dump::TaskState;
    /// use zokio_sched::{Config, MultiThread};
    ///
    /// let config = Config { worker_threads: 2, task_dump: true, ..Config::default() };
    /// let rt = MultiThread::new(ThreadParker::new(), config)?;
    /// let handle = rt.handle();
    /// let dump = rt.block_on(rt.spawn(async move { handle.dump() })).unwrap()?;
    /// assert_eq!(dump.tasks().len(), 1, "the task taking the dump");
    /// assert!(matches!(dump.tasks()[0].state, TaskState::Running { .. }));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> std::io::Result<crate::dump::Dump> {
        use crate::dump::Dump;
        match &self.inner {
            Scheduler::Multi(shared) => shared
                .records
                .as_deref()
                .map(|r| Dump::collect([(r, marks(&shared.poll_marks))])),
            Scheduler::Current(shared) => shared
                .records
                .as_deref()
                .map(|r| Dump::collect([(r, marks(&shared.poll_marks))])),
            Scheduler::PerCore(shared) => shared
                .workers
                .iter()
                .map(|w| w.records.as_deref().map(|r| (r, marks(&w.poll_marks))))
                .collect::<Option<Vec<_>>>()
                .map(Dump::collect),
        }
        .ok_or_else(crate::dump::disabled)
    }

    /// Runs `f` on the scheduler's blocking pool. Its thread is inside the
    /// runtime: `spawn`, timers and sockets work there.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, CurrentThread};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let handle = rt.handle().spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// assert_eq!(rt.block_on(handle).unwrap().as_deref(), Some("zokio-worker"));
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking_handle().spawn_blocking(f)
    }

    /// The scheduler's blocking pool as the `zokio_core::blocking` contract
    /// reaches it. Every handle this returns counts jobs on the pool's one
    /// count, which the runtime's time layer reads (a paused clock holds
    /// still while a job runs), so spawn blocking jobs through one of these
    /// rather than a `BlockingHandle::new` of your own.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, CurrentThread};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let pool = rt.handle().blocking_handle();
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let job = pool.spawn_blocking(move || rx.recv().ok());
    /// assert_eq!(rt.handle().blocking_handle().jobs_in_flight(), 1);
    /// tx.send(()).unwrap();
    /// rt.block_on(job).unwrap();
    /// assert_eq!(pool.jobs_in_flight(), 0);
    /// ```
    pub fn blocking_handle(&self) -> BlockingHandle {
        BlockingHandle::with_jobs_in_flight(self.clone(), self.pool().jobs_in_flight().clone())
    }

    /// The handle current on this thread.
    ///
    /// # Panics
    ///
    /// Outside a runtime: no scheduler was entered on this thread.
    ///
    /// ```should_panic
    /// zokio_sched::Handle::current(); // not inside a runtime
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("{err}"),
        }
    }

    /// The handle current on this thread, or an error outside a runtime.
    ///
    /// ```
    /// let err = zokio_sched::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// assert!(err.to_string().contains("no zokio runtime"));
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::try_current::<Handle>()
    }

    /// Makes this scheduler's runtime current on this thread until the guard
    /// drops: the scheduler, its blocking pool and its other layers, so that
    /// [`spawn`], [`Handle::current`], timers and sockets find them.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, MultiThread};
    ///
    /// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() }).unwrap();
    /// let guard = rt.handle().enter();
    /// let task = zokio_sched::spawn(async { 1 });
    /// drop(guard);
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        self.context().enter()
    }

    /// The runtime's whole context: its other layers, this scheduler and its
    /// blocking pool, as every thread of the runtime enters it.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_core::blocking::BlockingHandle;
    /// use zokio_sched::{Config, CurrentThread, Handle};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let context = rt.handle().context();
    /// assert!(context.get::<Handle>().unwrap().ptr_eq(&rt.handle()));
    /// assert!(context.get::<BlockingHandle>().is_ok());
    /// ```
    pub fn context(&self) -> Handles {
        let mut handles = self.layers().clone();
        handles.insert(self.clone()).insert(self.blocking_handle());
        handles
    }

    /// True if both handles lead to the same scheduler.
    pub fn ptr_eq(&self, other: &Handle) -> bool {
        match (&self.inner, &other.inner) {
            (Scheduler::Multi(a), Scheduler::Multi(b)) => Arc::ptr_eq(a, b),
            (Scheduler::Current(a), Scheduler::Current(b)) => Arc::ptr_eq(a, b),
            (Scheduler::PerCore(a), Scheduler::PerCore(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    fn layers(&self) -> &Handles {
        match &self.inner {
            Scheduler::Multi(shared) => shared.layers(),
            Scheduler::Current(shared) => shared.layers(),
            Scheduler::PerCore(shared) => shared.layers(),
        }
    }

    fn pool(&self) -> &BlockingPool {
        match &self.inner {
            Scheduler::Multi(shared) => shared.blocking(),
            Scheduler::Current(shared) => shared.blocking(),
            Scheduler::PerCore(shared) => shared.blocking(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner {
            Scheduler::Multi(_) => "MultiThread",
            Scheduler::Current(_) => "CurrentThread",
            Scheduler::PerCore(_) => "ThreadPerCore",
        };
        f.debug_struct("Handle").field("scheduler", &kind).finish()
    }
}

/// Spawns `future` onto the current thread's scheduler.
///
/// # Panics
///
/// Outside a runtime (see [`Handle::current`]).
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 2, ..Config::default() }).unwrap();
/// let sum = rt.block_on(async {
///     let tasks: Vec<_> = (0..10u32).map(|i| zokio_sched::spawn(async move { i })).collect();
///     let mut sum = 0;
///     for task in tasks { sum += task.await.unwrap(); }
///     sum
/// });
/// assert_eq!(sum, 45);
/// ```
#[track_caller]
#[inline]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match Handle::try_current() {
        Ok(handle) => handle.spawn_owned(Builder::new(), future),
        Err(err) => panic!("{err}"),
    }
}

/// Runs `f` on the current runtime's blocking pool.
///
/// # Panics
///
/// Outside a runtime (see [`Handle::current`]).
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, MultiThread};
///
/// let rt = MultiThread::new(ThreadParker::new(), Config { worker_threads: 1, ..Config::default() }).unwrap();
/// let text = rt.block_on(async {
///     zokio_sched::spawn_blocking(|| std::fs::read_to_string("/nonexistent").is_err()).await
/// });
/// assert!(text.unwrap());
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    zokio_core::blocking::spawn_blocking(f)
}

/// A scheduler's poll marks for a dump (none if it keeps none: then no task
/// reads as running).
fn marks(marks: &Option<crate::poll_mark::PollMarks>) -> &[crate::poll_mark::PollMark] {
    marks.as_deref().unwrap_or(&[])
}
