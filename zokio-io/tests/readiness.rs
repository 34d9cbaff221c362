//! The readiness path: no busy loop after `WouldBlock`, no missed wakeup, and
//! the cooperative budget.
#![cfg(not(loom))]

use std::future::Future;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use futures_lite::future::block_on;
use futures_lite::io::AsyncRead;
use zokio_core::budget;
use zokio_io::Async;
use zokio_io::net::UnixStream;

fn watchdog<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("the test did not finish in time")
}

/// Counts how often the inner future is polled.
struct CountPolls<F> {
    inner: F,
    polls: usize,
}

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = (F::Output, usize);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let polls = self.polls;
        Pin::new(&mut self.inner).poll(cx).map(|out| (out, polls))
    }
}

#[test]
fn a_read_that_would_block_waits_without_spinning() {
    let (polls, data) = watchdog(10, || {
        let (a, mut b) = StdUnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        let writer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            b.write_all(b"late").unwrap();
            b
        });
        let mut buf = [0; 4];
        let read = Box::pin(a.read_with(|mut s| s.read(&mut buf)));
        let (n, polls) = block_on(CountPolls {
            inner: read,
            polls: 0,
        });
        drop(writer.join().unwrap());
        (polls, buf[..n.unwrap()].to_vec())
    });
    assert_eq!(data, b"late");
    // One poll that found WouldBlock and waited, one after the event. A
    // re-arm bug shows as hundreds of polls (spinning) or as a hang.
    assert!(polls <= 3, "polled {polls} times");
}

#[test]
fn readiness_taken_by_another_reader_is_rearmed() {
    watchdog(10, || {
        let (a, mut b) = StdUnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        b.write_all(b"x").unwrap();
        block_on(async {
            a.readable().await.unwrap();
            // Someone else consumes the data behind the reactor's back.
            let mut other = a.get_ref();
            other.read_exact(&mut [0; 1]).unwrap();
            let writer = thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                b.write_all(b"y").unwrap();
                b
            });
            let mut got = [0; 1];
            let n = a.read_with(|mut s| s.read(&mut got)).await.unwrap();
            assert_eq!(&got[..n], b"y");
            drop(writer.join().unwrap());
        });
    });
}

#[test]
fn readable_after_a_partial_read_completes() {
    watchdog(10, || {
        let (a, mut b) = StdUnixStream::pair().unwrap();
        let a = Async::new(a).unwrap();
        b.write_all(b"xy").unwrap();
        block_on(async {
            a.readable().await.unwrap();
            a.get_ref().read_exact(&mut [0; 1]).unwrap();
            // One byte is still there: readable must see it, not wait for a
            // new edge that will never come.
            a.readable().await.unwrap();
            let mut rest = [0; 1];
            a.get_ref().read_exact(&mut rest).unwrap();
            assert_eq!(&rest, b"y");
            a.writable().await.unwrap();
        });
        drop(b);
    });
}

#[test]
fn every_completed_read_spends_budget() {
    let (mut a, b) = UnixStream::pair().unwrap();
    let total = budget::TASK_BUDGET as usize + 50;
    block_on(async {
        futures_lite::io::AsyncWriteExt::write_all(&mut &b, &vec![7u8; total])
            .await
            .unwrap();
    });
    // Let the data land before reading, so every read finds some.
    let mut cx = Context::from_waker(Waker::noop());
    let mut reads = 0;
    budget::with_task_budget(|| {
        loop {
            let mut byte = [0; 1];
            match Pin::new(&mut a).poll_read(&mut cx, &mut byte) {
                Poll::Ready(Ok(1)) => reads += 1,
                Poll::Ready(other) => panic!("unexpected read result {other:?}"),
                Poll::Pending => break,
            }
        }
    });
    assert_eq!(
        reads,
        budget::TASK_BUDGET as usize,
        "the budget forced a yield"
    );
    // A fresh poll may go on.
    let mut byte = [0; 1];
    let again = budget::with_task_budget(|| Pin::new(&mut a).poll_read(&mut cx, &mut byte));
    assert!(matches!(again, Poll::Ready(Ok(1))));
    drop(b);
}

#[test]
fn a_short_read_clears_readiness_without_missing_later_data() {
    use futures_lite::io::AsyncReadExt;
    watchdog(10, || {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut b = b.into_std();
        b.set_nonblocking(false).unwrap();
        block_on(async {
            b.write_all(b"ab").unwrap();
            let mut buf = [0; 16];
            // A short read: two bytes into sixteen...
            assert_eq!(a.read(&mut buf).await.unwrap(), 2);
            let writer = thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                b.write_all(b"cd").unwrap();
                b
            });
            // ...then the next read waits for the new data and gets it.
            assert_eq!(a.read(&mut buf).await.unwrap(), 2);
            assert_eq!(&buf[..2], b"cd");
            drop(writer.join().unwrap());
        });
    });
}
