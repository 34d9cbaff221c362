//! Tokio's readiness API over a source's registration: waiting for an
//! [`Interest`] and getting a [`Ready`] back, and the non-blocking `try_*`
//! attempts that follow such a wait.
//!
//! A wait leaves the readiness as it found it: it is the attempt after it
//! that, on `WouldBlock`, clears the readiness it was made on, with the tick
//! rule every operation follows (an event that arrived meanwhile has a newer
//! tick and is kept). An attempt made when the direction is not known to be
//! ready returns `WouldBlock` at once, without a system call.

use std::future::poll_fn;
use std::io;
use std::os::fd::AsFd;
use std::task::{Context, Poll, ready};

use crate::async_fd::Async;
use crate::interest::Interest;
use crate::readiness::{Direction, ReadyEvent};
use crate::ready::Ready;

/// The readiness a wait saw: the set, and the event of each direction in it
/// (what a clear forgets).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadyEvents {
    pub(crate) read: Option<ReadyEvent>,
    pub(crate) write: Option<ReadyEvent>,
}

impl ReadyEvents {
    fn add(&mut self, event: ReadyEvent) {
        match event.direction() {
            Direction::Read => self.read = Some(event),
            Direction::Write => self.write = Some(event),
        }
    }

    fn is_empty(&self) -> bool {
        self.read.is_none() && self.write.is_none()
    }

    /// The events as Tokio's `Ready` set.
    pub(crate) fn ready(&self) -> Ready {
        let mut ready = Ready::EMPTY;
        if let Some(read) = self.read {
            ready |= if read.is_final() {
                Ready::READABLE | Ready::READ_CLOSED
            } else {
                Ready::READABLE
            };
        }
        if let Some(write) = self.write {
            ready |= if write.is_final() {
                Ready::WRITABLE | Ready::WRITE_CLOSED
            } else {
                Ready::WRITABLE
            };
        }
        ready
    }
}

fn directions(interest: Interest) -> impl Iterator<Item = Direction> {
    [
        interest.is_readable().then_some(Direction::Read),
        interest.is_writable().then_some(Direction::Write),
    ]
    .into_iter()
    .flatten()
}

impl<T: AsFd> Async<T> {
    /// The readiness of `interest` known now, registering no waker. An
    /// error if the source's driver shut down.
    pub(crate) fn ready_now(&self, interest: Interest) -> io::Result<ReadyEvents> {
        let mut events = ReadyEvents::default();
        for direction in directions(interest) {
            if let Some(event) = self.registration().ready_event(direction) {
                events.add(event?);
            }
        }
        Ok(events)
    }

    /// Waits until a direction of `interest` is ready, spending one unit of
    /// budget when it is.
    pub(crate) fn poll_interest(
        &self,
        interest: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvents>> {
        let progress = ready!(zokio_core::budget::poll_proceed(cx));
        // Look before registering: a direction already ready must not evict
        // the waker of a task waiting on the other direction.
        let mut events = self.ready_now(interest)?;
        if events.is_empty() {
            for direction in directions(interest) {
                if let Poll::Ready(event) = self.registration().poll_ready(direction, cx) {
                    events.add(event?);
                }
            }
            if events.is_empty() {
                return Poll::Pending;
            }
        }
        progress.made_progress();
        Poll::Ready(Ok(events))
    }

    /// Waits until a direction of `interest` is ready and says which.
    pub(crate) async fn ready_interest(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| self.poll_interest(interest, cx))
            .await
            .map(|events| events.ready())
    }

    /// Tokio's `poll_read_ready` / `poll_write_ready`.
    pub(crate) fn poll_direction_ready(
        &self,
        interest: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_interest(interest, cx).map_ok(drop)
    }

    /// Clears the readiness in `events` (kept if newer events came).
    pub(crate) fn clear_events(&self, events: ReadyEvents) {
        for event in [events.read, events.write].into_iter().flatten() {
            self.registration().clear(event);
        }
    }

    /// One non-blocking attempt of `op` if `interest` is ready, else
    /// `WouldBlock`. A `WouldBlock` from `op` clears the readiness it was
    /// tried on.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.try_io_until(interest, op, |_| false)
    }

    /// [`try_io`](Self::try_io) for a stream socket's transfer of `asked`
    /// bytes: as in the `poll_*` path, a transfer shorter than asked (or a
    /// read that learned it left the queue empty) proves the kernel buffer
    /// drained or filled, and clears the readiness too.
    pub(crate) fn try_stream_io(
        &self,
        interest: Interest,
        asked: usize,
        op: impl FnOnce() -> io::Result<(usize, bool)>,
    ) -> io::Result<usize> {
        if !crate::sys::REPORTS_FINAL {
            return self.try_io(interest, op).map(|(n, _)| n);
        }
        self.try_io_until(interest, op, |&(n, drained)| {
            n > 0 && (n < asked || drained)
        })
        .map(|(n, _)| n)
    }

    fn try_io_until<R>(
        &self,
        interest: Interest,
        op: impl FnOnce() -> io::Result<R>,
        exhausted: impl Fn(&R) -> bool,
    ) -> io::Result<R> {
        let events = self.ready_now(interest)?;
        if events.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = op();
        match &result {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_events(events),
            Ok(value) if exhausted(value) => self.clear_events(events),
            _ => {}
        }
        result
    }

    /// Waits for `interest` and runs `op` until it does not return
    /// `WouldBlock` (Tokio's `async_io`).
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let events = poll_fn(|cx| self.poll_interest(interest, cx)).await?;
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_events(events),
                result => return result,
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::IoDriver;
    use crate::readiness::Readiness;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::task::Waker;
    use zokio_core::Driver;

    fn pair(driver: &IoDriver) -> (UnixStream, Async<UnixStream>) {
        let (peer, ours) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        (
            peer,
            Async::register(ours, &driver.handle(), Readiness::new()).unwrap(),
        )
    }

    #[test]
    fn an_attempt_without_readiness_makes_no_call() {
        let driver = IoDriver::new().unwrap();
        let (_peer, ours) = pair(&driver);
        let mut calls = 0;
        let err = ours
            .try_io(Interest::READABLE, || {
                calls += 1;
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(calls, 0);
    }

    #[test]
    fn a_would_block_attempt_clears_what_the_wait_saw() {
        let mut driver = IoDriver::new().unwrap();
        let (mut peer, ours) = pair(&driver);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(ours.poll_interest(Interest::READABLE, &mut cx).is_pending());
        peer.write_all(b"x").unwrap();
        driver.park(Some(std::time::Duration::from_secs(5)));
        let Poll::Ready(Ok(events)) = ours.poll_interest(Interest::READABLE, &mut cx) else {
            panic!("readable after the event");
        };
        assert_eq!(events.ready(), Ready::READABLE);
        let mut buf = [0; 8];
        // Reads a whole byte (kept ready: only WouldBlock proves emptiness).
        let n = ours.try_io(Interest::READABLE, || ours.get_ref().read(&mut buf));
        assert_eq!(n.unwrap(), 1);
        let again = ours.try_io(Interest::READABLE, || ours.get_ref().read(&mut buf));
        assert_eq!(again.unwrap_err().kind(), io::ErrorKind::WouldBlock);
        // Cleared: the next wait is pending until new data.
        assert!(ours.poll_interest(Interest::READABLE, &mut cx).is_pending());
    }

    #[test]
    fn a_hang_up_is_read_closed() {
        let mut driver = IoDriver::new().unwrap();
        let (peer, ours) = pair(&driver);
        drop(peer);
        driver.park(Some(std::time::Duration::from_secs(5)));
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(Ok(events)) = ours.poll_interest(Interest::READABLE, &mut cx) else {
            panic!("readable after the hang-up");
        };
        if crate::sys::REPORTS_FINAL {
            assert!(events.ready().is_read_closed());
        }
        assert!(events.ready().is_readable());
    }
}
