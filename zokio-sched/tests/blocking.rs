//! The blocking pool: grows on demand, shrinks after the keep-alive,
//! delivers results and panics.
#![cfg(not(loom))]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use zokio_core::ThreadParker;
use zokio_sched::{Config, MultiThread};

mod support;
use support::within;

fn wait_until(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "condition never became true");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn grows_to_the_limit_then_shrinks_after_keep_alive() {
    within(30, || {
        let config = Config {
            worker_threads: 1,
            max_blocking_threads: 4,
            blocking_keep_alive: Duration::from_millis(100),
            ..Config::default()
        };
        let rt = MultiThread::new(ThreadParker::new(), config).unwrap();
        let barrier = Arc::new(Barrier::new(5));
        let jobs: Vec<_> = (0..6)
            .map(|i| {
                let barrier = barrier.clone();
                rt.spawn_blocking(move || {
                    if i < 4 {
                        barrier.wait();
                    }
                    i
                })
            })
            .collect();
        // Four threads block in the barrier; the limit keeps two jobs queued.
        wait_until(|| {
            let m = rt.metrics().blocking;
            assert!(m.threads <= 4, "the limit holds: {m:?}");
            m.threads == 4 && m.queue_depth == 2
        });
        barrier.wait();
        let sum: i32 = jobs.into_iter().map(|j| rt.block_on(j).unwrap()).sum();
        assert_eq!(sum, 15);
        wait_until(|| rt.metrics().blocking.threads == 0);
    });
}

#[test]
fn delivers_panics_and_keeps_going() {
    let rt = MultiThread::new(
        ThreadParker::new(),
        Config {
            worker_threads: 1,
            ..Config::default()
        },
    )
    .unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("blocking boom")))
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 8)).unwrap(), 8);
}

#[test]
fn spawn_blocking_from_a_task_and_spawn_from_a_blocking_thread() {
    within(20, || {
        let rt = MultiThread::new(
            ThreadParker::new(),
            Config {
                worker_threads: 2,
                ..Config::default()
            },
        )
        .unwrap();
        let v = rt.block_on(async {
            zokio_sched::spawn_blocking(|| {
                // The runtime's handle is current on blocking threads.
                zokio_core::block_on(zokio_sched::spawn(async { 11 })).unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(v, 11);
    });
}
