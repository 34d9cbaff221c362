//! Tasks: spawning, joining, aborting, yielding, and task-local values.

mod builder;
mod join_set;
mod local;
mod local_set;

use std::future::{Future, poll_fn};
use std::task::Poll;

pub use builder::Builder;
pub use join_set::JoinSet;
pub use local::{AccessError, LocalKey, TaskLocalFuture};
pub use local_set::LocalSet;
pub use zokio_core::budget::{Unconstrained, unconstrained};
pub use zokio_core::task::{
    AbortHandle, Id, JoinError, JoinHandle, YieldNow, id, try_id, yield_now,
};
#[doc(no_inline)]
pub use zokio_sched::{LocalEnterGuard, RunUntil};

/// Spends one unit of the task's cooperative budget, yielding to the
/// scheduler first if the budget is used up, as Tokio's does: for a loop that
/// does work without awaiting anything that would spend it.
///
/// ```
/// let rt = zokio::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut sum = 0u64;
///     for i in 0..10_000 {
///         sum += i; // CPU work that never awaits a resource
///         zokio::task::consume_budget().await;
///     }
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
pub async fn consume_budget() {
    poll_fn(|cx| {
        let progress = std::task::ready!(zokio_core::budget::poll_proceed(cx));
        progress.made_progress();
        Poll::Ready(())
    })
    .await
}

/// Spawns a task on the current runtime; see [`crate::spawn`].
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    zokio_sched::spawn(future)
}

/// Spawns a `!Send` task onto the [`LocalSet`] entered on this thread (in a
/// future it runs, one of its tasks, or inside [`LocalSet::enter`]).
///
/// # Panics
///
/// Outside a `LocalSet`, with Tokio's message.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// let n = zokio::task::LocalSet::new().block_on(&rt, async {
///     let shared = Rc::new(5);
///     let local = shared.clone();
///     zokio::task::spawn_local(async move { *local + 1 }).await.unwrap()
/// });
/// assert_eq!(n, 6);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    zokio_sched::spawn_local(future)
}

/// Runs the blocking function `f` right here, on this thread, as Tokio's
/// `block_in_place`: on a multi-thread runtime's worker, the worker's queue
/// is first handed to a stand-in thread, so the other tasks keep running
/// while `f` blocks. `f` runs outside the runtime (it may call
/// `Handle::block_on`) and without a cooperative budget. Outside a
/// runtime, and on a multi-thread runtime's `block_on` thread, `f` just
/// runs.
///
/// # Panics
///
/// On a current-thread runtime's thread or inside a [`LocalSet`], with
/// Tokio's message ("can call blocking only when running on the
/// multi-threaded runtime"): every task there shares this thread, so use
/// [`spawn_blocking`] instead.
///
/// ```
/// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// let n = rt.block_on(rt.spawn(async {
///     let other = zokio::spawn(async { 1 }); // runs while the worker blocks
///     let n = zokio::task::block_in_place(|| {
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         41
///     });
///     n + other.await.unwrap()
/// }));
/// assert_eq!(n.unwrap(), 42);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    zokio_sched::block_in_place(f)
}

/// Runs the blocking function `f` on the current runtime's blocking pool and
/// returns a handle to its result (or its panic).
///
/// ```
/// let rt = zokio::Runtime::new().unwrap();
/// let len = rt.block_on(async {
///     zokio::task::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0)).await.unwrap()
/// });
/// assert!(len > 0);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    zokio_sched::spawn_blocking(f)
}
