//! hyper's executor and timer on Zokio's scheduler and timing wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Spawns hyper's background tasks on the current Zokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperExecutor;

impl<F> hyper::rt::Executor<F> for HyperExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        crate::spawn(future);
    }
}

/// hyper's timers on Zokio's timing wheel.
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperTimer;

pin_project_lite::pin_project! {
    /// A Zokio [`Sleep`](crate::time::Sleep) as hyper's `Sleep`.
    #[derive(Debug)]
    pub struct HyperSleep {
        #[pin]
        inner: crate::time::Sleep,
    }
}

impl Future for HyperSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep_until(deadline.into()),
        })
    }
}
