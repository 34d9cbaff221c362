//! A cloneable reference to a running runtime, reaching every layer.

use std::fmt;
use std::future::Future;

use zokio_core::task::JoinHandle;

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
    /// Makes these layers current on this thread until the guard drops.
    pub(crate) fn enter(&self) -> LayerGuards {
        LayerGuards {
            _time: match &self.time {
                Some(time) => TimeGuard::Entered(time.enter()),
                None => TimeGuard::Disabled(zokio_time::disable_background(TIME_DISABLED)),
            },
            _io: match &self.io {
                Some(io) => IoGuard::Entered(io.enter()),
                None => IoGuard::Disabled(zokio_io::disable_background(IO_DISABLED)),
            },
        }
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

pub(crate) struct LayerGuards {
    _time: TimeGuard,
    _io: IoGuard,
}

enum TimeGuard {
    Entered(#[allow(dead_code)] zokio_time::EnterGuard),
    Disabled(#[allow(dead_code)] zokio_time::DisabledGuard),
}

enum IoGuard {
    Entered(#[allow(dead_code)] zokio_io::EnterGuard),
    Disabled(#[allow(dead_code)] zokio_io::DisabledGuard),
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
    pub(crate) layers: Layers,
}

/// Keeps a runtime current on this thread; see [`Handle::enter`].
#[must_use = "the runtime stops being current when the guard is dropped"]
pub struct EnterGuard {
    _layers: LayerGuards,
    _scheduler: zokio_sched::EnterGuard,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

/// There is no runtime on this thread; see [`Handle::try_current`].
pub use zokio_sched::TryCurrentError;

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
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        let scheduler = zokio_sched::Handle::try_current()?;
        Ok(Handle {
            scheduler,
            layers: Layers {
                time: zokio_time::Handle::try_current(),
                io: zokio_io::Handle::try_current(),
            },
        })
    }

    /// Spawns a task onto the runtime.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.scheduler.spawn(future)
    }

    /// Runs `f` on the runtime's blocking pool.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.scheduler.spawn_blocking(f)
    }

    /// Makes the runtime current on this thread (so `zokio::spawn`, timers
    /// and sockets find it) until the guard is dropped.
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _scheduler: self.scheduler.enter(),
            _layers: self.layers.enter(),
        }
    }

    /// Runs `future` to completion on this thread with the runtime current.
    /// The runtime's workers keep running the tasks it spawns.
    ///
    /// # Panics
    ///
    /// On a runtime worker thread, where blocking would stall other tasks.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = self.enter();
        zokio_core::block_on(future)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("layers", &self.layers)
            .finish()
    }
}
