//! One waker slot that a waiting task registers into and another thread (a
//! reactor, a timer) takes out and wakes, with no lock.

use std::fmt;
use std::task::Waker;

use crate::sync::UnsafeCell;
use crate::sync::atomic::{AtomicUsize, Ordering};

/// Nobody is touching the slot.
const IDLE: usize = 0;
/// A task is writing its waker into the slot.
const REGISTERING: usize = 0b01;
/// A waker is being taken out (or was asked for while a registration ran).
const WAKING: usize = 0b10;

/// A slot for the waker of the task waiting on one event: a direction of a
/// socket, a timer.
///
/// The protocol is the classic one (futures' `AtomicWaker`), written on
/// [`crate::sync`] so loom can check it: [`register`](Self::register) and
/// [`take`](Self::take) each claim the slot with one atomic step; a `take`
/// that finds a registration in progress leaves a `WAKING` mark, and the
/// registering thread, on seeing it, wakes the new waker itself. So a wake
/// that comes after (or during) a register always reaches the registered
/// waker, and a task that registers and then re-checks its condition never
/// sleeps through an event.
///
/// A task registering while another registration or a wake is under way is
/// woken at once instead of stored (it polls again and retries): the slot
/// holds one waker, and losing a task is worse than a spurious poll.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::task::{Wake, Waker};
/// use zokio_core::AtomicWaker;
///
/// struct Count(AtomicUsize);
/// impl Wake for Count {
///     fn wake(self: Arc<Self>) { self.0.fetch_add(1, Ordering::SeqCst); }
/// }
///
/// let count = Arc::new(Count(AtomicUsize::new(0)));
/// let slot = AtomicWaker::new();
/// slot.register(&Waker::from(count.clone()));
/// slot.wake();
/// slot.wake(); // the waker was taken by the first wake
/// assert_eq!(count.0.load(Ordering::SeqCst), 1);
/// assert!(slot.take().is_none());
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
    /// the same task) to be woken by the next [`wake`](Self::wake).
    #[inline]
    pub fn register(&self, waker: &Waker) {
        drop(self.register_displacing(waker));
    }

    /// As [`register`](Self::register), and returns the waker it replaced,
    /// if any (one that wakes another task), for a caller that keeps every
    /// waiter rather than the last one: a registration that finds a wake in
    /// progress wakes `waker` at once and displaces nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::task::{Wake, Waker};
    /// use zokio_core::AtomicWaker;
    ///
    /// struct Count(AtomicUsize);
    /// impl Wake for Count {
    ///     fn wake(self: Arc<Self>) { self.0.fetch_add(1, Ordering::SeqCst); }
    /// }
    /// let (a, b) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
    /// let slot = AtomicWaker::new();
    /// assert!(slot.register_displacing(&Waker::from(a.clone())).is_none());
    /// let displaced = slot.register_displacing(&Waker::from(b.clone())).unwrap();
    /// displaced.wake();
    /// assert_eq!(a.0.load(Ordering::SeqCst), 1);
    /// ```
    #[inline]
    pub fn register_displacing(&self, waker: &Waker) -> Option<Waker> {
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
                    Ok(_) => old,
                    Err(_) => {
                        // A `take` ran meanwhile and left WAKING: it could not
                        // reach the cell, so wake on its behalf.
                        // SAFETY: state is REGISTERING|WAKING; no `take` enters
                        // the cell until it goes back to IDLE below.
                        let new = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                        self.state.swap(IDLE, Ordering::AcqRel);
                        if let Some(new) = new {
                            new.wake();
                        }
                        // The wake in progress was for the waiter `old`
                        // stood for too: the caller keeps it.
                        old
                    }
                }
            }
            // A `take` is in the cell (the caller is about to be woken anyway)
            // or another task is registering: wake this one at once so it
            // polls again, instead of storing it. That poll may come back
            // here at once: a spin, so give way (loom schedules the other
            // thread at this hint).
            Err(_) => {
                waker.wake_by_ref();
                crate::sync::spin_loop();
                None
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
    ///
    /// ```
    /// let slot = zokio_core::AtomicWaker::new();
    /// // SAFETY: `slot` is not shared yet.
    /// unsafe { slot.store_exclusive(std::task::Waker::noop()) };
    /// assert!(slot.take().is_some());
    /// ```
    #[inline]
    pub unsafe fn store_exclusive(&self, waker: &Waker) {
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
                // A plain store, not an RMW: while WAKING is set no other
                // step changes the state (a `register` fails its IDLE
                // exchange, another `take`'s fetch_or sets WAKING again), so
                // IDLE is the only state to go back to.
                self.state.store(IDLE, Ordering::Release);
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
        f.debug_struct("AtomicWaker").finish_non_exhaustive()
    }
}
