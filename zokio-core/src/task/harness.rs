//! The future every task actually runs: the user's future, plus panic catching
//! and the abort check.
//!
//! async-task's own panic propagation (its `std` feature) costs 24 bytes in every
//! task; catching here costs nothing until a panic happens.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::error::Failure;
use super::id::TaskMeta;

/// What a task's output slot holds.
pub(crate) type Outcome<T> = Result<T, Failure>;

pub(crate) struct Harness<F> {
    /// `None` once the future has been dropped. Structurally pinned: it is only
    /// ever dropped in place, never moved.
    future: Option<F>,
    /// The header's metadata of the task this future lives in.
    meta: NonNull<TaskMeta>,
}

// SAFETY: `meta` points to a `TaskMeta` (which is `Sync`) in the header of the
// same allocation as this future; the header outlives the future. Everything
// else is `F`, which is `Send` by the bound.
unsafe impl<F: Send> Send for Harness<F> {}

impl<F> Harness<F> {
    /// `meta` must be the metadata of the task this harness is spawned into.
    pub(crate) fn new(future: F, meta: &TaskMeta) -> Harness<F> {
        Harness {
            future: Some(future),
            meta: NonNull::from(meta),
        }
    }

    fn future(self: Pin<&mut Self>) -> Pin<&mut Option<F>> {
        // SAFETY: `future` is structurally pinned: no method moves it out, it is
        // only replaced through `Pin::set`, which drops it in place.
        unsafe { self.map_unchecked_mut(|h| &mut h.future) }
    }

    /// Drops the future in place; a panic in its `Drop` becomes the task's failure.
    fn drop_future(self: Pin<&mut Self>) -> Result<(), Failure> {
        let mut future = self.future();
        catch_unwind(AssertUnwindSafe(|| future.set(None))).map_err(Failure::panicked)
    }
}

impl<F: Future> Future for Harness<F> {
    type Output = Outcome<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the metadata lives in the task header, which outlives the future.
        let meta = unsafe { self.meta.as_ref() };
        if meta.is_abort_requested() {
            return Poll::Ready(self.drop_future().and(Err(Failure::Cancelled)));
        }
        let Some(future) = self.as_mut().future().as_pin_mut() else {
            // async-task never polls a future that returned `Ready`.
            return Poll::Ready(Err(Failure::Cancelled));
        };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(self.drop_future().map(|()| output)),
            Err(payload) => {
                // The first panic is the one the awaiter hears about.
                let _ = self.drop_future();
                Poll::Ready(Err(Failure::panicked(payload)))
            }
        }
    }
}

impl<F> Drop for Harness<F> {
    fn drop(&mut self) {
        // SAFETY: `self` is never moved again (we are in its destructor), so
        // pinning it here for the in-place drop is sound.
        let this = unsafe { Pin::new_unchecked(self) };
        // Reached when a task is cancelled without being polled (its `Runnable`
        // dropped at shutdown). Nobody awaits a result then, so a panic from the
        // future's `Drop` has been reported by the panic hook and is dropped.
        let _ = this.drop_future();
    }
}
