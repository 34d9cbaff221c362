//! `Instant`: a point in time as the timers see it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of a monotonic clock, as timers see it.
///
/// The same as [`std::time::Instant`], except that [`Instant::now`] follows
/// the test clock of the current timer [`Handle`](crate::Handle) when that clock has been
/// paused or advanced (see [`clock`](crate::clock)).
///
/// ```
/// use std::time::Duration;
/// use zokio_time::Instant;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later - start, Duration::from_millis(5));
/// assert_eq!(start.saturating_duration_since(later), Duration::ZERO);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// Wraps a `std` instant.
    ///
    /// ```
    /// let std_now = std::time::Instant::now();
    /// assert_eq!(zokio_time::Instant::from_std(std_now).into_std(), std_now);
    /// ```
    pub const fn from_std(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }

    /// The `std` instant this wraps.
    pub const fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = zokio_time::Instant::now();
    /// assert_eq!((a + Duration::from_secs(2)).duration_since(a), Duration::from_secs(2));
    /// assert_eq!(a.duration_since(a + Duration::from_secs(2)), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = zokio_time::Instant::now();
    /// let b = a + Duration::from_secs(1);
    /// assert_eq!(b.checked_duration_since(a), Some(Duration::from_secs(1)));
    /// assert_eq!(a.checked_duration_since(b), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time since `self`, by [`Instant::now`].
    ///
    /// ```
    /// let start = zokio_time::Instant::now();
    /// assert!(start.elapsed() < std::time::Duration::from_secs(3600));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = zokio_time::Instant::now();
    /// assert!(a.checked_add(Duration::from_secs(1)).is_some());
    /// assert!(a.checked_add(Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` on underflow.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = zokio_time::Instant::now();
    /// assert_eq!(a.checked_sub(Duration::ZERO), Some(a));
    /// assert!(a.checked_sub(Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }

    /// `self + duration`, or a point about 30 years later when that overflows:
    /// what a timer means by "never" (the wheel clamps it, see the crate docs).
    #[inline]
    pub(crate) fn saturating_add(&self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .or_else(|| self.checked_add(FAR_FUTURE))
            .unwrap_or(*self)
    }
}

/// How far "never" is: beyond the wheel's range, and safe to add to any
/// `Instant` a program sees.
pub(crate) const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

impl From<std::time::Instant> for Instant {
    fn from(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0 + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.0 += rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, rhs: Duration) -> Instant {
        Instant(self.0 - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        self.0 -= rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates at zero, like [`Instant::duration_since`].
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
