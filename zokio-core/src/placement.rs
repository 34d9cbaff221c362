//! Where a wake's data arrived: a hint from drivers to schedulers.
//!
//! On loopback, and on a host whose network card spreads connections across
//! CPUs, the kernel processes a socket's incoming data on one CPU. If the
//! task that reads the socket runs on another, the socket's state moves
//! between the two caches on every message; over loopback TCP, that doubles
//! the kernel's cost of a request. A driver that can tell on which CPU an
//! event's data arrived (the I/O driver asks the socket for
//! `SO_INCOMING_CPU`) says so around the wake, and a scheduler with a worker
//! on that CPU may queue the task there.
//!
//! The hint costs the driver a system call per event, so drivers give it only
//! while a scheduler asks for it ([`with_origins_wanted`]), which a
//! work-stealing scheduler does only while another worker is awake to take
//! the task. Both halves are thread-locals: the driver and the schedule call
//! it makes run on the thread that polls the driver.
//!
//! ```
//! use zokio_core::placement;
//!
//! // A scheduler's driver poll:
//! placement::with_origins_wanted(|| {
//!     // ... inside the driver, for an event whose data arrived on CPU 3:
//!     assert!(placement::origins_wanted());
//!     placement::with_wake_origin(3, || {
//!         // ... the wake reaches the scheduler's `schedule`:
//!         assert_eq!(placement::wake_origin(), Some(3));
//!     });
//!     assert_eq!(placement::wake_origin(), None);
//! });
//! assert!(!placement::origins_wanted());
//! ```

use std::cell::Cell;

const NO_ORIGIN: usize = usize::MAX;

thread_local! {
    static WANTED: Cell<bool> = const { Cell::new(false) };
    static ORIGIN: Cell<usize> = const { Cell::new(NO_ORIGIN) };
}

/// Puts a thread-local back when dropped, so a panicking waker cannot leave
/// a hint behind for unrelated wakes.
struct Restore<T: Copy + 'static> {
    cell: &'static std::thread::LocalKey<Cell<T>>,
    previous: T,
}

impl<T: Copy + 'static> Drop for Restore<T> {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = self.cell.try_with(|c| c.set(previous));
    }
}

fn replace<T: Copy + 'static>(
    cell: &'static std::thread::LocalKey<Cell<T>>,
    value: T,
) -> Restore<T> {
    Restore {
        cell,
        previous: cell.with(|c| c.replace(value)),
    }
}

/// Runs `f` (a scheduler's poll of its driver) with origin hints asked for.
pub fn with_origins_wanted<R>(f: impl FnOnce() -> R) -> R {
    let _restore = replace(&WANTED, true);
    f()
}

/// True while a scheduler on this thread asks for origin hints: a driver
/// should find out where each event's data arrived only then.
#[inline]
pub fn origins_wanted() -> bool {
    WANTED.with(Cell::get)
}

/// Runs `f` (the wakes of one event) with `cpu` as their origin.
pub fn with_wake_origin<R>(cpu: usize, f: impl FnOnce() -> R) -> R {
    let _restore = replace(&ORIGIN, cpu);
    f()
}

/// The CPU on which the data behind the wake in progress arrived, if the
/// driver making it said.
#[inline]
pub fn wake_origin() -> Option<usize> {
    let cpu = ORIGIN.with(Cell::get);
    (cpu != NO_ORIGIN).then_some(cpu)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn hints_end_with_their_scope_even_on_panic() {
        let result = std::panic::catch_unwind(|| {
            with_origins_wanted(|| with_wake_origin(1, || panic!("a waker panicked")))
        });
        assert!(result.is_err());
        assert!(!origins_wanted());
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
