//! Where a scheduler keeps one [`Record`] per live task, for dumps and the
//! stall watchdog, without a lock on spawn or poll.
//!
//! Records live in chunks that double in size and never move or shrink
//! until the scheduler is dropped, so a pointer to a record stays valid
//! for the scheduler's life and a reader may scan them while tasks come and
//! go (each record validates itself, see `record`). A record is found by
//! its index (`chunk_of`).
//!
//! Free records are linked through their own `next_free`, written as a
//! record is freed and read as it is taken, when its line is being written
//! anyway. Each worker keeps free lists of its own (no atomics: see
//! `worker`), and all threads share one stack, a Treiber stack of
//! indices whose head carries a tag bumped on every change, so that a pop
//! racing with a pop and a push of the same record cannot corrupt it (ABA).
//! A worker's spawns and its tasks' ends go through its lists; only a
//! spawn from outside the workers, a task ending off them (at shutdown),
//! and a list that spills (one exchange, whole) or runs dry (it takes the
//! whole stack, one exchange) touch the stack. A record never used is taken
//! by bumping `next`.
//!
//! Names: a named task's record holds a boxed copy of its name. A reader
//! copies names while it holds `names`, and a task's end frees its name
//! under that lock, after clearing the pointer, so a reader never sees a
//! freed name. Unnamed tasks never touch the lock.

use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

use zokio_core::sync::Mutex;
use zokio_core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use super::record::{Record, Sample};

/// The first chunk's size is `1 << FIRST_BITS`; chunk `k` holds twice
/// as many records as chunk `k - 1`. (Loom models keep chunks tiny: loom
/// tracks every atomic of every record.)
#[cfg(not(loom))]
const FIRST_BITS: u32 = 6;
#[cfg(loom)]
const FIRST_BITS: u32 = 1;
/// Enough chunks for every `u32` index (chunk `k` starts at index
/// `2^(k + FIRST_BITS) - 2^FIRST_BITS`).
const CHUNKS: usize = 33 - FIRST_BITS as usize;
/// A free stack head: `tag << 32 | (index + 1)`, 0 in the low half for empty.
const INDEX_MASK: u64 = u32::MAX as u64;

/// The live tasks of one scheduler (or one thread-per-core worker). Its
/// records point back to it, so it must not move once one is taken (the
/// schedulers keep it in an `Arc`).
pub(crate) struct TaskRecords {
    chunks: [AtomicPtr<Record>; CHUNKS],
    /// What threads write (a bump, a spill): off the line of `chunks`, which
    /// every record lookup reads.
    shared: FreeState,
    /// Held by readers while they copy names, and by a named task's end
    /// while it frees its name.
    names: Mutex<()>,
    /// What the coarse clock counts from.
    epoch: Instant,
    /// The coarse clock polls are stamped with (see `refresh_clock`).
    clock: CoarseClock,
    /// The number of this scheduler's first worker among the runtime's (a
    /// thread-per-core worker's index; 0 otherwise).
    pub(crate) first_worker: usize,
}

/// Microseconds since the epoch, to the millisecond: every poll reads it,
/// so it is written only when it moves by a millisecond, on a line of its
/// own.
#[repr(align(128))]
struct CoarseClock {
    now_us: AtomicU64,
}

/// How far the clock must move before `refresh_clock` stores it.
const CLOCK_STEP_US: u64 = 1_000;

#[repr(align(128))]
struct FreeState {
    /// The next never-used index.
    next: AtomicU64,
    /// The shared free stack (see the module doc).
    free: AtomicU64,
}

/// `(chunk, offset)` of the record numbered `index`.
#[inline]
fn chunk_of(index: u32) -> (usize, usize) {
    let n = index as u64 + (1 << FIRST_BITS);
    let chunk = 63 - n.leading_zeros() - FIRST_BITS;
    (chunk as usize, (n - (1 << (chunk + FIRST_BITS))) as usize)
}

const fn chunk_len(chunk: usize) -> usize {
    1 << (chunk + FIRST_BITS as usize)
}

/// One live task as [`TaskRecords::snapshot`] saw it.
pub(crate) struct Seen {
    pub(crate) sample: Sample,
    pub(crate) name: Option<String>,
}

impl TaskRecords {
    pub(crate) fn new(first_worker: usize) -> TaskRecords {
        TaskRecords {
            chunks: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            shared: FreeState {
                next: AtomicU64::new(0),
                free: AtomicU64::new(0),
            },
            names: Mutex::new(()),
            epoch: Instant::now(),
            clock: CoarseClock {
                now_us: AtomicU64::new(0),
            },
            first_worker,
        }
    }

    /// The table `record` is in.
    #[inline]
    pub(crate) fn of(record: &Record) -> &TaskRecords {
        // SAFETY: `install` gives each record a pointer to this table, which
        // frees its records only when it drops: it outlives the record's
        // borrow.
        unsafe { &*record.owner_ptr().cast::<TaskRecords>() }
    }

    /// Microseconds since the epoch, read now.
    pub(crate) fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// The coarse clock: what a poll's start is stamped with. It is late by
    /// up to a millisecond plus the time since a worker last refreshed it.
    #[inline]
    pub(crate) fn coarse_now_us(&self) -> u64 {
        self.clock.now_us.load(Ordering::Relaxed)
    }

    /// Reads the clock into the coarse one. The workers call it every
    /// `event_interval` polls and on their return from parking, never per
    /// poll; it stores only a move of a millisecond or more, so the workers
    /// do not take the line from each other (and from every poll) each time.
    pub(crate) fn refresh_clock(&self) {
        let now = self.now_us();
        let clock = &self.clock.now_us;
        if now >= clock.load(Ordering::Relaxed) + CLOCK_STEP_US {
            clock.store(now, Ordering::Relaxed);
        }
    }

    /// The record numbered `index`, which `take` handed out.
    #[inline]
    pub(crate) fn record(&self, index: u32) -> &Record {
        let (chunk, offset) = chunk_of(index);
        let base = self.chunks[chunk].load(Ordering::Acquire);
        debug_assert!(!base.is_null(), "record {index} was never handed out");
        // SAFETY: `take` installs a chunk before handing out any index in
        // it, chunks are never freed before `self`, and `offset` is below
        // the chunk's length.
        unsafe { &*base.add(offset) }
    }

    /// Takes a free record for a new task, off the workers (a worker takes
    /// them from its lists first: `worker::take`).
    pub(crate) fn take(&self) -> &Record {
        let index = self.pop_shared().unwrap_or_else(|| self.bump());
        self.record(index)
    }

    /// Frees the record of a task that ended (its future is dropped), off
    /// the workers (see `worker::give_back`).
    pub(crate) fn give_back(&self, record: &Record) {
        self.release(record);
        self.push_chain(record, record);
    }

    /// Ends the record's task: readers no longer list it, and its name is
    /// freed. The record is not free until the caller puts it somewhere.
    #[inline]
    pub(crate) fn release(&self, record: &Record) {
        record.retire();
        if !record.name.load(Ordering::Acquire).is_null() {
            self.free_name(record);
        }
    }

    #[cold]
    fn free_name(&self, record: &Record) {
        let guard = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let name = record.name.swap(ptr::null_mut(), Ordering::AcqRel);
        drop(guard);
        if let Some(name) = NonNull::new(name) {
            // SAFETY: the pointer came from `Box::into_raw` in `publish`, was
            // taken out of the record (so it is freed once), and no reader
            // holds it: readers read names only under the lock released above.
            drop(unsafe { Box::from_raw(name.as_ptr()) });
        }
    }

    /// A record never used before.
    #[cold]
    pub(crate) fn bump(&self) -> u32 {
        let index = self.shared.next.fetch_add(1, Ordering::Relaxed);
        let index = u32::try_from(index).unwrap_or_else(|_| {
            // 2^32 live tasks do not fit in any memory: this is unreachable
            // in practice, and a clear message beats a wrong record.
            panic!("zokio: more than 2^32 live tasks in one scheduler")
        });
        let (chunk, _) = chunk_of(index);
        if self.chunks[chunk].load(Ordering::Acquire).is_null() {
            self.install(chunk);
        }
        index
    }

    #[cold]
    fn install(&self, chunk: usize) {
        let first = chunk_len(chunk) - (1 << FIRST_BITS);
        let records: Box<[Record]> = (first..first + chunk_len(chunk))
            .map(|index| Record::new(index as u32, ptr::from_ref(self).cast()))
            .collect();
        let new = Box::into_raw(records).cast::<Record>();
        let slot = &self.chunks[chunk];
        if slot
            .compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Another thread installed it first.
            // SAFETY: `new` came from `Box::into_raw` of a slice of this
            // length just above and was never shared.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(new, chunk_len(chunk))) });
        }
    }

    /// Pops one record off the shared stack.
    pub(crate) fn pop_shared(&self) -> Option<u32> {
        let free = &self.shared.free;
        let mut head = free.load(Ordering::Acquire);
        loop {
            let top = (head & INDEX_MASK) as u32;
            if top == 0 {
                return None;
            }
            // A stale `next` (the record was popped and pushed again since
            // we loaded `head`) fails the exchange: the tag has moved on.
            let next = self.record(top - 1).next_free.load(Ordering::Relaxed);
            let new = tagged(head, next);
            match free.compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(top - 1),
                Err(seen) => head = seen,
            }
        }
    }

    /// Takes the whole shared stack: the first record of its chain (its
    /// index plus one, 0 if it was empty), whose `next_free` links lead
    /// through the rest. The chain is the caller's alone from here on.
    pub(crate) fn take_shared(&self) -> u32 {
        let free = &self.shared.free;
        let mut head = free.load(Ordering::Acquire);
        while head & INDEX_MASK != 0 {
            match free.compare_exchange_weak(
                head,
                tagged(head, 0),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(seen) => head = seen,
            }
        }
        (head & INDEX_MASK) as u32
    }

    /// Pushes a chain of free records, `first` linked through `next_free`
    /// to `last`, onto the shared stack with one exchange. Only `last`'s
    /// link is written.
    pub(crate) fn push_chain(&self, first: &Record, last: &Record) {
        let free = &self.shared.free;
        let mut head = free.load(Ordering::Relaxed);
        loop {
            last.next_free
                .store((head & INDEX_MASK) as u32, Ordering::Relaxed);
            match free.compare_exchange_weak(
                head,
                tagged(head, first.index + 1),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => head = seen,
            }
        }
    }

    /// Every record in use now, with the names of the named ones.
    pub(crate) fn snapshot(&self) -> Vec<Seen> {
        let guard = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen = Vec::new();
        self.for_each(|record| {
            if let Some(sample) = record.read() {
                // Read under the lock: a name is freed only under it, after
                // its pointer is cleared, so this one is alive.
                // SAFETY: `sample.name` is null or a live boxed name (above).
                let name = unsafe { sample.name.as_ref() }.cloned();
                // The name is the task's if the record still holds it.
                if record.id() == sample.id {
                    seen.push(Seen { sample, name });
                }
            }
        });
        drop(guard);
        seen
    }

    /// The record of the live task `id`, if it has one.
    pub(crate) fn find(&self, id: u64) -> Option<Seen> {
        let guard = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let mut found = None;
        self.for_each(|record| {
            if found.is_none() && record.id() == id {
                if let Some(sample) = record.read().filter(|s| s.id == id) {
                    // SAFETY: as in `snapshot`: read under the names lock.
                    let name = unsafe { sample.name.as_ref() }.cloned();
                    if record.id() == id {
                        found = Some(Seen { sample, name });
                    }
                }
            }
        });
        drop(guard);
        found
    }

    fn for_each(&self, mut f: impl FnMut(&Record)) {
        let used = self.shared.next.load(Ordering::Acquire);
        for (chunk, slot) in self.chunks.iter().enumerate() {
            let start = chunk_len(chunk) as u64 - (1 << FIRST_BITS);
            if start >= used {
                break;
            }
            let base = slot.load(Ordering::Acquire);
            if base.is_null() {
                continue; // being installed: none of its records is in use yet
            }
            for offset in 0..chunk_len(chunk) {
                // SAFETY: an installed chunk of this length, alive with `self`.
                f(unsafe { &*base.add(offset) });
            }
        }
    }

    /// How long ago `sample` was last polled, by the coarse clock.
    pub(crate) fn since_last_poll(&self, sample: &Sample, now_us: u64) -> Option<Duration> {
        (sample.polls != 0)
            .then(|| Duration::from_micros(now_us.saturating_sub(sample.last_poll_us)))
    }
}

/// `head` with its index replaced by `index_plus_one` and its tag bumped.
#[inline]
fn tagged(head: u64, index_plus_one: u32) -> u64 {
    ((head >> 32).wrapping_add(1) << 32) | index_plus_one as u64
}

impl Drop for TaskRecords {
    fn drop(&mut self) {
        for (chunk, slot) in self.chunks.iter().enumerate() {
            let base = slot.load(Ordering::Acquire);
            if base.is_null() {
                continue;
            }
            let len = chunk_len(chunk);
            for offset in 0..len {
                // SAFETY: an installed chunk of `len` records; `&mut self`.
                let record = unsafe { &*base.add(offset) };
                let name = record.name.swap(ptr::null_mut(), Ordering::AcqRel);
                if let Some(name) = NonNull::new(name) {
                    // SAFETY: a boxed name from `publish`, freed once, here.
                    drop(unsafe { Box::from_raw(name.as_ptr()) });
                }
            }
            // SAFETY: the chunk came from `Box::into_raw` of a slice of `len`.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, len)) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn indices_map_to_chunks_without_gaps() {
        assert_eq!(chunk_of(0), (0, 0));
        assert_eq!(chunk_of(63), (0, 63));
        assert_eq!(chunk_of(64), (1, 0));
        assert_eq!(chunk_of(191), (1, 127));
        assert_eq!(chunk_of(192), (2, 0));
        assert_eq!(chunk_of(u32::MAX).0, CHUNKS - 1);
    }

    #[test]
    fn a_record_fills_one_cache_line() {
        assert_eq!(std::mem::size_of::<Record>(), 64);
    }

    #[test]
    fn freed_records_are_reused_and_live_ones_listed() {
        let records = TaskRecords::new(0);
        let here = std::panic::Location::caller();
        let a = records.take();
        let b = records.take();
        assert_ne!(a.index, b.index);
        a.publish(10, here, Some("a"));
        b.publish(11, here, None);
        let mut ids: Vec<_> = records.snapshot().iter().map(|s| s.sample.id).collect();
        ids.sort();
        assert_eq!(ids, [10, 11]);
        assert_eq!(records.find(10).and_then(|s| s.name).as_deref(), Some("a"));
        records.give_back(a);
        assert!(records.find(10).is_none());
        assert!(
            ptr::eq(records.take(), a),
            "the freed record comes back first"
        );
        let many: Vec<u32> = (0..200).map(|_| records.take().index).collect();
        let mut sorted = many.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), many.len());
    }
}
