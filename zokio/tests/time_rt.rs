//! A port of tokio's tests/rt_time_start_paused.rs (its one test), and of the
//! timer tests of tokio's tests/rt_common.rs (`sleep_at_root`,
//! `sleep_in_spawn`, `sleep_from_blocking`), run as there on the
//! current-thread runtime and on the multi-thread runtime with one and with
//! several workers. `futures_lite::future::block_on` stands in for the futures
//! crate's executor. The other timer use in rt_common.rs (`always_active_parker`,
//! two threads calling `block_on` on one runtime) tests the scheduler, not
//! the timers, and is left to the runtime's own tests.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use zokio::time::{Duration, Instant};

#[zokio::test(start_paused = true)]
async fn test_start_paused() {
    let now = Instant::now();

    // Pause a few times w/ std sleep and ensure `now` stays the same
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(now, Instant::now());
    }
}

macro_rules! rt_test {
    ($($flavor:ident: $runtime:ty => $build:expr;)*) => {$(
        mod $flavor {
            use std::time::{Duration, Instant};
            use zokio::sync::oneshot;
            use zokio::time;

            fn rt() -> $runtime {
                $build
            }

            #[test]
            fn sleep_at_root() {
                let rt = rt();

                let now = Instant::now();
                let dur = Duration::from_millis(50);

                rt.block_on(async move {
                    time::sleep(dur).await;
                });

                assert!(now.elapsed() >= dur);
            }

            #[test]
            fn sleep_in_spawn() {
                let rt = rt();

                let now = Instant::now();
                let dur = Duration::from_millis(50);

                rt.block_on(async move {
                    let (tx, rx) = oneshot::channel();

                    zokio::spawn(async move {
                        time::sleep(dur).await;
                        assert!(tx.send(()).is_ok());
                    });

                    assert!(rx.await.is_ok());
                });

                assert!(now.elapsed() >= dur);
            }

            #[test]
            fn sleep_from_blocking() {
                let rt = rt();

                rt.block_on(async move {
                    let job = zokio::task::spawn_blocking(|| {
                        let now = std::time::Instant::now();
                        let dur = Duration::from_millis(1);

                        // use futures-lite's block_on fn to make sure we
                        // aren't setting any Zokio context
                        futures_lite::future::block_on(async {
                            zokio::time::sleep(dur).await;
                        });

                        assert!(now.elapsed() >= dur);
                    });
                    assert!(job.await.is_ok());
                });
            }
        }
    )*};
}

rt_test! {
    current_thread: zokio::runtime::CurrentThreadRuntime => zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    threaded_scheduler_1_thread: zokio::Runtime => zokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    threaded_scheduler_4_threads: zokio::Runtime => zokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
}
