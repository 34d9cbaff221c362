//! The builder's scheduling knobs: `on_thread_park` / `on_thread_unpark`,
//! `event_interval`, `disable_lifo_slot`, `max_io_events_per_tick`.
//!
//! Ports: all 4 tests of tokio/tests/rt_common_before_park.rs; from
//! tokio/tests/rt_basic.rs `before_park_yields` (with std's `Wake` for
//! futures' `ArcWake`); from tokio/tests/rt_threaded.rs `test_disable_lifo_slot`
//! (a `tokio_unstable` test there; `zokio::block_on` stands in for
//! `futures::executor::block_on`, inside `block_in_place` since Zokio's
//! `block_on` refuses a worker thread, which makes that port pass either
//! way: `disable_lifo_slot_sends_wakes_to_the_back_of_the_queue` is the
//! test that can fail). Tokio's `event_interval(0)` panics
//! (rt_panic.rs); Zokio's `build` returns an error, tested here. The rest
//! are Zokio's own.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Wake};
use std::time::Duration;

use zokio::runtime::Builder;
use zokio::sync::Notify;

mod support {
    pub mod watchdog;
}
use support::watchdog::Watchdog;

#[test]
fn before_park_wakes_block_on_task() {
    let _watchdog = Watchdog::start();
    let notify = Arc::new(Notify::new());
    let notify2 = notify.clone();
    let woken = Arc::new(AtomicBool::new(false));
    let woken2 = woken.clone();

    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !woken2.swap(true, Ordering::SeqCst) {
                notify2.notify_one();
            }
        })
        .build()
        .unwrap();

    rt.block_on(async {
        notify.notified().await;
    });

    assert!(woken.load(Ordering::SeqCst));
}

#[test]
fn before_park_spawns_task() {
    let _watchdog = Watchdog::start();
    let notify = Arc::new(Notify::new());
    let notify2 = notify.clone();
    let woken = Arc::new(AtomicBool::new(false));
    let woken2 = woken.clone();

    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !woken2.swap(true, Ordering::SeqCst) {
                let notify = notify2.clone();
                zokio::spawn(async move {
                    notify.notify_one();
                });
            }
        })
        .build()
        .unwrap();

    rt.block_on(async {
        notify.notified().await;
    });

    assert!(woken.load(Ordering::SeqCst));
}

#[test]
fn wake_from_other_thread_block_on() {
    let _watchdog = Watchdog::start();
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let handle = rt.handle().clone();
    let notify = Arc::new(Notify::new());
    let notify2 = notify.clone();

    let th = std::thread::spawn(move || {
        // Give the main thread time to park
        std::thread::sleep(std::time::Duration::from_millis(5));
        handle.block_on(async move {
            notify2.notify_one();
        });
    });

    rt.block_on(async {
        notify.notified().await;
    });

    th.join().unwrap();
}

// Tokio issue 8212.
#[test]
fn before_park_does_not_stall_spawned_timer() {
    let _watchdog = Watchdog::start();
    let notify = Arc::new(Notify::new());
    let task_done = Arc::new(AtomicBool::new(false));

    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park({
            let notify = notify.clone();
            move || notify.notify_waiters()
        })
        .build()
        .unwrap();

    rt.spawn({
        let task_done = task_done.clone();
        async move {
            zokio::time::sleep(Duration::from_millis(1)).await;
            task_done.store(true, Ordering::SeqCst);
        }
    });

    rt.block_on(zokio::task::yield_now());

    for _ in 0..100 {
        if task_done.load(Ordering::SeqCst) {
            break;
        }
        rt.block_on(notify.notified());
        std::thread::sleep(Duration::from_millis(1));
    }

    assert!(
        task_done.load(Ordering::SeqCst),
        "spawned task's timer never fired (issue #8212)"
    );
}

#[test]
fn before_park_yields() {
    let _watchdog = Watchdog::start();
    struct MyWaker(Notify);

    impl Wake for MyWaker {
        fn wake(self: Arc<Self>) {
            self.0.notify_one();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.notify_one();
        }
    }

    let notify = Arc::new(MyWaker(Notify::new()));
    let waker = std::task::Waker::from(notify.clone());
    let woken = Arc::new(AtomicBool::new(false));
    let woken2 = woken.clone();

    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !woken2.swap(true, Ordering::SeqCst) {
                let mut cx = Context::from_waker(&waker);
                let fut = std::pin::pin!(zokio::task::yield_now());
                let _ = std::future::Future::poll(fut, &mut cx);
            }
        })
        .build()
        .unwrap();

    rt.block_on(async {
        notify.0.notified().await;
    });

    assert!(woken.load(Ordering::SeqCst));
}

#[test]
fn test_disable_lifo_slot() {
    let _watchdog = Watchdog::start();
    use std::sync::mpsc::{RecvTimeoutError, channel};

    let rt = Builder::new_multi_thread()
        .disable_lifo_slot()
        .worker_threads(2)
        .build()
        .unwrap();

    let (kill_bg_thread, recv) = channel::<()>();
    let handle = rt.handle().clone();
    let bg_thread = std::thread::spawn(move || {
        let one_sec = std::time::Duration::from_secs(1);
        while recv.recv_timeout(one_sec) == Err(RecvTimeoutError::Timeout) {
            handle.spawn(async {});
        }
    });

    rt.block_on(async {
        zokio::spawn(async {
            // Spawn another task and block the thread until completion. If the
            // LIFO slot is used the other worker cannot steal it.
            let task = zokio::spawn(async {});
            zokio::task::block_in_place(|| zokio::block_on(task)).unwrap();
        })
        .await
        .unwrap();
    });

    drop(kill_bg_thread);
    bg_thread.join().unwrap();
}

#[test]
fn zero_intervals_and_event_counts_are_errors_not_panics() {
    for mut builder in [Builder::new_multi_thread(), Builder::new_current_thread()] {
        let err = builder.event_interval(0).build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("event_interval"), "{err}");
    }
    let err = Builder::new_multi_thread()
        .enable_io()
        .max_io_events_per_tick(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_io_events_per_tick"), "{err}");
}

#[test]
fn multi_thread_workers_run_the_park_hooks_around_each_park() {
    let _watchdog = Watchdog::start();
    let parks = Arc::new(AtomicUsize::new(0));
    let unparks = Arc::new(AtomicUsize::new(0));
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_park({
            let parks = parks.clone();
            move || {
                parks.fetch_add(1, Ordering::SeqCst);
            }
        })
        .on_thread_unpark({
            let unparks = unparks.clone();
            move || {
                unparks.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    for _ in 0..5 {
        rt.block_on(async {
            zokio::spawn(zokio::time::sleep(Duration::from_millis(2)))
                .await
                .unwrap();
        });
    }
    let seen = parks.load(Ordering::SeqCst);
    assert!(seen >= 5, "each sleep parks a worker: {seen}");
    drop(rt);
    // Every park the workers began ended before they exited.
    assert_eq!(parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst));
}

#[test]
fn a_park_hook_that_spawns_keeps_a_worker_awake_for_the_task() {
    let _watchdog = Watchdog::start();
    let (tx, rx) = mpsc::channel::<u32>();
    let tx = std::sync::Mutex::new(Some(tx));
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_park(move || {
            if let Some(tx) = tx.lock().unwrap().take() {
                zokio::spawn(async move { tx.send(9).unwrap() });
            }
        })
        .build()
        .unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(9));
    drop(rt);
}

#[test]
fn small_event_budgets_and_intervals_still_serve_every_socket() {
    let _watchdog = Watchdog::start();
    for flavor in [true, false] {
        let mut builder = if flavor {
            Builder::new_current_thread()
        } else {
            Builder::new_multi_thread()
        };
        let rt = builder
            .worker_threads(2)
            .event_interval(1)
            .max_io_events_per_tick(1)
            .enable_all()
            .build()
            .unwrap();
        let total = rt.block_on(async {
            use zokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = zokio::spawn(async move {
                let mut conns = Vec::new();
                for _ in 0..16 {
                    conns.push(listener.accept().await.unwrap().0);
                }
                let tasks: Vec<_> = conns
                    .into_iter()
                    .map(|mut c| {
                        zokio::spawn(async move {
                            let mut b = [0u8; 1];
                            c.read_exact(&mut b).await.unwrap();
                            c.write_all(&b).await.unwrap();
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            });
            let mut clients = Vec::new();
            for _ in 0..16 {
                clients.push(zokio::net::TcpStream::connect(addr).await.unwrap());
            }
            let mut total = 0u32;
            for (i, c) in clients.iter_mut().enumerate() {
                c.write_all(&[i as u8]).await.unwrap();
            }
            for c in clients.iter_mut() {
                let mut b = [0u8; 1];
                c.read_exact(&mut b).await.unwrap();
                total += u32::from(b[0]);
            }
            server.await.unwrap();
            total
        });
        assert_eq!(total, (0..16).sum::<u32>());
    }
}

/// A ping-pong pair over oneshots: each wake comes from the running task,
/// which is what the LIFO slot takes.
fn lifo_polls_of_a_ping_pong(disable: bool) -> u64 {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(1);
    if disable {
        builder.disable_lifo_slot();
    }
    let rt = builder.build().unwrap();
    rt.block_on(rt.spawn(async {
        for _ in 0..200 {
            let (tx, rx) = zokio::sync::oneshot::channel::<()>();
            let peer = zokio::spawn(async move { tx.send(()).unwrap() });
            rx.await.unwrap();
            peer.await.unwrap();
        }
    }))
    .unwrap();
    // Counters are published when a worker parks or every interval; the
    // runtime's drop would lose them, so read after the worker went idle.
    std::thread::sleep(Duration::from_millis(20));
    rt.metrics().worker(0).unwrap().lifo_polls
}

#[test]
fn disable_lifo_slot_sends_wakes_to_the_back_of_the_queue() {
    let _watchdog = Watchdog::start();
    assert!(
        lifo_polls_of_a_ping_pong(false) > 0,
        "the slot is used by default"
    );
    assert_eq!(lifo_polls_of_a_ping_pong(true), 0);
}
