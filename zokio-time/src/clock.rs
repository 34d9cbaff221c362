//! The test clock: pause, advance and resume the time timers see.
//!
//! Each timer [`Handle`] has its own clock. It reads the system's monotonic
//! clock until it is first paused or advanced; from then on it keeps a
//! virtual time that moves only with [`advance`] while paused, and at the
//! system clock's pace (from where it was) once resumed. Code under test
//! that uses [`sleep`](crate::sleep), [`Instant::now`] and the rest then runs
//! deterministically and without waiting.
//!
//! The functions here act on [`Handle::current`] and are synchronous:
//! [`advance`] moves the clock and fires, on the calling thread, every timer
//! that became due, so the tasks waiting on them are woken before it returns.
//!
//! Paused time also *auto-advances*: when the thread driving a
//! [`TimeDriver`](crate::TimeDriver) parks with nothing else to do, the clock
//! jumps to the next deadline instead of waiting for it (as in tokio), unless
//! a blocking job of the runtime (counted on the thread's
//! [`BlockingHandle`](zokio_core::blocking::BlockingHandle)) is still
//! running: its result may be what the waiting task needs, so the clock
//! holds until it is done (as in tokio). The process-wide background timer
//! thread never auto-advances, so a paused clock there moves only with
//! `advance`.
//!
//! ```
//! use std::time::Duration;
//! use zokio_core::{Driver, ThreadParker};
//! use zokio_time::{clock, Instant, TimeDriver};
//!
//! let driver = TimeDriver::new(ThreadParker::new());
//! let _guard = driver.handle().enter();
//!
//! clock::pause();
//! let start = Instant::now();
//! let mut sleep = std::pin::pin!(zokio_time::sleep(Duration::from_secs(3600)));
//! let waker = std::task::Waker::noop();
//! let mut cx = std::task::Context::from_waker(waker);
//! assert!(sleep.as_mut().poll(&mut cx).is_pending());
//!
//! clock::advance(Duration::from_secs(3600));
//! assert!(sleep.as_mut().poll(&mut cx).is_ready());
//! assert_eq!(Instant::now() - start, Duration::from_secs(3600));
//! # use std::future::Future;
//! ```

use std::time::Duration;

#[cfg(doc)]
use crate::instant::Instant;
use crate::shared::Handle;

/// Pauses the current handle's clock: [`Instant::now`] stops moving.
/// Pausing a paused clock does nothing.
///
/// # Panics
///
/// Where the clock may not be paused (on a multi-thread Zokio runtime; see
/// [`Handle::refuse_pause`]), with the reason.
///
/// ```
/// use zokio_core::ThreadParker;
/// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
/// let _guard = driver.handle().enter();
/// zokio_time::clock::pause();
/// assert!(zokio_time::clock::is_paused());
/// ```
#[track_caller]
pub fn pause() {
    Handle::current().pause();
}

/// Lets the current handle's clock run again, at the system clock's pace,
/// from the time it shows now.
///
/// ```
/// use zokio_core::ThreadParker;
/// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
/// let _guard = driver.handle().enter();
/// zokio_time::clock::pause();
/// zokio_time::clock::resume();
/// assert!(!zokio_time::clock::is_paused());
/// ```
pub fn resume() {
    Handle::current().resume();
}

/// Moves the current handle's clock forward by `duration` and fires the
/// timers that became due. Works paused or not.
///
/// ```
/// use std::time::Duration;
/// use zokio_core::ThreadParker;
/// use zokio_time::Instant;
///
/// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
/// let _guard = driver.handle().enter();
/// zokio_time::clock::pause();
/// let t = Instant::now();
/// zokio_time::clock::advance(Duration::from_secs(60));
/// assert_eq!(Instant::now() - t, Duration::from_secs(60));
/// ```
pub fn advance(duration: Duration) {
    Handle::current().advance(duration);
}

/// Whether the current handle's clock is paused.
///
/// ```
/// use zokio_core::ThreadParker;
/// let driver = zokio_time::TimeDriver::new(ThreadParker::new());
/// let _guard = driver.handle().enter();
/// assert!(!zokio_time::clock::is_paused());
/// ```
pub fn is_paused() -> bool {
    Handle::current().is_paused()
}
