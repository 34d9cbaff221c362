//! A buffered writer over a pooled buffer.

use std::fmt;
use std::io::{self, IoSliceMut};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncRead, AsyncWrite};

use crate::mem::{BufPool, PooledBuf};

pin_project_lite::pin_project! {
    /// Adds a buffer to a writer: small writes are gathered and reach the
    /// inner writer as few large ones, when the buffer fills, on
    /// [`flush`](futures_lite::AsyncWriteExt::flush) and on
    /// [`close`](futures_lite::AsyncWriteExt::close).
    ///
    /// The buffer is taken from [`BufPool::global`] and goes back to it when
    /// the writer drops. Bytes still buffered then are lost, as with tokio's
    /// and futures' `BufWriter`: flush (or close) before dropping. Reads pass
    /// straight through to the inner stream.
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, BufWriter};
    ///
    /// zokio::block_on(async {
    ///     let mut writer = BufWriter::new(Vec::new());
    ///     writer.write_all(b"hello ").await?;
    ///     writer.write_all(b"world").await?;
    ///     assert!(writer.get_ref().is_empty(), "still buffered");
    ///     writer.flush().await?;
    ///     assert_eq!(writer.get_ref(), b"hello world");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        buf: PooledBuf,
        // `buf[written..filled]` waits for the inner writer.
        written: usize,
        filled: usize,
    }
}

impl<W> BufWriter<W> {
    /// A writer with a buffer of 8 KiB.
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(super::DEFAULT_CAPACITY, inner)
    }

    /// A writer with a buffer of at least `capacity` bytes (the pool's size
    /// class that holds it).
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        let mut buf = BufPool::global().take(capacity);
        buf.set_len(buf.capacity());
        BufWriter {
            inner,
            buf,
            written: 0,
            filled: 0,
        }
    }

    /// The size of the buffer.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The bytes written to this writer and not yet to the inner one.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.written..self.filled]
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer; writing to it directly overtakes the buffered bytes.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The pinned inner writer.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// The inner writer. Buffered bytes not yet written are lost.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Writes the buffer out to the inner writer.
    fn poll_flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        while *this.written < *this.filled {
            let pending = &this.buf[*this.written..*this.filled];
            match ready!(this.inner.as_mut().poll_write(cx, pending)) {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the inner writer accepted no bytes of the buffer",
                    )));
                }
                Ok(n) => *this.written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        *this.written = 0;
        *this.filled = 0;
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.filled + data.len() > self.buf.len() {
            ready!(self.as_mut().poll_flush_buf(cx))?;
        }
        // As large as the buffer: copying it in would only cost a copy.
        if data.len() >= self.buf.len() {
            return self.get_pin_mut().poll_write(cx, data);
        }
        let this = self.project();
        this.buf[*this.filled..*this.filled + data.len()].copy_from_slice(data);
        *this.filled += data.len();
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.get_pin_mut().poll_close(cx)
    }
}

impl<W: AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_read_vectored(cx, bufs)
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("inner", &self.inner)
            .field("buffered", &(self.filled - self.written))
            .field("capacity", &self.buf.len())
            .finish()
    }
}
