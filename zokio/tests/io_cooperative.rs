//! Ports of Tokio's tokio/tests/io_repeat.rs (1 test), io_sink.rs (3 of 3)
//! and io_util_empty.rs (3 of 3) to `zokio::io::{repeat, sink, empty}`;
//! then Zokio's own: a `timeout` around a loop over `empty()` fires, and
//! the same loops under another executor (no budget) still complete.
#![cfg(not(loom))]

use std::time::Duration;

use zokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

#[zokio::test]
async fn repeat_poll_read_is_cooperative() {
    zokio::select! {
        biased;
        _ = async {
            loop {
                let mut buf = [0u8; 4096];
                zokio::io::repeat(0b101).read_exact(&mut buf).await.unwrap();
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn sink_poll_write_is_cooperative() {
    zokio::select! {
        biased;
        _ = async {
            loop {
                let buf = vec![1, 2, 3];
                zokio::io::sink().write_all(&buf).await.unwrap();
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn sink_poll_flush_is_cooperative() {
    zokio::select! {
        biased;
        _ = async {
            loop {
                zokio::io::sink().flush().await.unwrap();
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn sink_poll_shutdown_is_cooperative() {
    zokio::select! {
        biased;
        _ = async {
            loop {
                zokio::io::sink().shutdown().await.unwrap();
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn empty_read_is_cooperative() {
    zokio::select! {
        biased;

        _ = async {
            loop {
                let mut buf = [0u8; 4096];
                let _ = zokio::io::empty().read(&mut buf).await;
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn empty_buf_reads_are_cooperative() {
    zokio::select! {
        biased;

        _ = async {
            loop {
                let mut buf = String::new();
                let _ = zokio::io::empty().read_line(&mut buf).await;
            }
        } => {},
        _ = zokio::task::yield_now() => {}
    }
}

#[zokio::test]
async fn empty_seek() {
    use std::io::SeekFrom;

    let mut empty = zokio::io::empty();

    assert!(matches!(empty.seek(SeekFrom::Start(0)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::Start(1)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::Start(u64::MAX)).await, Ok(0)));

    assert!(matches!(empty.seek(SeekFrom::End(i64::MIN)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::End(-1)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::End(0)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::End(1)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::End(i64::MAX)).await, Ok(0)));

    assert!(matches!(
        empty.seek(SeekFrom::Current(i64::MIN)).await,
        Ok(0)
    ));
    assert!(matches!(empty.seek(SeekFrom::Current(-1)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::Current(0)).await, Ok(0)));
    assert!(matches!(empty.seek(SeekFrom::Current(1)).await, Ok(0)));
    assert!(matches!(
        empty.seek(SeekFrom::Current(i64::MAX)).await,
        Ok(0)
    ));
}

// Zokio's own.

/// The case: with futures-lite's `empty` this loop never returns
/// `Pending`, so the timer never gets to fire and the test hangs.
#[zokio::test]
async fn a_timeout_around_a_loop_over_empty_fires() {
    let spin = async {
        loop {
            let mut buf = [0u8; 64];
            let _ = zokio::io::empty().read(&mut buf).await;
        }
    };
    let started = std::time::Instant::now();
    let result: Result<(), _> = zokio::time::timeout(Duration::from_millis(50), spin).await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_over_sink_lets_other_tasks_run() {
    let spinner = zokio::spawn(async {
        loop {
            zokio::io::sink().write_all(b"x").await.unwrap();
        }
    });
    // On a two-worker runtime the other worker would run this anyway; so
    // also spin on this task and wait for a timer.
    let result = zokio::time::timeout(Duration::from_millis(20), async {
        loop {
            zokio::io::repeat(1).read_u8().await.unwrap();
        }
    })
    .await;
    assert!(result.is_err());
    spinner.abort();
}

#[test]
fn without_a_runtime_they_never_yield() {
    futures_lite::future::block_on(async {
        let mut buf = [0u8; 8];
        for _ in 0..1000 {
            assert_eq!(zokio::io::empty().read(&mut buf).await.unwrap(), 0);
            zokio::io::repeat(9).read_exact(&mut buf).await.unwrap();
            zokio::io::sink().write_all(&buf).await.unwrap();
        }
        assert_eq!(buf, [9; 8]);
        assert!(zokio::io::empty().fill_buf().await.unwrap().is_empty());
        assert_eq!(zokio::io::empty().write(b"abc").await.unwrap(), 3);
    });
}
