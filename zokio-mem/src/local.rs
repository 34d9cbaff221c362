//! Per-thread free lists: the blocks a thread keeps of one size class.
//!
//! Everything here is in `Cell`s: a cache operation never calls out (no
//! allocation, no user code) between reading and writing a list, so a
//! re-entrant call (a pooled object's destructor using a pool) sees a
//! consistent list and no `RefCell` flag is needed.

use std::cell::Cell;
use std::ptr::{self, NonNull};

use crate::block::{Batch, next, set_next};

/// A thread's free blocks of one size class, linked through the blocks.
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

/// A [`FreeList`] with a hot slot in front for the block freed last: the
/// buffer and object pools' thread caches.
///
/// The slot is for the commonest way to use a pooled buffer, taking one and
/// giving it back before the next take: then a pop and a push each read and
/// write one word. With the list alone, a pop reads the link the previous
/// push wrote into the block, and both rewrite the head and the length: a
/// chain of store-to-load forwards through memory that bounded a 4 KiB
/// take/return at about 15 cycles (5.1 ns; 3.8 ns with the slot). The
/// allocator front keeps the plain list: its blocks come and go in runs,
/// where the slot only adds a step (its small-object loop was 10% slower).
pub(crate) struct HotFreeList {
    /// The block pushed last, unless a pop took it (null: empty).
    hot: Cell<*mut u8>,
    list: FreeList,
}

impl HotFreeList {
    pub(crate) const fn new() -> HotFreeList {
        HotFreeList {
            hot: Cell::new(ptr::null_mut()),
            list: FreeList::new(),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.list.len() + usize::from(!self.hot.get().is_null())
    }

    /// Adds a block; returns the new [`len`](HotFreeList::len).
    ///
    /// # Safety
    ///
    /// As [`Batch::push`]: the block is free, pointer-wide and handed over.
    #[inline]
    pub(crate) unsafe fn push(&self, block: NonNull<u8>) -> usize {
        if let Some(previous) = NonNull::new(self.hot.replace(block.as_ptr())) {
            // SAFETY: the hot block was free and ours; it moves to the list.
            unsafe { self.list.push(previous) };
        }
        self.list.len() + 1
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<NonNull<u8>> {
        NonNull::new(self.hot.replace(ptr::null_mut())).or_else(|| self.list.pop())
    }

    /// Detaches the first `n` blocks (or all, if fewer) as a batch, the hot
    /// block first.
    pub(crate) fn take(&self, n: usize) -> Batch {
        if let Some(hot) = NonNull::new(self.hot.replace(ptr::null_mut())) {
            // SAFETY: the hot block was free and ours; it moves to the list.
            unsafe { self.list.push(hot) };
        }
        self.list.take(n)
    }

    /// Moves every block of `batch` into the list (behind the hot block).
    pub(crate) fn fill(&self, batch: Batch) {
        self.list.fill(batch);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn blocks(n: usize) -> Vec<NonNull<u8>> {
        (0..n)
            .map(|_| NonNull::from(Box::leak(Box::new(0usize))).cast())
            .collect()
    }

    fn free(blocks: Vec<NonNull<u8>>) {
        for block in blocks {
            // SAFETY: each block came from `Box::<usize>::leak` in `blocks`.
            drop(unsafe { Box::from_raw(block.cast::<usize>().as_ptr()) });
        }
    }

    #[test]
    fn pops_are_last_in_first_out_across_the_hot_slot() {
        let list = HotFreeList::new();
        let all = blocks(4);
        for &block in &all {
            // SAFETY: fresh pointer-wide blocks, each pushed once.
            unsafe { list.push(block) };
        }
        assert_eq!(list.len(), 4);
        let popped: Vec<_> = std::iter::from_fn(|| list.pop()).collect();
        let mut expected = all.clone();
        expected.reverse();
        assert_eq!(popped, expected);
        assert_eq!(list.len(), 0);
        free(all);
    }

    #[test]
    fn a_batch_takes_the_hot_block_too() {
        let list = HotFreeList::new();
        let all = blocks(3);
        for &block in &all {
            // SAFETY: fresh pointer-wide blocks, each pushed once.
            unsafe { list.push(block) };
        }
        // The newest block is in the hot slot; a batch must include it, or a
        // flush (`while len > 0 { take }`) would never end.
        let mut batch = list.take(2);
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.pop(), Some(all[2]));
        assert_eq!(batch.pop(), Some(all[1]));
        assert_eq!(list.len(), 1);
        assert_eq!(list.take(5).len(), 1);
        assert_eq!(list.len(), 0);
        assert!(list.take(5).is_empty());
        free(all);
    }

    #[test]
    fn a_filled_batch_comes_out_after_the_hot_block() {
        let list = HotFreeList::new();
        let all = blocks(3);
        // SAFETY: fresh pointer-wide blocks, each pushed once.
        unsafe { list.push(all[0]) };
        let mut batch = Batch::new();
        // SAFETY: as above.
        unsafe {
            batch.push(all[1]);
            batch.push(all[2]);
        }
        list.fill(batch);
        assert_eq!(list.len(), 3);
        assert_eq!(list.pop(), Some(all[0]));
        assert_eq!(list.pop(), Some(all[2]));
        assert_eq!(list.pop(), Some(all[1]));
        assert_eq!(list.pop(), None);
        free(all);
    }
}
