//! loom models of the driver's park protocol: a timer armed while the
//! driver is deciding how long to park, or already parked, is never missed.

use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

use crate::{Sleep, TimeDriver};
use loom::thread;
use zokio_core::{Driver, ThreadParker};

fn poll(sleep: Pin<&mut Sleep>) -> bool {
    std::future::Future::poll(sleep, &mut Context::from_waker(Waker::noop())).is_ready()
}

#[test]
fn a_timer_armed_during_a_park_ends_the_park() {
    loom::model(|| {
        // Auto-advance on: a driver that finds the timer before it parks
        // jumps to it instead of parking for a real millisecond, which loom
        // cannot model.
        let driver = TimeDriver::with_shards(ThreadParker::new(), 1);
        let handle = driver.handle();
        handle.pause();
        // In the future (a deadline already reached completes in its first
        // poll without touching the wheel or the driver).
        let deadline = handle.now() + Duration::from_millis(1);
        // Parks with no timer armed: only the arm below can end this park.
        // If its unpark were lost, loom would report the deadlock.
        let mut driver = driver;
        let t = thread::spawn(move || {
            driver.park(None);
            driver
        });
        let mut sleep = Box::pin(handle.sleep_until(deadline));
        assert!(!poll(sleep.as_mut()), "the paused clock has not reached it");
        let driver = t.join().unwrap();
        handle.advance(Duration::from_millis(1));
        assert!(sleep.is_elapsed(), "armed in the wheel the driver serves");
        drop(driver);
    });
}

#[test]
fn two_shards_armed_from_two_threads_are_both_seen() {
    loom::model(|| {
        let mut driver = TimeDriver::with_shards(ThreadParker::new(), 2);
        driver.set_auto_advance(false);
        let handle = driver.handle();
        handle.pause();
        let deadline = handle.now() + Duration::from_millis(1);
        let other = {
            let handle = handle.clone();
            thread::spawn(move || {
                let mut sleep = Box::pin(handle.sleep_until(deadline));
                assert!(!poll(sleep.as_mut()));
                sleep
            })
        };
        let mut mine = Box::pin(handle.sleep_until(deadline));
        assert!(!poll(mine.as_mut()));
        let theirs = other.join().unwrap();
        handle.advance(Duration::from_millis(1));
        driver.park(Some(Duration::ZERO));
        assert!(mine.is_elapsed() && theirs.is_elapsed());
        assert_eq!(handle.armed_timers(), 0);
    });
}
