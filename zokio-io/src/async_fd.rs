//! `Async<T>`: any descriptor, made asynchronous by registering it with a reactor.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use crate::reactor::Handle;
use crate::readiness::{Direction, Readiness};
use crate::registration::Registration;

/// A descriptor (socket, pipe, terminal, eventfd...) registered with a
/// reactor, with futures that wait for it to become readable or writable.
///
/// `Async::new` puts the descriptor in non-blocking mode and registers it with
/// the current [`Handle`] (the entered runtime's reactor, or the background
/// one). Operations go through [`read_with`](Async::read_with) and
/// [`write_with`](Async::write_with): they run the given non-blocking
/// operation, and when it returns `WouldBlock` they wait for the next
/// readiness event and try again. Each attempt that completes spends one unit
/// of the task's cooperative budget.
///
/// When `&T` implements `Read` or `Write` (sockets, pipes), `Async<T>` and
/// `&Async<T>` implement futures-io `AsyncRead` and `AsyncWrite`.
///
/// One task at a time should wait on each direction: a second waiter in the
/// same direction replaces the first one's waker.
///
/// Dropping an `Async` deregisters the descriptor before closing it, and wakes
/// a task still waiting on it (through a `poll_*_with` call), whose next
/// attempt fails.
///
/// ```
/// use std::os::unix::net::UnixStream;
/// use std::io::{Read, Write};
/// use zokio_io::Async;
///
/// futures_lite::future::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (a, b) = (Async::new(a)?, Async::new(b)?);
///     b.write_with(|s| { let mut s = s; s.write(b"hi") }).await?;
///     let mut buf = [0; 2];
///     let n = a.read_with(|s| { let mut s = s; s.read(&mut buf) }).await?;
///     assert_eq!(&buf[..n], b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsFd> {
    /// `None` only after `into_inner` took it out.
    io: Option<T>,
    registration: Registration,
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current
    /// reactor ([`Handle::current`]).
    pub fn new(io: T) -> io::Result<Async<T>> {
        set_nonblocking(io.as_fd())?;
        Async::new_nonblocking(io)
    }

    /// Registers `io`, which the caller has already put in non-blocking mode,
    /// with the current reactor. (In blocking mode operations would block the
    /// executor's thread.)
    pub fn new_nonblocking(io: T) -> io::Result<Async<T>> {
        Async::register(io, &Handle::current()?, Readiness::new_ready())
    }

    pub(crate) fn register(io: T, handle: &Handle, readiness: Readiness) -> io::Result<Async<T>> {
        Async::try_register(io, handle, readiness).map_err(|(_, e)| e)
    }

    /// [`register`](Self::register) that gives `io` back when it fails.
    pub(crate) fn try_register(
        io: T,
        handle: &Handle,
        readiness: Readiness,
    ) -> Result<Async<T>, (T, io::Error)> {
        match Registration::new(io.as_fd(), handle, readiness) {
            Ok(registration) => Ok(Async {
                io: Some(io),
                registration,
            }),
            Err(e) => Err((io, e)),
        }
    }

    /// The inner descriptor, mutably (for operations that need `&mut T`).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("`io` is only taken by `into_inner`")
    }

    /// The registration itself, for crate types that drive the readiness
    /// wait by hand (a signal listener checks its broadcast between waits;
    /// the readiness API waits on an interest).
    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The handle of the reactor this source is registered with.
    pub fn handle(&self) -> &Handle {
        self.registration.handle()
    }

    /// The inner descriptor.
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("`io` is only taken by `into_inner`")
    }

    /// Deregisters the descriptor and gives it back (still non-blocking).
    pub fn into_inner(mut self) -> T {
        let io = self.io.take().expect("`io` is only taken by `into_inner`");
        self.registration.deregister(io.as_fd());
        io
    }

    /// Waits until the descriptor is readable: until a read would not block.
    ///
    /// Readiness that earlier operations left is re-checked by the kernel
    /// first (one system call), so `loop { a.readable().await?; try your own
    /// read }` neither spins on stale readiness nor misses data left over by a
    /// partial read. [`read_with`](Self::read_with) is cheaper when the
    /// operation can be passed in.
    pub async fn readable(&self) -> io::Result<()> {
        self.wait(Direction::Read).await
    }

    /// Waits until the descriptor is writable; see [`readable`](Self::readable).
    pub async fn writable(&self) -> io::Result<()> {
        self.wait(Direction::Write).await
    }

    async fn wait(&self, direction: Direction) -> io::Result<()> {
        self.registration.rearm(self.get_ref().as_fd(), direction)?;
        poll_fn(|cx| {
            let progress = std::task::ready!(zokio_core::budget::poll_proceed(cx));
            let ready = std::task::ready!(self.registration.poll_ready(direction, cx));
            progress.made_progress();
            Poll::Ready(ready.map(drop))
        })
        .await
    }

    /// Runs the non-blocking read-side operation `op` until it does not
    /// return `WouldBlock`, waiting for readability in between.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// [`read_with`](Self::read_with) for operations that need `&mut T`.
    pub async fn read_with_mut<R>(
        &mut self,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with_mut(cx, &mut op)).await
    }

    /// Runs the non-blocking write-side operation `op` until it does not
    /// return `WouldBlock`, waiting for writability in between.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }

    /// [`write_with`](Self::write_with) for operations that need `&mut T`.
    pub async fn write_with_mut<R>(
        &mut self,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with_mut(cx, &mut op)).await
    }

    /// The poll form of [`read_with`](Self::read_with): `Pending` registers
    /// the task to be woken when the descriptor becomes readable (or is
    /// dropped, or its reactor shuts down).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use zokio_io::Async;
    ///
    /// let (a, b) = UnixStream::pair()?;
    /// let a = Async::new(a)?;
    /// drop(b); // end of stream: the read returns 0
    /// let n = futures_lite::future::block_on(poll_fn(|cx| {
    ///     a.poll_read_with(cx, |mut s| s.read(&mut [0; 8]))
    /// }))?;
    /// assert_eq!(n, 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.registration.poll_io(Direction::Read, cx, || op(io))
    }

    /// The poll form of [`write_with`](Self::write_with).
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.registration.poll_io(Direction::Write, cx, || op(io))
    }

    /// A stream socket's read or write of `asked` bytes; see
    /// [`Registration::poll_stream_io`].
    pub(crate) fn poll_stream_io(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        asked: usize,
        mut op: impl FnMut(&T) -> io::Result<(usize, bool)>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        self.registration
            .poll_stream_io(direction, cx, asked, || op(io))
    }

    fn poll_read_with_mut<R>(
        &mut self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let Async { io, registration } = self;
        let io = io.as_mut().expect("`io` is only taken by `into_inner`");
        registration.poll_io(Direction::Read, cx, || op(io))
    }

    fn poll_write_with_mut<R>(
        &mut self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let Async { io, registration } = self;
        let io = io.as_mut().expect("`io` is only taken by `into_inner`");
        registration.poll_io(Direction::Write, cx, || op(io))
    }
}

impl<T: AsFd> Async<T> {
    /// Waits for a non-blocking `connect` on this socket to finish: writable,
    /// then `SO_ERROR` tells failure, and a peer address tells success.
    pub(crate) async fn connected(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let progress = std::task::ready!(zokio_core::budget::poll_proceed(cx));
            loop {
                let event = std::task::ready!(self.registration.poll_ready(Direction::Write, cx))?;
                let socket = socket2::SockRef::from(self.get_ref());
                if let Some(e) = socket.take_error()? {
                    return Poll::Ready(Err(e));
                }
                match socket.peer_addr() {
                    Ok(_) => {
                        progress.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    // Writable but not yet connected: readiness from before the
                    // connect finished. Wait for the next event.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        self.registration.clear(event)
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        })
        .await
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Deleted from the poller before `io` closes the descriptor.
            self.registration.deregister(io.as_fd());
            drop(io);
        }
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async")
            .field("io", &self.io)
            .field("registration", &self.registration)
            .finish()
    }
}

impl<T: AsFd> AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read_vectored(bufs))
    }
}

impl<T: AsFd> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read_vectored(bufs))
    }
}

impl<T: AsFd> AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Sets `O_NONBLOCK` on `fd`.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `fd` is a borrowed, open descriptor for the whole call, and
    // F_GETFL takes no pointer argument.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK != 0 {
        return Ok(());
    }
    // SAFETY: as above; F_SETFL takes an integer flag set.
    if unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Clears `O_NONBLOCK` on `fd`, for a descriptor handed back to blocking code.
pub(crate) fn set_blocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `fd` is a borrowed, open descriptor for the whole call, and
    // F_GETFL takes no pointer argument.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        return Ok(());
    }
    // SAFETY: as above; F_SETFL takes an integer flag set.
    if unsafe { libc::fcntl(raw, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::IoDriver;
    use std::cell::Cell;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::task::Waker;
    use zokio_core::Driver;

    /// A read shorter than asked, or a full one whose op learned that the
    /// queue is empty (a TCP read's hint), clears readiness: the next read
    /// waits for an event instead of calling into a `WouldBlock`.
    #[test]
    fn stream_reads_that_prove_the_socket_drained_clear_readiness() {
        let mut driver = IoDriver::new().unwrap();
        let (mut peer, ours) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let ours = Async::register(ours, &driver.handle(), Readiness::new_ready()).unwrap();
        let mut cx = Context::from_waker(Waker::noop());
        let calls = Cell::new(0);
        let mut buf = [0u8; 64];
        let mut read = |asked: usize, drained: bool| {
            ours.poll_stream_io(Direction::Read, &mut cx, asked, |mut s| {
                calls.set(calls.get() + 1);
                s.read(&mut buf[..asked]).map(|n| (n, drained))
            })
        };
        peer.write_all(&[7; 8]).unwrap();
        // As much as asked: more may be waiting, so the next read tries.
        assert!(matches!(read(4, false), Poll::Ready(Ok(4))));
        // Less than asked: the buffer was emptied, so readiness is cleared.
        assert!(matches!(read(64, false), Poll::Ready(Ok(4))));
        assert!(read(64, false).is_pending());
        assert_eq!(calls.get(), 2);

        peer.write_all(&[7; 8]).unwrap();
        driver.park(Some(std::time::Duration::ZERO));
        assert!(matches!(read(4, false), Poll::Ready(Ok(4))));
        // Full, but the op saw the queue empty: readiness is cleared too.
        assert!(matches!(read(4, true), Poll::Ready(Ok(4))));
        assert!(read(4, false).is_pending());
        assert_eq!(calls.get(), 4);
    }
}
