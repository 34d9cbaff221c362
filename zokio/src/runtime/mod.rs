//! Building and running a runtime.
//!
//! A [`Runtime`] is a scheduler from zokio-sched over a driver stack, plus
//! the handles of the layers in that stack (timers, reactor), which its
//! threads make current so that `spawn`, `sleep` and `TcpStream::connect`
//! find them. [`Builder`] assembles the default stack: the work-stealing
//! scheduler (or the current-thread one) over `TimeDriver<IoDriver>`, with
//! only the layers that were enabled.
//!
//! # Custom assembly
//!
//! [`Runtime::multi_thread`] and [`Runtime::current_thread`] take any driver
//! stack and the [`Layers`] it provides, so a runtime can run over a driver
//! you wrote, or without a reactor:
//!
//! ```
//! use zokio::runtime::{Layers, Runtime};
//! use zokio_core::ThreadParker;
//! use zokio_time::TimeDriver;
//!
//! // Timers but no reactor, on the current thread.
//! let driver = TimeDriver::new(ThreadParker::new());
//! let layers = Layers { time: Some(driver.handle()), io: None };
//! let rt = Runtime::current_thread(driver, layers, Default::default()).unwrap();
//! rt.block_on(zokio::time::sleep(std::time::Duration::from_millis(1)));
//! ```

mod builder;
mod driver;
pub mod dump;
mod handle;
mod metrics;
mod scheduler;
mod thread_per_core;

use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use zokio_core::Driver;
use zokio_core::task::JoinHandle;
use zokio_sched::{Config, CurrentThread, MultiThread};

pub use builder::Builder;
pub use driver::{DefaultDriver, DefaultUnparker};
pub use handle::{EnterGuard, Handle, Id, Layers, RuntimeFlavor, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use scheduler::{DefaultScheduler, Scheduler};
pub use thread_per_core::bind_per_worker;
#[doc(no_inline)]
pub use zokio_sched::Config as SchedulerConfig;
pub use zokio_sched::StallInfo;
pub use zokio_sched::current_worker;

/// A running runtime: worker threads, a blocking pool, and the enabled layers.
///
/// `Runtime` (with its default type parameter) is what
/// [`Builder`] builds, for either flavor, as in Tokio; `Runtime<S>` with a
/// concrete scheduler is a runtime assembled from layers (see the module
/// docs). It is `Send` and `Sync`. Dropping a runtime cancels every task it
/// owns (their futures are dropped, including tasks waiting on I/O or
/// timers) and joins its threads.
///
/// ```
/// let rt = zokio::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = zokio::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime<S: Scheduler = DefaultScheduler> {
    /// `None` only after `shutdown_*` took it.
    scheduler: Option<S>,
    handle: Handle,
    /// Dropped after the scheduler: tasks dropped at shutdown may still
    /// call into Tokio.
    #[cfg(feature = "tokio-rt")]
    bridge: Bridge,
}

/// The Tokio runtime entered on this runtime's threads, if any
/// ([`Builder::enable_tokio`]); nothing without the `tokio-rt` feature.
#[cfg(feature = "tokio-rt")]
type Bridge = Option<crate::compat::tokio_rt::TokioBridge>;
#[cfg(not(feature = "tokio-rt"))]
type Bridge = ();

/// What `Builder::new_current_thread().build()` returned before both flavors
/// built one type: now [`Runtime`] itself, kept so that code naming it
/// still compiles.
pub type CurrentThreadRuntime = Runtime;

/// Why a multi-thread runtime refuses to pause its clock (Tokio's does too).
const PAUSE_NEEDS_CURRENT_THREAD: &str = "`time::pause()` requires the `current_thread` Zokio \
     runtime (`Builder::new_current_thread`, the default of `#[zokio::test]`): on the \
     multi-thread runtime an idle worker would jump the paused clock to the next timer while \
     another worker or the thread in `block_on` is still running tasks";

/// Sets `config` up so each of the scheduler's threads makes `layers` current.
fn with_layers(mut config: Config, layers: &Layers) -> Config {
    config.layers = layers.to_handles();
    config
}

impl Runtime {
    /// The default runtime: multi-thread, one worker per core, I/O and timers
    /// enabled.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }
}

impl<D: Driver + Send + 'static> Runtime<MultiThread<D>> {
    /// A work-stealing runtime over `driver`, whose threads make `layers`
    /// current. `layers` must come from `driver`'s stack.
    ///
    /// Its clock refuses pausing, as Tokio's multi-thread runtime's does
    /// (`time::pause()` panics, saying why); a clock paused already makes
    /// this fail with `InvalidInput`.
    pub fn multi_thread(driver: D, layers: Layers, config: Config) -> io::Result<Self> {
        if let Some(time) = &layers.time {
            if time.is_paused() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    PAUSE_NEEDS_CURRENT_THREAD,
                ));
            }
            time.refuse_pause(PAUSE_NEEDS_CURRENT_THREAD);
        }
        let scheduler = MultiThread::new(driver, with_layers(config, &layers))?;
        Ok(Runtime::from_scheduler(scheduler))
    }
}

impl<D: Driver + 'static> Runtime<CurrentThread<D>> {
    /// A current-thread runtime over `driver`; see [`Runtime::multi_thread`].
    pub fn current_thread(driver: D, layers: Layers, config: Config) -> io::Result<Self> {
        let scheduler = CurrentThread::new(driver, with_layers(config, &layers))?;
        Ok(Runtime::from_scheduler(scheduler))
    }
}

impl<S: Scheduler> Runtime<S> {
    fn from_scheduler(scheduler: S) -> Self {
        let handle = Handle {
            scheduler: scheduler.handle(),
            #[cfg(feature = "tokio-rt")]
            tokio: None,
        };
        Runtime {
            scheduler: Some(scheduler),
            handle,
            #[cfg(feature = "tokio-rt")]
            bridge: None,
        }
    }

    /// The same runtime, its scheduler wrapped by `f`.
    pub(crate) fn map_scheduler<T: Scheduler>(mut self, f: impl FnOnce(S) -> T) -> Runtime<T> {
        let scheduler = self.scheduler.take().map(f);
        let handle = self.handle.clone();
        Runtime {
            scheduler,
            handle,
            #[cfg(feature = "tokio-rt")]
            bridge: self.bridge.take(),
        }
    }

    #[cfg(feature = "tokio-rt")]
    fn with_bridge(mut self, bridge: Bridge) -> Self {
        self.handle.tokio = bridge.as_ref().map(|b| b.handle().clone());
        self.bridge = bridge;
        self
    }

    #[cfg(not(feature = "tokio-rt"))]
    fn with_bridge(self, (): Bridge) -> Self {
        self
    }

    /// The Tokio runtime's handle this runtime enters on its threads
    /// ([`Builder::enable_tokio`], [`Builder::tokio_handle`]).
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().enable_tokio().build().unwrap();
    /// let tokio = rt.tokio_handle().unwrap();
    /// assert_eq!(tokio.block_on(async { 1 + 1 }), 2);
    /// ```
    #[cfg(feature = "tokio-rt")]
    pub fn tokio_handle(&self) -> Option<&tokio::runtime::Handle> {
        self.bridge.as_ref().map(|b| b.handle())
    }

    fn scheduler(&self) -> &S {
        match &self.scheduler {
            Some(s) => s,
            // `shutdown_*` take `self`, so no method can see it taken.
            None => unreachable!("a runtime is used only before shutdown"),
        }
    }

    /// Runs `future` to completion on this thread, with the runtime current.
    ///
    /// # Panics
    ///
    /// On a worker thread of any runtime (blocking there would stall its
    /// tasks), with a message saying so.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        #[cfg(feature = "tokio-rt")]
        let _tokio = self.bridge.as_ref().map(|b| b.enter());
        self.scheduler().block_on(future)
    }

    /// Spawns a task onto the runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.scheduler().spawn(future)
    }

    /// Runs the blocking function `f` on the runtime's blocking pool.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle that reaches this runtime from any thread.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes the runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard {
        self.handle.enter()
    }

    /// A snapshot of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// The runtime's live tasks; see [`Handle::dump`].
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_multi_thread().enable_task_dump().build()?;
    /// assert!(rt.dump()?.tasks().is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> io::Result<dump::Dump> {
        self.handle.dump()
    }

    /// Cancels every task, then waits at most `timeout` for the runtime's
    /// threads to finish (a blocking-pool job that does not return is left
    /// running, detached).
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        #[cfg(feature = "tokio-rt")]
        let tokio = self.bridge.as_ref().map(|b| b.enter());
        if let Some(s) = self.scheduler.take() {
            s.shutdown_timeout(timeout);
        }
        #[cfg(feature = "tokio-rt")]
        drop(tokio);
        #[cfg(feature = "tokio-rt")]
        if let Some(bridge) = self.bridge.take() {
            bridge.shutdown_timeout(deadline.saturating_duration_since(std::time::Instant::now()));
        }
        let _ = deadline;
    }

    /// Cancels every task without waiting for the threads.
    pub fn shutdown_background(mut self) {
        #[cfg(feature = "tokio-rt")]
        let tokio = self.bridge.as_ref().map(|b| b.enter());
        if let Some(s) = self.scheduler.take() {
            s.shutdown_background();
        }
        #[cfg(feature = "tokio-rt")]
        drop(tokio);
        #[cfg(feature = "tokio-rt")]
        if let Some(bridge) = self.bridge.take() {
            bridge.shutdown_background();
        }
    }
}

/// Tokio's message for a runtime dropped where blocking is not allowed.
const DROPPED_IN_ASYNC: &str = "Cannot drop a runtime in a context where blocking is not \
     allowed. This happens when a runtime is dropped from within an asynchronous context: \
     zokio shut it down in the background; call `shutdown_background` (or \
     `shutdown_timeout`) there instead, or drop it in `spawn_blocking`";

impl<S: Scheduler> Drop for Runtime<S> {
    /// Cancels every task and joins the runtime's threads, as Tokio's does.
    ///
    /// # Panics
    ///
    /// On a thread that runs a runtime's tasks (inside a task or a
    /// `block_on`), where waiting for the threads would block it, with
    /// Tokio's message, after shutting the runtime down in the background.
    ///
    /// With the Tokio bridge, the tasks are dropped with Tokio's handle
    /// entered (a task's `Drop` may call into Tokio), and Tokio's runtime
    /// after them.
    fn drop(&mut self) {
        let Some(scheduler) = self.scheduler.take() else {
            return;
        };
        #[cfg(feature = "tokio-rt")]
        let tokio = self.bridge.as_ref().map(|b| b.enter());
        if !zokio_core::context::is_in_runtime() {
            drop(scheduler);
            return;
        }
        scheduler.shutdown_background();
        #[cfg(feature = "tokio-rt")]
        {
            drop(tokio);
            if let Some(bridge) = self.bridge.take() {
                bridge.shutdown_background();
            }
        }
        if !std::thread::panicking() {
            // A `&'static str` payload, as Tokio's.
            std::panic::panic_any(DROPPED_IN_ASYNC);
        }
    }
}

impl<S: Scheduler> fmt::Debug for Runtime<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}
