//! Free blocks and the batches they travel in.
//!
//! A free block is memory nobody uses, so the pool keeps its bookkeeping in
//! it: the first word of a free block links to the next free block. That is
//! why caching costs no memory of its own and why a block must be at least a
//! pointer wide. Links are read and written unaligned, so buffers allocated
//! with alignment 1 can be linked too.

use std::fmt;
use std::ptr::{self, NonNull};

/// Reads the link in `block`'s first word.
///
/// # Safety
///
/// `block` is a free block at least a pointer wide whose link was written
/// by [`set_next`].
#[inline]
pub(crate) unsafe fn next(block: NonNull<u8>) -> *mut u8 {
    // SAFETY: the caller guarantees a pointer-wide free block holding a link.
    unsafe { block.as_ptr().cast::<*mut u8>().read_unaligned() }
}

/// Writes the link in `block`'s first word.
///
/// # Safety
///
/// `block` is a free block at least a pointer wide that nobody else uses.
#[inline]
pub(crate) unsafe fn set_next(block: NonNull<u8>, next: *mut u8) {
    // SAFETY: the caller guarantees a pointer-wide block that is ours to write.
    unsafe { block.as_ptr().cast::<*mut u8>().write_unaligned(next) }
}

/// A chain of free blocks of one size class, linked through their first
/// word: the unit in which thread caches and the [`Depot`](crate::Depot)
/// trade, so that the shared depot is touched once per batch, not per block.
///
/// A batch owns its blocks but does not know how to free them: dropping a
/// non-empty batch leaks its blocks, so owners drain batches with
/// [`pop`](Batch::pop).
///
/// ```
/// use std::ptr::NonNull;
/// use zokio_mem::Batch;
///
/// let blocks: Vec<NonNull<u8>> =
///     (0..3).map(|_| NonNull::from(Box::leak(Box::new(0usize))).cast()).collect();
/// let mut batch = Batch::new();
/// for &block in &blocks {
///     // SAFETY: each block is a fresh pointer-wide allocation nobody else uses.
///     unsafe { batch.push(block) };
/// }
/// assert_eq!(batch.len(), 3);
/// while let Some(block) = batch.pop() {
///     // SAFETY: the block came from `Box::<usize>::leak` above.
///     drop(unsafe { Box::from_raw(block.cast::<usize>().as_ptr()) });
/// }
/// assert!(batch.is_empty());
/// ```
pub struct Batch {
    head: *mut u8,
    len: usize,
}

// SAFETY: a batch owns its blocks exclusively (nobody else holds a pointer to
// a free block) and blocks are plain memory, so it may move between threads.
unsafe impl Send for Batch {}

impl Batch {
    /// An empty batch.
    pub const fn new() -> Batch {
        Batch {
            head: ptr::null_mut(),
            len: 0,
        }
    }

    /// The number of blocks in the batch.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch holds no block.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a free block to the batch.
    ///
    /// # Safety
    ///
    /// `block` is valid for reads and writes of a pointer (any alignment),
    /// nobody else uses it until the batch gives it back, and it is not
    /// already in a batch.
    #[inline]
    pub unsafe fn push(&mut self, block: NonNull<u8>) {
        // SAFETY: the caller hands the block over to us.
        unsafe { set_next(block, self.head) };
        self.head = block.as_ptr();
        self.len += 1;
    }

    /// Takes a block out of the batch.
    #[inline]
    pub fn pop(&mut self) -> Option<NonNull<u8>> {
        if self.len == 0 {
            return None;
        }
        // SAFETY: `len > 0`, so `head` is the first of `len` linked blocks
        // (the chain's last link is never read, so it needs no terminator).
        let block = unsafe { NonNull::new_unchecked(self.head) };
        // SAFETY: the block was linked by `push` or by `from_raw`'s caller.
        self.head = unsafe { next(block) };
        self.len -= 1;
        Some(block)
    }

    /// Splits the chain into its head pointer and length.
    #[inline]
    pub(crate) fn into_raw(self) -> (*mut u8, usize) {
        (self.head, self.len)
    }

    /// Rebuilds a batch from [`into_raw`](Batch::into_raw)'s parts.
    ///
    /// # Safety
    ///
    /// `head` starts a chain of exactly `len` linked free blocks that the
    /// caller owns (any `head` with `len == 0` is the empty batch).
    #[inline]
    pub(crate) unsafe fn from_raw(head: *mut u8, len: usize) -> Batch {
        Batch { head, len }
    }
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::new()
    }
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch").field("len", &self.len).finish()
    }
}
