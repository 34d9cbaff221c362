//! `AbortHandle::is_finished` and `JoinHandle::is_finished`. Tokio's own
//! tests (tokio/tests/task_abort.rs) never call `is_finished`; these are
//! Zokio's, one per way a task can end.
#![cfg(not(loom))]

use std::time::Duration;

use zokio::task::{self, LocalSet};

async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    zokio::time::timeout(limit, f).await.expect("bounded")
}

#[zokio::test]
async fn finished_after_the_task_completes() {
    let handle = zokio::spawn(async { 1 });
    let abort = handle.abort_handle();
    assert!(!abort.is_finished(), "not run yet");
    within(Duration::from_secs(10), async {
        while !abort.is_finished() {
            task::yield_now().await;
        }
    })
    .await;
    assert!(handle.is_finished());
    assert_eq!(handle.await.unwrap(), 1);
    assert!(abort.is_finished());
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_after_abort_and_after_a_panic() {
    let waiting = zokio::spawn(std::future::pending::<()>());
    let abort = waiting.abort_handle();
    task::yield_now().await;
    assert!(!abort.is_finished());
    abort.abort();
    assert!(
        within(Duration::from_secs(10), waiting)
            .await
            .unwrap_err()
            .is_cancelled()
    );
    assert!(abort.is_finished());

    let panics = zokio::spawn(async { panic!("boom") });
    let abort = panics.abort_handle();
    assert!(
        within(Duration::from_secs(10), panics)
            .await
            .unwrap_err()
            .is_panic()
    );
    assert!(abort.is_finished());
}

#[test]
fn finished_when_shutdown_cancels_it_and_when_its_set_is_dropped() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let never_run = rt.spawn(async {});
    let waiting = rt.spawn(std::future::pending::<()>());
    rt.block_on(task::yield_now());
    let (a, b) = (never_run.abort_handle(), waiting.abort_handle());
    assert!(!b.is_finished());
    drop(rt);
    assert!(a.is_finished() && b.is_finished());

    let local = LocalSet::new();
    let queued = local
        .spawn_local(std::future::pending::<()>())
        .abort_handle();
    assert!(!queued.is_finished());
    drop(local);
    assert!(queued.is_finished());
}
