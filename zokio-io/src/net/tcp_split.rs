//! The read and write halves of a `TcpStream`.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use crate::net::tcp_stream::TcpStream;

impl TcpStream {
    /// Borrowed halves, for reading and writing from two futures of one task.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf::new(self), WriteHalf::new(self))
    }

    /// Owned halves, for reading and writing from two tasks. Dropping the
    /// write half shuts down the write side; [`OwnedReadHalf::reunite`]
    /// puts the halves back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (
            OwnedReadHalf::new(stream.clone()),
            OwnedWriteHalf::new(stream),
        )
    }
}

/// The borrowed read half of [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a> {
    stream: &'a TcpStream,
}

/// The borrowed write half of [`TcpStream::split`]; closing it shuts down
/// the stream's write side.
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::{TcpListener, TcpStream};
///
/// futures_lite::future::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, mut writer) = server.split();
///     // Echo what arrives, concurrently with the client's exchange.
///     let echo = futures_lite::io::copy(&mut reader, &mut writer);
///     let exchange = async {
///         client.write_all(b"abc").await?;
///         let mut buf = [0; 3];
///         client.read_exact(&mut buf).await?;
///         client.close().await?;
///         std::io::Result::Ok(buf)
///     };
///     let (copied, echoed) = futures_lite::future::zip(echo, exchange).await;
///     assert_eq!(copied?, 3);
///     assert_eq!(&echoed?, b"abc");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a> {
    stream: &'a TcpStream,
}

impl<'a> ReadHalf<'a> {
    pub(crate) fn new(stream: &'a TcpStream) -> Self {
        ReadHalf { stream }
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl<'a> WriteHalf<'a> {
    pub(crate) fn new(stream: &'a TcpStream) -> Self {
        WriteHalf { stream }
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

/// The owned read half of [`TcpStream::into_split`].
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The owned write half of [`TcpStream::into_split`]. Dropping it (or
/// closing it) shuts down the write side, so the peer reads end of stream.
///
/// ```
/// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio_io::net::{TcpListener, TcpStream};
///
/// futures_lite::future::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (read, mut write) = client.into_split();
///     write.write_all(b"bye").await?;
///     drop(write);
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await?;
///     assert_eq!(got, b"bye");
///     let _stream = read.reunite_with_stream();
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

impl OwnedReadHalf {
    pub(crate) fn new(stream: Arc<TcpStream>) -> Self {
        OwnedReadHalf { stream }
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Puts the two halves of one stream back together; gives them back (in
    /// a [`ReuniteError`]) if they belong to different streams.
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        drop(write);
        // The two halves were the only owners, and the write half is gone.
        Arc::try_unwrap(self.stream).map_err(|stream| {
            ReuniteError(
                OwnedReadHalf::new(stream.clone()),
                OwnedWriteHalf::new(stream),
            )
        })
    }

    /// The stream, if the write half has been dropped; otherwise the half
    /// itself.
    pub fn reunite_with_stream(self) -> Result<TcpStream, OwnedReadHalf> {
        Arc::try_unwrap(self.stream).map_err(OwnedReadHalf::new)
    }
}

impl OwnedWriteHalf {
    pub(crate) fn new(stream: Arc<TcpStream>) -> Self {
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        }
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Puts the halves back together; see [`OwnedReadHalf::reunite`].
    pub fn reunite(self, read: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        read.reunite(self)
    }

    /// Drops the half without shutting down the write side.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

/// The halves given to [`OwnedReadHalf::reunite`] belong to different
/// streams; here they are back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone; there is no one to report that to here.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

macro_rules! impl_read {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_read_vectored(cx, bufs)
            }
        }
    };
}

macro_rules! impl_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.stream).poll_close(cx)
            }
        }
    };
}

impl_read!(ReadHalf<'_>);
impl_read!(OwnedReadHalf);
impl_write!(WriteHalf<'_>);
impl_write!(OwnedWriteHalf);

/// Tokio's readiness methods on the halves, forwarded to the stream.
macro_rules! impl_half_ready {
    (read $ty:ty) => {
        impl $ty {
            /// The local address of the connection.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                self.stream.local_addr()
            }

            /// Waits for any readiness of `interest`; see [`TcpStream::ready`].
            pub async fn ready(&self, interest: crate::Interest) -> io::Result<crate::Ready> {
                self.stream.ready(interest).await
            }

            /// Waits until the stream is readable; see [`TcpStream::readable`].
            pub async fn readable(&self) -> io::Result<()> {
                self.stream.readable().await
            }

            /// Reads without waiting; see [`TcpStream::try_read`].
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.try_read(buf)
            }

            /// Reads into several buffers without waiting; see
            /// [`TcpStream::try_read_vectored`].
            pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.try_read_vectored(bufs)
            }

            /// Reads into a buffer's spare capacity without waiting; see
            /// [`TcpStream::try_read_buf`].
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
                self.stream.try_read_buf(buf)
            }

            /// Receives without removing from the queue; see
            /// [`TcpStream::peek`].
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.peek(buf).await
            }

            /// The poll form of [`peek`](Self::peek).
            pub fn poll_peek(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.stream.poll_peek(cx, buf)
            }
        }
    };
    (write $ty:ty) => {
        impl $ty {
            /// The local address of the connection.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                self.stream.local_addr()
            }

            /// Waits for any readiness of `interest`; see [`TcpStream::ready`].
            pub async fn ready(&self, interest: crate::Interest) -> io::Result<crate::Ready> {
                self.stream.ready(interest).await
            }

            /// Waits until the stream is writable; see [`TcpStream::writable`].
            pub async fn writable(&self) -> io::Result<()> {
                self.stream.writable().await
            }

            /// Writes without waiting; see [`TcpStream::try_write`].
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.try_write(buf)
            }

            /// Writes from several buffers without waiting; see
            /// [`TcpStream::try_write_vectored`].
            pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.try_write_vectored(bufs)
            }
        }
    };
}

impl_half_ready!(read ReadHalf<'_>);
impl_half_ready!(read OwnedReadHalf);
impl_half_ready!(write WriteHalf<'_>);
impl_half_ready!(write OwnedWriteHalf);
