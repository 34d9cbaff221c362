//! The driver of a multi-thread runtime with the Tokio bridge: the worker
//! that parks on Zokio's reactor runs the bridge's Tokio runtime (a
//! current-thread one, with no thread of its own) while it waits.
//!
//! A library bound to Tokio (reqwest, tonic) runs its connection task on
//! Tokio's runtime, and the Zokio task that awaits a response is woken from
//! there. With Tokio on a thread of its own, each request crosses threads
//! twice (the request to Tokio's thread, the response back), and waking a
//! parked thread is the dearest step of a loopback round trip. Driven by
//! the idle Zokio worker, Tokio's tasks, reactor and timers run on that
//! worker: the connection task is polled where the request was made, and the
//! task it wakes is queued on the same thread.
//!
//! The worker waits inside Tokio's `block_on` for the first of: Zokio's
//! epoll instance becoming readable (registered in Tokio's reactor, so
//! Zokio's own I/O and unparks end the wait), a task queued on this thread
//! by a Tokio task ([`zokio_core::local_wake`]), or Zokio's next timer. A
//! busy worker's non-blocking driver poll gives Tokio one turn as well, so
//! Tokio's tasks progress while every worker is busy, as Zokio's I/O does.

use std::future::{Future, poll_fn};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use zokio_core::{Driver, local_wake};
use zokio_io::{IoDriver, IoUnparker};

/// Zokio's reactor, parked by running Tokio's runtime until it has events.
pub struct TokioDriven {
    /// `io`'s epoll instance in Tokio's reactor. Declared before `io`, so it
    /// is deregistered before `io` closes the descriptor.
    epoll: AsyncFd<EpollFd>,
    io: IoDriver,
    tokio: Arc<tokio::runtime::Runtime>,
}

/// The raw descriptor of the `IoDriver` beside it in [`TokioDriven`].
struct EpollFd(RawFd);

impl AsRawFd for EpollFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl TokioDriven {
    pub(crate) fn new(io: IoDriver, tokio: Arc<tokio::runtime::Runtime>) -> io::Result<Self> {
        let fd = EpollFd(io.epoll_fd().as_raw_fd());
        let epoll = {
            let _tokio = tokio.enter();
            // The descriptor is `io`'s epoll instance, closed only when its
            // reactor is dropped, after `io`, which `TokioDriven` drops after
            // this `AsyncFd` (field order); `EpollFd` always returns it.
            // SAFETY: so it stays open and the same for the AsyncFd's life.
            unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE)? }
        };
        Ok(TokioDriven { epoll, io, tokio })
    }

    /// The reactor it parks.
    pub(crate) fn io(&self) -> &IoDriver {
        &self.io
    }

    /// Runs Tokio on this thread until Zokio's reactor has events, a Tokio
    /// task queued a Zokio task here, or `timeout` passes.
    fn wait(&self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            // Tokio's ready tasks (at most its event interval) and one poll
            // of its reactor, then back.
            let mut yielded = false;
            self.tokio.block_on(poll_fn(|cx| {
                if std::mem::replace(&mut yielded, true) {
                    return Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            }));
            return;
        }
        let (io, epoll) = (&self.io, &self.epoll);
        self.tokio.block_on(async move {
            let mut ready = pin!(async {
                loop {
                    let Ok(mut guard) = epoll.readable().await else {
                        return;
                    };
                    // Tokio keeps readiness until cleared; clear it only once
                    // the reactor has nothing left, so a batch too large for
                    // one park is not forgotten (a later event raises a new
                    // edge, since the clear checks Tokio's tick).
                    if io.has_events() {
                        return;
                    }
                    guard.clear_ready();
                }
            });
            let mut sleep = pin!(timeout.map(tokio::time::sleep));
            let mut polled = false;
            poll_fn(|cx| {
                // The waker registered at the previous poll was taken: a
                // Tokio task queued a Zokio task on this thread.
                if std::mem::replace(&mut polled, true) && !local_wake::is_registered() {
                    return Poll::Ready(());
                }
                if ready.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
                if let Some(sleep) = sleep.as_mut().as_pin_mut() {
                    if sleep.poll(cx).is_ready() {
                        return Poll::Ready(());
                    }
                }
                local_wake::register(cx.waker().clone());
                Poll::Pending
            })
            .await;
        });
        local_wake::clear();
    }
}

impl Driver for TokioDriven {
    type Unparker = IoUnparker;

    fn park(&mut self, timeout: Option<Duration>) {
        self.wait(timeout);
        self.io.park(Some(Duration::ZERO));
    }

    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        self.wait(timeout);
        self.io.park_with_origins(Some(Duration::ZERO));
    }

    fn unparker(&self) -> IoUnparker {
        self.io.unparker()
    }

    fn shutdown(&mut self) {
        self.io.shutdown();
    }
}

impl std::fmt::Debug for TokioDriven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokioDriven")
            .field("io", &self.io)
            .finish_non_exhaustive()
    }
}
