//! Port of tokio/tests/task_blocking.rs to Zokio: `spawn_blocking`,
//! `block_in_place`, and runtimes built, entered or dropped from inside
//! another runtime.
//!
//! All 16 of Tokio's tests, renamed. The two `coop_disabled_*` tests drain
//! a Zokio unbounded mpsc receiver with `zokio::block_on` instead of a
//! tokio-stream fold under `futures::executor::block_on`. The four
//! paused-clock tests run on `#[zokio::test(start_paused = true)]`.
#![cfg(not(loom))]

use std::thread;
use std::time::Duration;

use zokio::{runtime, task, time};

mod support {
    pub mod within;
}
use support::within::on_thread_within;

#[zokio::test]
async fn basic_blocking() {
    // Run a few times
    for _ in 0..100 {
        let out = zokio::spawn(async {
            task::spawn_blocking(|| {
                thread::sleep(Duration::from_millis(5));
                "hello"
            })
            .await
            .unwrap()
        })
        .await
        .unwrap();

        assert_eq!(out, "hello");
    }
}

#[zokio::test(flavor = "multi_thread")]
async fn block_in_blocking() {
    // Run a few times
    for _ in 0..100 {
        let out = zokio::spawn(async {
            task::spawn_blocking(|| {
                task::block_in_place(|| {
                    thread::sleep(Duration::from_millis(5));
                });
                "hello"
            })
            .await
            .unwrap()
        })
        .await
        .unwrap();

        assert_eq!(out, "hello");
    }
}

#[zokio::test(flavor = "multi_thread")]
async fn block_in_block() {
    // Run a few times
    for _ in 0..100 {
        let out = zokio::spawn(async {
            task::block_in_place(|| {
                task::block_in_place(|| {
                    thread::sleep(Duration::from_millis(5));
                });
                "hello"
            })
        })
        .await
        .unwrap();

        assert_eq!(out, "hello");
    }
}

#[zokio::test(flavor = "current_thread")]
#[should_panic = "can call blocking only when running on the multi-threaded runtime"]
async fn no_block_in_current_thread_scheduler() {
    task::block_in_place(|| {});
}

#[test]
fn yes_block_in_threaded_block_on() {
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        task::block_in_place(|| {});
    });
}

#[test]
#[should_panic = "can call blocking only when running on the multi-threaded runtime"]
fn no_block_in_current_thread_block_on() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        task::block_in_place(|| {});
    });
}

#[test]
fn can_enter_current_thread_rt_from_within_block_in_place() {
    let outer = zokio::runtime::Runtime::new().unwrap();

    outer.block_on(async {
        zokio::task::block_in_place(|| {
            let inner = zokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();

            inner.block_on(async {})
        })
    });
}

#[test]
fn useful_panic_message_when_dropping_rt_in_rt() {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    let outer = zokio::runtime::Runtime::new().unwrap();

    let result = catch_unwind(AssertUnwindSafe(|| {
        outer.block_on(async {
            let _ = zokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
        });
    }));

    assert!(result.is_err());
    let err = result.unwrap_err();
    let err: &'static str = err.downcast_ref::<&'static str>().unwrap();

    assert!(
        err.contains("Cannot drop a runtime"),
        "Wrong panic message: {err:?}"
    );
}

#[test]
fn can_shutdown_with_zero_timeout_in_runtime() {
    let outer = zokio::runtime::Runtime::new().unwrap();

    outer.block_on(async {
        let rt = zokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.shutdown_timeout(Duration::from_nanos(0));
    });
}

#[test]
fn can_shutdown_now_in_runtime() {
    let outer = zokio::runtime::Runtime::new().unwrap();

    outer.block_on(async {
        let rt = zokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.shutdown_background();
    });
}

/// 200 values in a closed unbounded channel, drained by `zokio::block_on`
/// inside `block_in_place`: with the task's budget still in force the
/// receiver would return `Pending` after 128 and the drain would hang.
fn drain_200_in_place() {
    let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel::<i32>();
    for i in 0..200 {
        tx.send(i).unwrap();
    }
    drop(tx);
    zokio::task::block_in_place(move || {
        zokio::block_on(async move {
            let mut n = 0;
            while rx.recv().await.is_some() {
                n += 1;
            }
            assert_eq!(n, 200);
        })
    })
}

#[test]
fn coop_disabled_in_block_in_place() {
    let outer = zokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .unwrap();

    outer.block_on(async move {
        let jh = zokio::spawn(async move { drain_200_in_place() });

        zokio::time::timeout(Duration::from_secs(1), jh)
            .await
            .expect("timed out (probably hanging)")
            .unwrap()
    });
}

#[test]
fn coop_disabled_in_block_in_place_in_block_on() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let done = done_tx.clone();
    thread::spawn(move || {
        let outer = zokio::runtime::Runtime::new().unwrap();
        outer.block_on(async move { drain_200_in_place() });
        let _ = done.send(Ok(()));
    });

    thread::spawn(move || {
        thread::sleep(Duration::from_secs(1));
        let _ = done_tx.send(Err("timed out (probably hanging)"));
    });

    done_rx.recv().unwrap().unwrap();
}

#[zokio::test(start_paused = true)]
async fn blocking_when_paused() {
    // Do not auto-advance time when we have started a blocking task that has
    // not yet finished.
    time::timeout(
        Duration::from_secs(3),
        task::spawn_blocking(|| thread::sleep(Duration::from_millis(1))),
    )
    .await
    .expect("timeout should not trigger")
    .expect("blocking task should finish");

    // Really: Do not auto-advance time, even if the timeout is short and the
    // blocking task runs for longer than that.
    time::timeout(
        Duration::from_millis(1),
        task::spawn_blocking(|| thread::sleep(Duration::from_millis(50))),
    )
    .await
    .expect("timeout should not trigger")
    .expect("blocking task should finish");
}

#[zokio::test(start_paused = true)]
async fn blocking_task_wakes_paused_runtime() {
    let t0 = std::time::Instant::now();
    time::timeout(
        Duration::from_secs(15),
        task::spawn_blocking(|| thread::sleep(Duration::from_millis(1))),
    )
    .await
    .expect("timeout should not trigger")
    .expect("blocking task should finish");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "completing a spawn_blocking should wake the scheduler if it's parked while time is paused"
    );
}

#[zokio::test(start_paused = true)]
async fn unawaited_blocking_task_wakes_paused_runtime() {
    let t0 = std::time::Instant::now();

    // When this task finishes, time should auto-advance, even though the
    // JoinHandle has not been awaited yet.
    let a = task::spawn_blocking(|| {
        thread::sleep(Duration::from_millis(1));
    });

    time::sleep(Duration::from_secs(15)).await;
    a.await.expect("blocking task should finish");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "completing a spawn_blocking should wake the scheduler if it's parked while time is paused"
    );
}

#[zokio::test(start_paused = true)]
async fn panicking_blocking_task_wakes_paused_runtime() {
    let t0 = std::time::Instant::now();
    let result = time::timeout(
        Duration::from_secs(15),
        task::spawn_blocking(|| {
            thread::sleep(Duration::from_millis(1));
            panic!("blocking task panicked");
        }),
    )
    .await
    .expect("timeout should not trigger");
    assert!(result.is_err(), "blocking task should have panicked");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "completing a spawn_blocking should wake the scheduler if it's parked while time is paused"
    );
}

// Zokio's own tests.

#[test]
fn other_tasks_run_on_a_single_worker_while_it_blocks_in_place() {
    let out = on_thread_within(Duration::from_secs(20), || {
        let rt = runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel::<u32>();
            let blocker = zokio::spawn(async move {
                // Waits for a value only another task (on the same, only,
                // worker) can send.
                task::block_in_place(move || rx.recv_timeout(Duration::from_secs(10)))
            });
            let sender = zokio::spawn(async move {
                time::sleep(Duration::from_millis(5)).await;
                tx.send(7).unwrap();
            });
            sender.await.unwrap();
            blocker.await.unwrap()
        })
    });
    assert_eq!(out, Ok(7));
}

#[test]
fn a_worker_blocking_in_place_many_times_keeps_the_runtime_whole() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sum = rt.block_on(async {
        let tasks: Vec<_> = (0..64u64)
            .map(|i| {
                zokio::spawn(async move {
                    task::yield_now().await;
                    let v = task::block_in_place(|| {
                        thread::sleep(Duration::from_micros(200));
                        i
                    });
                    task::yield_now().await;
                    v
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += time::timeout(Duration::from_secs(10), t)
                .await
                .unwrap()
                .unwrap();
        }
        sum
    });
    assert_eq!(sum, 63 * 64 / 2);
    assert_eq!(rt.metrics().num_workers(), 2);
    drop(rt); // joins both workers: each got its parts back
}

#[test]
fn a_panic_in_place_is_the_tasks_panic_and_the_worker_survives() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let err = rt
        .block_on(rt.spawn(async { task::block_in_place(|| panic!("in place")) }))
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

#[test]
fn block_in_place_outside_a_runtime_just_runs() {
    assert_eq!(task::block_in_place(|| 3), 3);
}
