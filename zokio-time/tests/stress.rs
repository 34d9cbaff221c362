//! Several threads arm, reset, cancel and await timers at once while another
//! thread drives the wheel: nothing completes early, nothing is lost, nothing
//! is left behind. Bounded to a few hundred operations per thread.
#![cfg(not(loom))]

mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use util::poll_once;
use zokio_core::{Driver, ThreadParker, Unpark};
use zokio_time::{Instant, Sleep, TimeDriver};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn micros(&mut self, max: u64) -> Duration {
        Duration::from_micros(self.below(max))
    }
}

#[test]
fn concurrent_arm_reset_cancel_and_fire() {
    let mut driver = TimeDriver::new(ThreadParker::new());
    let handle = driver.handle();
    let unparker = driver.unparker();
    let stop = Arc::new(AtomicBool::new(false));
    let driving = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                driver.park(None);
            }
            driver
        })
    };
    // Sleeps armed on one thread and awaited (or dropped) on another.
    let (handoff_tx, handoff_rx) = mpsc::channel::<std::pin::Pin<Box<Sleep>>>();
    let receiver = {
        let handle = handle.clone();
        std::thread::spawn(move || {
            let _guard = handle.enter();
            let mut n = 0;
            for (i, sleep) in handoff_rx.into_iter().enumerate() {
                if i % 2 == 0 {
                    let deadline = sleep.deadline();
                    zokio_core::block_on(sleep);
                    assert!(Instant::now() >= deadline);
                }
                n += 1;
            }
            n
        })
    };
    let workers: Vec<_> = (0..3u64)
        .map(|t| {
            let handle = handle.clone();
            let handoff = handoff_tx.clone();
            std::thread::spawn(move || {
                let _guard = handle.enter();
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                for _ in 0..500 {
                    match rng.below(5) {
                        0 => {
                            let d = rng.micros(2_000);
                            let start = Instant::now();
                            zokio_core::block_on(zokio_time::sleep(d));
                            assert!(Instant::now() >= start + d);
                        }
                        1 => {
                            let mut sleep = Box::pin(zokio_time::sleep(rng.micros(3_000)));
                            let _ = poll_once(sleep.as_mut(), std::task::Waker::noop());
                            let deadline = Instant::now() + rng.micros(2_000);
                            sleep.as_mut().reset(deadline);
                            zokio_core::block_on(sleep.as_mut());
                            assert!(Instant::now() >= deadline);
                        }
                        2 => {
                            let mut sleep = Box::pin(zokio_time::sleep(rng.micros(1_000)));
                            let _ = poll_once(sleep.as_mut(), std::task::Waker::noop());
                            drop(sleep);
                        }
                        3 => {
                            let limit = rng.micros(1_500);
                            let work = rng.micros(1_500);
                            let start = Instant::now();
                            let r = zokio_core::block_on(zokio_time::timeout(
                                limit,
                                zokio_time::sleep(work),
                            ));
                            let took = Instant::now() - start;
                            match r {
                                Ok(()) => assert!(took >= work),
                                Err(_) => assert!(took >= limit),
                            }
                        }
                        _ => {
                            let mut sleep = Box::pin(zokio_time::sleep(rng.micros(2_000)));
                            let _ = poll_once(sleep.as_mut(), std::task::Waker::noop());
                            handoff.send(sleep).unwrap();
                        }
                    }
                }
            })
        })
        .collect();
    drop(handoff_tx);
    for w in workers {
        w.join().unwrap();
    }
    let handed_off = receiver.join().unwrap();
    assert!(handed_off > 0);
    stop.store(true, Ordering::SeqCst);
    unparker.unpark();
    let driver = driving.join().unwrap();
    assert_eq!(
        driver.handle().armed_timers(),
        0,
        "a cancelled timer was left behind"
    );
}
