//! With no handle entered, timers use the background timer thread and work
//! under any executor.
#![cfg(not(loom))]

use std::time::{Duration, Instant};

const D: Duration = Duration::from_millis(10);

#[test]
fn under_futures_lite_block_on() {
    assert!(zokio_time::Handle::try_current().is_err());
    let start = Instant::now();
    futures_lite::future::block_on(zokio_time::sleep(D));
    assert!(start.elapsed() >= D);
    let r = futures_lite::future::block_on(zokio_time::timeout(D, std::future::pending::<()>()));
    assert!(r.is_err());
}

#[test]
fn under_smols_executor() {
    let ex = async_executor::Executor::new();
    let start = Instant::now();
    let tasks: Vec<_> = (1..=10u64)
        .map(|i| {
            ex.spawn(async move {
                zokio_time::sleep(Duration::from_millis(i)).await;
                i
            })
        })
        .collect();
    let sum = futures_lite::future::block_on(ex.run(async {
        let mut sum = 0;
        for t in tasks {
            sum += t.await;
        }
        let mut interval = zokio_time::interval(Duration::from_millis(1));
        for _ in 0..3 {
            interval.tick().await;
        }
        sum
    }));
    assert_eq!(sum, 55);
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn under_tokios_runtimes() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let start = Instant::now();
    rt.block_on(zokio_time::sleep(D));
    assert!(start.elapsed() >= D);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let start = Instant::now();
    let n = rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| tokio::spawn(async { zokio_time::sleep(D).await }))
            .collect();
        let mut n = 0;
        for t in tasks {
            t.await.unwrap();
            n += 1;
        }
        n
    });
    assert_eq!(n, 8);
    assert!(start.elapsed() >= D);
}
