//! The depot: the shared store behind the per-thread caches.

use std::fmt;
use std::ptr;
use std::sync::PoisonError;

use zokio_core::sync::Mutex;

use crate::block::Batch;

/// The most batches one depot can hold, whatever limit its owner sets.
pub const DEPOT_SLOTS: usize = 64;

/// A bounded stack of [`Batch`]es of one size class, shared by all threads.
///
/// Thread caches spill full batches here and refill from here, so the depot
/// is touched once per batch. It holds a lock only to move one batch pointer
/// in or out of a fixed array: no allocation, no loop, no user code under the
/// lock (std's `Mutex` is a futex on Linux, so this is safe inside a global
/// allocator). Being a lock and not a Treiber stack, it has no ABA problem.
///
/// ```
/// use std::ptr::NonNull;
/// use zokio_mem::{Batch, Depot};
///
/// let depot = Depot::new();
/// let mut batch = Batch::new();
/// let block = NonNull::from(Box::leak(Box::new(0usize))).cast::<u8>();
/// // SAFETY: a fresh pointer-wide allocation nobody else uses.
/// unsafe { batch.push(block) };
///
/// assert!(depot.push(batch, 1).is_ok());
/// assert_eq!(depot.batches(), 1);
/// // Full (limit 1): the batch comes back to the caller.
/// let refused = depot.push(Batch::new(), 1).unwrap_err();
/// assert!(refused.is_empty());
///
/// let mut batch = depot.pop().unwrap();
/// let block = batch.pop().unwrap();
/// // SAFETY: the block came from `Box::<usize>::leak` above.
/// drop(unsafe { Box::from_raw(block.cast::<usize>().as_ptr()) });
/// ```
pub struct Depot {
    stack: Mutex<Stack>,
}

struct Stack {
    heads: [*mut u8; DEPOT_SLOTS],
    lens: [u32; DEPOT_SLOTS],
    len: usize,
}

// SAFETY: the stack owns the batches' blocks exclusively (see `Batch`'s
// `Send`), and is only reached through the mutex.
unsafe impl Send for Stack {}

impl Stack {
    const EMPTY: Stack = Stack {
        heads: [ptr::null_mut(); DEPOT_SLOTS],
        lens: [0; DEPOT_SLOTS],
        len: 0,
    };
}

impl Depot {
    /// An empty depot.
    #[cfg(not(loom))]
    pub const fn new() -> Depot {
        Depot {
            stack: Mutex::new(Stack::EMPTY),
        }
    }

    /// An empty depot.
    #[cfg(loom)]
    pub fn new() -> Depot {
        Depot {
            stack: Mutex::new(Stack::EMPTY),
        }
    }

    /// Stores `batch` unless the depot already holds `limit` batches (or
    /// [`DEPOT_SLOTS`]), in which case the batch is handed back for the
    /// caller to free.
    pub fn push(&self, batch: Batch, limit: usize) -> Result<(), Batch> {
        let limit = limit.min(DEPOT_SLOTS);
        let Ok(len) = u32::try_from(batch.len()) else {
            return Err(batch);
        };
        let mut stack = self.stack.lock().unwrap_or_else(PoisonError::into_inner);
        if stack.len >= limit {
            return Err(batch);
        }
        let slot = stack.len;
        let (head, _) = batch.into_raw();
        stack.heads[slot] = head;
        stack.lens[slot] = len;
        stack.len = slot + 1;
        Ok(())
    }

    /// Takes the most recently stored batch (its blocks are the likeliest to
    /// be warm in some cache).
    pub fn pop(&self) -> Option<Batch> {
        let mut stack = self.stack.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = stack.len.checked_sub(1)?;
        stack.len = slot;
        let (head, len) = (stack.heads[slot], stack.lens[slot] as usize);
        stack.heads[slot] = ptr::null_mut();
        // SAFETY: `push` stored this chain of `len` blocks and gave up its
        // ownership; clearing the slot hands it to exactly one taker.
        Some(unsafe { Batch::from_raw(head, len) })
    }

    /// How many batches the depot holds.
    pub fn batches(&self) -> usize {
        self.stack
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len
    }

    /// How many blocks the depot holds, over all its batches.
    pub fn blocks(&self) -> usize {
        let stack = self.stack.lock().unwrap_or_else(PoisonError::into_inner);
        stack.lens[..stack.len].iter().map(|&n| n as usize).sum()
    }
}

impl Default for Depot {
    fn default() -> Depot {
        Depot::new()
    }
}

impl fmt::Debug for Depot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Depot")
            .field("batches", &self.batches())
            .finish()
    }
}
