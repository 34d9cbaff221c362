//! Port of tokio/tests/task_local_set.rs to Zokio's `LocalSet`.
//!
//! Ported: 27 of Tokio's 29 tests, renamed `tokio` to `zokio`, with
//! `futures::join_all` and `futures::select!` replaced by a loop of awaits
//! and `zokio::select!`. Left out: the two `tokio_unstable` tests (`shutdown_on_panic`, a hook Zokio has not; and
//! `run_until_does_not_get_own_budget`, which reads Tokio's unstable budget
//! API). Every test that waits runs under a watchdog or `on_thread_within`.
#![cfg(not(loom))]

use std::cell::Cell;
use std::future::{pending, ready};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use zokio::runtime;
use zokio::sync::{mpsc, oneshot};
use zokio::task::{self, LocalSet};
use zokio::time;

mod support {
    pub mod within;
}
use support::within::on_thread_within;

#[zokio::test(flavor = "current_thread")]
async fn local_current_thread_scheduler() {
    LocalSet::new()
        .run_until(async {
            task::spawn_local(async {}).await.unwrap();
        })
        .await;
}

#[zokio::test(flavor = "multi_thread")]
async fn local_threadpool() {
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    LocalSet::new()
        .run_until(async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            task::spawn_local(async {
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
            })
            .await
            .unwrap();
        })
        .await;
}

#[zokio::test(flavor = "multi_thread")]
async fn localset_future_threadpool() {
    thread_local! {
        static ON_LOCAL_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_LOCAL_THREAD.with(|cell| cell.set(true));

    let local = LocalSet::new();
    local.spawn_local(async move {
        assert!(ON_LOCAL_THREAD.with(|cell| cell.get()));
    });
    local.await;
}

#[zokio::test(flavor = "multi_thread")]
async fn localset_future_timers() {
    static RAN1: AtomicBool = AtomicBool::new(false);
    static RAN2: AtomicBool = AtomicBool::new(false);

    let local = LocalSet::new();
    local.spawn_local(async move {
        time::sleep(Duration::from_millis(5)).await;
        RAN1.store(true, Ordering::SeqCst);
    });
    local.spawn_local(async move {
        time::sleep(Duration::from_millis(10)).await;
        RAN2.store(true, Ordering::SeqCst);
    });
    local.await;
    assert!(RAN1.load(Ordering::SeqCst));
    assert!(RAN2.load(Ordering::SeqCst));
}

#[zokio::test]
async fn localset_future_drives_all_local_futs() {
    static RAN1: AtomicBool = AtomicBool::new(false);
    static RAN2: AtomicBool = AtomicBool::new(false);
    static RAN3: AtomicBool = AtomicBool::new(false);

    let local = LocalSet::new();
    local.spawn_local(async move {
        task::spawn_local(async {
            task::yield_now().await;
            RAN3.store(true, Ordering::SeqCst);
        });
        task::yield_now().await;
        RAN1.store(true, Ordering::SeqCst);
    });
    local.spawn_local(async move {
        task::yield_now().await;
        RAN2.store(true, Ordering::SeqCst);
    });
    local.await;
    assert!(RAN1.load(Ordering::SeqCst));
    assert!(RAN2.load(Ordering::SeqCst));
    assert!(RAN3.load(Ordering::SeqCst));
}

#[zokio::test(flavor = "multi_thread")]
async fn local_threadpool_timer() {
    // Runtime services like the timer are set for the local task set.
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    LocalSet::new()
        .run_until(async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            let join = task::spawn_local(async move {
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
                time::sleep(Duration::from_millis(10)).await;
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
            });
            join.await.unwrap();
        })
        .await;
}

#[test]
fn enter_guard_spawn() {
    let local = LocalSet::new();
    let _guard = local.enter();
    // Run the local task set.

    let join = task::spawn_local(async { true });
    let rt = runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    local.block_on(&rt, async move {
        assert!(join.await.unwrap());
    });
}

#[zokio::test(flavor = "multi_thread")]
async fn local_threadpool_blocking_run() {
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    LocalSet::new()
        .run_until(async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            let join = task::spawn_local(async move {
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
                task::spawn_blocking(|| {
                    assert!(
                        !ON_RT_THREAD.with(|cell| cell.get()),
                        "blocking must not run on the local task set's thread"
                    );
                })
                .await
                .unwrap();
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
            });
            join.await.unwrap();
        })
        .await;
}

#[zokio::test(flavor = "multi_thread")]
async fn all_spawns_are_local() {
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    LocalSet::new()
        .run_until(async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            let handles = (0..128)
                .map(|_| {
                    task::spawn_local(async {
                        assert!(ON_RT_THREAD.with(|cell| cell.get()));
                    })
                })
                .collect::<Vec<_>>();
            for joined in handles {
                joined.await.unwrap();
            }
        })
        .await;
}

#[zokio::test(flavor = "multi_thread")]
async fn nested_spawn_is_local() {
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    LocalSet::new()
        .run_until(async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            task::spawn_local(async {
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
                task::spawn_local(async {
                    assert!(ON_RT_THREAD.with(|cell| cell.get()));
                    task::spawn_local(async {
                        assert!(ON_RT_THREAD.with(|cell| cell.get()));
                        task::spawn_local(async {
                            assert!(ON_RT_THREAD.with(|cell| cell.get()));
                        })
                        .await
                        .unwrap();
                    })
                    .await
                    .unwrap();
                })
                .await
                .unwrap();
            })
            .await
            .unwrap();
        })
        .await;
}

#[test]
fn join_local_future_elsewhere() {
    thread_local! {
        static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    ON_RT_THREAD.with(|cell| cell.set(true));

    on_thread_within(Duration::from_secs(30), || {
        ON_RT_THREAD.with(|cell| cell.set(true));
        let rt = runtime::Runtime::new().unwrap();
        let local = LocalSet::new();
        local.block_on(&rt, async move {
            let (tx, rx) = oneshot::channel();
            let join = task::spawn_local(async move {
                assert!(
                    ON_RT_THREAD.with(|cell| cell.get()),
                    "local task must run on local thread, no matter where it is awaited"
                );
                rx.await.unwrap();

                "hello world"
            });
            let join2 = task::spawn(async move {
                assert!(
                    !ON_RT_THREAD.with(|cell| cell.get()),
                    "spawned task should be on a worker"
                );

                tx.send(()).expect("task shouldn't have ended yet");

                join.await.expect("task should complete successfully");
            });
            join2.await.unwrap()
        });
    });
}

// Tokio issue 4973.
#[zokio::test(flavor = "multi_thread")]
async fn localset_in_thread_local() {
    thread_local! {
        static LOCAL_SET: LocalSet = LocalSet::new();
    }

    // holds runtime thread until end of main fn.
    let (_tx, rx) = oneshot::channel::<()>();
    let handle = zokio::runtime::Handle::current();

    std::thread::spawn(move || {
        LOCAL_SET.with(|local_set| {
            handle.block_on(local_set.run_until(async move {
                let _ = rx.await;
            }))
        });
    });
}

#[test]
fn drop_cancels_tasks() {
    use std::rc::Rc;

    // Tokio issue 1842.
    let rt = rt();
    let rc1 = Rc::new(());
    let rc2 = rc1.clone();

    let (started_tx, started_rx) = oneshot::channel();

    let local = LocalSet::new();
    local.spawn_local(async move {
        // Move this in
        let _rc2 = rc2;

        started_tx.send(()).unwrap();
        pending::<()>().await;
    });

    local.block_on(&rt, async {
        started_rx.await.unwrap();
    });
    drop(local);
    drop(rt);

    assert_eq!(1, Rc::strong_count(&rc1));
}

#[test]
fn drop_cancels_remote_tasks() {
    // Tokio issue 1885.
    on_thread_within(Duration::from_secs(60), || {
        let (tx, mut rx) = mpsc::channel::<()>(1024);

        let rt = rt();

        let local = LocalSet::new();
        local.spawn_local(async move { while rx.recv().await.is_some() {} });
        local.block_on(&rt, async {
            time::sleep(Duration::from_millis(1)).await;
        });

        drop(tx);

        // This enters an infinite loop if the remote notified tasks are not
        // properly cancelled.
        drop(local);
    });
}

#[test]
fn local_tasks_wake_join_all() {
    // Tokio issue 2460.
    on_thread_within(Duration::from_secs(60), || {
        let rt = rt();
        let set = LocalSet::new();
        let mut handles = Vec::new();

        for _ in 1..=128 {
            handles.push(set.spawn_local(async move {
                zokio::task::spawn_local(async move {}).await.unwrap();
            }));
        }

        rt.block_on(set.run_until(async {
            for handle in handles {
                handle.await.unwrap();
            }
        }));
    });
}

#[test]
fn local_tasks_are_polled_after_tick() {
    // This test depends on timing, so we run it up to five times.
    for _ in 0..4 {
        let res = std::panic::catch_unwind(local_tasks_are_polled_after_tick_inner);
        if res.is_ok() {
            return;
        }
    }
    local_tasks_are_polled_after_tick_inner();
}

#[zokio::main(flavor = "current_thread")]
async fn local_tasks_are_polled_after_tick_inner() {
    // Tokio issues 1899 and 1900.

    static RX1: AtomicUsize = AtomicUsize::new(0);
    static RX2: AtomicUsize = AtomicUsize::new(0);
    const EXPECTED: usize = 500;

    RX1.store(0, SeqCst);
    RX2.store(0, SeqCst);

    let (tx, mut rx) = mpsc::unbounded_channel();

    let local = LocalSet::new();

    let work = local.run_until(async {
        let task2 = task::spawn(async move {
            // Wait a bit
            time::sleep(Duration::from_millis(10)).await;

            let mut oneshots = Vec::with_capacity(EXPECTED);

            // Send values
            for _ in 0..EXPECTED {
                let (oneshot_tx, oneshot_rx) = oneshot::channel();
                oneshots.push(oneshot_tx);
                tx.send(oneshot_rx).unwrap();
            }

            time::sleep(Duration::from_millis(10)).await;

            for tx in oneshots.drain(..) {
                tx.send(()).unwrap();
            }

            loop {
                time::sleep(Duration::from_millis(20)).await;
                let rx1 = RX1.load(SeqCst);
                let rx2 = RX2.load(SeqCst);

                if rx1 == EXPECTED && rx2 == EXPECTED {
                    break;
                }
            }
        });

        while let Some(oneshot) = rx.recv().await {
            RX1.fetch_add(1, SeqCst);

            task::spawn_local(async move {
                oneshot.await.unwrap();
                RX2.fetch_add(1, SeqCst);
            });
        }

        task2.await.unwrap();
    });
    time::timeout(Duration::from_secs(30), work)
        .await
        .expect("bounded");
}

#[zokio::test]
async fn acquire_mutex_in_drop() {
    let (tx1, rx1) = oneshot::channel::<()>();
    let (tx2, rx2) = oneshot::channel::<()>();
    let local = LocalSet::new();

    local.spawn_local(async move {
        let _ = rx2.await;
        unreachable!();
    });

    local.spawn_local(async move {
        let _ = rx1.await;
        tx2.send(()).unwrap();
        unreachable!();
    });

    // Spawn a task that will never notify
    local.spawn_local(async move {
        pending::<()>().await;
        tx1.send(()).unwrap();
    });

    // Tick the loop
    local
        .run_until(async {
            task::yield_now().await;
        })
        .await;

    // Drop the LocalSet
    drop(local);
}

#[zokio::test]
async fn spawn_wakes_localset() {
    let local = LocalSet::new();
    zokio::select! {
        _ = local.run_until(pending::<()>()) => unreachable!(),
        ret = async { local.spawn_local(ready(())).await.unwrap()} => ret
    }
}

/// Tokio issue 5020: the task wakes up with `enter`.
#[zokio::test]
async fn sleep_with_local_enter_guard() {
    let local = LocalSet::new();
    let _guard = local.enter();

    let (tx, rx) = oneshot::channel();

    local
        .run_until(async move {
            zokio::task::spawn_local(async move {
                time::sleep(Duration::ZERO).await;

                tx.send(()).expect("failed to send");
            });
            assert_eq!(rx.await, Ok(()));
        })
        .await;
}

#[test]
fn store_local_set_in_thread_local_with_runtime() {
    use zokio::runtime::Runtime;

    thread_local! {
        static CURRENT: RtAndLocalSet = RtAndLocalSet::new();
    }

    struct RtAndLocalSet {
        rt: Runtime,
        local: LocalSet,
    }

    impl RtAndLocalSet {
        fn new() -> RtAndLocalSet {
            RtAndLocalSet {
                rt: zokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
                local: LocalSet::new(),
            }
        }

        async fn inner_method(&self) {
            self.local
                .run_until(async move {
                    zokio::task::spawn_local(async {});
                })
                .await
        }

        fn method(&self) {
            self.rt.block_on(self.inner_method());
        }
    }

    CURRENT.with(|f| {
        f.method();
    });
}

#[cfg(not(target_os = "wasi"))]
mod block_in_place_cases {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    struct BlockInPlaceOnDrop;
    impl Future for BlockInPlaceOnDrop {
        type Output = ();

        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
            Poll::Pending
        }
    }
    impl Drop for BlockInPlaceOnDrop {
        fn drop(&mut self) {
            zokio::task::block_in_place(|| {});
        }
    }

    async fn complete(jh: zokio::task::JoinHandle<()>) {
        match jh.await {
            Ok(()) => {}
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) if err.is_cancelled() => panic!("task cancelled"),
            Err(err) => panic!("{err:?}"),
        }
    }

    #[test]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    fn local_threadpool_blocking_in_place() {
        thread_local! {
            static ON_RT_THREAD: Cell<bool> = const { Cell::new(false) };
        }

        ON_RT_THREAD.with(|cell| cell.set(true));

        let rt = runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        LocalSet::new().block_on(&rt, async {
            assert!(ON_RT_THREAD.with(|cell| cell.get()));
            let join = task::spawn_local(async move {
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
                task::block_in_place(|| {});
                assert!(ON_RT_THREAD.with(|cell| cell.get()));
            });
            complete(join).await;
        });
    }

    #[zokio::test(flavor = "multi_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_run_until_mt() {
        let local_set = LocalSet::new();
        local_set
            .run_until(async {
                zokio::task::block_in_place(|| {});
            })
            .await;
    }

    #[zokio::test(flavor = "multi_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_spawn_local_mt() {
        let local_set = LocalSet::new();
        let jh = local_set.spawn_local(async {
            zokio::task::block_in_place(|| {});
        });
        local_set.await;
        complete(jh).await;
    }

    #[zokio::test(flavor = "multi_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_spawn_local_drop_mt() {
        let local_set = LocalSet::new();
        let jh = local_set.spawn_local(BlockInPlaceOnDrop);
        local_set.run_until(zokio::task::yield_now()).await;
        drop(local_set);
        complete(jh).await;
    }

    #[zokio::test(flavor = "current_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_run_until_ct() {
        let local_set = LocalSet::new();
        local_set
            .run_until(async {
                zokio::task::block_in_place(|| {});
            })
            .await;
    }

    #[zokio::test(flavor = "current_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_spawn_local_ct() {
        let local_set = LocalSet::new();
        let jh = local_set.spawn_local(async {
            zokio::task::block_in_place(|| {});
        });
        local_set.await;
        complete(jh).await;
    }

    #[zokio::test(flavor = "current_thread")]
    #[should_panic = "can call blocking only when running on the multi-threaded runtime"]
    async fn block_in_place_in_spawn_local_drop_ct() {
        let local_set = LocalSet::new();
        let jh = local_set.spawn_local(BlockInPlaceOnDrop);
        local_set.run_until(zokio::task::yield_now()).await;
        drop(local_set);
        complete(jh).await;
    }
}

fn rt() -> runtime::Runtime {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// Zokio's own tests.

#[test]
fn a_set_runs_its_tasks_on_a_multi_thread_runtime_in_block_on() {
    on_thread_within(Duration::from_secs(30), || {
        let rt = zokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let local = LocalSet::new();
        let me = std::thread::current().id();
        let shared = std::rc::Rc::new(Cell::new(0));
        for _ in 0..10 {
            let shared = shared.clone();
            local.spawn_local(async move {
                time::sleep(Duration::from_millis(1)).await;
                assert_eq!(std::thread::current().id(), me);
                shared.set(shared.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(shared.get(), 10);
    });
}

#[test]
fn dropping_a_set_drops_tasks_waiting_on_other_threads_wakers() {
    on_thread_within(Duration::from_secs(30), || {
        let rt = rt();
        let local = LocalSet::new();
        let dropped = std::rc::Rc::new(Cell::new(0));
        let mut senders = Vec::new();
        for _ in 0..50 {
            let (tx, rx) = oneshot::channel::<()>();
            senders.push(tx);
            let dropped = dropped.clone();
            local.spawn_local(async move {
                struct Count(std::rc::Rc<Cell<usize>>);
                impl Drop for Count {
                    fn drop(&mut self) {
                        self.0.set(self.0.get() + 1);
                    }
                }
                let _count = Count(dropped);
                let _ = rx.await;
                unreachable!("the set is dropped before any sender sends");
            });
        }
        local.block_on(&rt, task::yield_now());
        // Wakes from another thread race with the drop.
        let waker_thread = std::thread::spawn(move || drop(senders));
        drop(local);
        waker_thread.join().unwrap();
        assert_eq!(dropped.get(), 50);
    });
}

#[test]
#[should_panic = "`spawn_local` called from outside of a `task::LocalSet`"]
fn spawn_local_outside_a_set_panics_with_tokios_message() {
    let rt = rt();
    rt.block_on(async {
        task::spawn_local(async {});
    });
}
