//! Point-to-point channels: Zokio's `sync::{mpsc, oneshot}` on its runtime,
//! Tokio's on Tokio's, and async-channel (what smol's users reach for) on
//! Zokio's runtime, so that beside "zokio" only the channel differs. Each
//! runtime is the multi-thread scheduler with two workers; each workload
//! runs as tasks of it, in nanoseconds per message:
//!
//! - `mpsc_bounded128_4to1`: four producer tasks send `N / 4` values each
//!   into one bounded channel of 128; one consumer task receives all `N`
//!   (the senders wait for room most of the time);
//! - `mpsc_unbounded_1to1`: one producer task sends `N` values into an
//!   unbounded channel, one consumer task receives them;
//! - `oneshot_create_send_recv`: one task makes a oneshot channel, sends a
//!   value and receives it, `N` times (the channel's own cost: allocation,
//!   state changes, drop). async-channel's candidate is `bounded(1)`.
//!
//! `cargo bench -p zokio --bench channels [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const PRODUCERS: u64 = 4;

/// Nanoseconds per message of a workload run as one task of `rt`.
fn per_message_zokio(
    rt: &zokio::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

fn per_message_tokio(
    rt: &tokio::runtime::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

/// The workloads in Tokio's channel API, which Zokio's and Tokio's share.
macro_rules! tokio_shaped {
    ($module:ident, $rt:ident) => {
        mod $module {
            use $rt::spawn;
            use $rt::sync::{mpsc, oneshot};

            pub async fn bounded_4to1(n: u64) {
                let (tx, mut rx) = mpsc::channel::<u64>(128);
                for p in 0..super::PRODUCERS {
                    let tx = tx.clone();
                    spawn(async move {
                        for i in 0..n / super::PRODUCERS {
                            tx.send(p + i).await.expect("receiver alive");
                        }
                    });
                }
                drop(tx);
                let mut received = 0;
                while let Some(v) = rx.recv().await {
                    std::hint::black_box(v);
                    received += 1;
                }
                assert_eq!(received, n / super::PRODUCERS * super::PRODUCERS);
            }

            pub async fn unbounded_1to1(n: u64) {
                let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
                spawn(async move {
                    for i in 0..n {
                        tx.send(i).expect("receiver alive");
                    }
                });
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                assert_eq!(sum, n * (n - 1) / 2);
            }

            pub async fn oneshot_round(n: u64) {
                for i in 0..n {
                    let (tx, rx) = oneshot::channel::<u64>();
                    tx.send(i).expect("receiver alive");
                    std::hint::black_box(rx.await.expect("sent"));
                }
            }
        }
    };
}

tokio_shaped!(on_zokio, zokio);
tokio_shaped!(on_tokio, tokio);

/// The same workloads on async-channel.
mod on_async_channel {
    pub async fn bounded_4to1(n: u64) {
        let (tx, rx) = async_channel::bounded::<u64>(128);
        for p in 0..super::PRODUCERS {
            let tx = tx.clone();
            zokio::spawn(async move {
                for i in 0..n / super::PRODUCERS {
                    tx.send(p + i).await.expect("receiver alive");
                }
            });
        }
        drop(tx);
        let mut received = 0;
        while let Ok(v) = rx.recv().await {
            std::hint::black_box(v);
            received += 1;
        }
        assert_eq!(received, n / super::PRODUCERS * super::PRODUCERS);
    }

    pub async fn unbounded_1to1(n: u64) {
        let (tx, rx) = async_channel::unbounded::<u64>();
        zokio::spawn(async move {
            for i in 0..n {
                tx.try_send(i).expect("receiver alive");
            }
        });
        let mut sum = 0;
        while let Ok(v) = rx.recv().await {
            sum += v;
        }
        assert_eq!(sum, n * (n - 1) / 2);
    }

    pub async fn oneshot_round(n: u64) {
        for i in 0..n {
            let (tx, rx) = async_channel::bounded::<u64>(1);
            tx.try_send(i).expect("receiver alive");
            std::hint::black_box(rx.recv().await.expect("sent"));
        }
    }
}

fn main() {
    let mut runner = Runner::from_args();
    let zokio_rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio runtime");
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let n = runner.size(400_000, 4_000);
    runner.compare(
        "mpsc_bounded128_4to1",
        "ns/msg",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_zokio::bounded_4to1(n))),
            ),
            (
                "tokio",
                Box::new(|| per_message_tokio(&tokio_rt, n, on_tokio::bounded_4to1(n))),
            ),
            (
                "async-channel",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_async_channel::bounded_4to1(n))),
            ),
        ],
    );

    let n = runner.size(1_000_000, 10_000);
    runner.compare(
        "mpsc_unbounded_1to1",
        "ns/msg",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_zokio::unbounded_1to1(n))),
            ),
            (
                "tokio",
                Box::new(|| per_message_tokio(&tokio_rt, n, on_tokio::unbounded_1to1(n))),
            ),
            (
                "async-channel",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_async_channel::unbounded_1to1(n))),
            ),
        ],
    );

    let n = runner.size(1_000_000, 10_000);
    runner.compare(
        "oneshot_create_send_recv",
        "ns/msg",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_zokio::oneshot_round(n))),
            ),
            (
                "tokio",
                Box::new(|| per_message_tokio(&tokio_rt, n, on_tokio::oneshot_round(n))),
            ),
            (
                "async-channel",
                Box::new(|| per_message_zokio(&zokio_rt, n, on_async_channel::oneshot_round(n))),
            ),
        ],
    );
}
