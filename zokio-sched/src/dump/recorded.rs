//! The recording spawn: with records on, a task's future and its schedule
//! handle are wrapped so that its polls and wakes write its record, and its
//! end frees it. With records off the spawn is the plain one: the wrappers
//! are another monomorphization, chosen by one branch at spawn.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use zokio_core::Schedule;
use zokio_core::task::{Builder, JoinHandle, Runnable, ScheduleHint};

use super::record::Record;
use super::records::TaskRecords;
use super::worker::{self, WorkerRecords};

/// A scheduler's schedule handle that may carry task records.
pub(crate) trait Recordable: Schedule + Send + Sync {
    /// The scheduler's records, if they are on. They live as long as the
    /// handle's scheduler state, which the handle keeps alive.
    fn records(&self) -> Option<&TaskRecords>;
}

/// Spawns `future` with `schedule` as its handle, with a record if the
/// scheduler keeps them. The spawn location is the builder's (the caller
/// passes it through `Builder::at_caller`, as closures cannot pass theirs
/// on); without one, this function's caller. Without records this is the
/// plain spawn; the recording one is another monomorphization, behind one
/// branch. A spawn from one of the scheduler's workers passes the worker's
/// records (`local`, which must be of `schedule`'s scheduler): its record
/// then comes from them with no thread-local lookup.
#[inline]
#[track_caller]
pub(crate) fn spawn<F, S>(
    builder: Builder<'_>,
    future: F,
    schedule: S,
    local: Option<&WorkerRecords>,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Recordable,
{
    let Some(records) = schedule.records().map(NonNull::from) else {
        return builder.spawn(future, schedule);
    };
    let location = match builder.location() {
        Some(location) => location,
        None => Location::caller(),
    };
    // SAFETY: `records` is owned by the scheduler state `schedule` keeps
    // alive, and moving `schedule` (into the task) does not move them.
    let owner = unsafe { records.as_ref() };
    let record = match local {
        Some(local) => local.take(owner),
        None => worker::take(owner),
    };
    let slot = Slot {
        record: NonNull::from(record),
    };
    let (runnable, handle) = builder.spawn(
        Recorded { future, slot },
        RecordedSchedule {
            inner: schedule,
            record: NonNull::from(record),
        },
    );
    record.publish(runnable.id().as_u64(), location, runnable.name());
    (runnable, handle)
}

/// A task's hold on its record, given back when its future is dropped.
struct Slot {
    record: NonNull<Record>,
}

impl Slot {
    #[inline]
    fn record(&self) -> &Record {
        // `Slot` lives in the future; async-task drops the schedule handle,
        // which keeps the scheduler state owning the records alive, last.
        // SAFETY: so the records outlive every `Slot` pointing into them.
        unsafe { self.record.as_ref() }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        worker::give_back(self.record());
    }
}

// SAFETY: `Slot` only reaches its record (atomics, `Record` is `Sync`) and
// through it the records (`TaskRecords` is `Sync`), from any thread.
unsafe impl Send for Slot {}

/// A task's future with its record. Declared future first: the future is
/// dropped before the slot frees the record, so a `Drop` of the future
/// still runs while the task is listed.
struct Recorded<F> {
    future: F,
    slot: Slot,
}

impl<F: Future> Future for Recorded<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out, dropped
        // in place with `self`); `slot` is not pinned and only read.
        let this = unsafe { self.get_unchecked_mut() };
        let record = this.slot.record();
        let (worker, now_us) = worker::worker_and_now(TaskRecords::of(record));
        record.begin_poll(worker, now_us);
        // SAFETY: as above, `future` stays where it is.
        let poll = unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx);
        if poll.is_pending() {
            record.end_poll();
        }
        poll
    }
}

/// A task's schedule handle with its record: a wake marks it scheduled.
struct RecordedSchedule<S> {
    inner: S,
    record: NonNull<Record>,
}

// SAFETY: the record is reached only through atomics, from any thread; the
// rest is `S`, which is `Send + Sync`.
unsafe impl<S: Send> Send for RecordedSchedule<S> {}
// SAFETY: as above.
unsafe impl<S: Sync> Sync for RecordedSchedule<S> {}

impl<S: Schedule> Schedule for RecordedSchedule<S> {
    #[inline]
    fn schedule(&self, task: Runnable, hint: ScheduleHint) {
        // Before the hand-over: once queued, the task may run and end on
        // another worker, and its record go to another task. Until then the
        // `Runnable` holds the future, so the record is still this task's.
        // SAFETY: records never move or are freed before their scheduler
        // state, which `inner` keeps alive.
        unsafe { self.record.as_ref() }.mark_scheduled();
        self.inner.schedule(task, hint);
    }
}
