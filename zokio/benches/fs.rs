//! `zokio::fs` beside `tokio::fs`, each on its own multi-thread runtime (two
//! workers, built the way a user builds one), each operation awaited in
//! sequence from one spawned task:
//!
//! - `fs_read_4k`: `fs::read` of a 4 KiB file in the page cache, µs per read;
//! - `fs_metadata`: `fs::metadata` of that file, µs per call;
//! - `fs_seq_write_64m`: `File::create`, then 64 MiB written in 64 KiB
//!   chunks and flushed, MiB/s;
//! - `fs_seq_read_64m`: that file read back through `File` in 64 KiB reads,
//!   MiB/s.
//!
//! Both run every operation on their blocking pool, so a small operation
//! costs mostly the hop to a pool thread and back.
//!
//! `cargo bench -p zokio --bench fs [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const CHUNK: usize = 64 * 1024;

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

/// Runs `body` as one spawned task on each runtime and returns its result.
fn on_zokio<T: Send + 'static>(
    rt: &zokio::Runtime,
    body: impl Future<Output = T> + Send + 'static,
) -> T {
    rt.block_on(async { zokio::spawn(body).await.expect("bench task") })
}

fn on_tokio<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    body: impl Future<Output = T> + Send + 'static,
) -> T {
    rt.block_on(async { tokio::spawn(body).await.expect("bench task") })
}

fn micros_per_op(n: usize, start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn mib_per_sec(bytes: usize, start: Instant) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / start.elapsed().as_secs_f64()
}

fn small_ops(runner: &mut Runner, zrt: &zokio::Runtime, trt: &tokio::runtime::Runtime, dir: &Path) {
    let n = runner.size(10_000, 200);
    let small = dir.join("small");
    std::fs::write(&small, vec![7u8; 4096]).expect("4 KiB file");

    let path = small.clone();
    let zokio_read = move || {
        let path = path.clone();
        on_zokio(zrt, async move {
            let start = Instant::now();
            for _ in 0..n {
                assert_eq!(zokio::fs::read(&path).await.expect("read").len(), 4096);
            }
            micros_per_op(n, start)
        })
    };
    let path = small.clone();
    let tokio_read = move || {
        let path = path.clone();
        on_tokio(trt, async move {
            let start = Instant::now();
            for _ in 0..n {
                assert_eq!(tokio::fs::read(&path).await.expect("read").len(), 4096);
            }
            micros_per_op(n, start)
        })
    };
    runner.compare(
        "fs_read_4k",
        "µs/op",
        Better::Lower,
        vec![
            ("zokio", Box::new(zokio_read)),
            ("tokio", Box::new(tokio_read)),
        ],
    );

    let path = small.clone();
    let zokio_meta = move || {
        let path = path.clone();
        on_zokio(zrt, async move {
            let start = Instant::now();
            for _ in 0..n {
                assert!(
                    zokio::fs::metadata(&path)
                        .await
                        .expect("metadata")
                        .is_file()
                );
            }
            micros_per_op(n, start)
        })
    };
    let path = small;
    let tokio_meta = move || {
        let path = path.clone();
        on_tokio(trt, async move {
            let start = Instant::now();
            for _ in 0..n {
                assert!(
                    tokio::fs::metadata(&path)
                        .await
                        .expect("metadata")
                        .is_file()
                );
            }
            micros_per_op(n, start)
        })
    };
    runner.compare(
        "fs_metadata",
        "µs/op",
        Better::Lower,
        vec![
            ("zokio", Box::new(zokio_meta)),
            ("tokio", Box::new(tokio_meta)),
        ],
    );
}

fn sequential(
    runner: &mut Runner,
    zrt: &zokio::Runtime,
    trt: &tokio::runtime::Runtime,
    dir: &Path,
) {
    let total = runner.size(64 * 1024 * 1024, 4 * 1024 * 1024);
    let (zpath, tpath): (PathBuf, PathBuf) = (dir.join("zokio-big"), dir.join("tokio-big"));

    let path = zpath.clone();
    let zokio_write = move || {
        let path = path.clone();
        on_zokio(zrt, async move {
            use futures_lite::AsyncWriteExt;
            let chunk = vec![1u8; CHUNK];
            let start = Instant::now();
            let mut file = zokio::fs::File::create(&path).await.expect("create");
            for _ in 0..total / CHUNK {
                file.write_all(&chunk).await.expect("write");
            }
            file.flush().await.expect("flush");
            mib_per_sec(total, start)
        })
    };
    let path = tpath.clone();
    let tokio_write = move || {
        let path = path.clone();
        on_tokio(trt, async move {
            use tokio::io::AsyncWriteExt;
            let chunk = vec![1u8; CHUNK];
            let start = Instant::now();
            let mut file = tokio::fs::File::create(&path).await.expect("create");
            for _ in 0..total / CHUNK {
                file.write_all(&chunk).await.expect("write");
            }
            file.flush().await.expect("flush");
            mib_per_sec(total, start)
        })
    };
    runner.compare(
        "fs_seq_write_64m",
        "MiB/s",
        Better::Higher,
        vec![
            ("zokio", Box::new(zokio_write)),
            ("tokio", Box::new(tokio_write)),
        ],
    );

    // The write row may have been filtered out: give the read row its files.
    for path in [&zpath, &tpath] {
        if std::fs::metadata(path).map(|m| m.len()).ok() != Some(total as u64) {
            std::fs::write(path, vec![1u8; total]).expect("file to read back");
        }
    }
    let path = zpath;
    let zokio_read = move || {
        let path = path.clone();
        on_zokio(zrt, async move {
            use futures_lite::AsyncReadExt;
            let mut chunk = vec![0u8; CHUNK];
            let start = Instant::now();
            let mut file = zokio::fs::File::open(&path).await.expect("open");
            let mut read = 0;
            loop {
                match file.read(&mut chunk).await.expect("read") {
                    0 => break,
                    n => read += n,
                }
            }
            assert_eq!(read, total);
            mib_per_sec(total, start)
        })
    };
    let path = tpath;
    let tokio_read = move || {
        let path = path.clone();
        on_tokio(trt, async move {
            use tokio::io::AsyncReadExt;
            let mut chunk = vec![0u8; CHUNK];
            let start = Instant::now();
            let mut file = tokio::fs::File::open(&path).await.expect("open");
            let mut read = 0;
            loop {
                match file.read(&mut chunk).await.expect("read") {
                    0 => break,
                    n => read += n,
                }
            }
            assert_eq!(read, total);
            mib_per_sec(total, start)
        })
    };
    runner.compare(
        "fs_seq_read_64m",
        "MiB/s",
        Better::Higher,
        vec![
            ("zokio", Box::new(zokio_read)),
            ("tokio", Box::new(tokio_read)),
        ],
    );
}

fn main() {
    let mut runner = Runner::from_args();
    let dir = tempfile::tempdir().expect("temp dir");
    let (zrt, trt) = (zokio_rt(), tokio_rt());
    small_ops(&mut runner, &zrt, &trt, dir.path());
    sequential(&mut runner, &zrt, &trt, dir.path());
}
