//! Port of Tokio's tokio/tests/io_mem_stream.rs (`duplex`), all 8 tests, to
//! `zokio::io::duplex`; then Zokio's own tests of `simplex`.
#![cfg(not(loom))]

use std::io::IoSlice;
use std::time::Duration;

use futures_util::FutureExt;
use zokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

mod support {
    pub mod within;
}
use support::within::within;

/// Every test that waits bounds itself: a hang is a failure, not a stuck CI.
const LIMIT: Duration = Duration::from_secs(10);

#[zokio::test]
async fn ping_pong() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(32);

        let mut buf = [0u8; 4];

        a.write_all(b"ping").await.unwrap();
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");

        b.write_all(b"pong").await.unwrap();
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    })
    .await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_tasks() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(32);

        let t1 = zokio::spawn(async move {
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0u8; 4];
            a.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pong");
        });

        let t2 = zokio::spawn(async move {
            let mut buf = [0u8; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            b.write_all(b"pong").await.unwrap();
        });

        t1.await.unwrap();
        t2.await.unwrap();
    })
    .await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(32);

        let t1 = zokio::spawn(async move {
            a.write_all(b"ping").await.unwrap();
            // and dropped
        });

        let t2 = zokio::spawn(async move {
            let mut buf = [0u8; 32];
            let n = b.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"ping");

            let n = b.read(&mut buf).await.unwrap();
            assert_eq!(n, 0);
        });

        t1.await.unwrap();
        t2.await.unwrap();
    })
    .await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_reader() {
    within(LIMIT, async {
        let (a, mut b) = duplex(2);

        let t1 = zokio::spawn(async move {
            // this will block, as not all data fits into duplex
            b.write_all(b"ping").await.unwrap_err();
        });

        let t2 = zokio::spawn(async move {
            // here we drop the reader side, and we expect the writer in the other
            // task to exit with an error
            drop(a);
        });

        t2.await.unwrap();
        t1.await.unwrap();
    })
    .await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_write_size() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(32);

        let t1 = zokio::spawn(async move {
            let n = a.write(&[0u8; 64]).await.unwrap();
            assert_eq!(n, 32);
            let n = a.write(&[0u8; 64]).await.unwrap();
            assert_eq!(n, 4);
        });

        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await.unwrap();

        t1.await.unwrap();

        // drop b only after task t1 finishes writing
        drop(b);
    })
    .await
}

#[zokio::test]
async fn zero_length_operations() {
    let (mut reader, _peer) = duplex(1);
    assert!(matches!(reader.read(&mut []).now_or_never(), Some(Ok(0))));

    let (mut writer, _peer) = duplex(1);
    writer.write_all(b"x").await.unwrap();
    assert!(matches!(writer.write(&[]).now_or_never(), Some(Ok(0))));

    let (mut writer, _peer) = duplex(1);
    writer.write_all(b"x").await.unwrap();
    let bufs = [IoSlice::new(&[]), IoSlice::new(&[])];
    assert!(matches!(
        writer.write_vectored(&bufs).now_or_never(),
        Some(Ok(0))
    ));
}

#[zokio::test]
async fn zero_length_writes_to_closed_stream() {
    let (mut writer, peer) = duplex(1);
    drop(peer);
    let err = writer.write(&[]).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);

    let (mut writer, peer) = duplex(1);
    drop(peer);
    let bufs = [IoSlice::new(&[]), IoSlice::new(&[])];
    let err = writer.write_vectored(&bufs).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
}

#[zokio::test]
async fn duplex_is_cooperative() {
    let (mut tx, mut rx) = zokio::io::duplex(1024 * 8);

    zokio::select! {
        biased;

        _ = async {
            loop {
                let buf = [3u8; 4096];
                tx.write_all(&buf).await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = rx.read(&mut buf).await.unwrap();
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

// Zokio's own: the rest of the contract, and `simplex`.

#[zokio::test]
async fn shutdown_ends_one_direction_only() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(16);
        a.write_all(b"last").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last");
        // The other direction is still open.
        b.write_all(b"back").await.unwrap();
        let mut back = [0; 4];
        a.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"back");
        // Writing after one's own shutdown is an error, not a hang.
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            std::io::ErrorKind::BrokenPipe
        );
    })
    .await
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pipe_wakes_the_writer_when_read() {
    within(LIMIT, async {
        let (mut a, mut b) = duplex(3);
        let writer = zokio::spawn(async move {
            a.write_all(&[7; 1000]).await.unwrap();
        });
        let mut got = vec![0; 1000];
        b.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|&x| x == 7));
        writer.await.unwrap();
    })
    .await
}

#[zokio::test]
async fn simplex_halves_carry_bytes_until_shutdown() {
    within(LIMIT, async {
        let (mut rx, mut tx) = zokio::io::simplex(4);
        let writer = zokio::spawn(async move {
            tx.write_all(b"through a small pipe").await.unwrap();
            tx.shutdown().await.unwrap();
        });
        let mut got = String::new();
        rx.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through a small pipe");
        writer.await.unwrap();
    })
    .await
}

#[test]
fn duplex_works_under_another_executor() {
    futures_lite::future::block_on(async {
        let (mut a, mut b) = duplex(8);
        let write = async {
            a.write_all(&[1; 64]).await.unwrap();
            drop(a);
        };
        let read = async {
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        };
        let ((), got) = futures_lite::future::zip(write, read).await;
        assert_eq!(got, [1; 64]);
    });
}
