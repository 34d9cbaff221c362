//! `copy_bidirectional`: two streams relayed to each other, as a proxy does.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncRead, AsyncWrite};

use super::copy::{CopyBuffer, DEFAULT_BUF_SIZE};

enum Direction {
    Copying(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

impl Direction {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            match self {
                Direction::Copying(buf) => {
                    let amt =
                        ready!(buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer)))?;
                    *self = Direction::ShuttingDown(amt);
                }
                Direction::ShuttingDown(amt) => {
                    ready!(Pin::new(&mut *writer).poll_close(cx))?;
                    *self = Direction::Done(*amt);
                }
                Direction::Done(amt) => return Poll::Ready(Ok(*amt)),
            }
        }
    }
}

/// Relays `a` and `b` to each other until both reach end of stream:
/// whatever one reads goes to the other, both ways at once, through an
/// 8 KiB buffer each way. When one side ends, the other's write side is
/// shut down (`close`), and the other direction goes on.
///
/// Returns the bytes copied from `a` to `b` and from `b` to `a`. The first
/// error of either stream ends both directions, and bytes read but not yet
/// written are lost.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// zokio::block_on(async {
///     let (mut client, mut proxy_a) = zokio::io::duplex(64);
///     let (mut proxy_b, mut server) = zokio::io::duplex(64);
///     client.write_all(b"ping").await?;
///     client.shutdown().await?;
///     server.write_all(b"pong!").await?;
///     server.shutdown().await?;
///     let copied = zokio::io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await?;
///     assert_eq!(copied, (4, 5));
///     let mut got = String::new();
///     client.read_to_string(&mut got).await?;
///     assert_eq!(got, "pong!");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b` bytes for the direction
/// from `a` to `b` and of `b_to_a` bytes for the other (0 counts as 1).
///
/// ```
/// use zokio::io::AsyncWriteExt;
///
/// zokio::block_on(async {
///     let (mut a, mut a_peer) = zokio::io::duplex(64);
///     let (mut b, mut b_peer) = zokio::io::duplex(64);
///     a_peer.write_all(b"0123456789").await?;
///     a_peer.shutdown().await?;
///     b_peer.shutdown().await?;
///     let copied = zokio::io::copy_bidirectional_with_sizes(&mut a, &mut b, 3, 3).await?;
///     assert_eq!(copied, (10, 0));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: usize,
    b_to_a: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut forward = Direction::Copying(CopyBuffer::new(a_to_b));
    let mut backward = Direction::Copying(CopyBuffer::new(b_to_a));
    poll_fn(|cx| {
        let a_to_b = forward.poll(cx, &mut *a, &mut *b)?;
        let b_to_a = backward.poll(cx, &mut *b, &mut *a)?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    })
    .await
}
