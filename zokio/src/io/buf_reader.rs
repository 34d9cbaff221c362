//! A buffered reader over a pooled buffer.

use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

use crate::mem::{BufPool, PooledBuf};

pin_project_lite::pin_project! {
    /// Adds a buffer to a reader, as `std::io::BufReader` does for blocking
    /// ones: many small reads become a few large ones, and it implements
    /// [`AsyncBufRead`] (`read_line`, `lines`, `read_until`...).
    ///
    /// The buffer is taken from [`BufPool::global`] and goes back to it when
    /// the reader drops. Writes pass straight through to the inner stream, so
    /// a `BufReader<TcpStream>` still answers on the same socket.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader, Cursor};
    ///
    /// zokio::block_on(async {
    ///     let mut reader = BufReader::new(Cursor::new(b"first\nsecond\n".to_vec()));
    ///     let mut line = String::new();
    ///     reader.read_line(&mut line).await?;
    ///     assert_eq!(line, "first\n");
    ///     assert_eq!(reader.buffer(), b"second\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: PooledBuf,
        // The unread bytes are `buf[pos..filled]`.
        pos: usize,
        filled: usize,
    }
}

impl<R> BufReader<R> {
    /// A reader with a buffer of 8 KiB.
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(super::DEFAULT_CAPACITY, inner)
    }

    /// A reader with a buffer of at least `capacity` bytes (the pool's size
    /// class that holds it).
    ///
    /// ```
    /// let reader = zokio::io::BufReader::with_capacity(1000, zokio::io::empty());
    /// assert_eq!(reader.capacity(), 1024);
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        let mut buf = BufPool::global().take(capacity);
        buf.set_len(buf.capacity());
        BufReader {
            inner,
            buf,
            pos: 0,
            filled: 0,
        }
    }

    /// The size of the buffer.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The bytes read from the inner reader and not yet consumed.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader; reading from it directly skips the buffered bytes.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// The inner reader. Buffered bytes not yet consumed are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn discard_buffer(self: Pin<&mut Self>) {
        let this = self.project();
        *this.pos = 0;
        *this.filled = 0;
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Nothing buffered and a read as large as the buffer: copying
        // through the buffer would only cost a copy.
        if self.pos == self.filled && out.len() >= self.buf.len() {
            let n = ready!(self.as_mut().get_pin_mut().poll_read(cx, out));
            self.discard_buffer();
            return Poll::Ready(n);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if *this.pos >= *this.filled {
            let n = ready!(this.inner.poll_read(cx, &mut this.buf[..]))?;
            *this.pos = 0;
            *this.filled = n;
        }
        Poll::Ready(Ok(&this.buf[*this.pos..*this.filled]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        *this.pos = (*this.pos + amt).min(*this.filled);
    }
}

impl<R: AsyncSeek> AsyncSeek for BufReader<R> {
    /// Seeks the inner reader and empties the buffer. A `Current` offset
    /// counts from the reader's logical position, behind the bytes it
    /// buffered.
    fn poll_seek(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let pos = match pos {
            SeekFrom::Current(offset) => {
                let buffered = (self.filled - self.pos) as i64;
                SeekFrom::Current(offset.checked_sub(buffered).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek offset overflows")
                })?)
            }
            other => other,
        };
        let result = ready!(self.as_mut().get_pin_mut().poll_seek(cx, pos));
        self.discard_buffer();
        Poll::Ready(result)
    }
}

impl<R: AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_close(cx)
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("inner", &self.inner)
            .field("buffered", &(self.filled - self.pos))
            .field("capacity", &self.buf.len())
            .finish()
    }
}
