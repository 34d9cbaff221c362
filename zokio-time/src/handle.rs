//! `Handle`: a reference to one timer driver's wheel and clock, and the
//! per-thread "current handle" through which `sleep` finds it.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use zokio_core::context::{self, Slot, SlotGuard};
use zokio_core::sync::Arc;
use zokio_core::{Driver, ThreadParker};

use crate::driver::TimeDriver;
use crate::instant::Instant;
use crate::shared::Shared;
use crate::sleep::Sleep;

thread_local! {
    static CURRENT: Slot<Handle> = const { Slot::new() };
    /// Why this thread must not fall back to the background timer thread.
    static DISABLED: Slot<&'static str> = const { Slot::new() };
}

/// Keeps a thread's timers disabled; see [`disable_background`].
#[must_use = "the thread may use the background timer again when the guard is dropped"]
pub struct DisabledGuard {
    _slot: SlotGuard<&'static str>,
}

impl fmt::Debug for DisabledGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisabledGuard")
    }
}

/// Makes [`Handle::current`] (and so `sleep`, `timeout`, `interval`) on this
/// thread panic with `reason` instead of falling back to the background timer
/// thread, until the guard is dropped. A runtime built without timers does
/// this on its threads, so that a timer used there names the missing setting
/// rather than silently running elsewhere. A handle entered later still wins.
///
/// ```
/// let _off = zokio_time::disable_background("timers are off here");
/// let err = std::panic::catch_unwind(|| zokio_time::sleep(std::time::Duration::from_millis(1)));
/// assert!(err.is_err());
/// ```
pub fn disable_background(reason: &'static str) -> DisabledGuard {
    DisabledGuard {
        _slot: context::enter(&DISABLED, reason),
    }
}

/// A cheap, cloneable reference to a timer driver: its wheel and its clock.
///
/// Timers find their handle through the thread's context: a runtime
/// [`enter`](Handle::enter)s its handle on each worker, and [`sleep`],
/// [`timeout`] and [`interval`] use [`Handle::current`]. With no handle
/// entered, they use the process-wide background timer thread.
///
/// [`sleep`]: crate::sleep()
/// [`timeout`]: crate::timeout()
/// [`interval`]: crate::interval()
///
/// ```
/// use std::time::Duration;
/// use zokio_core::ThreadParker;
/// use zokio_time::{Handle, TimeDriver};
///
/// let driver = TimeDriver::new(ThreadParker::new());
/// assert!(Handle::try_current().is_none());
/// let guard = driver.handle().enter();
/// assert!(Handle::try_current().is_some());
/// drop(guard);
/// assert!(Handle::try_current().is_none());
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Shared>,
}

/// Restores the previously entered handle when dropped; see [`Handle::enter`].
///
/// ```
/// use zokio_core::ThreadParker;
/// use zokio_time::{Handle, TimeDriver};
///
/// let driver = TimeDriver::new(ThreadParker::new());
/// let guard: zokio_time::EnterGuard = driver.handle().enter();
/// drop(guard);
/// assert!(Handle::try_current().is_none());
/// ```
#[must_use = "the handle is left when the guard is dropped"]
pub struct EnterGuard {
    _guard: SlotGuard<Handle>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

impl Handle {
    /// The handle entered on this thread, or the background timer thread's
    /// (started on first use) when there is none.
    ///
    /// # Panics
    ///
    /// On a thread marked with [`disable_background`], with its reason.
    ///
    /// ```
    /// let handle = zokio_time::Handle::current(); // the background one here
    /// assert!(!handle.is_paused());
    /// ```
    #[inline]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => match DISABLED.try_with(Slot::get).ok().flatten() {
                Some(reason) => panic!("{reason}"),
                None => background(),
            },
        }
    }

    /// The handle entered on this thread, if any.
    ///
    /// ```
    /// assert!(zokio_time::Handle::try_current().is_none());
    /// ```
    #[inline]
    pub fn try_current() -> Option<Handle> {
        CURRENT.try_with(Slot::get).ok().flatten()
    }

    /// The current time by the entered handle's clock, without cloning it.
    pub(crate) fn now_in_context() -> Option<Instant> {
        CURRENT
            .try_with(|slot| slot.with(|handle| handle.map(Handle::now)))
            .ok()
            .flatten()
    }

    /// Makes this the current handle on this thread until the guard drops.
    /// Guards nest.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// use zokio_time::{Handle, TimeDriver};
    ///
    /// let driver = TimeDriver::new(ThreadParker::new());
    /// let _guard = driver.handle().enter();
    /// assert!(Handle::try_current().is_some());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _guard: context::enter(&CURRENT, self.clone()),
        }
    }

    /// The current time by this handle's clock.
    ///
    /// ```
    /// let handle = zokio_time::Handle::current();
    /// assert!(handle.now() <= zokio_time::Instant::now());
    /// ```
    #[inline]
    pub fn now(&self) -> Instant {
        self.inner.clock.now()
    }

    /// A [`Sleep`] on this handle that completes at `deadline`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let handle = zokio_time::Handle::current();
    /// let sleep = handle.sleep_until(handle.now() + Duration::from_millis(1));
    /// futures_lite::future::block_on(sleep);
    /// ```
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        self.clone().into_sleep_until(deadline)
    }

    /// A [`Sleep`] on this handle that completes after `duration`.
    ///
    /// ```
    /// let handle = zokio_time::Handle::current();
    /// futures_lite::future::block_on(handle.sleep(std::time::Duration::from_millis(1)));
    /// ```
    pub fn sleep(&self, duration: Duration) -> Sleep {
        self.clone().into_sleep(duration)
    }

    /// `sleep_until`, consuming the handle (one reference count less to
    /// touch on the way to a timer).
    #[inline]
    pub(crate) fn into_sleep_until(self, deadline: Instant) -> Sleep {
        Sleep::new(self, deadline, false)
    }

    /// `sleep`, consuming the handle.
    #[inline]
    pub(crate) fn into_sleep(self, duration: Duration) -> Sleep {
        let deadline = self.now().saturating_add(duration);
        Sleep::new(self, deadline, duration.is_zero())
    }

    /// Pauses this handle's clock (see [`clock`](crate::clock)).
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let handle = driver.handle();
    /// handle.pause();
    /// let t = handle.now();
    /// std::thread::sleep(std::time::Duration::from_millis(2));
    /// assert_eq!(handle.now(), t);
    /// ```
    pub fn pause(&self) {
        self.inner.clock.pause();
    }

    /// Lets this handle's clock run again from where it stands.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let handle = driver.handle();
    /// handle.pause();
    /// handle.resume();
    /// assert!(!handle.is_paused());
    /// ```
    pub fn resume(&self) {
        self.inner.clock.resume();
    }

    /// Whether this handle's clock is paused.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// assert!(!driver.handle().is_paused());
    /// driver.handle().pause();
    /// assert!(driver.handle().is_paused());
    /// ```
    pub fn is_paused(&self) -> bool {
        self.inner.clock.is_paused()
    }

    /// Moves this handle's clock forward by `duration` and fires, on the
    /// calling thread, every timer that became due.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let handle = driver.handle();
    /// handle.pause();
    /// let t = handle.now();
    /// handle.advance(Duration::from_secs(5));
    /// assert_eq!(handle.now() - t, Duration::from_secs(5));
    /// ```
    pub fn advance(&self, duration: Duration) {
        self.inner.clock.advance(duration);
        self.inner.process(self.inner.now_ns());
    }

    /// How many timers are armed in this handle's wheel: polled at least
    /// once, neither fired nor dropped. For metrics and leak checks.
    ///
    /// ```
    /// assert_eq!(zokio_time::Handle::current().armed_timers(), 0);
    /// ```
    pub fn armed_timers(&self) -> usize {
        self.inner.armed_timers()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("shards", &self.inner.shard_count())
            .finish_non_exhaustive()
    }
}

/// The process-wide background timer: a `TimeDriver<ThreadParker>` parked in
/// a loop on its own thread, started on first use.
fn background() -> Handle {
    static BACKGROUND: OnceLock<Handle> = OnceLock::new();
    BACKGROUND
        .get_or_init(|| {
            let mut driver = TimeDriver::new(ThreadParker::new());
            driver.set_auto_advance(false);
            let handle = driver.handle();
            std::thread::Builder::new()
                .name("zokio-timer".into())
                .spawn(move || {
                    loop {
                        driver.park(None);
                    }
                })
                .unwrap_or_else(|e| {
                    panic!("zokio-time: could not start the background timer thread: {e}")
                });
            handle
        })
        .clone()
}
