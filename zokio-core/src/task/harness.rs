//! The future every task actually runs: the user's future, plus panic catching,
//! the abort check, and the report of whether the task waits.
//!
//! async-task's own panic propagation (its `std` feature) costs 24 bytes in every
//! task; catching here costs nothing until a panic happens.
//!
//! The harness holds no pointer of its own. What it needs from outside, and
//! what it tells the scheduler, pass through a [`RunSlot`] on the stack of
//! [`Runnable::run_reporting`](super::Runnable::run_reporting): the run puts a
//! pointer to its slot in a thread-local, and the harness takes it out the
//! moment it is entered (polled, or dropped by a run that finds the task
//! closed). Nothing runs between the two but async-task's state transition,
//! so the harness that takes the slot is the one of the task being run, and a
//! run nested anywhere inside it (in the future, in its `Drop`, in a schedule
//! callback) brings its own slot.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll, Waker};

use super::error::Failure;
use super::id::{Id, TaskMeta};
use super::wait_registry::{WaitKey, WaitRegistry};
use crate::context;
use crate::sync::atomic::{AtomicBool, Ordering};

/// What a task's output slot holds.
pub(crate) type Outcome<T> = Result<T, Failure>;

/// What one run and the harness it polls tell each other.
pub(crate) struct RunSlot<'a> {
    /// The metadata of the task being run, for the abort flag. Read by the
    /// harness only after async-task marked the task running, so an abort
    /// whose wake found the task still scheduled is seen by this poll.
    meta: *const TaskMeta,
    /// The scheduler's closed flag, if it gave one: once set, a run cancels
    /// the task as an abort would. Read, like the abort flag, only after
    /// async-task marked the task running.
    closed: *const AtomicBool,
    /// The scheduler's registry of waiting tasks, if it gave one: the
    /// harness then records its first wait and its finish there itself, and
    /// reports neither below.
    registry: Option<&'a dyn WaitRegistry>,
    /// The task's waker, left by the poll in which the task first waited.
    pub(crate) first_wait: Option<Waker>,
    /// Set when a task that had waited finished in this run (output, panic,
    /// abort, or its future dropped by a run that found the task closed).
    pub(crate) finished_after_wait: bool,
    /// The task's id, read while reporting either of the above: the task is
    /// certainly alive then, which it may not be once the run returns.
    pub(crate) id: Option<Id>,
}

impl<'a> RunSlot<'a> {
    pub(crate) fn new(
        meta: &TaskMeta,
        closed: Option<&AtomicBool>,
        registry: Option<&'a dyn WaitRegistry>,
    ) -> RunSlot<'a> {
        RunSlot {
            meta,
            closed: closed.map_or(ptr::null(), ptr::from_ref),
            registry,
            first_wait: None,
            finished_after_wait: false,
            id: None,
        }
    }
}

/// Where the run offering a slot leaves the thread's context when it ends:
/// the slot and current task it found there.
struct RestoreSlot {
    slot: *mut RunSlot<'static>,
    task: *const (),
}

impl Drop for RestoreSlot {
    /// Puts the context back as it was, even if a schedule callback panics
    /// out of the run: a dangling slot or task must never be left behind.
    #[inline]
    fn drop(&mut self) {
        let _ = context::with(|cx| {
            cx.run_slot.set(self.slot.cast());
            cx.current_task.set(self.task);
        });
    }
}

/// Runs `f` (one async-task run) with `slot` offered to the harness it enters.
#[inline]
pub(crate) fn with_slot<R>(slot: &mut RunSlot<'_>, f: impl FnOnce() -> R) -> R {
    let offered: *mut RunSlot<'_> = ptr::from_mut(slot);
    // While the thread exits there is no context: then no slot is offered,
    // and a run reports nothing.
    let _restore = context::with(|cx| RestoreSlot {
        slot: cx.run_slot.replace(offered.cast()).cast(),
        task: cx.current_task.get(),
    });
    f()
}

/// Takes the offered slot (only the first harness entered after the offer
/// gets it) and makes its task the current one until the run ends. (The
/// slot's true lifetime is that of the run below us, which outlives every
/// use the harness makes of it.)
#[inline]
fn take_slot() -> *mut RunSlot<'static> {
    context::with(|cx| {
        let slot: *mut RunSlot<'static> = cx.run_slot.replace(ptr::null_mut()).cast();
        if !slot.is_null() {
            // SAFETY: a non-null slot is the one the run below us offered; its
            // frame owns it and is alive.
            cx.current_task.set(unsafe { (*slot).meta }.cast());
        }
        slot
    })
    .unwrap_or(ptr::null_mut())
}

/// Runs `f` (the drop of a finished task's output, outside any run of it)
/// with the task of `meta` current, as it would be in the task's own run.
pub(crate) fn with_current_task<R>(meta: &TaskMeta, f: impl FnOnce() -> R) -> R {
    struct Restore(*const ());
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = context::with(|cx| cx.current_task.set(self.0));
        }
    }
    let _restore = context::with(|cx| Restore(cx.current_task.replace(ptr::from_ref(meta).cast())));
    f()
}

/// The id of the task whose run is in progress on this thread, if any.
pub(crate) fn current_task_id() -> Option<Id> {
    let meta = context::with(|cx| cx.current_task.get()).unwrap_or(ptr::null());
    // Non-null only between a harness taking its run's slot and the
    // end of that run (`RestoreSlot`), or inside `with_current_task`, and we
    // are on that thread, below it on the stack: the run (async-task) or the
    // caller's handle keeps the task's header, and so its metadata, alive.
    // SAFETY: inside that run or call, so the metadata is alive.
    (!meta.is_null()).then(|| unsafe { (*meta.cast::<TaskMeta>()).id() })
}

/// Tells the run in `slot` (if any) that a task that had waited (under
/// `waited`, the key its registry gave it) is done: through the run's
/// registry if it has one, else in the slot.
#[inline]
fn report_finished(slot: *mut RunSlot<'static>, waited: Option<WaitKey>) {
    if slot.is_null() {
        return;
    }
    // As below: the slot's run is below us and its task's header is alive.
    // SAFETY: so `meta` points to the live metadata of the task being run.
    unsafe { (*(*slot).meta).mark_finished() };
    let Some(key) = waited else { return };
    // A non-null slot was taken by this harness during the run that
    // offered it, and that run's frame (which owns the slot and borrows its
    // registry) is still below us.
    // SAFETY: the slot is alive (above); its `meta` points into the header
    // of the task being run, which async-task keeps alive for the run.
    unsafe {
        match (*slot).registry {
            Some(registry) => registry.remove(key),
            None => {
                (*slot).finished_after_wait = true;
                (*slot).id = Some((*(*slot).meta).id());
            }
        }
    }
}

/// Where the task's future is in its life. `repr(u8)` makes every variant a
/// `repr(C)` struct that begins with the tag, so `Fresh` and `Waiting` hold
/// their key and future at the same offsets, and rewriting the tag and the
/// key moves the task from one to the other without moving its pinned
/// future. The key sits in the padding after the tag for any future aligned
/// to 4 bytes or more: for a zero-sized future such as `pending()` the whole
/// state is 8 bytes, no wider than the task's smallest output slot.
#[repr(u8)]
enum State<F> {
    /// Not yet returned `Pending`; the key is not yet given (`NONE`).
    Fresh { key: WaitKey, future: F } = 0,
    /// Returned `Pending` at least once: the scheduler tracks it, under `key`
    /// if it gave one.
    #[allow(dead_code, reason = "made only by retagging a `Fresh` state in place")]
    Waiting { key: WaitKey, future: F } = 1,
    /// The future has been dropped.
    Done = 2,
}

pub(crate) struct Harness<F> {
    /// Structurally pinned: the future is only ever dropped in place, never moved.
    state: State<F>,
}

impl<F> Harness<F> {
    pub(crate) fn new(future: F) -> Harness<F> {
        Harness {
            state: State::Fresh {
                key: WaitKey::NONE,
                future,
            },
        }
    }

    /// The key of a task that has waited; `None` for one that has not.
    fn waited(&self) -> Option<WaitKey> {
        match self.state {
            State::Waiting { key, .. } => Some(key),
            _ => None,
        }
    }

    #[cfg(test)]
    fn is_waiting(&self) -> bool {
        self.waited().is_some()
    }

    fn future(self: Pin<&mut Self>) -> Option<Pin<&mut F>> {
        // SAFETY: the future is structurally pinned: no method moves it out,
        // it is only dropped in place (`Pin::set`) or retagged (`mark_waiting`).
        let state = unsafe { &mut self.get_unchecked_mut().state };
        match state {
            State::Fresh { future, .. } | State::Waiting { future, .. } => {
                // SAFETY: as above: the future stays where it is.
                Some(unsafe { Pin::new_unchecked(future) })
            }
            State::Done => None,
        }
    }

    /// Turns `Fresh` into `Waiting` under `key`, in place.
    fn mark_waiting(self: Pin<&mut Self>, key: WaitKey) {
        debug_assert!(matches!(self.state, State::Fresh { .. }));
        const WAITING_TAG: u8 = 1;
        // SAFETY: only the key (`Unpin`, not structurally pinned) is written
        // through this reference; the future is not moved.
        let state = unsafe { &mut self.get_unchecked_mut().state };
        if let State::Fresh { key: slot, .. } = state {
            *slot = key;
        }
        // `State` is `repr(u8)` (see its doc): its first byte is the tag, and
        // `Fresh` and `Waiting` keep their key and future at the same offsets.
        // SAFETY: so writing the `Waiting` tag over a `Fresh` state yields a
        // valid `Waiting` holding the same key and unmoved future.
        unsafe { ptr::from_mut(state).cast::<u8>().write(WAITING_TAG) };
    }

    /// Polls the future; if the poll panics, the future is dropped during
    /// the unwind (its `Drop` sees `thread::panicking()`), as Tokio drops it.
    #[inline]
    fn poll_dropping_on_unwind(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output>
    where
        F: Future,
    {
        /// Armed for the poll only: forgotten when the poll returns.
        struct DropOnUnwind<'a, F>(Pin<&'a mut Harness<F>>);
        impl<F> Drop for DropOnUnwind<'_, F> {
            fn drop(&mut self) {
                // A panic from the future's own `Drop` is caught in there,
                // so it cannot abort the unwind in progress.
                let _ = self.0.as_mut().drop_future();
            }
        }
        let mut guard = DropOnUnwind(self.as_mut());
        let output = match guard.0.as_mut().future() {
            Some(future) => future.poll(cx),
            None => Poll::Pending,
        };
        std::mem::forget(guard);
        output
    }

    /// Drops the future in place; a panic in its `Drop` becomes the task's failure.
    fn drop_future(self: Pin<&mut Self>) -> Result<(), Failure> {
        // SAFETY: the state is structurally pinned (see `future`); `Pin::set`
        // drops the old state in place.
        let mut state = unsafe { self.map_unchecked_mut(|h| &mut h.state) };
        catch_unwind(AssertUnwindSafe(|| state.set(State::Done))).map_err(Failure::panicked)
    }
}

impl<F: Future> Future for Harness<F> {
    type Output = Outcome<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let slot = take_slot();
        // A non-null slot was offered by the run that is polling us
        // (see the module doc); its frame owns the slot and outlives this poll,
        // its `meta` points into this task's header, and its `closed` (if not
        // null) to a flag the run borrows.
        // SAFETY: the slot, its task and its flag outlive this poll.
        let abort = !slot.is_null()
            && unsafe {
                (*(*slot).meta).is_abort_requested()
                    || (*slot)
                        .closed
                        .as_ref()
                        .is_some_and(|c| c.load(Ordering::Relaxed))
            };
        let waited = self.waited();
        if abort {
            let dropped = self.drop_future();
            report_finished(slot, waited);
            return Poll::Ready(dropped.and(Err(Failure::cancelled())));
        }
        if self.as_mut().future().is_none() {
            // async-task never polls a future that returned `Ready`.
            return Poll::Ready(Err(Failure::cancelled()));
        }
        let outcome = match catch_unwind(AssertUnwindSafe(|| {
            self.as_mut().poll_dropping_on_unwind(cx)
        })) {
            Ok(Poll::Pending) => {
                if waited.is_none() && !slot.is_null() {
                    // SAFETY: as above: the slot's run is below us on this stack,
                    // and the task it runs (whose header `meta` is in) is alive.
                    unsafe {
                        match (*slot).registry {
                            Some(registry) => {
                                self.mark_waiting(registry.insert(cx.waker().clone()));
                            }
                            None => {
                                self.mark_waiting(WaitKey::NONE);
                                (*slot).first_wait = Some(cx.waker().clone());
                                (*slot).id = Some((*(*slot).meta).id());
                            }
                        }
                    }
                }
                return Poll::Pending;
            }
            Ok(Poll::Ready(output)) => self.drop_future().map(|()| output),
            Err(payload) => {
                // The first panic is the one the awaiter hears about.
                let _ = self.drop_future();
                Err(Failure::panicked(payload))
            }
        };
        report_finished(slot, waited);
        Poll::Ready(outcome)
    }
}

impl<F> Drop for Harness<F> {
    fn drop(&mut self) {
        // Non-null only when a run found the task closed and drops the future
        // instead of polling it; taken before the future's own `Drop` runs, so
        // a run nested in that `Drop` cannot be mistaken for ours.
        let slot = take_slot();
        let waited = self.waited();
        // SAFETY: `self` is never moved again (we are in its destructor), so
        // pinning it here for the in-place drop is sound.
        let this = unsafe { Pin::new_unchecked(self) };
        // Also reached when a task is cancelled without being polled (its
        // `Runnable` dropped at shutdown). Nobody awaits a result then, so a
        // panic from the future's `Drop` has been reported by the panic hook
        // and is dropped.
        let _ = this.drop_future();
        report_finished(slot, waited);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn retagging_keeps_the_future_in_place() {
        let mut harness = Box::pin(Harness::new([7u64, 9]));
        let before = harness.as_mut().future().map(|f| ptr::from_ref(&*f));
        harness.as_mut().mark_waiting(WaitKey::new(5));
        assert_eq!(harness.waited(), Some(WaitKey::new(5)));
        let after = harness.as_mut().future().map(|f| ptr::from_ref(&*f));
        assert_eq!(before, after);
        assert_eq!(after.map(read_pinned), Some([7, 9]));
        assert!(harness.as_mut().drop_future().is_ok());
        assert!(harness.as_mut().future().is_none());
    }

    fn read_pinned(f: *const [u64; 2]) -> [u64; 2] {
        // SAFETY: `f` points into the live, pinned harness of the test.
        unsafe { *f }
    }

    #[test]
    fn the_state_of_a_zero_sized_future_fits_a_unit_output_slot() {
        assert_eq!(std::mem::size_of::<Harness<std::future::Pending<()>>>(), 8);
        assert_eq!(
            std::mem::size_of::<Harness<[u64; 2]>>(),
            24,
            "the key shares the tag's word"
        );
    }

    #[test]
    fn a_harness_outside_a_run_takes_no_slot_and_reports_nothing() {
        let mut harness = Box::pin(Harness::new(std::future::pending::<()>()));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(harness.as_mut().poll(&mut cx).is_pending());
        assert!(!harness.is_waiting(), "nobody to report to: stays fresh");
    }
}
