//! Port of Tokio's tokio/tests/io_split.rs, all 6 tests, to
//! `zokio::io::split`. Differences: the test stream implements futures-io's
//! traits (`poll_read(&mut [u8])`, `poll_close`) rather than Tokio's, which
//! have no `is_write_vectored` (that assertion is dropped), and `unsplit`
//! of halves of two streams returns an error rather than panicking.
#![cfg(not(loom))]

use zokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf, split};

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Debug)]
struct RW;

impl AsyncRead for RW {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        buf[0] = b'z';
        Poll::Ready(Ok(1))
    }
}

impl AsyncWrite for RW {
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

    assert_bound::<ReadHalf<RW>>();
    assert_bound::<WriteHalf<RW>>();
}

#[test]
fn split_stream_id() {
    let (r1, w1) = split(RW);
    let (r2, w2) = split(RW);
    assert!(r1.is_pair_of(&w1));
    assert!(!r1.is_pair_of(&w2));
    assert!(r2.is_pair_of(&w2));
    assert!(!r2.is_pair_of(&w1));
    assert!(w1.is_pair_of(&r1));
    assert!(!w1.is_pair_of(&r2));
}

#[test]
fn unsplit_ok() {
    let (r, w) = split(RW);
    r.unsplit(w).unwrap();
}

#[test]
fn unsplit_err1() {
    let (r, _) = split(RW);
    let (_, w) = split(RW);
    let err = r.unsplit(w).unwrap_err();
    assert!(err.to_string().contains("not of the same stream"), "{err}");
}

#[test]
fn unsplit_err2() {
    let (_, w) = split(RW);
    let (r, _) = split(RW);
    // The halves come back in the error, still usable.
    let zokio::io::UnsplitError(r, w) = r.unsplit(w).unwrap_err();
    assert!(!r.is_pair_of(&w));
}

#[test]
fn method_delegation() {
    let (mut r, mut w) = split(RW);
    let mut buf = [0; 1];

    tokio_test::block_on(async move {
        assert_eq!(1, r.read(&mut buf).await.unwrap());
        assert_eq!(b'z', buf[0]);

        assert_eq!(1, w.write(b"x").await.unwrap());
        assert_eq!(
            2,
            w.write_vectored(&[io::IoSlice::new(b"x")]).await.unwrap()
        );

        assert!(w.flush().await.is_ok());
        assert!(w.shutdown().await.is_ok());
    });
}

// Zokio's own.

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn halves_in_two_tasks_over_a_socket() {
    let work = async {
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let echo = zokio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let (mut rd, mut wr) = split(stream);
            zokio::io::copy(&mut rd, &mut wr).await
        });
        let stream = zokio::net::TcpStream::connect(addr).await?;
        let (mut rd, mut wr) = split(stream);
        let writer = zokio::spawn(async move {
            wr.write_all(&[5; 100_000]).await?;
            wr.close().await?;
            io::Result::Ok(wr)
        });
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await?;
        assert_eq!(got.len(), 100_000);
        let wr = writer.await.unwrap()?;
        assert_eq!(echo.await.unwrap()?, 100_000);
        rd.unsplit(wr).expect("one stream's halves");
        io::Result::Ok(())
    };
    zokio::time::timeout(std::time::Duration::from_secs(20), work)
        .await
        .expect("timed out")
        .unwrap();
}
