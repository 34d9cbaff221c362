//! Files: `zokio::fs` on its io_uring backend, `zokio::fs` on its blocking
//! pool (a runtime built without I/O, whose file operations take the
//! pool), and `tokio::fs` (always its blocking pool), interleaved:
//!
//! - `fs_read_4k_cached`: `fs::read` of a 4 KiB file that is in the page
//!   cache, 10,000 times in a row in one task; ns per read. On the ring an
//!   open, a statx and a read each complete inside their submission: no
//!   thread hop, no wakeup.
//! - `fs_write_4k`: `fs::write` of 4 KiB over one file (truncated and
//!   rewritten), 1,000 times in a row; ns per write (mostly the kernel's
//!   truncation: ext4 frees the old block each time).
//! - `fs_write_64m_seq`: `File::create`, 1,024 writes of 64 KiB and a
//!   `flush`; MiB/s. Each write is copied into the file's buffer and
//!   written in the background while the next waits, as in Tokio.
//! - `fs_read_64m_seq`: `File::open` and `read_exact` of 64 KiB chunks to
//!   the end of that (cached) 64 MiB file; MiB/s.
//!
//! Every runtime is a multi-thread one with two workers, built as a user
//! would. Under `ZOKIO_FS_BACKEND=blocking` the "zokio-ring" row runs on
//! the pool too.
//!
//! `cargo bench -p zokio --bench fs [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::path::{Path, PathBuf};
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;
const CHUNK: usize = 64 * 1024;

fn zokio_runtime(io: bool) -> zokio::Runtime {
    let mut builder = zokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(WORKERS).enable_time();
    if io {
        builder.enable_io();
    }
    builder.build().expect("zokio runtime")
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A directory of our own under the system's temporary one.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let path = std::env::temp_dir().join(format!("zokio-bench-fs-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("bench directory");
        Dir(path)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn small_reads(runner: &mut Runner, dir: &Dir, ring: &zokio::Runtime, pool: &zokio::Runtime) {
    let n = runner.size(10_000, 500);
    let path = dir.file("small");
    std::fs::write(&path, vec![7u8; 4096]).expect("small file");
    let trt = tokio_runtime();
    let zokio_reads = |rt: &zokio::Runtime, path: &Path| {
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..n {
                let data = zokio::fs::read(path).await.expect("read");
                assert_eq!(data.len(), 4096);
            }
        });
        start.elapsed().as_nanos() as f64 / n as f64
    };
    runner.compare(
        "fs_read_4k_cached",
        "ns/op",
        Better::Lower,
        vec![
            ("zokio-ring", Box::new(|| zokio_reads(ring, &path))),
            ("zokio-pool", Box::new(|| zokio_reads(pool, &path))),
            (
                "tokio",
                Box::new(|| {
                    let start = Instant::now();
                    trt.block_on(async {
                        for _ in 0..n {
                            let data = tokio::fs::read(&path).await.expect("read");
                            assert_eq!(data.len(), 4096);
                        }
                    });
                    start.elapsed().as_nanos() as f64 / n as f64
                }),
            ),
        ],
    );
}

fn small_writes(runner: &mut Runner, dir: &Dir, ring: &zokio::Runtime, pool: &zokio::Runtime) {
    let n = runner.size(1_000, 100);
    let path = dir.file("small-written");
    let data = vec![7u8; 4096];
    let trt = tokio_runtime();
    let zokio_writes = |rt: &zokio::Runtime, path: &Path| {
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..n {
                zokio::fs::write(path, &data).await.expect("write");
            }
        });
        start.elapsed().as_nanos() as f64 / n as f64
    };
    runner.compare(
        "fs_write_4k",
        "ns/op",
        Better::Lower,
        vec![
            ("zokio-ring", Box::new(|| zokio_writes(ring, &path))),
            ("zokio-pool", Box::new(|| zokio_writes(pool, &path))),
            (
                "tokio",
                Box::new(|| {
                    let start = Instant::now();
                    trt.block_on(async {
                        for _ in 0..n {
                            tokio::fs::write(&path, &data).await.expect("write");
                        }
                    });
                    start.elapsed().as_nanos() as f64 / n as f64
                }),
            ),
        ],
    );
}

/// MiB per second of moving `bytes` in `start.elapsed()`.
fn mib_per_s(bytes: usize, start: Instant) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / start.elapsed().as_secs_f64()
}

fn sequential(runner: &mut Runner, dir: &Dir, ring: &zokio::Runtime, pool: &zokio::Runtime) {
    let chunks = runner.size(1024, 64);
    let total = chunks * CHUNK;
    let trt = tokio_runtime();
    let chunk = vec![0x5au8; CHUNK];
    // One file per candidate, so that each reads what it wrote.
    let paths = [dir.file("seq-ring"), dir.file("seq-pool"), dir.file("seq-tokio")];
    for path in &paths {
        // Written up front too, so that the reads have a file under --filter.
        std::fs::write(path, vec![0x5au8; total]).expect("sequential file");
    }

    let zokio_write = |rt: &zokio::Runtime, path: &Path| {
        use futures_lite::io::AsyncWriteExt;
        let start = Instant::now();
        rt.block_on(async {
            let mut file = zokio::fs::File::create(path).await.expect("create");
            for _ in 0..chunks {
                file.write_all(&chunk).await.expect("write");
            }
            file.flush().await.expect("flush");
        });
        mib_per_s(total, start)
    };
    runner.compare(
        "fs_write_64m_seq",
        "MiB/s",
        Better::Higher,
        vec![
            ("zokio-ring", Box::new(|| zokio_write(ring, &paths[0]))),
            ("zokio-pool", Box::new(|| zokio_write(pool, &paths[1]))),
            (
                "tokio",
                Box::new(|| {
                    use tokio::io::AsyncWriteExt;
                    let start = Instant::now();
                    trt.block_on(async {
                        let mut file = tokio::fs::File::create(&paths[2]).await.expect("create");
                        for _ in 0..chunks {
                            file.write_all(&chunk).await.expect("write");
                        }
                        file.flush().await.expect("flush");
                    });
                    mib_per_s(total, start)
                }),
            ),
        ],
    );

    let zokio_read = |rt: &zokio::Runtime, path: &Path| {
        use futures_lite::io::AsyncReadExt;
        let start = Instant::now();
        rt.block_on(async {
            let mut file = zokio::fs::File::open(path).await.expect("open");
            let mut buf = vec![0u8; CHUNK];
            for _ in 0..chunks {
                file.read_exact(&mut buf).await.expect("read");
            }
            assert_eq!(file.read(&mut buf).await.expect("read"), 0, "at the end");
        });
        mib_per_s(total, start)
    };
    runner.compare(
        "fs_read_64m_seq",
        "MiB/s",
        Better::Higher,
        vec![
            ("zokio-ring", Box::new(|| zokio_read(ring, &paths[0]))),
            ("zokio-pool", Box::new(|| zokio_read(pool, &paths[1]))),
            (
                "tokio",
                Box::new(|| {
                    use tokio::io::AsyncReadExt;
                    let start = Instant::now();
                    trt.block_on(async {
                        let mut file = tokio::fs::File::open(&paths[2]).await.expect("open");
                        let mut buf = vec![0u8; CHUNK];
                        for _ in 0..chunks {
                            file.read_exact(&mut buf).await.expect("read");
                        }
                        assert_eq!(file.read(&mut buf).await.expect("read"), 0, "at the end");
                    });
                    mib_per_s(total, start)
                }),
            ),
        ],
    );
}

fn main() {
    let mut runner = Runner::from_args();
    let dir = Dir::new();
    // The same builder, with I/O (so files use the reactor's io_uring) and
    // without (so files take the blocking pool).
    let ring = zokio_runtime(true);
    let pool = zokio_runtime(false);
    small_reads(&mut runner, &dir, &ring, &pool);
    small_writes(&mut runner, &dir, &ring, &pool);
    sequential(&mut runner, &dir, &ring, &pool);
}
