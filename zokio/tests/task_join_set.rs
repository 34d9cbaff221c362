//! Port of part of tokio/tests/task_join_set.rs to Zokio: the tests of
//! `join_all`, `try_join_next`, `try_join_next_with_id` and
//! `join_next_with_id`. `task_panics` ran on a paused clock there; here it
//! uses short real sleeps. `spawn_local` is tested in a `LocalSet` on the
//! current-thread runtime.
#![cfg(not(loom))]

use std::collections::HashSet;
use std::time::Duration;

use zokio::sync::oneshot;
use zokio::task::JoinSet;

#[zokio::test]
async fn join_all() {
    let mut set: JoinSet<i32> = JoinSet::new();

    for _ in 0..5 {
        set.spawn(async { 1 });
    }
    let res: Vec<i32> = set.join_all().await;

    assert_eq!(res.len(), 5);
    for itm in res.into_iter() {
        assert_eq!(itm, 1)
    }
}

#[zokio::test]
async fn task_panics() {
    let mut set: JoinSet<()> = JoinSet::new();

    let (tx, mut rx) = oneshot::channel();
    assert_eq!(set.len(), 0);

    set.spawn(async move {
        zokio::time::sleep(Duration::from_millis(200)).await;
        tx.send(()).unwrap();
    });
    assert_eq!(set.len(), 1);

    set.spawn(async {
        zokio::time::sleep(Duration::from_millis(10)).await;
        panic!();
    });
    assert_eq!(set.len(), 2);

    let panic = zokio::spawn(set.join_all()).await.unwrap_err();
    assert!(rx.try_recv().is_err());
    assert!(panic.is_panic());
}

#[zokio::test]
async fn try_join_next() {
    const TASK_NUM: u32 = 1000;

    let (send, recv) = zokio::sync::watch::channel(());

    let mut set = JoinSet::new();

    for _ in 0..TASK_NUM {
        let mut recv = recv.clone();
        set.spawn(async move { recv.changed().await.unwrap() });
    }
    drop(recv);

    assert!(set.try_join_next().is_none());

    send.send_replace(());
    send.closed().await;

    let mut count = 0;
    loop {
        match set.try_join_next() {
            Some(Ok(())) => {
                count += 1;
            }
            Some(Err(err)) => panic!("failed: {err}"),
            None => {
                break;
            }
        }
    }

    assert_eq!(count, TASK_NUM);
}

#[zokio::test]
async fn try_join_next_with_id() {
    const TASK_NUM: u32 = 1000;

    let (send, recv) = zokio::sync::watch::channel(());

    let mut set = JoinSet::new();
    let mut spawned = HashSet::with_capacity(TASK_NUM as usize);

    for _ in 0..TASK_NUM {
        let mut recv = recv.clone();
        let handle = set.spawn(async move { recv.changed().await.unwrap() });

        spawned.insert(handle.id());
    }
    drop(recv);

    assert!(set.try_join_next_with_id().is_none());

    send.send_replace(());
    send.closed().await;

    let mut count = 0;
    let mut joined = HashSet::with_capacity(TASK_NUM as usize);
    loop {
        match set.try_join_next_with_id() {
            Some(Ok((id, ()))) => {
                count += 1;
                joined.insert(id);
            }
            Some(Err(err)) => panic!("failed: {err}"),
            None => {
                break;
            }
        }
    }

    assert_eq!(count, TASK_NUM);
    assert_eq!(joined, spawned);
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_next_with_id_names_each_finished_task_and_failed_ones_carry_theirs() {
    let mut set = JoinSet::new();
    let ok = set.spawn(async { 7 }).id();
    let boom = set.spawn(async { panic!("boom") }).id();
    let mut seen = HashSet::new();
    while let Some(next) = set.join_next_with_id().await {
        match next {
            Ok((id, value)) => {
                assert_eq!((id, value), (ok, 7));
                seen.insert(id);
            }
            Err(err) => {
                assert!(err.is_panic());
                assert_eq!(err.id(), boom);
                seen.insert(err.id());
            }
        }
    }
    assert_eq!(seen, HashSet::from([ok, boom]));
}

#[test]
fn spawn_local_joins_a_non_send_task_on_the_current_thread_runtime() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sum = zokio::task::LocalSet::new().block_on(&rt, async {
        let mut set = JoinSet::new();
        for i in 0..10 {
            let local = std::rc::Rc::new(i);
            set.spawn_local(async move { *local });
        }
        set.join_all().await.into_iter().sum::<i32>()
    });
    assert_eq!(sum, 45);
}
