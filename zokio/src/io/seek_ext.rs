//! Zokio's `AsyncSeekExt`: futures-lite's `seek` and Tokio's `rewind` and
//! `stream_position`.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{self as lite, AsyncSeek};

/// Seek methods for every [`AsyncSeek`].
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncSeekExt, Cursor, SeekFrom};
///
/// zokio::block_on(async {
///     let mut cursor = Cursor::new(b"abc".to_vec());
///     assert_eq!(cursor.seek(SeekFrom::End(-1)).await?, 2);
///     assert_eq!(cursor.stream_position().await?, 2);
///     cursor.rewind().await?;
///     assert_eq!(cursor.read_u8().await?, b'a');
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves to `pos`; returns the new position from the start.
    fn seek(&mut self, pos: SeekFrom) -> lite::SeekFuture<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncSeekExt::seek(self, pos)
    }

    /// Moves back to the start.
    fn rewind(&mut self) -> Rewind<'_, Self>
    where
        Self: Unpin,
    {
        Rewind {
            seek: lite::AsyncSeekExt::seek(self, SeekFrom::Start(0)),
        }
    }

    /// The current position from the start.
    fn stream_position(&mut self) -> lite::SeekFuture<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncSeekExt::seek(self, SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// Future of [`AsyncSeekExt::rewind`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Rewind<'a, S: Unpin + ?Sized> {
    seek: lite::SeekFuture<'a, S>,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Rewind<'_, S> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.seek).poll(cx))?;
        Poll::Ready(Ok(()))
    }
}
