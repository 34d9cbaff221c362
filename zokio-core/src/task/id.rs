//! Task identity: a process-unique [`Id`], and the one-word metadata every task
//! carries in its header.

use std::fmt;
use std::num::NonZeroU64;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64 as StdAtomicU64;

use crate::context;
use crate::sync::atomic::{AtomicU64, Ordering};

/// An opaque identifier of a task, unique among all tasks spawned in this process.
///
/// ```
/// let (runnable, handle) = zokio_core::task::spawn(async {}, |_, _| {});
/// assert_eq!(runnable.id(), handle.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

/// Ids are handed out in blocks so that spawning writes no shared counter:
/// one `fetch_add` on the global counter buys a thread this many ids.
const ID_BLOCK: u64 = 1024;

static NEXT_BLOCK: StdAtomicU64 = StdAtomicU64::new(1);

impl Id {
    pub(crate) fn next() -> Id {
        // The context holds the ids this thread may hand out: `next..end`.
        let raw = context::with(|cx| {
            let ids = &cx.ids;
            let (next, end) = ids.get();
            if next < end {
                ids.set((next + 1, end));
                next
            } else {
                let start = NEXT_BLOCK.fetch_add(ID_BLOCK, Ordering::Relaxed);
                ids.set((start + 1, start + ID_BLOCK));
                start
            }
        })
        // Thread-local storage is gone while the thread exits: take a single id.
        .unwrap_or_else(|| NEXT_BLOCK.fetch_add(1, Ordering::Relaxed));
        Id(NonZeroU64::new(raw).unwrap_or(NonZeroU64::MIN))
    }

    /// The id as a number, for logs and metrics.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }

    /// The id whose [`as_u64`](Id::as_u64) is `raw` (`None` for zero), for
    /// a scheduler that publishes ids through atomics. An id made this way
    /// names a task only if one was spawned with it.
    ///
    /// ```
    /// let (runnable, _handle) = zokio_core::task::spawn(async {}, |_, _| {});
    /// let id = runnable.id();
    /// assert_eq!(zokio_core::task::Id::from_u64(id.as_u64()), Some(id));
    /// assert_eq!(zokio_core::task::Id::from_u64(0), None);
    /// ```
    pub fn from_u64(raw: u64) -> Option<Id> {
        NonZeroU64::new(raw).map(Id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

/// The metadata in every task header: one word, so that a spawned `pending()`
/// fits in 56 bytes.
///
/// The word is either `id << 3 | INLINE` for an unnamed task, or a pointer to a
/// boxed [`Named`] (8-aligned, so its low three bits are free). Bit 1 is the
/// abort flag and bit 2 the finished flag in both forms. Names are rare, so
/// they live out of line.
pub(crate) struct TaskMeta {
    word: AtomicU64,
}

const INLINE: u64 = 0b01;
const ABORT: u64 = 0b010;
const FINISHED: u64 = 0b100;
const FLAGS: u64 = INLINE | ABORT | FINISHED;

struct Named {
    id: Id,
    name: Box<str>,
}

impl TaskMeta {
    pub(crate) fn new(name: Option<&str>) -> TaskMeta {
        let id = Id::next();
        let word = match name {
            None => (id.0.get() << 3) | INLINE,
            Some(name) => {
                let named = Box::new(Named {
                    id,
                    name: name.into(),
                });
                Box::into_raw(named) as usize as u64
            }
        };
        TaskMeta {
            word: AtomicU64::new(word),
        }
    }

    #[inline]
    fn named(word: u64) -> Option<NonNull<Named>> {
        if word & INLINE != 0 {
            None
        } else {
            NonNull::new((word & !FLAGS) as usize as *mut Named)
        }
    }

    #[inline]
    pub(crate) fn id(&self) -> Id {
        // The id part never changes after spawn, which published the task.
        let word = self.word.load(Ordering::Relaxed);
        match Self::named(word) {
            // SAFETY: the box is owned by this metadata and freed only in its `Drop`.
            Some(named) => unsafe { named.as_ref().id },
            None => Id(NonZeroU64::new(word >> 3).unwrap_or(NonZeroU64::MIN)),
        }
    }

    #[inline]
    pub(crate) fn name(&self) -> Option<&str> {
        let word = self.word.load(Ordering::Relaxed);
        // SAFETY: the box is owned by this metadata and freed only in its `Drop`,
        // so it outlives the `&self` borrow the returned name is tied to.
        Self::named(word).map(|named| unsafe { &*named.as_ptr() }.name.as_ref())
    }

    /// Sets the abort flag; returns true if this call set it.
    pub(crate) fn request_abort(&self) -> bool {
        self.word.fetch_or(ABORT, Ordering::Release) & ABORT == 0
    }

    /// Records that the task's future is gone (completed, panicked or
    /// cancelled), for [`AbortHandle::is_finished`](super::AbortHandle::is_finished).
    ///
    /// Called once per task, by the only thread that owns the task's future
    /// at that moment. A plain load and store, not a read-modify-write: the
    /// only concurrent writer is `request_abort`, and an abort flag that
    /// this store overwrites is moot once the task has finished.
    #[inline]
    pub(crate) fn mark_finished(&self) {
        let word = self.word.load(Ordering::Relaxed);
        self.word.store(word | FINISHED, Ordering::Release);
    }

    /// True once [`mark_finished`](TaskMeta::mark_finished) ran.
    pub(crate) fn is_finished(&self) -> bool {
        self.word.load(Ordering::Acquire) & FINISHED != 0
    }

    pub(crate) fn is_abort_requested(&self) -> bool {
        // The abort flag is stored before the waker is called, and async-task's
        // state transitions (std atomics) order that wake before the next poll.
        // loom cannot see those std atomics, so under loom an RMW, which always
        // reads the latest value, stands in for that ordering.
        #[cfg(loom)]
        let word = self.word.fetch_or(0, Ordering::AcqRel);
        #[cfg(not(loom))]
        let word = self.word.load(Ordering::Acquire);
        word & ABORT != 0
    }
}

impl Drop for TaskMeta {
    fn drop(&mut self) {
        let word = self.word.load(Ordering::Relaxed);
        if let Some(named) = Self::named(word) {
            // SAFETY: the pointer came from `Box::into_raw` in `new` and is freed once, here.
            drop(unsafe { Box::from_raw(named.as_ptr()) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_one_word() {
        assert_eq!(std::mem::size_of::<TaskMeta>(), 8);
    }

    #[test]
    fn inline_and_named_forms_keep_id_name_and_flag() {
        let plain = TaskMeta::new(None);
        let named = TaskMeta::new(Some("worker"));
        assert_ne!(plain.id(), named.id());
        assert_eq!(plain.name(), None);
        assert_eq!(named.name(), Some("worker"));
        for meta in [&plain, &named] {
            let id = meta.id();
            assert!(!meta.is_abort_requested());
            assert!(meta.request_abort());
            assert!(!meta.request_abort());
            assert!(meta.is_abort_requested());
            assert_eq!(meta.id(), id, "the flag must not disturb the id");
        }
        assert_eq!(named.name(), Some("worker"));
    }

    #[test]
    fn ids_are_unique_within_a_thread_across_blocks() {
        let ids: Vec<Id> = (0..3 * ID_BLOCK).map(|_| Id::next()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }
}
