//! The ring's operations on temporary files and pipes: round trips,
//! completion inside the submission, wakeups through the reaper, futures
//! dropped in flight, more operations than the ring holds, shutdown with
//! operations in flight, and setup failures that mean "no ring".

use std::future::Future;
use std::io::{self, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use zokio_core::{Driver, Unpark};

use super::*;
use crate::IoDriver;
use crate::reactor::Handle;

/// A private reactor parked in a loop on its own thread until dropped.
struct Reactor {
    handle: Handle,
    stop: Arc<AtomicBool>,
    unparker: crate::IoUnparker,
    thread: Option<thread::JoinHandle<()>>,
}

impl Reactor {
    fn start() -> Reactor {
        let mut driver = IoDriver::new().unwrap();
        let handle = driver.handle();
        let unparker = driver.unparker();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = thread::spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                driver.park(Some(Duration::from_millis(100)));
            }
            // Dropping shuts the driver, and so the ring, down.
        });
        Reactor {
            handle,
            stop,
            unparker,
            thread: Some(thread),
        }
    }

    fn ring(&self) -> Arc<Ring> {
        self.handle.file_ring().expect("io_uring is enabled here")
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.unparker.unpark();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `f` on its own thread and fails the test if it takes over 10 s.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("finished within 10 s")
}

/// Waits (at most 10 s) until `ring` has nothing in flight.
fn until_idle(ring: &Ring) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while ring.in_flight() > 0 {
        assert!(Instant::now() < deadline, "operations still in flight");
        thread::sleep(Duration::from_millis(5));
    }
}

struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, content: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "zokio-uring-{}-{name}-{:?}",
            std::process::id(),
            thread::current().id()
        ));
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }

    fn c_path(&self) -> std::ffi::CString {
        c_path(&self.0).unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn pipe() -> (FileRef, std::fs::File) {
    let (read, write) = rustix::pipe::pipe().unwrap();
    (Arc::new(read), std::fs::File::from(write))
}

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn operations_round_trip_on_a_temporary_file() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let temp = TempFile::new("round-trip", b"");
    block_on(async {
        let flags = libc::O_RDWR | libc::O_TRUNC;
        let file: FileRef = Arc::new(ring.open(temp.c_path(), flags, 0).await?);
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let (written, back) = ring
            .clone()
            .write_all_at(file.clone(), data.clone(), Some(0))
            .await;
        written?;
        assert_eq!(back, data, "the buffer comes back");
        ring.fsync(file.clone(), false).await?;
        ring.fsync(file.clone(), true).await?;
        let stat = ring.statx(StatxTarget::File(file.clone())).await?;
        assert_eq!(stat.stx_size, 100_000);
        let stat = ring.statx(StatxTarget::Path(temp.c_path())).await?;
        assert_eq!(stat.stx_size, 100_000);

        // Reads append to the spare capacity, at an offset.
        let mut buf = Vec::with_capacity(10);
        buf.extend_from_slice(b"ab");
        let (n, buf) = ring
            .read_at(file.clone(), buf, usize::MAX, Some(1000))
            .await;
        assert_eq!(n?, 8);
        assert_eq!(&buf[..2], b"ab");
        assert_eq!(&buf[2..], &data[1000..1008]);
        // At most `max`, whatever the capacity.
        let (n, small) = ring
            .read_at(file.clone(), Vec::with_capacity(64), 3, Some(0))
            .await;
        assert_eq!((n?, &small[..]), (3, &data[..3]));
        // No spare capacity: nothing read, nothing submitted.
        let (n, buf) = ring.read_at(file.clone(), buf, usize::MAX, Some(0)).await;
        assert_eq!((n?, buf.len()), (0, 10));
        // Past the end: 0.
        let (n, _) = ring
            .read_at(
                file.clone(),
                Vec::with_capacity(4),
                usize::MAX,
                Some(200_000),
            )
            .await;
        assert_eq!(n?, 0);

        let whole = ring.clone().read_file(temp.c_path()).await?;
        assert_eq!(whole, data);

        drop(file);
        let fd = ring.open(temp.c_path(), libc::O_RDONLY, 0).await?;
        ring.close(fd).await?;
        io::Result::Ok(())
    })
    .unwrap();
    until_idle(&ring);
}

#[test]
fn whole_file_reads_grow_past_the_first_read_and_read_procfs_files() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    for len in [0, 1, 16 * 1024, 16 * 1024 + 1, 1 << 20] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let temp = TempFile::new(&format!("whole-{len}"), &data);
        let read = block_on(ring.clone().read_file(temp.c_path())).unwrap();
        assert_eq!(read, data, "a file of {len} bytes");
        assert!(
            read.capacity() <= (2 * len).max(1),
            "no large spare capacity kept"
        );
    }
    // Chains gave back every direct descriptor they took.
    let free = ring.direct_free();
    assert!(
        free > 0,
        "this kernel has a sparse file table (Linux >= 5.19)"
    );
    let small = TempFile::new("whole-many", b"small");
    for _ in 0..100 {
        assert_eq!(
            block_on(ring.clone().read_file(small.c_path())).unwrap(),
            b"small"
        );
    }
    assert_eq!(ring.direct_free(), free);
    // A directory opens, and its read fails as std's does.
    let dir = c_path(&std::env::temp_dir()).unwrap();
    let err = block_on(ring.clone().read_file(dir)).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EISDIR));
    assert_eq!(ring.direct_free(), free);
    // procfs says 0 bytes and has more: read until a read returns 0.
    let status = block_on(ring.clone().read_file(c"/proc/self/status".into())).unwrap();
    assert!(String::from_utf8(status).unwrap().contains("VmRSS"));
    // Longer than the chain reads, in reads of a page at most.
    let maps = block_on(ring.clone().read_file(c"/proc/self/smaps".into())).unwrap();
    assert!(maps.len() > 2 * 16 * 1024, "smaps is long: {}", maps.len());
    assert!(maps.ends_with(b"\n"));
}

#[test]
fn reads_and_writes_at_the_file_position_advance_it() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let temp = TempFile::new("position", b"0123456789");
    block_on(async {
        let file: FileRef = Arc::new(ring.open(temp.c_path(), libc::O_RDWR, 0).await?);
        let (n, first) = ring
            .read_at(file.clone(), Vec::with_capacity(4), usize::MAX, None)
            .await;
        assert_eq!((n?, &first[..]), (4, &b"0123"[..]));
        let (n, second) = ring
            .read_at(file.clone(), Vec::with_capacity(4), usize::MAX, None)
            .await;
        assert_eq!((n?, &second[..]), (4, &b"4567"[..]));
        let (n, _) = ring.write_at(file.clone(), b"xy".to_vec(), 0, None).await;
        assert_eq!(n?, 2);
        io::Result::Ok(())
    })
    .unwrap();
    assert_eq!(std::fs::read(&temp.0).unwrap(), b"01234567xy");
}

#[test]
fn errors_come_back_as_io_errors() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let missing = std::env::temp_dir().join("zokio-uring-surely-missing/file");
    let err = block_on(ring.open(c_path(&missing).unwrap(), libc::O_RDONLY, 0)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let err = block_on(ring.clone().read_file(c_path(&missing).unwrap())).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let err = c_path(std::path::Path::new("nul\0inside")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // A write to a file opened read-only: EBADF from the kernel.
    let temp = TempFile::new("read-only", b"x");
    let (result, buf) = block_on(async {
        let file: FileRef = Arc::new(ring.open(temp.c_path(), libc::O_RDONLY, 0).await.unwrap());
        ring.write_at(file, b"no".to_vec(), 0, Some(0)).await
    });
    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert_eq!(buf, b"no", "the buffer comes back with the error");
}

#[test]
fn a_cached_read_completes_inside_its_first_poll() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let temp = TempFile::new("cached", &[7; 4096]);
    let _ = std::fs::read(&temp.0).unwrap(); // in the page cache now
    let file: FileRef = Arc::new(block_on(ring.open(temp.c_path(), libc::O_RDONLY, 0)).unwrap());
    let mut read = Box::pin(ring.read_at(file, Vec::with_capacity(4096), usize::MAX, Some(0)));
    match poll_once(&mut read) {
        Poll::Ready((n, buf)) => assert_eq!((n.unwrap(), buf), (4096, vec![7; 4096])),
        Poll::Pending => panic!("a cached read needed a wakeup"),
    }
    assert_eq!(ring.in_flight(), 0);
}

#[test]
fn the_reaper_wakes_an_operation_that_completes_later() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let (read, mut write) = pipe();
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        write.write_all(b"late").unwrap();
    });
    // The reader's thread is parked in `block_on` all along: only the
    // reaper, run by the reactor's dispatch, can wake it.
    let (n, buf) =
        within(move || block_on(ring.read_at(read, Vec::with_capacity(16), usize::MAX, None)));
    assert_eq!((n.unwrap(), &buf[..]), (4, &b"late"[..]));
    writer.join().unwrap();
}

#[test]
fn a_dropped_read_keeps_its_buffer_until_its_cancellation_completes() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let (read, mut write) = pipe();
    let mut pending =
        Box::pin(ring.read_at(read.clone(), Vec::with_capacity(64), usize::MAX, None));
    assert!(poll_once(&mut pending).is_pending());
    assert_eq!(ring.in_flight(), 1);
    drop(pending);
    // The cancellation's completion and the read's arrive; the reaper
    // frees the orphaned slot without anyone polling.
    until_idle(&ring);
    // The pipe is still usable, and nothing reads from it any more.
    write.write_all(b"after").unwrap();
    let (n, buf) = within({
        let ring = ring.clone();
        move || block_on(ring.read_at(read, Vec::with_capacity(64), usize::MAX, None))
    });
    assert_eq!((n.unwrap(), &buf[..]), (5, &b"after"[..]));
}

#[test]
fn a_dropped_write_runs_to_completion() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let (read, write) = pipe();
    let write: FileRef = Arc::new(write);
    // Fill the pipe so that the next write waits for room.
    rustix::io::ioctl_fionbio(&*write, true).unwrap();
    let filler = vec![0u8; 1 << 16];
    while rustix::io::write(&*write, &filler).is_ok() {}
    rustix::io::ioctl_fionbio(&*write, false).unwrap();
    let mut pending = Box::pin(ring.write_at(write, b"kept".to_vec(), 0, None));
    assert!(poll_once(&mut pending).is_pending());
    drop(pending);
    assert_eq!(ring.in_flight(), 1, "not cancelled: still in flight");
    // Drain the pipe: the write completes, its slot is freed.
    let mut drained = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !drained.ends_with(b"kept") {
        assert!(
            Instant::now() < deadline,
            "the dropped write never completed"
        );
        let mut chunk = vec![0u8; 1 << 16];
        let n = rustix::io::read(&*read, &mut chunk).unwrap();
        drained.extend_from_slice(&chunk[..n]);
    }
    until_idle(&ring);
}

/// Polls every future until all are done.
fn join_all<F: Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    block_on(std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match Pin::new(future).poll(cx) {
                    Poll::Ready(out) => *output = Some(out),
                    Poll::Pending => pending = true,
                }
            }
        }
        match pending {
            true => Poll::Pending,
            false => Poll::Ready(()),
        }
    }));
    outputs.into_iter().flatten().collect()
}

#[test]
fn more_operations_than_the_ring_holds_all_complete() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let (read, mut write) = pipe();
    // More one-byte reads than completions the ring holds (512): those
    // beyond wait for room.
    const READS: usize = 700;
    let reads: Vec<_> = (0..READS)
        .map(|_| Box::pin(ring.read_at(read.clone(), Vec::with_capacity(1), usize::MAX, None)))
        .collect();
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        write.write_all(&[1; READS]).unwrap();
    });
    let outputs = within(move || join_all(reads));
    writer.join().unwrap();
    let total: usize = outputs.into_iter().map(|(n, _)| n.unwrap()).sum();
    assert_eq!(total, READS);
    until_idle(&ring);
}

#[test]
fn many_concurrent_file_operations() {
    let reactor = Reactor::start();
    let ring = reactor.ring();
    let temp = TempFile::new("concurrent", &(0..=255u8).collect::<Vec<_>>());
    let file: FileRef = Arc::new(block_on(ring.open(temp.c_path(), libc::O_RDONLY, 0)).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (ring, file) = (ring.clone(), file.clone());
            thread::spawn(move || {
                let reads: Vec<_> = (0..1000u64)
                    .map(|i| {
                        Box::pin(ring.read_at(
                            file.clone(),
                            Vec::with_capacity(1),
                            usize::MAX,
                            Some(i % 256),
                        ))
                    })
                    .collect();
                for (i, (n, buf)) in join_all(reads).into_iter().enumerate() {
                    assert_eq!((n.unwrap(), buf[0]), (1, (i % 256) as u8));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(ring.in_flight(), 0);
}

#[test]
fn shutdown_cancels_operations_in_flight_and_refuses_new_ones() {
    let mut reactor = Reactor::start();
    let ring = reactor.ring();
    let (read, _write) = pipe();
    let mut pending = Box::pin(ring.read_at(read.clone(), Vec::with_capacity(8), usize::MAX, None));
    assert!(poll_once(&mut pending).is_pending());
    reactor.stop(); // drops the driver: shutdown
    assert_eq!(ring.in_flight(), 0, "shutdown waited for the cancellation");
    match poll_once(&mut pending) {
        Poll::Ready((result, _)) => {
            assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::ECANCELED))
        }
        Poll::Pending => panic!("the cancelled read is still pending"),
    }
    let (result, buf) = block_on(ring.read_at(read, Vec::with_capacity(8), usize::MAX, None));
    assert!(result.is_err(), "a ring that shut down refuses operations");
    assert_eq!(buf.capacity(), 8, "and gives the buffer back");
}

#[test]
fn a_failed_setup_means_no_ring_and_is_not_retried() {
    // The kernel refuses a ring of zero entries.
    let driver = IoDriver::new().unwrap();
    let handle = driver.handle();
    let register =
        |fd| crate::async_fd::Async::register(fd, &handle, crate::readiness::Readiness::new());
    assert!(setup(0, register).is_err());

    assert!(set_up(|_| Err(io::Error::other("no eventfd"))).is_err());

    // What a failed setup leaves on its reactor: no ring, checked once (a
    // later operation does not try again) and no shutdown to do.
    let mut driver = IoDriver::new().unwrap();
    let handle = driver.handle();
    assert!(handle.reactor.attached.set(None).is_ok());
    assert!(handle.file_ring().is_none());
    driver.shutdown();
    assert!(handle.file_ring().is_none());
}

#[test]
fn a_driver_shut_down_before_any_file_operation_sets_up_no_ring() {
    let mut driver = IoDriver::new().unwrap();
    driver.shutdown();
    assert!(driver.handle().file_ring().is_none());
}

#[test]
fn dropping_a_driver_releases_its_ring() {
    let mut driver = IoDriver::new().unwrap();
    let ring = driver.handle().file_ring().unwrap();
    let weak = Arc::downgrade(&ring);
    drop(ring);
    driver.shutdown();
    drop(driver);
    assert!(weak.upgrade().is_none(), "no cycle through the eventfd");
}

#[test]
fn completions_inside_the_submission_do_not_signal_the_eventfd() {
    // A driver nobody parks: only the eventfd's counter tells what the
    // kernel signalled.
    let driver = IoDriver::new().unwrap();
    let ring = driver.handle().file_ring().unwrap();
    let signalled = || {
        let eventfd = ring.eventfd.lock().unwrap();
        let eventfd = eventfd.as_ref().unwrap();
        rustix::io::read(eventfd.get_ref(), &mut [0u8; 8]).is_ok()
    };
    let temp = TempFile::new("quiet", &[3; 4096]);
    let _ = std::fs::read(&temp.0).unwrap();
    assert!(!signalled());
    for _ in 0..10 {
        let mut read = Box::pin(ring.clone().read_file(temp.c_path()));
        assert!(matches!(poll_once(&mut read), Poll::Ready(Ok(_))));
    }
    assert!(!signalled(), "inline completions woke the reactor");
    // A completion that comes later does signal it.
    let (read, mut write) = pipe();
    let mut pending = Box::pin(ring.read_at(read, Vec::with_capacity(4), usize::MAX, None));
    assert!(poll_once(&mut pending).is_pending());
    write.write_all(b"late").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !signalled() {
        assert!(
            Instant::now() < deadline,
            "no signal for a later completion"
        );
        thread::sleep(Duration::from_millis(1));
    }
    drop(pending);
    until_idle(&ring);
}
