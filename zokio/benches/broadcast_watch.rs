//! Fan-out channels, Zokio's beside Tokio's, each on its own runtime's
//! multi-thread scheduler with two workers, written as their users write
//! them:
//!
//! - `watch_send_8_receivers`: one task sends `N` values on a watch channel,
//!   yielding after each (a producer with other work between updates); eight
//!   receiver tasks each await `changed` and read the value with
//!   `borrow_and_update` until they see the last one. In nanoseconds per
//!   value sent.
//! - `broadcast_1_to_8`: one task sends `N` values on a broadcast channel
//!   with room for all of them (nobody lags); eight receiver tasks each
//!   receive every value. In nanoseconds per value sent (each is received
//!   eight times). `async-broadcast` runs the same workload on Zokio's
//!   runtime, so beside "zokio" only the channel differs.
//!
//! `cargo bench -p zokio --bench broadcast_watch [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const RECEIVERS: usize = 8;

fn zokio_rt() -> zokio::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Nanoseconds per value for a workload run as one task of `rt`.
fn per_value_zokio(
    rt: &zokio::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

fn per_value_tokio(
    rt: &tokio::runtime::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

// ---- watch_send_8_receivers ----

async fn watch_zokio(n: u64) {
    let (tx, rx) = zokio::sync::watch::channel(0u64);
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.clone();
            zokio::spawn(async move {
                let mut reads = 0u64;
                loop {
                    rx.changed().await.expect("sender alive");
                    reads += 1;
                    if *rx.borrow_and_update() == n {
                        return reads;
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for i in 1..=n {
        tx.send(i).expect("receivers alive");
        zokio::task::yield_now().await;
    }
    for r in receivers {
        assert!(r.await.expect("receiver") >= 1);
    }
}

async fn watch_tokio(n: u64) {
    let (tx, rx) = tokio::sync::watch::channel(0u64);
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.clone();
            tokio::spawn(async move {
                let mut reads = 0u64;
                loop {
                    rx.changed().await.expect("sender alive");
                    reads += 1;
                    if *rx.borrow_and_update() == n {
                        return reads;
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for i in 1..=n {
        tx.send(i).expect("receivers alive");
        tokio::task::yield_now().await;
    }
    for r in receivers {
        assert!(r.await.expect("receiver") >= 1);
    }
}

// ---- broadcast_1_to_8 ----

fn expected_sum(n: u64) -> u64 {
    n * (n - 1) / 2
}

async fn broadcast_zokio(n: u64) {
    let (tx, rx) = zokio::sync::broadcast::channel::<u64>(n as usize);
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.resubscribe();
            zokio::spawn(async move {
                let mut sum = 0;
                for _ in 0..n {
                    sum += rx.recv().await.expect("no lag, sender alive");
                }
                sum
            })
        })
        .collect();
    drop(rx);
    for i in 0..n {
        tx.send(i).expect("receivers alive");
    }
    for r in receivers {
        assert_eq!(r.await.expect("receiver"), expected_sum(n));
    }
}

async fn broadcast_tokio(n: u64) {
    let (tx, rx) = tokio::sync::broadcast::channel::<u64>(n as usize);
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.resubscribe();
            tokio::spawn(async move {
                let mut sum = 0;
                for _ in 0..n {
                    sum += rx.recv().await.expect("no lag, sender alive");
                }
                sum
            })
        })
        .collect();
    drop(rx);
    for i in 0..n {
        tx.send(i).expect("receivers alive");
    }
    for r in receivers {
        assert_eq!(r.await.expect("receiver"), expected_sum(n));
    }
}

async fn broadcast_async_broadcast(n: u64) {
    let (tx, rx) = async_broadcast::broadcast::<u64>(n as usize);
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = rx.new_receiver();
            zokio::spawn(async move {
                let mut sum = 0;
                for _ in 0..n {
                    sum += rx.recv().await.expect("no lag, sender alive");
                }
                sum
            })
        })
        .collect();
    drop(rx);
    for i in 0..n {
        // Never full: the capacity holds every value.
        tx.try_broadcast(i).expect("room and receivers");
    }
    for r in receivers {
        assert_eq!(r.await.expect("receiver"), expected_sum(n));
    }
}

fn main() {
    let mut runner = Runner::from_args();
    let zokio = zokio_rt();
    let tokio = tokio_rt();

    let n = runner.size(20_000u64, 500);
    runner.compare(
        "watch_send_8_receivers",
        "ns/value",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_value_zokio(&zokio, n, watch_zokio(n))),
            ),
            (
                "tokio",
                Box::new(|| per_value_tokio(&tokio, n, watch_tokio(n))),
            ),
        ],
    );

    let n = runner.size(100_000u64, 2_000);
    runner.compare(
        "broadcast_1_to_8",
        "ns/value",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_value_zokio(&zokio, n, broadcast_zokio(n))),
            ),
            (
                "tokio",
                Box::new(|| per_value_tokio(&tokio, n, broadcast_tokio(n))),
            ),
            (
                "async-broadcast",
                Box::new(|| per_value_zokio(&zokio, n, broadcast_async_broadcast(n))),
            ),
        ],
    );
}
