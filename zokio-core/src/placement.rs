//! Where a wake's data arrived: the half of the [`Driver`] contract that
//! lets a scheduler run a task on the CPU its data is on.
//!
//! On loopback, and on a host whose network card spreads connections across
//! CPUs, the kernel processes a socket's incoming data on one CPU. If the
//! task that reads the socket runs on another, the socket's state moves
//! between the two caches on every message; over loopback TCP, that doubles
//! the kernel's cost of a request.
//!
//! So the contract has two halves:
//!
//! 1. A scheduler that can use the hint parks its driver with
//!    [`Driver::park_with_origins`] instead of [`Driver::park`]. Finding out
//!    where data arrived may cost the driver a system call per event (the
//!    I/O driver asks the socket for `SO_INCOMING_CPU`), so a work-stealing
//!    scheduler asks only while another worker is awake to take the task.
//! 2. A driver that knows where an event's data arrived wakes that event's
//!    waiters inside [`with_wake_origin`]. The wakes reach the scheduler's
//!    [`Schedule::schedule`] on the same thread, where [`wake_origin`] tells
//!    it the CPU, and it may queue the task on its worker there.
//!
//! The hint travels beside the wake in the thread's context because a wake
//! goes through a [`Waker`](std::task::Waker), which carries no arguments.
//! Drivers that cannot tell keep the default `park_with_origins` and never
//! call `with_wake_origin`; schedulers that do not place never ask.
//!
//! [`Driver`]: crate::Driver
//! [`Driver::park`]: crate::Driver::park
//! [`Driver::park_with_origins`]: crate::Driver::park_with_origins
//! [`Schedule::schedule`]: crate::Schedule::schedule
//!
//! ```
//! use zokio_core::placement;
//!
//! // Inside a driver's `park_with_origins`, for an event whose data arrived on CPU 3:
//! placement::with_wake_origin(3, || {
//!     // ... the wake reaches the scheduler's `schedule`:
//!     assert_eq!(placement::wake_origin(), Some(3));
//! });
//! assert_eq!(placement::wake_origin(), None);
//! ```

use crate::context;

/// Puts the previous origin back when dropped, so a panicking waker cannot
/// leave a hint behind for unrelated wakes.
struct Restore(Option<usize>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0;
        let _ = context::with(|cx| cx.wake_origin.set(previous));
    }
}

/// Runs `f` (the wakes of one event) with `cpu` as their origin.
pub fn with_wake_origin<R>(cpu: usize, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(context::with(|cx| cx.wake_origin.replace(Some(cpu))).flatten());
    f()
}

/// The CPU on which the data behind the wake in progress arrived, if the
/// driver making it said.
#[inline]
pub fn wake_origin() -> Option<usize> {
    context::with(|cx| cx.wake_origin.get()).flatten()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn hints_end_with_their_scope_even_on_panic() {
        let result =
            std::panic::catch_unwind(|| with_wake_origin(1, || panic!("a waker panicked")));
        assert!(result.is_err());
        assert_eq!(wake_origin(), None);
    }

    #[test]
    fn scopes_nest() {
        with_wake_origin(1, || {
            with_wake_origin(2, || assert_eq!(wake_origin(), Some(2)));
            assert_eq!(wake_origin(), Some(1));
        });
    }
}
