//! A port of tokio's tests/io_async_fd.rs to `zokio::io::unix::AsyncFd`, with
//! std's `UnixStream::pair` for the socket pair where tokio's use nix.
//!
//! Ported: initially_writable, reset_readable, reset_writable, drop_closes,
//! reregister, guard_try_io, try_io_readable, try_io_writable, the seven
//! driver_shutdown_* tests, clear_ready_matching_clears_ready(_mut),
//! try_new, try_with_interest. Left out: multiple_waiters and poll_fns (they
//! wait with several tasks on one direction; Zokio keeps one waiter per
//! direction), priority_event_on_oob_data and the two
//! await_error_readiness_* tests (Zokio's `Interest` has no PRIORITY or
//! ERROR). Tests added below the ported ones are Zokio's.
#![cfg(all(unix, not(loom)))]
#![warn(rust_2018_idioms)]

use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio_test::{assert_err, assert_pending};
use zokio::io::Interest;
use zokio::io::unix::{AsyncFd, AsyncFdReadyGuard};

#[derive(Debug)]
struct FileDescriptor {
    fd: UnixStream,
}

impl AsRawFd for FileDescriptor {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Read for &FileDescriptor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.fd).read(buf)
    }
}

impl Read for FileDescriptor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (self as &Self).read(buf)
    }
}

impl Write for &FileDescriptor {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&self.fd).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for FileDescriptor {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (self as &Self).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (self as &Self).flush()
    }
}

fn socketpair() -> (FileDescriptor, FileDescriptor) {
    let (fd_a, fd_b) = UnixStream::pair().expect("socketpair");
    fd_a.set_nonblocking(true).unwrap();
    fd_b.set_nonblocking(true).unwrap();
    (FileDescriptor { fd: fd_a }, FileDescriptor { fd: fd_b })
}

fn drain(mut fd: &FileDescriptor, mut amt: usize) {
    let mut buf = [0u8; 512];
    while amt > 0 {
        match fd.read(&mut buf[..]) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok(0) => panic!("unexpected EOF"),
            Err(e) => panic!("unexpected error: {e:?}"),
            Ok(x) => amt -= x,
        }
    }
}

/// Fails the test instead of hanging it.
async fn bounded<F: Future>(f: F) -> F::Output {
    zokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

#[zokio::test]
async fn initially_writable() {
    let (a, b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();
    let afd_b = AsyncFd::new(b).unwrap();

    bounded(afd_a.writable()).await.unwrap().clear_ready();
    bounded(afd_b.writable()).await.unwrap().clear_ready();

    zokio::select! {
        biased;
        _ = zokio::time::sleep(Duration::from_millis(10)) => {},
        _ = afd_a.readable() => panic!("Unexpected readable state"),
        _ = afd_b.readable() => panic!("Unexpected readable state"),
    }
}

#[zokio::test]
async fn reset_readable() {
    let (a, mut b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();

    let mut readable = pin!(afd_a.readable());

    zokio::select! {
        _ = readable.as_mut() => panic!(),
        _ = zokio::time::sleep(Duration::from_millis(10)) => {}
    }

    b.write_all(b"0").unwrap();

    let mut guard = bounded(readable).await.unwrap();

    guard
        .try_io(|_| afd_a.get_ref().read(&mut [0]))
        .unwrap()
        .unwrap();

    // `a` is not readable, but the reactor still thinks it is
    // (because we have not observed a not-ready error yet)
    bounded(afd_a.readable()).await.unwrap().retain_ready();

    // Explicitly clear the ready state
    guard.clear_ready();

    let mut readable = pin!(afd_a.readable());

    zokio::select! {
        _ = readable.as_mut() => panic!(),
        _ = zokio::time::sleep(Duration::from_millis(10)) => {}
    }

    b.write_all(b"0").unwrap();

    // We can observe the new readable event
    bounded(afd_a.readable()).await.unwrap().clear_ready();
}

#[zokio::test]
async fn reset_writable() {
    let (a, b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();

    let mut guard = bounded(afd_a.writable()).await.unwrap();

    // Write until we get a WouldBlock. This also clears the ready state.
    let mut bytes = 0;
    while let Ok(Ok(amt)) = guard.try_io(|_| afd_a.get_ref().write(&[0; 512][..])) {
        bytes += amt;
    }

    // Writable state should be cleared now.
    let mut writable = pin!(afd_a.writable());

    zokio::select! {
        _ = writable.as_mut() => panic!(),
        _ = zokio::time::sleep(Duration::from_millis(10)) => {}
    }

    // Read from the other side; we should become writable now.
    drain(&b, bytes);

    let _ = bounded(writable).await.unwrap();
}

#[derive(Debug)]
struct ArcFd<T>(Arc<T>);
impl<T: AsRawFd> AsRawFd for ArcFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

#[zokio::test]
async fn drop_closes() {
    let (a, mut b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();

    assert_eq!(
        ErrorKind::WouldBlock,
        b.read(&mut [0]).err().unwrap().kind()
    );

    std::mem::drop(afd_a);

    assert_eq!(0, b.read(&mut [0]).unwrap());

    // into_inner does not close the fd

    let (a, mut b) = socketpair();
    let afd_a = AsyncFd::new(a).unwrap();
    let _a: FileDescriptor = afd_a.into_inner();

    assert_eq!(
        ErrorKind::WouldBlock,
        b.read(&mut [0]).err().unwrap().kind()
    );

    // Drop closure behavior is delegated to the inner object
    let (a, mut b) = socketpair();
    let arc_fd = Arc::new(a);
    let afd_a = AsyncFd::new(ArcFd(arc_fd.clone())).unwrap();
    std::mem::drop(afd_a);

    assert_eq!(
        ErrorKind::WouldBlock,
        b.read(&mut [0]).err().unwrap().kind()
    );

    std::mem::drop(arc_fd);
}

#[zokio::test]
async fn reregister() {
    let (a, _b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();
    let a = afd_a.into_inner();
    AsyncFd::new(a).unwrap();
}

#[zokio::test]
async fn guard_try_io() {
    let (a, mut b) = socketpair();

    b.write_all(b"0").unwrap();

    let afd_a = AsyncFd::new(a).unwrap();

    let mut guard = bounded(afd_a.readable()).await.unwrap();

    afd_a.get_ref().read_exact(&mut [0]).unwrap();

    // Should not clear the readable state
    let _ = guard.try_io(|_| Ok(()));

    // Still readable...
    let _ = bounded(afd_a.readable()).await.unwrap();

    // Should clear the readable state
    let _ = guard.try_io(|_| io::Result::<()>::Err(ErrorKind::WouldBlock.into()));

    // Assert not readable
    let mut readable = pin!(afd_a.readable());

    zokio::select! {
        _ = readable.as_mut() => panic!(),
        _ = zokio::time::sleep(Duration::from_millis(10)) => {}
    }

    // Write something down b again and make sure we're reawoken
    b.write_all(b"0").unwrap();
    let _ = bounded(readable).await.unwrap();
}

#[zokio::test]
async fn try_io_readable() {
    let (a, mut b) = socketpair();
    let mut afd_a = AsyncFd::new(a).unwrap();

    // Give the runtime some time to update bookkeeping.
    // Zokio: a yield does not poll the reactor (Tokio defers yielded
    // tasks behind a driver poll); a short wait does.
    settle().await;

    {
        let mut called = false;
        let _ = afd_a.try_io_mut(Interest::READABLE, |_| {
            called = true;
            Ok(())
        });
        assert!(
            !called,
            "closure should not have been called, since socket should not be readable"
        );
    }

    // Make `a` readable by writing to `b`.
    // Give the runtime some time to update bookkeeping.
    b.write_all(&[0]).unwrap();
    // Zokio: a yield does not poll the reactor (Tokio defers yielded
    // tasks behind a driver poll); a short wait does.
    settle().await;

    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::READABLE, |_| {
            called = true;
            Ok(())
        });
        assert!(
            called,
            "closure should have been called, since socket should have data available to read"
        );
    }

    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::READABLE, |_| {
            called = true;
            io::Result::<()>::Err(ErrorKind::WouldBlock.into())
        });
        assert!(
            called,
            "closure should have been called, since socket should have data available to read"
        );
    }

    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::READABLE, |_| {
            called = true;
            Ok(())
        });
        assert!(
            !called,
            "closure should not have been called, since socket readable state should have been cleared"
        );
    }
}

#[zokio::test]
async fn try_io_writable() {
    let (a, _b) = socketpair();
    let afd_a = AsyncFd::new(a).unwrap();

    // Give the runtime some time to update bookkeeping.
    // Zokio: a yield does not poll the reactor (Tokio defers yielded
    // tasks behind a driver poll); a short wait does.
    settle().await;

    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::WRITABLE, |_| {
            called = true;
            Ok(())
        });
        assert!(
            called,
            "closure should have been called, since socket should still be marked as writable"
        );
    }
    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::WRITABLE, |_| {
            called = true;
            io::Result::<()>::Err(ErrorKind::WouldBlock.into())
        });
        assert!(
            called,
            "closure should have been called, since socket should still be marked as writable"
        );
    }

    {
        let mut called = false;
        let _ = afd_a.try_io(Interest::WRITABLE, |_| {
            called = true;
            Ok(())
        });
        assert!(
            !called,
            "closure should not have been called, since socket writable state should have been cleared"
        );
    }
}

/// Lets the runtime park on its reactor once, so readiness that the kernel
/// has reports reaches the registration.
async fn settle() {
    zokio::time::sleep(Duration::from_millis(5)).await;
}

fn assert_pending<T: std::fmt::Debug, F: Future<Output = T>>(f: F) -> std::pin::Pin<Box<F>> {
    let mut pinned = Box::pin(f);

    assert_pending!(
        pinned
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    );

    pinned
}

fn rt() -> zokio::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A runtime that can be dropped on another thread (Zokio's current-thread
/// runtime is `!Send`; tokio's is `Send`).
fn rt_send() -> zokio::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// `block_on` outside any runtime, bounded so a missed wake fails the test.
fn block_on<F: Future>(f: F) -> F::Output {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut f = pin!(f);
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn driver_shutdown_wakes_currently_pending() {
    let rt = rt();

    let (a, _b) = socketpair();
    let afd_a = {
        let _enter = rt.enter();
        AsyncFd::new(a).unwrap()
    };

    let readable = assert_pending(afd_a.readable());

    std::mem::drop(rt);

    // The future was initialized **before** dropping the rt
    assert_err!(block_on(readable));

    // The future is initialized **after** dropping the rt.
    assert_err!(block_on(afd_a.readable()));
}

#[test]
fn driver_shutdown_wakes_future_pending() {
    let rt = rt();

    let (a, _b) = socketpair();
    let afd_a = {
        let _enter = rt.enter();
        AsyncFd::new(a).unwrap()
    };

    std::mem::drop(rt);

    assert_err!(block_on(afd_a.readable()));
}

#[test]
fn driver_shutdown_wakes_pending_race() {
    for _ in 0..100 {
        let rt = rt_send();

        let (a, _b) = socketpair();
        let afd_a = {
            let _enter = rt.enter();
            AsyncFd::new(a).unwrap()
        };

        let _ = std::thread::spawn(move || std::mem::drop(rt));

        // This may or may not return an error (but will be awoken)
        let _ = block_on(afd_a.readable());

        // However retrying will always return an error
        assert_err!(block_on(afd_a.readable()));
    }
}

async fn poll_readable<T: AsRawFd>(fd: &AsyncFd<T>) -> std::io::Result<AsyncFdReadyGuard<'_, T>> {
    std::future::poll_fn(|cx| fd.poll_read_ready(cx)).await
}

async fn poll_writable<T: AsRawFd>(fd: &AsyncFd<T>) -> std::io::Result<AsyncFdReadyGuard<'_, T>> {
    std::future::poll_fn(|cx| fd.poll_write_ready(cx)).await
}

#[test]
fn driver_shutdown_wakes_currently_pending_polls() {
    let rt = rt();

    let (a, _b) = socketpair();
    let afd_a = {
        let _enter = rt.enter();
        AsyncFd::new(a).unwrap()
    };

    while afd_a.get_ref().write(&[0; 512]).is_ok() {} // make not writable

    let readable = assert_pending(poll_readable(&afd_a));
    let writable = assert_pending(poll_writable(&afd_a));

    std::mem::drop(rt);

    // Attempting to poll readiness when the rt is dropped is an error
    assert_err!(block_on(readable));
    assert_err!(block_on(writable));
}

#[test]
fn driver_shutdown_wakes_poll() {
    let rt = rt();

    let (a, _b) = socketpair();
    let afd_a = {
        let _enter = rt.enter();
        AsyncFd::new(a).unwrap()
    };

    std::mem::drop(rt);

    assert_err!(block_on(poll_readable(&afd_a)));
    assert_err!(block_on(poll_writable(&afd_a)));
}

#[test]
fn driver_shutdown_then_clear_readiness() {
    let rt = rt();

    let (a, _b) = socketpair();
    let afd_a = {
        let _enter = rt.enter();
        AsyncFd::new(a).unwrap()
    };

    let mut write_ready = rt.block_on(bounded(afd_a.writable())).unwrap();

    std::mem::drop(rt);

    write_ready.clear_ready();
}

#[test]
fn driver_shutdown_wakes_poll_race() {
    for _ in 0..100 {
        let rt = rt_send();

        let (a, _b) = socketpair();
        let afd_a = {
            let _enter = rt.enter();
            AsyncFd::new(a).unwrap()
        };

        while afd_a.get_ref().write(&[0; 512]).is_ok() {} // make not writable

        let _ = std::thread::spawn(move || std::mem::drop(rt));

        // The poll variants will always return an error in this case
        assert_err!(block_on(poll_readable(&afd_a)));
        assert_err!(block_on(poll_writable(&afd_a)));
    }
}

#[zokio::test]
async fn clear_ready_matching_clears_ready() {
    use zokio::io::{Interest, Ready};

    let (a, mut b) = socketpair();

    let afd_a = AsyncFd::new(a).unwrap();
    b.write_all(b"0").unwrap();

    let mut guard = bounded(afd_a.ready(Interest::READABLE | Interest::WRITABLE))
        .await
        .unwrap();

    assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE);

    guard.clear_ready_matching(Ready::READABLE);
    assert_eq!(guard.ready(), Ready::WRITABLE);

    guard.clear_ready_matching(Ready::WRITABLE);
    assert_eq!(guard.ready(), Ready::EMPTY);
}

#[zokio::test]
async fn clear_ready_matching_clears_ready_mut() {
    use zokio::io::{Interest, Ready};

    let (a, mut b) = socketpair();

    let mut afd_a = AsyncFd::new(a).unwrap();
    b.write_all(b"0").unwrap();

    let mut guard = bounded(afd_a.ready_mut(Interest::READABLE | Interest::WRITABLE))
        .await
        .unwrap();

    assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE);

    guard.clear_ready_matching(Ready::READABLE);
    assert_eq!(guard.ready(), Ready::WRITABLE);

    guard.clear_ready_matching(Ready::WRITABLE);
    assert_eq!(guard.ready(), Ready::EMPTY);
}

#[derive(Debug, PartialEq, Eq)]
struct InvalidSource;

impl AsRawFd for InvalidSource {
    fn as_raw_fd(&self) -> RawFd {
        -1
    }
}

#[zokio::test]
async fn try_new() {
    let original = Arc::new(InvalidSource);

    let error = AsyncFd::try_new(original.clone()).unwrap_err();
    let (returned, _cause) = error.into_parts();

    assert!(Arc::ptr_eq(&original, &returned));
}

#[zokio::test]
async fn try_with_interest() {
    let original = Arc::new(InvalidSource);

    let error = AsyncFd::try_with_interest(original.clone(), Interest::READABLE).unwrap_err();
    let (returned, _cause) = error.into_parts();

    assert!(Arc::ptr_eq(&original, &returned));
}

// Zokio's own tests.

/// Waiting for an interest the descriptor was not registered for is an
/// error, not a hang or a panic.
#[zokio::test]
async fn waiting_outside_the_registered_interest_is_an_error() {
    let (a, _b) = socketpair();
    let afd_a = AsyncFd::with_interest(a, Interest::READABLE).unwrap();
    let err = bounded(afd_a.writable()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = afd_a.try_io(Interest::WRITABLE, |_| Ok(())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// A hang-up is final readiness: `READ_CLOSED`, and clearing keeps it.
#[zokio::test]
async fn a_hang_up_is_read_closed_and_survives_a_clear() {
    let (a, b) = socketpair();
    let afd_a = AsyncFd::new(a).unwrap();
    drop(b);
    let mut guard = bounded(afd_a.readable()).await.unwrap();
    assert!(guard.ready().is_read_closed());
    guard.clear_ready();
    let guard = bounded(afd_a.readable()).await.unwrap();
    assert!(guard.ready().is_read_closed());
}

/// `AsyncFd` works standalone, under another executor.
#[test]
fn works_under_another_executor() {
    let (a, mut b) = socketpair();
    futures_lite::future::block_on(bounded_std(async {
        let afd_a = AsyncFd::new(a).unwrap();
        b.write_all(b"x").unwrap();
        let mut buf = [0; 1];
        let n = afd_a
            .async_io(Interest::READABLE, |mut fd| fd.read(&mut buf))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }));
}

/// A bound on a future that needs no runtime timer.
async fn bounded_std<F: Future>(f: F) -> F::Output {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut f = pin!(f);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = f.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        assert!(std::time::Instant::now() < deadline, "timed out");
        // Re-poll soon: the deadline is checked on each poll.
        let waker = cx.waker().clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            waker.wake();
        });
        Poll::Pending
    })
    .await
}
