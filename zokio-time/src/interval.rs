//! `Interval`: ticks at a fixed period.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::error::ZeroPeriod;
use crate::instant::Instant;
use crate::shared::Handle;
use crate::sleep::Sleep;

/// What an [`Interval`] does when a tick is late: seen more than 5 ms after
/// it was due (as in Tokio; within that the schedule is kept as it is).
///
/// ```
/// use zokio_time::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one per `tick`, until caught up; the
    /// schedule stays `start + n * period`. The default.
    #[default]
    Burst,
    /// Restart the schedule from now: the next tick is a period after the
    /// late one was seen.
    Delay,
    /// Drop the missed ticks and fire at the next `start + n * period`
    /// still in the future.
    Skip,
}

/// How late a tick may be seen and still count as on time: within this of
/// its deadline the next tick stays a period after it, whatever the
/// behavior (Tokio's rule; it absorbs the timer's own lateness).
const ON_TIME_SLACK: Duration = Duration::from_millis(5);

impl MissedTickBehavior {
    /// The deadline after a tick that was due at `due` and seen at `now`,
    /// with Tokio's arithmetic.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        if now <= due.saturating_add(ON_TIME_SLACK) {
            return due.saturating_add(period);
        }
        match self {
            MissedTickBehavior::Burst => due.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                // `late % period` is below `period`, so it fits a u64 of ns.
                let into_period = ((now - due).as_nanos() % period.as_nanos()) as u64;
                now.saturating_add(period - Duration::from_nanos(into_period))
            }
        }
    }
}

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero (an interval that never waits would hang its task);
/// [`try_interval`] returns an error instead.
///
/// ```
/// use std::time::Duration;
///
/// futures_lite::future::block_on(async {
///     let mut ticks = zokio_time::interval(Duration::from_millis(2));
///     let first = ticks.tick().await;
///     let second = ticks.tick().await;
///     assert_eq!(second - first, Duration::from_millis(2));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    match try_interval(period) {
        Ok(interval) => interval,
        Err(e) => panic!("zokio_time::interval: {e}"),
    }
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero; [`try_interval_at`] returns an error instead.
///
/// ```
/// use std::time::Duration;
/// use zokio_time::Instant;
///
/// let start = Instant::now() + Duration::from_millis(3);
/// let mut ticks = zokio_time::interval_at(start, Duration::from_secs(1));
/// assert_eq!(futures_lite::future::block_on(ticks.tick()), start);
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    match try_interval_at(start, period) {
        Ok(interval) => interval,
        Err(e) => panic!("zokio_time::interval_at: {e}"),
    }
}

/// Like [`interval`], but a zero period is an error, not a panic.
///
/// ```
/// use std::time::Duration;
/// assert!(zokio_time::try_interval(Duration::ZERO).is_err());
/// assert!(zokio_time::try_interval(Duration::from_millis(1)).is_ok());
/// ```
pub fn try_interval(period: Duration) -> Result<Interval, ZeroPeriod> {
    let handle = Handle::current();
    let start = handle.now();
    Interval::new(handle, start, period)
}

/// Like [`interval_at`], but a zero period is an error, not a panic.
///
/// ```
/// use std::time::Duration;
/// use zokio_time::Instant;
/// assert!(zokio_time::try_interval_at(Instant::now(), Duration::ZERO).is_err());
/// ```
pub fn try_interval_at(start: Instant, period: Duration) -> Result<Interval, ZeroPeriod> {
    Interval::new(Handle::current(), start, period)
}

/// Ticks at a fixed period; see [`interval`].
///
/// Each tick resolves to the instant it was scheduled for (not when it was
/// seen). The timer is a boxed [`Sleep`], allocated once per interval.
///
/// ```
/// use std::time::Duration;
///
/// let mut ticks = zokio_time::interval(Duration::from_millis(1));
/// assert_eq!(ticks.period(), Duration::from_millis(1));
/// futures_lite::future::block_on(ticks.tick());
/// ```
pub struct Interval {
    sleep: Pin<Box<Sleep>>,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    fn new(handle: Handle, start: Instant, period: Duration) -> Result<Interval, ZeroPeriod> {
        if period.is_zero() {
            return Err(ZeroPeriod::new());
        }
        Ok(Interval {
            sleep: Box::pin(handle.into_sleep_until(start)),
            period,
            missed: MissedTickBehavior::default(),
        })
    }

    /// Waits for the next tick and returns when it was scheduled.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut ticks = zokio_time::interval(Duration::from_millis(1));
    /// futures_lite::future::block_on(async {
    ///     for _ in 0..3 {
    ///         ticks.tick().await;
    ///     }
    /// });
    /// ```
    pub fn tick(&mut self) -> impl Future<Output = Instant> + '_ {
        poll_fn(move |cx| self.poll_tick(cx))
    }

    /// Polls for the next tick; wakes the task when it is due.
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// use std::time::Duration;
    ///
    /// let mut ticks = zokio_time::interval(Duration::from_secs(60));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(ticks.poll_tick(&mut cx).is_ready(), "the first tick is at once");
    /// assert!(ticks.poll_tick(&mut cx).is_pending());
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        // A first tick at a start already past completes at once.
        self.sleep.as_mut().complete_if_past();
        ready!(self.sleep.as_mut().poll(cx));
        let due = self.sleep.deadline();
        let now = self.sleep.handle().now();
        let next = self.missed.next(due, now, self.period);
        if next <= now {
            // A missed tick of a burst: due already, no need for the wheel.
            self.sleep.as_mut().reset_elapsed(next);
        } else {
            self.sleep.as_mut().reset(next);
        }
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is a period from now.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut ticks = zokio_time::interval(Duration::from_secs(60));
    /// ticks.reset();
    /// assert!(ticks.next_tick() > zokio_time::Instant::now());
    /// ```
    pub fn reset(&mut self) {
        let next = self.sleep.handle().now().saturating_add(self.period);
        self.sleep.as_mut().reset(next);
    }

    /// Restarts the schedule from now: the next tick is at once, the one
    /// after a period later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures_lite::future::block_on;
    ///
    /// let mut ticks = zokio_time::interval(Duration::from_secs(60));
    /// block_on(ticks.tick()); // the first tick, at once
    /// ticks.reset_immediately();
    /// let t = block_on(ticks.tick()); // at once again
    /// assert_eq!(ticks.next_tick(), t + Duration::from_secs(60));
    /// ```
    pub fn reset_immediately(&mut self) {
        let now = self.sleep.handle().now();
        self.sleep.as_mut().reset(now);
    }

    /// Restarts the schedule so that the next tick is `after` from now, the
    /// ones after it a period apart.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_time::Instant;
    ///
    /// let mut ticks = zokio_time::interval(Duration::from_secs(60));
    /// let before = Instant::now();
    /// ticks.reset_after(Duration::from_secs(5));
    /// assert!(ticks.next_tick() >= before + Duration::from_secs(5));
    /// assert!(ticks.next_tick() < before + Duration::from_secs(60));
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        let next = self.sleep.handle().now().saturating_add(after);
        self.sleep.as_mut().reset(next);
    }

    /// Restarts the schedule so that the next tick is at `deadline`, the
    /// ones after it a period apart. A deadline already past ticks at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_time::Instant;
    ///
    /// let mut ticks = zokio_time::interval(Duration::from_secs(60));
    /// let at = Instant::now() + Duration::from_secs(90);
    /// ticks.reset_at(at);
    /// assert_eq!(ticks.next_tick(), at);
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.sleep.as_mut().reset(deadline);
    }

    /// When the next tick is due.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_time::Instant;
    /// let start = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(zokio_time::interval_at(start, Duration::from_secs(1)).next_tick(), start);
    /// ```
    pub fn next_tick(&self) -> Instant {
        self.sleep.deadline()
    }

    /// The period.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(zokio_time::interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    ///
    /// ```
    /// use zokio_time::MissedTickBehavior;
    /// let ticks = zokio_time::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what happens to missed ticks.
    ///
    /// ```
    /// use zokio_time::MissedTickBehavior;
    /// let mut ticks = zokio_time::interval(std::time::Duration::from_secs(1));
    /// ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next_tick", &self.next_tick())
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn missed_tick_policies() {
        let t0 = Instant::now();
        let p = Duration::from_millis(10);
        let on_time = t0 + Duration::from_millis(3);
        for b in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            assert_eq!(b.next(t0, on_time, p), t0 + p, "{b:?} on time");
        }
        let late = t0 + Duration::from_millis(35);
        assert_eq!(MissedTickBehavior::Burst.next(t0, late, p), t0 + p);
        assert_eq!(MissedTickBehavior::Delay.next(t0, late, p), late + p);
        assert_eq!(
            MissedTickBehavior::Skip.next(t0, late, p),
            t0 + Duration::from_millis(40)
        );
        // Within Tokio's 5 ms of slack a tick is on time, even a period late.
        let p = Duration::from_millis(2);
        let slack = t0 + Duration::from_millis(5);
        for b in [MissedTickBehavior::Delay, MissedTickBehavior::Skip] {
            assert_eq!(b.next(t0, slack, p), t0 + p, "{b:?} within the slack");
        }
        let past_slack = t0 + Duration::from_millis(6);
        assert_eq!(
            MissedTickBehavior::Delay.next(t0, past_slack, p),
            past_slack + p
        );
        assert_eq!(
            MissedTickBehavior::Skip.next(t0, past_slack, p),
            t0 + Duration::from_millis(8)
        );
    }
}

/// An interval is a stream of its ticks; it never ends.
///
/// ```
/// use futures_lite::StreamExt;
/// use std::time::Duration;
///
/// futures_lite::future::block_on(async {
///     let ticks: Vec<_> = zokio_time::interval(Duration::from_millis(1)).take(3).collect().await;
///     assert_eq!(ticks.len(), 3);
///     assert!(ticks.windows(2).all(|w| w[0] < w[1]));
/// });
/// ```
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
