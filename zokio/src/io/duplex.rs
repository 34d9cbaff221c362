//! `duplex`: a pair of connected in-memory streams, like a socket pair.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use super::simplex::{SimplexStream, budgeted};

/// One end of an in-memory connection made by [`duplex`]: what it writes the
/// other end reads, and the other way round, each direction holding at most
/// the `max_buf_size` given to `duplex` (a write waits while the other end
/// has that many bytes unread).
///
/// Dropping one end ends the connection: the other reads what is left and
/// then end of stream, and its writes fail with `BrokenPipe`. Shutting down
/// (`shutdown`/`close`) ends only this end's writes.
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// Two connected in-memory streams, each direction buffering at most
/// `max_buf_size` bytes: a stand-in for a socket pair in tests, or a pipe
/// between two tasks.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// zokio::block_on(async {
///     let (mut client, mut server) = zokio::io::duplex(64);
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     drop(server);
///     assert_eq!(client.read(&mut buf).await?, 0, "end of stream once the peer is gone");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// The pipe's state stays consistent at every step (no user code runs under
/// the lock), so a panic elsewhere while it was held cannot have broken it.
fn lock(pipe: &Mutex<SimplexStream>) -> MutexGuard<'_, SimplexStream> {
    pipe.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| lock(&self.read).read_unbudgeted(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| lock(&self.write).write_unbudgeted(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let wake = lock(&self.write).close_write();
        wake.wake();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // Two statements: each lock is released before its waker runs.
        let wake = lock(&self.write).close_write();
        wake.wake();
        let wake = lock(&self.read).close_read();
        wake.wake();
    }
}

impl std::fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DuplexStream").finish_non_exhaustive()
    }
}
