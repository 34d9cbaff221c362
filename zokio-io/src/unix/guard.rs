//! The readiness guards of [`AsyncFd`]: what a wait saw, until cleared.

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use crate::io_ready::ReadyEvents;
use crate::ready::Ready;
use crate::unix::async_fd::AsyncFd;

/// The readiness an [`AsyncFd`] wait saw, with shared access to it.
///
/// Dropping the guard keeps the readiness (as
/// [`retain_ready`](Self::retain_ready)): the next wait returns at once.
/// When an operation returned `WouldBlock`, clear it
/// ([`clear_ready`](Self::clear_ready)), or run the operation through
/// [`try_io`](Self::try_io), which does.
#[must_use = "you must clear the readiness when an operation returns WouldBlock"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    events: Option<ReadyEvents>,
}

/// [`AsyncFdReadyGuard`] with `&mut` access to the [`AsyncFd`].
#[must_use = "you must clear the readiness when an operation returns WouldBlock"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    events: Option<ReadyEvents>,
}

/// The operation given to a guard's `try_io` returned `WouldBlock`; the
/// guard's readiness is cleared, so wait again.
pub struct TryIoError(());

impl fmt::Debug for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryIoError(WouldBlock)")
    }
}

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; readiness cleared")
    }
}

impl Error for TryIoError {}

/// The events of `events` that `ready` names.
fn matching(events: ReadyEvents, ready: Ready) -> ReadyEvents {
    ReadyEvents {
        read: events
            .read
            .filter(|_| ready.is_readable() || ready.is_read_closed()),
        write: events
            .write
            .filter(|_| ready.is_writable() || ready.is_write_closed()),
    }
}

/// The events of `events` that `ready` does not name.
fn remaining(events: ReadyEvents, ready: Ready) -> Option<ReadyEvents> {
    let cleared = matching(events, ready);
    let left = ReadyEvents {
        read: events.read.filter(|_| cleared.read.is_none()),
        write: events.write.filter(|_| cleared.write.is_none()),
    };
    (left.read.is_some() || left.write.is_some()).then_some(left)
}

macro_rules! guard_common {
    () => {
        /// The readiness this guard holds (empty once cleared).
        pub fn ready(&self) -> Ready {
            self.events.map_or(Ready::EMPTY, |events| events.ready())
        }

        /// Forgets the readiness this guard holds, so the next wait waits
        /// for a new event (one that came since the guard was taken is
        /// kept).
        pub fn clear_ready(&mut self) {
            if let Some(events) = self.events.take() {
                self.async_fd.clear(events);
            }
        }

        /// Forgets only the readiness named in `ready` (the rest stays in
        /// the guard). Final readiness (a hang-up or an error) is never
        /// forgotten, because no new event would bring it back.
        pub fn clear_ready_matching(&mut self, ready: Ready) {
            if let Some(events) = self.events.take() {
                self.async_fd.clear(matching(events, ready));
                self.events = remaining(events, ready);
            }
        }

        /// Keeps the readiness: the next wait returns at once. (What
        /// dropping the guard does too.)
        pub fn retain_ready(&mut self) {
            self.events = None;
        }
    };
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(crate) fn new(async_fd: &'a AsyncFd<T>, events: ReadyEvents) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            events: Some(events),
        }
    }

    pub(crate) fn into_events(mut self) -> ReadyEvents {
        self.events.take().unwrap_or_default()
    }

    guard_common!();

    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)` (wait again), else `Ok` with its result.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The [`AsyncFd`].
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The object inside the [`AsyncFd`].
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(crate) fn new(async_fd: &'a mut AsyncFd<T>, events: ReadyEvents) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            events: Some(events),
        }
    }

    guard_common!();

    /// Runs `f`; if it returns `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)` (wait again), else `Ok` with its result.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The [`AsyncFd`].
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The [`AsyncFd`], mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The object inside the [`AsyncFd`].
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The object inside the [`AsyncFd`], mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("async_fd", self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("async_fd", self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}
