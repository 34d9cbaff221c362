//! `empty`, `repeat` and `sink`: readers and writers that are always ready,
//! and so spend the task's cooperative budget on every call.
//!
//! futures-lite's versions never return `Pending`, so a task looping over
//! one never yields: the other tasks on its worker starve and a `timeout`
//! around the loop never fires. These take a unit of budget per call, as
//! Tokio's do, and yield once it is spent (outside a runtime there is no
//! budget, and they are as futures-lite's).

use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
use zokio_core::budget;

/// Takes one unit of budget for an operation that always completes.
fn spend(cx: &mut Context<'_>) -> Poll<()> {
    ready!(budget::poll_proceed(cx)).made_progress();
    Poll::Ready(())
}

/// A reader at end of stream and a writer that discards everything: what
/// [`empty`] returns.
#[derive(Clone, Copy, Default)]
pub struct Empty {
    _private: (),
}

/// A reader that is always at end of stream (and a writer that discards
/// what it is given, and a seeker always at 0), as Tokio's `empty`.
///
/// ```
/// use zokio::io::AsyncReadExt;
///
/// zokio::block_on(async {
///     let mut buf = Vec::new();
///     assert_eq!(zokio::io::empty().read_to_end(&mut buf).await?, 0);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(spend(cx));
        Poll::Ready(Ok(0))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(spend(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _: usize) {}
}

/// A writer that accepts every byte and keeps none, spending one unit of
/// budget per call (`Empty` and `Sink` write alike).
macro_rules! discarding_writer {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                ready!(spend(cx));
                Poll::Ready(Ok(buf.len()))
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                ready!(spend(cx));
                Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(spend(cx));
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                ready!(spend(cx));
                Poll::Ready(Ok(()))
            }
        }
    };
}

discarding_writer!(Empty);

impl AsyncSeek for Empty {
    fn poll_seek(self: Pin<&mut Self>, cx: &mut Context<'_>, _: SeekFrom) -> Poll<io::Result<u64>> {
        ready!(spend(cx));
        Poll::Ready(Ok(0))
    }
}

impl fmt::Debug for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Empty { .. }")
    }
}

/// A reader of one byte forever: what [`repeat`] returns.
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    byte: u8,
}

/// A reader that fills every buffer with `byte`, forever.
///
/// ```
/// use zokio::io::AsyncReadExt;
///
/// zokio::block_on(async {
///     let mut buf = [0; 3];
///     zokio::io::repeat(7).read_exact(&mut buf).await?;
///     assert_eq!(buf, [7, 7, 7]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(spend(cx));
        buf.fill(self.byte);
        Poll::Ready(Ok(buf.len()))
    }
}

/// A writer that discards everything: what [`sink`] returns.
#[derive(Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that takes every byte and discards it.
///
/// ```
/// use zokio::io::AsyncWriteExt;
///
/// zokio::block_on(async {
///     assert_eq!(zokio::io::sink().write(b"gone").await?, 4);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

discarding_writer!(Sink);

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sink { .. }")
    }
}
