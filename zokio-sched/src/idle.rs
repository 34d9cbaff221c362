//! Who is searching for work and who sleeps: the bookkeeping that lets a new
//! task wake at most one worker, and none while one is already searching.
//!
//! One word packs the number of searching workers (low 16 bits) with the
//! number of unparked ones; the list of sleepers sits behind a lock that only
//! the park and unpark paths take. The handshake that rules out a lost wakeup:
//! a producer publishes its task, issues a `SeqCst` fence and reads the word;
//! the last searcher to park decrements the word (`SeqCst`) and then looks at
//! every queue once more. Either the producer sees no searcher and wakes a
//! sleeper, or the searcher sees the task.

use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicUsize, Ordering, fence};

const SEARCH_MASK: usize = (1 << 16) - 1;
const UNPARK_SHIFT: usize = 16;
const ONE_UNPARKED: usize = 1 << UNPARK_SHIFT;

/// The searching/parked state of a pool of workers.
#[derive(Debug)]
pub(crate) struct Idle {
    state: AtomicUsize,
    num_workers: usize,
    sleepers: Mutex<Vec<usize>>,
}

fn searching(state: usize) -> usize {
    state & SEARCH_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARK_SHIFT
}

impl Idle {
    /// All `num_workers` (at most 65,535) awake, none searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        debug_assert!(num_workers <= SEARCH_MASK);
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn should_notify(&self, state: usize) -> bool {
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// The sleeper to wake after new work was published, if one should be:
    /// none while a worker searches (it will find the work) or nobody sleeps.
    /// The returned worker is counted as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // Orders the caller's publication of work before the read of the
        // state; pairs with the `SeqCst` decrement in `transition_to_parked`.
        fence(Ordering::SeqCst);
        if !self.should_notify(self.state.load(Ordering::SeqCst)) {
            return None;
        }
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        if !self.should_notify(self.state.load(Ordering::SeqCst)) {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(ONE_UNPARKED | 1, Ordering::SeqCst);
        Some(worker)
    }

    /// Becomes a searcher unless half of the workers already search.
    pub(crate) fn transition_to_searching(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// A searcher found work. True if it was the last searcher: it must then
    /// wake another worker, so that remaining work keeps being looked for.
    pub(crate) fn transition_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, Ordering::SeqCst);
        searching(prev) == 1
    }

    /// `worker` goes to sleep. True if it was the last searcher: it must check
    /// every queue once more before it parks.
    pub(crate) fn transition_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        let dec = ONE_UNPARKED | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, Ordering::SeqCst);
        sleepers.push(worker);
        drop(sleepers);
        // Orders the decrement before the caller's last look at the queues;
        // pairs with the fence in `worker_to_notify`.
        fence(Ordering::SeqCst);
        is_searching && searching(prev) == 1
    }

    /// True while `worker` is on the sleepers list (not yet notified).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        let sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        sleepers.contains(&worker)
    }

    /// Takes `worker` off the sleepers list as unparked and not searching,
    /// because it found work of its own. False if a notifier took it first
    /// (it then counts as searching).
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        match sleepers.iter().position(|&w| w == worker) {
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.state.fetch_add(ONE_UNPARKED, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Workers searching for work now.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn num_searching(&self) -> usize {
        searching(self.state.load(Ordering::SeqCst))
    }

    /// Workers not parked now.
    pub(crate) fn num_unparked(&self) -> usize {
        unparked(self.state.load(Ordering::SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_last_searcher_to_park_rechecks_and_a_notified_worker_searches() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None, "everyone is awake");
        assert!(idle.transition_to_searching());
        assert!(
            idle.transition_to_parked(0, true),
            "the last searcher must re-check the queues"
        );
        assert_eq!(idle.worker_to_notify(), Some(0));
        assert_eq!(
            idle.num_searching(),
            1,
            "a notified worker starts out searching"
        );
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_to_searching());
        assert!(idle.transition_to_searching());
        assert!(!idle.transition_to_searching());
        assert!(!idle.transition_from_searching());
        assert!(idle.transition_from_searching());
    }

    #[test]
    fn no_wake_while_someone_searches() {
        let idle = Idle::new(3);
        assert!(!idle.transition_to_parked(2, false));
        assert!(idle.transition_to_searching());
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(2));
        assert_eq!(idle.worker_to_notify(), None, "the woken one searches");
        assert!(!idle.is_parked(2));
        assert_eq!((idle.num_searching(), idle.num_unparked()), (1, 3));
    }

    #[test]
    fn unpark_by_id_only_once() {
        let idle = Idle::new(2);
        idle.transition_to_parked(1, false);
        assert!(idle.unpark_worker_by_id(1));
        assert!(!idle.unpark_worker_by_id(1));
        assert_eq!(idle.num_unparked(), 2);
    }
}
