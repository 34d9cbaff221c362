//! loom models of a timer entry's protocol: a fire racing a cancel, a reset
//! (later, lock-free; earlier, locked) or a poll on another thread.

use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crate::{Handle, Sleep, TimeDriver};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use zokio_core::ThreadParker;

const MS: Duration = Duration::from_millis(1);

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (StdArc<Count>, Waker) {
    let c = StdArc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn poll(sleep: Pin<&mut Sleep>, waker: &Waker) -> Poll<()> {
    std::future::Future::poll(sleep, &mut Context::from_waker(waker))
}

/// A paused driver and a sleep armed `after` from now.
fn armed(after: Duration, waker: &Waker) -> (TimeDriver<ThreadParker>, Handle, Pin<Box<Sleep>>) {
    let driver = TimeDriver::with_shards(ThreadParker::new(), 1);
    let handle = driver.handle();
    handle.pause();
    let mut sleep = Box::pin(handle.sleep(after));
    assert!(poll(sleep.as_mut(), waker).is_pending());
    (driver, handle, sleep)
}

/// Fires what is due after `by` on another thread.
fn fire_on_another_thread(handle: &Handle, by: Duration) -> thread::JoinHandle<()> {
    let handle = handle.clone();
    thread::spawn(move || handle.advance(by))
}

#[test]
fn fire_races_cancel() {
    loom::model(|| {
        let (count, waker) = counting();
        let (_driver, handle, sleep) = armed(MS, &waker);
        let t = fire_on_another_thread(&handle, MS);
        drop(sleep);
        t.join().unwrap();
        assert_eq!(handle.armed_timers(), 0);
        assert!(count.0.load(Ordering::SeqCst) <= 1);
    });
}

#[test]
fn fire_races_reset_later() {
    loom::model(|| {
        let (_count, waker) = counting();
        let (_driver, handle, mut sleep) = armed(MS, &waker);
        let later = handle.now() + 5 * MS;
        let t = fire_on_another_thread(&handle, MS);
        sleep.as_mut().reset(later);
        t.join().unwrap();
        // Whichever came first, the sleep now waits for its new deadline.
        assert!(!sleep.is_elapsed());
        assert!(poll(sleep.as_mut(), &waker).is_pending());
        handle.advance(4 * MS);
        assert!(sleep.is_elapsed());
        assert_eq!(handle.armed_timers(), 0);
    });
}

#[test]
fn fire_races_reset_earlier() {
    loom::model(|| {
        let (_count, waker) = counting();
        let (_driver, handle, mut sleep) = armed(5 * MS, &waker);
        let earlier = handle.now() + MS;
        let t = fire_on_another_thread(&handle, 2 * MS);
        sleep.as_mut().reset(earlier);
        t.join().unwrap();
        handle.advance(Duration::ZERO);
        assert!(sleep.is_elapsed(), "the earlier deadline has passed");
        assert_eq!(handle.armed_timers(), 0);
    });
}

#[test]
fn fire_races_poll_without_losing_the_wake() {
    loom::model(|| {
        let (count, waker) = counting();
        let (_driver, handle, mut sleep) = armed(MS, &waker);
        let t = fire_on_another_thread(&handle, MS);
        let first = poll(sleep.as_mut(), &waker);
        t.join().unwrap();
        if first.is_pending() {
            assert!(count.0.load(Ordering::SeqCst) >= 1, "the wake was lost");
        }
        assert!(poll(sleep.as_mut(), &waker).is_ready());
    });
}
