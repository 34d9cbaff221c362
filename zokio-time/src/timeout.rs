//! `Timeout<F>`: a future with a time limit.

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use zokio_core::budget;

use crate::error::Elapsed;
use crate::instant::Instant;
use crate::shared::Handle;
use crate::sleep::Sleep;

/// Runs `future` with a time limit of `duration`, counted from the first
/// poll (like every future, a `Timeout` does nothing until polled; the clock
/// is read then, not here).
///
/// The future is polled first, so one that is ready on its first poll
/// completes with `Ok` even with a zero limit, and never touches the timer
/// wheel: the timer is armed only once the future returns `Pending`.
///
/// ```
/// use std::time::Duration;
/// use futures_lite::future::block_on;
///
/// assert_eq!(block_on(zokio_time::timeout(Duration::ZERO, async { 7 })), Ok(7));
/// let slow = zokio_time::timeout(Duration::from_millis(5), std::future::pending::<()>());
/// assert!(block_on(slow).is_err());
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout::new(future, Limit::After(duration))
}

/// Runs `future` until `deadline`; see [`timeout`].
///
/// ```
/// use std::time::Duration;
/// use zokio_time::Instant;
///
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let result = futures_lite::future::block_on(zokio_time::timeout_at(
///     deadline,
///     std::future::pending::<()>(),
/// ));
/// assert!(result.is_err() && Instant::now() >= deadline);
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout::new(future, Limit::At(deadline))
}

#[derive(Debug, Clone, Copy)]
enum Limit {
    After(Duration),
    At(Instant),
}

pin_project_lite::pin_project! {
    /// A future with a time limit; see [`timeout`] and [`timeout_at`].
    /// Resolves to `Ok` with the future's output, or `Err(Elapsed)` when the
    /// limit passed first.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let quick = zokio_time::timeout(Duration::from_secs(5), zokio_time::sleep(Duration::from_millis(1)));
    /// assert_eq!(futures_lite::future::block_on(quick), Ok(()));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        #[pin]
        sleep: Option<Sleep>,
        limit: Limit,
    }
}

impl<F> Timeout<F> {
    fn new(future: F, limit: Limit) -> Timeout<F> {
        Timeout {
            future,
            sleep: None,
            limit,
        }
    }

    /// The wrapped future.
    ///
    /// ```
    /// let t = zokio_time::timeout(std::time::Duration::from_secs(1), async { 1 });
    /// let _inner: &_ = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    ///
    /// ```
    /// let mut t = zokio_time::timeout(std::time::Duration::from_secs(1), async { 1 });
    /// let _inner: &mut _ = t.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Unwraps the future, dropping the timer.
    ///
    /// ```
    /// let t = zokio_time::timeout(std::time::Duration::from_secs(1), async { 1 });
    /// assert_eq!(futures_lite::future::block_on(t.into_inner()), 1);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if this.sleep.is_none() {
            let handle = Handle::current();
            let sleep = match *this.limit {
                Limit::After(duration) => handle.into_sleep(duration),
                Limit::At(deadline) => handle.into_sleep_until(deadline),
            };
            this.sleep.set(Some(sleep));
        }
        let Some(sleep) = this.sleep.as_pin_mut() else {
            return Poll::Pending;
        };
        // The future may have spent the task's budget; the limit must still
        // be able to fire, or a busy future would never time out.
        let fired = if budget::has_remaining() {
            sleep.poll(cx)
        } else {
            pin!(budget::unconstrained(sleep)).poll(cx)
        };
        match fired {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("limit", &self.limit)
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}
