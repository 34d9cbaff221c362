//! The batch semaphore's queue of waiting acquirers: a FIFO of entries kept
//! in a slab, linked by index, so that a waiter is pushed, granted and
//! unlinked in O(1) without pinning or raw pointers.
//!
//! An entry outlives its place in the queue: once granted (or closed) it is
//! unlinked but stays in its slot until the future that owns the [`Key`]
//! collects it, so the owner can tell what happened to it. Only that owner
//! frees the slot, which is why a bare index is a sufficient key.

use std::task::Waker;

/// Marks the end of a chain (queue or free list).
const NIL: usize = usize::MAX;

/// The handle a waiting future holds to its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Key(usize);

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// In the queue, still owed `needed` permits.
    Queued,
    /// Out of the queue with every permit it asked for.
    Granted,
    /// Out of the queue because the semaphore closed; it holds what it was
    /// handed before (its request less `needed`).
    Closed,
}

struct Slot {
    status: Status,
    /// Permits still owed.
    needed: usize,
    waker: Option<Waker>,
    prev: usize,
    /// The next entry in the queue, or the next free slot.
    next: usize,
    free: bool,
}

/// A collected entry: what its owner needs to settle.
pub(super) struct Entry {
    pub(super) status: Status,
    pub(super) needed: usize,
    pub(super) waker: Option<Waker>,
}

/// Wakers gathered under the lock, to be woken after it is released. The
/// common case (one waiter handed its permits) allocates nothing.
#[derive(Default)]
pub(super) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes every gathered waker; call it with no lock held.
    pub(super) fn wake_all(self) {
        if let Some(first) = self.first {
            first.wake();
        }
        self.rest.into_iter().for_each(Waker::wake);
    }
}

/// The queue. Every method expects the semaphore's lock to be held.
pub(super) struct Waitlist {
    slots: Vec<Slot>,
    free: usize,
    head: usize,
    tail: usize,
}

impl Waitlist {
    pub(super) const fn new() -> Waitlist {
        Waitlist {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Queues a waiter owed `needed` permits at the back.
    pub(super) fn push_back(&mut self, needed: usize, waker: Waker) -> Key {
        debug_assert!(needed > 0, "a waiter owed nothing is never queued");
        let slot = Slot {
            status: Status::Queued,
            needed,
            waker: Some(waker),
            prev: self.tail,
            next: NIL,
            free: false,
        };
        let at = if self.free != NIL {
            let at = self.free;
            self.free = self.slots[at].next;
            self.slots[at] = slot;
            at
        } else {
            self.slots.push(slot);
            self.slots.len() - 1
        };
        match self.tail {
            NIL => self.head = at,
            tail => self.slots[tail].next = at,
        }
        self.tail = at;
        Key(at)
    }

    /// The entry's status.
    pub(super) fn status(&self, key: Key) -> Status {
        self.slot(key).status
    }

    /// Whether the entry's stored waker would wake the same task as `waker`.
    pub(super) fn will_wake(&self, key: Key, waker: &Waker) -> bool {
        self.slot(key)
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(waker))
    }

    /// Stores a new waker for a queued entry, returning the old one (to be
    /// dropped once the lock is released).
    pub(super) fn replace_waker(&mut self, key: Key, waker: Waker) -> Option<Waker> {
        self.slot_mut(key).waker.replace(waker)
    }

    /// Hands up to `permits` to the queue, oldest first: the front entry
    /// takes what it still needs; once it has all it is unlinked and its
    /// waker gathered. An entry that cannot be satisfied stops the hand-out,
    /// so no later waiter overtakes it. Returns the permits left over, which
    /// are non-zero only if the queue is now empty.
    pub(super) fn grant(&mut self, mut permits: usize, wakers: &mut WakeList) -> usize {
        while permits > 0 && self.head != NIL {
            let at = self.head;
            let slot = &mut self.slots[at];
            let given = slot.needed.min(permits);
            slot.needed -= given;
            permits -= given;
            if slot.needed > 0 {
                break;
            }
            slot.status = Status::Granted;
            if let Some(waker) = slot.waker.take() {
                wakers.push(waker);
            }
            self.unlink(at);
        }
        permits
    }

    /// Unlinks every queued entry as closed, gathering their wakers.
    pub(super) fn close_all(&mut self, wakers: &mut WakeList) {
        while self.head != NIL {
            let at = self.head;
            let slot = &mut self.slots[at];
            slot.status = Status::Closed;
            if let Some(waker) = slot.waker.take() {
                wakers.push(waker);
            }
            self.unlink(at);
        }
    }

    /// Frees the entry's slot (unlinking it if it is still queued) and
    /// returns what it held.
    pub(super) fn remove(&mut self, key: Key) -> Entry {
        let at = key.0;
        if self.slot(key).status == Status::Queued {
            self.unlink(at);
        }
        let slot = &mut self.slots[at];
        slot.free = true;
        slot.next = self.free;
        self.free = at;
        Entry {
            status: slot.status,
            needed: slot.needed,
            waker: slot.waker.take(),
        }
    }

    fn unlink(&mut self, at: usize) {
        let (prev, next) = (self.slots[at].prev, self.slots[at].next);
        match prev {
            NIL => self.head = next,
            prev => self.slots[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.slots[next].prev = prev,
        }
        self.slots[at].prev = NIL;
        self.slots[at].next = NIL;
    }

    fn slot(&self, key: Key) -> &Slot {
        let slot = &self.slots[key.0];
        debug_assert!(!slot.free, "a key outlived its entry");
        slot
    }

    fn slot_mut(&mut self, key: Key) -> &mut Slot {
        let slot = &mut self.slots[key.0];
        debug_assert!(!slot.free, "a key outlived its entry");
        slot
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn waker() -> Waker {
        Waker::noop().clone()
    }

    #[test]
    fn grants_in_order_and_stops_at_an_unsatisfied_front() {
        let mut list = Waitlist::new();
        let a = list.push_back(2, waker());
        let b = list.push_back(1, waker());
        let mut wakers = WakeList::default();
        assert_eq!(list.grant(1, &mut wakers), 0);
        assert_eq!(list.status(a), Status::Queued);
        assert_eq!(list.status(b), Status::Queued, "b does not overtake a");
        assert_eq!(list.grant(3, &mut wakers), 1);
        assert_eq!(list.status(a), Status::Granted);
        assert_eq!(list.status(b), Status::Granted);
        assert!(list.is_empty());
        assert_eq!(wakers.rest.len() + usize::from(wakers.first.is_some()), 2);
    }

    #[test]
    fn removing_from_the_middle_keeps_the_order_and_reuses_the_slot() {
        let mut list = Waitlist::new();
        let a = list.push_back(1, waker());
        let b = list.push_back(1, waker());
        let c = list.push_back(1, waker());
        let entry = list.remove(b);
        assert_eq!((entry.status, entry.needed), (Status::Queued, 1));
        let d = list.push_back(1, waker());
        assert_eq!(d, b, "the freed slot is reused");
        let mut wakers = WakeList::default();
        assert_eq!(list.grant(2, &mut wakers), 0);
        assert_eq!(list.status(a), Status::Granted);
        assert_eq!(list.status(c), Status::Granted);
        assert_eq!(list.status(d), Status::Queued, "d queued after c");
        list.close_all(&mut wakers);
        assert_eq!(list.status(d), Status::Closed);
        assert!(list.is_empty());
    }
}
