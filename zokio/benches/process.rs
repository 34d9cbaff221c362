//! Spawning and reaping children, Zokio's `process` beside `tokio::process`:
//!
//! - `spawn_wait_true_x200_sequential`: spawn `true` and wait for it, 200
//!   times one after another, in µs per child;
//! - `spawn_wait_true_x200_16_at_a_time`: the same 200 children, 16 running
//!   at once (each of 16 tasks spawns and waits for its share in turn);
//! - `cat_10mib_round_trip`: 10 MiB written to `cat`'s stdin while its
//!   stdout is read back, concurrently, in MiB/s (the pipes' path: reads,
//!   writes and their readiness).
//!
//! Each candidate runs on its own two-worker multi-thread runtime, built as
//! a user would (Zokio's with `enable_all`, tokio's with `enable_all`); the
//! candidates are interleaved round by round. Most of the time is the
//! kernel's `fork`/`exec`/`exit`, which both pay alike; the difference is
//! how each runtime learns of the exit and reaps (both register a pidfd
//! with their reactor on Linux; tokio's falls back to SIGCHLD elsewhere).
//!
//! `cargo bench -p zokio --bench process [-- --quick] [--filter NAME]`
#![cfg(all(not(loom), target_os = "linux"))]

use std::process::Stdio;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const CHILDREN: usize = 200;
const AT_ONCE: usize = 16;

async fn zokio_children(n: usize) {
    for _ in 0..n {
        let status = zokio::process::Command::new("true").status().await;
        assert!(status.expect("spawn true").success());
    }
}

async fn tokio_children(n: usize) {
    for _ in 0..n {
        let status = tokio::process::Command::new("true").status().await;
        assert!(status.expect("spawn true").success());
    }
}

fn per_child(children: usize, run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_secs_f64() * 1e6 / children as f64
}

const PIPED: usize = 10 << 20;
/// Read through a fixed chunk by both: futures-lite's `read_to_end` zero-fills
/// its spare capacity again after each `Pending`, which would dominate.
const CHUNK: usize = 64 << 10;

async fn zokio_cat(data: &[u8]) -> usize {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut child = zokio::process::Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat");
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let write = async move { stdin.write_all(data).await.expect("write") };
    let read = async {
        let mut chunk = vec![0u8; CHUNK];
        let mut total = 0;
        loop {
            match stdout.read(&mut chunk).await.expect("read") {
                0 => break total,
                n => total += n,
            }
        }
    };
    let ((), n) = futures_lite::future::zip(write, read).await;
    child.wait().await.expect("wait");
    n
}

async fn tokio_cat(data: &[u8]) -> usize {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat");
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let write = async move { stdin.write_all(data).await.expect("write") };
    let read = async {
        let mut chunk = vec![0u8; CHUNK];
        let mut total = 0;
        loop {
            match stdout.read(&mut chunk).await.expect("read") {
                0 => break total,
                n => total += n,
            }
        }
    };
    let ((), n) = tokio::join!(write, read);
    child.wait().await.expect("wait");
    n
}

fn mib_per_s(bytes: usize, run: impl FnOnce() -> usize) -> f64 {
    let start = Instant::now();
    assert_eq!(run(), bytes);
    bytes as f64 / (1 << 20) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut runner = Runner::from_args();
    let children = runner.size(CHILDREN, 32);
    let zrt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio runtime");
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");

    runner.compare(
        &format!("spawn_wait_true_x{children}_sequential"),
        "µs/child",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_child(children, || zrt.block_on(zokio_children(children)))),
            ),
            (
                "tokio",
                Box::new(|| per_child(children, || trt.block_on(tokio_children(children)))),
            ),
        ],
    );

    let share = children / AT_ONCE;
    let total = share * AT_ONCE;
    runner.compare(
        &format!("spawn_wait_true_x{total}_{AT_ONCE}_at_a_time"),
        "µs/child",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    per_child(total, || {
                        zrt.block_on(async {
                            let tasks: Vec<_> = (0..AT_ONCE)
                                .map(|_| zokio::spawn(zokio_children(share)))
                                .collect();
                            for task in tasks {
                                task.await.expect("task");
                            }
                        })
                    })
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    per_child(total, || {
                        trt.block_on(async {
                            let tasks: Vec<_> = (0..AT_ONCE)
                                .map(|_| tokio::spawn(tokio_children(share)))
                                .collect();
                            for task in tasks {
                                task.await.expect("task");
                            }
                        })
                    })
                }),
            ),
        ],
    );

    let bytes = runner.size(PIPED, PIPED / 16);
    let data: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    runner.compare(
        "cat_10mib_round_trip",
        "MiB/s",
        Better::Higher,
        vec![
            (
                "zokio",
                Box::new(|| mib_per_s(bytes, || zrt.block_on(zokio_cat(&data)))),
            ),
            (
                "tokio",
                Box::new(|| mib_per_s(bytes, || trt.block_on(tokio_cat(&data)))),
            ),
        ],
    );
}
