//! The LIFO slot: where a worker puts the task that its running task just
//! woke, so that it runs next while its data is still in cache.
//!
//! The slot is private to its worker (no other thread can steal from it); it
//! is a `Cell`. Its one rule is the cap: after [`MAX_LIFO_POLLS`] polls in a
//! row from the slot, the task in it is demoted to the back of the ring, so
//! two tasks that keep waking each other cannot starve the queued ones.

use std::cell::Cell;

use zokio_core::task::Runnable;

impl std::fmt::Debug for LifoSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LifoSlot")
            .field("occupied", &self.is_occupied())
            .field("polls", &self.polls.get())
            .finish()
    }
}

/// Consecutive polls from the LIFO slot before its task must queue.
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

/// What [`LifoSlot::next`] found.
#[derive(Debug)]
pub(crate) enum LifoNext {
    /// Run this task now.
    Run(Runnable),
    /// The cap was reached: queue this task behind the others.
    Demote(Runnable),
    /// The slot is empty.
    Empty,
}

/// A worker's LIFO slot with its poll cap.
#[derive(Default)]
pub(crate) struct LifoSlot {
    task: Cell<Option<Runnable>>,
    polls: Cell<u32>,
}

impl LifoSlot {
    /// An empty slot.
    pub(crate) fn new() -> LifoSlot {
        LifoSlot::default()
    }

    /// Puts `task` in the slot, returning the task it displaces (which the
    /// caller queues, and may let another worker steal).
    pub(crate) fn put(&self, task: Runnable) -> Option<Runnable> {
        self.task.replace(Some(task))
    }

    /// Takes the slot's task for a poll, or demotes it once the cap is hit.
    pub(crate) fn next(&self) -> LifoNext {
        match self.task.take() {
            None => LifoNext::Empty,
            Some(task) if self.polls.get() < MAX_LIFO_POLLS => {
                self.polls.set(self.polls.get() + 1);
                LifoNext::Run(task)
            }
            Some(task) => {
                self.polls.set(0);
                LifoNext::Demote(task)
            }
        }
    }

    /// A task from elsewhere ran: the slot's streak is over.
    pub(crate) fn reset(&self) {
        self.polls.set(0);
    }

    /// Takes the task out regardless of the cap (for shutdown).
    pub(crate) fn take(&self) -> Option<Runnable> {
        self.task.take()
    }

    /// True if the slot holds a task.
    pub(crate) fn is_occupied(&self) -> bool {
        let task = self.task.take();
        let occupied = task.is_some();
        self.task.set(task);
        occupied
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn task() -> Runnable {
        zokio_core::task::spawn(async {}, |_, _| {}).0
    }

    #[test]
    fn the_slot_demotes_its_task_after_the_cap() {
        let slot = LifoSlot::new();
        for _ in 0..MAX_LIFO_POLLS {
            assert!(slot.put(task()).is_none());
            assert!(matches!(slot.next(), LifoNext::Run(_)));
        }
        slot.put(task());
        assert!(
            matches!(slot.next(), LifoNext::Demote(_)),
            "the cap is reached"
        );
        slot.reset(); // a queued task ran
        assert!(matches!(slot.next(), LifoNext::Empty));
    }

    #[test]
    fn a_task_put_in_an_occupied_slot_displaces_the_older_one() {
        let slot = LifoSlot::new();
        let (first, _h1) = zokio_core::task::spawn(async {}, |_, _| {});
        let id = first.id();
        slot.put(first);
        let displaced = slot.put(task()).expect("the first task comes back");
        assert_eq!(displaced.id(), id);
        assert!(slot.is_occupied());
        assert!(slot.take().is_some() && !slot.is_occupied());
    }
}
