//! Giving the worker to other tasks for a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once to the scheduler: the task is queued behind the work already
/// waiting (its scheduler is told [`ScheduleHint::Yield`]) and resumes on its
/// next turn.
///
/// [`ScheduleHint::Yield`]: crate::ScheduleHint::Yield
///
/// ```
/// zokio_core::block_on(async {
///     zokio_core::task::yield_now().await;
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
