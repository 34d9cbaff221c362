//! The queue every worker takes from: tasks scheduled from outside the
//! workers, and the halves of rings that ran full.
//!
//! The two arrive differently, so they are kept apart. A task scheduled
//! from outside comes alone, from any thread, and goes onto a lock-free
//! queue. A full ring spills 129 tasks at once, and a worker pulling them
//! back takes dozens at once: one lock for the whole batch costs far less
//! than a compare-and-swap (and a share of a block allocation) per task,
//! which is what the lock-free queue would charge. With 1,000 tasks
//! yielding on two workers (rings of 256 overflowing all the time),
//! `yield_many` went from 0.73x Tokio to 0.84-0.87x with the batches.
//!
//! The spilled tasks' count is kept beside the lock, so asking whether
//! there is anything to take never locks. It is written under the lock
//! with `SeqCst`, as the lock-free queue's own count is: a worker that
//! announces it is parking and then finds both counts zero cannot miss a
//! spill that another worker's announcement-then-check would not see either.

use std::collections::VecDeque;

use concurrent_queue::ConcurrentQueue;
use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicUsize, Ordering};
use zokio_core::task::Runnable;

pub(crate) struct Injector {
    /// Tasks scheduled from outside the workers, one at a time.
    single: ConcurrentQueue<Runnable>,
    /// What full rings spilled, oldest first.
    spilled: Mutex<VecDeque<Runnable>>,
    /// How many tasks `spilled` holds: written under its lock, read
    /// without it.
    spilled_len: AtomicUsize,
}

impl Injector {
    pub(crate) fn new() -> Injector {
        Injector {
            single: ConcurrentQueue::unbounded(),
            spilled: Mutex::new(VecDeque::new()),
            spilled_len: AtomicUsize::new(0),
        }
    }

    /// Queues a task scheduled from outside the workers.
    pub(crate) fn push(&self, task: Runnable) {
        // Unbounded and never closed: the push cannot fail.
        let _ = self.single.push(task);
    }

    /// Queues what a full ring spilled, under one lock.
    pub(crate) fn push_spill(&self, batch: &mut dyn Iterator<Item = Runnable>) {
        let mut spilled = self.spilled.lock().unwrap_or_else(|e| e.into_inner());
        spilled.extend(batch);
        self.spilled_len.store(spilled.len(), Ordering::SeqCst);
    }

    /// True if neither queue holds a task (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.single.is_empty() && self.spilled_len.load(Ordering::SeqCst) == 0
    }

    /// Tasks in both queues (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.single.len() + self.spilled_len.load(Ordering::SeqCst)
    }

    /// Takes one task, from outside first (those have waited for a worker
    /// to look; spilled ones were running a moment ago).
    pub(crate) fn pop(&self) -> Option<Runnable> {
        if let Ok(task) = self.single.pop() {
            return Some(task);
        }
        if self.spilled_len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let mut spilled = self.spilled.lock().unwrap_or_else(|e| e.into_inner());
        let task = spilled.pop_front();
        self.spilled_len.store(spilled.len(), Ordering::SeqCst);
        task
    }

    /// Moves up to `max` tasks into `into`, from outside first, the spilled
    /// ones under one lock. `into` is filled, not called, under the lock,
    /// so the caller may push the tasks where a push can spill again.
    pub(crate) fn take_batch(&self, max: usize, into: &mut Vec<Runnable>) {
        let mut left = max;
        while left > 0 {
            match self.single.pop() {
                Ok(task) => into.push(task),
                Err(_) => break,
            }
            left -= 1;
        }
        if left == 0 || self.spilled_len.load(Ordering::SeqCst) == 0 {
            return;
        }
        let mut spilled = self.spilled.lock().unwrap_or_else(|e| e.into_inner());
        let n = left.min(spilled.len());
        into.extend(spilled.drain(..n));
        self.spilled_len.store(spilled.len(), Ordering::SeqCst);
    }

    /// Drops every queued task (at shutdown).
    pub(crate) fn drain(&self) {
        while let Ok(task) = self.single.pop() {
            drop(task);
        }
        let spilled = {
            let mut spilled = self.spilled.lock().unwrap_or_else(|e| e.into_inner());
            self.spilled_len.store(0, Ordering::SeqCst);
            std::mem::take(&mut *spilled)
        };
        // Dropped outside the lock: a task's drop may schedule another.
        drop(spilled);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;

    use zokio_core::Schedule;
    use zokio_core::task::{Builder, ScheduleHint};

    /// Counts what it is handed and drops it.
    #[derive(Clone, Default)]
    struct Count(Arc<StdAtomicUsize>);

    impl Schedule for Count {
        fn schedule(&self, _task: Runnable, _hint: ScheduleHint) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn tasks(n: usize) -> Vec<Runnable> {
        (0..n)
            .map(|i| {
                let (runnable, _detached) =
                    Builder::new().spawn(async move { i }, Count::default());
                runnable
            })
            .collect()
    }

    #[test]
    fn outside_tasks_come_before_spilled_ones_and_nothing_is_lost() {
        let injector = Injector::new();
        assert!(injector.is_empty());
        let mut spill = tasks(129);
        let spill_ids: Vec<_> = spill.iter().map(Runnable::id).collect();
        injector.push_spill(&mut spill.drain(..));
        let outside = tasks(3);
        let outside_ids: Vec<_> = outside.iter().map(Runnable::id).collect();
        for task in outside {
            injector.push(task);
        }
        assert_eq!(injector.len(), 132);
        assert!(!injector.is_empty());

        let mut taken = Vec::new();
        injector.take_batch(50, &mut taken);
        let ids: Vec<_> = taken.iter().map(Runnable::id).collect();
        assert_eq!(ids[..3], outside_ids[..]);
        assert_eq!(
            ids[3..],
            spill_ids[..47],
            "spilled tasks in the order they spilled"
        );
        assert_eq!(injector.len(), 82);

        let next = injector.pop().expect("a spilled task is left");
        assert_eq!(next.id(), spill_ids[47]);
        taken.clear();
        injector.take_batch(1_000, &mut taken);
        assert_eq!(taken.len(), 81);
        assert!(injector.is_empty());
        assert!(injector.pop().is_none());
    }

    #[test]
    fn drain_drops_both_queues() {
        let injector = Injector::new();
        let mut spill = tasks(10);
        injector.push_spill(&mut spill.drain(..));
        injector.push(tasks(1).pop().unwrap());
        injector.drain();
        assert!(injector.is_empty());
        assert_eq!(injector.len(), 0);
    }
}
