//! Port of Tokio's tokio/tests/sync_mutex.rs to `zokio::sync::Mutex`: all 8
//! of its tests (its commented-out `lock` test stays out). `#[tokio::test]`
//! becomes `#[zokio::test]`. In the two `aborted_future` tests the final
//! "the mutex is free" check waits up to a second instead of Tokio's 1 ms,
//! which on a loaded machine could expire before a free lock is polled;
//! the aborted part keeps its 1 ms timeout. Zokio's own tests follow.

use std::sync::Arc;
use std::time::Duration;

use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};
use zokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

#[test]
fn straight_execution() {
    let l = Mutex::new(100);

    {
        let mut t = spawn(l.lock());
        let mut g = assert_ready!(t.poll());
        assert_eq!(&*g, &100);
        *g = 99;
    }
    {
        let mut t = spawn(l.lock());
        let mut g = assert_ready!(t.poll());
        assert_eq!(&*g, &99);
        *g = 98;
    }
    {
        let mut t = spawn(l.lock());
        let g = assert_ready!(t.poll());
        assert_eq!(&*g, &98);
    }
}

#[test]
fn readiness() {
    let l1 = Arc::new(Mutex::new(100));
    let l2 = Arc::clone(&l1);
    let mut t1 = spawn(l1.lock());
    let mut t2 = spawn(l2.lock());

    let g = assert_ready!(t1.poll());

    // We can't now acquire the lease since it's already held in g
    assert_pending!(t2.poll());

    // But once g unlocks, we can acquire it
    drop(g);
    assert!(t2.is_woken());
    let _t2 = assert_ready!(t2.poll());
}

/// Ensure a mutex is unlocked if a future holding the lock
/// is aborted prematurely.
#[zokio::test]
async fn aborted_future_1() {
    use zokio::time::{interval, timeout};

    let m1: Arc<Mutex<usize>> = Arc::new(Mutex::new(0));
    {
        let m2 = m1.clone();
        // Try to lock mutex in a future that is aborted prematurely
        timeout(Duration::from_millis(1u64), async move {
            let mut iv = interval(Duration::from_millis(1000));
            let _g = m2.lock().await;
            iv.tick().await;
            iv.tick().await;
        })
        .await
        .unwrap_err();
    }
    // This should succeed as there is no lock left for the mutex.
    timeout(Duration::from_secs(1), async move {
        let _g = m1.lock().await;
    })
    .await
    .expect("Mutex is locked");
}

/// This test is similar to `aborted_future_1` but this time the
/// aborted future is waiting for the lock.
#[zokio::test]
async fn aborted_future_2() {
    use zokio::time::timeout;

    let m1: Arc<Mutex<usize>> = Arc::new(Mutex::new(0));
    {
        // Lock mutex
        let _lock = m1.lock().await;
        {
            let m2 = m1.clone();
            // Try to lock mutex in a future that is aborted prematurely
            timeout(Duration::from_millis(1u64), async move {
                let _g = m2.lock().await;
            })
            .await
            .unwrap_err();
        }
    }
    // This should succeed as there is no lock left for the mutex.
    timeout(Duration::from_secs(1), async move {
        let _g = m1.lock().await;
    })
    .await
    .expect("Mutex is locked");
}

#[test]
fn try_lock() {
    let m: Mutex<usize> = Mutex::new(0);
    {
        let g1 = m.try_lock();
        assert!(g1.is_ok());
        let g2 = m.try_lock();
        assert!(g2.is_err());
    }
    let g3 = m.try_lock();
    assert!(g3.is_ok());
}

#[zokio::test]
async fn debug_format() {
    let s = "debug";
    let m = Mutex::new(s.to_string());
    assert_eq!(format!("{s:?}"), format!("{:?}", m.lock().await));
}

#[zokio::test]
async fn mutex_debug() {
    let s = "data";
    let m = Mutex::new(s.to_string());
    assert_eq!(format!("{m:?}"), r#"Mutex { data: "data" }"#);
    let _guard = m.lock().await;
    assert_eq!(format!("{m:?}"), r#"Mutex { data: <locked> }"#)
}

// ---- Zokio's own ----

#[test]
fn the_lock_is_handed_out_in_request_order() {
    let m = Mutex::new(Vec::new());
    let g = m.try_lock().unwrap();
    let mut first = spawn(async {
        m.lock().await.push(1);
    });
    let mut second = spawn(async {
        m.lock().await.push(2);
    });
    assert_pending!(second.poll());
    assert_pending!(first.poll());
    assert!(m.try_lock().is_err(), "try_lock does not jump the queue");
    drop(g);
    assert!(second.is_woken(), "second asked first");
    assert!(!first.is_woken());
    assert_pending!(first.poll());
    assert_ready!(second.poll());
    assert!(first.is_woken());
    assert_ready!(first.poll());
    assert_eq!(*m.try_lock().unwrap(), vec![2, 1]);
}

#[test]
fn a_cancelled_lock_passes_the_lock_on() {
    let m = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let mut cancelled = spawn(m.lock());
    let mut next = spawn(m.lock());
    assert_pending!(cancelled.poll());
    assert_pending!(next.poll());
    drop(g);
    // The lock went to `cancelled`, which is dropped before it runs.
    assert!(cancelled.is_woken());
    drop(cancelled);
    assert!(next.is_woken());
    let _next = assert_ready!(next.poll());
}

#[test]
fn mapped_guards_hold_the_lock() {
    let m = Mutex::new((1, String::from("a")));
    let mut g = MutexGuard::map(m.try_lock().unwrap(), |v| &mut v.1);
    g.push('b');
    assert!(m.try_lock().is_err());
    let g: MappedMutexGuard<'_, str> = MappedMutexGuard::map(g, |s| s.as_mut_str());
    assert_eq!(&*g, "ab");
    assert_eq!(format!("{g}"), "ab");
    drop(g);
    assert_eq!(m.try_lock().unwrap().1, "ab");
}

#[test]
fn blocking_lock_from_a_plain_thread_waits_for_a_task() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let m = Arc::new(Mutex::new(0));
    let guard = rt.block_on(m.clone().lock_owned());
    let thread = {
        let m = m.clone();
        std::thread::spawn(move || *m.blocking_lock() + 1)
    };
    std::thread::sleep(Duration::from_millis(20));
    let mut guard = guard;
    *guard = 41;
    drop(guard);
    assert_eq!(thread.join().unwrap(), 42);
}

#[zokio::test]
#[should_panic = "Cannot block the current thread from within a runtime"]
async fn blocking_lock_in_a_task_panics() {
    let m = Mutex::new(0);
    let _g = m.blocking_lock();
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contended_increments_across_workers() {
    let m = Arc::new(Mutex::new(0u64));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let m = m.clone();
        tasks.push(zokio::spawn(async move {
            for _ in 0..500 {
                let mut g = m.lock().await;
                let v = *g;
                zokio::task::yield_now().await;
                *g = v + 1;
            }
        }));
    }
    for task in tasks {
        zokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("timed out")
            .unwrap();
    }
    assert_eq!(*m.lock().await, 4000);
}

#[zokio::test]
async fn an_uncontended_lock_loop_spends_the_budget_and_yields() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let m = Mutex::new(0);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let _other = zokio::spawn(async move { r.store(true, Ordering::SeqCst) });
    for _ in 0..1_000 {
        *m.lock().await += 1;
        if ran.load(Ordering::SeqCst) {
            return;
        }
    }
    panic!("a thousand uncontended locks never yielded to the other task");
}
