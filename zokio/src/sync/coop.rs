//! `Cooperative`: makes a whole future spend the task's cooperative budget,
//! for operations written as `async` blocks around several inner waits.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use zokio_core::budget;

pin_project_lite::pin_project! {
    /// Takes a budget unit before each poll of `inner` and keeps it when
    /// `inner` completes, so a loop over an operation that is always ready
    /// still yields to the other tasks of its worker.
    pub(crate) struct Cooperative<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Cooperative<F> {
    pub(crate) fn new(inner: F) -> Cooperative<F> {
        Cooperative { inner }
    }
}

impl<F: Future> Future for Cooperative<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let progress = ready!(budget::poll_proceed(cx));
        let output = ready!(self.project().inner.poll(cx));
        progress.made_progress();
        Poll::Ready(output)
    }
}
