//! The tasks a scheduler owns, so that shutting it down can cancel them all,
//! wherever they wait (a socket, a timer, a channel held outside).
//!
//! A task that is queued is found in the queues at shutdown; only a task that
//! waits needs to be remembered. Every task is run through [`OwnedTasks::run`],
//! which reads the task's [`Id`] and then its [`RunReport`]: the run in which a
//! task first returns `Pending` hands over its waker, kept under the id, and the
//! run in which such a task finishes removes it. A task that completes in its
//! first poll (most short tasks) costs no lock, and no task carries a field for
//! this: the id is in every task's header already.
//!
//! Entries are sharded by `id`, so a task's two reports find the same shard
//! from any thread. The two reports come from different runs, which may be on
//! different workers: a task can be woken, stolen and finished before the
//! worker that ran its first poll records the wait. Whichever report comes
//! second removes the entry; the first leaves either the waker or, for a
//! finish that overtook its wait, an empty mark.
//!
//! At shutdown the registry is marked closed, every shard is emptied and
//! each waiting task is woken. From then on every run cancels its task
//! instead of polling it, so whichever run a wake leads to drops the
//! future: the run of the `Runnable` the wake queued, or, when the wake
//! found the task already queued by another, that earlier run (a worker
//! that took a task just before the mark would otherwise poll it, see it
//! wait again unrecorded, and never drop it). A `Runnable` the scheduler
//! drops without running is cancelled as well. A task whose first wait is
//! recorded after its shard closed is woken at once for the same end.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};
use std::task::Waker;

use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::task::{Id, RunReport, Runnable};

/// Task ids are unique and come in runs of consecutive numbers: one multiply,
/// folded, spreads them over both the bucket bits and the tag bits.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; this keeps the hasher total anyway.
        for &byte in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(byte));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        let product = u128::from(n) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

#[derive(Default)]
struct Shard {
    /// `Some`: the task waits. `None`: the task finished before its first
    /// wait was recorded; the late record removes the mark.
    entries: HashMap<u64, Option<Waker>, BuildHasherDefault<IdHasher>>,
    /// Entries that are `Some`.
    waiting: usize,
    closed: bool,
}

/// Padded so that two shards never share a cache line.
#[repr(align(128))]
struct PaddedShard(Mutex<Shard>);

pub(crate) struct OwnedTasks {
    /// Set first thing at shutdown: from then on a run cancels its task
    /// instead of polling it (see `Runnable::run_unless_closed`).
    closed: AtomicBool,
    shards: Box<[PaddedShard]>,
    /// `shards.len() - 1`; the length is a power of two.
    mask: usize,
}

impl OwnedTasks {
    /// At least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let count = shards.max(1).next_power_of_two();
        OwnedTasks {
            closed: AtomicBool::new(false),
            shards: (0..count)
                .map(|_| PaddedShard(Mutex::new(Shard::default())))
                .collect(),
            mask: count - 1,
        }
    }

    /// Runs `task` once and records whether it started or stopped waiting.
    /// Returns what [`Runnable::run`] returns. Takes no lock unless the task
    /// waited for the first time or finished after waiting.
    #[inline]
    pub(crate) fn run(&self, task: Runnable) -> bool {
        let report = task.run_unless_closed(&self.closed);
        let yielded = report.yielded;
        if let Some(id) = report.id {
            self.record(id, report);
        }
        yielded
    }

    fn shard(&self, id: Id) -> &Mutex<Shard> {
        &self.shards[id.as_u64() as usize & self.mask].0
    }

    #[cold]
    fn record(&self, id: Id, report: RunReport) {
        let mut shard = self.shard(id).lock().unwrap_or_else(|e| e.into_inner());
        if shard.closed {
            drop(shard);
            // Shutting down: be scheduled once more, so as to be dropped. (A
            // task that finished is not woken by this.)
            if let Some(waker) = report.first_wait {
                waker.wake();
            }
            return;
        }
        let key = id.as_u64();
        // Taken out of the map but dropped after the lock: dropping a waker
        // may free its task, which drops the task's output.
        let released = match (shard.entries.entry(key), report.first_wait) {
            // The task finished on another worker before this wait was recorded.
            (Entry::Occupied(mark), Some(waker)) => {
                mark.remove();
                Some(waker)
            }
            (Entry::Occupied(entry), None) => {
                let waker = entry.remove();
                shard.waiting -= usize::from(waker.is_some());
                waker
            }
            (Entry::Vacant(entry), Some(waker)) => {
                entry.insert(Some(waker));
                shard.waiting += 1;
                None
            }
            // Finished before its first wait was recorded: leave the mark.
            (Entry::Vacant(entry), None) => {
                entry.insert(None);
                None
            }
        };
        drop(shard);
        drop(released);
    }

    /// Makes every later run cancel its task, refuses later records, and
    /// returns the wakers of every waiting task.
    pub(crate) fn close_and_take(&self) -> Vec<Waker> {
        // Before the wakes: each wake publishes it to the run it leads to.
        self.closed.store(true, Ordering::Release);
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut guard = shard.0.lock().unwrap_or_else(|e| e.into_inner());
            guard.closed = true;
            guard.waiting = 0;
            let entries = std::mem::take(&mut guard.entries);
            drop(guard);
            all.extend(entries.into_values().flatten());
        }
        all
    }

    /// Tasks recorded as waiting now: they have waited at least once and not finished.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()).waiting)
            .sum()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::mpsc;
    use std::task::{Context, Poll};

    /// Pending on its first poll (without arranging a wake), ready after that.
    struct OnceIdle(bool);

    impl Future for OnceIdle {
        type Output = i32;
        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<i32> {
            if std::mem::replace(&mut self.0, true) {
                Poll::Ready(3)
            } else {
                Poll::Pending
            }
        }
    }

    fn spawn<F>(
        tx: &mpsc::Sender<Runnable>,
        future: F,
    ) -> (Runnable, zokio_core::task::JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let tx = tx.clone();
        zokio_core::task::spawn(future, move |t, _| tx.send(t).unwrap())
    }

    #[test]
    fn only_waiting_tasks_are_recorded_and_close_wakes_them() {
        let owned = OwnedTasks::new(2);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (r1, h1) = spawn(&tx, async { 1 });
        let (r2, h2) = spawn(&tx, std::future::pending::<()>());
        owned.run(r1);
        assert_eq!(owned.len(), 0, "a task done in one poll is never recorded");
        owned.run(r2);
        assert_eq!(owned.len(), 1);
        assert_eq!(zokio_core::block_on(h1).unwrap(), 1);
        let wakers = owned.close_and_take();
        assert_eq!(wakers.len(), 1);
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(rx.recv().unwrap()); // the scheduler drops it: cancelled
        assert!(zokio_core::block_on(h2).unwrap_err().is_cancelled());
        // A first wait recorded after close (its run began before the mark):
        // the task wakes itself, to be dropped.
        let (r3, h3) = spawn(&tx, std::future::pending::<()>());
        let id = r3.id();
        let report = r3.run_reporting();
        owned.record(id, report);
        drop(rx.recv().unwrap());
        assert!(zokio_core::block_on(h3).unwrap_err().is_cancelled());
        // A run that begins after the mark cancels its task at once.
        let (r4, h4) = spawn(&tx, std::future::pending::<()>());
        owned.run(r4);
        assert!(rx.try_recv().is_err());
        assert!(zokio_core::block_on(h4).unwrap_err().is_cancelled());
    }

    #[test]
    fn a_run_queued_before_shutdown_cancels_its_task_instead_of_polling_it() {
        let owned = OwnedTasks::new(1);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (runnable, handle) = spawn(&tx, std::future::pending::<()>());
        let waker = runnable.waker();
        owned.run(runnable);
        assert_eq!(owned.len(), 1, "it waits");
        // Something else wakes it: a run is queued on some worker.
        waker.wake_by_ref();
        let queued = rx.recv().unwrap();
        // Shutdown's wake merges into that queued run: nothing new is queued.
        let wakers = owned.close_and_take();
        wakers.iter().for_each(Waker::wake_by_ref);
        assert!(rx.try_recv().is_err());
        // The worker then runs what it had queued: the task must go, not wait
        // again where nothing will ever wake it.
        owned.run(queued);
        assert!(
            handle.is_finished(),
            "the task was polled again instead of dropped"
        );
        assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
    }

    #[test]
    fn a_finished_task_is_forgotten() {
        let owned = OwnedTasks::new(4);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (runnable, handle) = spawn(&tx, OnceIdle(false));
        let waker = runnable.waker();
        owned.run(runnable);
        assert_eq!(owned.len(), 1);
        waker.wake();
        owned.run(rx.recv().unwrap());
        assert_eq!(owned.len(), 0);
        assert_eq!(zokio_core::block_on(handle).unwrap(), 3);
        assert!(owned.close_and_take().is_empty());
    }

    #[test]
    fn a_finish_recorded_before_its_wait_leaves_nothing_behind() {
        // The race between two workers, replayed by hand: the wait of the
        // first run is recorded only after the second run's finish.
        let owned = OwnedTasks::new(1);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (runnable, handle) = spawn(&tx, OnceIdle(false));
        let id = runnable.id();
        let waker = runnable.waker();
        let first = runnable.run_reporting();
        assert!(first.first_wait.is_some());
        waker.wake();
        let second = rx.recv().unwrap().run_reporting();
        assert!(second.finished_after_wait);
        owned.record(id, second);
        assert_eq!(owned.len(), 0, "a mark is not a waiting task");
        owned.record(id, first);
        assert_eq!(owned.len(), 0);
        assert!(owned.close_and_take().is_empty(), "the mark is gone too");
        assert_eq!(zokio_core::block_on(handle).unwrap(), 3);
    }

    #[test]
    fn ids_spread_over_shards_and_buckets() {
        let owned = OwnedTasks::new(3);
        assert_eq!(owned.shards.len(), 4);
        let mut hashes: Vec<u64> = (1..=64u64)
            .map(|id| {
                let mut h = IdHasher::default();
                h.write_u64(id * 4); // one shard's ids
                h.finish() & 63
            })
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert!(
            hashes.len() > 32,
            "one shard's ids use many buckets: {}",
            hashes.len()
        );
    }
}
