//! What a worker thread keeps for the task records of its scheduler: free
//! records of its own, reached through a thread-local while the worker
//! runs (a spawn from a worker is handed them; a task's end looks them up).
//!
//! The free records are a spare one and two chains linked through the
//! records themselves (see `records`): `freed`, the records of the tasks
//! that ended here, taken back newest first (its lines are the likeliest to
//! be cached), and `taken`, a whole shared stack taken when `freed` ran
//! dry. Neither is ever walked: a spill hands `freed` over whole, by its two
//! ends.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;

use zokio_core::sync::Arc;
use zokio_core::sync::atomic::Ordering;

use super::record::Record;
use super::records::TaskRecords;

/// More freed records than this on one worker: they all go to the shared
/// stack (a worker whose tasks end elsewhere must not hoard them).
const FREED_MAX: u32 = 512;

thread_local! {
    /// The records of the worker running on this thread, if any.
    static CURRENT: Cell<*const WorkerRecords> = const { Cell::new(ptr::null()) };
}

/// One worker's view of its scheduler's records.
pub(crate) struct WorkerRecords {
    records: Arc<TaskRecords>,
    /// The first and last record of the `freed` chain (index + 1, 0 for
    /// none) and its length.
    freed: Cell<(u32, u32)>,
    freed_len: Cell<u32>,
    /// The first record of the `taken` chain (index + 1, 0 for none).
    taken: Cell<u32>,
    /// A record freed here and kept off the chains (null for none), taken
    /// first: a task that spawns one and then ends (a chain of tasks, a
    /// request handed on) passes its record on with a load and a store at
    /// each end instead of a chain's push and pop.
    spare: Cell<*const Record>,
}

// SAFETY: the one field that is not `Send` by itself, `spare`, points to a
// record of `records` (which the `Arc` keeps alive on any thread, and whose
// records are `Send`), and only the thread holding `self` follows it.
unsafe impl Send for WorkerRecords {}

impl WorkerRecords {
    /// A worker's view of `records`.
    pub(crate) fn new(records: Arc<TaskRecords>) -> WorkerRecords {
        WorkerRecords {
            records,
            freed: Cell::new((0, 0)),
            freed_len: Cell::new(0),
            taken: Cell::new(0),
            spare: Cell::new(ptr::null()),
        }
    }

    /// Makes these the thread's records until the guard drops.
    pub(crate) fn enter(&self) -> Entered<'_> {
        Entered {
            previous: CURRENT.with(|c| c.replace(self)),
            _records: PhantomData,
        }
    }

    /// Takes a free record of `records`, which must be these records'
    /// table, for a task spawned on this worker.
    #[inline]
    pub(crate) fn take(&self, records: &TaskRecords) -> &Record {
        debug_assert!(self.is_of(records), "another scheduler's worker records");
        self.pop()
    }

    /// Frees the record of a task that ended on this worker (`record` is
    /// of these records' table).
    #[inline]
    pub(crate) fn give_back(&self, record: &Record) {
        debug_assert!(self.is_of(TaskRecords::of(record)));
        self.records.release(record);
        self.push(record);
    }

    fn is_of(&self, records: &TaskRecords) -> bool {
        ptr::eq(Arc::as_ptr(&self.records), records)
    }

    #[inline]
    fn pop(&self) -> &Record {
        let spare = self.spare.get();
        if !spare.is_null() {
            self.spare.set(ptr::null());
            // SAFETY: `push` left a free record of `self.records` here, which
            // outlive `self`; taking it out makes it this caller's alone.
            return unsafe { &*spare };
        }
        self.pop_chain()
    }

    fn pop_chain(&self) -> &Record {
        let records = &*self.records;
        let (first, last) = self.freed.get();
        if first != 0 {
            let record = records.record(first - 1);
            // The chain's last record links to nothing (0).
            let next = record.next_free.load(Ordering::Relaxed);
            self.freed.set((next, if next == 0 { 0 } else { last }));
            self.freed_len.set(self.freed_len.get() - 1);
            return record;
        }
        if self.taken.get() == 0 {
            self.taken.set(records.take_shared());
        }
        match self.taken.get() {
            0 => records.record(records.bump()),
            top => {
                let record = records.record(top - 1);
                self.taken.set(record.next_free.load(Ordering::Relaxed));
                record
            }
        }
    }

    #[inline]
    fn push(&self, record: &Record) {
        if self.spare.get().is_null() {
            self.spare.set(record);
            return;
        }
        self.push_chain(record);
    }

    fn push_chain(&self, record: &Record) {
        let (first, last) = self.freed.get();
        record.next_free.store(first, Ordering::Relaxed);
        let me = record.index + 1;
        self.freed.set((me, if last == 0 { me } else { last }));
        let len = self.freed_len.get() + 1;
        if len <= FREED_MAX {
            self.freed_len.set(len);
            return;
        }
        let records = &*self.records;
        records.push_chain(record, records.record(last - 1));
        self.freed.set((0, 0));
        self.freed_len.set(0);
    }
}

impl Drop for WorkerRecords {
    /// The free records go back to the shared stack.
    fn drop(&mut self) {
        let records = &*self.records;
        // SAFETY: as in `pop`: a free record of `records`, ours alone.
        if let Some(spare) = unsafe { self.spare.get().as_ref() } {
            records.push_chain(spare, spare);
        }
        let (first, last) = self.freed.get();
        if first != 0 {
            records.push_chain(records.record(first - 1), records.record(last - 1));
        }
        let top = self.taken.get();
        if top != 0 {
            let mut last = records.record(top - 1);
            loop {
                match last.next_free.load(Ordering::Relaxed) {
                    0 => break,
                    next => last = records.record(next - 1),
                }
            }
            records.push_chain(records.record(top - 1), last);
        }
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
/// lists on one of their workers, else from the shared stack.
#[inline]
pub(super) fn take(records: &TaskRecords) -> &Record {
    match local(records) {
        Some(local) => local.pop(),
        None => records.take(),
    }
}

/// Frees the record of a task that ended: onto this thread's list on one
/// of its table's workers, else onto the shared stack.
#[inline]
pub(super) fn give_back(record: &Record) {
    let records = TaskRecords::of(record);
    match local(records) {
        Some(local) => local.give_back(record),
        None => records.give_back(record),
    }
}

/// This thread's worker records if they are `records`'.
#[inline]
fn local(records: &TaskRecords) -> Option<&WorkerRecords> {
    let current = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: non-null only between `enter` and its guard's drop, around
    // the worker's whole run: the records (and their table) outlive every
    // poll or drop on this thread that borrows them.
    unsafe { current.as_ref() }.filter(|l| l.is_of(records))
}
