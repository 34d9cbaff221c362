//! The shared half of a buffer or object pool: one depot per size class, the
//! caps, and how to free a block for good. The per-thread half is in
//! [`local`](crate::local).

use std::ptr::NonNull;

use crate::block::Batch;
use crate::depot::{DEPOT_SLOTS, Depot};
use crate::local::{HotFreeList, with_lists};

/// The most size classes a pool has (the buffer pool's 512 B to 1 MiB).
pub(crate) const MAX_CLASSES: usize = 12;

/// The longest batch: long enough to make depot traffic rare, short enough
/// that a spill (which walks the batch) stays cheap.
const MAX_BATCH: usize = 32;

/// One size class's caps, in blocks (depot: in batches).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    batch: usize,
    thread_cap: usize,
    depot_batches: usize,
}

impl Limits {
    pub(crate) const NONE: Limits = Limits {
        batch: 1,
        thread_cap: 1,
        depot_batches: 0,
    };

    /// Caps for a class, from how many blocks a thread and the depot may keep.
    pub(crate) const fn new(per_thread: usize, depot: usize) -> Limits {
        let thread_cap = if per_thread == 0 { 1 } else { per_thread };
        let half = thread_cap / 2;
        let batch = if half == 0 {
            1
        } else if half > MAX_BATCH {
            MAX_BATCH
        } else {
            half
        };
        let depot_batches = depot.div_ceil(batch);
        Limits {
            batch,
            thread_cap,
            depot_batches: if depot_batches > DEPOT_SLOTS {
                DEPOT_SLOTS
            } else {
                depot_batches
            },
        }
    }

    /// The most blocks one thread keeps.
    pub(crate) const fn thread_cap(&self) -> usize {
        self.thread_cap
    }

    /// The most blocks the depot keeps.
    pub(crate) const fn depot_cap(&self) -> usize {
        self.batch * self.depot_batches
    }
}

/// Frees one block of a class for good.
pub(crate) type Release = unsafe fn(class: usize, block: NonNull<u8>);

pub(crate) struct Shelf {
    depots: [Depot; MAX_CLASSES],
    limits: [Limits; MAX_CLASSES],
    release: Release,
}

impl Shelf {
    pub(crate) const fn new(limits: [Limits; MAX_CLASSES], release: Release) -> Shelf {
        Shelf {
            depots: [const { Depot::new() }; MAX_CLASSES],
            limits,
            release,
        }
    }

    pub(crate) fn limits(&self, class: usize) -> Limits {
        self.limits[class]
    }

    /// A cached block of `class`, from this thread's list or, when that is
    /// empty, from a batch of the depot. `None`: the caller makes a new one.
    #[inline]
    pub(crate) fn take(&'static self, class: usize) -> Option<NonNull<u8>> {
        with_lists(self, |lists| {
            let list = &lists[class];
            list.pop().or_else(|| {
                list.fill(self.depots[class].pop()?);
                list.pop()
            })
        })
        .flatten()
    }

    /// Caches a block of `class`; when this thread's list passes its cap, a
    /// batch goes to the depot, and when that is full, the batch is freed.
    ///
    /// # Safety
    ///
    /// `block` is a free block of `class` that `release` can free, handed over.
    #[inline]
    pub(crate) unsafe fn put(&'static self, class: usize, block: NonNull<u8>) {
        let limits = &self.limits[class];
        // `Some(surplus)`: the block is cached, and `surplus` is a batch the
        // depot had no room for.
        let cached = with_lists(self, |lists| {
            let list = &lists[class];
            // SAFETY: forwarded from the caller.
            if unsafe { list.push(block) } <= limits.thread_cap {
                return None;
            }
            let batch = list.take(limits.batch);
            self.depots[class].push(batch, limits.depot_batches).err()
        });
        match cached {
            Some(None) => {}
            // SAFETY: the blocks are free blocks of `class`, now ours alone.
            Some(Some(surplus)) => unsafe { self.release_all(class, surplus) },
            // SAFETY: no cache took the block: it is still ours to free.
            None => unsafe { (self.release)(class, block) },
        }
    }

    /// Empties a thread's lists: full batches go to the depots while they
    /// have room, the rest is freed.
    pub(crate) fn flush(&self, lists: &[HotFreeList; MAX_CLASSES]) {
        for (class, list) in lists.iter().enumerate() {
            let limits = &self.limits[class];
            while list.len() > 0 {
                let batch = list.take(limits.batch);
                if let Err(batch) = self.depots[class].push(batch, limits.depot_batches) {
                    // SAFETY: the list held free blocks of `class`, now ours alone.
                    unsafe { self.release_all(class, batch) };
                }
            }
        }
    }

    /// # Safety
    ///
    /// The batch holds free blocks of `class` that `release` can free.
    unsafe fn release_all(&self, class: usize, mut batch: Batch) {
        while let Some(block) = batch.pop() {
            // SAFETY: forwarded from the caller.
            unsafe { (self.release)(class, block) };
        }
    }

    /// Blocks of `class` in the depot.
    pub(crate) fn depot_blocks(&self, class: usize) -> usize {
        self.depots[class].blocks()
    }

    /// Blocks of `class` in this thread's cache.
    pub(crate) fn local_blocks(&'static self, class: usize) -> usize {
        with_lists(self, |lists| lists[class].len()).unwrap_or(0)
    }
}
