//! The `tracing` feature's price beside Tokio's: spawn_many and yield_many
//! on Zokio built with `tracing` and Tokio built with `--cfg tokio_unstable`
//! and its `tracing` feature, both recorded by console-subscriber's layer
//! (its aggregator running, as under `console_subscriber::init`).
//!
//! `--cfg tokio_unstable` changes Tokio's whole build, so this bench has a
//! build of its own: `cargo xtask bench` runs it in its own target dir.
//! Without that cfg, Tokio emits nothing and the comparison would be void:
//! the bench says so and reports no row.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use zokio_bench::{Better, Runner, time};

/// Pending once after waking itself: one yield.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Runs console-subscriber's aggregator on a thread of its own (its own
/// tasks unrecorded), as `console_subscriber::init` does, and installs its
/// layer as the process's subscriber.
fn install_console() {
    let (layer, server) = console_subscriber::ConsoleLayer::builder()
        .retention(Duration::from_secs(5))
        .build();
    std::thread::spawn(move || {
        let _quiet = tracing::dispatcher::set_default(&tracing::Dispatch::none());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the aggregator's runtime");
        let parts = server.into_parts();
        rt.block_on(parts.aggregator.run());
    });
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("the bench's only subscriber");
}

pub fn main() {
    if !cfg!(tokio_unstable) {
        eprintln!(
            "traced bench: Tokio emits no spans without RUSTFLAGS=\"--cfg tokio_unstable\"; \
             run it through `cargo xtask bench`"
        );
        return;
    }
    let mut runner = Runner::from_args();
    let workers = 2;
    let spawn_n = runner.size(10_000, 100);
    let (yield_tasks, yields) = (runner.size(200, 10), runner.size(1_000, 10));
    install_console();

    let zokio = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("zokio runtime");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("tokio runtime");
    println!("traced workloads (console-subscriber's layer), {workers} workers per runtime");
    let micros = |d: Duration| d.as_secs_f64() * 1e6;

    runner.compare(
        "spawn_many (traced)",
        "µs",
        Better::Lower,
        vec![
            (
                "zokio-tracing",
                Box::new(|| {
                    micros(time(|| {
                        zokio.block_on(zokio.spawn(async move {
                            let count = Arc::new(AtomicUsize::new(0));
                            let tasks: Vec<_> = (0..spawn_n)
                                .map(|_| {
                                    let count = count.clone();
                                    zokio::spawn(async move {
                                        count.fetch_add(1, Ordering::Relaxed);
                                    })
                                })
                                .collect();
                            for t in tasks {
                                let _ = t.await;
                            }
                            assert_eq!(count.load(Ordering::Relaxed), spawn_n);
                        }))
                    }))
                }),
            ),
            (
                "tokio-unstable-tracing",
                Box::new(|| {
                    micros(time(|| {
                        tokio.block_on(tokio.spawn(async move {
                            let count = Arc::new(AtomicUsize::new(0));
                            let tasks: Vec<_> = (0..spawn_n)
                                .map(|_| {
                                    let count = count.clone();
                                    tokio::spawn(async move {
                                        count.fetch_add(1, Ordering::Relaxed);
                                    })
                                })
                                .collect();
                            for t in tasks {
                                let _ = t.await;
                            }
                            assert_eq!(count.load(Ordering::Relaxed), spawn_n);
                        }))
                    }))
                }),
            ),
        ],
    );

    runner.compare(
        "yield_many (traced)",
        "µs",
        Better::Lower,
        vec![
            (
                "zokio-tracing",
                Box::new(|| {
                    micros(time(|| {
                        let tasks: Vec<_> = (0..yield_tasks)
                            .map(|_| {
                                zokio.spawn(async move {
                                    for _ in 0..yields {
                                        YieldOnce(false).await;
                                    }
                                })
                            })
                            .collect();
                        zokio.block_on(async move {
                            for t in tasks {
                                let _ = t.await;
                            }
                        })
                    }))
                }),
            ),
            (
                "tokio-unstable-tracing",
                Box::new(|| {
                    micros(time(|| {
                        let tasks: Vec<_> = (0..yield_tasks)
                            .map(|_| {
                                tokio.spawn(async move {
                                    for _ in 0..yields {
                                        YieldOnce(false).await;
                                    }
                                })
                            })
                            .collect();
                        tokio.block_on(async move {
                            for t in tasks {
                                let _ = t.await;
                            }
                        })
                    }))
                }),
            ),
        ],
    );
}
