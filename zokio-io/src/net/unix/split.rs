//! The read and write halves of a `UnixStream`.

use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use crate::net::unix::stream::UnixStream;

impl UnixStream {
    /// Borrowed halves, for reading and writing from two futures of one
    /// task.
    ///
    /// ```
    /// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio_io::net::UnixStream;
    ///
    /// futures_lite::future::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     let (mut read, mut write) = a.split();
    ///     write.write_all(b"to b").await?;
    ///     b.write_all(b"to a").await?;
    ///     let mut buf = [0; 4];
    ///     read.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"to a");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }

    /// Owned halves, for reading and writing from two tasks. Dropping the
    /// write half shuts down the write side;
    /// [`OwnedReadHalf::reunite`] puts the halves back together.
    ///
    /// ```
    /// use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio_io::net::UnixStream;
    ///
    /// futures_lite::future::block_on(async {
    ///     let (a, mut b) = UnixStream::pair()?;
    ///     let (read, mut write) = a.into_split();
    ///     write.write_all(b"bye").await?;
    ///     drop(write); // shuts down the write side: b reads the end
    ///     let mut got = Vec::new();
    ///     b.read_to_end(&mut got).await?;
    ///     assert_eq!(got, b"bye");
    ///     drop(read);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf {
                stream,
                shutdown_on_drop: true,
            },
        )
    }
}

/// The borrowed read half of [`UnixStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a> {
    stream: &'a UnixStream,
}

/// The borrowed write half of [`UnixStream::split`]; closing it shuts down
/// the stream's write side.
#[derive(Debug)]
pub struct WriteHalf<'a> {
    stream: &'a UnixStream,
}

/// The owned read half of [`UnixStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The owned write half of [`UnixStream::into_split`]. Dropping it (or
/// closing it) shuts down the write side, so the peer reads end of stream.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<UnixStream>,
    shutdown_on_drop: bool,
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

impl Error for ReuniteError {}

impl OwnedReadHalf {
    /// Puts the two halves of one stream back together; gives them back if
    /// they belong to different streams.
    pub fn reunite(self, mut other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        drop(other);
        // The two halves were the only owners, and the write half is gone.
        Arc::try_unwrap(self.stream).map_err(|stream| {
            ReuniteError(
                OwnedReadHalf {
                    stream: stream.clone(),
                },
                OwnedWriteHalf {
                    stream,
                    shutdown_on_drop: true,
                },
            )
        })
    }
}

impl OwnedWriteHalf {
    /// Puts the halves back together; see [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting down the write side.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone; there is no one to report that to here.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

macro_rules! impl_half_common {
    ($ty:ty) => {
        impl $ty {
            /// The address of the peer.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                self.stream.peer_addr()
            }

            /// The local address.
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                self.stream.local_addr()
            }

            /// Waits for any readiness of `interest`; see
            /// [`UnixStream::ready`].
            pub async fn ready(&self, interest: crate::Interest) -> io::Result<crate::Ready> {
                self.stream.ready(interest).await
            }
        }
    };
}

macro_rules! impl_read {
    ($ty:ty) => {
        impl_half_common!($ty);

        impl $ty {
            /// Waits until the stream is readable; see
            /// [`UnixStream::readable`].
            pub async fn readable(&self) -> io::Result<()> {
                self.stream.readable().await
            }

            /// Reads without waiting; see [`UnixStream::try_read`].
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.stream.try_read(buf)
            }

            /// Reads into several buffers without waiting; see
            /// [`UnixStream::try_read_vectored`].
            pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                self.stream.try_read_vectored(bufs)
            }
        }

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
        impl_half_common!($ty);

        impl $ty {
            /// Waits until the stream is writable; see
            /// [`UnixStream::writable`].
            pub async fn writable(&self) -> io::Result<()> {
                self.stream.writable().await
            }

            /// Writes without waiting; see [`UnixStream::try_write`].
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.stream.try_write(buf)
            }

            /// Writes from several buffers without waiting; see
            /// [`UnixStream::try_write_vectored`].
            pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                self.stream.try_write_vectored(bufs)
            }
        }

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
