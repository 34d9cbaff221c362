//! `TcpStream`: a TCP connection.

use std::fmt;
use std::io::{self, IoSliceMut};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::async_fd::Async;
use crate::net::addr::{ToSocketAddrs, each_addr};
use crate::net::queue_hint::QueueHint;
use crate::reactor::Handle;
use crate::readiness::Readiness;

/// A TCP connection, with futures-io `AsyncRead` and `AsyncWrite` (on
/// `TcpStream` and on `&TcpStream`, so one task can read while another
/// writes).
///
/// Errors arrive as `io::Error`s of the kind std gives them:
/// `ConnectionRefused` from `connect`, `ConnectionReset` from a read after the
/// peer reset, `BrokenPipe` from a write after it closed.
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::{TcpListener, TcpStream};
///
/// futures_lite::future::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     client.set_nodelay(true)?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hello").await?;
///     client.close().await?; // shuts down the write side: the server reads EOF
///     let mut received = Vec::new();
///     server.read_to_end(&mut received).await?;
///     assert_eq!(received, b"hello");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    inner: Async<std::net::TcpStream>,
    hint: QueueHint,
}

impl TcpStream {
    /// Connects to `addr`, trying each of its addresses in turn, and returns
    /// the first connection made (or the last error).
    ///
    /// The connect is non-blocking: the socket is created, `connect` starts,
    /// the task waits for the socket to become writable, and `SO_ERROR` tells
    /// how it ended. A malformed or unresolvable address is an `InvalidInput`
    /// error.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, TcpStream::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        TcpStream::connect_socket(socket, addr).await
    }

    /// Connects `socket` (as configured by its owner) to `addr` without
    /// blocking the thread.
    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        // Not presumed writable: writability is what tells the connect ended.
        let inner = Async::register(
            std::net::TcpStream::from(socket),
            &Handle::current()?,
            Readiness::new(),
        )?;
        inner.connected().await?;
        Ok(TcpStream {
            inner,
            hint: QueueHint::new(),
        })
    }

    pub(crate) fn from_accepted(
        stream: std::net::TcpStream,
        handle: &Handle,
    ) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            inner: Async::register(stream, handle, Readiness::new_ready())?,
            hint: QueueHint::new(),
        })
    }

    /// Receives data without removing it from the socket's queue: the next
    /// read returns the same bytes. Waits until at least one byte (or the end
    /// of the stream, `Ok(0)`) is there.
    ///
    /// ```
    /// use zokio_io::net::{TcpListener, TcpStream};
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// futures_lite::future::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"hello").await?;
    ///     let mut peeked = [0u8; 5];
    ///     let n = server.peek(&mut peeked).await?;
    ///     let mut read = vec![0u8; n];
    ///     server.read_exact(&mut read).await?;
    ///     assert_eq!(&peeked[..n], &read[..]);
    ///     std::io::Result::Ok(())
    /// }).unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.peek(buf)).await
    }

    /// The poll form of [`peek`](Self::peek).
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read_with(cx, |s| s.peek(buf))
    }

    /// Reads `SO_LINGER`: how long closing the socket waits for unsent
    /// data, if set.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.inner.get_ref()).linger()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes a close reset the
    /// connection instead of finishing it; `None` restores the default.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_io::net::{TcpListener, TcpStream};
    ///
    /// futures_lite::future::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_linger(Some(Duration::from_secs(1)))?;
    ///     assert_eq!(stream.linger()?, Some(Duration::from_secs(1)));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.inner.get_ref()).set_linger(linger)
    }

    /// Sets `SO_LINGER` to zero: closing resets the connection (the peer
    /// reads `ConnectionReset`) instead of finishing it.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// One read for futures-io, through the receive-queue hint.
    fn recv_bufs(&self, asked: usize, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, bool)> {
        self.hint.read(self.inner.get_ref(), asked, bufs)
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Shuts down the read side, the write side (the peer reads end of
    /// stream), or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// Registers a std stream (made non-blocking) with the current reactor.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_accepted(stream, &Handle::current()?)
    }

    /// Deregisters the stream and gives back the std stream (still in
    /// non-blocking mode).
    pub fn into_std(self) -> std::net::TcpStream {
        self.inner.into_inner()
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl From<TcpStream> for std::net::TcpStream {
    fn from(stream: TcpStream) -> std::net::TcpStream {
        stream.into_std()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

crate::net::stream_io::impl_stream_io!(TcpStream);

crate::net::stream_ready::impl_stream_ready!(
    TcpStream,
    r#"use zokio_io::net::{TcpListener, TcpStream};
futures_lite::future::block_on(async {
let listener = TcpListener::bind("127.0.0.1:0").await?;
let a = TcpStream::connect(listener.local_addr()?).await?;
let (b, _) = listener.accept().await?;"#
);
