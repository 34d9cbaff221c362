//! `TcpListener`: accepting TCP connections.

use std::fmt;
use std::future::{poll_fn, ready};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::Stream;
use socket2::{Domain, Protocol, Socket, Type};

use crate::async_fd::Async;
use crate::net::addr::{ToSocketAddrs, each_addr};
use crate::net::tcp_stream::TcpStream;

/// Connections waiting in the kernel before `accept` takes them.
const BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::{TcpListener, TcpStream};
///
/// futures_lite::future::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let mut client = TcpStream::connect(addr).await?;
///     let (mut server, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    inner: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to the first of `addr`'s addresses that works (with
    /// `SO_REUSEADDR`, as std does, and a backlog of 1024) and listens.
    ///
    /// A malformed or unresolvable address is an `InvalidInput` error; an
    /// address already taken is `AddrInUse`.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |addr| ready(TcpListener::bind_addr(addr))).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        TcpListener::listen_socket(socket, BACKLOG)
    }

    /// Makes the bound `socket` listen, with room for `backlog` pending
    /// connections, and registers it.
    pub(crate) fn listen_socket(socket: Socket, backlog: i32) -> io::Result<TcpListener> {
        socket.set_nonblocking(true)?;
        socket.listen(backlog)?;
        Ok(TcpListener {
            inner: Async::new_nonblocking(std::net::TcpListener::from(socket))?,
        })
    }

    /// Waits for a connection and accepts it.
    ///
    /// Errors of `accept(2)` come back as they are (`EMFILE` when the process
    /// is out of descriptors, for instance) and leave the listener usable:
    /// the pending connection stays queued, and the next call tries again.
    /// (While descriptors stay exhausted, every call fails at once, so a
    /// server loop should back off briefly after such an error.)
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The poll form of [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.inner.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_accepted(stream, self.inner.handle()).map(|s| (s, addr)))
    }

    /// A stream of accepted connections.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Registers a std listener (made non-blocking) with the current reactor.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            inner: Async::new_nonblocking(listener)?,
        })
    }

    /// Deregisters the listener and gives back the std listener (still in
    /// non-blocking mode).
    pub fn into_std(self) -> std::net::TcpListener {
        self.inner.into_inner()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl From<TcpListener> for std::net::TcpListener {
    fn from(listener: TcpListener) -> std::net::TcpListener {
        listener.into_std()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.get_ref().fmt(f)
    }
}

/// The stream of connections of [`TcpListener::incoming`]. It never ends;
/// each failed accept is an `Err` item, after which it keeps going.
///
/// ```
/// use futures_lite::StreamExt;
/// use zokio_io::net::{TcpListener, TcpStream};
///
/// futures_lite::future::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let _client = TcpStream::connect(listener.local_addr()?).await?;
///     let mut incoming = listener.incoming();
///     let accepted = incoming.next().await.expect("never ends")?;
///     assert_eq!(accepted.local_addr()?, listener.local_addr()?);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}
