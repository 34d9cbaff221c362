//! One task's record: what a dump shows of it, in atomics that the task's
//! own spawn, polls and wakes write and that any thread may read.
//!
//! A record is reused by a later task once its task ends, so a reader
//! validates what it read by the id, as a seqlock's reader does by its
//! sequence: it loads the id, the fields, then the id again, and keeps the
//! fields only if both ids match and are not zero. Every store is `Release`
//! and every load `Acquire`, so a reader that sees any field written by a
//! later task also sees that the id changed (the old task's `id = 0` happens
//! before each of the new task's stores). Ids are never reused, so an id
//! read twice is one task.

use std::panic::Location;
use std::ptr;

use zokio_core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// `state`'s values. A task being polled is `IDLE` here: which task a
/// worker polls is in the worker's poll mark (see `poll_mark`), so a poll
/// stores its state once, as it starts, and not again as it ends.
const SCHEDULED: u32 = 0;
const IDLE: u32 = 1;

/// What a reader took from a record; see [`Record::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub(crate) id: u64,
    pub(crate) location: &'static Location<'static>,
    /// Null for an unnamed task; the caller reads it under the names lock.
    pub(crate) name: *const String,
    pub(crate) state: SampleState,
    pub(crate) polls: u64,
    /// Microseconds since the records' epoch at the last poll's start;
    /// meaningless while `polls` is 0.
    pub(crate) last_poll_us: u64,
}

/// A record's state; a task found in a poll mark is running, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleState {
    Scheduled,
    Idle,
}

/// One task's record, on a cache line of its own: the tasks of different
/// workers never write the same line. It knows its own number and table,
/// so a task holds one pointer to it, and freeing it reads no other line.
#[repr(align(64))]
pub(crate) struct Record {
    /// The task's id; zero while the record is free.
    id: AtomicU64,
    /// Where the task was spawned (only `&'static` locations are stored).
    location: AtomicPtr<Location<'static>>,
    /// A boxed copy of the task's name, or null; freed under the records'
    /// names lock (see `TaskRecords`).
    pub(super) name: AtomicPtr<String>,
    /// Polls started; 0 for a task never polled (then `last_poll_us` is
    /// the previous task's, and ignored).
    polls: AtomicU64,
    /// The records' coarse clock at the last poll's start. Stored before
    /// `polls`, so a reader that sees a poll counted sees its time.
    last_poll_us: AtomicU64,
    /// `SCHEDULED` or `IDLE`; apart from `polls`, so that a wake is one
    /// store, not a load and a store. Written by whoever holds the task at
    /// the moment (the thread polling it, the thread that woke it): those
    /// moments never overlap, so plain stores, not RMWs.
    state: AtomicU32,
    /// The next free record while this one is on a free list (index + 1,
    /// 0 at the end). Written as the record is freed, on the line its
    /// `retire` just wrote, and read as it is taken, on the line `publish`
    /// is about to write: a free list costs no line of its own.
    pub(crate) next_free: AtomicU32,
    /// This record's number in its table.
    pub(crate) index: u32,
    /// The table it is in (a `TaskRecords`, which outlives it: records are
    /// freed with their table), untyped so that a record does not depend on
    /// its table's module; `records` gives it back its type.
    owner: *const (),
}

// SAFETY: every field a thread may write is an atomic; `index` and `owner`
// are written once, before the record is shared, and `owner` is only read
// as a `&TaskRecords` (see `records`), which is `Sync`.
unsafe impl Sync for Record {}
// SAFETY: as above.
unsafe impl Send for Record {}

impl Record {
    /// Free record number `index` of the table `owner` points to.
    pub(super) fn new(index: u32, owner: *const ()) -> Record {
        Record {
            id: AtomicU64::new(0),
            location: AtomicPtr::new(ptr::null_mut()),
            name: AtomicPtr::new(ptr::null_mut()),
            polls: AtomicU64::new(0),
            last_poll_us: AtomicU64::new(0),
            state: AtomicU32::new(SCHEDULED),
            next_free: AtomicU32::new(0),
            index,
            owner,
        }
    }

    /// The table this record is in, untyped (`TaskRecords::of` types it).
    #[inline]
    pub(super) fn owner_ptr(&self) -> *const () {
        self.owner
    }

    /// Fills a record just taken from the free ones, for the task `id`
    /// spawned at `location`, and makes it visible (the id last).
    #[inline]
    pub(crate) fn publish(
        &self,
        id: u64,
        location: &'static Location<'static>,
        name: Option<&str>,
    ) {
        self.location
            .store(ptr::from_ref(location).cast_mut(), Ordering::Release);
        // `last_poll_us` is left as it is: with no poll counted it is not read.
        self.polls.store(0, Ordering::Release);
        self.state.store(SCHEDULED, Ordering::Release);
        if let Some(name) = name {
            self.set_name(name);
        }
        self.id.store(id, Ordering::Release);
    }

    /// Names are rare: their copy stays out of the spawn's inlined path.
    #[cold]
    fn set_name(&self, name: &str) {
        let boxed = Box::into_raw(Box::new(name.to_owned()));
        self.name.store(boxed, Ordering::Release);
    }

    /// A poll starts, at `now_us` by the coarse clock. Its task is idle
    /// from here on unless it is woken (`mark_scheduled`, which a wake in
    /// the poll calls after the poll returns).
    #[inline]
    pub(crate) fn begin_poll(&self, now_us: u64) {
        self.last_poll_us.store(now_us, Ordering::Release);
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls + 1, Ordering::Release);
        self.state.store(IDLE, Ordering::Release);
    }

    /// The task was handed to its scheduler.
    #[inline]
    pub(crate) fn mark_scheduled(&self) {
        self.state.store(SCHEDULED, Ordering::Release);
    }

    /// Marks the record free: readers stop reporting it from here on.
    pub(super) fn retire(&self) {
        self.id.store(0, Ordering::Release);
    }

    /// The task id if the record is in use.
    pub(crate) fn id(&self) -> u64 {
        self.id.load(Ordering::Acquire)
    }

    /// What the record holds, if it held one task throughout the read.
    pub(crate) fn read(&self) -> Option<Sample> {
        let id = self.id.load(Ordering::Acquire);
        if id == 0 {
            return None;
        }
        let location = self.location.load(Ordering::Acquire);
        let name = self.name.load(Ordering::Acquire).cast_const();
        let state = self.state.load(Ordering::Acquire);
        // `polls` before `last_poll_us`: the time of every poll seen counted
        // is seen too (it is stored first).
        let polls = self.polls.load(Ordering::Acquire);
        let last_poll_us = self.last_poll_us.load(Ordering::Acquire);
        // The loads above are `Acquire`: this one cannot move before them.
        if self.id.load(Ordering::Acquire) != id || location.is_null() {
            return None;
        }
        let state = match state {
            SCHEDULED => SampleState::Scheduled,
            _ => SampleState::Idle,
        };
        Some(Sample {
            id,
            // SAFETY: only `&'static Location`s are ever stored here, and
            // this one is not null.
            location: unsafe { &*location },
            name,
            state,
            polls,
            last_poll_us,
        })
    }
}
