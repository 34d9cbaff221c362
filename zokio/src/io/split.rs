//! `split`: a reader half and a writer half of one stream, for two tasks,
//! and `unsplit` to join them again.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

/// The reading half of a stream split by [`split`].
pub struct ReadHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// The writing half of a stream split by [`split`].
pub struct WriteHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// Splits any stream that reads and writes into a half that reads and a
/// half that writes, which can go to different tasks.
///
/// The halves share the stream behind a lock, held only for one
/// `poll_read` or `poll_write` of it, so the two rarely wait on each other;
/// a socket type with its own split (`TcpStream::split`, `into_split`) needs
/// no lock and is the better choice where there is one. As with Tokio's
/// split, the lock is held for the whole poll of the inner stream, so a
/// waker that stream wakes or drops during the poll runs under it.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// zokio::block_on(async {
///     let (a, mut b) = zokio::io::duplex(64);
///     let (mut rd, mut wr) = zokio::io::split(a);
///     wr.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     b.read_exact(&mut buf).await?;
///     b.write_all(&buf).await?;
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     let _a = rd.unsplit(wr).expect("halves of one stream");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let inner = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

/// A panic in the other half's poll leaves the stream as it was at the
/// panic; the half goes on with it, as Tokio's does.
fn lock<T>(inner: &Mutex<T>) -> MutexGuard<'_, T> {
    inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the writing half of the same stream.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The stream again, from its two halves; the halves back, in an error,
    /// if `write` is not this one's pair (Tokio panics there).
    pub fn unsplit(self, write: WriteHalf<T>) -> Result<T, UnsplitError<T>>
    where
        T: Unpin,
    {
        if !self.is_pair_of(&write) {
            return Err(UnsplitError(self, write));
        }
        drop(write);
        match Arc::try_unwrap(self.inner) {
            Ok(stream) => Ok(stream.into_inner().unwrap_or_else(|p| p.into_inner())),
            // Unreachable: the two halves were the only owners, and the
            // write half is gone.
            Err(inner) => {
                let read = ReadHalf {
                    inner: inner.clone(),
                };
                Err(UnsplitError(read, WriteHalf { inner }))
            }
        }
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the reading half of the same stream.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Two halves given to [`ReadHalf::unsplit`] that are not of one stream;
/// they are given back.
pub struct UnsplitError<T>(pub ReadHalf<T>, pub WriteHalf<T>);

impl<T> fmt::Debug for UnsplitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsplitError(..)")
    }
}

impl<T> fmt::Display for UnsplitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the two halves given to unsplit are not of the same stream")
    }
}

impl<T> std::error::Error for UnsplitError<T> {}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut stream = lock(&self.inner);
        // SAFETY: the stream never moves while pinned: it lives in the `Arc`
        // until the last half drops it; only `unsplit` moves it out, and
        // only where `T: Unpin`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut stream = lock(&self.inner);
        // SAFETY: as in `poll_read`: the stream stays put in its `Arc`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_read_vectored(cx, bufs)
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut stream = lock(&self.inner);
        // SAFETY: as in `ReadHalf::poll_read`: the stream stays put in its `Arc`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut stream = lock(&self.inner);
        // SAFETY: as in `ReadHalf::poll_read`: the stream stays put in its `Arc`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut stream = lock(&self.inner);
        // SAFETY: as in `ReadHalf::poll_read`: the stream stays put in its `Arc`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut stream = lock(&self.inner);
        // SAFETY: as in `ReadHalf::poll_read`: the stream stays put in its `Arc`.
        unsafe { Pin::new_unchecked(&mut *stream) }.poll_close(cx)
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
