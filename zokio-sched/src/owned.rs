//! The tasks a scheduler owns, so that shutting it down can cancel them all,
//! wherever they wait (a socket, a timer, a channel held outside).
//!
//! A task that is queued is found in the queues at shutdown; only a task that
//! waits needs to be remembered. Every task is run through [`OwnedTasks::run`],
//! which hands the task this registry (a [`WaitRegistry`]): in the poll in
//! which a task first returns `Pending` it stores its waker here and keeps
//! the [`WaitKey`] it gets in its own block, and in the run in which such a
//! task finishes it removes the waker by that key. A task that completes in
//! its first poll (most short tasks) costs no lock and nothing here.
//!
//! Both records happen inside the task's own runs, which never overlap, so
//! a task woken, stolen and finished on another worker cannot have its
//! finish recorded before its wait: that worker's run starts only after the
//! run that recorded the wait has returned.
//!
//! The wakers are kept in shards, a [`WakerSlab`] each, one word per waiting
//! task. A first wait goes to the shard of the worker that polled it (no
//! contention between workers that record waits at once); the key says
//! which shard, so the finish finds it from any worker.
//!
//! At shutdown the registry is marked closed, every shard is emptied and
//! each waiting task is woken. From then on every run cancels its task
//! instead of polling it, so whichever run a wake leads to drops the
//! future: the run of the `Runnable` the wake queued, or, when the wake
//! found the task already queued by another, that earlier run (a worker
//! that took a task just before the mark would otherwise poll it, see it
//! wait again unrecorded, and never drop it). A `Runnable` the scheduler
//! drops without running is cancelled as well. A task whose first wait
//! reaches a shard after it closed is woken at once, from inside that poll,
//! so it is run once more, by a run that cancels it.

use std::task::Waker;

use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicBool, Ordering};
use zokio_core::task::{Runnable, WaitKey, WaitRegistry};

use crate::waker_slab::WakerSlab;

struct Shard {
    slab: WakerSlab,
    closed: bool,
}

/// Padded so that two shards never share a cache line.
#[repr(align(128))]
struct PaddedShard(Mutex<Shard>);

pub(crate) struct OwnedTasks {
    /// Set first thing at shutdown: from then on a run cancels its task
    /// instead of polling it (see `Runnable::run_owned`).
    closed: AtomicBool,
    shards: Box<[PaddedShard]>,
    /// A key is `index << shard_bits | shard`.
    shard_bits: u32,
    /// Wakers that found every shard full (more than 2^32 waiting tasks,
    /// which no memory holds; kept so that even then none is lost): kept
    /// until shutdown, under `WaitKey::NONE`.
    overflow: Mutex<Vec<Waker>>,
}

/// The registry as one run sees it: the shard of the worker running it first.
struct Home<'a> {
    owned: &'a OwnedTasks,
    shard: usize,
}

impl OwnedTasks {
    /// At least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        Self::with_max_index(shards, usize::MAX)
    }

    /// As `new`, with each shard's slab indices kept below `max_index` as
    /// well as below what the key holds (tests make shards fill up).
    fn with_max_index(shards: usize, max_index: usize) -> OwnedTasks {
        let count = shards.clamp(1, 1 << 16).next_power_of_two();
        let shard_bits = count.trailing_zeros();
        // Every index below this makes a key below `WaitKey::NONE`.
        let key_room = (u32::MAX >> shard_bits) as usize;
        OwnedTasks {
            closed: AtomicBool::new(false),
            shards: (0..count)
                .map(|_| {
                    PaddedShard(Mutex::new(Shard {
                        slab: WakerSlab::new(key_room.min(max_index)),
                        closed: false,
                    }))
                })
                .collect(),
            shard_bits,
            overflow: Mutex::new(Vec::new()),
        }
    }

    /// Runs `task` once, on the worker numbered `worker`, and returns what
    /// [`Runnable::run`] returns. Takes no lock unless the task waits for
    /// the first time or finishes after waiting.
    #[inline]
    pub(crate) fn run(&self, task: Runnable, worker: usize) -> bool {
        let home = Home {
            owned: self,
            shard: worker & (self.shards.len() - 1),
        };
        task.run_owned(&self.closed, &home)
    }

    fn lock(&self, shard: usize) -> zokio_core::sync::MutexGuard<'_, Shard> {
        self.shards[shard]
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    #[cold]
    fn insert(&self, home: usize, mut waker: Waker) -> WaitKey {
        // The home shard, and only if it is full the others in turn.
        for shard in (0..self.shards.len()).map(|i| (home + i) & (self.shards.len() - 1)) {
            let mut guard = self.lock(shard);
            if guard.closed {
                drop(guard);
                // Shutting down: be run once more, so as to be dropped.
                waker.wake();
                return WaitKey::NONE;
            }
            match guard.slab.insert(waker) {
                Ok(index) => {
                    return WaitKey::new(((index as u32) << self.shard_bits) | shard as u32);
                }
                Err(back) => waker = back,
            }
        }
        let mut overflow = self.overflow.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(Ordering::Acquire) {
            drop(overflow);
            waker.wake();
        } else {
            overflow.push(waker);
        }
        WaitKey::NONE
    }

    #[cold]
    fn remove(&self, key: WaitKey) {
        if key == WaitKey::NONE {
            return;
        }
        let key = key.get() as usize;
        let shard = key & (self.shards.len() - 1);
        let mut guard = self.lock(shard);
        // Taken out of the slab but dropped after the lock: dropping a waker
        // may free its task.
        let released = guard.slab.remove(key >> self.shard_bits);
        drop(guard);
        drop(released);
    }

    /// Makes every later run cancel its task, refuses later records, and
    /// returns the wakers of every waiting task.
    pub(crate) fn close_and_take(&self) -> Vec<Waker> {
        // Before the wakes: each wake publishes it to the run it leads to.
        self.closed.store(true, Ordering::Release);
        let mut all = Vec::new();
        for shard in 0..self.shards.len() {
            let mut guard = self.lock(shard);
            guard.closed = true;
            guard.slab.drain_into(&mut all);
        }
        let mut overflow = self.overflow.lock().unwrap_or_else(|e| e.into_inner());
        all.append(&mut overflow);
        all
    }

    /// Tasks recorded as waiting now: they have waited at least once and not finished.
    pub(crate) fn len(&self) -> usize {
        let kept: usize = (0..self.shards.len())
            .map(|s| self.lock(s).slab.len())
            .sum();
        kept + self
            .overflow
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

impl WaitRegistry for Home<'_> {
    fn insert(&self, waker: Waker) -> WaitKey {
        self.owned.insert(self.shard, waker)
    }

    fn remove(&self, key: WaitKey) {
        self.owned.remove(key);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::waker_slab::PAGE;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;
    use std::task::{Context, Poll};
    use std::time::{Duration, Instant};

    use concurrent_queue::ConcurrentQueue;

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

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
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
        owned.run(r1, 0);
        assert_eq!(owned.len(), 0, "a task done in one poll is never recorded");
        owned.run(r2, 1);
        assert_eq!(owned.len(), 1);
        assert_eq!(zokio_core::block_on(h1).unwrap(), 1);
        let wakers = owned.close_and_take();
        assert_eq!(wakers.len(), 1);
        assert_eq!(owned.len(), 0);
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(rx.recv().unwrap()); // the scheduler drops it: cancelled
        assert!(zokio_core::block_on(h2).unwrap_err().is_cancelled());
        // A first wait that reaches a closed shard (its run began before the
        // mark, here replayed with a flag still clear): the task wakes
        // itself, to be dropped.
        let (r3, h3) = spawn(&tx, std::future::pending::<()>());
        let home = Home {
            owned: &owned,
            shard: 0,
        };
        assert!(
            r3.run_owned(&AtomicBool::new(false), &home),
            "it was rescheduled"
        );
        assert_eq!(owned.len(), 0, "nothing is kept after close");
        drop(rx.recv().unwrap());
        assert!(zokio_core::block_on(h3).unwrap_err().is_cancelled());
        // A run that begins after the mark cancels its task at once.
        let (r4, h4) = spawn(&tx, std::future::pending::<()>());
        owned.run(r4, 0);
        assert!(rx.try_recv().is_err());
        assert!(zokio_core::block_on(h4).unwrap_err().is_cancelled());
    }

    #[test]
    fn a_run_queued_before_shutdown_cancels_its_task_instead_of_polling_it() {
        let owned = OwnedTasks::new(1);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (runnable, handle) = spawn(&tx, std::future::pending::<()>());
        let waker = runnable.waker();
        owned.run(runnable, 0);
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
        owned.run(queued, 0);
        assert!(
            handle.is_finished(),
            "the task was polled again instead of dropped"
        );
        assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
    }

    #[test]
    fn a_finished_task_is_forgotten_wherever_it_finishes() {
        let owned = OwnedTasks::new(4);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (runnable, handle) = spawn(&tx, OnceIdle(false));
        let waker = runnable.waker();
        owned.run(runnable, 2);
        assert_eq!(owned.len(), 1);
        waker.wake();
        // Finished on another worker: the key leads it to the first one's shard.
        owned.run(rx.recv().unwrap(), 1);
        assert_eq!(owned.len(), 0);
        assert_eq!(zokio_core::block_on(handle).unwrap(), 3);
        assert!(owned.close_and_take().is_empty());
    }

    #[test]
    fn aborted_and_panicking_waiters_are_forgotten() {
        let owned = OwnedTasks::new(1);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let (aborted, ha) = spawn(&tx, std::future::pending::<()>());
        owned.run(aborted, 0);
        let (panics, hp) = spawn(&tx, async {
            zokio_core::task::yield_now().await;
            panic!("after a wait");
        });
        owned.run(panics, 0);
        assert_eq!(owned.len(), 2);
        ha.abort();
        while let Ok(task) = rx.try_recv() {
            owned.run(task, 0);
        }
        assert_eq!(owned.len(), 0);
        assert!(zokio_core::block_on(ha).unwrap_err().is_cancelled());
        assert!(zokio_core::block_on(hp).unwrap_err().is_panic());
    }

    /// The race the registry must survive: a task is woken from another
    /// thread while its first poll is still returning (its wait not yet
    /// recorded), and that thread runs and finishes it as soon as it can.
    #[test]
    fn a_task_woken_and_finished_elsewhere_during_its_first_wait_leaves_nothing() {
        const TASKS: usize = 2_000;
        let owned = Arc::new(OwnedTasks::new(2));
        let (wake_tx, wake_rx) = mpsc::channel::<Waker>();
        let (run_tx, run_rx) = mpsc::channel::<Runnable>();
        let other = {
            let owned = owned.clone();
            std::thread::spawn(move || {
                let mut finished = 0;
                while finished < TASKS {
                    // Wake the task the moment its poll hands its waker out...
                    if let Ok(waker) = wake_rx.recv_timeout(Duration::from_secs(10)) {
                        waker.wake();
                    }
                    // ...and run whatever that made runnable, on worker 1.
                    while let Ok(task) = run_rx.try_recv() {
                        owned.run(task, 1);
                        finished += 1;
                    }
                    assert!(finished <= TASKS);
                }
                while let Ok(task) = run_rx.recv_timeout(Duration::from_millis(50)) {
                    owned.run(task, 1);
                }
            })
        };
        let mut handles = Vec::new();
        for i in 0..TASKS {
            let wake_tx = wake_tx.clone();
            let mut sent = false;
            let future = std::future::poll_fn(move |cx| {
                if std::mem::replace(&mut sent, true) {
                    Poll::Ready(i)
                } else {
                    wake_tx.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                }
            });
            let (runnable, handle) = spawn(&run_tx, future);
            owned.run(runnable, 0);
            handles.push(handle);
        }
        other.join().unwrap();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(zokio_core::block_on(handle).unwrap(), i);
        }
        assert_eq!(owned.len(), 0, "every recorded wait was removed");
        assert!(owned.close_and_take().is_empty());
    }

    /// Shutdown while two workers are recording first waits: every future is
    /// dropped, whether its wait was taken by the close, refused by a closed
    /// shard, or its run began after the mark.
    #[test]
    fn shutdown_while_tasks_are_mid_registration_drops_every_future() {
        const TASKS: usize = 4_000;
        let owned = Arc::new(OwnedTasks::new(2));
        let queue = Arc::new(ConcurrentQueue::<Runnable>::unbounded());
        let drops = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        for _ in 0..TASKS {
            let counted = Counted(drops.clone());
            let queue2 = queue.clone();
            let (runnable, handle) = zokio_core::task::spawn(
                async move {
                    let _counted = counted;
                    std::future::pending::<()>().await;
                },
                move |t, _| {
                    // After the scheduler stops taking tasks, it drops them.
                    if let Err(e) = queue2.push(t) {
                        drop(e.into_inner());
                    }
                },
            );
            queue.push(runnable).unwrap();
            handles.push(handle);
        }
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let (owned, queue, stop) = (owned.clone(), queue.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Acquire) || !queue.is_empty() {
                        match queue.pop() {
                            Ok(task) => {
                                owned.run(task, worker);
                            }
                            Err(_) => std::thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while owned.len() < TASKS / 4 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        let wakers = owned.close_and_take();
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(wakers);
        stop.store(true, Ordering::Release);
        for worker in workers {
            worker.join().unwrap();
        }
        // What a scheduler's last step does: drop what is still queued.
        queue.close();
        while let Ok(task) = queue.pop() {
            drop(task);
        }
        assert_eq!(
            drops.load(Ordering::SeqCst),
            TASKS,
            "a future was not dropped"
        );
        for handle in handles {
            assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
        }
        assert_eq!(owned.len(), 0);
    }

    #[test]
    fn full_shards_spill_over_and_nothing_is_lost() {
        let owned = OwnedTasks::with_max_index(2, PAGE);
        let (tx, rx) = mpsc::channel::<Runnable>();
        let handles: Vec<_> = (0..2 * PAGE + 1)
            .map(|_| {
                let (runnable, handle) = spawn(&tx, std::future::pending::<()>());
                owned.run(runnable, 0);
                handle
            })
            .collect();
        assert_eq!(owned.lock(0).slab.len(), PAGE);
        assert_eq!(
            owned.lock(1).slab.len(),
            PAGE,
            "the home shard spilled over"
        );
        assert_eq!(owned.len(), 2 * PAGE + 1, "and the last one into overflow");
        let wakers = owned.close_and_take();
        assert_eq!(wakers.len(), 2 * PAGE + 1);
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(wakers);
        while let Ok(task) = rx.try_recv() {
            drop(task);
        }
        for handle in handles {
            assert!(zokio_core::block_on(handle).unwrap_err().is_cancelled());
        }
    }

    #[test]
    fn keys_name_their_shard() {
        let owned = OwnedTasks::new(3);
        assert_eq!(owned.shards.len(), 4);
        assert_eq!(owned.shard_bits, 2);
        let key = owned.insert(3, Waker::noop().clone());
        assert_eq!(key.get() & 3, 3);
        assert_eq!(owned.lock(3).slab.len(), 1);
        owned.remove(key);
        assert_eq!(owned.len(), 0);
        owned.remove(WaitKey::NONE);
    }
}
