//! The cooperative budget: how many times a task may use a resource in one poll.
//!
//! Each task poll starts with [`TASK_BUDGET`] units. Resources (sockets,
//! timers, channels, join handles) call [`poll_proceed`] before doing work;
//! once a task has spent its budget they return `Pending` (after waking the
//! task), so a task that always finds its resources ready still yields and
//! cannot starve the others on its worker. Outside a runtime (or inside
//! [`unconstrained`]) there is no limit.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;

/// Units a task gets each time it is polled.
pub const TASK_BUDGET: u8 = 128;

/// Remaining units; `None` is unconstrained.
#[derive(Clone, Copy)]
struct Budget(Option<u8>);

#[inline]
fn replace(budget: Budget) -> Budget {
    // While thread-local storage is being torn down nothing is constrained.
    Budget(context::with(|cx| cx.budget.replace(budget.0)).flatten())
}

#[inline]
fn current() -> Budget {
    Budget(context::with(|cx| cx.budget.get()).flatten())
}

struct Restore(Budget);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        replace(self.0);
    }
}

#[inline]
fn with<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(replace(budget));
    f()
}

/// Runs `f` (one poll of a task) with a fresh budget of [`TASK_BUDGET`] units,
/// restoring the caller's budget afterwards. [`Runnable::run`] does this; an
/// executor that polls futures itself calls it around each poll.
///
/// [`Runnable::run`]: crate::task::Runnable::run
///
/// ```
/// use zokio_core::budget;
///
/// assert!(budget::has_remaining());
/// budget::with_task_budget(|| {
///     budget::consume(budget::TASK_BUDGET);
///     assert!(!budget::has_remaining());
/// });
/// assert!(budget::has_remaining(), "outside a poll there is no limit");
/// ```
#[inline]
pub fn with_task_budget<R>(f: impl FnOnce() -> R) -> R {
    with(Budget(Some(TASK_BUDGET)), f)
}

/// Runs `f` with no budget limit, restoring the caller's budget afterwards:
/// for blocking code that drives futures of its own inside a task (Tokio's
/// `block_in_place` does the same).
///
/// ```
/// use zokio_core::budget;
///
/// budget::with_task_budget(|| {
///     budget::consume(budget::TASK_BUDGET);
///     budget::without_budget(|| assert!(budget::has_remaining()));
///     assert!(!budget::has_remaining());
/// });
/// ```
#[inline]
pub fn without_budget<R>(f: impl FnOnce() -> R) -> R {
    with(Budget(None), f)
}

/// Takes one unit for an operation about to be attempted.
///
/// `Pending` means the budget is spent: the task has been woken and should
/// return `Pending` itself so its worker can run others. On `Ready`, call
/// [`Progress::made_progress`] if the operation completed; if it did not, drop
/// the guard and the unit is given back.
///
/// ```
/// use std::task::{Context, Poll};
/// use zokio_core::budget;
///
/// fn poll_recv(cx: &mut Context<'_>, queue: &mut Vec<u32>) -> Poll<Option<u32>> {
///     let progress = std::task::ready!(budget::poll_proceed(cx));
///     let item = queue.pop();
///     progress.made_progress();
///     Poll::Ready(item)
/// }
/// # let mut q = vec![1];
/// # let mut cx = Context::from_waker(std::task::Waker::noop());
/// # assert_eq!(poll_recv(&mut cx, &mut q), Poll::Ready(Some(1)));
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    let before = current();
    match before.0 {
        None => Poll::Ready(Progress { before: None }),
        Some(0) => {
            let _ = context::with(|c| c.forced_yields.set(c.forced_yields.get() + 1));
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            replace(Budget(Some(n - 1)));
            Poll::Ready(Progress {
                before: Some(before),
            })
        }
    }
}

/// How many times [`poll_proceed`] made a task on this thread yield
/// because its budget was spent (a worker publishes its own count in the
/// runtime's metrics).
///
/// ```
/// use std::task::{Context, Waker};
/// use zokio_core::budget;
///
/// let before = budget::forced_yields();
/// budget::with_task_budget(|| {
///     budget::consume(budget::TASK_BUDGET);
///     assert!(budget::poll_proceed(&mut Context::from_waker(Waker::noop())).is_pending());
/// });
/// assert_eq!(budget::forced_yields(), before + 1);
/// ```
pub fn forced_yields() -> u64 {
    context::with(|c| c.forced_yields.get()).unwrap_or(0)
}

/// A unit taken by [`poll_proceed`]; given back on drop unless the operation
/// made progress.
#[must_use = "call `made_progress` when the operation completed"]
pub struct Progress {
    before: Option<Budget>,
}

impl Progress {
    /// The operation completed: keep the unit spent.
    #[inline]
    pub fn made_progress(mut self) {
        self.before = None;
    }
}

impl Drop for Progress {
    #[inline]
    fn drop(&mut self) {
        if let Some(before) = self.before {
            replace(before);
        }
    }
}

/// Spends `units` without checking, for work already done; returns whether
/// any budget is left.
pub fn consume(units: u8) -> bool {
    match current().0 {
        None => true,
        Some(n) => {
            let left = n.saturating_sub(units);
            replace(Budget(Some(left)));
            left > 0
        }
    }
}

/// True if the current task may still use a resource without yielding.
pub fn has_remaining() -> bool {
    current().0 != Some(0)
}

pin_project_lite::pin_project! {
    /// A future that runs with no budget limit; see [`unconstrained`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

/// Opts `future` out of the cooperative budget: its resources never force it
/// to yield. Use it for a task that must drain a resource in one go and
/// accepts starving its neighbours while it does.
///
/// ```
/// use zokio_core::budget;
///
/// let spent = zokio_core::block_on(budget::unconstrained(async {
///     budget::consume(budget::TASK_BUDGET);
///     budget::has_remaining()
/// }));
/// assert!(spent, "no limit inside `unconstrained`");
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { inner: future }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        with(Budget(None), || inner.poll(cx))
    }
}
