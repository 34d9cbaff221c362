//! `UnixDatagram`: Unix-domain datagram sockets.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use bytes::BufMut;

use crate::async_fd::Async;
use crate::interest::Interest;
use crate::net::buf::recv_into;
use crate::net::unix::addr::socket_addr;
use crate::ready::Ready;

type StdDatagram = std::os::unix::net::UnixDatagram;

/// A Unix-domain datagram socket, as Tokio's `UnixDatagram`.
///
/// A path that starts with a NUL byte (`"\0name"`) is a Linux abstract name:
/// no file is created.
///
/// ```
/// use zokio_io::net::UnixDatagram;
///
/// futures_lite::future::block_on(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"ping").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixDatagram {
    inner: Async<StdDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path` (which must not exist yet), or to the
    /// abstract name after a leading NUL byte.
    ///
    /// ```
    /// use zokio_io::net::UnixDatagram;
    ///
    /// let dir = std::env::temp_dir().join(format!("zokio-dgram-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let (a_path, b_path) = (dir.join("a.sock"), dir.join("b.sock"));
    /// futures_lite::future::block_on(async {
    ///     let a = UnixDatagram::bind(&a_path)?;
    ///     let b = UnixDatagram::bind(&b_path)?;
    ///     a.send_to(b"hi", &b_path).await?;
    ///     let mut buf = [0; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     assert_eq!(from.as_pathname(), Some(a_path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = socket_addr(path.as_ref())?;
        UnixDatagram::from_std(StdDatagram::bind_addr(&addr)?)
    }

    /// A connected pair of sockets.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = StdDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// A socket bound to no address: it can send (with
    /// [`send_to`](Self::send_to), or after [`connect`](Self::connect)) but
    /// nobody can address a reply to it.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(StdDatagram::unbound()?)
    }

    /// Sets the default destination of [`send`](Self::send) and the only
    /// source [`recv`](Self::recv) accepts.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let addr = socket_addr(path.as_ref())?;
        self.inner.get_ref().connect_addr(&addr)
    }

    /// Registers a std socket (made non-blocking) with the current reactor.
    pub fn from_std(socket: StdDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            inner: Async::new_nonblocking(socket)?,
        })
    }

    /// Deregisters the socket and gives back the std socket (still in
    /// non-blocking mode).
    pub fn into_std(self) -> io::Result<StdDatagram> {
        Ok(self.inner.into_inner())
    }

    /// Sends a datagram to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_send(cx, buf)).await
    }

    /// The poll form of [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write_with(cx, |s| s.send(buf))
    }

    /// Sends to the connected peer without waiting, or `WouldBlock`.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::WRITABLE, || socket.send(buf))
    }

    /// Receives a datagram from the connected peer. A datagram longer than
    /// `buf` is cut to fit; the rest is lost.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_recv(cx, buf)).await
    }

    /// The poll form of [`recv`](Self::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read_with(cx, |s| s.recv(buf))
    }

    /// Receives without waiting, or `WouldBlock`.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::READABLE, || socket.recv(buf))
    }

    /// Receives a datagram from the connected peer into `buf`'s spare
    /// capacity, which it advances past the bytes received.
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.inner
            .read_with(|s| recv_into(buf, |dst| s.recv(dst).map(|n| (n, ()))))
            .await
            .map(|(n, ())| n)
    }

    /// [`recv_buf`](Self::recv_buf) without waiting, or `WouldBlock`.
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || {
                recv_into(buf, |dst| socket.recv(dst).map(|n| (n, ())))
            })
            .map(|(n, ())| n)
    }

    /// Receives a datagram and its sender into `buf`'s spare capacity,
    /// which it advances past the bytes received.
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.inner
            .read_with(|s| recv_into(buf, |dst| s.recv_from(dst)))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting, or
    /// `WouldBlock`.
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let socket = self.inner.get_ref();
        self.inner.try_io(Interest::READABLE, || {
            recv_into(buf, |dst| socket.recv_from(dst))
        })
    }

    /// Sends a datagram to the socket at `target`.
    pub async fn send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = socket_addr(target.as_ref())?;
        self.inner
            .write_with(|s| s.send_to_addr(buf, &target))
            .await
    }

    /// The poll form of [`send_to`](Self::send_to).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let target = socket_addr(target.as_ref())?;
        self.inner
            .poll_write_with(cx, |s| s.send_to_addr(buf, &target))
    }

    /// Sends to `target` without waiting, or `WouldBlock`.
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = socket_addr(target.as_ref())?;
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::WRITABLE, || socket.send_to_addr(buf, &target))
    }

    /// Receives a datagram and the address of its sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// The poll form of [`recv_from`](Self::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Receives a datagram and its sender without waiting, or `WouldBlock`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let socket = self.inner.get_ref();
        self.inner
            .try_io(Interest::READABLE, || socket.recv_from(buf))
    }

    /// Waits until the socket is ready for any of `interest` and says which
    /// readiness it saw (it may be stale: a `try_*` that follows can still
    /// return `WouldBlock`, which clears it).
    ///
    /// ```
    /// use zokio_io::Interest;
    /// use zokio_io::net::UnixDatagram;
    ///
    /// futures_lite::future::block_on(async {
    ///     let (a, b) = UnixDatagram::pair()?;
    ///     a.try_send(b"now")?;
    ///     let ready = b.ready(Interest::READABLE | Interest::WRITABLE).await?;
    ///     assert!(ready.is_readable() || ready.is_writable());
    ///     b.readable().await?;
    ///     let mut buf = [0; 3];
    ///     assert_eq!(b.try_recv(&mut buf)?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.inner.ready_interest(interest).await
    }

    /// Waits until a datagram can be received; see [`ready`](Self::ready).
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a datagram can be sent; see [`ready`](Self::ready).
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for receive readiness (only the last task polling is woken).
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_direction_ready(Interest::READABLE, cx)
    }

    /// Polls for send readiness (only the last task polling is woken).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_direction_ready(Interest::WRITABLE, cx)
    }

    /// Runs `f`, an operation of your own on the socket, if `interest` is
    /// ready; else `WouldBlock`. `f` must return `WouldBlock` when the
    /// socket would block, so the readiness is cleared.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io(interest, f)
    }

    /// Waits for `interest` and runs `f` until it does not return
    /// `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.async_io(interest, f).await
    }

    /// The address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Shuts down the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }
}

impl TryFrom<StdDatagram> for UnixDatagram {
    type Error = io::Error;

    fn try_from(socket: StdDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}
