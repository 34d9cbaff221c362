//! `Shared`: what a timer driver and its handles share — the wheel shards,
//! the clock, and the protocol by which arming a timer wakes a parked driver —
//! and [`Handle`], the reference to it that timers hold.
//!
//! The driver publishes where it is in `driver_wake`: busy (arming never
//! needs to wake it), computing its next wake-up (every arm might be too late
//! for it, so arms unpark it), or parked until a deadline (arms of earlier
//! deadlines unpark it). An arm reads the word first and writes it only when
//! its deadline is earlier, so the common case adds no shared write.

mod clock;

use std::cell::Cell;
use std::fmt;
use std::task::Waker;
use std::time::Duration;

use zokio_core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use zokio_core::sync::{Arc, Mutex, MutexGuard};

use crate::entry::{MAX_DEADLINE, TimerEntry};
use crate::instant::Instant;
use crate::wheel::{WakeBatch, Wheel};
use clock::Clock;

thread_local! {
    /// Which shard this thread arms its timers in (`u32::MAX`: not chosen yet).
    static SHARD_HINT: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// The driver is not heading for a park: arming never needs to unpark it.
const DRIVER_BUSY: u64 = 0;
/// The driver is computing its next wake-up: any arm may be too late for it.
const DRIVER_COMPUTING: u64 = u64::MAX;
/// The driver is parked with no deadline.
const DRIVER_PARKED_FOREVER: u64 = u64::MAX - 1;

/// What a handle shares with its driver.
pub(crate) struct Shared {
    shards: Box<[Shard]>,
    pub(crate) clock: Clock,
    /// Where the driver is: `DRIVER_BUSY`, `DRIVER_COMPUTING`, or parked until
    /// this deadline (ns). Arming an earlier timer unparks it.
    driver_wake: AtomicU64,
    /// Set by every unpark, so a paused clock only auto-advances when the
    /// driver's thread really had nothing to do.
    pub(crate) woken: AtomicBool,
    /// Timers fired so far. Written only by the thread that holds the
    /// driver (a load and a store), read by [`Handle::metrics`].
    fired: AtomicU64,
    unpark: Box<dyn Fn() + Send + Sync>,
}

/// One lock and its wheel, on its own cache lines so shards do not share them.
#[repr(align(128))]
struct Shard {
    wheel: Mutex<Wheel>,
}

#[inline]
fn lock(shard: &Shard) -> MutexGuard<'_, Wheel> {
    // No code outside this crate runs under the lock (wakers are stored
    // before it is taken and woken after it is released), so only a bug in
    // the wheel could poison it; then carrying on is no worse than making
    // every later timer operation in the process panic.
    shard.wheel.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(shards: usize, unpark: Box<dyn Fn() + Send + Sync>) -> Shared {
        Shared {
            shards: (0..shards.max(1))
                .map(|_| Shard {
                    wheel: Mutex::new(Wheel::new()),
                })
                .collect(),
            clock: Clock::new(),
            driver_wake: AtomicU64::new(DRIVER_BUSY),
            woken: AtomicBool::new(false),
            fired: AtomicU64::new(0),
            unpark,
        }
    }

    /// `deadline` as stored in an entry: ns since the driver started, at
    /// least 1 (0 is never a deadline, see `DRIVER_BUSY`), clamped.
    #[inline]
    pub(crate) fn deadline_ns(&self, deadline: Instant) -> u64 {
        let since = deadline
            .into_std()
            .saturating_duration_since(self.clock.base());
        let ns = since
            .as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(since.subsec_nanos()));
        ns.clamp(1, MAX_DEADLINE)
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.deadline_ns(self.clock.now())
    }

    /// The shard this thread arms timers in.
    #[inline]
    pub(crate) fn pick_shard(&self) -> u32 {
        let n = self.shards.len() as u32;
        if n == 1 {
            return 0;
        }
        let hint = SHARD_HINT
            .try_with(|hint| {
                if hint.get() == u32::MAX {
                    hint.set(next_shard_hint());
                }
                hint.get()
            })
            .unwrap_or(0);
        hint % n
    }

    #[inline]
    fn shard(&self, index: u32) -> MutexGuard<'_, Wheel> {
        lock(&self.shards[index as usize])
    }

    /// Arms `entry` (unlinked, pinned, never seen by another thread since it
    /// was last unlinked) at `deadline` in shard `shard`, with `waker` to wake.
    #[inline]
    pub(crate) fn arm(&self, shard: u32, entry: &TimerEntry, deadline: u64, waker: &Waker) {
        // Unlinking and taking wakers both happen under the shard lock, so
        // no take is in progress either.
        // SAFETY: the caller guarantees the entry is not linked in any wheel,
        // so no other thread reaches its waker slot until the lock publishes it.
        unsafe { entry.waker.store_exclusive(waker) };
        let mut wheel = self.shard(shard);
        if wheel.is_shutdown() {
            entry.fire_now();
            return;
        }
        // A deadline already reached completes the timer in the poll that
        // arms it, as in Tokio, rather than on the driver's next turn. Only
        // a deadline near the wheel's last turn costs a clock read: one
        // further out was in the future then (most deadlines, as a timeout
        // armed seconds ahead), and the wheel files it as any other.
        if wheel.may_be_due(deadline) && deadline <= self.now_ns() {
            drop(wheel);
            entry.fire_now();
            // Nothing will wake this waker; taken back (and dropped with no
            // lock held) so that a later re-arm of the entry cannot wake the
            // task for a poll that already returned `Ready`.
            drop(entry.waker.take());
            return;
        }
        entry.state.store(deadline, Ordering::Relaxed);
        wheel.insert(entry, deadline);
        drop(wheel);
        self.notify_driver(deadline);
    }

    /// Moves `entry`, armed before in `shard`, to `deadline` (the slow path
    /// of a reset: earlier, or after it fired).
    #[inline]
    pub(crate) fn rearm(&self, shard: u32, entry: &TimerEntry, deadline: u64) {
        let mut wheel = self.shard(shard);
        wheel.remove(entry);
        if wheel.is_shutdown() {
            entry.fire_now();
            return;
        }
        entry.state.store(deadline, Ordering::Release);
        wheel.insert(entry, deadline);
        drop(wheel);
        self.notify_driver(deadline);
    }

    /// Unlinks `entry` from `shard` if it is still there (a cancel).
    #[inline]
    pub(crate) fn disarm(&self, shard: u32, entry: &TimerEntry) {
        self.shard(shard).remove(entry);
    }

    /// Unparks the driver if it is parked until later than `deadline`.
    #[inline]
    fn notify_driver(&self, deadline: u64) {
        // Reading first keeps the common case (driver busy, or waking
        // earlier anyway) free of writes to this shared line.
        if self.driver_wake.load(Ordering::SeqCst) > deadline
            && self.driver_wake.fetch_min(deadline, Ordering::SeqCst) > deadline
        {
            self.unpark();
        }
    }

    pub(crate) fn unpark(&self) {
        self.woken.store(true, Ordering::Release);
        (self.unpark)();
    }

    /// Called by the driver before it parks: publishes that it is about to
    /// park and returns the earliest deadline (ns) in any shard.
    pub(crate) fn begin_park(&self) -> Option<u64> {
        self.driver_wake.store(DRIVER_COMPUTING, Ordering::SeqCst);
        self.shards.iter().filter_map(|s| lock(s).next_wake()).min()
    }

    /// Called by the driver once it knows how long it parks: `wake_at` (ns)
    /// or `None` for no limit. A timer armed since `begin_park` with an
    /// earlier deadline has unparked (or will unpark) the driver.
    pub(crate) fn commit_park(&self, wake_at: Option<u64>) {
        let wake_at = wake_at.map_or(DRIVER_PARKED_FOREVER, |w| w.clamp(1, MAX_DEADLINE));
        self.driver_wake.fetch_min(wake_at, Ordering::SeqCst);
    }

    /// Called by the driver when its park returned.
    pub(crate) fn end_park(&self) {
        self.driver_wake.store(DRIVER_BUSY, Ordering::SeqCst);
    }

    /// Timers armed in any shard.
    pub(crate) fn armed_timers(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Fires every timer due at `now` (ns), waking their tasks with no lock held.
    pub(crate) fn process(&self, now: u64) {
        let mut batch = WakeBatch::new();
        let mut fired = 0;
        for shard in self.shards.iter() {
            loop {
                let done = lock(shard).process(now, &mut batch);
                fired += batch.len() as u64;
                batch.wake_all();
                if done {
                    break;
                }
            }
        }
        if fired > 0 {
            self.fired.store(
                self.fired.load(Ordering::Relaxed) + fired,
                Ordering::Relaxed,
            );
        }
    }

    /// Fires every timer and refuses new ones: the driver is shutting down.
    pub(crate) fn shutdown(&self) {
        let mut batch = WakeBatch::new();
        for shard in self.shards.iter() {
            loop {
                let done = lock(shard).fire_all(&mut batch);
                batch.wake_all();
                if done {
                    break;
                }
            }
        }
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
/// assert!(Handle::try_current().is_err());
/// let guard = driver.handle().enter();
/// assert!(Handle::try_current().is_ok());
/// drop(guard);
/// assert!(Handle::try_current().is_err());
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Shared>,
}

/// A timer driver's counters, from [`Handle::metrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeMetrics {
    /// Timers in the wheel now (armed and not yet fired or dropped).
    pub armed: usize,
    /// Timers fired so far, up to the driver's last turn.
    pub fired: u64,
}

impl Handle {
    /// The driver's counters now: timers armed, timers fired.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_core::{Driver, ThreadParker};
    /// use zokio_time::TimeDriver;
    ///
    /// let mut driver = TimeDriver::new(ThreadParker::new());
    /// let handle = driver.handle();
    /// let _entered = handle.enter();
    /// let mut sleep = Box::pin(zokio_time::sleep(Duration::from_millis(1)));
    /// let waker = std::task::Waker::noop();
    /// assert!(sleep.as_mut().poll(&mut std::task::Context::from_waker(waker)).is_pending());
    /// assert_eq!(handle.metrics().armed, 1);
    /// std::thread::sleep(Duration::from_millis(2));
    /// driver.park(Some(Duration::ZERO));
    /// assert_eq!(handle.metrics().fired, 1);
    /// # use std::future::Future;
    /// ```
    pub fn metrics(&self) -> TimeMetrics {
        TimeMetrics {
            armed: self.inner.armed_timers(),
            fired: self.inner.fired.load(Ordering::Relaxed),
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

    /// Pauses this handle's clock (see [`clock`](crate::clock)).
    ///
    /// # Panics
    ///
    /// If this clock may not be paused ([`refuse_pause`](Handle::refuse_pause)
    /// was called: a multi-thread Zokio runtime does), with the reason given.
    /// [`try_pause`](Handle::try_pause) returns it instead.
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
    #[track_caller]
    pub fn pause(&self) {
        if let Err(reason) = self.try_pause() {
            panic!("{reason}");
        }
    }

    /// Pauses this handle's clock, or returns why it may not be paused.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let handle = driver.handle();
    /// assert!(handle.try_pause().is_ok());
    /// handle.resume();
    /// handle.refuse_pause("not on this driver");
    /// assert_eq!(handle.try_pause(), Err("not on this driver"));
    /// assert!(!handle.is_paused());
    /// ```
    pub fn try_pause(&self) -> Result<(), &'static str> {
        self.inner.clock.pause()
    }

    /// Makes every later pause of this clock fail with `reason`
    /// ([`pause`](Handle::pause) panics with it, [`try_pause`](Handle::try_pause)
    /// returns it); a clock paused already stays paused. Auto-advance is
    /// only sound when the thread that parks the driver knows no other
    /// thread is running tasks, so a runtime whose threads share one clock
    /// without that knowledge (Zokio's multi-thread runtime) refuses pausing
    /// this way, as Tokio's does.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// driver.handle().refuse_pause("this clock cannot be paused");
    /// assert!(driver.handle().try_pause().is_err());
    /// ```
    pub fn refuse_pause(&self, reason: &'static str) {
        self.inner.clock.refuse_pause(reason);
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

/// Hands threads consecutive shard numbers, so that `n` workers of a
/// runtime with `n` shards each get their own.
fn next_shard_hint() -> u32 {
    // A plain counter read once per thread, not a synchronisation protocol:
    // std's atomic (loom's cannot live in a `static`).
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % (u32::MAX - 1)
}
