//! Ports of Tokio's tests of the io extension methods to Zokio's
//! `AsyncReadExt`/`AsyncWriteExt`/`AsyncBufReadExt`:
//! io_lines.rs (1 of 1), io_read_exact.rs (1 of 1), io_write_int.rs (1 of 1),
//! io_read_buf.rs (1 of 2), io_write_all_buf.rs (3 of 3), io_write_buf.rs
//! (2 of 2), io_read_line.rs (5 of 5), io_read_until.rs (3 of 3),
//! io_chain.rs (2 of 2), io_take.rs (1 of 4), io_read_to_end.rs (1 of 5),
//! io_read_to_string.rs (4 of 4), io_read.rs (1 of 2), io_write.rs (2 of 2),
//! io_write_all.rs (1 of 1) (`write_all` there is `write_all_counts_writes`
//! here, as io_write_buf.rs has a `write_all` too).
//!
//! The test readers and writers implement futures-io's traits (`&mut [u8]`
//! rather than `ReadBuf`, `poll_close` for `poll_shutdown`). Tokio's
//! `tokio_test::io::Builder` mocks are replaced by [`Chunks`], a reader
//! that hands out the same reads in the same order. Left out: the tests of
//! `ReadBuf` itself and of its uninitialized-memory tracking
//! (io_read_buf::issue_5588, io_take::issue_4435, io_take's bad-reader
//! tests, io_read_to_end's uninit and capacity tests, io_read's
//! read_buf_bad_async_read), which have no counterpart over `&mut [u8]`.
#![cfg(not(loom))]

use std::cmp;
use std::collections::VecDeque;
use std::io::{self, Cursor, ErrorKind};
use std::pin::Pin;
use std::task::{Context, Poll};

// `bytes::Buf` is imported only where used: its `chain` and `take` would
// clash with the reader's on `&[u8]`, as they would under Tokio.
use bytes::{Bytes, BytesMut};
use tokio_test::{assert_err, assert_ok};
use zokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// A reader that yields the given reads in order (each whole if the buffer
/// has room), then end of stream: what the ports use in place of
/// `tokio_test::io::Builder::new().read(..).read_error(..)`.
struct Chunks(VecDeque<io::Result<Vec<u8>>>);

impl Chunks {
    fn new() -> Chunks {
        Chunks(VecDeque::new())
    }

    fn read(mut self, bytes: &[u8]) -> Chunks {
        self.0.push_back(Ok(bytes.to_vec()));
        self
    }

    fn read_error(mut self, err: io::Error) -> Chunks {
        self.0.push_back(Err(err));
        self
    }
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.0.pop_front() {
            None => Poll::Ready(Ok(0)),
            Some(Err(err)) => Poll::Ready(Err(err)),
            Some(Ok(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.0.push_front(Ok(bytes.split_off(n)));
                }
                Poll::Ready(Ok(n))
            }
        }
    }
}

// io_lines.rs

#[zokio::test]
async fn lines_inherent() {
    let rd: &[u8] = b"hello\r\nworld\n\n";
    let mut st = rd.lines();

    let b = assert_ok!(st.next_line().await).unwrap();
    assert_eq!(b, "hello");
    let b = assert_ok!(st.next_line().await).unwrap();
    assert_eq!(b, "world");
    let b = assert_ok!(st.next_line().await).unwrap();
    assert_eq!(b, "");
    assert!(assert_ok!(st.next_line().await).is_none());
}

// io_read_exact.rs

#[zokio::test]
async fn read_exact() {
    let mut buf = Box::new([0; 8]);
    let mut rd: &[u8] = b"hello world";

    let n = assert_ok!(rd.read_exact(&mut buf[..]).await);
    assert_eq!(n, 8);
    assert_eq!(buf[..], b"hello wo"[..]);
}

// io_write_int.rs

#[zokio::test]
async fn write_int_should_err_if_write_count_0() {
    struct Wr {}

    impl AsyncWrite for Wr {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Ok(0).into()
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr {};

    // should be ok just to test these 2, other cases actually expanded by same macro.
    assert!(wr.write_i8(0).await.is_err());
    assert!(wr.write_i32(12).await.is_err());
}

// io_read_buf.rs

#[zokio::test]
async fn read_buf() {
    struct Rd {
        cnt: usize,
    }

    impl AsyncRead for Rd {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.cnt += 1;
            let n = buf.len().min(11);
            buf[..n].copy_from_slice(&b"hello world"[..n]);
            Poll::Ready(Ok(n))
        }
    }

    let mut buf = vec![];
    let mut rd = Rd { cnt: 0 };

    let n = assert_ok!(rd.read_buf(&mut buf).await);
    assert_eq!(1, rd.cnt);
    assert_eq!(n, 11);
    assert_eq!(buf[..], b"hello world"[..]);
}

// io_write_all_buf.rs

#[zokio::test]
async fn write_all_buf() {
    use bytes::Buf;

    struct Wr {
        buf: BytesMut,
        cnt: usize,
    }

    impl AsyncWrite for Wr {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = cmp::min(4, buf.len());
            let buf = &buf[0..n];

            self.cnt += 1;
            self.buf.extend(buf);
            Ok(buf.len()).into()
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };

    let mut buf = Bytes::from_static(b"hello").chain(Bytes::from_static(b"world"));

    assert_ok!(wr.write_all_buf(&mut buf).await);
    assert_eq!(wr.buf, b"helloworld"[..]);
    // expect 4 writes, [hell],[o],[worl],[d]
    assert_eq!(wr.cnt, 4);
    assert!(!buf.has_remaining());
}

#[zokio::test]
async fn write_buf_err() {
    use bytes::Buf;

    /// Error out after writing the first 4 bytes
    struct Wr {
        cnt: usize,
    }

    impl AsyncWrite for Wr {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.cnt += 1;
            if self.cnt == 2 {
                return Poll::Ready(Err(io::Error::other("whoops")));
            }
            Poll::Ready(Ok(4))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr { cnt: 0 };

    let mut buf = Bytes::from_static(b"hello").chain(Bytes::from_static(b"world"));

    assert_err!(wr.write_all_buf(&mut buf).await);
    assert_eq!(
        buf.copy_to_bytes(buf.remaining()),
        Bytes::from_static(b"oworld")
    );
}

/// A writer whose plain `poll_write` must not be called: `write_buf` and
/// `write_all_buf` use its vectored writes.
struct VectoredOnly {
    buf: BytesMut,
    cnt: usize,
}

impl AsyncWrite for VectoredOnly {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::Error::other("poll_write shouldn't be called")))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Ok(()).into()
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Ok(()).into()
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<Result<usize, io::Error>> {
        let mut n = 0;
        for buf in bufs {
            self.buf.extend_from_slice(buf);
            n += buf.len();
        }
        self.cnt += 1;
        Ok(n).into()
    }
}

#[zokio::test]
async fn write_all_buf_vectored() {
    use bytes::Buf;

    let mut wr = VectoredOnly {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };
    let mut buf = Bytes::from_static(b"hello")
        .chain(Bytes::from_static(b" "))
        .chain(Bytes::from_static(b"world"));

    wr.write_all_buf(&mut buf).await.unwrap();
    assert_eq!(&wr.buf[..], b"hello world");
}

// io_write_buf.rs

#[zokio::test]
async fn write_all() {
    struct Wr {
        buf: BytesMut,
        cnt: usize,
    }

    impl AsyncWrite for Wr {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            assert_eq!(self.cnt, 0);
            let n = cmp::min(4, buf.len());
            let buf = &buf[0..n];

            self.cnt += 1;
            self.buf.extend(buf);
            Ok(buf.len()).into()
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };

    let mut buf = Cursor::new(&b"hello world"[..]);

    assert_ok!(wr.write_buf(&mut buf).await);
    assert_eq!(wr.buf, b"hell"[..]);
    assert_eq!(wr.cnt, 1);
    assert_eq!(buf.position(), 4);
}

#[zokio::test]
async fn write_buf_vectored() {
    let mut wr = VectoredOnly {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };

    let mut buf = Cursor::new(&b"hello world"[..]);

    assert_ok!(wr.write_buf(&mut buf).await);
    assert_eq!(wr.buf, b"hello world"[..]);
    assert_eq!(wr.cnt, 1);
    assert_eq!(buf.position(), 11);
}

// io_read_line.rs

#[zokio::test]
async fn read_line() {
    let mut buf = String::new();
    let mut rd = zokio::io::Cursor::new(b"hello\nworld\n\n");

    let n = assert_ok!(rd.read_line(&mut buf).await);
    assert_eq!(n, 6);
    assert_eq!(buf, "hello\n");
    buf.clear();
    let n = assert_ok!(rd.read_line(&mut buf).await);
    assert_eq!(n, 6);
    assert_eq!(buf, "world\n");
    buf.clear();
    let n = assert_ok!(rd.read_line(&mut buf).await);
    assert_eq!(n, 1);
    assert_eq!(buf, "\n");
    buf.clear();
    let n = assert_ok!(rd.read_line(&mut buf).await);
    assert_eq!(n, 0);
    assert_eq!(buf, "");
}

#[zokio::test]
async fn read_line_not_all_ready() {
    let mock = Chunks::new()
        .read(b"Hello Wor")
        .read(b"ld\nFizzBuz")
        .read(b"z\n1\n2");

    let mut read = BufReader::new(mock);

    let mut line = "We say ".to_string();
    let bytes = read.read_line(&mut line).await.unwrap();
    assert_eq!(bytes, "Hello World\n".len());
    assert_eq!(line.as_str(), "We say Hello World\n");

    line = "I solve ".to_string();
    let bytes = read.read_line(&mut line).await.unwrap();
    assert_eq!(bytes, "FizzBuzz\n".len());
    assert_eq!(line.as_str(), "I solve FizzBuzz\n");

    line.clear();
    let bytes = read.read_line(&mut line).await.unwrap();
    assert_eq!(bytes, 2);
    assert_eq!(line.as_str(), "1\n");

    line.clear();
    let bytes = read.read_line(&mut line).await.unwrap();
    assert_eq!(bytes, 1);
    assert_eq!(line.as_str(), "2");
}

#[zokio::test]
async fn read_line_invalid_utf8() {
    let mock = Chunks::new().read(b"Hello Wor\xffld.\n");

    let mut read = BufReader::new(mock);

    let mut line = "Foo".to_string();
    let err = read.read_line(&mut line).await.expect_err("Should fail");
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(err.to_string(), "stream did not contain valid UTF-8");
    assert_eq!(line.as_str(), "Foo");
}

#[zokio::test]
async fn read_line_fail() {
    let mock = Chunks::new()
        .read(b"Hello Wor")
        .read_error(io::Error::other("The world has no end"));

    let mut read = BufReader::new(mock);

    let mut line = "Foo".to_string();
    let err = read.read_line(&mut line).await.expect_err("Should fail");
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(err.to_string(), "The world has no end");
    assert_eq!(line.as_str(), "FooHello Wor");
}

#[zokio::test]
async fn read_line_fail_and_utf8_fail() {
    let mock = Chunks::new()
        .read(b"Hello Wor")
        .read(b"\xff\xff\xff")
        .read_error(io::Error::other("The world has no end"));

    let mut read = BufReader::new(mock);

    let mut line = "Foo".to_string();
    let err = read.read_line(&mut line).await.expect_err("Should fail");
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(err.to_string(), "The world has no end");
    assert_eq!(line.as_str(), "Foo");
}

// io_read_until.rs

#[zokio::test]
async fn read_until() {
    let mut buf = vec![];
    let mut rd: &[u8] = b"hello world";

    let n = assert_ok!(rd.read_until(b' ', &mut buf).await);
    assert_eq!(n, 6);
    assert_eq!(buf, b"hello ");
    buf.clear();
    let n = assert_ok!(rd.read_until(b' ', &mut buf).await);
    assert_eq!(n, 5);
    assert_eq!(buf, b"world");
    buf.clear();
    let n = assert_ok!(rd.read_until(b' ', &mut buf).await);
    assert_eq!(n, 0);
    assert_eq!(buf, []);
}

#[zokio::test]
async fn read_until_not_all_ready() {
    let mock = Chunks::new()
        .read(b"Hello Wor")
        .read(b"ld#Fizz\xffBuz")
        .read(b"z#1#2");

    let mut read = BufReader::new(mock);

    let mut chunk = b"We say ".to_vec();
    let bytes = read.read_until(b'#', &mut chunk).await.unwrap();
    assert_eq!(bytes, b"Hello World#".len());
    assert_eq!(chunk, b"We say Hello World#");

    chunk = b"I solve ".to_vec();
    let bytes = read.read_until(b'#', &mut chunk).await.unwrap();
    assert_eq!(bytes, b"Fizz\xffBuzz\n".len());
    assert_eq!(chunk, b"I solve Fizz\xffBuzz#");

    chunk.clear();
    let bytes = read.read_until(b'#', &mut chunk).await.unwrap();
    assert_eq!(bytes, 2);
    assert_eq!(chunk, b"1#");

    chunk.clear();
    let bytes = read.read_until(b'#', &mut chunk).await.unwrap();
    assert_eq!(bytes, 1);
    assert_eq!(chunk, b"2");
}

#[zokio::test]
async fn read_until_fail() {
    let mock = Chunks::new()
        .read(b"Hello \xffWor")
        .read_error(io::Error::other("The world has no end"));

    let mut read = BufReader::new(mock);

    let mut chunk = b"Foo".to_vec();
    let err = read
        .read_until(b'#', &mut chunk)
        .await
        .expect_err("Should fail");
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(err.to_string(), "The world has no end");
    assert_eq!(chunk, b"FooHello \xffWor");
}

// io_chain.rs

#[zokio::test]
async fn chain() {
    let mut buf = Vec::new();
    let rd1: &[u8] = b"hello ";
    let rd2: &[u8] = b"world";

    let mut rd = rd1.chain(rd2);
    assert_ok!(rd.read_to_end(&mut buf).await);
    assert_eq!(buf, b"hello world");
}

#[zokio::test]
async fn empty_read_does_not_skip_first() {
    let mut buf = Vec::new();
    let rd1: &[u8] = b"hello ";
    let rd2: &[u8] = b"world";

    let mut rd = rd1.chain(rd2);
    assert_eq!(assert_ok!(rd.read(&mut []).await), 0);
    assert_ok!(rd.read_to_end(&mut buf).await);
    assert_eq!(buf, b"hello world");
}

// io_take.rs

#[zokio::test]
async fn take() {
    let mut buf = [0; 6];
    let rd: &[u8] = b"hello world";

    let mut rd = rd.take(4);
    let n = assert_ok!(rd.read(&mut buf).await);
    assert_eq!(n, 4);
    assert_eq!(&buf, &b"hell\0\0"[..]);
}

// io_read_to_end.rs

#[zokio::test]
async fn read_to_end() {
    let mut buf = vec![];
    let mut rd: &[u8] = b"hello world";

    let n = assert_ok!(rd.read_to_end(&mut buf).await);
    assert_eq!(n, 11);
    assert_eq!(buf[..], b"hello world"[..]);
}

// Zokio's own: every number round-trips in both byte orders; early end of
// stream is an error; `read_buf` into a full buffer; `lines` as a stream;
// `split` segments.

#[zokio::test]
async fn numbers_round_trip_in_both_byte_orders() {
    let mut out = Vec::new();
    out.write_u8(0xfe).await.unwrap();
    out.write_i8(-2).await.unwrap();
    out.write_u16(0x1234).await.unwrap();
    out.write_i16_le(-3).await.unwrap();
    out.write_u32_le(0xdead_beef).await.unwrap();
    out.write_i32(-4).await.unwrap();
    out.write_u64(u64::MAX - 1).await.unwrap();
    out.write_i64_le(i64::MIN).await.unwrap();
    out.write_u128(u128::MAX / 3).await.unwrap();
    out.write_i128_le(-5).await.unwrap();
    out.write_f32(1.5).await.unwrap();
    out.write_f64_le(-2.25).await.unwrap();
    assert_eq!(out.len(), 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 16 + 16 + 4 + 8);
    assert_eq!(&out[2..4], &[0x12, 0x34]);
    assert_eq!(&out[6..10], &[0xef, 0xbe, 0xad, 0xde]);

    // One byte per read: the readers assemble numbers across reads.
    let mut rd = OneByte(&out);
    assert_eq!(rd.read_u8().await.unwrap(), 0xfe);
    assert_eq!(rd.read_i8().await.unwrap(), -2);
    assert_eq!(rd.read_u16().await.unwrap(), 0x1234);
    assert_eq!(rd.read_i16_le().await.unwrap(), -3);
    assert_eq!(rd.read_u32_le().await.unwrap(), 0xdead_beef);
    assert_eq!(rd.read_i32().await.unwrap(), -4);
    assert_eq!(rd.read_u64().await.unwrap(), u64::MAX - 1);
    assert_eq!(rd.read_i64_le().await.unwrap(), i64::MIN);
    assert_eq!(rd.read_u128().await.unwrap(), u128::MAX / 3);
    assert_eq!(rd.read_i128_le().await.unwrap(), -5);
    assert_eq!(rd.read_f32().await.unwrap(), 1.5);
    assert_eq!(rd.read_f64_le().await.unwrap(), -2.25);
    let err = rd.read_u8().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

struct OneByte<'a>(&'a [u8]);

impl AsyncRead for OneByte<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.0.is_empty() || buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Poll::Ready(Ok(1))
    }
}

#[zokio::test]
async fn a_number_cut_short_is_unexpected_eof() {
    let mut rd: &[u8] = &[1, 2, 3];
    assert_eq!(
        rd.read_u32().await.unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
    let mut rd: &[u8] = &[1];
    let mut buf = [0; 2];
    assert_eq!(
        rd.read_exact(&mut buf).await.unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
}

#[zokio::test]
async fn read_buf_into_bytes_mut_and_into_a_full_buffer() {
    let mut rd: &[u8] = b"hello world";
    let mut buf = BytesMut::with_capacity(4);
    let mut total = 0;
    loop {
        let n = rd.read_buf(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, 11);
    assert_eq!(&buf[..], b"hello world");

    // A buffer with no room left reads nothing, and says so.
    let mut space = [0u8; 2];
    let mut full: &mut [u8] = &mut space[..];
    assert_eq!((&b"ab"[..]).read_buf(&mut full).await.unwrap(), 2);
    assert_eq!((&b"cd"[..]).read_buf(&mut full).await.unwrap(), 0);
    assert_eq!(&space, b"ab");
}

#[zokio::test]
async fn lines_are_a_stream_too_and_invalid_utf8_is_an_error() {
    use zokio::stream::StreamExt;

    let lines: Vec<String> = BufReader::new(&b"a\nb\r\nc"[..])
        .lines()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lines, ["a", "b", "c"]);

    let mut bad = (&b"ok\n\xff\n"[..]).lines();
    assert_eq!(bad.next_line().await.unwrap().as_deref(), Some("ok"));
    assert_eq!(
        bad.next_line().await.unwrap_err().kind(),
        ErrorKind::InvalidData
    );
}

#[zokio::test]
async fn split_segments_across_reads() {
    let reader = BufReader::with_capacity(2, Chunks::new().read(b"ab,c").read(b"d,,e"));
    let mut segments = reader.split(b',');
    let mut got = Vec::new();
    while let Some(segment) = segments.next_segment().await.unwrap() {
        got.push(segment);
    }
    assert_eq!(got, [b"ab".to_vec(), b"cd".to_vec(), vec![], b"e".to_vec()]);
}

#[zokio::test]
async fn shutdown_and_seek_helpers() {
    use zokio::io::AsyncSeekExt;

    let mut cursor = zokio::io::Cursor::new(vec![1, 2, 3]);
    cursor.read_u8().await.unwrap();
    assert_eq!(cursor.stream_position().await.unwrap(), 1);
    cursor.rewind().await.unwrap();
    assert_eq!(cursor.read_u8().await.unwrap(), 1);
    cursor.shutdown().await.unwrap();
}

// io_read_to_string.rs (4 of 4)

#[zokio::test]
async fn read_to_string() {
    let mut buf = String::new();
    let mut rd: &[u8] = b"hello world";

    let n = assert_ok!(rd.read_to_string(&mut buf).await);
    assert_eq!(n, 11);
    assert_eq!(buf[..], "hello world"[..]);
}

#[zokio::test]
async fn to_string_does_not_truncate_on_utf8_error() {
    let data = vec![0xff, 0xff, 0xff];

    let mut s = "abc".to_string();

    match AsyncReadExt::read_to_string(&mut data.as_slice(), &mut s).await {
        Ok(len) => panic!("Should fail: {len} bytes."),
        Err(err) if err.to_string() == "stream did not contain valid UTF-8" => {}
        Err(err) => panic!("Fail: {err}."),
    }

    assert_eq!(s, "abc");
}

#[zokio::test]
async fn to_string_does_not_truncate_on_io_error() {
    let mut mock = Chunks::new()
        .read(b"def")
        .read_error(io::Error::other("whoops"));
    let mut s = "abc".to_string();

    match AsyncReadExt::read_to_string(&mut mock, &mut s).await {
        Ok(len) => panic!("Should fail: {len} bytes."),
        Err(err) if err.to_string() == "whoops" => {}
        Err(err) => panic!("Fail: {err}."),
    }

    assert_eq!(s, "abc");
}

#[zokio::test]
async fn to_string_appends() {
    let data = b"def".to_vec();

    let mut s = "abc".to_string();

    let len = AsyncReadExt::read_to_string(&mut data.as_slice(), &mut s)
        .await
        .unwrap();

    assert_eq!(len, 3);
    assert_eq!(s, "abcdef");
}

// io_read.rs (1 of 2; the other hands back a `ReadBuf` of its own, which a
// `&mut [u8]` reader cannot), io_write.rs (2 of 2), io_write_all.rs (1 of 1)

#[zokio::test]
async fn read() {
    #[derive(Default)]
    struct Rd {
        poll_cnt: usize,
    }

    impl AsyncRead for Rd {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            assert_eq!(0, self.poll_cnt);
            self.poll_cnt += 1;
            buf[..11].copy_from_slice(b"hello world");
            Poll::Ready(Ok(11))
        }
    }

    let mut buf = Box::new([0; 11]);
    let mut rd = Rd::default();

    let n = assert_ok!(rd.read(&mut buf[..]).await);
    assert_eq!(n, 11);
    assert_eq!(buf[..], b"hello world"[..]);
}

#[zokio::test]
async fn write() {
    struct Wr {
        buf: BytesMut,
        cnt: usize,
    }

    impl AsyncWrite for Wr {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            assert_eq!(self.cnt, 0);
            self.buf.extend(&buf[0..4]);
            Ok(4).into()
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };

    let n = assert_ok!(wr.write(b"hello world").await);
    assert_eq!(n, 4);
    assert_eq!(wr.buf, b"hell"[..]);
}

#[zokio::test]
async fn write_cursor() {
    let mut wr = zokio::io::Cursor::new(Vec::new());

    let n = assert_ok!(wr.write(b"hello world").await);
    assert_eq!(n, 11);
    assert_eq!(wr.get_ref().as_slice(), &b"hello world"[..]);
}

#[zokio::test]
async fn write_all_counts_writes() {
    struct Wr {
        buf: BytesMut,
        cnt: usize,
    }

    impl AsyncWrite for Wr {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = cmp::min(4, buf.len());
            let buf = &buf[0..n];

            self.cnt += 1;
            self.buf.extend(buf);
            Ok(buf.len()).into()
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Ok(()).into()
        }
    }

    let mut wr = Wr {
        buf: BytesMut::with_capacity(64),
        cnt: 0,
    };

    assert_ok!(wr.write_all(b"hello world").await);
    assert_eq!(wr.buf, b"hello world"[..]);
    assert_eq!(wr.cnt, 3);
}

/// Zokio's `Lines::next_line` keeps a partly read line in the `Lines`, so a
/// dropped `next_line` future loses nothing (Tokio documents the same).
#[test]
fn next_line_is_cancel_safe() {
    use futures_util::FutureExt;

    let (mut tx, rx) = zokio::io::duplex(64);
    let mut lines = BufReader::new(rx).lines();
    zokio::block_on(tx.write_all(b"first ha")).unwrap();
    // Polled once: it reads "first ha", finds no newline, and waits.
    assert!(lines.next_line().now_or_never().is_none());
    zokio::block_on(tx.write_all(b"lf\nsecond\n")).unwrap();
    drop(tx);
    zokio::block_on(async {
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("first half")
        );
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("second"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}
