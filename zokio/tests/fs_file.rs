//! Tokio's tests/fs_file.rs (17 of its 19 tests: the two Windows-only ones
//! are left out) and tests/fs_file_join_error.rs (its one test), ported to
//! `zokio::fs::File`. Tokio's `AsyncReadExt`/`AsyncWriteExt`/`AsyncSeekExt`
//! are futures-lite's here: `shutdown` is `close`, and `rewind` and
//! `stream_position` are seeks to `Start(0)` and by `Current(0)`.

use std::io::prelude::*;
use std::io::{IoSlice, SeekFrom};
use std::time::Duration;

use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tempfile::NamedTempFile;
use tokio_test::task;
use zokio::fs::File;

const HELLO: &[u8] = b"hello world...";

fn tempfile() -> NamedTempFile {
    NamedTempFile::new().unwrap()
}

#[zokio::test]
async fn basic_read() {
    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();

    let mut file = File::open(tempfile.path()).await.unwrap();

    let mut buf = [0; 1024];
    let n = file.read(&mut buf).await.unwrap();

    assert_eq!(n, HELLO.len());
    assert_eq!(&buf[..n], HELLO);
}

#[zokio::test]
async fn basic_write() {
    let tempfile = tempfile();

    let mut file = File::create(tempfile.path()).await.unwrap();

    file.write_all(HELLO).await.unwrap();
    file.flush().await.unwrap();

    let file = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(file, HELLO);
}

#[zokio::test]
async fn basic_write_and_shutdown() {
    let tempfile = tempfile();

    let mut file = File::create(tempfile.path()).await.unwrap();

    file.write_all(HELLO).await.unwrap();
    file.close().await.unwrap();

    let file = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(file, HELLO);
}

#[zokio::test]
async fn write_vectored() {
    let tempfile = tempfile();

    let mut file = File::create(tempfile.path()).await.unwrap();

    let ret = file
        .write_vectored(&[IoSlice::new(HELLO), IoSlice::new(HELLO)])
        .await
        .unwrap();
    assert_eq!(ret, HELLO.len() * 2);
    file.flush().await.unwrap();

    let file = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(file, [HELLO, HELLO].concat());
}

#[zokio::test]
async fn write_vectored_and_shutdown() {
    let tempfile = tempfile();

    let mut file = File::create(tempfile.path()).await.unwrap();

    let ret = file
        .write_vectored(&[IoSlice::new(HELLO), IoSlice::new(HELLO)])
        .await
        .unwrap();
    assert_eq!(ret, HELLO.len() * 2);
    file.close().await.unwrap();

    let file = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(file, [HELLO, HELLO].concat());
}

#[zokio::test]
async fn rewind_seek_position() {
    let tempfile = tempfile();

    let mut file = File::create(tempfile.path()).await.unwrap();

    file.seek(SeekFrom::Current(10)).await.unwrap();

    file.seek(SeekFrom::Start(0)).await.unwrap();

    assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 0);
}

/// Tokio's version returns on the first `Pending`, which its first
/// (blocking) `open` always gives. Here the file is open first and the loop
/// does operations that complete at once (empty reads and writes), so only
/// the cooperative budget can make the task yield; the loop is bounded so a
/// missing budget fails the test instead of hanging it.
#[zokio::test]
async fn coop() {
    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();
    let mut file = File::options()
        .read(true)
        .write(true)
        .open(tempfile.path())
        .await
        .unwrap();

    let mut task = task::spawn(async move {
        for _ in 0..10_000 {
            assert_eq!(file.read(&mut []).await.unwrap(), 0);
            assert_eq!(file.write(&[]).await.unwrap(), 0);
            file.flush().await.unwrap();
        }
    });

    assert!(task.poll().is_pending(), "did not yield");
}

#[zokio::test]
async fn write_to_clone() {
    let tempfile = tempfile();

    let file = File::create(tempfile.path()).await.unwrap();
    let mut clone = file.try_clone().await.unwrap();

    clone.write_all(HELLO).await.unwrap();
    clone.flush().await.unwrap();

    let contents = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(contents, HELLO);
}

#[zokio::test]
async fn write_into_std() {
    let tempfile = tempfile();

    let file = File::create(tempfile.path()).await.unwrap();
    let mut std_file = file.into_std().await;

    std_file.write_all(HELLO).unwrap();

    let contents = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(contents, HELLO);
}

#[zokio::test]
async fn write_into_std_immediate() {
    let tempfile = tempfile();

    let file = File::create(tempfile.path()).await.unwrap();
    let mut std_file = file.try_into_std().unwrap();

    std_file.write_all(HELLO).unwrap();

    let contents = std::fs::read(tempfile.path()).unwrap();
    assert_eq!(contents, HELLO);
}

#[zokio::test]
async fn read_file_from_std() {
    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();

    let std_file = std::fs::File::open(tempfile.path()).unwrap();
    let mut file = File::from(std_file);

    let mut buf = [0; 1024];
    let n = file.read(&mut buf).await.unwrap();
    assert_eq!(n, HELLO.len());
    assert_eq!(&buf[..n], HELLO);
}

#[zokio::test]
async fn empty_read() {
    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();

    let mut file = File::open(tempfile.path()).await.unwrap();

    // Perform an empty read and get a length of zero.
    assert!(matches!(
        futures_lite::future::poll_once(file.read(&mut [])).await,
        Some(Ok(0))
    ));

    // Check that we don't get EOF on the next read.
    let mut buf = [0; 1024];
    let n = file.read(&mut buf).await.unwrap();

    assert_eq!(n, HELLO.len());
    assert_eq!(&buf[..n], HELLO);
}

#[zokio::test]
async fn set_max_buf_size_read() {
    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();
    let mut file = File::open(tempfile.path()).await.unwrap();
    let mut buf = [0; 1024];
    file.set_max_buf_size(1);

    // A single read operation reads a maximum of 1 byte.
    assert_eq!(file.read(&mut buf).await.unwrap(), 1);
}

#[zokio::test]
async fn set_max_buf_size_write() {
    let tempfile = tempfile();
    let mut file = File::create(tempfile.path()).await.unwrap();
    file.set_max_buf_size(1);

    // A single write operation writes a maximum of 1 byte.
    assert_eq!(file.write(HELLO).await.unwrap(), 1);
}

#[zokio::test]
async fn file_debug_fmt() {
    let tempfile = tempfile();

    let file = File::open(tempfile.path()).await.unwrap();

    assert_eq!(
        &format!("{file:?}")[0..33],
        "zokio::fs::File { std: File { fd:"
    );
}

#[zokio::test]
async fn unix_fd_is_valid() {
    use std::os::unix::io::AsRawFd;
    let tempfile = tempfile();

    let file = File::create(tempfile.path()).await.unwrap();
    assert!(file.as_raw_fd() as u64 > 0);
}

#[zokio::test]
async fn read_file_from_unix_fd() {
    use std::os::unix::io::{FromRawFd, IntoRawFd};

    let mut tempfile = tempfile();
    tempfile.write_all(HELLO).unwrap();

    let file1 = File::open(tempfile.path()).await.unwrap();
    let raw_fd = file1.into_std().await.into_raw_fd();
    assert!(raw_fd > 0);

    // SAFETY: `raw_fd` was just released by `into_raw_fd` and nothing else
    // owns it.
    let mut file2 = unsafe { File::from_raw_fd(raw_fd) };

    let mut buf = [0; 1024];
    let n = file2.read(&mut buf).await.unwrap();
    assert_eq!(n, HELLO.len());
    assert_eq!(&buf[..n], HELLO);
}

/// Tokio's fs_file_join_error.rs: a `File` whose background jobs cannot run
/// (its runtime's blocking pool is shut down, so every job is cancelled)
/// returns `io::Error`s and stays usable; no operation panics.
#[test]
fn file_ops_survive_join_error() {
    use std::future::Future;
    use std::task::Context;

    fn poll_once<F: Future>(fut: F) {
        let mut fut = Box::pin(fut);
        let _ = fut
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()));
    }

    /// Runs `ops` in order on a fresh `File` inside a runtime that is shut
    /// down, then awaits one more read to see the error it reports.
    fn run(path: &std::path::Path, h: &zokio::runtime::Handle, ops: &[fn(&mut File)]) {
        let _enter = h.enter();
        let std = std::fs::File::options()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let mut file = File::from_std(std);
        for &op in ops {
            op(&mut file);
        }
        // The pool drops each job as it is handed over, so the answer is
        // ready on the first poll: no waiting, no timer needed.
        let mut dst = [0u8; 8];
        let mut read = Box::pin(file.read(&mut dst));
        let res = read
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()));
        let std::task::Poll::Ready(res) = res else {
            panic!("a read whose job is cancelled must not wait");
        };
        assert!(res.is_err(), "a cancelled job is an error, got {res:?}");
    }

    let temp = tempfile();
    std::fs::write(temp.path(), vec![b'x'; 4096]).unwrap();
    let rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let h = rt.handle().clone();
    // Waits for the worker, so that the driver (and with it the io_uring
    // of the ring backend) is shut down too, not only the blocking pool.
    rt.shutdown_timeout(Duration::from_secs(10));

    let read: fn(&mut File) = |f| poll_once(f.read(&mut [0u8; 8]));
    let seek: fn(&mut File) = |f| poll_once(f.seek(SeekFrom::Start(0)));
    let write: fn(&mut File) = |f| poll_once(f.write(b"z"));
    let flush: fn(&mut File) = |f| poll_once(f.flush());
    let set_len: fn(&mut File) = |f| poll_once(f.set_len(0));

    // Each op fails, however none may panic.
    run(temp.path(), &h, &[read, read]);
    run(temp.path(), &h, &[seek, seek]);
    run(temp.path(), &h, &[set_len, set_len]);
    run(temp.path(), &h, &[write, write]);
    run(temp.path(), &h, &[read, flush]);
    // Nothing reached the file: it still holds what was written first.
    assert_eq!(std::fs::read(temp.path()).unwrap(), vec![b'x'; 4096]);
}
