//! Each worker's poll in progress, in a [`PollMark`] of its own cache line:
//! the poll's number and the task's id on entry, zero on exit, two plain
//! stores and one, with no clock read.
//!
//! Two readers share them: the stall watchdog, which samples the marks a
//! few times per threshold and takes the same poll of the same task seen
//! `threshold` apart for a stall (see `stall`), and task dumps, which take
//! a task found in a mark for running on that worker (see `dump`). So a
//! scheduler keeps marks when either is on, and the records behind dumps
//! need not say which worker polls a task.

use std::ptr::NonNull;

use std::sync::Arc;

use zokio_core::sync::atomic::{AtomicU64, Ordering};
use zokio_core::task::Id;

/// One worker's poll in progress, written only by that worker.
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct PollMark {
    /// The number of the poll in progress (or the last one).
    poll: AtomicU64,
    /// The id of the task in that poll; zero between polls.
    task: AtomicU64,
}

impl PollMark {
    /// Marks the start of poll number `poll`, of `task`.
    #[inline]
    pub(crate) fn enter(&self, poll: u64, task: Id) {
        self.poll.store(poll, Ordering::Relaxed);
        // Release: a sample that sees this task sees this poll's number (or
        // a later one), so a stuck poll is never confused with an older one.
        self.task.store(task.as_u64(), Ordering::Release);
    }

    /// Marks the end of the poll.
    #[inline]
    pub(crate) fn leave(&self) {
        self.task.store(0, Ordering::Relaxed);
    }

    /// `(poll number, task id)`, the id zero between polls.
    pub(crate) fn sample(&self) -> (u64, u64) {
        // The task first (see `enter`): at worst a sample pairs a task with
        // a newer poll number, which only looks like a new poll.
        let task = self.task.load(Ordering::Acquire);
        (self.poll.load(Ordering::Relaxed), task)
    }
}

/// A scheduler's marks, one per worker, shared with its readers.
pub(crate) type PollMarks = Arc<[PollMark]>;

pub(crate) fn marks(workers: usize) -> PollMarks {
    (0..workers).map(|_| PollMark::default()).collect()
}

/// The tasks being polled now, as `(task id, worker)`, the worker numbered
/// from `first_worker` (a thread-per-core worker's index, else 0).
pub(crate) fn running(marks: &[PollMark], first_worker: usize) -> Vec<(u64, usize)> {
    marks
        .iter()
        .enumerate()
        .filter_map(|(i, mark)| match mark.sample() {
            (_, 0) => None,
            (_, task) => Some((task, first_worker + i)),
        })
        .collect()
}

/// One worker's own mark, found once when the worker starts rather than
/// indexed (and bounds-checked) on every poll.
pub(crate) struct WorkerMark {
    /// Keeps `mark` alive.
    _marks: PollMarks,
    mark: NonNull<PollMark>,
}

// SAFETY: `mark` points into `_marks`, an `Arc` of `PollMark`s, which are
// `Sync` (atomics): any thread holding this may reach it.
unsafe impl Send for WorkerMark {}

impl WorkerMark {
    /// Mark number `index` of `marks` (which has one per worker).
    pub(crate) fn new(marks: &PollMarks, index: usize) -> WorkerMark {
        WorkerMark {
            mark: NonNull::from(&marks[index]),
            _marks: marks.clone(),
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> &PollMark {
        // SAFETY: `mark` points into `_marks`, which this keeps alive and
        // which never moves its elements.
        unsafe { self.mark.as_ref() }
    }
}
