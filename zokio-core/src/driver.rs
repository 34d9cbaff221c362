//! The contract between a scheduler and whatever an idle worker waits on.

use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

/// What an idle worker thread runs: it blocks until an event, an
/// [`unpark`](Unpark::unpark) or the timeout, and processes what arrived
/// (readiness, expired timers) before it returns.
///
/// Drivers stack: a timer driver wraps an I/O driver and parks it for no
/// longer than the time to its next deadline. [`ThreadParker`](crate::ThreadParker)
/// is the driver of a runtime with neither I/O nor timers.
///
/// `park` may return early (a spurious wakeup); callers re-check their state
/// and park again.
///
/// ```
/// use std::time::Duration;
/// use zokio_core::{Driver, ThreadParker, Unpark};
///
/// let mut driver = ThreadParker::new();
/// let unparker = driver.unparker();
/// std::thread::spawn(move || unparker.unpark());
/// driver.park(None); // returns once the other thread has unparked it
/// driver.park(Some(Duration::from_millis(1))); // returns after at most about 1 ms
/// ```
pub trait Driver {
    /// The handle that wakes this driver's `park` from any thread.
    type Unparker: Unpark;

    /// Blocks until an event arrives, the unparker is called, or `timeout`
    /// passes (`None`: no timeout; `Some(ZERO)`: poll without blocking), then
    /// processes what arrived. An unpark that comes before the park makes the
    /// park return at once.
    fn park(&mut self, timeout: Option<Duration>);

    /// Parks as [`park`](Driver::park) does, and makes each wake whose data
    /// arrived on a known CPU inside [`placement::with_wake_origin`], so
    /// that the scheduler can queue the task there (see [`placement`] for
    /// the whole contract). The default knows no CPU and just parks.
    ///
    /// [`placement`]: crate::placement
    /// [`placement::with_wake_origin`]: crate::placement::with_wake_origin
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_core::{Driver, ThreadParker, Unpark};
    ///
    /// // A thread parker knows no CPU: parking with origins is parking.
    /// let mut parker = ThreadParker::new();
    /// parker.unparker().unpark();
    /// parker.park_with_origins(Some(Duration::from_secs(5))); // returns at once
    /// ```
    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        self.park(timeout);
    }

    /// A cheap, cloneable handle whose `unpark` wakes a current or the next `park`.
    fn unparker(&self) -> Self::Unparker;

    /// Releases what the driver holds for tasks (wakes waiters with an error,
    /// drops timer entries), when the runtime that owns it shuts down.
    fn shutdown(&mut self) {}
}

/// Wakes a parked [`Driver`].
pub trait Unpark: Clone + Send + Sync + 'static {
    /// Makes the current or the next `park` of the driver return.
    fn unpark(&self);
}

/// A [`Waker`] that unparks `unparker` when woken.
///
/// ```
/// use zokio_core::{Driver, ThreadParker, unpark_waker};
///
/// let mut parker = ThreadParker::new();
/// let waker = unpark_waker(parker.unparker());
/// waker.wake_by_ref();
/// parker.park(None); // returns at once: the wake came first
/// ```
pub fn unpark_waker<U: Unpark>(unparker: U) -> Waker {
    Waker::from(Arc::new(UnparkWake(unparker)))
}

struct UnparkWake<U>(U);

impl<U: Unpark> Wake for UnparkWake<U> {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}
