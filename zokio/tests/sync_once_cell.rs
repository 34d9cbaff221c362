//! A port of tokio's tests/sync_once_cell.rs to `zokio::sync::OnceCell`: every
//! test. Zokio has no paused clock yet, so the tests that pause tokio's clock
//! run on real time: each `time::advance(d)` becomes `time::sleep(d)` (the
//! `pause`/`resume` calls go), and in `set_while_initializing` the initializer
//! sleeps 100 ms instead of 2 so that the 1 ms `set` lands inside it however
//! loaded the machine is. Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::mem;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use zokio::runtime;
use zokio::sync::OnceCell;
use zokio::sync::SetError;
use zokio::time;

struct Foo {
    value: Arc<AtomicU32>,
}

impl Drop for Foo {
    fn drop(&mut self) {
        self.value.fetch_add(1, Ordering::Release);
    }
}

impl From<Arc<AtomicU32>> for Foo {
    fn from(value: Arc<AtomicU32>) -> Self {
        Foo { value }
    }
}

#[test]
fn drop_cell() {
    let num_drops = Arc::new(AtomicU32::new(0));
    {
        let once_cell = OnceCell::new();
        let prev = once_cell.set(Foo::from(num_drops.clone()));
        assert!(prev.is_ok())
    }
    assert!(num_drops.load(Ordering::Acquire) == 1);
}

#[test]
fn drop_cell_new_with() {
    let num_drops = Arc::new(AtomicU32::new(0));
    {
        let once_cell = OnceCell::new_with(Some(Foo::from(num_drops.clone())));
        assert!(once_cell.initialized());
    }
    assert!(num_drops.load(Ordering::Acquire) == 1);
}

#[test]
fn drop_into_inner() {
    let num_drops = Arc::new(AtomicU32::new(0));

    let once_cell = OnceCell::new();
    assert!(once_cell.set(Foo::from(num_drops.clone())).is_ok());
    let fooer = once_cell.into_inner();
    let count = num_drops.load(Ordering::Acquire);
    assert!(count == 0);
    drop(fooer);
    let count = num_drops.load(Ordering::Acquire);
    assert!(count == 1);
}

#[test]
fn drop_into_inner_new_with() {
    let num_drops = Arc::new(AtomicU32::new(0));
    let fooer = Foo::from(num_drops.clone());

    let once_cell = OnceCell::new_with(Some(fooer));
    let fooer = once_cell.into_inner();
    let count = num_drops.load(Ordering::Acquire);
    assert!(count == 0);
    mem::drop(fooer);
    let count = num_drops.load(Ordering::Acquire);
    assert!(count == 1);
}

#[test]
fn from() {
    let cell = OnceCell::from(2);
    assert_eq!(*cell.get().unwrap(), 2);
}

async fn func1() -> u32 {
    5
}

async fn func2() -> u32 {
    time::sleep(Duration::from_millis(1)).await;
    10
}

async fn func_err() -> Result<u32, ()> {
    Err(())
}

async fn func_ok() -> Result<u32, ()> {
    Ok(10)
}

async fn func_panic() -> u32 {
    time::sleep(Duration::from_millis(1)).await;
    panic!();
}

async fn sleep_and_set() -> u32 {
    // Sleeps long enough for the other task to call `set` meanwhile, and
    // find the cell being initialized by this call.
    time::sleep(Duration::from_millis(100)).await;
    5
}

async fn advance_time_and_set(cell: &'static OnceCell<u32>, v: u32) -> Result<(), SetError<u32>> {
    time::sleep(Duration::from_millis(1)).await;
    cell.set(v)
}

#[test]
fn get_or_init() {
    let rt = runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    static ONCE: OnceCell<u32> = OnceCell::const_new();

    rt.block_on(async {
        let handle1 = rt.spawn(async { ONCE.get_or_init(func1).await });
        let handle2 = rt.spawn(async { ONCE.get_or_init(func2).await });

        time::sleep(Duration::from_millis(1)).await;

        let result1 = handle1.await.unwrap();
        let result2 = handle2.await.unwrap();

        assert_eq!(*result1, 5);
        assert_eq!(*result2, 5);
    });
}

#[test]
fn get_or_init_panic() {
    let rt = runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    static ONCE: OnceCell<u32> = OnceCell::const_new();

    rt.block_on(async {
        let handle1 = rt.spawn(async { ONCE.get_or_init(func1).await });
        let handle2 = rt.spawn(async { ONCE.get_or_init(func_panic).await });

        time::sleep(Duration::from_millis(1)).await;

        let result1 = handle1.await.unwrap();
        let result2 = handle2.await.unwrap();

        assert_eq!(*result1, 5);
        assert_eq!(*result2, 5);
    });
}

#[test]
fn set_and_get() {
    let rt = runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    static ONCE: OnceCell<u32> = OnceCell::const_new();

    rt.block_on(async {
        let _ = rt.spawn(async { ONCE.set(5) }).await;
        let value = ONCE.get().unwrap();
        assert_eq!(*value, 5);
    });
}

#[test]
fn get_uninit() {
    static ONCE: OnceCell<u32> = OnceCell::const_new();
    let uninit = ONCE.get();
    assert!(uninit.is_none());
}

#[test]
fn set_twice() {
    static ONCE: OnceCell<u32> = OnceCell::const_new();

    let first = ONCE.set(5);
    assert_eq!(first, Ok(()));
    let second = ONCE.set(6);
    assert!(second.err().unwrap().is_already_init_err());
}

#[test]
fn set_while_initializing() {
    let rt = runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    static ONCE: OnceCell<u32> = OnceCell::const_new();

    rt.block_on(async {
        let handle1 = rt.spawn(async { ONCE.get_or_init(sleep_and_set).await });
        let handle2 = rt.spawn(async { advance_time_and_set(&ONCE, 10).await });

        time::sleep(Duration::from_millis(2)).await;

        let result1 = handle1.await.unwrap();
        let result2 = handle2.await.unwrap();

        assert_eq!(*result1, 5);
        assert!(result2.err().unwrap().is_initializing_err());
    });
}

#[test]
fn get_or_try_init() {
    let rt = runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    static ONCE: OnceCell<u32> = OnceCell::const_new();

    rt.block_on(async {
        let handle1 = rt.spawn(async { ONCE.get_or_try_init(func_err).await });
        let handle2 = rt.spawn(async { ONCE.get_or_try_init(func_ok).await });

        time::sleep(Duration::from_millis(1)).await;

        let result1 = handle1.await.unwrap();
        assert!(result1.is_err());

        let result2 = handle2.await.unwrap();
        assert_eq!(*result2.unwrap(), 10);
    });
}

// ---- Zokio's own tests ----

mod zokio_own {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio_test::task::spawn;
    use tokio_test::{assert_pending, assert_ready};
    use zokio::sync::{OnceCell, SetError};

    #[test]
    fn a_cancelled_initializer_lets_a_waiter_initialize() {
        let cell = OnceCell::new();
        let mut first = spawn(cell.get_or_init(std::future::pending::<u32>));
        assert_pending!(first.poll());
        assert!(cell.set(0).unwrap_err().is_initializing_err());
        let mut second = spawn(cell.get_or_init(|| async { 2 }));
        assert_pending!(second.poll());
        drop(first);
        assert!(second.is_woken(), "the waiter is told the cell is free");
        assert_eq!(assert_ready!(second.poll()), &2);
    }

    #[test]
    fn a_panicking_initializer_lets_a_waiter_initialize() {
        let cell = OnceCell::new();
        let (tx, rx) = zokio::sync::oneshot::channel::<()>();
        let mut first = spawn(cell.get_or_init(|| async {
            rx.await.unwrap();
            panic!("initializer failed")
        }));
        assert_pending!(first.poll());
        let mut second = spawn(cell.get_or_init(|| async { 3 }));
        assert_pending!(second.poll());
        tx.send(()).unwrap();
        assert!(catch_unwind(AssertUnwindSafe(|| first.poll())).is_err());
        assert!(second.is_woken());
        assert_eq!(assert_ready!(second.poll()), &3);
    }

    #[test]
    fn an_initializer_error_lets_a_waiter_initialize() {
        let cell = OnceCell::new();
        let (tx, rx) = zokio::sync::oneshot::channel::<()>();
        let mut first = spawn(cell.get_or_try_init(|| async {
            rx.await.unwrap();
            Err::<u32, _>("failed")
        }));
        assert_pending!(first.poll());
        let mut second = spawn(cell.get_or_try_init(|| async { Ok::<_, &str>(4) }));
        assert_pending!(second.poll());
        tx.send(()).unwrap();
        assert_eq!(assert_ready!(first.poll()), Err("failed"));
        assert!(second.is_woken());
        assert_eq!(assert_ready!(second.poll()), Ok(&4));
    }

    #[test]
    fn a_cancelled_waiter_does_not_hold_up_the_others() {
        let cell = OnceCell::new();
        let mut first = spawn(cell.get_or_init(std::future::pending::<u32>));
        assert_pending!(first.poll());
        let mut second = spawn(cell.get_or_init(|| async { 2 }));
        let mut third = spawn(cell.get_or_init(|| async { 3 }));
        assert_pending!(second.poll());
        assert_pending!(third.poll());
        drop(first); // hands over to `second`...
        drop(second); // ...which passes it on as it goes
        assert!(third.is_woken());
        assert_eq!(assert_ready!(third.poll()), &3);
    }

    #[test]
    fn waiters_all_complete_when_the_value_is_set() {
        let cell = OnceCell::new();
        let (tx, rx) = zokio::sync::oneshot::channel::<()>();
        let mut init = spawn(cell.get_or_init(|| async {
            rx.await.unwrap();
            1
        }));
        assert_pending!(init.poll());
        let mut waiters: Vec<_> = (0..8)
            .map(|_| spawn(cell.get_or_init(|| async { unreachable!("not called") })))
            .collect();
        for w in &mut waiters {
            assert_pending!(w.poll());
        }
        tx.send(()).unwrap();
        assert_eq!(assert_ready!(init.poll()), &1);
        for w in &mut waiters {
            assert!(w.is_woken());
            assert_eq!(assert_ready!(w.poll()), &1);
        }
    }

    #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_run_one_initializer() {
        let cell = Arc::new(OnceCell::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let (cell, calls) = (cell.clone(), calls.clone());
                zokio::spawn(async move {
                    *cell
                        .get_or_init(|| async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            zokio::time::sleep(Duration::from_millis(2)).await;
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            let value = zokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("every caller got the value")
                .unwrap();
            seen.push(value);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(seen.iter().all(|&v| v == seen[0]));
    }

    #[test]
    fn take_empties_the_cell_for_a_new_initialization() {
        let mut cell = OnceCell::from(1);
        *cell.get_mut().unwrap() = 2;
        assert_eq!(cell.take(), Some(2));
        assert_eq!(cell.get(), None);
        assert_eq!(cell.take(), None);
        let mut again = spawn(cell.get_or_init(|| async { 3 }));
        assert_eq!(assert_ready!(again.poll()), &3);
    }

    #[test]
    fn const_new_with_is_initialized_from_the_start() {
        static ONCE: OnceCell<u32> = OnceCell::const_new_with(7);
        assert_eq!(ONCE.get(), Some(&7));
        assert_eq!(ONCE.set(8), Err(SetError::AlreadyInitializedError(8)));
    }

    #[test]
    fn clone_eq_debug_default_and_errors_follow_tokio() {
        let empty = OnceCell::<u32>::default();
        let full = OnceCell::from(3);
        assert_eq!(full.clone(), full);
        assert_ne!(empty, full);
        assert_eq!(empty.clone().get(), None);
        assert_eq!(format!("{full:?}"), "OnceCell { value: Some(3) }");
        let err = SetError::InitializingError(1);
        assert_eq!(err.to_string(), "InitializingError");
        assert!(!err.is_already_init_err());
        assert_eq!(
            SetError::AlreadyInitializedError(1).to_string(),
            "AlreadyInitializedError"
        );
    }
}
