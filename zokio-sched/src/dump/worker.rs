//! What a worker thread keeps for the task records of its scheduler: its
//! number, its coarse clock, and a cache of free records, reached through a
//! thread-local while the worker runs.
//!
//! The clock is read when the worker starts, every `event_interval` ticks
//! and when it returns from parking (`refresh_clock`), never per poll: a
//! poll's start is stamped with the last reading. So "time since last poll"
//! is late by at most one such interval of polls (or one long poll).

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::ptr;

use zokio_core::sync::Arc;

use super::records::TaskRecords;

/// More free records than this in one cache: half of them go to the shared
/// stack (a worker whose tasks end elsewhere must not hoard them).
const CACHE_MAX: usize = 512;

thread_local! {
    /// The records of the worker running on this thread, if any.
    static CURRENT: Cell<*const WorkerRecords> = const { Cell::new(ptr::null()) };
}

/// One worker's view of its scheduler's records.
pub(crate) struct WorkerRecords {
    records: Arc<TaskRecords>,
    /// This worker's number among the runtime's.
    worker: usize,
    /// Microseconds since the records' epoch, at the last refresh.
    now_us: Cell<u64>,
    /// Free records only this thread hands out.
    cache: RefCell<Vec<u32>>,
}

impl WorkerRecords {
    /// The records of worker `worker` (counted from the records' first).
    pub(crate) fn new(records: Arc<TaskRecords>, worker: usize) -> WorkerRecords {
        WorkerRecords {
            now_us: Cell::new(records.now_us()),
            worker: records.first_worker + worker,
            records,
            cache: RefCell::new(Vec::new()),
        }
    }

    /// Makes these the thread's records until the guard drops.
    pub(crate) fn enter(&self) -> Entered<'_> {
        self.refresh();
        Entered {
            previous: CURRENT.with(|c| c.replace(self)),
            _records: PhantomData,
        }
    }

    fn refresh(&self) {
        self.now_us.set(self.records.now_us());
    }

    fn is_of(&self, records: &TaskRecords) -> bool {
        ptr::eq(Arc::as_ptr(&self.records), records)
    }

    fn pop(&self, records: &TaskRecords) -> u32 {
        let mut cache = self.cache.borrow_mut();
        if let Some(index) = cache.pop() {
            return index;
        }
        records.take_shared(&mut cache);
        cache.pop().unwrap_or_else(|| records.bump())
    }

    fn push(&self, records: &TaskRecords, index: u32) {
        let mut cache = self.cache.borrow_mut();
        cache.push(index);
        if cache.len() > CACHE_MAX {
            let keep = CACHE_MAX / 2;
            records.push_shared(&cache[keep..]);
            cache.truncate(keep);
        }
    }
}

impl Drop for WorkerRecords {
    /// The cache goes back to the shared stack.
    fn drop(&mut self) {
        self.records.push_shared(self.cache.get_mut());
    }
}

/// Restores the thread's previous records; borrows the entered ones, so
/// the thread-local never outlives them.
pub(crate) struct Entered<'a> {
    previous: *const WorkerRecords,
    _records: PhantomData<&'a WorkerRecords>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.previous));
    }
}

/// Takes a free record of `records` for a new task: from this thread's
/// cache on one of their workers, else from the shared stack.
#[inline]
pub(super) fn take(records: &TaskRecords) -> u32 {
    with_local(records, |local| match local {
        Some(local) => local.pop(records),
        None => records.take(),
    })
}

/// Frees the record of a task that ended: into this thread's cache on one
/// of their workers, else onto the shared stack.
#[inline]
pub(super) fn give_back(records: &TaskRecords, index: u32) {
    with_local(records, |local| match local {
        Some(local) => {
            records.release(index);
            local.push(records, index);
        }
        None => records.give_back(index),
    })
}

/// Runs `f` with this thread's worker records if they are `records`'.
#[inline]
fn with_local<R>(records: &TaskRecords, f: impl FnOnce(Option<&WorkerRecords>) -> R) -> R {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: non-null only between `enter` and its guard's drop, while the
    // `WorkerRecords` it points to is borrowed by that guard's creator.
    let local = unsafe { current.as_ref() }.filter(|l| l.is_of(records));
    f(local)
}

/// The worker polling on this thread and its coarse clock, for a task of
/// `records` (off a worker, which a poll never is, the first worker and the
/// real clock).
#[inline]
pub(super) fn worker_and_now(records: &TaskRecords) -> (usize, u64) {
    with_local(records, |local| match local {
        Some(local) => (local.worker, local.now_us.get()),
        None => (records.first_worker, records.now_us()),
    })
}

/// Reads the clock into this thread's worker records, if it has any.
pub(crate) fn refresh_clock() {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: as in `with_local`.
    if let Some(local) = unsafe { current.as_ref() } {
        local.refresh();
    }
}
