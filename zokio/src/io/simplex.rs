//! A bounded in-memory byte pipe, one way: what [`duplex`](super::duplex)
//! builds its two directions from.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use bytes::{Buf, BytesMut};
use futures_lite::io::{AsyncRead, AsyncWrite};
use zokio_core::budget;

use super::split::{ReadHalf, WriteHalf, split};

/// A bounded in-memory pipe: bytes written to it are read back from it, in
/// order. A write waits while `max_buf_size` bytes are unread; a read waits
/// while none are. Once the write side shuts down, reads drain what is left
/// and then see end of stream; once it is closed, writes fail with
/// `BrokenPipe`.
///
/// [`simplex`] splits one into a reader and a writer for two tasks.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
///
/// zokio::block_on(async {
///     let mut pipe = SimplexStream::new_unsplit(16);
///     pipe.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     pipe.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    // Unread bytes; consumed from the front, and once it is empty the
    // space is reused from the start, so it stays one `max_buf_size` block.
    buffer: BytesMut,
    max_buf_size: usize,
    // Set when either side goes away: reads then drain and see end of
    // stream, writes fail.
    closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// The reader and writer of a new pipe that holds at most `max_buf_size`
/// unread bytes.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// zokio::block_on(async {
///     let (mut rx, mut tx) = zokio::io::simplex(64);
///     tx.write_all(b"one way").await?;
///     // Dropping `tx` alone would not end the stream: `rx` shares the pipe.
///     tx.shutdown().await?;
///     let mut got = String::new();
///     rx.read_to_string(&mut got).await?;
///     assert_eq!(got, "one way");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

/// A waker to wake, or a replaced one to drop, once the caller has let go
/// of any lock around the pipe (a waker's wake or drop may run user code).
#[must_use = "wake it after releasing the lock"]
pub(crate) struct Wake(Option<Waker>, Option<Waker>);

impl Wake {
    const NONE: Wake = Wake(None, None);

    fn one(waker: Option<Waker>) -> Wake {
        Wake(waker, None)
    }

    pub(crate) fn wake(self) {
        if let Some(waker) = self.0 {
            waker.wake();
        }
        drop(self.1);
    }
}

/// Stores the task's waker in `slot`; returns the one it replaces, to drop.
fn store(slot: &mut Option<Waker>, cx: &Context<'_>) -> Wake {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => Wake::NONE,
        _ => Wake(None, slot.replace(cx.waker().clone())),
    }
}

impl SimplexStream {
    /// A pipe holding at most `max_buf_size` unread bytes, both ends in one
    /// value (see [`simplex`] for two).
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        SimplexStream {
            buffer: BytesMut::new(),
            max_buf_size,
            closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Ends the write side: the reader drains the buffer, then sees end of
    /// stream.
    pub(crate) fn close_write(&mut self) -> Wake {
        self.closed = true;
        Wake::one(self.read_waker.take())
    }

    /// Ends the read side: writes fail from now on.
    pub(crate) fn close_read(&mut self) -> Wake {
        self.closed = true;
        Wake::one(self.write_waker.take())
    }

    /// A read without the budget; the waker returned is the writer's.
    pub(crate) fn read_unbudgeted(
        &mut self,
        cx: &Context<'_>,
        buf: &mut [u8],
    ) -> (Poll<io::Result<usize>>, Wake) {
        if buf.is_empty() {
            return (Poll::Ready(Ok(0)), Wake::NONE);
        }
        if !self.buffer.is_empty() {
            let n = buf.len().min(self.buffer.len());
            self.buffer.copy_to_slice(&mut buf[..n]);
            return (Poll::Ready(Ok(n)), Wake::one(self.write_waker.take()));
        }
        if self.closed {
            return (Poll::Ready(Ok(0)), Wake::NONE);
        }
        (Poll::Pending, store(&mut self.read_waker, cx))
    }

    /// A write without the budget; the waker returned is the reader's.
    pub(crate) fn write_unbudgeted(
        &mut self,
        cx: &Context<'_>,
        buf: &[u8],
    ) -> (Poll<io::Result<usize>>, Wake) {
        if self.closed {
            let err = io::Error::new(io::ErrorKind::BrokenPipe, "the pipe's other end is closed");
            return (Poll::Ready(Err(err)), Wake::NONE);
        }
        if buf.is_empty() {
            return (Poll::Ready(Ok(0)), Wake::NONE);
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            return (Poll::Pending, store(&mut self.write_waker, cx));
        }
        let n = room.min(buf.len());
        self.buffer.extend_from_slice(&buf[..n]);
        (Poll::Ready(Ok(n)), Wake::one(self.read_waker.take()))
    }
}

/// Runs one pipe operation under the cooperative budget (spent only if it
/// completes), waking the other side with `wake` once `op` has returned.
pub(crate) fn budgeted<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&Context<'_>) -> (Poll<T>, Wake),
) -> Poll<T> {
    let progress = ready!(budget::poll_proceed(cx));
    let (poll, wake) = op(cx);
    wake.wake();
    if poll.is_ready() {
        progress.made_progress();
    }
    poll
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| this.read_unbudgeted(cx, buf))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        budgeted(cx, |cx| this.write_unbudgeted(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().close_write().wake();
        Poll::Ready(Ok(()))
    }
}
