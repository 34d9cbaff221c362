//! zokio-time beside tokio's timers, in one process.
//!
//! Workloads: arm and cancel 100,000 sleeps (one at a time, and all held then
//! all dropped); 100,000 timeouts around ready futures; the lateness of 1,000
//! `sleep(1 ms)`; and, to decide whether to shard the wheel, two threads
//! arming and cancelling at once on one shared wheel and on two shards.
//!
//! Each runtime is built first, then they are timed in turn (A B A B ...)
//! over several rounds; the table shows medians. `--quick` runs tiny sizes.
//!
//! `cargo bench -p zokio-time --bench timers [-- --quick] [arm-cancel|arm-all|timeouts|contended|lateness]`
#![cfg(not(loom))]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_lite::future::poll_once;
use zokio_bench::Better;
use zokio_core::{Driver, ThreadParker, budget, unpark_waker};
use zokio_time::TimeDriver;

struct Sizes {
    timers: u32,
    sleeps: u32,
    rounds: usize,
}

fn block_on_driver<F: Future>(driver: &mut TimeDriver<ThreadParker>, future: F) -> F::Output {
    let _guard = driver.handle().enter();
    let waker = unpark_waker(driver.unparker());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = budget::with_task_budget(|| future.as_mut().poll(&mut cx)) {
            return out;
        }
        driver.park(None);
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn percentile(xs: &mut [f64], p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * p).round() as usize]
}

fn secs(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

fn far(i: u32) -> Duration {
    Duration::from_secs(10) + Duration::from_micros(u64::from(i % 1000) * 997)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    // Optional workload filters (`arm-cancel`, `arm-all`, `timeouts`,
    // `contended`, `lateness`); cargo's own `--bench` flag is ignored.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let run = |key: &str| filters.is_empty() || filters.iter().any(|f| key.contains(f.as_str()));
    let sizes = if quick {
        Sizes {
            timers: 2_000,
            sleeps: 30,
            rounds: 2,
        }
    } else {
        Sizes {
            timers: 100_000,
            sleeps: 1_000,
            rounds: 11,
        }
    };
    let n = sizes.timers;

    // Build every runtime first.
    let mut zokio = TimeDriver::new(ThreadParker::new());
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let tokio_mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let shared = TimeDriver::with_shards(ThreadParker::new(), 1);
    let sharded = TimeDriver::with_shards(ThreadParker::new(), 2);

    let mut rows: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    let mut add = |name: &str, z: f64, t: f64| {
        if let Some(row) = rows.iter_mut().find(|r| r.0 == name) {
            row.1.push(z);
            row.2.push(t);
        } else {
            rows.push((name.to_string(), vec![z], vec![t]));
        }
    };
    let mut late_z = Vec::new();
    let mut late_t = Vec::new();

    for _ in 0..sizes.rounds {
        // 1. Arm (first poll) and cancel (drop), one at a time.
        if run("arm-cancel") {
            let z = secs(|| {
                block_on_driver(&mut zokio, async {
                    for i in 0..n {
                        let mut s = pin!(zokio_time::sleep(far(i)));
                        assert!(poll_once(s.as_mut()).await.is_none());
                    }
                })
            });
            let t = secs(|| {
                tokio_rt.block_on(async {
                    for i in 0..n {
                        let mut s = pin!(tokio::time::sleep(far(i)));
                        assert!(poll_once(s.as_mut()).await.is_none());
                    }
                })
            });
            add("arm+cancel 100k sleeps, one by one", z, t);
        }

        // 2. Arm all, then cancel all.
        if run("arm-all") {
            let z = secs(|| {
                block_on_driver(&mut zokio, async {
                    let mut held: Vec<_> = (0..n)
                        .map(|i| Box::pin(zokio_time::sleep(far(i))))
                        .collect();
                    for s in &mut held {
                        assert!(poll_once(s.as_mut()).await.is_none());
                    }
                })
            });
            let t = secs(|| {
                tokio_rt.block_on(async {
                    let mut held: Vec<_> = (0..n)
                        .map(|i| Box::pin(tokio::time::sleep(far(i))))
                        .collect();
                    for s in &mut held {
                        assert!(poll_once(s.as_mut()).await.is_none());
                    }
                })
            });
            add("arm 100k sleeps, then cancel all", z, t);
        }

        // 3. Timeouts around ready futures.
        if run("timeouts") {
            let z = secs(|| {
                block_on_driver(&mut zokio, async {
                    let mut sum = 0u64;
                    for i in 0..n {
                        sum += zokio_time::timeout(Duration::from_secs(1), async { u64::from(i) })
                            .await
                            .unwrap();
                    }
                    std::hint::black_box(sum);
                })
            });
            let t = secs(|| {
                tokio_rt.block_on(async {
                    let mut sum = 0u64;
                    for i in 0..n {
                        sum += tokio::time::timeout(Duration::from_secs(1), async { u64::from(i) })
                            .await
                            .unwrap();
                    }
                    std::hint::black_box(sum);
                })
            });
            add("100k timeouts around ready futures", z, t);
        }

        // 4. Two threads arming and cancelling at once: zokio's shared wheel
        // against two shards (the sharding decision), tokio for reference.
        let on_two_threads = |driver: &TimeDriver<ThreadParker>| {
            let handle = driver.handle();
            secs(|| {
                std::thread::scope(|scope| {
                    for _ in 0..2 {
                        let handle = handle.clone();
                        scope.spawn(move || {
                            let _guard = handle.enter();
                            zokio_core::block_on(async {
                                for i in 0..n {
                                    let mut s = pin!(zokio_time::sleep(far(i)));
                                    assert!(poll_once(s.as_mut()).await.is_none());
                                }
                            })
                        });
                    }
                })
            })
        };
        if run("contended") {
            let z_shared = on_two_threads(&shared);
            let z_sharded = on_two_threads(&sharded);
            let t = secs(|| {
                tokio_mt.block_on(async {
                    let tasks: Vec<_> = (0..2)
                        .map(|_| {
                            tokio::spawn(async move {
                                for i in 0..n {
                                    let mut s = pin!(tokio::time::sleep(far(i)));
                                    assert!(poll_once(s.as_mut()).await.is_none());
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                })
            });
            add("2 threads x arm+cancel 100k, shared wheel", z_shared, t);
            add("2 threads x arm+cancel 100k, 2 shards", z_sharded, t);
        }

        // 5. Lateness of sleep(1 ms).
        if !run("lateness") {
            continue;
        }
        let one = Duration::from_millis(1);
        block_on_driver(&mut zokio, async {
            for _ in 0..sizes.sleeps {
                let start = Instant::now();
                zokio_time::sleep(one).await;
                late_z.push((start.elapsed() - one).as_secs_f64());
            }
        });
        tokio_rt.block_on(async {
            for _ in 0..sizes.sleeps {
                let start = Instant::now();
                tokio::time::sleep(one).await;
                late_t.push((start.elapsed() - one).as_secs_f64());
            }
        });
    }

    println!(
        "zokio-time vs tokio (medians of {} rounds, {} timers per run{})",
        sizes.rounds,
        n,
        if quick { ", --quick" } else { "" }
    );
    println!(
        "{:<44} {:>12} {:>12} {:>14}",
        "workload", "zokio Mops/s", "tokio Mops/s", "zokio/tokio"
    );
    for (name, z, t) in rows {
        let ops = f64::from(n)
            * if name.starts_with("2 threads") {
                2.0
            } else {
                1.0
            };
        let (z, t) = (ops / median(z) / 1e6, ops / median(t) / 1e6);
        println!("{name:<44} {z:>12.2} {t:>12.2} {:>13.2}x", z / t);
        zokio_bench::record(
            &workload_key(&name),
            "Mops/s",
            Better::Higher,
            &["zokio", "tokio"],
            &[z, t],
        );
    }
    println!(
        "size of a sleep future: zokio {} bytes, tokio {} bytes",
        std::mem::size_of::<zokio_time::Sleep>(),
        std::mem::size_of::<tokio::time::Sleep>()
    );
    if late_z.is_empty() {
        return;
    }
    let (z50, z99) = (percentile(&mut late_z, 0.5), percentile(&mut late_z, 0.99));
    let (t50, t99) = (percentile(&mut late_t, 0.5), percentile(&mut late_t, 0.99));
    println!(
        "{:<44} {:>12} {:>12} {:>14}",
        "sleep(1 ms) lateness, µs", "zokio", "tokio", "zokio/tokio"
    );
    println!(
        "{:<44} {:>12.0} {:>12.0} {:>13.2}x",
        "  p50",
        z50 * 1e6,
        t50 * 1e6,
        z50 / t50
    );
    println!(
        "{:<44} {:>12.0} {:>12.0} {:>13.2}x",
        "  p99",
        z99 * 1e6,
        t99 * 1e6,
        z99 / t99
    );
    for (key, z, t) in [
        ("timer_sleep_1ms_lateness_p50", z50, t50),
        ("timer_sleep_1ms_lateness_p99", z99, t99),
    ] {
        zokio_bench::record(
            key,
            "us",
            Better::Lower,
            &["zokio", "tokio"],
            &[z * 1e6, t * 1e6],
        );
    }
}

/// A workload's row name for `cargo xtask bench`: `timer_` and the printed
/// name in snake case.
fn workload_key(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("timer_{}", words.join("_"))
}
