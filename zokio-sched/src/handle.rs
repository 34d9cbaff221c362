//! The type-erased way into a scheduler: [`Handle`], the thread's current
//! handle, and the free `spawn` functions built on it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Weak};

use zokio_core::context::{self, Slot, SlotGuard};
use zokio_core::task::JoinHandle;

use crate::{current_thread, multi_thread};

thread_local! {
    static CURRENT: Slot<Handle> = const { Slot::new() };
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
    Multi(Arc<multi_thread::Shared>),
    Current(Arc<current_thread::Shared>),
}

/// A handle that does not keep its scheduler alive (for blocking threads).
pub(crate) enum WeakHandle {
    Multi(Weak<multi_thread::Shared>),
    Current(Weak<current_thread::Shared>),
}

impl WeakHandle {
    pub(crate) fn upgrade(&self) -> Option<Handle> {
        let inner = match self {
            WeakHandle::Multi(w) => Scheduler::Multi(w.upgrade()?),
            WeakHandle::Current(w) => Scheduler::Current(w.upgrade()?),
        };
        Some(Handle { inner })
    }
}

impl From<Arc<multi_thread::Shared>> for Handle {
    fn from(shared: Arc<multi_thread::Shared>) -> Handle {
        Handle {
            inner: Scheduler::Multi(shared),
        }
    }
}

impl From<Arc<current_thread::Shared>> for Handle {
    fn from(shared: Arc<current_thread::Shared>) -> Handle {
        Handle {
            inner: Scheduler::Current(shared),
        }
    }
}

impl Handle {
    /// Spawns `future` onto the scheduler.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner {
            Scheduler::Multi(shared) => multi_thread::spawn(shared, future),
            Scheduler::Current(shared) => current_thread::spawn(shared, future),
        }
    }

    /// Runs `f` on the scheduler's blocking pool.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_sched::{Config, CurrentThread};
    ///
    /// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
    /// let handle = rt.handle().spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// assert_eq!(rt.block_on(handle).unwrap().as_deref(), Some("zokio-worker"));
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match &self.inner {
            Scheduler::Multi(shared) => shared.blocking().spawn_blocking(f),
            Scheduler::Current(shared) => shared.blocking().spawn_blocking(f),
        }
    }

    /// The handle entered on this thread.
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

    /// The handle entered on this thread, or an error outside a runtime.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        CURRENT
            .try_with(Slot::get)
            .ok()
            .flatten()
            .ok_or(TryCurrentError(()))
    }

    /// Makes this the current handle of this thread until the guard drops, so
    /// that [`spawn`] and [`Handle::current`] find it.
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
        EnterGuard {
            _guard: context::enter(&CURRENT, self.clone()),
        }
    }

    /// True if both handles lead to the same scheduler.
    pub fn ptr_eq(&self, other: &Handle) -> bool {
        match (&self.inner, &other.inner) {
            (Scheduler::Multi(a), Scheduler::Multi(b)) => Arc::ptr_eq(a, b),
            (Scheduler::Current(a), Scheduler::Current(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner {
            Scheduler::Multi(_) => "MultiThread",
            Scheduler::Current(_) => "CurrentThread",
        };
        f.debug_struct("Handle").field("scheduler", &kind).finish()
    }
}

/// Keeps a [`Handle`] current on this thread; see [`Handle::enter`].
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_sched::{Config, CurrentThread, Handle};
///
/// let rt = CurrentThread::new(ThreadParker::new(), Config::default()).unwrap();
/// let guard: zokio_sched::EnterGuard = rt.handle().enter();
/// assert!(Handle::current().ptr_eq(&rt.handle()));
/// drop(guard);
/// assert!(Handle::try_current().is_err());
/// ```
#[must_use = "the handle stops being current when the guard is dropped"]
pub struct EnterGuard {
    _guard: SlotGuard<Handle>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// [`Handle::try_current`] was called outside a runtime.
///
/// ```
/// let err = zokio_sched::Handle::try_current().unwrap_err();
/// assert!(err.to_string().contains("no zokio runtime"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no zokio runtime on this thread: `spawn` and `Handle::current` must be \
             called from a task, from inside `block_on`, or after `Handle::enter`",
        )
    }
}

impl Error for TryCurrentError {}

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
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let spawned = CURRENT
        .try_with(|slot| slot.with(|handle| handle.map(|h| h.spawn(future))))
        .ok()
        .flatten();
    match spawned {
        Some(handle) => handle,
        None => panic!("{}", TryCurrentError(())),
    }
}

/// Runs `f` on the current scheduler's blocking pool.
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
    Handle::current().spawn_blocking(f)
}
