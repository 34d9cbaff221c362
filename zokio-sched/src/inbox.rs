//! A worker's inbox: tasks other workers hand it because the data that woke
//! them arrived on its CPU (see [`zokio_core::placement`]).
//!
//! Its own ring takes pushes only from its owner, so a worker that polled the
//! driver and found a task that belongs elsewhere puts it here. The owner
//! drains the inbox before its ring; an idle worker may take from any inbox,
//! so a task handed to a worker stuck in a long poll still runs.
//!
//! Handing a task to a sleeping worker would cost a thread wakeup, more than
//! the locality gains, so senders check [`Inbox::is_sleeping`] first. The
//! handshake that rules out a task stranded with a sleeping owner: the sender
//! pushes, issues a `SeqCst` fence and reads the flag; the owner sets the flag
//! (`SeqCst`), fences, and looks at the queue before it sleeps. Either the
//! sender sees the owner asleep and unparks it, or the owner sees the task.

use concurrent_queue::ConcurrentQueue;
use zokio_core::sync::atomic::{AtomicBool, Ordering, fence};

/// Tasks handed to one worker by the others.
#[derive(Debug)]
pub(crate) struct Inbox<T> {
    queue: ConcurrentQueue<T>,
    sleeping: AtomicBool,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Inbox<T> {
    /// An empty inbox whose owner is awake.
    pub(crate) fn new() -> Inbox<T> {
        Inbox {
            queue: ConcurrentQueue::unbounded(),
            sleeping: AtomicBool::new(false),
        }
    }

    /// Hands `task` to the owner. True if the owner may be asleep: the caller
    /// must then unpark it.
    pub(crate) fn push(&self, task: T) -> bool {
        // Unbounded and never closed: the push cannot fail.
        let _ = self.queue.push(task);
        // Orders the push before the read of the flag; pairs with the fence
        // in `sleep`.
        fence(Ordering::SeqCst);
        self.sleeping.load(Ordering::SeqCst)
    }

    /// Takes the oldest task (the owner, or an idle worker helping out).
    pub(crate) fn pop(&self) -> Option<T> {
        self.queue.pop().ok()
    }

    /// True if no task waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// True if the owner has gone to sleep (a hint for senders, who then
    /// keep the task: see the module docs).
    pub(crate) fn is_sleeping(&self) -> bool {
        self.sleeping.load(Ordering::Relaxed)
    }

    /// The owner is about to sleep. True if a task waits: it must not.
    pub(crate) fn sleep(&self) -> bool {
        self.sleeping.store(true, Ordering::SeqCst);
        // Orders the store before the look at the queue; pairs with the
        // fence in `push`.
        fence(Ordering::SeqCst);
        !self.queue.is_empty()
    }

    /// The owner is awake again.
    pub(crate) fn wake(&self) {
        self.sleeping.store(false, Ordering::Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_sleeping_owner_with_a_task_waiting_must_not_sleep() {
        let inbox = Inbox::new();
        assert!(!inbox.push(1), "the owner is awake: no unpark needed");
        assert!(inbox.sleep(), "a task waits: the owner must not sleep");
        assert!(inbox.push(2), "the owner may be asleep: unpark it");
        inbox.wake();
        assert_eq!(
            (inbox.pop(), inbox.pop(), inbox.pop()),
            (Some(1), Some(2), None)
        );
    }

    #[test]
    fn any_worker_may_take_a_task_in_fifo_order() {
        let inbox = std::sync::Arc::new(Inbox::new());
        for i in 0..100 {
            assert!(!inbox.push(i));
        }
        let thief = inbox.clone();
        let first = std::thread::spawn(move || thief.pop()).join().unwrap();
        assert_eq!(first, Some(0));
        assert_eq!(inbox.pop(), Some(1));
    }

    #[test]
    fn a_sleeping_owner_is_reported_until_it_wakes() {
        let inbox = Inbox::new();
        assert!(!inbox.sleep());
        assert!(inbox.is_sleeping());
        assert!(inbox.push(()));
        inbox.wake();
        assert!(!inbox.is_sleeping());
        assert!(!inbox.push(()));
    }
}
