//! A yield that belongs to no runtime, so that a yield workload measures
//! each scheduler's wake and requeue and not a runtime's own `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending once after waking itself: one yield, on any runtime.
///
/// ```
/// let polls = futures_lite::future::block_on(async {
///     zokio_bench::YieldOnce::new().await;
///     1
/// });
/// assert_eq!(polls, 1);
/// ```
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl YieldOnce {
    /// A yield not taken yet.
    pub fn new() -> YieldOnce {
        YieldOnce::default()
    }
}

impl Future for YieldOnce {
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
