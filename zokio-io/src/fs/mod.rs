//! Files and directories: Tokio's `tokio::fs` API, for any executor.
//!
//! The functions here are the async forms of [`std::fs`]'s, with the same
//! names, arguments and errors ([`read`], [`write()`], [`metadata`],
//! [`read_dir`], ...); [`File`] is an open file with the futures-io
//! [`AsyncRead`](futures_lite::AsyncRead),
//! [`AsyncWrite`](futures_lite::AsyncWrite) and
//! [`AsyncSeek`](futures_lite::AsyncSeek) traits, opened by
//! [`File::open`] or [`OpenOptions`]. Metadata, permissions and file types
//! are std's own types. A Tokio user ports by renaming `tokio::fs` to
//! `zokio::fs` (and using futures-io's extension traits for `File`).
//!
//! # Where operations run
//!
//! Ordinary operating systems offer no non-blocking file I/O that works with
//! readiness: a read of a file on disk is always "ready" and then blocks. So
//! operations either go to the kernel as completions, or run their std call
//! on a thread where blocking is allowed; either way the calling task waits
//! for the result without blocking its worker:
//!
//! - **On Linux, through io_uring** where the kernel allows it: whole-file
//!   [`read`], [`File`]'s reads and writes, [`File::sync_all`],
//!   [`File::sync_data`] and [`try_exists`] are io_uring operations on the
//!   reactor's ring (one per runtime, or the background reactor's outside
//!   one, set up by the first file operation). An open and a read of cached
//!   data complete inside their submission, with no thread hop at all; what
//!   the kernel must block for, it runs on its own workers and the reactor
//!   wakes the task. Everything else, and everything where io_uring is not
//!   available (an old kernel, io_uring disabled, a runtime built without
//!   I/O), takes the threads below, with the same results and errors.
//! - **Inside a Zokio runtime**, on the runtime's blocking pool (the
//!   [`BlockingHandle`](zokio_core::blocking::BlockingHandle) its threads
//!   enter, the pool `spawn_blocking` uses). An operation costs one trip to
//!   a pool thread and back.
//! - **Outside a runtime** (under `futures_lite::future::block_on`, smol,
//!   tokio's executor), there is no pool to find, so operations run on the
//!   [`blocking`](https://docs.rs/blocking) crate's thread pool, smol's. Nothing needs
//!   setting up: the same code works under any executor.
//!
//! Which backend runs an operation is decided in one place. Setting the
//! environment variable `ZOKIO_FS_BACKEND` (read once per process) forces
//! one: `blocking` sends every operation to the thread backends above;
//! unset, empty or `auto` picks the best available (io_uring where it can
//! be set up). Another value makes every operation fail with
//! `InvalidInput`.
//!
//! # Writes are buffered
//!
//! As in Tokio, [`File`]'s `write` copies the bytes (up to
//! [`File::max_buf_size`], 2 MiB by default) into the file's own buffer,
//! starts the write in the background and returns `Ok(n)` at once. The
//! bytes reach the kernel when `flush` completes and the disk when
//! [`File::sync_all`] completes; a failed background write is reported by
//! the next operation on the file. A read or a seek first waits for a write
//! in flight. Dropping a file with a write in flight still writes the data
//! (the descriptor closes when the write ends), but the write's error is
//! lost: `flush` before dropping a file you wrote to.
//!
//! Whole-file functions ([`read`], [`write()`]) and directory listings
//! ([`ReadDir`] reads 32 entries per trip) keep the trips few; for many
//! small operations on one file, one [`File`] beats reopening it.
//!
//! ```
//! # futures_lite::future::block_on(async {
//! # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-mod-{}", std::process::id()));
//! use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
//! use zokio_io::fs;
//!
//! fs::create_dir_all(dir.join("logs")).await?;
//! let mut file = fs::File::create(dir.join("logs/today")).await?;
//! file.write_all(b"started\n").await?;
//! file.flush().await?;
//!
//! let mut text = String::new();
//! fs::File::open(dir.join("logs/today")).await?.read_to_string(&mut text).await?;
//! assert_eq!(text, "started\n");
//! assert_eq!(fs::metadata(dir.join("logs/today")).await?.len(), 8);
//! fs::remove_dir_all(&dir).await?;
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

#[cfg(target_os = "linux")]
mod attrs;
mod backend;
mod buf;
mod dir_builder;
mod dirs;
mod file;
mod paths;
mod read_dir;
mod whole_file;

pub use dir_builder::DirBuilder;
pub use dirs::{create_dir, create_dir_all, remove_dir, remove_dir_all};
pub use file::{File, OpenOptions};
pub use paths::{
    canonicalize, hard_link, metadata, read_link, remove_file, rename, set_permissions, symlink,
    symlink_metadata, try_exists,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};
pub use whole_file::{copy, read, read_to_string, write};
