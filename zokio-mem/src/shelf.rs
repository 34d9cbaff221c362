//! A buffer or object pool's shelf: one depot per size class, the caps, how
//! to free a block for good, and each thread's cache of free lists for it
//! (the lists themselves are in [`local`](crate::local)).

use std::cell::Cell;
use std::ptr::{self, NonNull};

use crate::block::Batch;
use crate::depot::{DEPOT_SLOTS, Depot};
use crate::local::HotFreeList;

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

/// How many pools one thread caches for. A thread that uses more pools than
/// this takes and returns the extra pools' blocks without a cache.
const MAX_POOLS: usize = 8;

/// One thread's caches, one row of lists per pool it has used.
struct ShelfCaches {
    owners: [Cell<*const Shelf>; MAX_POOLS],
    lists: [[HotFreeList; MAX_CLASSES]; MAX_POOLS],
}

impl ShelfCaches {
    const fn new() -> ShelfCaches {
        ShelfCaches {
            owners: [const { Cell::new(ptr::null()) }; MAX_POOLS],
            lists: [const { [const { HotFreeList::new() }; MAX_CLASSES] }; MAX_POOLS],
        }
    }
}

impl Drop for ShelfCaches {
    /// Thread exit: every cached block goes back to its pool's depot (or is
    /// freed when the depot is full).
    fn drop(&mut self) {
        for (owner, lists) in self.owners.iter().zip(&self.lists) {
            let shelf = owner.replace(ptr::null());
            if shelf.is_null() {
                break;
            }
            // SAFETY: owners are only ever set from `&'static Shelf`.
            unsafe { &*shelf }.flush(lists);
        }
    }
}

thread_local! {
    static CACHES: ShelfCaches = const { ShelfCaches::new() };
}

/// Runs `f` on this thread's lists for `shelf`, or returns `None` when the
/// thread has no cache for it (its caches are being destroyed, or it already
/// caches for [`MAX_POOLS`] other pools).
#[inline]
pub(crate) fn with_lists<R>(
    shelf: &'static Shelf,
    f: impl FnOnce(&[HotFreeList; MAX_CLASSES]) -> R,
) -> Option<R> {
    CACHES
        .try_with(|caches| {
            let me: *const Shelf = shelf;
            for (owner, lists) in caches.owners.iter().zip(&caches.lists) {
                let current = owner.get();
                if current == me {
                    return Some(f(lists));
                }
                if current.is_null() {
                    owner.set(me);
                    return Some(f(lists));
                }
            }
            None
        })
        .ok()
        .flatten()
}
