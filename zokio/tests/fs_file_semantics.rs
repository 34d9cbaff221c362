//! Not a port: `zokio::fs::File`'s write-behind semantics (Tokio's, stated
//! in the module docs) and the errors bad input gets, compared with std's.
//!
//! To see what happens while a write is in flight, some tests run on a
//! runtime whose blocking pool has one thread and hold that thread with a
//! job of their own until they release it.

use std::io::{ErrorKind, Read, SeekFrom, Write};
use std::sync::mpsc;
use std::time::Duration;

use futures_lite::future::poll_once;
use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tempfile::tempdir;
use zokio::fs::{self, File, OpenOptions};
use zokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

/// A runtime whose blocking pool has a single thread, built without I/O so
/// that its files use the pool even where io_uring is available: the tests
/// that use it hold the pool to catch an operation in flight, which a
/// kernel-run operation would not wait for.
fn one_pool_thread() -> zokio::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .enable_time()
        .build()
        .unwrap()
}

/// Occupies the pool's one thread until the returned sender is dropped or
/// sent to; returns once the job runs.
async fn hold_the_pool() -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    drop(zokio::task::spawn_blocking(move || {
        started.send(()).unwrap();
        let _ = held.recv_timeout(LIMIT);
    }));
    timeout(LIMIT, async {
        while running.try_recv().is_err() {
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the pool thread started the holding job");
    release
}

/// Waits until `path` holds `expected`, within `LIMIT`.
async fn eventually_holds(path: &std::path::Path, expected: &[u8]) {
    timeout(LIMIT, async {
        while std::fs::read(path).unwrap() != expected {
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} never held {expected:?}", path.display()));
}

#[test]
fn a_write_returns_at_once_and_flush_waits_for_the_kernel() {
    one_pool_thread().block_on(async {
        let dir = tempdir().unwrap();
        let path = dir.path().join("f");
        let mut file = File::create(&path).await.unwrap();

        let release = hold_the_pool().await;
        // The pool cannot run the write, yet `write` is done.
        let written = poll_once(file.write(b"hello")).await;
        assert!(matches!(written, Some(Ok(5))), "{written:?}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"",
            "nothing reached the kernel yet"
        );
        let mut flush = file.flush();
        assert!(
            poll_once(&mut flush).await.is_none(),
            "flush waits for the write"
        );

        drop(release);
        timeout(LIMIT, flush).await.unwrap().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    });
}

#[test]
fn dropping_a_file_with_a_write_in_flight_keeps_the_data() {
    one_pool_thread().block_on(async {
        let dir = tempdir().unwrap();
        let path = dir.path().join("f");
        let mut file = File::create(&path).await.unwrap();

        let release = hold_the_pool().await;
        file.write_all(b"kept").await.unwrap();
        drop(file);
        drop(release);
        eventually_holds(&path, b"kept").await;
    });
}

/// The same on the runtime's own backend (io_uring where available): a
/// write the kernel runs, or runs in parts, still lands.
#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_dropped_with_a_large_write_in_flight_keeps_the_data() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("f");
    let data: Vec<u8> = (0..(2 << 20) as u32).map(|i| (i % 253) as u8).collect();
    let mut file = File::create(&path).await.unwrap();
    file.write_all(&data).await.unwrap();
    drop(file);
    eventually_holds(&path, &data).await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_background_write_is_reported_by_flush_once() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, "x").unwrap();
    let std_kind = std::fs::File::open(&path)
        .unwrap()
        .write(b"y")
        .unwrap_err()
        .kind();

    // Open for reading only: the background write fails.
    let mut file = File::open(&path).await.unwrap();
    assert_eq!(
        file.write(b"y").await.unwrap(),
        1,
        "the write itself is accepted"
    );
    assert_eq!(file.flush().await.unwrap_err().kind(), std_kind);
    file.flush().await.expect("the error is reported once");
}

#[zokio::test]
async fn a_failed_background_write_is_reported_by_the_next_read_or_seek() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, "abc").unwrap();

    let mut file = File::open(&path).await.unwrap();
    file.write_all(b"y").await.unwrap();
    let mut buf = [0; 8];
    assert!(
        file.read(&mut buf).await.is_err(),
        "the read reports the write's failure"
    );
    assert_eq!(file.read(&mut buf).await.unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");

    file.write_all(b"y").await.unwrap();
    assert!(
        file.seek(SeekFrom::Start(0)).await.is_err(),
        "so does a seek"
    );
    assert_eq!(file.seek(SeekFrom::Start(1)).await.unwrap(), 1);

    file.write_all(b"y").await.unwrap();
    assert!(file.sync_all().await.is_err(), "and sync_all");
    file.sync_all().await.unwrap();
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_seeks_and_metadata_wait_for_the_write_in_flight() {
    let dir = tempdir().unwrap();
    let mut file = File::create_new(dir.path().join("f")).await.unwrap();
    file.write_all(b"0123456789").await.unwrap();
    assert_eq!(file.metadata().await.unwrap().len(), 10);
    assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 10);
    file.seek(SeekFrom::Start(4)).await.unwrap();
    let mut rest = String::new();
    file.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "456789");

    // A write after a seek lands at the seek's position.
    file.seek(SeekFrom::Start(2)).await.unwrap();
    file.write_all(b"ab").await.unwrap();
    file.sync_data().await.unwrap();
    assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"01ab456789");
}

#[test]
fn bytes_of_an_abandoned_read_are_not_lost_and_seeks_count_them() {
    one_pool_thread().block_on(async {
        let dir = tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "0123456789").unwrap();
        let mut file = File::open(&path).await.unwrap();

        let release = hold_the_pool().await;
        let mut buf = [0; 4];
        assert!(poll_once(file.read(&mut buf)).await.is_none());
        drop(release);
        // The abandoned read finishes in the background: its 4 bytes wait
        // in the file's buffer, and the OS cursor is at 4. A seek that
        // cannot account for them fails and keeps them.
        let err = timeout(LIMIT, file.seek(SeekFrom::Current(i64::MIN)))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("overflows"), "{err}");
        assert_eq!(
            file.seek(SeekFrom::Current(0)).await.unwrap(),
            0,
            "the caller has taken nothing yet"
        );
        let mut all = String::new();
        file.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "0123456789");
    });
}

#[zokio::test]
async fn set_len_keeps_the_callers_position() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("f");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap();
    file.write_all(b"hello world").await.unwrap();
    file.set_len(5).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    file.set_len(8).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"hello\0\0\0");
    assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 11);
}

#[zokio::test]
async fn large_writes_are_split_at_max_buf_size_and_all_arrive() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("big");
    let data: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut file = File::create(&path).await.unwrap();
    assert_eq!(
        file.write(&data).await.unwrap(),
        2 * 1024 * 1024,
        "2 MiB by default"
    );
    file.write_all(&data[2 * 1024 * 1024..]).await.unwrap();
    file.flush().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == data);

    let mut back = Vec::new();
    File::open(&path)
        .await
        .unwrap()
        .read_to_end(&mut back)
        .await
        .unwrap();
    assert!(back == data);
}

// Bad input: the same `io::ErrorKind` as std, never a panic.

#[zokio::test]
async fn a_missing_file_is_not_found_everywhere() {
    let dir = tempdir().unwrap();
    let missing = dir.path().join("missing");
    let std_kind = std::fs::read(&missing).unwrap_err().kind();
    assert_eq!(std_kind, ErrorKind::NotFound);
    assert_eq!(File::open(&missing).await.unwrap_err().kind(), std_kind);
    assert_eq!(fs::read(&missing).await.unwrap_err().kind(), std_kind);
    assert_eq!(
        fs::read_to_string(&missing).await.unwrap_err().kind(),
        std_kind
    );
    assert_eq!(fs::metadata(&missing).await.unwrap_err().kind(), std_kind);
    assert_eq!(
        fs::remove_file(&missing).await.unwrap_err().kind(),
        std_kind
    );
    assert_eq!(fs::remove_dir(&missing).await.unwrap_err().kind(), std_kind);
    assert_eq!(
        fs::rename(&missing, dir.path().join("x"))
            .await
            .unwrap_err()
            .kind(),
        std_kind
    );
    assert_eq!(
        fs::copy(&missing, dir.path().join("x"))
            .await
            .unwrap_err()
            .kind(),
        std_kind
    );
    assert_eq!(
        fs::canonicalize(&missing).await.unwrap_err().kind(),
        std_kind
    );
    assert_eq!(
        fs::write(dir.path().join("no/such/dir"), "x")
            .await
            .unwrap_err()
            .kind(),
        std::fs::write(dir.path().join("no/such/dir"), "x")
            .unwrap_err()
            .kind()
    );
    assert!(!fs::try_exists(&missing).await.unwrap());
}

#[zokio::test]
async fn a_directory_opened_as_a_file_fails_as_std() {
    let dir = tempdir().unwrap();
    let path = dir.path();

    let std_kind = std::fs::read(path).unwrap_err().kind();
    assert_eq!(std_kind, ErrorKind::IsADirectory);
    assert_eq!(fs::read(path).await.unwrap_err().kind(), std_kind);

    // Linux opens a directory for reading; the read is what fails.
    let mut std_file = std::fs::File::open(path).unwrap();
    let std_read = std_file.read(&mut [0; 8]).unwrap_err().kind();
    let mut file = File::open(path).await.unwrap();
    assert_eq!(file.read(&mut [0; 8]).await.unwrap_err().kind(), std_read);

    let std_create = std::fs::File::create(path).unwrap_err().kind();
    assert_eq!(File::create(path).await.unwrap_err().kind(), std_create);
    assert_eq!(fs::write(path, "x").await.unwrap_err().kind(), std_create);
    assert_eq!(
        fs::remove_file(path).await.unwrap_err().kind(),
        std::fs::remove_file(path).unwrap_err().kind()
    );
}

#[zokio::test]
async fn a_read_only_file_written_fails_as_std() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("ro");
    std::fs::write(&path, "x").unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();

    // Root may write anyway: then both succeed.
    let std_result = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .map(drop);
    let result = OpenOptions::new().write(true).open(&path).await.map(drop);
    assert_eq!(
        result.map_err(|e| e.kind()),
        std_result.map_err(|e| e.kind())
    );
    let std_result = std::fs::write(&path, "y");
    let result = fs::write(&path, "y").await;
    assert_eq!(
        result.map_err(|e| e.kind()),
        std_result.map_err(|e| e.kind())
    );
}

#[zokio::test]
async fn contents_that_are_not_utf8_are_invalid_data_as_std() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("bin");
    std::fs::write(&path, [0xff, 0xfe]).unwrap();
    let std_kind = std::fs::read_to_string(&path).unwrap_err().kind();
    assert_eq!(
        fs::read_to_string(&path).await.unwrap_err().kind(),
        std_kind
    );
}

#[zokio::test]
#[allow(clippy::nonsensical_open_options)] // the contradiction is the point
async fn contradictory_open_options_fail_as_std() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("f");
    let std_kind = std::fs::OpenOptions::new()
        .read(true)
        .truncate(true)
        .open(&path)
        .unwrap_err()
        .kind();
    let kind = OpenOptions::new()
        .read(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap_err()
        .kind();
    assert_eq!(kind, std_kind);
    assert_eq!(kind, ErrorKind::InvalidInput);
}
