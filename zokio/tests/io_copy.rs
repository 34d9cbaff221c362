//! Ports of Tokio's tokio/tests/io_copy.rs (3 of 3) to `zokio::io::copy`
//! and io_join.rs (2 of 2) to `zokio::io::join`, with futures-io test
//! readers and writers (`&mut [u8]`, `poll_close`; futures-io has no
//! `is_write_vectored`, so that assertion is dropped). Then Zokio's own
//! tests of `copy_buf`, and that futures-lite's by-value reader still works.
#![cfg(not(loom))]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use tokio_test::assert_ok;
use zokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Join, join};

#[zokio::test]
async fn copy() {
    struct Rd(bool);

    impl AsyncRead for Rd {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            if self.0 {
                buf[..11].copy_from_slice(b"hello world");
                self.0 = false;
                Poll::Ready(Ok(11))
            } else {
                Poll::Ready(Ok(0))
            }
        }
    }

    let mut rd = Rd(true);
    let mut wr = Vec::new();

    let n = assert_ok!(zokio::io::copy(&mut rd, &mut wr).await);
    assert_eq!(n, 11);
    assert_eq!(wr, b"hello world");
}

#[zokio::test]
async fn proxy() {
    struct BufferedWd {
        buf: BytesMut,
        writer: zokio::io::DuplexStream,
    }

    impl AsyncWrite for BufferedWd {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            let this = self.get_mut();

            while !this.buf.is_empty() {
                let n = ready!(Pin::new(&mut this.writer).poll_write(cx, &this.buf))?;
                let _ = this.buf.split_to(n);
            }

            Pin::new(&mut this.writer).poll_flush(cx)
        }

        fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.writer).poll_close(cx)
        }
    }

    let work = async {
        let (rd, wd) = zokio::io::duplex(1024);
        let mut rd = rd.take(1024);
        let mut wd = BufferedWd {
            buf: BytesMut::new(),
            writer: wd,
        };

        // write start bytes
        assert_ok!(wd.write_all(&[0x42; 512]).await);
        assert_ok!(wd.flush().await);

        // Only a copy that flushes while its reader waits gets past 512.
        let n = assert_ok!(zokio::io::copy(&mut rd, &mut wd).await);

        assert_eq!(n, 1024);
    };
    zokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("the copy did not flush while its reader waited");
}

#[zokio::test]
async fn copy_is_cooperative() {
    zokio::select! {
        biased;
        _ = async {
            loop {
                let mut reader: &[u8] = b"hello";
                let mut writer: Vec<u8> = vec![];
                let _ = zokio::io::copy(&mut reader, &mut writer).await;
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

struct R;

impl AsyncRead for R {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        buf[0] = b'z';
        Poll::Ready(Ok(1))
    }
}

struct W;

impl AsyncWrite for W {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &[u8],
    ) -> Poll<Result<usize, io::Error>> {
        Poll::Ready(Ok(1))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _bufs: &[io::IoSlice<'_>],
    ) -> Poll<Result<usize, io::Error>> {
        Poll::Ready(Ok(2))
    }
}

#[test]
fn is_send_and_sync() {
    fn assert_bound<T: Send + Sync>() {}

    assert_bound::<Join<W, R>>();
}

#[test]
fn method_delegation() {
    let mut rw = join(R, W);
    let mut buf = [0; 1];

    tokio_test::block_on(async move {
        assert_eq!(1, rw.read(&mut buf).await.unwrap());
        assert_eq!(b'z', buf[0]);

        assert_eq!(1, rw.write(b"x").await.unwrap());
        assert_eq!(
            2,
            rw.write_vectored(&[io::IoSlice::new(b"x")]).await.unwrap()
        );

        assert!(rw.flush().await.is_ok());
        assert!(rw.shutdown().await.is_ok());
    });
}

// Zokio's own.

#[zokio::test]
async fn copy_buf_writes_from_the_readers_buffer_and_is_cooperative() {
    let mut reader = zokio::io::BufReader::with_capacity(4, &b"0123456789"[..]);
    let mut writer = Vec::new();
    assert_eq!(
        zokio::io::copy_buf(&mut reader, &mut writer).await.unwrap(),
        10
    );
    assert_eq!(writer, b"0123456789");

    zokio::select! {
        biased;
        _ = async {
            loop {
                let _ = zokio::io::copy_buf(&b"hello"[..], &mut zokio::io::sink()).await;
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn copy_takes_a_reader_by_value_as_futures_lite_does() {
    let mut writer = Vec::new();
    let n = zokio::io::copy(zokio::io::repeat(3).take(5), &mut writer)
        .await
        .unwrap();
    assert_eq!((n, writer), (5, vec![3; 5]));
}
