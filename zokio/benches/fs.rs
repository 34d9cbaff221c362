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
//! Three candidates:
//!
//! - `zokio`: a runtime with I/O, whose files use its reactor's io_uring
//!   (where the kernel allows it; under `ZOKIO_FS_BACKEND=blocking` this
//!   row takes the pool too);
//! - `zokio-pool`: the same builder without I/O, whose files take the
//!   blocking pool (the backend where io_uring is unavailable);
//! - `tokio`: `tokio::fs`, always on its blocking pool.
//!
//! On the ring, `fs_read_4k` is an open and two reads, each completed
//! inside its submission: no thread hop. `fs_write_4k` (`fs::write` of
//! 4 KiB over one file, µs per write) is mostly the kernel's truncation,
//! done on io-wq or a pool thread alike. `fs_metadata` on the ring is an
//! `O_PATH` open completed inside its submission, then the open file's
//! `stat` on the worker (ext4 keeps the attributes in memory); on the pool
//! it is one `stat` on a pool thread.
//!
//! `cargo bench -p zokio --bench fs [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const CHUNK: usize = 64 * 1024;

/// A Zokio runtime; without I/O its files take the blocking pool.
fn zokio_rt(io: bool) -> zokio::Runtime {
    let mut builder = zokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(WORKERS).enable_time();
    if io {
        builder.enable_io();
    }
    builder.build().expect("zokio runtime")
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

fn small_ops(
    runner: &mut Runner,
    zrts: [&zokio::Runtime; 2],
    trt: &tokio::runtime::Runtime,
    dir: &Path,
) {
    let n = runner.size(10_000, 200);
    let small = dir.join("small");
    std::fs::write(&small, vec![7u8; 4096]).expect("4 KiB file");

    let zokio_read = |zrt| {
        let path = small.clone();
        move || {
            let path = path.clone();
            on_zokio(zrt, async move {
                let start = Instant::now();
                for _ in 0..n {
                    assert_eq!(zokio::fs::read(&path).await.expect("read").len(), 4096);
                }
                micros_per_op(n, start)
            })
        }
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
            ("zokio", Box::new(zokio_read(zrts[0]))),
            ("zokio-pool", Box::new(zokio_read(zrts[1]))),
            ("tokio", Box::new(tokio_read)),
        ],
    );

    // Truncating and rewriting costs far more than reading: fewer of them.
    let writes = runner.size(1_000, 50);
    let written = dir.join("written");
    let zokio_write = |zrt| {
        let path = written.clone();
        move || {
            let path = path.clone();
            on_zokio(zrt, async move {
                let data = vec![7u8; 4096];
                let start = Instant::now();
                for _ in 0..writes {
                    zokio::fs::write(&path, &data).await.expect("write");
                }
                micros_per_op(writes, start)
            })
        }
    };
    let path = written.clone();
    let tokio_write = move || {
        let path = path.clone();
        on_tokio(trt, async move {
            let data = vec![7u8; 4096];
            let start = Instant::now();
            for _ in 0..writes {
                tokio::fs::write(&path, &data).await.expect("write");
            }
            micros_per_op(writes, start)
        })
    };
    runner.compare(
        "fs_write_4k",
        "µs/op",
        Better::Lower,
        vec![
            ("zokio", Box::new(zokio_write(zrts[0]))),
            ("zokio-pool", Box::new(zokio_write(zrts[1]))),
            ("tokio", Box::new(tokio_write)),
        ],
    );

    let zokio_meta = |zrt| {
        let path = small.clone();
        move || {
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
        }
    };
    let path = small.clone();
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
            ("zokio", Box::new(zokio_meta(zrts[0]))),
            ("zokio-pool", Box::new(zokio_meta(zrts[1]))),
            ("tokio", Box::new(tokio_meta)),
        ],
    );
}

fn sequential(
    runner: &mut Runner,
    zrts: [&zokio::Runtime; 2],
    trt: &tokio::runtime::Runtime,
    dir: &Path,
) {
    let total = runner.size(64 * 1024 * 1024, 4 * 1024 * 1024);
    // One file per candidate: each reads back what it wrote.
    let zpaths: [PathBuf; 2] = [dir.join("zokio-big"), dir.join("zokio-pool-big")];
    let tpath = dir.join("tokio-big");

    let zokio_write = |zrt, path: &PathBuf| {
        let path = path.clone();
        move || {
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
        }
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
            ("zokio", Box::new(zokio_write(zrts[0], &zpaths[0]))),
            ("zokio-pool", Box::new(zokio_write(zrts[1], &zpaths[1]))),
            ("tokio", Box::new(tokio_write)),
        ],
    );

    // The write row may have been filtered out: give the read row its files.
    for path in [&zpaths[0], &zpaths[1], &tpath] {
        if std::fs::metadata(path).map(|m| m.len()).ok() != Some(total as u64) {
            std::fs::write(path, vec![1u8; total]).expect("file to read back");
        }
    }
    let zokio_read = |zrt, path: &PathBuf| {
        let path = path.clone();
        move || {
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
        }
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
            ("zokio", Box::new(zokio_read(zrts[0], &zpaths[0]))),
            ("zokio-pool", Box::new(zokio_read(zrts[1], &zpaths[1]))),
            ("tokio", Box::new(tokio_read)),
        ],
    );
}

fn main() {
    let mut runner = Runner::from_args();
    let dir = tempfile::tempdir().expect("temp dir");
    let (ring, pool, trt) = (zokio_rt(true), zokio_rt(false), tokio_rt());
    small_ops(&mut runner, [&ring, &pool], &trt, dir.path());
    sequential(&mut runner, [&ring, &pool], &trt, dir.path());
    // The files go, and what the kernel still holds dirty is written now:
    // left to the flusher threads, that writeback would run during the next
    // bench binaries, on this machine's two cores.
    drop(dir);
    // SAFETY: sync(2) has no preconditions.
    unsafe { libc::sync() };
}
