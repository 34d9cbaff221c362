//! Port of Tokio's tokio/tests/sync_mutex_owned.rs to `zokio::sync::Mutex`'s
//! owned guards: all 6 of its tests. `#[tokio::test]` becomes
//! `#[zokio::test]`; as in sync_mutex.rs, the final "the mutex is free"
//! checks of the `aborted_future` tests wait up to a second instead of 1 ms.
//! Zokio's own tests follow.

use std::sync::Arc;
use std::time::Duration;

use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};
use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

#[test]
fn straight_execution() {
    let l = Arc::new(Mutex::new(100));

    {
        let mut t = spawn(l.clone().lock_owned());
        let mut g = assert_ready!(t.poll());
        assert_eq!(&*g, &100);
        *g = 99;
    }
    {
        let mut t = spawn(l.clone().lock_owned());
        let mut g = assert_ready!(t.poll());
        assert_eq!(&*g, &99);
        *g = 98;
    }
    {
        let mut t = spawn(l.lock_owned());
        let g = assert_ready!(t.poll());
        assert_eq!(&*g, &98);
    }
}

#[test]
fn readiness() {
    let l = Arc::new(Mutex::new(100));
    let mut t1 = spawn(l.clone().lock_owned());
    let mut t2 = spawn(l.lock_owned());

    let g = assert_ready!(t1.poll());

    // We can't now acquire the lease since it's already held in g
    assert_pending!(t2.poll());

    // But once g unlocks, we can acquire it
    drop(g);
    assert!(t2.is_woken());
    assert_ready!(t2.poll());
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
            m2.lock_owned().await;
            iv.tick().await;
            iv.tick().await;
        })
        .await
        .unwrap_err();
    }
    // This should succeed as there is no lock left for the mutex.
    timeout(Duration::from_secs(1), async move {
        m1.lock_owned().await;
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
        let _lock = m1.clone().lock_owned().await;
        {
            let m2 = m1.clone();
            // Try to lock mutex in a future that is aborted prematurely
            timeout(Duration::from_millis(1u64), async move {
                m2.lock_owned().await;
            })
            .await
            .unwrap_err();
        }
    }
    // This should succeed as there is no lock left for the mutex.
    timeout(Duration::from_secs(1), async move {
        m1.lock_owned().await;
    })
    .await
    .expect("Mutex is locked");
}

#[test]
fn try_lock_owned() {
    let m: Arc<Mutex<usize>> = Arc::new(Mutex::new(0));
    {
        let g1 = m.clone().try_lock_owned();
        assert!(g1.is_ok());
        let g2 = m.clone().try_lock_owned();
        assert!(g2.is_err());
    }
    let g3 = m.try_lock_owned();
    assert!(g3.is_ok());
}

#[zokio::test]
async fn debug_format() {
    let s = "debug";
    let m = Arc::new(Mutex::new(s.to_string()));
    assert_eq!(format!("{s:?}"), format!("{:?}", m.lock_owned().await));
}

// ---- Zokio's own ----

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owned_guard_moves_into_another_task() {
    let m = Arc::new(Mutex::new(Vec::<u32>::new()));
    let mut g = m.clone().lock_owned().await;
    let task = zokio::spawn(async move {
        g.push(1);
    });
    zokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("timed out")
        .unwrap();
    assert_eq!(*m.lock().await, vec![1]);
}

#[test]
fn owned_mapped_guards_keep_the_mutex_alive_and_locked() {
    let m = Arc::new(Mutex::new((1u8, vec![2u8])));
    let guard = m.clone().try_lock_owned().unwrap();
    let mut mapped = OwnedMutexGuard::map(guard, |v| &mut v.1);
    mapped.push(3);
    let mapped = OwnedMappedMutexGuard::try_map(mapped, |v| v.get_mut(7)).unwrap_err();
    let mapped: OwnedMappedMutexGuard<_, [u8]> =
        OwnedMappedMutexGuard::map(mapped, |v| v.as_mut_slice());
    assert!(m.try_lock().is_err());
    let weak = Arc::downgrade(&m);
    drop(m);
    assert!(weak.upgrade().is_some(), "the guard keeps the mutex alive");
    assert_eq!(&*mapped, &[2, 3]);
    drop(mapped);
    assert!(weak.upgrade().is_none());
}
