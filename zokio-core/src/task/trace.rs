//! The `tracing` feature's view of a task: the spans and events Tokio emits
//! under `tokio_unstable` + `tracing`, which `console-subscriber` (and so
//! `tokio-console`) reads.
//!
//! - Spawn: a `runtime.spawn` span with no parent, fields `kind`,
//!   `task.name`, `task.id`, `size.bytes`, `loc.file`, `loc.line`, `loc.col`.
//!   It lives as long as the task's future: it closes when the future is
//!   dropped (completed, panicked or cancelled), which console reads as the
//!   task's end.
//! - Poll: the span is entered for each poll of the future.
//! - Wakers: an event with target `runtime::waker`, `op` one of
//!   `waker.clone`, `waker.wake`, `waker.wake_by_ref`, `waker.drop`, and
//!   `task.id` the span's id, for every operation on a waker the future
//!   cloned from the one its poll saw. The waker a poll lends is not itself
//!   counted (as in Tokio), so console's `clones - drops` is the number of
//!   wakers alive.
//!
//! async-task owns the vtable of the task's waker, so the future is polled
//! with a wrapper waker whose vtable emits the events and forwards to the
//! task's own. One wrapper is made per task (when a subscriber wants the
//! span) and kept while the task's waker stays the same, which it does for
//! every poll: no allocation per poll or per clone.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::{Id, TaskKind};

/// The span of a task being spawned.
pub(crate) fn spawn_span(
    kind: TaskKind,
    name: Option<&str>,
    id: Id,
    size: usize,
    location: &'static Location<'static>,
) -> tracing::Span {
    tracing::trace_span!(
        target: "zokio::task",
        parent: None,
        "runtime.spawn",
        kind = %kind.as_str(),
        task.name = %name.unwrap_or_default(),
        task.id = id.as_u64(),
        size.bytes = size,
        loc.file = location.file(),
        loc.line = location.line(),
        loc.col = location.column(),
    )
}

pin_project_lite::pin_project! {
    /// A task's future, polled inside its span with a waker that reports.
    pub(crate) struct Traced<F> {
        #[pin]
        future: F,
        span: tracing::Span,
        // The wrapper of the task's waker, made at the first poll the span
        // is enabled for, and remade only if the task's waker changes.
        waker: Option<Arc<TracedWaker>>,
    }
}

impl<F> Traced<F> {
    pub(crate) fn new(future: F, span: tracing::Span) -> Traced<F> {
        Traced {
            future,
            span,
            waker: None,
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        // A span no subscriber wants has no id: poll with the task's waker.
        let Some(span_id) = this.span.id() else {
            return this.future.poll(cx);
        };
        let wrapper = match this.waker {
            Some(wrapper) if wrapper.inner.will_wake(cx.waker()) => wrapper,
            slot => slot.insert(TracedWaker::new(cx.waker(), span_id.into_u64())),
        };
        let waker = wrapper.lend();
        this.future.poll(&mut Context::from_waker(&waker))
    }
}

/// What a wrapper waker points to: the task's span id and the task's own
/// waker, held without a reference of its own.
///
/// The [`Traced`] future keeps one `Arc` of it, which owns no task
/// reference: the task is alive while its future is. Every waker cloned
/// from a lent one owns one `Arc` and one task reference (taken by cloning
/// `inner`, given back by dropping or waking it), so `inner` stays valid as
/// long as any such clone exists. Holding no task reference in the cache
/// is what lets a task whose wakers are all gone be freed, as without the
/// feature.
pub(crate) struct TracedWaker {
    inner: ManuallyDrop<Waker>,
    span_id: u64,
}

// SAFETY: `inner` is a task's waker, `Send + Sync` as every `Waker` is; the
// span id is a plain number.
unsafe impl Send for TracedWaker {}
// SAFETY: as above; nothing in it is mutated after construction.
unsafe impl Sync for TracedWaker {}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

fn emit(span_id: u64, op: &'static str) {
    tracing::trace!(target: "runtime::waker", op, task.id = span_id);
}

impl TracedWaker {
    fn new(task_waker: &Waker, span_id: u64) -> Arc<TracedWaker> {
        // A bitwise copy of the waker the poll lends, owning nothing: see the
        // type's doc for why it stays valid.
        // SAFETY: the copy is never dropped as such (`ManuallyDrop`); it is
        // only cloned, and each clone is given back exactly once.
        let inner = ManuallyDrop::new(unsafe { std::ptr::read(task_waker) });
        Arc::new(TracedWaker { inner, span_id })
    }

    /// A waker over this wrapper for one poll, borrowing the cache's `Arc`:
    /// not dropped, so it neither emits nor releases anything itself.
    fn lend(self: &Arc<TracedWaker>) -> ManuallyDrop<Waker> {
        let raw = RawWaker::new(Arc::as_ptr(self).cast(), &VTABLE);
        // SAFETY: the vtable's functions uphold the `RawWaker` contract for
        // a pointer from `Arc::as_ptr` (below); the cache's `Arc` outlives
        // the poll this waker is lent to.
        ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
    }
}

/// The wrapper behind a raw waker's data pointer.
///
/// # Safety
///
/// `data` came from `Arc::as_ptr` of a `TracedWaker` that is still alive.
unsafe fn wrapper<'a>(data: *const ()) -> &'a TracedWaker {
    // SAFETY: forwarded to the caller.
    unsafe { &*data.cast::<TracedWaker>() }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: every waker with this vtable points to a live wrapper: a lent
    // one (the cache's `Arc`) or a clone (its own `Arc`).
    let this = unsafe { wrapper(data) };
    emit(this.span_id, "waker.clone");
    // SAFETY: the pointer came from `Arc::as_ptr` and the `Arc` is alive; the
    // new count is the clone's own `Arc`.
    unsafe { Arc::increment_strong_count(data.cast::<TracedWaker>()) };
    // The clone's task reference, given back in `wake` or `drop_waker`.
    std::mem::forget((*this.inner).clone());
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` is called only on a clone (a lent waker is never woken
    // by value: it is borrowed), which owns an `Arc` and a task reference.
    let this = unsafe { Arc::from_raw(data.cast::<TracedWaker>()) };
    emit(this.span_id, "waker.wake");
    // SAFETY: gives back the clone's task reference by waking with it.
    unsafe { std::ptr::read(&*this.inner) }.wake();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: a waker with this vtable points to a live wrapper (see `clone`).
    let this = unsafe { wrapper(data) };
    emit(this.span_id, "waker.wake_by_ref");
    this.inner.wake_by_ref();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: only clones are dropped (lent wakers are `ManuallyDrop`), and
    // a clone owns an `Arc` and a task reference.
    let this = unsafe { Arc::from_raw(data.cast::<TracedWaker>()) };
    emit(this.span_id, "waker.drop");
    // SAFETY: gives back the clone's task reference.
    drop(unsafe { std::ptr::read(&*this.inner) });
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Counting {
        wakes: AtomicUsize,
    }

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn clones_hold_a_reference_of_the_task_waker_and_give_it_back() {
        let counting = Arc::new(Counting {
            wakes: AtomicUsize::new(0),
        });
        let task_waker = Waker::from(counting.clone());
        let wrapper = TracedWaker::new(&task_waker, 7);
        let lent = wrapper.lend();
        assert_eq!(
            Arc::strong_count(&counting),
            2,
            "the cache owns no reference"
        );
        let a = (*lent).clone();
        let b = a.clone();
        assert_eq!(Arc::strong_count(&counting), 4);
        assert_eq!(Arc::strong_count(&wrapper), 3);
        b.wake_by_ref();
        b.wake();
        lent.wake_by_ref();
        assert_eq!(counting.wakes.load(Ordering::Relaxed), 3);
        drop(a);
        assert_eq!(Arc::strong_count(&counting), 2);
        assert_eq!(Arc::strong_count(&wrapper), 1);
        assert!(lent.will_wake(&lent), "the lent waker is stable");
        drop(task_waker);
        assert_eq!(Arc::strong_count(&counting), 1);
    }
}
