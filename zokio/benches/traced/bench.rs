//! The `tracing` feature's price beside Tokio's: spawn_many and yield_many
//! on Zokio built with `tracing` and Tokio built with `--cfg tokio_unstable`
//! and its `tracing` feature, both recorded by console-subscriber's layer
//! (its aggregator running, as under `console_subscriber::init`).
//!
//! `--cfg tokio_unstable` changes Tokio's whole build, so this bench has a
//! build of its own: `cargo xtask bench` runs it in its own target dir.
//! Without that cfg, Tokio emits nothing and the comparison would be void:
//! the bench says so and reports no row.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use zokio_bench::{Better, Runner, time};
use zokio_core::task::yield_now;

/// The two workloads, written once over a runtime's crate name, as a user
/// of that runtime writes them; each returns µs per run.
macro_rules! workloads_on {
    ($module:ident, $rt:ident) => {
        mod $module {
            use super::*;

            pub fn spawn_many(rt: &$rt::runtime::Runtime, n: usize) -> f64 {
                micros(time(|| {
                    rt.block_on(rt.spawn(async move {
                        let count = Arc::new(AtomicUsize::new(0));
                        let tasks: Vec<_> = (0..n)
                            .map(|_| {
                                let count = count.clone();
                                $rt::spawn(async move {
                                    count.fetch_add(1, Ordering::Relaxed);
                                })
                            })
                            .collect();
                        for t in tasks {
                            let _ = t.await;
                        }
                        assert_eq!(count.load(Ordering::Relaxed), n);
                    }))
                }))
            }

            pub fn yield_many(rt: &$rt::runtime::Runtime, tasks: usize, yields: usize) -> f64 {
                micros(time(|| {
                    let tasks: Vec<_> = (0..tasks)
                        .map(|_| {
                            rt.spawn(async move {
                                for _ in 0..yields {
                                    yield_now().await;
                                }
                            })
                        })
                        .collect();
                    rt.block_on(async move {
                        for t in tasks {
                            let _ = t.await;
                        }
                    })
                }))
            }
        }
    };
}

workloads_on!(on_zokio, zokio);
workloads_on!(on_tokio, tokio);

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Runs console-subscriber's aggregator on a thread of its own (its own
/// tasks unrecorded), as `console_subscriber::init` does, and installs its
/// layer as the process's subscriber.
///
/// The aggregator's thread silences itself with a registered `NoSubscriber`,
/// as console-subscriber's own `spawn` does, not with `Dispatch::none()`:
/// that one is not registered with tracing's callsite registry, so a
/// callsite first reached on that thread took its interest from it alone
/// and kept "never" for every thread. The aggregator's runtime reaches
/// Tokio's `runtime.spawn` callsite first in most runs, and then the layer
/// saw no Tokio task: Tokio's rows ran uninstrumented (about 2 µs per spawn
/// instead of 100).
fn install_console() {
    let (layer, server) = console_subscriber::ConsoleLayer::builder()
        .retention(Duration::from_secs(5))
        .build();
    std::thread::spawn(move || {
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
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

    runner.compare(
        "spawn_many (traced)",
        "µs",
        Better::Lower,
        vec![
            (
                "zokio-tracing",
                Box::new(|| on_zokio::spawn_many(&zokio, spawn_n)),
            ),
            (
                "tokio-unstable-tracing",
                Box::new(|| on_tokio::spawn_many(&tokio, spawn_n)),
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
                Box::new(|| on_zokio::yield_many(&zokio, yield_tasks, yields)),
            ),
            (
                "tokio-unstable-tracing",
                Box::new(|| on_tokio::yield_many(&tokio, yield_tasks, yields)),
            ),
        ],
    );
}
