//! Zokio's `AsyncBufReadExt`, whose `lines` and `split` give Tokio's
//! `next_line`/`next_segment` and futures-lite's `Stream` on one type.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::Stream;
use futures_lite::io::{self as lite, AsyncBufRead};

/// Buffered-read methods for every [`AsyncBufRead`]: futures-lite's and
/// Tokio's, which name them alike and mostly agree. Where they differ,
/// `lines` and `split` return a type that serves both: Tokio's
/// `next_line().await` (`io::Result<Option<String>>`) and futures-lite's
/// `Stream` of `io::Result<String>`.
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
/// use zokio::stream::StreamExt;
///
/// zokio::block_on(async {
///     let mut lines = BufReader::new(&b"one\r\ntwo\nthree"[..]).lines();
///     assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
///     // The same value is a stream as well.
///     assert_eq!(lines.next().await.transpose()?.as_deref(), Some("two"));
///     assert_eq!(lines.next_line().await?.as_deref(), Some("three"));
///     assert_eq!(lines.next_line().await?, None);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// The buffered bytes, reading more first if there are none (empty at
    /// end of stream).
    fn fill_buf(&mut self) -> lite::FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        lite::AsyncBufReadExt::fill_buf(self)
    }

    /// Marks `amt` buffered bytes as read.
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        AsyncBufRead::consume(Pin::new(self), amt);
    }

    /// Appends bytes to `buf` up to and including `byte` (or to the end of
    /// the stream); returns how many were appended.
    fn read_until<'a>(
        &'a mut self,
        byte: u8,
        buf: &'a mut Vec<u8>,
    ) -> lite::ReadUntilFuture<'a, Self>
    where
        Self: Unpin,
    {
        lite::AsyncBufReadExt::read_until(self, byte, buf)
    }

    /// Appends a line, with its `\n`, to `buf`; returns how many bytes were
    /// appended (0 at end of stream).
    ///
    /// As Tokio's (and std's): a line that is not UTF-8 is an error of kind
    /// `InvalidData` and leaves `buf` as it was; on an I/O error the bytes
    /// read before it stay appended if they are UTF-8. (futures-lite's
    /// `read_line` replaces what `buf` held instead of appending to it.)
    /// Not cancel-safe: a line partly read when the future drops is lost
    /// (use [`lines`](Self::lines) for that).
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        ReadLine {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// The lines of this reader, without their `\n` or `\r\n`.
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines {
            reader: self,
            bytes: Vec::new(),
        }
    }

    /// The segments of this reader between `byte`s, without the `byte`.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, Cursor};
    ///
    /// zokio::block_on(async {
    ///     // (On a `&[u8]`, the slice's own `split` method would win.)
    ///     let mut segments = Cursor::new(b"a,b,".to_vec()).split(b',');
    ///     assert_eq!(segments.next_segment().await?, Some(b"a".to_vec()));
    ///     assert_eq!(segments.next_segment().await?, Some(b"b".to_vec()));
    ///     assert_eq!(segments.next_segment().await?, None);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        Split {
            reader: self,
            delimiter: byte,
            bytes: Vec::new(),
        }
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// Appends bytes up to and including `delimiter` to `bytes`; whether any
/// byte was read (false: end of stream with nothing new).
///
/// `bytes` lives in the caller's struct, so a read cancelled mid-line loses
/// nothing: the next call continues the same line.
fn poll_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delimiter: u8,
    bytes: &mut Vec<u8>,
) -> Poll<io::Result<bool>> {
    loop {
        let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
        if available.is_empty() {
            return Poll::Ready(Ok(!bytes.is_empty()));
        }
        let (used, done) = match memchr::memchr(delimiter, available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        bytes.extend_from_slice(&available[..used]);
        reader.as_mut().consume(used);
        if done {
            return Poll::Ready(Ok(true));
        }
    }
}

/// Future of [`AsyncBufReadExt::read_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    // The line so far, appended to `buf` once it is known to be UTF-8.
    bytes: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let read = ready!(poll_until(
            Pin::new(&mut *this.reader),
            cx,
            b'\n',
            &mut this.bytes
        ));
        let bytes = std::mem::take(&mut this.bytes);
        let n = bytes.len();
        let text = String::from_utf8(bytes);
        match (read, text) {
            (Ok(_), Ok(text)) => {
                this.buf.push_str(&text);
                Poll::Ready(Ok(n))
            }
            (Ok(_), Err(_)) => Poll::Ready(Err(not_utf8())),
            (Err(err), Ok(text)) => {
                this.buf.push_str(&text);
                Poll::Ready(Err(err))
            }
            (Err(err), Err(_)) => Poll::Ready(Err(err)),
        }
    }
}

pub(crate) fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

pin_project_lite::pin_project! {
    /// The lines of a reader: Tokio's [`next_line`](Lines::next_line) and a
    /// [`Stream`] of `io::Result<String>`. Made by [`AsyncBufReadExt::lines`].
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        // The line read so far (kept across cancelled reads).
        bytes: Vec<u8>,
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// The next line, without its `\n` or `\r\n`; `None` at end of stream;
    /// an error of kind `InvalidData` if the line is not UTF-8.
    ///
    /// Cancel-safe: dropped before it completes, it loses no bytes, and the
    /// next call returns the whole line.
    pub fn next_line(&mut self) -> NextLine<'_, R>
    where
        R: Unpin,
    {
        NextLine { lines: self }
    }

    /// Polls for the next line (what [`next_line`](Self::next_line) awaits).
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let this = self.project();
        if !ready!(poll_until(this.reader, cx, b'\n', this.bytes))? {
            return Poll::Ready(Ok(None));
        }
        let mut bytes = std::mem::take(this.bytes);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        match String::from_utf8(bytes) {
            Ok(line) => Poll::Ready(Ok(Some(line))),
            Err(_) => Poll::Ready(Err(not_utf8())),
        }
    }
}

impl<R> Lines<R> {
    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader (reading from it directly skips past lines).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader; a line partly read is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_line(cx).map(Result::transpose)
    }
}

/// Future of [`Lines::next_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct NextLine<'a, R> {
    lines: &'a mut Lines<R>,
}

impl<R: AsyncBufRead + Unpin> Future for NextLine<'_, R> {
    type Output = io::Result<Option<String>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.lines).poll_next_line(cx)
    }
}

pin_project_lite::pin_project! {
    /// The segments of a reader between delimiters: Tokio's
    /// [`next_segment`](Split::next_segment) and a [`Stream`] of
    /// `io::Result<Vec<u8>>`. Made by [`AsyncBufReadExt::split`].
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        delimiter: u8,
        bytes: Vec<u8>,
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// The next segment, without its delimiter; `None` at end of stream.
    /// Cancel-safe, as [`Lines::next_line`] is.
    pub fn next_segment(&mut self) -> NextSegment<'_, R>
    where
        R: Unpin,
    {
        NextSegment { split: self }
    }

    /// Polls for the next segment (what [`next_segment`](Self::next_segment)
    /// awaits).
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let this = self.project();
        if !ready!(poll_until(this.reader, cx, *this.delimiter, this.bytes))? {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(this.bytes);
        if segment.last() == Some(this.delimiter) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

impl<R: AsyncBufRead> Stream for Split<R> {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_segment(cx).map(Result::transpose)
    }
}

/// Future of [`Split::next_segment`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct NextSegment<'a, R> {
    split: &'a mut Split<R>,
}

impl<R: AsyncBufRead + Unpin> Future for NextSegment<'_, R> {
    type Output = io::Result<Option<Vec<u8>>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.split).poll_next_segment(cx)
    }
}
