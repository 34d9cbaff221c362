//! `Waiters`: the wakers of tasks parked on one condition, woken all at once.
//!
//! The list itself takes no lock: it lives inside whatever lock its primitive
//! already holds while it checks the condition (so a check and a registration
//! are one step), and [`take_all`](Waiters::take_all) hands the wakers out so
//! they are woken, and dropped, after that lock is released.
//!
//! Each registration gets a [`Ticket`] naming its slot and the *epoch* it was
//! made in. `take_all` empties every slot at once by starting a new epoch, so
//! a ticket of an older epoch is known to be consumed without touching the
//! slot, and a future that was woken need not take the lock again to
//! deregister: it asks the [`EpochHint`], which mirrors the epoch outside the
//! lock.

use std::task::Waker;

use zokio_core::sync::atomic::{AtomicU64, Ordering};

/// Wakers held inline by a [`WakeBatch`] before it spills to the heap.
const INLINE: usize = 16;

/// Parked wakers, in slots reused within an epoch.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    epoch: u64,
    slots: Vec<Option<Waker>>,
    /// Emptied slots of this epoch, for reuse.
    free: Vec<usize>,
    live: usize,
}

/// One registration in a [`Waiters`]: valid until its epoch ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    epoch: u64,
    index: usize,
}

/// The epoch of a [`Waiters`], readable without its lock.
///
/// It is written under the lock whenever a new epoch starts and only grows,
/// and a ticket is made under the lock, so a hint different from a ticket's
/// epoch proves the ticket consumed; an equal one proves nothing, and the
/// holder must take the lock to find out.
#[derive(Debug, Default)]
pub(crate) struct EpochHint(AtomicU64);

impl EpochHint {
    /// True if `ticket` was certainly consumed by a [`Waiters::take_all`].
    pub(crate) fn is_consumed(&self, ticket: Ticket) -> bool {
        self.0.load(Ordering::Acquire) != ticket.epoch
    }
}

impl Waiters {
    /// True if no registration is live.
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Registers `waker` under `ticket`, or refreshes the waker of a ticket
    /// still live. Returns a waker it replaced, for the caller to drop after
    /// releasing its lock.
    pub(crate) fn register(&mut self, ticket: &mut Option<Ticket>, waker: &Waker) -> Option<Waker> {
        if let Some(t) = *ticket {
            if t.epoch == self.epoch {
                if let Some(held) = &mut self.slots[t.index] {
                    if held.will_wake(waker) {
                        return None;
                    }
                    return Some(std::mem::replace(held, waker.clone()));
                }
            }
        }
        let index = match self.free.pop() {
            Some(index) => {
                self.slots[index] = Some(waker.clone());
                index
            }
            None => {
                self.slots.push(Some(waker.clone()));
                self.slots.len() - 1
            }
        };
        self.live += 1;
        *ticket = Some(Ticket {
            epoch: self.epoch,
            index,
        });
        None
    }

    /// Withdraws `ticket` if it is still live; returns its waker, for the
    /// caller to drop after releasing its lock.
    pub(crate) fn cancel(&mut self, ticket: Ticket) -> Option<Waker> {
        if ticket.epoch != self.epoch {
            return None;
        }
        let waker = self.slots[ticket.index].take()?;
        self.free.push(ticket.index);
        self.live -= 1;
        Some(waker)
    }

    /// Takes every registered waker and starts a new epoch, consuming every
    /// ticket; `hint` learns the new epoch.
    pub(crate) fn take_all(&mut self, hint: &EpochHint) -> WakeBatch {
        let mut batch = WakeBatch::default();
        self.epoch = self.epoch.wrapping_add(1);
        hint.0.store(self.epoch, Ordering::Release);
        self.free.clear();
        self.live = 0;
        if self.slots.len() <= INLINE {
            // The common case keeps the slots' allocation for the next epoch.
            for waker in self.slots.drain(..).flatten() {
                batch.inline[batch.len] = Some(waker);
                batch.len += 1;
            }
        } else {
            batch.spilled = std::mem::take(&mut self.slots);
        }
        batch
    }
}

/// Wakers taken out of a [`Waiters`], to wake once no lock is held.
#[derive(Debug, Default)]
#[must_use = "a batch wakes its tasks only when `wake_all` is called"]
pub(crate) struct WakeBatch {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spilled: Vec<Option<Waker>>,
}

impl WakeBatch {
    /// An empty batch.
    pub(crate) fn new() -> WakeBatch {
        WakeBatch::default()
    }

    /// Wakes every task in the batch.
    pub(crate) fn wake_all(self) {
        let WakeBatch {
            inline,
            len,
            spilled,
        } = self;
        inline.into_iter().take(len).flatten().for_each(Waker::wake);
        spilled.into_iter().flatten().for_each(Waker::wake);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn take_all_wakes_every_live_registration_once_and_consumes_tickets() {
        let hint = EpochHint::default();
        let mut waiters = Waiters::default();
        let (a, wa) = counting();
        let (b, wb) = counting();
        let (mut ta, mut tb) = (None, None);
        assert!(waiters.register(&mut ta, &wa).is_none());
        assert!(waiters.register(&mut tb, &wb).is_none());
        assert!(!hint.is_consumed(ta.unwrap()));
        waiters.take_all(&hint).wake_all();
        assert_eq!(a.0.load(Ordering::SeqCst), 1);
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
        assert!(hint.is_consumed(ta.unwrap()));
        assert!(waiters.cancel(tb.unwrap()).is_none(), "consumed already");
        assert!(waiters.is_empty());
        waiters.take_all(&hint).wake_all();
        assert_eq!(a.0.load(Ordering::SeqCst), 1, "not woken twice");
    }

    #[test]
    fn a_cancelled_slot_is_reused_and_not_woken() {
        let hint = EpochHint::default();
        let mut waiters = Waiters::default();
        let (a, wa) = counting();
        let (b, wb) = counting();
        let mut ta = None;
        waiters.register(&mut ta, &wa);
        assert!(waiters.cancel(ta.unwrap()).is_some());
        assert!(waiters.is_empty());
        let mut tb = None;
        waiters.register(&mut tb, &wb);
        assert_eq!(waiters.slots.len(), 1, "the cancelled slot was reused");
        waiters.take_all(&hint).wake_all();
        assert_eq!(a.0.load(Ordering::SeqCst), 0);
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn re_registering_with_another_waker_replaces_it() {
        let hint = EpochHint::default();
        let mut waiters = Waiters::default();
        let (a, wa) = counting();
        let (b, wb) = counting();
        let mut t = None;
        waiters.register(&mut t, &wa);
        assert!(waiters.register(&mut t, &wa).is_none(), "same task");
        assert!(
            waiters.register(&mut t, &wb).is_some(),
            "old waker handed back"
        );
        waiters.take_all(&hint).wake_all();
        assert_eq!(a.0.load(Ordering::SeqCst), 0);
        assert_eq!(b.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn more_waiters_than_fit_inline_are_all_woken() {
        let hint = EpochHint::default();
        let mut waiters = Waiters::default();
        let (count, waker) = counting();
        let mut tickets = vec![None; 3 * INLINE];
        for t in &mut tickets {
            waiters.register(t, &waker);
        }
        waiters.take_all(&hint).wake_all();
        assert_eq!(count.0.load(Ordering::SeqCst), 3 * INLINE);
    }
}
