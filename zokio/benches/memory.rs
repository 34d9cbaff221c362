//! The peers' memory figures: heap bytes per spawned `pending()` task and per
//! task sleeping on a timer, and one million idle tasks (time to spawn,
//! resident memory), on tokio and async-executor.
//!
//! Zokio's own figures come from the `task-memory` probe in zokio-bench, built
//! on its own, because this binary links async-executor, whose async-task
//! features would make Zokio's tasks bigger here than in a Zokio user's
//! build. Both use the same functions of `zokio_bench::memory`, and
//! `cargo xtask bench` puts the rows side by side.
//!
//! `cargo bench -p zokio --bench memory [-- --quick]`
#![cfg(not(loom))]

use std::future::{Future, pending};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zokio_bench::memory::{
    CountingAlloc, child_workload, live_bytes_per_item, report_from_child, rss_bytes, run_in_child,
};
use zokio_bench::{Better, Runner};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const TASKS: usize = 10_000;
const WORKERS: usize = 2;

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// async-executor on `WORKERS` threads, as smol users run it.
struct Smol {
    ex: Arc<async_executor::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Smol {
    fn new() -> Smol {
        let ex = Arc::new(async_executor::Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..WORKERS)
            .map(|_| {
                let (ex, stopped) = (ex.clone(), stopped.clone());
                std::thread::spawn(move || {
                    let _ = futures_lite::future::block_on(ex.run(stopped.recv()));
                })
            })
            .collect();
        Smol {
            ex,
            stop: Some(stop),
            threads,
        }
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn tokio_bytes<F: Future<Output = ()> + Send + 'static>(make: fn() -> F) -> f64 {
    let rt = tokio_rt();
    rt.block_on(async { tokio::spawn(async {}).await.unwrap() });
    live_bytes_per_item(
        TASKS,
        || {
            rt.block_on(rt.spawn(async move {
                for _ in 0..TASKS {
                    drop(tokio::spawn(make()));
                }
            }))
            .expect("spawner task")
        },
        || std::thread::sleep(Duration::from_millis(100)),
    )
}

fn smol_bytes<F: Future<Output = ()> + Send + 'static>(make: fn() -> F) -> f64 {
    let smol = Smol::new();
    let ex = smol.ex.clone();
    futures_lite::future::block_on(ex.spawn(async {}));
    live_bytes_per_item(
        TASKS,
        || {
            let inner = ex.clone();
            futures_lite::future::block_on(ex.spawn(async move {
                for _ in 0..TASKS {
                    inner.spawn(make()).detach();
                }
            }))
        },
        || std::thread::sleep(Duration::from_millis(100)),
    )
}

fn tokio_idle(n: usize) -> (f64, f64) {
    let rt = tokio_rt();
    let before = rss_bytes();
    let start = Instant::now();
    rt.block_on(rt.spawn(async move {
        for _ in 0..n {
            drop(tokio::spawn(pending::<()>()));
        }
    }))
    .expect("spawner task");
    let ms = start.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(200));
    (ms, rss_bytes().saturating_sub(before) as f64 / 1e6)
}

fn smol_idle(n: usize) -> (f64, f64) {
    let smol = Smol::new();
    let before = rss_bytes();
    let start = Instant::now();
    let ex = smol.ex.clone();
    let inner = ex.clone();
    futures_lite::future::block_on(ex.spawn(async move {
        for _ in 0..n {
            inner.spawn(pending::<()>()).detach();
        }
    }));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(200));
    (ms, rss_bytes().saturating_sub(before) as f64 / 1e6)
}

fn main() {
    let mut runner = Runner::from_args();
    let idle = runner.size(1_000_000, 100_000);
    match child_workload().as_deref() {
        Some("tokio_spawn") => return report_from_child(tokio_idle(idle).0),
        Some("tokio_rss") => return report_from_child(tokio_idle(idle).1),
        Some("smol_spawn") => return report_from_child(smol_idle(idle).0),
        Some("smol_rss") => return report_from_child(smol_idle(idle).1),
        _ => {}
    }
    runner.compare(
        "heap_bytes_per_pending_task",
        "bytes",
        Better::Lower,
        vec![
            ("tokio", Box::new(|| tokio_bytes(pending::<()>))),
            ("async-executor", Box::new(|| smol_bytes(pending::<()>))),
        ],
    );
    runner.compare(
        "heap_bytes_per_sleeping_task",
        "bytes",
        Better::Lower,
        vec![
            (
                "tokio",
                Box::new(|| {
                    tokio_bytes(|| async { tokio::time::sleep(Duration::from_secs(3600)).await })
                }),
            ),
            (
                "async-executor",
                Box::new(|| {
                    smol_bytes(|| async {
                        async_io::Timer::after(Duration::from_secs(3600)).await;
                    })
                }),
            ),
        ],
    );
    runner.compare(
        "idle_tasks_spawn_time",
        "ms",
        Better::Lower,
        vec![
            ("tokio", Box::new(|| run_in_child("tokio_spawn"))),
            ("async-executor", Box::new(|| run_in_child("smol_spawn"))),
        ],
    );
    runner.compare(
        "idle_tasks_resident_memory",
        "MB",
        Better::Lower,
        vec![
            ("tokio", Box::new(|| run_in_child("tokio_rss"))),
            ("async-executor", Box::new(|| run_in_child("smol_rss"))),
        ],
    );
}
