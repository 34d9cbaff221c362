//! `Sleep`: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use zokio_core::budget;
use zokio_core::sync::atomic::Ordering;

use crate::entry::{FIRED, IDLE, TimerEntry};
use crate::instant::Instant;
use crate::shared::Handle;

/// Waits until `duration` has passed. A zero duration is ready at once,
/// without touching the wheel.
///
/// The timer is armed when the returned [`Sleep`] is first polled and
/// cancelled when it is dropped. It uses the current [`Handle`] (the
/// runtime's, or the background timer thread's when there is none).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// futures_lite::future::block_on(zokio_time::sleep(Duration::from_millis(10)));
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// ```
#[cfg_attr(feature = "tracing", track_caller)]
pub fn sleep(duration: Duration) -> Sleep {
    Handle::current().into_sleep(duration)
}

/// Waits until `deadline`. A deadline already past completes in the first
/// poll (see the crate docs for the one exception).
///
/// ```
/// use std::time::Duration;
/// use zokio_time::Instant;
///
/// let deadline = Instant::now() + Duration::from_millis(5);
/// futures_lite::future::block_on(zokio_time::sleep_until(deadline));
/// assert!(Instant::now() >= deadline);
/// ```
#[cfg_attr(feature = "tracing", track_caller)]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Handle::current().into_sleep_until(deadline)
}

impl Handle {
    /// A [`Sleep`] on this handle that completes at `deadline`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let handle = zokio_time::Handle::current();
    /// let sleep = handle.sleep_until(handle.now() + Duration::from_millis(1));
    /// futures_lite::future::block_on(sleep);
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        self.clone().into_sleep_until(deadline)
    }

    /// A [`Sleep`] on this handle that completes after `duration`.
    ///
    /// ```
    /// let handle = zokio_time::Handle::current();
    /// futures_lite::future::block_on(handle.sleep(std::time::Duration::from_millis(1)));
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn sleep(&self, duration: Duration) -> Sleep {
        self.clone().into_sleep(duration)
    }

    /// `sleep_until`, consuming the handle (one reference count less to
    /// touch on the way to a timer).
    #[inline]
    #[cfg_attr(feature = "tracing", track_caller)]
    pub(crate) fn into_sleep_until(self, deadline: Instant) -> Sleep {
        Sleep::new(self, deadline, false)
    }

    /// `sleep`, consuming the handle.
    #[inline]
    #[cfg_attr(feature = "tracing", track_caller)]
    pub(crate) fn into_sleep(self, duration: Duration) -> Sleep {
        let deadline = self.now().saturating_add(duration);
        Sleep::new(self, deadline, duration.is_zero())
    }
}

/// A future that completes at its deadline; see [`sleep`] and [`sleep_until`].
///
/// The timer lives inside this value (no allocation), so it is `!Unpin`:
/// pin it (`std::pin::pin!`, `Box::pin`) to poll it or to [`reset`](Sleep::reset) it.
/// Each poll spends one unit of the task's cooperative budget.
///
/// ```
/// use std::time::Duration;
///
/// let mut sleep = Box::pin(zokio_time::sleep(Duration::from_millis(2)));
/// assert!(!sleep.is_elapsed());
/// futures_lite::future::block_on(sleep.as_mut());
/// assert!(sleep.is_elapsed());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    shard: u32,
    /// The entry has been armed in shard `shard` and must be unlinked
    /// from it before it drops.
    armed: bool,
    entry: TimerEntry,
    #[cfg(feature = "tracing")]
    trace: crate::sleep_trace::SleepTrace,
}

impl Sleep {
    #[inline]
    #[cfg_attr(feature = "tracing", track_caller)]
    pub(crate) fn new(handle: Handle, deadline: Instant, elapsed: bool) -> Sleep {
        Sleep {
            #[cfg(feature = "tracing")]
            trace: crate::sleep_trace::SleepTrace::new(
                deadline.saturating_duration_since(handle.now()),
            ),
            handle,
            deadline,
            shard: 0,
            armed: false,
            entry: TimerEntry::new(if elapsed { FIRED } else { IDLE }),
        }
    }

    /// When this sleep completes.
    ///
    /// ```
    /// use std::time::Duration;
    /// let deadline = zokio_time::Instant::now() + Duration::from_secs(1);
    /// assert_eq!(zokio_time::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline was reached (the timer fired).
    ///
    /// ```
    /// let sleep = zokio_time::sleep(std::time::Duration::ZERO);
    /// assert!(sleep.is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_fired()
    }

    /// Moves the deadline, whether or not the sleep has completed: it
    /// completes again at `deadline`. Moving it later on an armed timer
    /// takes no lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_time::Instant;
    ///
    /// let mut sleep = Box::pin(zokio_time::sleep(Duration::from_secs(3600)));
    /// let soon = Instant::now() + Duration::from_millis(5);
    /// sleep.as_mut().reset(soon);
    /// futures_lite::future::block_on(sleep.as_mut());
    /// assert!(Instant::now() >= soon);
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        #[cfg(feature = "tracing")]
        self.trace
            .duration(deadline.saturating_duration_since(self.handle.now()));
        // A deadline already reached completes the sleep now, as a new
        // `sleep_until` of it would, instead of waiting for the wheel's next turn.
        if deadline <= self.handle.now() {
            return self.reset_elapsed(deadline);
        }
        // SAFETY: the entry is not moved out; only plain fields are written.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        if !this.armed {
            this.entry.state.store(IDLE, Ordering::Relaxed);
            return;
        }
        let ns = this.handle.inner.deadline_ns(deadline);
        if !this.entry.try_extend(ns) {
            this.handle.inner.rearm(this.shard, &this.entry, ns);
        }
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Completes a sleep that was never armed and whose deadline is at or
    /// before `now`, without going through the wheel.
    pub(crate) fn complete_if_past(self: Pin<&mut Self>) {
        if !self.armed && !self.entry.is_fired() && self.deadline <= self.handle.now() {
            self.entry.state.store(FIRED, Ordering::Relaxed);
        }
    }

    /// Moves the deadline to `deadline`, already past: the sleep is complete,
    /// and leaves the wheel (a burst of missed interval ticks).
    pub(crate) fn reset_elapsed(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: the entry is not moved out; only plain fields are written.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        if this.armed {
            this.handle.inner.disarm(this.shard, &this.entry);
            this.armed = false;
        }
        this.entry.state.store(FIRED, Ordering::Release);
    }

    #[inline]
    fn poll_elapsed(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let progress = ready!(budget::poll_proceed(cx));
        // SAFETY: the entry is never moved out of `this`; it stays pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.armed {
            if this.entry.is_fired() {
                progress.made_progress();
                return Poll::Ready(());
            }
            let inner = &this.handle.inner;
            this.shard = inner.pick_shard();
            this.armed = true;
            let deadline = inner.deadline_ns(this.deadline);
            inner.arm(this.shard, &this.entry, deadline, cx.waker());
            // The waker went in with the entry: whoever fires it wakes it.
            if this.entry.is_fired() {
                progress.made_progress();
                return Poll::Ready(());
            }
            return Poll::Pending;
        }
        if this.entry.is_fired() {
            progress.made_progress();
            return Poll::Ready(());
        }
        this.entry.waker.register(cx.waker());
        // Fired between the check and the registration: the firing thread
        // may have found no waker to wake.
        if this.entry.is_fired() {
            progress.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Future for Sleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The spans are cloned (a reference count each) so the poll can
        // borrow the sleep mutably inside them.
        #[cfg(feature = "tracing")]
        return self.trace.clone().poll(|| self.poll_elapsed(cx));
        #[cfg(not(feature = "tracing"))]
        self.poll_elapsed(cx)
    }
}

impl Drop for Sleep {
    #[inline]
    fn drop(&mut self) {
        if self.armed {
            // The wheel may still point at the entry: unlink it under the
            // lock, which also waits out a firing thread still touching it.
            self.handle.inner.disarm(self.shard, &self.entry);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("elapsed", &self.is_elapsed())
            .finish()
    }
}
