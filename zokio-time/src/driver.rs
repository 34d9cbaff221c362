//! `TimeDriver<D>`: a `Driver` that wraps another and fires timers.

use std::fmt;
use std::time::Duration;

use zokio_core::blocking::BlockingHandle;
use zokio_core::context;
use zokio_core::sync::Arc;
use zokio_core::sync::atomic::Ordering;
use zokio_core::{Driver, Unpark};

use crate::shared::{Handle, Shared};

/// More shards than this only lengthen the scan a parking driver makes.
const MAX_DEFAULT_SHARDS: usize = 16;

/// Wraps any [`Driver`] (a thread parker, an I/O reactor) and adds timers.
///
/// `park` parks the inner driver for the shorter of the caller's timeout and
/// the time to the next deadline, then fires every timer that expired. Its
/// unparker forwards to the inner driver's. Timers are armed through its
/// [`Handle`], from any thread.
///
/// Dropping the driver, or calling [`Driver::shutdown`], fires every armed
/// timer so that no task stays blocked on one; timers armed afterwards
/// complete at once.
///
/// ```
/// use std::time::Duration;
/// use zokio_core::{Driver, ThreadParker};
/// use zokio_time::TimeDriver;
///
/// let mut driver = TimeDriver::new(ThreadParker::new());
/// let handle = driver.handle();
/// let mut sleep = std::pin::pin!(handle.sleep(Duration::from_millis(5)));
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// while sleep.as_mut().poll(&mut cx).is_pending() {
///     driver.park(None); // returns once the timer fired
/// }
/// # use std::future::Future;
/// ```
pub struct TimeDriver<D: Driver> {
    inner: D,
    handle: Handle,
    auto_advance: bool,
}

/// The unparker of a [`TimeDriver`]: unparks the inner driver.
///
/// ```
/// use zokio_core::{Driver, ThreadParker, Unpark};
///
/// let mut driver = zokio_time::TimeDriver::new(ThreadParker::new());
/// let unparker = driver.unparker();
/// std::thread::spawn(move || unparker.unpark());
/// driver.park(None); // returns once unparked
/// ```
#[derive(Clone)]
pub struct TimeUnparker<U> {
    inner: U,
    shared: Arc<Shared>,
}

impl<D: Driver> TimeDriver<D> {
    /// A timer driver around `inner`, with one wheel shard per available
    /// CPU (see the crate docs for why it is sharded). A runtime that knows
    /// its worker count can pass it to [`with_shards`](TimeDriver::with_shards).
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let _guard = driver.handle().enter();
    /// ```
    pub fn new(inner: D) -> TimeDriver<D> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        TimeDriver::with_shards(inner, cpus.min(MAX_DEFAULT_SHARDS))
    }

    /// A timer driver around `inner` whose timers are spread over `shards`
    /// wheels, each with its own lock, chosen by the arming thread (0 is
    /// taken as 1). More shards cut lock contention between threads that arm
    /// and cancel timers at once, at the cost of a longer scan when parking.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let driver = zokio_time::TimeDriver::with_shards(ThreadParker::new(), 4);
    /// assert_eq!(driver.handle().armed_timers(), 0);
    /// ```
    pub fn with_shards(inner: D, shards: usize) -> TimeDriver<D> {
        let unparker = inner.unparker();
        let shared = Arc::new(Shared::new(shards, Box::new(move || unparker.unpark())));
        TimeDriver {
            inner,
            handle: Handle { inner: shared },
            auto_advance: true,
        }
    }

    /// The handle through which timers use this driver.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// The wrapped driver.
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let mut driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// let _parker: &ThreadParker = driver.inner();
    /// let _parker: &mut ThreadParker = driver.inner_mut();
    /// ```
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped driver, mutably.
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// Whether a paused clock jumps to the next deadline when this driver
    /// parks with nothing else to do (on by default; see [`clock`](crate::clock)).
    ///
    /// ```
    /// use zokio_core::ThreadParker;
    /// let mut driver = zokio_time::TimeDriver::new(ThreadParker::new());
    /// driver.set_auto_advance(false);
    /// ```
    pub fn set_auto_advance(&mut self, on: bool) {
        self.auto_advance = on;
    }
}

impl<D: Driver> TimeDriver<D> {
    /// Parks the inner driver (asking it for wake origins if `origins`) for
    /// the shorter of `timeout` and the time to the next deadline, then fires
    /// what expired.
    #[inline]
    fn park_inner(&mut self, timeout: Option<Duration>, origins: bool) {
        let shared = &*self.handle.inner;
        let next = shared.begin_park();
        let now = shared.now_ns();
        let until_next = next.map(|next| Duration::from_nanos(next.saturating_sub(now)));
        let wait = match (timeout, until_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        shared.commit_park(wait.map(|w| now.saturating_add(duration_ns(w))));
        let mut park_inner = |timeout| match origins {
            true => self.inner.park_with_origins(timeout),
            false => self.inner.park(timeout),
        };
        if self.auto_advance && shared.clock.is_paused() && !blocking_jobs_in_flight() {
            match wait {
                Some(wait) if !wait.is_zero() && next.is_some() => {
                    shared.woken.store(false, Ordering::Release);
                    park_inner(Some(Duration::ZERO));
                    if !shared.woken.swap(false, Ordering::AcqRel) {
                        // Nothing else happened: jump to the deadline.
                        shared.clock.advance(wait);
                    }
                }
                _ => park_inner(wait),
            }
        } else if self.auto_advance && shared.clock.is_paused() {
            // Held by a blocking job, whose end wakes nobody if its handle is
            // not awaited: look again soon rather than sleep the paused span.
            park_inner(Some(
                wait.map_or(HELD_CLOCK_RECHECK, |w| w.min(HELD_CLOCK_RECHECK)),
            ));
        } else {
            park_inner(wait);
        }
        shared.end_park();
        shared.process(shared.now_ns());
    }
}

impl<D: Driver> Driver for TimeDriver<D> {
    type Unparker = TimeUnparker<D::Unparker>;

    #[inline]
    fn park(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, false);
    }

    /// Parks the inner driver with [`park_with_origins`](Driver::park_with_origins),
    /// so its wakes say where their data arrived; timers have no origin.
    #[inline]
    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, true);
    }

    fn unparker(&self) -> TimeUnparker<D::Unparker> {
        TimeUnparker {
            inner: self.inner.unparker(),
            shared: self.handle.inner.clone(),
        }
    }

    /// Fires every armed timer (their tasks are woken and see them elapsed),
    /// then shuts the inner driver down.
    fn shutdown(&mut self) {
        self.handle.inner.shutdown();
        self.inner.shutdown();
    }
}

impl<D: Driver> Drop for TimeDriver<D> {
    fn drop(&mut self) {
        self.handle.inner.shutdown();
    }
}

impl<D: Driver + fmt::Debug> fmt::Debug for TimeDriver<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeDriver")
            .field("inner", &self.inner)
            .field("handle", &self.handle)
            .finish()
    }
}

impl<U: Unpark> Unpark for TimeUnparker<U> {
    fn unpark(&self) {
        self.shared.woken.store(true, Ordering::Release);
        self.inner.unpark();
    }
}

impl<U: fmt::Debug> fmt::Debug for TimeUnparker<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeUnparker")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// Whether the runtime current on this thread has blocking jobs running: a
/// paused clock then holds still (the park waits for real, and the job's
/// completion unparks it) instead of jumping past what the job would do.
/// How often a paused clock held by blocking jobs looks whether they ended.
const HELD_CLOCK_RECHECK: Duration = Duration::from_millis(1);

fn blocking_jobs_in_flight() -> bool {
    context::with_current::<BlockingHandle, _>(|pool| pool.is_ok_and(|p| p.jobs_in_flight() > 0))
}

fn duration_ns(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(d.subsec_nanos()))
}
