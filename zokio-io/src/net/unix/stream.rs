//! `UnixListener` and `UnixStream`: Unix-domain stream sockets.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSliceMut, Read};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::Stream;
use socket2::{Domain, SockAddr, Socket, Type};

use crate::async_fd::Async;
use crate::net::unix::addr::{socket_addr, socket_path};
use crate::net::unix::ucred::{UCred, peer_cred};
use crate::reactor::Handle;
use crate::readiness::Readiness;

/// A Unix-domain socket listening for connections.
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("zokio-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// let _ = std::fs::remove_file(&path);
/// futures_lite::future::block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"unix").await?;
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"unix");
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    inner: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens. On Linux a
    /// path that starts with a NUL byte (`"\0name"`) is an abstract name.
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use zokio_io::net::{UnixListener, UnixStream};
    ///
    /// futures_lite::future::block_on(async {
    ///     let name = format!("\0zokio-doc-{}", std::process::id());
    ///     let listener = UnixListener::bind(&name)?;
    ///     let _client = UnixStream::connect(&name).await?;
    ///     let (_server, _) = listener.accept().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let addr = socket_addr(path.as_ref())?;
        UnixListener::from_std(std::os::unix::net::UnixListener::bind_addr(&addr)?)
    }

    /// Binds to `addr` (a path or an abstract name) and listens.
    ///
    /// ```
    /// use std::os::unix::net::SocketAddr;
    /// use zokio_io::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("zokio-bind-addr-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let addr = SocketAddr::from_pathname(dir.join("l.sock"))?;
    /// futures_lite::future::block_on(async {
    ///     let listener = UnixListener::bind_addr(&addr)?;
    ///     let _client = UnixStream::connect_addr(&addr).await?;
    ///     let (_server, _) = listener.accept().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind_addr(addr)?)
    }

    /// Waits for a connection and accepts it. Errors of `accept(2)` leave the
    /// listener usable, as with [`TcpListener::accept`](crate::net::TcpListener::accept).
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The poll form of [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.inner.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::register(stream, self.inner.handle()).map(|s| (s, addr)))
    }

    /// A stream of accepted connections; it never ends.
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Registers a std listener (made non-blocking) with the current reactor.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            inner: Async::new_nonblocking(listener)?,
        })
    }

    /// Deregisters the listener and gives back the std listener (still in
    /// non-blocking mode).
    pub fn into_std(self) -> std::os::unix::net::UnixListener {
        self.inner.into_inner()
    }
}

/// The stream of connections of [`UnixListener::incoming`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

/// A Unix-domain stream connection, with futures-io `AsyncRead` and
/// `AsyncWrite` (on `UnixStream` and `&UnixStream`).
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::UnixStream;
///
/// futures_lite::future::block_on(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"pair").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"pair");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    inner: Async<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`, without blocking the thread. On
    /// Linux a path that starts with a NUL byte is an abstract name.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        UnixStream::connect_sockaddr(SockAddr::unix(path)?).await
    }

    /// Connects to the socket at `addr` (a path or an abstract name; an
    /// unnamed address is an `InvalidInput` error).
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        UnixStream::connect_sockaddr(SockAddr::unix(socket_path(addr)?)?).await
    }

    async fn connect_sockaddr(address: SockAddr) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&address) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "the listener's backlog is full",
                ));
            }
            Err(e) => return Err(e),
        }
        let inner = Async::register(
            std::os::unix::net::UnixStream::from(std::os::fd::OwnedFd::from(socket)),
            &Handle::current()?,
            Readiness::new(),
        )?;
        inner.connected().await?;
        Ok(UnixStream { inner })
    }

    /// A connected pair of streams.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    fn register(stream: std::os::unix::net::UnixStream, handle: &Handle) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            inner: Async::register(stream, handle, Readiness::new_ready())?,
        })
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Receives data without removing it from the queue: the next read
    /// returns the same bytes. Waits until at least one byte (or the end of
    /// the stream, `Ok(0)`) is there.
    ///
    /// ```
    /// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio_io::net::UnixStream;
    ///
    /// futures_lite::future::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     a.write_all(b"look").await?;
    ///     let mut peeked = [0; 4];
    ///     let n = b.peek(&mut peeked).await?;
    ///     let mut read = vec![0; n];
    ///     b.read_exact(&mut read).await?;
    ///     assert_eq!(&peeked[..n], &read[..]);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_peek(cx, buf)).await
    }

    /// The poll form of [`peek`](Self::peek).
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read_with(cx, |s| peek(s, buf))
    }

    /// The credentials of the peer process, as the kernel recorded them
    /// when the connection was made.
    pub fn peer_cred(&self) -> io::Result<UCred> {
        peer_cred(self.inner.get_ref())
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get_ref().take_error()
    }

    /// Shuts down the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// One read for futures-io. Unix sockets have no receive-queue hint, so
    /// only a short read tells that the queue was emptied.
    fn recv_bufs(&self, _asked: usize, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, bool)> {
        (&mut self.inner.get_ref())
            .read_vectored(bufs)
            .map(|n| (n, false))
    }

    /// Registers a std stream (made non-blocking) with the current reactor.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::register(stream, &Handle::current()?)
    }

    /// Deregisters the stream and gives back the std stream (still in
    /// non-blocking mode).
    pub fn into_std(self) -> std::os::unix::net::UnixStream {
        self.inner.into_inner()
    }
}

macro_rules! impl_conversions {
    ($ours:ty, $std:ty) => {
        impl TryFrom<$std> for $ours {
            type Error = io::Error;

            fn try_from(io: $std) -> io::Result<$ours> {
                <$ours>::from_std(io)
            }
        }

        impl From<$ours> for $std {
            fn from(io: $ours) -> $std {
                io.into_std()
            }
        }

        impl AsFd for $ours {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        impl AsRawFd for $ours {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl fmt::Debug for $ours {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.inner.get_ref().fmt(f)
            }
        }
    };
}

impl_conversions!(UnixListener, std::os::unix::net::UnixListener);
impl_conversions!(UnixStream, std::os::unix::net::UnixStream);

crate::net::stream_io::impl_stream_io!(UnixStream);

crate::net::stream_ready::impl_stream_ready!(
    UnixStream,
    r#"use zokio_io::net::UnixStream;
futures_lite::future::block_on(async {
let (a, b) = UnixStream::pair()?;"#
);

/// `recv` with `MSG_PEEK` (std's `UnixStream::peek` is not stable).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn peek(stream: &std::os::unix::net::UnixStream, buf: &mut [u8]) -> io::Result<usize> {
    let (n, _) = rustix::net::recv(stream, buf, rustix::net::RecvFlags::PEEK)?;
    Ok(n)
}

/// `recv` with `MSG_PEEK` (std's `UnixStream::peek` is not stable).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn peek(stream: &std::os::unix::net::UnixStream, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the descriptor is open for the borrow of `stream`, and `buf`
    // is a live, writable buffer of the length passed.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_PEEK,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}
