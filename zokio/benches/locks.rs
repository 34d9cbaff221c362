//! The async locks, Zokio's beside tokio's and async-lock's (the crate
//! `zokio::sync` re-exported before it had its own):
//!
//! - `mutex_uncontended`: one task locks and unlocks a `Mutex` over and over,
//!   in ns per lock-unlock pair, on a current-thread runtime (so it is the
//!   lock's fast path, plus the budget check, and nothing else);
//! - `semaphore_uncontended`: the same with a one-permit `Semaphore`'s
//!   `acquire` and the permit's drop;
//! - `rwlock_read_uncontended`: the same with an `RwLock`'s `read`;
//! - `mutex_contended_4_tasks`: four tasks on a two-worker runtime each lock
//!   the same `Mutex` and hold it across a `yield_now`, so every lock after
//!   the first queues and is handed over by the unlock; ns per lock.
//!
//! tokio's locks run on tokio's runtime, Zokio's and async-lock's on Zokio's.
//!
//! `cargo bench -p zokio --bench locks [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const TASKS: usize = 4;

fn zokio_current() -> zokio::runtime::CurrentThreadRuntime {
    zokio::runtime::Builder::new_current_thread()
        .build()
        .expect("zokio runtime")
}

fn tokio_current() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

/// Nanoseconds per iteration of `run`, a loop of `n` iterations that
/// `block_on` drives on the candidate's runtime.
fn per_op<F: Future<Output = ()>>(n: usize, block_on: impl FnOnce(F), run: F) -> f64 {
    let start = Instant::now();
    block_on(run);
    start.elapsed().as_nanos() as f64 / n as f64
}

fn uncontended(runner: &mut Runner) {
    let n = runner.size(2_000_000, 20_000);
    let zrt = zokio_current();
    let trt = tokio_current();

    let zm = zokio::sync::Mutex::new(0u64);
    let tm = tokio::sync::Mutex::new(0u64);
    let am = async_lock::Mutex::new(0u64);
    runner.compare(
        "mutex_uncontended",
        "ns/op",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            *zm.lock().await += 1;
                        }
                    })
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    per_op(n, |f| trt.block_on(f), async {
                        for _ in 0..n {
                            *tm.lock().await += 1;
                        }
                    })
                }),
            ),
            (
                "async-lock",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            *am.lock().await += 1;
                        }
                    })
                }),
            ),
        ],
    );

    let zs = zokio::sync::Semaphore::new(1);
    let ts = tokio::sync::Semaphore::new(1);
    let as_ = async_lock::Semaphore::new(1);
    runner.compare(
        "semaphore_uncontended",
        "ns/op",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            drop(std::hint::black_box(zs.acquire().await));
                        }
                    })
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    per_op(n, |f| trt.block_on(f), async {
                        for _ in 0..n {
                            drop(std::hint::black_box(ts.acquire().await));
                        }
                    })
                }),
            ),
            (
                "async-lock",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            drop(std::hint::black_box(as_.acquire().await));
                        }
                    })
                }),
            ),
        ],
    );

    let zl = zokio::sync::RwLock::new(0u64);
    let tl = tokio::sync::RwLock::new(0u64);
    let al = async_lock::RwLock::new(0u64);
    runner.compare(
        "rwlock_read_uncontended",
        "ns/op",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            std::hint::black_box(*zl.read().await);
                        }
                    })
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    per_op(n, |f| trt.block_on(f), async {
                        for _ in 0..n {
                            std::hint::black_box(*tl.read().await);
                        }
                    })
                }),
            ),
            (
                "async-lock",
                Box::new(|| {
                    per_op(n, |f| zrt.block_on(f), async {
                        for _ in 0..n {
                            std::hint::black_box(*al.read().await);
                        }
                    })
                }),
            ),
        ],
    );
}

fn contended(runner: &mut Runner) {
    let per_task = runner.size(20_000, 500);
    let total = per_task * TASKS;
    let zrt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("zokio runtime");
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("tokio runtime");
    runner.compare(
        "mutex_contended_4_tasks",
        "ns/op",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    let m = Arc::new(zokio::sync::Mutex::new(0usize));
                    let start = Instant::now();
                    zrt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|_| {
                                let m = m.clone();
                                zokio::spawn(async move {
                                    for _ in 0..per_task {
                                        let mut g = m.lock().await;
                                        zokio::task::yield_now().await;
                                        *g += 1;
                                    }
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.expect("task");
                        }
                    });
                    let ns = start.elapsed().as_nanos() as f64 / total as f64;
                    assert_eq!(*m.try_lock().unwrap(), total);
                    ns
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    let m = Arc::new(tokio::sync::Mutex::new(0usize));
                    let start = Instant::now();
                    trt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|_| {
                                let m = m.clone();
                                tokio::spawn(async move {
                                    for _ in 0..per_task {
                                        let mut g = m.lock().await;
                                        tokio::task::yield_now().await;
                                        *g += 1;
                                    }
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.expect("task");
                        }
                    });
                    let ns = start.elapsed().as_nanos() as f64 / total as f64;
                    assert_eq!(*m.try_lock().unwrap(), total);
                    ns
                }),
            ),
            (
                "async-lock",
                Box::new(|| {
                    let m = Arc::new(async_lock::Mutex::new(0usize));
                    let start = Instant::now();
                    zrt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|_| {
                                let m = m.clone();
                                zokio::spawn(async move {
                                    for _ in 0..per_task {
                                        let mut g = m.lock().await;
                                        zokio::task::yield_now().await;
                                        *g += 1;
                                    }
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.expect("task");
                        }
                    });
                    let ns = start.elapsed().as_nanos() as f64 / total as f64;
                    assert_eq!(*m.try_lock().unwrap(), total);
                    ns
                }),
            ),
        ],
    );
}

fn main() {
    let mut runner = Runner::from_args();
    uncontended(&mut runner);
    contended(&mut runner);
}
