//! A single waker slot that one thread registers into while another wakes it.

use std::fmt;
use std::task::Waker;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};

/// Nobody is touching the slot.
const IDLE: usize = 0;
/// The owner is writing a new waker into the slot.
const REGISTERING: usize = 0b01;
/// A waker is being taken out (or asked for while a registration runs).
const WAKING: usize = 0b10;

/// Holds the waker of the task waiting on a timer, so that the thread that
/// fires the timer can wake it while the owner may be registering a new one.
///
/// The protocol is the classic one (futures' `AtomicWaker`), written on
/// [`zokio_core::sync`] so loom can check it: `register` and `take` each
/// claim the slot with one atomic step; a `take` that finds a registration
/// in progress leaves a `WAKING` mark, and the registering thread, on seeing
/// it, wakes the new waker itself. A wake is therefore never lost: after
/// `take`, either the caller got the latest waker, or the registering thread
/// wakes it.
///
/// ```
/// use std::task::Waker;
/// use zokio_time::AtomicWaker;
///
/// let slot = AtomicWaker::new();
/// slot.register(Waker::noop());
/// assert!(slot.take().is_some());
/// assert!(slot.take().is_none(), "taking empties the slot");
/// ```
pub struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: `waker` is only read or written by the thread that moved `state`
// out of IDLE (to REGISTERING or WAKING), so accesses never overlap; `Waker`
// is `Send + Sync`.
unsafe impl Send for AtomicWaker {}
// SAFETY: as for `Send`: the `state` protocol serialises every access to `waker`.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    /// An empty slot.
    pub fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` (a clone, unless the slot already holds one that wakes
    /// the same task). Meant to be called by one thread at a time, the owner
    /// of the waiting future; concurrent `take`s are fine.
    #[inline]
    pub fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                // SAFETY: the successful IDLE -> REGISTERING step gives this
                // thread sole access to the cell until it leaves REGISTERING.
                let old = self.waker.with_mut(|slot| unsafe {
                    match &*slot {
                        Some(current) if current.will_wake(waker) => None,
                        _ => (*slot).replace(waker.clone()),
                    }
                });
                match self.state.compare_exchange(
                    REGISTERING,
                    IDLE,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // A `take` ran meanwhile and left WAKING: it could not
                        // reach the cell, so wake on its behalf.
                        // SAFETY: state is REGISTERING|WAKING; no `take` enters
                        // the cell until it goes back to IDLE below.
                        let new = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                        self.state.swap(IDLE, Ordering::AcqRel);
                        drop(old);
                        if let Some(new) = new {
                            new.wake();
                        }
                    }
                }
            }
            Err(WAKING) => {
                // A `take` is in the cell right now: the caller is about to be
                // woken anyway, so wake the new waker at once instead of storing it.
                waker.wake_by_ref();
            }
            Err(_) => {
                // REGISTERING (concurrent register calls, a misuse) or
                // REGISTERING|WAKING: nothing to do, the wake is already arranged.
            }
        }
    }

    /// Stores `waker` with plain writes, skipping the protocol: for a slot no
    /// other thread can reach yet (a timer not yet armed).
    ///
    /// # Safety
    ///
    /// No other thread may access this `AtomicWaker` during the call, and its
    /// state must be idle (no `register` or `take` cut short by a panic).
    #[inline]
    pub(crate) unsafe fn store_exclusive(&self, waker: &Waker) {
        // SAFETY: the caller guarantees exclusive access.
        let old = self.waker.with_mut(|slot| unsafe {
            match &*slot {
                Some(current) if current.will_wake(waker) => None,
                _ => (*slot).replace(waker.clone()),
            }
        });
        drop(old);
    }

    /// Takes the stored waker out, if any, so the caller can wake it (outside
    /// any lock it holds).
    pub fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            IDLE => {
                // SAFETY: this thread moved the state IDLE -> WAKING and so
                // owns the cell until it clears WAKING.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, Ordering::Release);
                waker
            }
            // A registration is in progress (it will see WAKING and wake), or
            // another `take` owns the cell.
            _ => None,
        }
    }

    /// Takes the stored waker and wakes it.
    pub fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }
}

impl Default for AtomicWaker {
    fn default() -> Self {
        AtomicWaker::new()
    }
}

impl fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AtomicWaker")
    }
}
