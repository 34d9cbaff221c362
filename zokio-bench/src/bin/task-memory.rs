//! Zokio's memory figures, measured in a process whose dependency graph is a
//! Zokio user's.
//!
//! A task's size depends on async-task's `std` feature, which cargo unifies
//! over everything built together: a bench binary that also links
//! async-executor (a peer) makes every Zokio task 16 bytes bigger than a Zokio
//! user's. So `cargo xtask bench` builds this binary on its own
//! (`cargo run --release -p zokio-bench --features probe --bin task-memory`),
//! and the peers' figures come from `zokio/benches/memory.rs`, which measures
//! them with the same functions.

use std::future::pending;
use std::time::{Duration, Instant};

use zokio_bench::memory::{
    CountingAlloc, child_workload, live_bytes_per_item, report_from_child, rss_bytes, run_in_child,
};
use zokio_bench::{Better, Runner};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const TASKS: usize = 10_000;

fn runtime() -> zokio::Runtime {
    zokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Spawns `TASKS` detached copies of `make()` from a task on the runtime (as a
/// server spawns), then lets every worker poll them once.
fn bytes_per_task<F>(make: fn() -> F) -> f64
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let rt = runtime();
    rt.block_on(async { zokio::spawn(async {}).await.unwrap() }); // warm the workers
    live_bytes_per_item(
        TASKS,
        || {
            rt.block_on(rt.spawn(async move {
                for _ in 0..TASKS {
                    drop(zokio::spawn(make()));
                }
            }))
            .expect("spawner task")
        },
        || std::thread::sleep(Duration::from_millis(100)),
    )
}

fn million_idle(n: usize) -> (f64, f64) {
    let rt = runtime();
    let before = rss_bytes();
    let start = Instant::now();
    rt.block_on(rt.spawn(async move {
        for _ in 0..n {
            drop(zokio::spawn(pending::<()>()));
        }
    }))
    .expect("spawner task");
    let spawn_ms = start.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(200));
    let rss_mb = (rss_bytes().saturating_sub(before)) as f64 / 1e6;
    (spawn_ms, rss_mb)
}

fn main() {
    let mut runner = Runner::from_args();
    let idle = runner.size(1_000_000, 100_000);
    match child_workload().as_deref() {
        Some("idle_spawn_ms") => return report_from_child(million_idle(idle).0),
        Some("idle_rss_mb") => return report_from_child(million_idle(idle).1),
        _ => {}
    }
    runner.compare(
        "heap_bytes_per_pending_task",
        "bytes",
        Better::Lower,
        vec![("zokio", Box::new(|| bytes_per_task(pending::<()>)))],
    );
    runner.compare(
        "heap_bytes_per_sleeping_task",
        "bytes",
        Better::Lower,
        vec![(
            "zokio",
            Box::new(|| {
                bytes_per_task(|| async { zokio::time::sleep(Duration::from_secs(3600)).await })
            }),
        )],
    );
    runner.compare(
        "idle_tasks_spawn_time",
        "ms",
        Better::Lower,
        vec![("zokio", Box::new(|| run_in_child("idle_spawn_ms")))],
    );
    runner.compare(
        "idle_tasks_resident_memory",
        "MB",
        Better::Lower,
        vec![("zokio", Box::new(|| run_in_child("idle_rss_mb")))],
    );
}
