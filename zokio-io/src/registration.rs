//! A source's registration with a reactor, and the readiness wait every
//! operation goes through.

use std::fmt;
use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use zokio_core::budget;

use crate::reactor::Handle;
use crate::reactor::ScheduledIo;
use crate::readiness::{Direction, Readiness, ReadyEvent};

/// One registered descriptor: the reactor it belongs to and its readiness.
/// Its owner deregisters it (with the descriptor) before closing the
/// descriptor.
pub(crate) struct Registration {
    handle: Handle,
    io: Arc<ScheduledIo>,
}

impl Registration {
    pub(crate) fn new(
        fd: BorrowedFd<'_>,
        handle: &Handle,
        readiness: Readiness,
    ) -> io::Result<Registration> {
        let io = handle.reactor.register(fd, readiness)?;
        Ok(Registration {
            handle: handle.clone(),
            io,
        })
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) {
        self.handle.reactor.deregister(fd, &self.io);
    }

    /// Waits for `direction` without spending budget.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.io.readiness.poll_ready(direction, cx)
    }

    /// The readiness of `direction` now, registering no waker.
    pub(crate) fn ready_event(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        self.io.readiness.ready_event(direction)
    }

    pub(crate) fn clear(&self, event: ReadyEvent) {
        self.io.readiness.clear(event);
    }

    /// Forgets readiness known for `direction` and asks the kernel to report
    /// the descriptor again if it is ready now (`EPOLL_CTL_MOD` re-checks an
    /// edge-triggered descriptor), for callers that do their own I/O and
    /// cannot tell us when it would block.
    pub(crate) fn rearm(&self, fd: BorrowedFd<'_>, direction: Direction) -> io::Result<()> {
        // Peek, not poll: registering a waker here would evict the waiter.
        if let Some(event) = self.io.readiness.ready_event(direction) {
            self.clear(event?);
        }
        let key = Arc::as_ptr(&self.io) as usize;
        self.handle.reactor.selector().modify(fd, key)
    }

    /// Runs `op` once `direction` is ready, spending one unit of the
    /// cooperative budget per attempt that makes progress. A `WouldBlock`
    /// clears the readiness it was tried on and waits for the next event.
    #[inline]
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_until(direction, cx, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for a stream socket's reads and writes of
    /// `asked` bytes; `op` returns the bytes moved and whether it learned
    /// that the kernel buffer is now empty (a TCP read's queue hint). Either
    /// that or a transfer shorter than asked means the kernel buffer was
    /// emptied (read) or filled (write) at that moment, so the readiness is
    /// cleared at once instead of by the `WouldBlock` call that the next
    /// attempt would make. An event that arrived meanwhile has a newer tick
    /// and is kept, and a hang-up that came with the data is final readiness
    /// that no clear removes (where the selector reports it; elsewhere this
    /// is [`poll_io`](Self::poll_io)).
    #[inline]
    pub(crate) fn poll_stream_io(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        asked: usize,
        op: impl FnMut() -> io::Result<(usize, bool)>,
    ) -> Poll<io::Result<usize>> {
        if !crate::sys::REPORTS_FINAL {
            return self.poll_io(direction, cx, op).map_ok(|(n, _)| n);
        }
        self.poll_io_until(direction, cx, op, |&(n, drained)| {
            n > 0 && (n < asked || drained)
        })
        .map_ok(|(n, _)| n)
    }

    #[inline]
    fn poll_io_until<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
        exhausted: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let progress = ready!(budget::poll_proceed(cx));
        loop {
            let event = ready!(self.poll_ready(direction, cx))?;
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear(event),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => {
                    if result.as_ref().is_ok_and(&exhausted) {
                        self.clear(event);
                    }
                    progress.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("readiness", &self.io.readiness)
            .finish()
    }
}
