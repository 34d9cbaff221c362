//! Per-thread free lists, and the thread caches of the buffer and object pools.
//!
//! Everything here is in `Cell`s: a cache operation never calls out (no
//! allocation, no user code) between reading and writing a list, so a
//! re-entrant call (a pooled object's destructor using a pool) sees a
//! consistent list and no `RefCell` flag is needed.

use std::cell::Cell;
use std::ptr::{self, NonNull};

use crate::block::{Batch, next, set_next};
use crate::shelf::{MAX_CLASSES, Shelf};

/// A thread's free blocks of one size class.
pub(crate) struct FreeList {
    head: Cell<*mut u8>,
    len: Cell<usize>,
}

impl FreeList {
    pub(crate) const fn new() -> FreeList {
        FreeList {
            head: Cell::new(ptr::null_mut()),
            len: Cell::new(0),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    /// # Safety
    ///
    /// As [`Batch::push`]: the block is free, pointer-wide and handed over.
    #[inline]
    pub(crate) unsafe fn push(&self, block: NonNull<u8>) {
        // SAFETY: forwarded from the caller.
        unsafe { set_next(block, self.head.get()) };
        self.head.set(block.as_ptr());
        self.len.set(self.len.get() + 1);
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<NonNull<u8>> {
        let len = self.len.get();
        if len == 0 {
            return None;
        }
        // SAFETY: a non-empty list's head is its first linked block.
        let block = unsafe { NonNull::new_unchecked(self.head.get()) };
        // SAFETY: every block in the list was linked by `push` or `fill`.
        self.head.set(unsafe { next(block) });
        self.len.set(len - 1);
        Some(block)
    }

    /// Detaches the first `n` blocks (or all, if fewer) as a batch.
    pub(crate) fn take(&self, n: usize) -> Batch {
        let n = n.min(self.len.get());
        let head = self.head.get();
        if n == 0 {
            return Batch::new();
        }
        let mut tail = head;
        for _ in 1..n {
            // SAFETY: `n <= len`, so the first `n` blocks are linked; `tail`
            // is one of them and not the last.
            tail = unsafe { next(NonNull::new_unchecked(tail)) };
        }
        // SAFETY: `tail` is the `n`th linked block.
        self.head.set(unsafe { next(NonNull::new_unchecked(tail)) });
        self.len.set(self.len.get() - n);
        // SAFETY: `head` starts a chain of `n` blocks that the list gave up.
        unsafe { Batch::from_raw(head, n) }
    }

    /// Moves every block of `batch` into the list.
    pub(crate) fn fill(&self, mut batch: Batch) {
        if self.len.get() == 0 {
            let (head, len) = batch.into_raw();
            self.head.set(head);
            self.len.set(len);
            return;
        }
        while let Some(block) = batch.pop() {
            // SAFETY: the batch owned the block and hands it over.
            unsafe { self.push(block) };
        }
    }
}

/// How many pools one thread caches for. A thread that uses more pools than
/// this takes and returns the extra pools' blocks without a cache.
const MAX_POOLS: usize = 8;

/// One thread's caches, one row of lists per pool it has used.
struct ShelfCaches {
    owners: [Cell<*const Shelf>; MAX_POOLS],
    lists: [[FreeList; MAX_CLASSES]; MAX_POOLS],
}

impl ShelfCaches {
    const fn new() -> ShelfCaches {
        ShelfCaches {
            owners: [const { Cell::new(ptr::null()) }; MAX_POOLS],
            lists: [const { [const { FreeList::new() }; MAX_CLASSES] }; MAX_POOLS],
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
    f: impl FnOnce(&[FreeList; MAX_CLASSES]) -> R,
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
