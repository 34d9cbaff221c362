//! The tasks a scheduler owns, so that shutting it down can cancel them all,
//! wherever they wait (a socket, a timer, a channel held outside).
//!
//! A task that is queued is found in the queues at shutdown; only a task that
//! waits needs to be remembered. So each future is wrapped in [`Tracked`],
//! which registers the task's waker the first time the future returns
//! `Pending`, and unregisters it when the future is dropped. A task that
//! completes in its first poll (most short tasks) costs no lock and no
//! reference count. Entries are sharded (a worker spawns into its own shard).
//! At shutdown every shard is closed and each registered task is woken: the
//! scheduler then receives its `Runnable` and drops it, which drops the
//! future. A task that goes pending after its shard closed wakes itself for
//! the same end.

use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use zokio_core::sync::Mutex;

#[derive(Default)]
struct Shard {
    entries: Vec<Entry>,
    /// Head of the free list inside `entries` (`usize::MAX`: none).
    free: usize,
    len: usize,
    closed: bool,
}

enum Entry {
    Occupied(Waker),
    Vacant(usize),
}

/// Padded so that two workers' shards never share a cache line.
#[repr(align(128))]
struct PaddedShard(Mutex<Shard>);

pub(crate) struct OwnedTasks {
    shards: Box<[PaddedShard]>,
}

/// `Tracked::key` of a task not registered (yet).
const UNREGISTERED: usize = usize::MAX;
/// `Tracked::key` of a task that went pending after shutdown began.
const REFUSED: usize = usize::MAX - 1;

impl OwnedTasks {
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        OwnedTasks {
            shards: (0..shards.max(1))
                .map(|_| {
                    PaddedShard(Mutex::new(Shard {
                        free: usize::MAX,
                        ..Shard::default()
                    }))
                })
                .collect(),
        }
    }

    /// Wraps `future` so that it registers in shard `hint % shards` if it
    /// ever waits. Takes no lock.
    ///
    /// The caller must keep this `OwnedTasks` alive until the returned
    /// future is dropped (a scheduler does: the task's schedule handle holds
    /// the state that owns it, and a task drops its future first).
    pub(crate) fn track<F>(&self, hint: usize, future: F) -> Tracked<F> {
        Tracked {
            future,
            shard: NonNull::from(&self.shards[hint % self.shards.len()].0),
            key: UNREGISTERED,
        }
    }

    /// Refuses later registrations and returns the wakers of every waiting task.
    pub(crate) fn close_and_take(&self) -> Vec<Waker> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut guard = shard.0.lock().unwrap_or_else(|e| e.into_inner());
            guard.closed = true;
            guard.len = 0;
            let entries = std::mem::take(&mut guard.entries);
            drop(guard);
            all.extend(entries.into_iter().filter_map(|e| match e {
                Entry::Occupied(waker) => Some(waker),
                Entry::Vacant(_) => None,
            }));
        }
        all
    }

    /// Tasks registered now: they have waited at least once and not finished.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()).len)
            .sum()
    }
}

/// A task's future plus its owned-set entry.
pub(crate) struct Tracked<F> {
    future: F,
    shard: NonNull<Mutex<Shard>>,
    key: usize,
}

// SAFETY: `shard` points into an `OwnedTasks` that outlives this future (the
// contract of `OwnedTasks::track`); a `Mutex` is `Sync`, so using it from any
// thread is sound. The rest is `F`.
unsafe impl<F: Send> Send for Tracked<F> {}

impl<F> Tracked<F> {
    /// The shard, borrowed independently of `self` (it outlives `self`).
    fn shard<'a>(&self) -> &'a Mutex<Shard> {
        // SAFETY: alive for as long as this future (see `OwnedTasks::track`).
        unsafe { self.shard.as_ref() }
    }

    #[cold]
    fn register(&mut self, waker: &Waker) {
        let mut guard = self.shard().lock().unwrap_or_else(|e| e.into_inner());
        if guard.closed {
            drop(guard);
            self.key = REFUSED;
            // Shutting down: be scheduled once more, so as to be dropped.
            waker.wake_by_ref();
            return;
        }
        let entry = Entry::Occupied(waker.clone());
        let key = if guard.free == usize::MAX {
            guard.entries.push(entry);
            guard.entries.len() - 1
        } else {
            let key = guard.free;
            if let Entry::Vacant(next) = std::mem::replace(&mut guard.entries[key], entry) {
                guard.free = next;
            }
            key
        };
        guard.len += 1;
        self.key = key;
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out and
        // `Tracked` has no `Unpin` impl; `key` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let poll = unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx);
        if poll.is_pending() && this.key == UNREGISTERED {
            this.register(cx.waker());
        }
        poll
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        if self.key >= REFUSED {
            return;
        }
        let mut guard = self.shard().lock().unwrap_or_else(|e| e.into_inner());
        if guard.closed {
            return; // shutdown took every entry already
        }
        let free = guard.free;
        let removed = std::mem::replace(&mut guard.entries[self.key], Entry::Vacant(free));
        guard.free = self.key;
        guard.len -= 1;
        drop(guard);
        // Dropped outside the lock: it releases a reference to this task.
        drop(removed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;
    use zokio_core::task::Runnable;

    #[test]
    fn only_waiting_tasks_register_and_close_wakes_them() {
        let owned = Arc::new(OwnedTasks::new(2));
        let (tx, rx) = mpsc::channel::<Runnable>();
        let spawn = |hint, future: std::pin::Pin<Box<dyn Future<Output = i32> + Send>>| {
            let (owned2, tx) = (owned.clone(), tx.clone());
            zokio_core::task::spawn(owned.track(hint, future), move |t, _| {
                let _keep_alive = &owned2;
                tx.send(t).unwrap()
            })
        };
        let (r1, h1) = spawn(0, Box::pin(async { 1 }));
        let (r2, h2) = spawn(1, Box::pin(std::future::pending()));
        r1.run();
        assert_eq!(owned.len(), 0, "a task done in one poll never registers");
        r2.run();
        assert_eq!(owned.len(), 1);
        assert_eq!(zokio_core::block_on(h1).unwrap(), 1);
        let wakers = owned.close_and_take();
        assert_eq!(wakers.len(), 1);
        wakers.iter().for_each(Waker::wake_by_ref);
        drop(rx.recv().unwrap()); // the scheduler drops it: cancelled
        assert!(zokio_core::block_on(h2).unwrap_err().is_cancelled());
        // Pending after close: the task wakes itself to be dropped.
        let (r3, h3) = spawn(0, Box::pin(std::future::pending()));
        r3.run();
        drop(rx.recv().unwrap());
        assert!(zokio_core::block_on(h3).unwrap_err().is_cancelled());
    }
}
