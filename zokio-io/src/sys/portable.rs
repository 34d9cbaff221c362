//! The `polling` crate, for platforms other than Linux.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use polling::{Event, PollMode, Poller};

use super::ReadyEvent;

pub(crate) struct Selector {
    poller: Poller,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "zokio-io needs a poller with edge-triggered mode on this platform",
            ));
        }
        Ok(Selector { poller })
    }

    pub(crate) fn add(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        // SAFETY: `polling` requires the source to be deleted from the poller
        // before it is closed. Its owner (`Async`) calls `deregister`, which
        // deletes it, before it drops or gives away the descriptor.
        unsafe {
            self.poller
                .add_with_mode(fd.as_raw_fd(), Event::all(key), PollMode::Edge)
        }
    }

    pub(crate) fn modify(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        self.poller
            .modify_with_mode(fd, Event::all(key), PollMode::Edge)
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.list.clear();
        self.poller.wait(&mut events.list, timeout).map(drop)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}

pub(crate) struct Events {
    list: polling::Events,
}

impl Events {
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        Events {
            list: polling::Events::with_capacity(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            ),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = ReadyEvent> + '_ {
        self.list.iter().map(|event| ReadyEvent {
            key: event.key,
            readable: event.readable,
            writable: event.writable,
            read_final: false,
            write_final: false,
        })
    }
}
