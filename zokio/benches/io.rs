//! Tokio's io utilities: Zokio's `zokio::io` on its runtime against Tokio's
//! `tokio::io` on Tokio's. The workloads are one source written in Tokio's
//! API, compiled twice (once per crate name), so only the implementation
//! differs. Each runtime is the multi-thread scheduler with two workers:
//!
//! - `duplex_4KiB_writes`: one task writes `N` chunks of 4 KiB into a
//!   `duplex(64 KiB)`, another reads them back (ns per chunk);
//! - `copy_bidirectional_duplex`: a task relays two `duplex` pairs with
//!   `copy_bidirectional` while one task streams `N` chunks of 4 KiB in and
//!   another drains them (ns per chunk);
//! - `lines_next_line`: `BufReader::new(&[u8]).lines()` and `next_line()`
//!   over `N` short lines (ns per line);
//! - `read_u32_from_buffer`: `read_u32` through a `BufReader` over `N`
//!   numbers (ns per number).
//!
//! `cargo bench -p zokio --bench io [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const CHUNK: usize = 4 << 10;

fn per_item_zokio(
    rt: &zokio::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

fn per_item_tokio(
    rt: &tokio::runtime::Runtime,
    n: u64,
    f: impl Future<Output = ()> + Send + 'static,
) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(f)).expect("workload task");
    start.elapsed().as_nanos() as f64 / n as f64
}

macro_rules! tokio_shaped {
    ($module:ident, $rt:ident) => {
        mod $module {
            use $rt::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
            use $rt::spawn;

            use super::CHUNK;

            pub async fn duplex_writes(n: u64) {
                let (mut tx, mut rx) = $rt::io::duplex(64 << 10);
                let writer = spawn(async move {
                    let chunk = [7u8; CHUNK];
                    for _ in 0..n {
                        tx.write_all(&chunk).await.unwrap();
                    }
                });
                let mut buf = [0u8; CHUNK];
                let mut total = 0u64;
                loop {
                    let got = rx.read(&mut buf).await.unwrap();
                    if got == 0 {
                        break;
                    }
                    total += got as u64;
                }
                writer.await.unwrap();
                assert_eq!(total, n * CHUNK as u64);
            }

            pub async fn copy_bidirectional(n: u64) {
                let (mut source, mut a) = $rt::io::duplex(64 << 10);
                let (mut b, mut sink) = $rt::io::duplex(64 << 10);
                let relay = spawn(async move { $rt::io::copy_bidirectional(&mut a, &mut b).await });
                let feed = spawn(async move {
                    let chunk = [3u8; CHUNK];
                    for _ in 0..n {
                        source.write_all(&chunk).await.unwrap();
                    }
                    source.shutdown().await.unwrap();
                    // Keep `source` open for reading until the relay ends.
                    let mut rest = Vec::new();
                    source.read_to_end(&mut rest).await.unwrap();
                });
                let mut buf = [0u8; CHUNK];
                let mut total = 0u64;
                loop {
                    let got = sink.read(&mut buf).await.unwrap();
                    if got == 0 {
                        break;
                    }
                    total += got as u64;
                }
                sink.shutdown().await.unwrap();
                feed.await.unwrap();
                let (there, back) = relay.await.unwrap().unwrap();
                assert_eq!((total, there, back), (n * CHUNK as u64, total, 0));
            }

            pub async fn lines(text: std::sync::Arc<Vec<u8>>, n: u64) {
                let mut lines = BufReader::new(&text[..]).lines();
                let mut count = 0;
                while let Some(line) = lines.next_line().await.unwrap() {
                    std::hint::black_box(line);
                    count += 1;
                }
                assert_eq!(count, n);
            }

            pub async fn read_u32s(bytes: std::sync::Arc<Vec<u8>>, n: u64) {
                let mut reader = BufReader::new(&bytes[..]);
                let mut sum = 0u64;
                for _ in 0..n {
                    sum += u64::from(reader.read_u32().await.unwrap());
                }
                assert_eq!(sum, n * (n - 1) / 2);
            }
        }
    };
}

tokio_shaped!(on_zokio, zokio);
tokio_shaped!(on_tokio, tokio);

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

    let n = runner.size(20_000, 500);
    runner.compare(
        "duplex_4KiB_writes",
        "ns/chunk",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_item_zokio(&zokio_rt, n, on_zokio::duplex_writes(n))),
            ),
            (
                "tokio",
                Box::new(|| per_item_tokio(&tokio_rt, n, on_tokio::duplex_writes(n))),
            ),
        ],
    );

    let n = runner.size(10_000, 300);
    runner.compare(
        "copy_bidirectional_duplex",
        "ns/chunk",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_item_zokio(&zokio_rt, n, on_zokio::copy_bidirectional(n))),
            ),
            (
                "tokio",
                Box::new(|| per_item_tokio(&tokio_rt, n, on_tokio::copy_bidirectional(n))),
            ),
        ],
    );

    let n = runner.size(200_000u64, 5_000);
    let text: String = (0..n).map(|i| format!("line number {i}\n")).collect();
    let text = std::sync::Arc::new(text.into_bytes());
    runner.compare(
        "lines_next_line",
        "ns/line",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_item_zokio(&zokio_rt, n, on_zokio::lines(text.clone(), n))),
            ),
            (
                "tokio",
                Box::new(|| per_item_tokio(&tokio_rt, n, on_tokio::lines(text.clone(), n))),
            ),
        ],
    );

    let n = runner.size(500_000u64, 10_000);
    let numbers: Vec<u8> = (0..n as u32).flat_map(u32::to_be_bytes).collect();
    let numbers = std::sync::Arc::new(numbers);
    runner.compare(
        "read_u32_from_buffer",
        "ns/number",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| per_item_zokio(&zokio_rt, n, on_zokio::read_u32s(numbers.clone(), n))),
            ),
            (
                "tokio",
                Box::new(|| per_item_tokio(&tokio_rt, n, on_tokio::read_u32s(numbers.clone(), n))),
            ),
        ],
    );
}
