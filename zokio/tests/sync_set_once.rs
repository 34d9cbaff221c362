//! A port of tokio's tests/sync_set_once.rs to `zokio::sync::SetOnce`: every
//! test, with `#[zokio::test]` and `zokio::spawn` for tokio's, and each wait
//! bounded by a timeout. Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};
use std::time::Duration;
use zokio::sync::SetOnce;
use zokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct DropCounter {
    drops: Arc<AtomicU32>,
}

impl DropCounter {
    fn new() -> Self {
        DropCounter {
            drops: Arc::new(AtomicU32::new(0)),
        }
    }

    fn assert_num_drops(&self, value: u32) {
        assert_eq!(value, self.drops.load(Ordering::Relaxed));
    }
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn drop_cell() {
    let fooer = DropCounter::new();
    let fooer_cl = fooer.clone();

    {
        let once_cell = SetOnce::new();
        let prev = once_cell.set(fooer_cl);
        assert!(prev.is_ok())
    }

    fooer.assert_num_drops(1);
}

#[test]
fn drop_cell_new_with() {
    let fooer = DropCounter::new();

    {
        let once_cell = SetOnce::new_with(Some(fooer.clone()));
        assert!(once_cell.initialized());
    }

    fooer.assert_num_drops(1);
}

#[test]
fn drop_into_inner() {
    let fooer = DropCounter::new();

    let once_cell = SetOnce::new();
    assert!(once_cell.set(fooer.clone()).is_ok());
    let val = once_cell.into_inner();
    fooer.assert_num_drops(0);
    drop(val);
    fooer.assert_num_drops(1);
}

#[test]
fn drop_into_inner_new_with() {
    let fooer = DropCounter::new();

    let once_cell = SetOnce::new_with(Some(fooer.clone()));
    let val = once_cell.into_inner();
    fooer.assert_num_drops(0);
    drop(val);
    fooer.assert_num_drops(1);
}

#[test]
fn from() {
    let cell = SetOnce::from(2);
    assert_eq!(*cell.get().unwrap(), 2);
}

#[test]
fn set_and_get() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    ONCE.set(5).unwrap();
    let value = ONCE.get().unwrap();
    assert_eq!(*value, 5);
}

#[zokio::test]
async fn set_and_wait() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    zokio::spawn(async { ONCE.set(5) });

    let value = timeout(LIMIT, ONCE.wait()).await.unwrap();
    assert_eq!(*value, 5);
}

#[test]
fn set_and_wait_multiple_threads() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    let res1 = std::thread::spawn(|| ONCE.set(4));

    let res2 = std::thread::spawn(|| ONCE.set(3));

    let result_first = res1.join().unwrap().is_err();
    let result_two = res2.join().unwrap().is_err();

    assert!(result_first != result_two);
}

#[zokio::test]
async fn set_and_wait_threads() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    let thread = std::thread::spawn(|| {
        ONCE.set(4).unwrap();
    });

    let value = timeout(LIMIT, ONCE.wait()).await.unwrap();
    thread.join().unwrap();
    assert_eq!(*value, 4);
}

#[test]
fn get_uninit() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();
    let uninit = ONCE.get();
    assert!(uninit.is_none());
}

#[test]
fn set_twice() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    let first = ONCE.set(5);
    assert_eq!(first, Ok(()));
    let second = ONCE.set(6);
    assert!(second.is_err());
}

#[test]
fn is_none_initializing() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    assert_eq!(ONCE.get(), None);

    ONCE.set(20).unwrap();

    assert!(ONCE.set(10).is_err());
}

#[zokio::test]
async fn is_some_initializing() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();

    zokio::spawn(async { ONCE.set(20) });

    assert_eq!(*timeout(LIMIT, ONCE.wait()).await.unwrap(), 20);
}

#[test]
fn into_inner_int_empty_setonce() {
    let once = SetOnce::<u32>::new();

    let val = once.into_inner();

    assert!(val.is_none());
}

// ---- Zokio's own tests ----

#[test]
fn const_new_with_is_set_from_the_start() {
    static ONCE: SetOnce<u32> = SetOnce::const_new_with(7);
    assert!(ONCE.initialized());
    assert_eq!(ONCE.get(), Some(&7));
    assert_eq!(ONCE.set(8), Err(zokio::sync::SetOnceError(8)));
}

#[test]
fn a_wait_created_before_set_completes_even_if_first_polled_after() {
    let once = SetOnce::new();
    let mut wait = tokio_test::task::spawn(once.wait());
    once.set(1).unwrap();
    assert_eq!(tokio_test::assert_ready!(wait.poll()), &1);
}

#[test]
fn a_pending_wait_is_woken_by_set() {
    let once = SetOnce::new();
    let mut wait = tokio_test::task::spawn(once.wait());
    tokio_test::assert_pending!(wait.poll());
    once.set(2).unwrap();
    assert!(wait.is_woken());
    assert_eq!(tokio_test::assert_ready!(wait.poll()), &2);
}

#[test]
fn the_loser_of_a_set_race_sees_the_winners_value() {
    for _ in 0..200 {
        let once = Arc::new(SetOnce::new());
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let once = once.clone();
                std::thread::spawn(move || match once.set(i) {
                    Ok(()) => true,
                    Err(_) => {
                        assert!(once.get().is_some(), "set failed before the value showed");
                        false
                    }
                })
            })
            .collect();
        let winners = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&won| won)
            .count();
        assert_eq!(winners, 1);
    }
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_wait_for_one_set() {
    let once = Arc::new(SetOnce::new());
    let waiters: Vec<_> = (0..32)
        .map(|_| {
            let once = once.clone();
            zokio::spawn(async move { *once.wait().await })
        })
        .collect();
    zokio::time::sleep(Duration::from_millis(5)).await;
    once.set(9u32).unwrap();
    for waiter in waiters {
        assert_eq!(timeout(LIMIT, waiter).await.unwrap().unwrap(), 9);
    }
}

#[test]
fn clone_eq_debug_and_default_follow_the_value() {
    let empty = SetOnce::<u32>::default();
    let full = SetOnce::from(3);
    assert_eq!(full.clone(), full);
    assert_ne!(empty, full);
    assert_eq!(format!("{full:?}"), "SetOnce { value: Some(3) }");
    assert_eq!(format!("{}", zokio::sync::SetOnceError(1)), "SetOnceError");
}
