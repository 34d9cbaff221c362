//! The tasks waiting for one direction of a source: usually one, sometimes
//! several (an `Arc<UdpSocket>` two tasks receive on, a socket shared
//! through `readable()`), and every one of them is woken by readiness, as
//! Tokio wakes them all.
//!
//! The common case stays a single lock-free slot ([`AtomicWaker`]): a task
//! re-registering its own waker takes no lock. A registration that
//! displaces another task's waker moves that waker to an overflow list
//! under a mutex. That the overflow holds wakers is a bit of the source's
//! readiness word (see `readiness`), set with a read-modify-write by the
//! registrar and read by the reactor's own read-modify-write of the word:
//! one of the two comes first in the word's modification order, so either
//! the registrar sees the event or the reactor sees the bit, and the
//! overflow is woken either way. A waker in the overflow whose task stopped
//! waiting is woken once more at the next event, a spurious wake; each
//! task's waker is kept once.

use std::task::Waker;

use zokio_core::AtomicWaker;
use zokio_core::sync::{Mutex, MutexGuard};

pub(crate) struct Waiters {
    first: AtomicWaker,
    others: Mutex<Vec<Waker>>,
}

impl Waiters {
    pub(crate) fn new() -> Waiters {
        Waiters {
            first: AtomicWaker::new(),
            others: Mutex::new(Vec::new()),
        }
    }

    fn others(&self) -> MutexGuard<'_, Vec<Waker>> {
        self.others.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `waker`. If it displaced another task's waker, that waker
    /// goes to the overflow and `mark_crowded` runs with the overflow's lock
    /// held (so a concurrent [`wake_others`](Self::wake_others) either takes
    /// the waker or finds the mark); its result is returned.
    #[inline]
    pub(crate) fn register<T>(&self, waker: &Waker, mark_crowded: impl FnOnce() -> T) -> Option<T> {
        let displaced = self.first.register_displacing(waker)?;
        let mut others = self.others();
        if !others.iter().any(|w| w.will_wake(&displaced)) {
            others.push(displaced);
        }
        Some(mark_crowded())
    }

    /// Wakes the waiter in the slot.
    #[inline]
    pub(crate) fn wake_first(&self) {
        self.first.wake();
    }

    /// Wakes the overflow's waiters (outside the lock); `clear_crowded`
    /// runs with the lock held, after the overflow is emptied.
    pub(crate) fn wake_others(&self, clear_crowded: impl FnOnce()) {
        let others = {
            let mut others = self.others();
            let taken = std::mem::take(&mut *others);
            clear_crowded();
            taken
        };
        for waker in others {
            waker.wake();
        }
    }
}
