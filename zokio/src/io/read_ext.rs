//! Zokio's `AsyncReadExt`: futures-lite's read methods and Tokio's, in one
//! trait (see the [module docs](super) for why one trait).

use std::future::Future;
use std::io::{self, IoSliceMut};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::BufMut;
use futures_lite::io::{self as lite, AsyncRead};

use super::number::{LittleEndian, Number};

macro_rules! read_numbers {
    ($($name:ident -> $number:ty, $what:literal;)*) => {$(
        #[doc = concat!("Reads ", $what, "; an error of kind `UnexpectedEof` if the stream ends first.")]
        ///
        /// Not cancel-safe: bytes read before the future is dropped are lost.
        fn $name(&mut self) -> ReadNumber<'_, Self, $number>
        where
            Self: Unpin,
        {
            ReadNumber {
                reader: self,
                bytes: Default::default(),
                filled: 0,
            }
        }
    )*};
}

/// Read methods for every [`AsyncRead`]: futures-lite's (`read`,
/// `read_to_end`, `take`, `chain`, `bytes`...) and Tokio's (`read_u32` and
/// the other numbers, `read_buf`, and `read_exact` returning the count).
///
/// `use zokio::io::AsyncReadExt;` is all a Tokio user needs; do not import
/// futures-lite's `AsyncReadExt` beside it, as both name their methods alike.
///
/// ```
/// use zokio::io::{AsyncReadExt, Cursor};
///
/// zokio::block_on(async {
///     let mut reader = Cursor::new(vec![0, 0, 1, 0, 0xff, b'h', b'i']);
///     assert_eq!(reader.read_u32().await?, 256);
///     assert_eq!(reader.read_i8().await?, -1);
///     let mut rest = [0; 2];
///     assert_eq!(reader.read_exact(&mut rest).await?, 2);
///     assert_eq!(&rest, b"hi");
///     assert_eq!(reader.read_u8().await.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`, returning how many (0 at end of stream or
    /// for an empty `buf`).
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> lite::ReadFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncReadExt::read(self, buf)
    }

    /// Reads some bytes into `bufs`, filling them in order.
    fn read_vectored<'a>(
        &'a mut self,
        bufs: &'a mut [IoSliceMut<'a>],
    ) -> lite::ReadVectoredFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncReadExt::read_vectored(self, bufs)
    }

    /// Reads to the end of the stream, appending to `buf`; returns how many
    /// bytes were appended.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> lite::ReadToEndFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncReadExt::read_to_end(self, buf)
    }

    /// Reads to the end of the stream, appending to `buf`; returns how many
    /// bytes were appended.
    ///
    /// As Tokio's (and std's): if the bytes are not UTF-8 (an error of kind
    /// `InvalidData`) or an I/O error ends the read, `buf` is left as it
    /// was. (futures-lite's `read_to_string` replaces what `buf` held
    /// instead of appending to it.)
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// Fills `buf` entirely and returns its length, as Tokio's does
    /// (futures-lite's returns `()`); an error of kind `UnexpectedEof` if the
    /// stream ends first, and then the contents of `buf` are unspecified.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact {
            len: buf.len(),
            inner: lite::AsyncReadExt::read_exact(self, buf),
        }
    }

    /// Reads some bytes into the spare capacity of `buf` (a `Vec<u8>`, a
    /// `BytesMut`...) and advances it, as Tokio's `read_buf` does; returns
    /// how many (0 at end of stream, or if `buf` has no room left).
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// zokio::block_on(async {
    ///     let mut buf = Vec::with_capacity(4);
    ///     let n = (&b"hello"[..]).read_buf(&mut buf).await?;
    ///     assert_eq!(&buf[..], &b"hello"[..n]);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: BufMut + ?Sized,
    {
        ReadBufFuture { reader: self, buf }
    }

    /// A reader that yields at most `limit` bytes of this one.
    fn take(self, limit: u64) -> lite::Take<Self>
    where
        Self: Sized,
    {
        lite::AsyncReadExt::take(self, limit)
    }

    /// A stream of this reader's bytes, one at a time (wrap the reader in a
    /// [`BufReader`](super::BufReader) first, or every byte is a read).
    fn bytes(self) -> lite::Bytes<Self>
    where
        Self: Sized,
    {
        lite::AsyncReadExt::bytes(self)
    }

    /// A reader that yields this one's bytes, then `next`'s.
    fn chain<R: AsyncRead>(self, next: R) -> lite::Chain<Self, R>
    where
        Self: Sized,
    {
        lite::AsyncReadExt::chain(self, next)
    }

    /// Boxes the reader, erasing its type.
    fn boxed_reader<'a>(self) -> Pin<Box<dyn AsyncRead + Send + 'a>>
    where
        Self: Sized + Send + 'a,
    {
        Box::pin(self)
    }

    read_numbers! {
        read_u8 -> u8, "an unsigned byte";
        read_i8 -> i8, "a signed byte";
        read_u16 -> u16, "a big-endian `u16`";
        read_i16 -> i16, "a big-endian `i16`";
        read_u32 -> u32, "a big-endian `u32`";
        read_i32 -> i32, "a big-endian `i32`";
        read_u64 -> u64, "a big-endian `u64`";
        read_i64 -> i64, "a big-endian `i64`";
        read_u128 -> u128, "a big-endian `u128`";
        read_i128 -> i128, "a big-endian `i128`";
        read_f32 -> f32, "a big-endian `f32`";
        read_f64 -> f64, "a big-endian `f64`";
        read_u16_le -> LittleEndian<u16>, "a little-endian `u16`";
        read_i16_le -> LittleEndian<i16>, "a little-endian `i16`";
        read_u32_le -> LittleEndian<u32>, "a little-endian `u32`";
        read_i32_le -> LittleEndian<i32>, "a little-endian `i32`";
        read_u64_le -> LittleEndian<u64>, "a little-endian `u64`";
        read_i64_le -> LittleEndian<i64>, "a little-endian `i64`";
        read_u128_le -> LittleEndian<u128>, "a little-endian `u128`";
        read_i128_le -> LittleEndian<i128>, "a little-endian `i128`";
        read_f32_le -> LittleEndian<f32>, "a little-endian `f32`";
        read_f64_le -> LittleEndian<f64>, "a little-endian `f64`";
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Future of [`AsyncReadExt::read_exact`]: the length of the filled buffer.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: Unpin + ?Sized> {
    inner: lite::ReadExactFuture<'a, R>,
    len: usize,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.inner).poll(cx))?;
        Poll::Ready(Ok(self.len))
    }
}

/// Future of [`AsyncReadExt::read_u32`] and the other number readers.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadNumber<'a, R: ?Sized, N: Number> {
    reader: &'a mut R,
    bytes: N::Bytes,
    filled: usize,
}

impl<R: AsyncRead + Unpin + ?Sized, N: Number> Future for ReadNumber<'_, R, N> {
    type Output = io::Result<N::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<N::Output>> {
        let this = &mut *self;
        loop {
            let rest = &mut this.bytes.as_mut()[this.filled..];
            if rest.is_empty() {
                return Poll::Ready(Ok(N::decode(this.bytes)));
            }
            let room = rest.len();
            let n = ready!(Pin::new(&mut *this.reader).poll_read(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "early eof: the stream ended inside a number",
                )));
            }
            this.filled += n.min(room);
        }
    }
}

/// Future of [`AsyncReadExt::read_buf`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFuture<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

impl<R: AsyncRead + Unpin + ?Sized, B: BufMut + ?Sized> Future for ReadBufFuture<'_, R, B> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if !this.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let chunk = this.buf.chunk_mut();
        let len = chunk.len();
        let ptr = chunk.as_mut_ptr();
        // `ptr` is valid for writes of `len` bytes (it is the chunk
        // `chunk_mut` just lent us); zeroing makes them initialized, so they
        // may be lent out as a `&mut [u8]` for as long as `this.buf` is not
        // touched, which is until `advance_mut` below.
        // SAFETY: `len` writable bytes at `ptr`, initialized by the zeroing.
        let dst = unsafe {
            std::ptr::write_bytes(ptr, 0, len);
            std::slice::from_raw_parts_mut(ptr, len)
        };
        let n = ready!(Pin::new(&mut *this.reader).poll_read(cx, dst))?;
        if n > len {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "poll_read reported more bytes than the buffer holds",
            )));
        }
        // SAFETY: the first `n <= len` bytes of the chunk are initialized
        // (zeroed, then written by the reader).
        unsafe { this.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}

/// Future of [`AsyncReadExt::read_to_string`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    // What was read so far, appended to `buf` once it is known to be UTF-8.
    bytes: Vec<u8>,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            let start = this.bytes.len();
            if this.bytes.capacity() - start < 32 {
                this.bytes.reserve(start.max(32));
            }
            this.bytes.resize(this.bytes.capacity(), 0);
            let read = Pin::new(&mut *this.reader).poll_read(cx, &mut this.bytes[start..]);
            let room = this.bytes.len() - start;
            match read {
                Poll::Ready(Ok(0)) => {
                    this.bytes.truncate(start);
                    break;
                }
                Poll::Ready(Ok(n)) => this.bytes.truncate(start + n.min(room)),
                Poll::Ready(Err(err)) => {
                    this.bytes.clear();
                    return Poll::Ready(Err(err));
                }
                Poll::Pending => {
                    this.bytes.truncate(start);
                    return Poll::Pending;
                }
            }
        }
        let bytes = std::mem::take(&mut this.bytes);
        let n = bytes.len();
        match String::from_utf8(bytes) {
            Ok(text) => {
                this.buf.push_str(&text);
                Poll::Ready(Ok(n))
            }
            Err(_) => Poll::Ready(Err(super::buf_read_ext::not_utf8())),
        }
    }
}
