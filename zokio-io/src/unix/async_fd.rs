//! `AsyncFd<T>`: Tokio's API for a descriptor registered with the reactor,
//! and the readiness guards its waits return (what a wait saw, until cleared).

use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use crate::async_fd::Async;
use crate::interest::Interest;
use crate::io_ready::ReadyEvents;
use crate::reactor::Handle;
use crate::readiness::Readiness;
use crate::ready::Ready;

/// Any `AsRawFd` as `AsFd`, for the registration: the descriptor `T` gave
/// when it was registered (checked non-negative then), so a later answer of
/// `T::as_raw_fd` cannot turn into an invalid `BorrowedFd`.
struct RawAsFd<T> {
    io: T,
    fd: RawFd,
}

impl<T: AsRawFd> AsFd for RawAsFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // `fd` was checked non-negative (so never -1) when this was
        // built, and `AsyncFd`'s contract (as Tokio's) is that `T` owns, or
        // keeps open, that descriptor for as long as `T` lives; the borrow
        // ends with the borrow of `self`, which holds `T`.
        // SAFETY: `fd` is valid and open for as long as `self` is borrowed.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }
}

/// A descriptor registered with the reactor, with Tokio's readiness-guard
/// API (`tokio::io::unix::AsyncFd`).
///
/// `AsyncFd` does no I/O itself: you wait for readiness
/// ([`readable`](Self::readable), [`writable`](Self::writable),
/// [`ready`](Self::ready)), do the non-blocking operation on
/// [`get_ref`](Self::get_ref), and when it returns `WouldBlock` tell the
/// guard so ([`AsyncFdReadyGuard::try_io`] does that for you, or call
/// [`clear_ready`](AsyncFdReadyGuard::clear_ready)). Readiness is cleared
/// with a tick check: an event that arrived since the guard was taken is
/// kept.
///
/// The descriptor must be in non-blocking mode already (`AsyncFd`, as
/// Tokio's, does not change its flags) and must stay open while `T` lives.
/// Dropping the `AsyncFd` deregisters it and drops `T`;
/// [`into_inner`](Self::into_inner) deregisters it and gives `T` back.
///
/// One task at a time should wait on each direction: a second waiter in the
/// same direction replaces the first one's waker (Tokio wakes them all).
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use zokio_io::unix::AsyncFd;
///
/// futures_lite::future::block_on(async {
///     let (a, mut b) = UnixStream::pair()?;
///     a.set_nonblocking(true)?;
///     let a = AsyncFd::new(a)?;
///     b.write_all(b"hello")?;
///     let mut buf = [0; 5];
///     let n = loop {
///         let mut guard = a.readable().await?;
///         match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///             Ok(result) => break result?,
///             Err(_would_block) => continue,
///         }
///     };
///     assert_eq!(&buf[..n], b"hello");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct AsyncFd<T: AsRawFd> {
    inner: Async<RawAsFd<T>>,
    interest: Interest,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` with the current reactor (the entered runtime's, or
    /// the background one) for reads and writes.
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner` for `interest` only: waiting for another readiness
    /// is an `InvalidInput` error.
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        AsyncFd::try_with_interest(inner, interest).map_err(|e| e.error)
    }

    /// [`new`](Self::new) that gives `inner` back if registering fails.
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        AsyncFd::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// [`with_interest`](Self::with_interest) that gives `inner` back if
    /// registering fails.
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        let fd = inner.as_raw_fd();
        if fd < 0 {
            let error = io::Error::new(
                io::ErrorKind::InvalidInput,
                "AsyncFd: the object's raw descriptor is negative (not an open descriptor)",
            );
            return Err(AsyncFdTryNewError { inner, error });
        }
        let handle = match Handle::current() {
            Ok(handle) => handle,
            Err(error) => return Err(AsyncFdTryNewError { inner, error }),
        };
        // Not presumed ready: the kernel reports the descriptor's state once
        // it is added, so a wait right away waits for real readiness.
        match Async::try_register(RawAsFd { io: inner, fd }, &handle, Readiness::new()) {
            Ok(inner) => Ok(AsyncFd { inner, interest }),
            Err((RawAsFd { io: inner, .. }, error)) => Err(AsyncFdTryNewError { inner, error }),
        }
    }

    /// The inner object.
    pub fn get_ref(&self) -> &T {
        &self.inner.get_ref().io
    }

    /// The inner object, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner.get_mut().io
    }

    /// Deregisters the descriptor and gives the inner object back.
    pub fn into_inner(self) -> T {
        self.inner.into_inner().io
    }

    /// The interest this descriptor was registered with.
    pub fn interest(&self) -> Interest {
        self.interest
    }

    fn check(&self, interest: Interest) -> io::Result<()> {
        let missing = (interest.is_readable() && !self.interest.is_readable())
            || (interest.is_writable() && !self.interest.is_writable());
        if missing {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "AsyncFd registered for {:?} cannot wait for {interest:?}",
                    self.interest
                ),
            ));
        }
        Ok(())
    }

    fn poll_ready_guard<'a>(
        &'a self,
        interest: Interest,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.check(interest)?;
        self.inner
            .poll_interest(interest, cx)
            .map_ok(|events| AsyncFdReadyGuard::new(self, events))
    }

    /// Polls for read readiness; `Ready` gives a guard for it. Only the
    /// last task polling a direction is woken.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready_guard(Interest::READABLE, cx)
    }

    /// [`poll_read_ready`](Self::poll_read_ready) with a guard that gives
    /// `&mut` access.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let events =
            std::task::ready!(self.poll_ready_guard(Interest::READABLE, cx))?.into_events();
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, events)))
    }

    /// Polls for write readiness; see [`poll_read_ready`](Self::poll_read_ready).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready_guard(Interest::WRITABLE, cx)
    }

    /// [`poll_write_ready`](Self::poll_write_ready) with a guard that gives
    /// `&mut` access.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let events =
            std::task::ready!(self.poll_ready_guard(Interest::WRITABLE, cx))?.into_events();
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, events)))
    }

    /// Waits for any readiness of `interest`; the guard says which.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        poll_fn(|cx| self.poll_ready_guard(interest, cx)).await
    }

    /// [`ready`](Self::ready) with a guard that gives `&mut` access.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let events = self.ready(interest).await?.into_events();
        Ok(AsyncFdReadyMutGuard::new(self, events))
    }

    /// Waits until the descriptor is readable.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// [`readable`](Self::readable) with a guard that gives `&mut` access.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// [`writable`](Self::writable) with a guard that gives `&mut` access.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it does not return
    /// `WouldBlock` (each `WouldBlock` clears the readiness it ran on).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use zokio_io::{Interest, unix::AsyncFd};
    ///
    /// futures_lite::future::block_on(async {
    ///     let (a, mut b) = UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let a = AsyncFd::new(a)?;
    ///     b.write_all(b"hi")?;
    ///     let mut buf = [0; 2];
    ///     let n = a.async_io(Interest::READABLE, |mut s| s.read(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        let inner = self.get_ref();
        self.inner.async_io(interest, || f(inner)).await
    }

    /// [`async_io`](Self::async_io) with `&mut T`.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_mut())) {
                return result;
            }
        }
    }

    /// Runs `f` once if `interest` is ready, else `WouldBlock` without
    /// calling it. A `WouldBlock` from `f` clears the readiness.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        let inner = self.get_ref();
        self.inner.try_io(interest, || f(inner))
    }

    /// [`try_io`](Self::try_io) with `&mut T`.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        let events = self.inner.ready_now(interest)?;
        if events.read.is_none() && events.write.is_none() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = f(self.get_mut());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.inner.clear_events(events);
        }
        result
    }

    /// Forgets `events` (kept if newer events came); for the guards.
    pub(crate) fn clear(&self, events: crate::io_ready::ReadyEvents) {
        self.inner.clear_events(events);
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .field("interest", &self.interest)
            .finish()
    }
}

/// Registering an [`AsyncFd`] failed; the inner object is given back.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    error: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The inner object and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.error)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl<T> Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.error)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(error: AsyncFdTryNewError<T>) -> io::Error {
        error.error
    }
}

// ---- The readiness guards ----

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
