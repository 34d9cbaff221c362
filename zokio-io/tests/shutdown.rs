//! Shutting a driver down, or dropping a source, wakes whoever waits on it.
#![cfg(not(loom))]

use std::future::poll_fn;
use std::io::{self, Read};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use futures_lite::future::block_on;
use futures_lite::io::AsyncReadExt;
use zokio_core::Driver;
use zokio_io::net::{TcpListener, UnixStream};
use zokio_io::{Async, Handle, IoDriver};

/// Parks `driver` on its own thread until told to stop, then drops it (which
/// shuts it down).
fn run_driver(mut driver: IoDriver) -> (Arc<AtomicBool>, thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = thread::spawn(move || {
        while !flag.load(Ordering::SeqCst) {
            driver.park(Some(Duration::from_millis(5)));
        }
        driver.shutdown();
        drop(driver);
    });
    (stop, thread)
}

#[test]
fn shutdown_wakes_pending_read_and_accept_with_an_error() {
    let driver = IoDriver::new().unwrap();
    let handle = driver.handle();
    let (listener, (mut reader, _writer)) = {
        let _enter = handle.enter();
        let listener = block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        (listener, UnixStream::pair().unwrap())
    };
    let (stop, driver_thread) = run_driver(driver);

    let (started_tx, started_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        block_on(async {
            let read = async {
                let mut buf = [0; 1];
                started_tx.send(()).unwrap();
                reader.read(&mut buf).await
            };
            let accept = listener.accept();
            let (read, accept) = futures_lite::future::zip(read, accept).await;
            (read.map(drop), accept.map(drop))
        })
    });
    started_rx.recv().unwrap();
    thread::sleep(Duration::from_millis(50)); // let both futures wait
    stop.store(true, Ordering::SeqCst);
    driver_thread.join().unwrap();

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(waiter.join().unwrap()).unwrap());
    let (read, accept) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("waiters were not woken by the shutdown");
    assert!(read.unwrap_err().to_string().contains("shut down"));
    assert!(accept.unwrap_err().to_string().contains("shut down"));
}

#[test]
fn registering_after_shutdown_is_an_error() {
    let mut driver = IoDriver::new().unwrap();
    let handle = driver.handle();
    driver.shutdown();
    let _enter = handle.enter();
    let err = UnixStream::pair().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Other);
    drop(driver);
}

#[test]
fn dropping_an_async_wakes_its_waiter() {
    let (a, _b) = StdUnixStream::pair().unwrap();
    // Shared so another task can drop it while this one waits on it.
    let shared = Arc::new(Mutex::new(Some(Async::new(a).unwrap())));
    let (waiting_tx, waiting_rx) = mpsc::channel();
    let waiter = {
        let shared = shared.clone();
        thread::spawn(move || {
            block_on(poll_fn(|cx| {
                let guard = shared.lock().unwrap();
                let Some(source) = guard.as_ref() else {
                    return Poll::Ready("dropped");
                };
                match source.poll_read_with(cx, |mut s| s.read(&mut [0; 1])) {
                    Poll::Pending => {
                        let _ = waiting_tx.send(());
                        Poll::Pending
                    }
                    Poll::Ready(_) => Poll::Ready("read"),
                }
            }))
        })
    };
    waiting_rx.recv().unwrap();
    drop(shared.lock().unwrap().take());

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(waiter.join().unwrap()).unwrap());
    let outcome = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the waiter was not woken when the source was dropped");
    assert_eq!(outcome, "dropped");
}

#[test]
fn handle_enter_nests_and_restores() {
    let a = IoDriver::new().unwrap();
    let b = IoDriver::new().unwrap();
    assert!(Handle::try_current().is_err());
    let outer = a.handle().enter();
    {
        let _inner = b.handle().enter();
        assert!(Handle::try_current().is_ok());
    }
    assert!(Handle::try_current().is_ok());
    drop(outer);
    assert!(Handle::try_current().is_err());
}
