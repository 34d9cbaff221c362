//! Where a woken task should run: hints that travel beside a wake, from
//! whoever wakes a task to the scheduler that queues it.
//!
//! A wake goes through a [`Waker`](std::task::Waker), which carries no
//! arguments, so these hints travel in the thread's context, each set for
//! the span of one wake by a scope function. Wakers that know nothing keep
//! the defaults; schedulers that do not use a hint never ask for it.
//!
//! # Where the data arrived: the driver's half of the contract
//!
//! On loopback, and on a host whose network card spreads connections across
//! CPUs, the kernel processes a socket's incoming data on one CPU. If the
//! task that reads the socket runs on another, the socket's state moves
//! between the two caches on every message; over loopback TCP, that doubles
//! the kernel's cost of a request.
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
//! Drivers that cannot tell keep the default `park_with_origins` and never
//! call `with_wake_origin`.
//!
//! # Behind the queued work: a consumer that batches
//!
//! A work-stealing scheduler runs a task woken by a running one next, in a
//! LIFO slot: a reply reaches its waiter while the data is hot in cache.
//! That is the wrong choice for the receiver of a channel with many senders
//! (a service task behind a queue): run at once, it takes one message and
//! sleeps again, and every message costs it a sleep, a wake and a poll. A
//! waker that knows its task consumes a queue wakes it inside
//! [`wake_behind`]; the scheduler then queues the task behind the work
//! already queued (see [`is_wake_behind`]), the senders queued there run
//! first, and the receiver takes their messages in one poll.
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
//!
//! // A channel waking its receiver:
//! placement::wake_behind(|| assert!(placement::is_wake_behind()));
//! assert!(!placement::is_wake_behind());
//! ```

use std::cell::Cell;

use crate::context::{self, Context};

/// Runs `f` with the hint `field` picks set to `value`, and puts the previous
/// value back when `f` returns or unwinds, so a panicking waker cannot leave
/// a hint behind for unrelated wakes.
fn with_hint<T: Copy + 'static, R>(
    field: fn(&Context) -> &Cell<T>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore<T: Copy + 'static>(fn(&Context) -> &Cell<T>, Option<T>);
    impl<T: Copy + 'static> Drop for Restore<T> {
        fn drop(&mut self) {
            if let Some(previous) = self.1 {
                let _ = context::with(|cx| self.0(cx).set(previous));
            }
        }
    }
    let _restore = Restore(field, context::with(|cx| field(cx).replace(value)));
    f()
}

/// Runs `f` (the wakes of one event) with `cpu` as their origin.
pub fn with_wake_origin<R>(cpu: usize, f: impl FnOnce() -> R) -> R {
    with_hint(|cx| &cx.wake_origin, Some(cpu), f)
}

/// The CPU on which the data behind the wake in progress arrived, if the
/// driver making it said.
#[inline]
pub fn wake_origin() -> Option<usize> {
    context::with(|cx| cx.wake_origin.get()).flatten()
}

/// Runs `f` (a wake) asking the scheduler to queue the woken task behind
/// the work already queued instead of running it next: for the receiver of
/// a channel with many senders.
pub fn wake_behind<R>(f: impl FnOnce() -> R) -> R {
    with_hint(|cx| &cx.wake_behind, true, f)
}

/// True during a wake made inside [`wake_behind`]: a scheduler's
/// [`Schedule::schedule`](crate::Schedule::schedule) queues the task behind
/// the others rather than in a LIFO slot.
#[inline]
pub fn is_wake_behind() -> bool {
    context::with(|cx| cx.wake_behind.get()).unwrap_or(false)
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
    fn wake_behind_ends_with_its_scope_even_on_panic() {
        let result = std::panic::catch_unwind(|| wake_behind(|| panic!("a waker panicked")));
        assert!(result.is_err());
        assert!(!is_wake_behind());
        wake_behind(|| {
            wake_behind(|| assert!(is_wake_behind()));
            assert!(is_wake_behind(), "the outer wake is still behind");
        });
        assert!(!is_wake_behind());
    }

    #[test]
    fn scopes_nest() {
        with_wake_origin(1, || {
            with_wake_origin(2, || assert_eq!(wake_origin(), Some(2)));
            assert_eq!(wake_origin(), Some(1));
        });
    }
}
