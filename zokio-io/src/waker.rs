//! One waker slot that a task registers into and a reactor wakes, with no lock.

use std::fmt;
use std::task::Waker;

use zokio_core::sync::UnsafeCell;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};

/// Nobody holds the slot.
const WAITING: usize = 0;
/// A task is storing its waker.
const REGISTERING: usize = 0b01;
/// The reactor is taking the waker out.
const WAKING: usize = 0b10;

/// A slot for the waker of the one task waiting on a direction of a source.
///
/// [`register`](Self::register) and [`wake`](Self::wake) may race from any
/// threads; the protocol guarantees that a wake which comes after (or during)
/// a register always reaches the registered waker, so a task that registers
/// and then re-checks its condition can never sleep through an event.
///
/// A second task registering at the same moment as another one is woken at
/// once instead of stored (so it polls again and retries): slots hold one
/// waker, and losing a task is worse than a spurious poll.
///
/// ```
/// use std::sync::Arc;
/// use std::task::{Wake, Waker};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use zokio_io::protocol::AtomicWaker;
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
/// ```
pub struct AtomicWaker {
    state: AtomicUsize,
    /// Written only by the thread that moved `state` from WAITING to
    /// REGISTERING, or from WAITING to WAKING.
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by the thread that won the
// WAITING -> REGISTERING or WAITING -> WAKING transition, which makes its
// accesses exclusive; `Waker` itself is Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above, all shared access goes through the `state` protocol.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    /// An empty slot.
    pub fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake).
    pub fn register(&self, waker: &Waker) {
        match self.state.compare_exchange(
            WAITING,
            REGISTERING,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // SAFETY: we moved the state to REGISTERING, so no other thread
                // touches the cell until we leave it.
                let old = self.waker.with_mut(|slot| unsafe {
                    match &*slot {
                        Some(current) if current.will_wake(waker) => None,
                        _ => (*slot).replace(waker.clone()),
                    }
                });
                let done = self.state.compare_exchange(
                    REGISTERING,
                    WAITING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                if done.is_err() {
                    // A wake arrived while we were registering (the state is
                    // REGISTERING | WAKING) and could not take the waker: it is
                    // ours to deliver.
                    // SAFETY: the waking thread saw REGISTERING and backed off;
                    // we still own the cell until we store WAITING below.
                    let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                    self.state.swap(WAITING, Ordering::AcqRel);
                    drop(old);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return;
                }
                drop(old);
            }
            // A wake is in progress: it took the old waker (or none); make the
            // new one poll again so it re-checks its condition.
            Err(_) => waker.wake_by_ref(),
        }
    }

    /// Takes the registered waker out, if any, without waking it.
    pub fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            WAITING => {
                // SAFETY: we moved the state from WAITING to WAKING, so no
                // other thread touches the cell until we clear WAKING.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, Ordering::Release);
                waker
            }
            // A register is in progress (it will see WAKING and wake its own
            // waker), or another wake is taking the waker.
            _ => None,
        }
    }

    /// Wakes the registered waker, if any, and empties the slot.
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
