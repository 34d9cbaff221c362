//! `copy` and `copy_buf`: everything a reader yields, written to a writer,
//! flushing whenever the reader makes the copy wait, as Tokio's do.

use std::future::poll_fn;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncBufRead, AsyncRead, AsyncWrite};
use zokio_core::budget;

/// The default buffer size of each direction.
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 << 10;

/// One direction: bytes read from one stream wait in `buf[pos..cap]` to be
/// written to the other.
pub(crate) struct CopyBuffer {
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    read_done: bool,
    // Bytes written since the last flush: flushed before waiting for the
    // reader, so nothing sits in a buffered writer while we wait.
    need_flush: bool,
    amt: u64,
}

impl CopyBuffer {
    pub(crate) fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            // A zero-size buffer would read nothing ever and look like EOF.
            buf: vec![0; size.max(1)].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amt: 0,
        }
    }

    /// Copies until the reader's end of stream (flushing the writer then);
    /// returns the bytes copied.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap {
                self.pos = 0;
                self.cap = 0;
            }
            // Read while there is room, also behind bytes still waiting to
            // be written, so that writes are as large as the buffer allows.
            if self.cap < self.buf.len() && !self.read_done {
                // A reader that is always ready (an in-memory one, a mock)
                // would otherwise keep this task here forever.
                let progress = ready!(budget::poll_proceed(cx));
                match reader.as_mut().poll_read(cx, &mut self.buf[self.cap..]) {
                    Poll::Ready(Ok(0)) => {
                        self.read_done = true;
                        progress.made_progress();
                    }
                    Poll::Ready(Ok(n)) => {
                        self.cap += n.min(self.buf.len() - self.cap);
                        progress.made_progress();
                    }
                    Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                    Poll::Pending => {
                        drop(progress);
                        if self.pos == self.cap {
                            // Nothing to write while we wait: push out what
                            // a buffered writer holds.
                            if self.need_flush {
                                ready!(writer.as_mut().poll_flush(cx))?;
                                self.need_flush = false;
                            }
                            return Poll::Pending;
                        }
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(
                    writer
                        .as_mut()
                        .poll_write(cx, &self.buf[self.pos..self.cap])
                )?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the writer took no bytes",
                    )));
                }
                self.pos += n.min(self.cap - self.pos);
                self.amt += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Copies everything `reader` yields into `writer` and flushes it; returns
/// how many bytes.
///
/// Tokio's semantics over futures-lite's signature: the writer is flushed
/// whenever the reader has nothing ready (so a buffered writer never holds
/// bytes the other end waits for while the copy waits too), and each read
/// spends the cooperative budget (so copying from an always-ready reader
/// still lets other tasks run). `reader` is taken by value, as
/// futures-lite's is; Tokio's `copy(&mut reader, &mut writer)` works as is,
/// since `&mut R` is a reader.
///
/// ```
/// zokio::block_on(async {
///     let mut reader: &[u8] = b"hello";
///     let mut writer = Vec::new();
///     assert_eq!(zokio::io::copy(&mut reader, &mut writer).await?, 5);
///     assert_eq!(writer, b"hello");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy<R, W>(reader: R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut reader = pin!(reader);
    let mut buf = CopyBuffer::new(DEFAULT_BUF_SIZE);
    poll_fn(|cx| buf.poll_copy(cx, reader.as_mut(), Pin::new(&mut *writer))).await
}

/// Copies everything a buffered reader yields into `writer`, straight from
/// the reader's buffer, and flushes it; returns how many bytes. Flushes and
/// spends the budget as [`copy`] does.
///
/// ```
/// use zokio::io::BufReader;
///
/// zokio::block_on(async {
///     let mut reader = BufReader::new(&b"buffered"[..]);
///     let mut writer = Vec::new();
///     assert_eq!(zokio::io::copy_buf(&mut reader, &mut writer).await?, 8);
///     assert_eq!(writer, b"buffered");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy_buf<R, W>(reader: R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncBufRead,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut reader = pin!(reader);
    let mut amt = 0;
    let mut need_flush = false;
    poll_fn(|cx| {
        poll_copy_buf(
            cx,
            reader.as_mut(),
            Pin::new(&mut *writer),
            &mut amt,
            &mut need_flush,
        )
    })
    .await
}

fn poll_copy_buf<R, W>(
    cx: &mut Context<'_>,
    mut reader: Pin<&mut R>,
    mut writer: Pin<&mut W>,
    amt: &mut u64,
    need_flush: &mut bool,
) -> Poll<io::Result<u64>>
where
    R: AsyncBufRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        let progress = ready!(budget::poll_proceed(cx));
        let available = match reader.as_mut().poll_fill_buf(cx) {
            Poll::Ready(available) => available?,
            Poll::Pending => {
                drop(progress);
                if *need_flush {
                    ready!(writer.as_mut().poll_flush(cx))?;
                    *need_flush = false;
                }
                return Poll::Pending;
            }
        };
        progress.made_progress();
        if available.is_empty() {
            ready!(writer.as_mut().poll_flush(cx))?;
            *need_flush = false;
            return Poll::Ready(Ok(*amt));
        }
        let n = ready!(writer.as_mut().poll_write(cx, available))?;
        if n == 0 {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the writer took no bytes",
            )));
        }
        let n = n.min(available.len());
        reader.as_mut().consume(n);
        *amt += n as u64;
        *need_flush = true;
    }
}
