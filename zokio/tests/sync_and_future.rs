//! The sync primitives and combinators across tasks on a runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio::sync::{Mutex, Notify, Semaphore, mpmc, oneshot};

fn rt() -> zokio::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn notify_wakes_a_task_waiting_on_another_worker() {
    rt().block_on(async {
        let notify = Arc::new(Notify::new());
        let waiter = zokio::spawn({
            let notify = notify.clone();
            async move { notify.notified().await }
        });
        zokio::time::sleep(Duration::from_millis(5)).await;
        notify.notify_one();
        zokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
    });
}

#[test]
fn channels_mutexes_and_semaphores_work_across_tasks() {
    rt().block_on(async {
        let (tx, rx) = mpmc::bounded::<u32>(4);
        let counter = Arc::new(Mutex::new(0u32));
        let permits = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..4 {
            let (rx, counter, permits, inside) =
                (rx.clone(), counter.clone(), permits.clone(), inside.clone());
            workers.push(zokio::spawn(async move {
                while let Ok(v) = rx.recv().await {
                    let _permit = permits.acquire().await;
                    assert!(
                        inside.fetch_add(1, Ordering::SeqCst) < 2,
                        "semaphore admits two"
                    );
                    zokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    *counter.lock().await += v;
                }
            }));
        }
        for v in 1..=100 {
            tx.send(v).await.unwrap();
        }
        drop(tx);
        for w in workers {
            w.await.unwrap();
        }
        assert_eq!(*counter.lock().await, 5050);

        let (tx, rx) = oneshot::channel();
        zokio::spawn(async move { tx.send(9).unwrap() });
        assert_eq!(rx.await, Ok(9));
    });
}

#[test]
fn join_runs_branches_concurrently_and_try_join_cancels_on_error() {
    rt().block_on(async {
        // The first branch can only finish after the second has run: a join
        // that ran its branches one after the other would never return.
        let (tx, rx) = oneshot::channel::<u32>();
        let joined = zokio::time::timeout(Duration::from_secs(10), async {
            zokio::join!(async { rx.await.unwrap() + 1 }, async {
                zokio::time::sleep(Duration::from_millis(5)).await;
                tx.send(1).unwrap();
                2
            })
        })
        .await;
        assert_eq!(joined.expect("branches run concurrently"), (2, 2));

        let finished_slow_branch = Arc::new(AtomicUsize::new(0));
        let flag = finished_slow_branch.clone();
        let result: Result<((), ()), &str> = zokio::try_join!(
            async move {
                zokio::time::sleep(Duration::from_millis(30)).await;
                flag.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
            async { Err("fail fast") }
        );
        assert_eq!(result, Err("fail fast"));
        zokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            finished_slow_branch.load(Ordering::SeqCst),
            0,
            "the other branch was dropped"
        );

        let winner = zokio::future::race(
            async {
                zokio::time::sleep(Duration::from_secs(10)).await;
                "slow"
            },
            async { "fast" },
        )
        .await;
        assert_eq!(winner, "fast");
    });
}

zokio::task_local! {
    static REQUEST: u32;
}

#[test]
fn task_locals_follow_their_future_across_workers() {
    rt().block_on(async {
        let seen = zokio::spawn(REQUEST.scope(77, async {
            for _ in 0..10 {
                zokio::task::yield_now().await;
                zokio::time::sleep(Duration::from_millis(1)).await;
            }
            REQUEST.get()
        }))
        .await
        .unwrap();
        assert_eq!(seen, 77);
        assert!(REQUEST.try_with(|_| ()).is_err());
    });
}
