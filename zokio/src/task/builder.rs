//! `task::Builder`: spawning with a name, as Tokio's.

use std::future::Future;
use std::io;

use zokio_core::task::JoinHandle;

use crate::runtime::Handle;

/// Spawns tasks with options; today, a name (kept out of line, so only named
/// tasks pay for it), readable from the task's `Runnable` by schedulers and
/// diagnostics.
///
/// As in Tokio, the spawn methods return `io::Result`; they fail only where
/// the plain functions would panic (outside a runtime, for instance).
///
/// ```
/// let rt = zokio::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     zokio::task::Builder::new().name("answer").spawn(async { 42 }).unwrap().await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    inner: zokio_core::task::Builder<'a>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// Names the task.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder {
            inner: self.inner.name(name),
        }
    }

    /// Spawns `future` on the current runtime.
    ///
    /// # Errors
    ///
    /// Outside a runtime, an error saying so (where `zokio::spawn` panics).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        self.spawn_on(future, &handle)
    }

    /// Spawns `future` on the runtime of `handle`.
    ///
    /// # Errors
    ///
    /// None today; the `Result` is Tokio's signature.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.scheduler.spawn_with(self.inner, future))
    }

    /// Runs the blocking `f` on the current runtime's blocking pool.
    ///
    /// # Errors
    ///
    /// Outside a runtime, an error saying so (where `spawn_blocking` panics).
    ///
    /// ```
    /// let rt = zokio::Runtime::new().unwrap();
    /// let n = rt.block_on(async {
    ///     zokio::task::Builder::new().name("sum").spawn_blocking(|| 2 + 2).unwrap().await.unwrap()
    /// });
    /// assert_eq!(n, 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        self.spawn_blocking_on(f, &handle)
    }

    /// Runs the blocking `f` on the blocking pool of `handle`'s runtime.
    ///
    /// # Errors
    ///
    /// None today; the `Result` is Tokio's signature.
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_blocking_on<F, R>(self, f: F, handle: &Handle) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // The pool's shared handle: its jobs count toward holding a paused clock.
        let pool = handle.scheduler.blocking_handle();
        Ok(pool.spawn_blocking_with(self.inner, f))
    }

    /// Spawns the `!Send` `future` onto the [`LocalSet`](crate::task::LocalSet)
    /// entered on this thread.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet`, as [`spawn_local`](crate::task::spawn_local) does.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let n = zokio::task::LocalSet::new().block_on(&rt, async {
    ///     let local = Rc::new(1);
    ///     let task = zokio::task::Builder::new().name("local").spawn_local(async move { *local });
    ///     task.unwrap().await.unwrap()
    /// });
    /// assert_eq!(n, 1);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(zokio_sched::spawn_local_with(self.inner, future))
    }
}
