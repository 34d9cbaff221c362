//! [`LocalSet`]: zokio-sched's set of `!Send` tasks, with Tokio's
//! `block_on(&runtime, future)`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use zokio_core::task::JoinHandle;

use crate::runtime::{Runtime, Scheduler};

/// A set of `!Send` tasks that run on the thread polling the set, as Tokio's
/// `LocalSet`: usable on both runtime flavors (and under any executor).
///
/// [`spawn_local`](crate::task::spawn_local) inside the set (in the future
/// given to [`run_until`](LocalSet::run_until) or
/// [`block_on`](LocalSet::block_on), in one of the set's tasks, or inside
/// [`enter`](LocalSet::enter)) adds a task to it. The tasks run only while the
/// set is polled; awaiting the set itself completes once all of them have.
/// Dropping the set cancels its unfinished tasks and drops their futures on
/// this thread.
///
/// ```
/// use std::rc::Rc;
/// use zokio::task::LocalSet;
///
/// let rt = zokio::Runtime::new().unwrap(); // multi-thread: the set runs on this thread
/// let local = LocalSet::new();
/// let shared = Rc::new(String::from("not Send"));
/// let s = shared.clone();
/// local.spawn_local(async move { assert_eq!(s.len(), 8) });
/// let len = local.block_on(&rt, async move {
///     let s = shared.clone();
///     zokio::task::spawn_local(async move { s.len() }).await.unwrap()
/// });
/// assert_eq!(len, 8);
/// rt.block_on(local); // runs what is left in the set to completion
/// ```
#[derive(Default)]
pub struct LocalSet {
    inner: zokio_sched::LocalSet,
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet::default()
    }

    /// Spawns a `!Send` task onto this set; it runs when the set is polled.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn_local(future)
    }

    /// Makes the set current on this thread until the guard drops, so that
    /// [`spawn_local`](crate::task::spawn_local) adds to it.
    pub fn enter(&self) -> zokio_sched::LocalEnterGuard {
        self.inner.enter()
    }

    /// Polls `future` inside the set, running the set's tasks meanwhile; the
    /// tasks still unfinished when it completes stay in the set.
    pub fn run_until<F: Future>(&self, future: F) -> zokio_sched::RunUntil<'_, F> {
        self.inner.run_until(future)
    }

    /// Runs `future` inside the set on `rt`, on this thread:
    /// `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    ///
    /// Inside a runtime (as [`Runtime::block_on`]).
    #[track_caller]
    pub fn block_on<S: Scheduler, F: Future>(&self, rt: &Runtime<S>, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }
}

impl Future for LocalSet {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
