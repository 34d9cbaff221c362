//! Zokio's `AsyncWriteExt`: futures-lite's write methods and Tokio's, in one
//! trait (see the [module docs](super) for why one trait).

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Buf;
use futures_lite::io::{self as lite, AsyncWrite};

macro_rules! write_numbers {
    ($($name:ident($ty:ty), $encode:ident, $what:literal;)*) => {$(
        #[doc = concat!("Writes `n` as ", $what, ", all of it or an error.")]
        ///
        /// Not cancel-safe: dropped before it completes, some of the bytes
        /// may have been written.
        fn $name(&mut self, n: $ty) -> WriteNumber<'_, Self>
        where
            Self: Unpin,
        {
            WriteNumber::new(self, &n.$encode())
        }
    )*};
}

/// Write methods for every [`AsyncWrite`]: futures-lite's (`write`,
/// `write_all`, `flush`, `close`...) and Tokio's (`write_u32` and the other
/// numbers, `write_buf`, `write_all_buf`, and `shutdown`, Tokio's name for
/// `close`).
///
/// `use zokio::io::AsyncWriteExt;` is all a Tokio user needs; do not import
/// futures-lite's `AsyncWriteExt` beside it, as both name their methods alike.
///
/// ```
/// use zokio::io::AsyncWriteExt;
///
/// zokio::block_on(async {
///     let mut out = Vec::new();
///     out.write_u16(0x0102).await?;
///     out.write_u16_le(0x0102).await?;
///     out.write_all(b"!").await?;
///     out.shutdown().await?;
///     assert_eq!(out, [1, 2, 2, 1, b'!']);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`, returning how many bytes.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> lite::WriteFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::write(self, buf)
    }

    /// Writes some of `bufs`, in order, returning how many bytes.
    fn write_vectored<'a>(
        &'a mut self,
        bufs: &'a [IoSlice<'a>],
    ) -> lite::WriteVectoredFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::write_vectored(self, bufs)
    }

    /// Writes all of `buf`; an error of kind `WriteZero` if the writer stops
    /// taking bytes.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> lite::WriteAllFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::write_all(self, buf)
    }

    /// Writes some of `buf`'s remaining bytes and advances it past them, as
    /// Tokio's `write_buf` does; returns how many (0 if `buf` is empty).
    fn write_buf<'a, B>(&'a mut self, buf: &'a mut B) -> WriteBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: Buf + ?Sized,
    {
        WriteBufFuture { writer: self, buf }
    }

    /// Writes all of `buf`'s remaining bytes, advancing it as they go out.
    ///
    /// ```
    /// use zokio::io::AsyncWriteExt;
    ///
    /// zokio::block_on(async {
    ///     let mut out = Vec::new();
    ///     let mut buf = bytes::Bytes::from_static(b"hello");
    ///     out.write_all_buf(&mut buf).await?;
    ///     assert!(buf.is_empty());
    ///     assert_eq!(out, b"hello");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    fn write_all_buf<'a, B>(&'a mut self, buf: &'a mut B) -> WriteAllBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: Buf + ?Sized,
    {
        WriteAllBufFuture { writer: self, buf }
    }

    /// Flushes what the writer buffers.
    fn flush(&mut self) -> lite::FlushFuture<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::flush(self)
    }

    /// Flushes and closes the writer (for a socket: shuts its write side).
    fn close(&mut self) -> lite::CloseFuture<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::close(self)
    }

    /// Tokio's name for [`close`](Self::close): flushes, then shuts the
    /// write side down.
    fn shutdown(&mut self) -> lite::CloseFuture<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncWriteExt::close(self)
    }

    /// Boxes the writer, erasing its type.
    fn boxed_writer<'a>(self) -> Pin<Box<dyn AsyncWrite + Send + 'a>>
    where
        Self: Sized + Send + 'a,
    {
        Box::pin(self)
    }

    write_numbers! {
        write_u8(u8), to_be_bytes, "an unsigned byte";
        write_i8(i8), to_be_bytes, "a signed byte";
        write_u16(u16), to_be_bytes, "a big-endian `u16`";
        write_i16(i16), to_be_bytes, "a big-endian `i16`";
        write_u32(u32), to_be_bytes, "a big-endian `u32`";
        write_i32(i32), to_be_bytes, "a big-endian `i32`";
        write_u64(u64), to_be_bytes, "a big-endian `u64`";
        write_i64(i64), to_be_bytes, "a big-endian `i64`";
        write_u128(u128), to_be_bytes, "a big-endian `u128`";
        write_i128(i128), to_be_bytes, "a big-endian `i128`";
        write_f32(f32), to_be_bytes, "a big-endian `f32`";
        write_f64(f64), to_be_bytes, "a big-endian `f64`";
        write_u16_le(u16), to_le_bytes, "a little-endian `u16`";
        write_i16_le(i16), to_le_bytes, "a little-endian `i16`";
        write_u32_le(u32), to_le_bytes, "a little-endian `u32`";
        write_i32_le(i32), to_le_bytes, "a little-endian `i32`";
        write_u64_le(u64), to_le_bytes, "a little-endian `u64`";
        write_i64_le(i64), to_le_bytes, "a little-endian `i64`";
        write_u128_le(u128), to_le_bytes, "a little-endian `u128`";
        write_i128_le(i128), to_le_bytes, "a little-endian `i128`";
        write_f32_le(f32), to_le_bytes, "a little-endian `f32`";
        write_f64_le(f64), to_le_bytes, "a little-endian `f64`";
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

/// How many chunks of a `Buf` one write offers: a `Buf` made of several
/// (a `Chain`, a rope) goes out in one vectored write, not one per chunk
/// (a writer without vectored writes takes the first chunk, as a plain
/// write).
const MAX_SLICES: usize = 64;

fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "the writer took no bytes")
}

/// Future of [`AsyncWriteExt::write_u32`] and the other number writers.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteNumber<'a, W: ?Sized> {
    writer: &'a mut W,
    bytes: [u8; 16],
    len: usize,
    written: usize,
}

impl<'a, W: ?Sized> WriteNumber<'a, W> {
    fn new(writer: &'a mut W, encoded: &[u8]) -> Self {
        let mut bytes = [0; 16];
        let len = encoded.len().min(16);
        bytes[..len].copy_from_slice(&encoded[..len]);
        WriteNumber {
            writer,
            bytes,
            len,
            written: 0,
        }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteNumber<'_, W> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.written < this.len {
            let rest = &this.bytes[this.written..this.len];
            let n = ready!(Pin::new(&mut *this.writer).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.written += n.min(rest.len());
        }
        Poll::Ready(Ok(()))
    }
}

/// Future of [`AsyncWriteExt::write_buf`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBufFuture<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteBufFuture<'_, W, B> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if !this.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = this.buf.chunks_vectored(&mut slices);
        let n = ready!(Pin::new(&mut *this.writer).poll_write_vectored(cx, &slices[..count]))?;
        this.buf.advance(n.min(this.buf.remaining()));
        Poll::Ready(Ok(n))
    }
}

/// Future of [`AsyncWriteExt::write_all_buf`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBufFuture<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteAllBufFuture<'_, W, B> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.buf.has_remaining() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let count = this.buf.chunks_vectored(&mut slices);
            let n = ready!(Pin::new(&mut *this.writer).poll_write_vectored(cx, &slices[..count]))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            this.buf.advance(n.min(this.buf.remaining()));
        }
        Poll::Ready(Ok(()))
    }
}
