//! A future and, once it has finished, its output.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// One branch of a join: still running, finished with its output, or emptied.
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    #[doc(hidden)]
    pub enum MaybeDone<F: Future> {
        Running { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    pub(crate) fn new(future: F) -> Self {
        MaybeDone::Running { future }
    }

    /// Polls the future if it is still running; true once it has finished.
    pub(crate) fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let output = match self.as_mut().project() {
            MaybeDoneProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return false,
            },
            _ => return true,
        };
        self.project_replace(MaybeDone::Done { output });
        true
    }

    /// The output of a finished branch; `None` if it is not finished or was taken.
    pub(crate) fn take(mut self: Pin<&mut Self>) -> Option<F::Output> {
        match self.as_mut().project() {
            MaybeDoneProj::Done { .. } => match self.project_replace(MaybeDone::Taken) {
                MaybeDoneReplace::Done { output } => Some(output),
                _ => None,
            },
            _ => None,
        }
    }

    /// A reference to a finished branch's output.
    pub(crate) fn output(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        match self.project() {
            MaybeDoneProj::Done { output } => Some(output),
            _ => None,
        }
    }
}
