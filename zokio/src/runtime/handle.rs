//! A cloneable reference to a running runtime, reaching every layer.

use std::fmt;
use std::future::Future;

use zokio_core::context::{Handles, Layer};
use zokio_core::task::JoinHandle;

use super::metrics::RuntimeMetrics;

/// Keeps a runtime current on this thread; see [`Handle::enter`]. Guards
/// must be dropped in the reverse order of their creation: dropping one out
/// of order panics, as in Tokio.
pub use zokio_core::context::EnterGuard;
/// There is no runtime on this thread; see [`Handle::try_current`].
pub use zokio_core::context::TryCurrentError;

/// The time and I/O layers a runtime's threads make current, if enabled.
///
/// A layer left `None` is *off* on the runtime's threads: instead of falling
/// back to the layer's background driver, using it there fails with a message
/// naming the missing `enable_*` setting.
#[derive(Clone, Default)]
pub struct Layers {
    /// The timer layer's handle (from a `TimeDriver` in the driver stack).
    pub time: Option<zokio_time::Handle>,
    /// The reactor's handle (from an `IoDriver` in the driver stack).
    pub io: Option<zokio_io::Handle>,
}

impl Layers {
    /// These layers as a runtime's threads enter them: a layer left `None`
    /// is disabled, with a message naming the `enable_*` setting it needs.
    pub(crate) fn to_handles(&self) -> Handles {
        let mut handles = Handles::new();
        match &self.time {
            Some(time) => handles.insert(time.clone()),
            None => handles.disable(Layer::Time, TIME_DISABLED),
        };
        match &self.io {
            Some(io) => handles.insert(io.clone()),
            None => handles.disable(Layer::Io, IO_DISABLED),
        };
        handles
    }
}

impl fmt::Debug for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layers")
            .field("time", &self.time.is_some())
            .field("io", &self.io.is_some())
            .finish()
    }
}

const IO_DISABLED: &str = "zokio: this runtime was built without I/O: call `enable_io` (or \
     `enable_all`) on its `runtime::Builder` to use sockets on it";

const TIME_DISABLED: &str = "zokio: this runtime was built without timers: call `enable_time` \
     (or `enable_all`) on its `runtime::Builder` to use `sleep`, `timeout` or `interval` on it";

/// The kind of a runtime, as Tokio's `RuntimeFlavor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Tasks run on the thread inside `block_on`.
    CurrentThread,
    /// Work-stealing worker threads.
    MultiThread,
    /// One single-threaded scheduler per worker thread
    /// ([`Builder::new_thread_per_core`](super::Builder::new_thread_per_core)).
    ThreadPerCore,
}

/// An opaque id of a runtime, unique among the runtimes of this process, as
/// Tokio's `runtime::Id`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(std::num::NonZeroU64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// A handle to a runtime: spawn onto it, or enter it, from any thread.
///
/// ```
/// let rt = zokio::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let n = std::thread::spawn(move || handle.block_on(async { zokio::spawn(async { 5 }).await.unwrap() }))
///     .join()
///     .unwrap();
/// assert_eq!(n, 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) scheduler: zokio_sched::Handle,
    /// The bridged Tokio runtime's handle, entered by `block_on` (set on
    /// the handle a runtime keeps; the runtime's own threads have it
    /// entered already).
    #[cfg(feature = "tokio-rt")]
    pub(crate) tokio: Option<tokio::runtime::Handle>,
}

impl Handle {
    /// The handle of the runtime this thread is in (a worker, a blocking
    /// thread, or a thread inside `block_on` or `enter`).
    ///
    /// # Panics
    ///
    /// Outside a runtime, with a message saying so; see
    /// [`try_current`](Handle::try_current).
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// The current runtime's handle, or an error outside a runtime.
    ///
    /// ```
    /// let err = zokio::runtime::Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        Ok(Handle {
            scheduler: zokio_sched::Handle::try_current()?,
            #[cfg(feature = "tokio-rt")]
            tokio: None,
        })
    }

    /// Spawns a task onto the runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.scheduler.spawn(future)
    }

    /// Spawns a task onto worker `worker` of a thread-per-core runtime
    /// ([`Builder::new_thread_per_core`](super::Builder::new_thread_per_core)),
    /// where it and the tasks it spawns stay. Fails with `InvalidInput` for
    /// an index past the last worker, or on a runtime of another flavor.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_thread_per_core().worker_threads(2).build()?;
    /// let task = rt.handle().spawn_on(0, async { zokio::runtime::current_worker() })?;
    /// assert_eq!(rt.block_on(task).unwrap(), Some(0));
    /// assert!(rt.handle().spawn_on(2, async {}).is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&self, worker: usize, future: F) -> std::io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.scheduler.spawn_on(worker, future)
    }

    /// Runs `f` on the runtime's blocking pool. The blocking thread is inside
    /// the runtime: `spawn`, timers and sockets work there.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.scheduler.spawn_blocking(f)
    }

    /// The kind of runtime this handle leads to.
    ///
    /// ```
    /// use zokio::runtime::{Builder, RuntimeFlavor};
    ///
    /// let rt = Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    /// let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.scheduler.flavor() {
            zokio_sched::Flavor::CurrentThread => RuntimeFlavor::CurrentThread,
            zokio_sched::Flavor::ThreadPerCore => RuntimeFlavor::ThreadPerCore,
            _ => RuntimeFlavor::MultiThread,
        }
    }

    /// The runtime's id, unique among the runtimes of this process.
    ///
    /// ```
    /// let a = zokio::Runtime::new().unwrap();
    /// let b = zokio::Runtime::new().unwrap();
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// assert_eq!(a.handle().id(), a.handle().clone().id());
    /// ```
    pub fn id(&self) -> Id {
        Id(self.scheduler.id())
    }

    /// A snapshot of the runtime's counters.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.handle().metrics().num_workers(), 2);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        let layers = self.scheduler.context();
        RuntimeMetrics::new(
            self.scheduler.metrics(),
            layers.get::<zokio_io::Handle>().ok().map(|io| io.metrics()),
            layers
                .get::<zokio_time::Handle>()
                .ok()
                .map(|time| time.metrics()),
        )
    }

    /// The runtime's live tasks: for each its id, name, spawn location,
    /// state (scheduled, idle, or running and on which worker), poll count
    /// and time since its last poll. `Display` writes one line per task.
    ///
    /// The dump reads the task records the workers keep, without stopping
    /// them, so it can be taken anywhere, from a task of this runtime (an
    /// HTTP handler, a signal handler task) included, on any platform. Each
    /// task alive throughout the call is listed, with its state as it was
    /// when its record was read. See [`runtime::dump`](super::dump) for
    /// what is recorded and what is not.
    ///
    /// # Errors
    ///
    /// `Unsupported` on a runtime built without
    /// [`Builder::enable_task_dump`](super::Builder::enable_task_dump) (or
    /// the stall watchdog).
    ///
    /// ```
    /// use zokio::runtime::dump::TaskState;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().enable_task_dump().build()?;
    /// let (tx, rx) = zokio::sync::oneshot::channel::<()>();
    /// let waiting = rt.spawn(async move { rx.await.ok() });
    /// rt.block_on(zokio::task::yield_now()); // let it start waiting
    /// let dump = rt.handle().dump()?;
    /// let task = dump.task(waiting.id()).unwrap();
    /// assert_eq!(task.state, TaskState::Idle);
    /// assert_eq!(task.polls, 1);
    /// tx.send(()).unwrap();
    /// rt.block_on(waiting).unwrap();
    ///
    /// let off = zokio::runtime::Builder::new_current_thread().build()?;
    /// assert_eq!(off.handle().dump().unwrap_err().kind(), std::io::ErrorKind::Unsupported);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> std::io::Result<super::dump::Dump> {
        self.scheduler.dump()
    }

    /// Makes the runtime current on this thread (so `zokio::spawn`, timers
    /// and sockets find it) until the guard is dropped.
    pub fn enter(&self) -> EnterGuard {
        self.scheduler.enter()
    }

    /// Runs `future` to completion on this thread with the runtime current.
    /// The runtime's workers keep running the tasks it spawns.
    ///
    /// # Panics
    ///
    /// On a thread already running a runtime (a worker, a task, or inside
    /// another `block_on`), where blocking would stall other tasks, with
    /// Tokio's message.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let Some(_runtime) = zokio_core::context::enter_runtime() else {
            panic!(
                "Cannot start a runtime from within a runtime. This happens because a function \
                 (like `block_on`) attempted to block the current thread while the thread is \
                 being used to drive asynchronous tasks: `.await` the future instead"
            );
        };
        #[cfg(feature = "tokio-rt")]
        let _tokio = self.tokio.as_ref().map(|h| h.enter());
        let _enter = self.enter();
        zokio_core::block_on_entered(future)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("layers", &self.scheduler.context())
            .finish()
    }
}
