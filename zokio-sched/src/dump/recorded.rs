//! The recording spawn: with records on, a task's future and its schedule
//! handle are wrapped so that its polls and wakes write its record, and its
//! end frees it. With records off the spawn is the plain one: the wrappers
//! are another monomorphization, chosen by one branch at spawn.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::{self, NonNull};
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
    let slot = Slot { record };
    let (runnable, handle) = builder.spawn(
        Recorded {
            future: ManuallyDrop::new(future),
            slot,
        },
        RecordedSchedule {
            inner: schedule,
            record: NonNull::from(record),
        },
    );
    record.publish(runnable.id().as_u64(), location, runnable.name());
    (runnable, handle)
}

/// A task's hold on its record: given back as its future ends, by the poll
/// that completes it on the worker it ran on (which it knows already), or by
/// the drop of an unfinished task (cancelled, aborted, or panicked) wherever
/// that happens.
struct Slot {
    /// Null once given back. Until then it points into the records owned by
    /// the scheduler state that the task's schedule handle keeps alive, and
    /// async-task drops that handle last: the records outlive the slot.
    record: *const Record,
}

// SAFETY: `Slot` only reaches its record (atomics, `Record` is `Sync`) and
// through it the records (`TaskRecords` is `Sync`), from any thread.
unsafe impl Send for Slot {}

/// A task's future with its record. The future is dropped before the
/// record is given back, so a `Drop` of the future still runs while the
/// task is listed.
struct Recorded<F> {
    future: ManuallyDrop<F>,
    slot: Slot,
}

/// Gives a record back (to this thread's worker records if it has them)
/// even if the future's drop before it unwinds: a record kept would list
/// an ended task for ever.
struct GiveBack<'a>(&'a Record);

impl Drop for GiveBack<'_> {
    #[inline]
    fn drop(&mut self) {
        worker::give_back(self.0);
    }
}

impl<F> Recorded<F> {
    /// Drops the future in place and gives its record back.
    ///
    /// # Safety
    ///
    /// The future is not used again: the slot is cleared first, so neither
    /// a second call nor `Drop` reaches it.
    #[inline]
    unsafe fn finish(&mut self) {
        let record = std::mem::replace(&mut self.slot.record, ptr::null());
        // SAFETY: the slot was not given back (callers check), so `record`
        // is this task's, alive as `Slot` says.
        let record = unsafe { &*record };
        let _give_back = GiveBack(record);
        // SAFETY: the caller's promise; the slot is cleared, so this is
        // the future's one drop.
        unsafe { ManuallyDrop::drop(&mut self.future) };
    }
}

impl<F: Future> Future for Recorded<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (never moved out, dropped
        // in place, by `finish` or with `self`); `slot` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // The worker polling it is in the worker's poll mark, not here: a
        // poll costs its record a clock load and three stores, and no
        // thread-local lookup.
        // Not borrowed from `this`, which `finish` takes mutably.
        // SAFETY: a polled task's slot holds its record (given back only as
        // it finishes), alive as `Slot` says.
        let record: &Record = unsafe { &*this.slot.record };
        record.begin_poll(TaskRecords::of(record).coarse_now_us());
        // SAFETY: as above, `future` stays where it is.
        let poll = unsafe { Pin::new_unchecked(&mut *this.future) }.poll(cx);
        if poll.is_ready() {
            // Done: async-task never polls it again, and drops it (`Drop`
            // below) only if the slot still holds its record.
            // SAFETY: a finished future is not polled again.
            unsafe { this.finish() };
        }
        poll
    }
}

impl<F> Drop for Recorded<F> {
    #[inline]
    fn drop(&mut self) {
        if !self.slot.record.is_null() {
            // SAFETY: the future is being dropped with `self`: never used again.
            unsafe { self.finish() };
        }
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

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::{Arc, Mutex};

    use zokio_core::ThreadParker;
    use zokio_core::task::Id;

    use crate::{Config, CurrentThread, Handle};

    /// Keeps, in its drop, the ids of the tasks listed then.
    struct ListedOnDrop {
        handle: Handle,
        seen: Arc<Mutex<Vec<Id>>>,
    }

    impl Drop for ListedOnDrop {
        fn drop(&mut self) {
            let dump = self.handle.dump().expect("records on");
            *self.seen.lock().unwrap() = dump.tasks().iter().map(|t| t.id).collect();
        }
    }

    #[test]
    fn an_ending_task_is_listed_while_its_future_drops_and_gone_after() {
        let config = Config {
            task_dump: true,
            ..Config::default()
        };
        let rt = CurrentThread::new(ThreadParker::new(), config).unwrap();
        let (finished, panicked) = (Arc::default(), Arc::default());
        let guard = ListedOnDrop {
            handle: rt.handle(),
            seen: Arc::clone(&finished),
        };
        let done = rt.spawn(async move {
            let _guard = guard;
            7
        });
        let guard = ListedOnDrop {
            handle: rt.handle(),
            seen: Arc::clone(&panicked),
        };
        let failed = rt.spawn(async move {
            let _guard = guard;
            panic!("a task that fails");
        });
        let (done_id, failed_id) = (done.id(), failed.id());
        assert_eq!(rt.block_on(done).unwrap(), 7);
        assert!(rt.block_on(failed).unwrap_err().is_panic());
        assert!(
            finished.lock().unwrap().contains(&done_id),
            "listed as it finished"
        );
        assert!(
            panicked.lock().unwrap().contains(&failed_id),
            "listed as it unwound"
        );
        assert!(rt.handle().dump().unwrap().tasks().is_empty(), "gone after");
    }
}
