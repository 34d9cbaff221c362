//! The test clock: pause, advance, resume, auto-advance.
#![cfg(not(loom))]

mod util;

use std::pin::pin;
use std::task::Waker;
use std::time::Duration;

use util::{block_on_driver, poll_once};
use zokio_core::ThreadParker;
use zokio_time::{Instant, TimeDriver, clock};

#[test]
fn paused_time_stands_still_and_moves_only_when_advanced() {
    let driver = TimeDriver::new(ThreadParker::new());
    let _guard = driver.handle().enter();
    clock::pause();
    assert!(clock::is_paused());
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(3));
    assert_eq!(Instant::now(), t0);
    clock::advance(Duration::from_secs(10));
    assert_eq!(Instant::now() - t0, Duration::from_secs(10));
    clock::resume();
    assert!(!clock::is_paused());
    std::thread::sleep(Duration::from_millis(2));
    let t1 = Instant::now();
    assert!(t1 - t0 >= Duration::from_secs(10) + Duration::from_millis(2));
    assert!(
        t1 - t0 < Duration::from_secs(3600),
        "resumes from where it was"
    );
}

#[test]
fn advance_fires_due_timers_on_the_calling_thread() {
    let driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let _guard = handle.enter();
    clock::pause();
    let mut sleep = pin!(zokio_time::sleep(Duration::from_secs(86_400)));
    assert!(poll_once(sleep.as_mut(), Waker::noop()).is_pending());
    clock::advance(Duration::from_secs(86_399));
    assert!(!sleep.is_elapsed());
    clock::advance(Duration::from_secs(1));
    assert!(sleep.is_elapsed());
}

#[test]
fn an_idle_driver_auto_advances_paused_time() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    handle.pause();
    let t0 = handle.now();
    // Would take a day of real time without auto-advance.
    block_on_driver(&mut driver, async {
        zokio_time::sleep(Duration::from_secs(86_400)).await;
        let r = zokio_time::timeout(Duration::from_secs(60), std::future::pending::<()>()).await;
        assert!(r.is_err());
    });
    assert_eq!(handle.now() - t0, Duration::from_secs(86_400 + 60));
}
