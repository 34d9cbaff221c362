//! Where a file system operation runs: the one place that decides.
//!
//! Every operation of [`fs`](super) reaches the operating system through
//! this module, either as a closure run somewhere blocking is fine
//! ([`spawn`], [`run`]) or as one of the few operations a completion backend
//! (io_uring) can do better than a thread ([`read`], [`write`],
//! [`read_at_cursor`], [`write_at_cursor`], [`sync_all`], [`sync_data`]).
//! The rest of the module never names a backend.
//!
//! # Backends
//!
//! - **The blocking pool.** Inside a Zokio runtime the closure runs on the
//!   runtime's blocking pool, found through
//!   [`zokio_core::blocking::BlockingHandle`] in the thread's context.
//! - **The standalone fallback.** Outside a runtime (under
//!   `futures_lite::future::block_on`, smol, tokio) there is no pool: the
//!   closure runs on the [`blocking`] crate's thread pool, smol's.
//!
//! # Choosing one: `ZOKIO_FS_BACKEND`
//!
//! The environment variable is read once, on the first operation:
//! `blocking` forces the thread backends above for every operation (so a
//! test suite can run against it whatever else exists); unset, empty or
//! `auto` picks the best backend available, which today is the same. Any
//! other value makes every operation fail with an `InvalidInput` error
//! naming the variable, rather than silently running somewhere unexpected.
//!
//! # Adding a backend
//!
//! A new backend adds a variant to [`Backend`] (and its name to
//! [`Backend::from_env`]), a variant to the private job enum under [`Job`]
//! for its in-flight operations, and takes over any of the named operations
//! below by matching on [`selected`]. A [`Job`] dropped before it completes
//! must still complete its operation: a [`File`](super::File) dropped with a
//! write in flight relies on it.

use std::future::Future;
use std::io::{self, Seek, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use zokio_core::blocking::BlockingHandle;
use zokio_core::context;
use zokio_core::task::JoinHandle;

use super::buf::{Buf, Operation};

/// The environment variable that picks the backend.
pub(crate) const ENV_VAR: &str = "ZOKIO_FS_BACKEND";

/// The backends an operation can be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// The best available (today: the threads).
    Auto,
    /// The runtime's blocking pool, or smol's outside a runtime.
    Blocking,
}

impl Backend {
    /// Parses the variable's value; `Err` holds the message for a bad one.
    fn from_env(value: Option<&str>) -> Result<Backend, String> {
        match value.map(str::trim) {
            None | Some("") | Some("auto") => Ok(Backend::Auto),
            Some("blocking") => Ok(Backend::Blocking),
            Some(other) => Err(format!(
                "zokio::fs: {ENV_VAR}={other:?} is not a backend (expected `auto` or `blocking`)"
            )),
        }
    }
}

/// The backend `ZOKIO_FS_BACKEND` selects, read once per process.
pub(crate) fn selected() -> io::Result<Backend> {
    static SELECTED: OnceLock<Result<Backend, String>> = OnceLock::new();
    SELECTED
        .get_or_init(|| Backend::from_env(std::env::var(ENV_VAR).ok().as_deref()))
        .clone()
        .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))
}

/// An operation sent to a backend: a future of its result.
///
/// Dropping it does not cancel an operation already handed over; the
/// operation runs to its end and its result is dropped.
#[must_use = "a job is polled for its result"]
pub(crate) struct Job<T>(JobState<T>);

enum JobState<T> {
    /// On the runtime's blocking pool.
    Pool(JoinHandle<T>),
    /// On smol's pool; `None` once the result was taken.
    Unblock(Option<blocking::Task<T>>),
    /// Never started; the error is handed out once.
    Failed(Option<io::Error>),
}

impl<T> Future for Job<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match &mut self.0 {
            JobState::Pool(handle) => Pin::new(handle).poll(cx).map_err(|err| {
                io::Error::other(format!("zokio::fs: background job failed: {err}"))
            }),
            JobState::Unblock(task) => match task.as_mut() {
                Some(running) => {
                    let out = std::task::ready!(Pin::new(running).poll(cx));
                    *task = None;
                    Poll::Ready(Ok(out))
                }
                None => Poll::Ready(Err(io::Error::other(
                    "zokio::fs: background job polled after it completed",
                ))),
            },
            JobState::Failed(err) => Poll::Ready(Err(err.take().unwrap_or_else(|| {
                io::Error::other("zokio::fs: background job polled after it failed")
            }))),
        }
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        // smol's task cancels on drop; an operation handed over must finish
        // (a dropped `File`'s last write depends on it).
        if let JobState::Unblock(task) = &mut self.0 {
            if let Some(task) = task.take() {
                task.detach();
            }
        }
    }
}

/// Sends `f` to the selected thread backend and returns its job.
pub(crate) fn spawn<T, F>(f: F) -> Job<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if let Err(err) = selected() {
        return Job(JobState::Failed(Some(err)));
    }
    match context::try_current::<BlockingHandle>() {
        Ok(pool) => Job(JobState::Pool(pool.spawn_blocking(f))),
        Err(err) if err.is_missing_context() || err.is_thread_local_destroyed() => {
            Job(JobState::Unblock(Some(blocking::unblock(f))))
        }
        Err(err) => Job(JobState::Failed(Some(io::Error::other(format!(
            "zokio::fs: no blocking pool to run on: {err}"
        ))))),
    }
}

/// Runs the blocking `f` where blocking is fine and returns its result.
pub(crate) async fn run<T, F>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    spawn(f).await?
}

/// The whole contents of the file at `path`.
pub(crate) async fn read(path: PathBuf) -> io::Result<Vec<u8>> {
    run(move || std::fs::read(path)).await
}

/// Replaces the contents of the file at `path` (creating it) with `contents`.
pub(crate) async fn write(path: PathBuf, contents: Vec<u8>) -> io::Result<()> {
    run(move || std::fs::write(path, contents)).await
}

/// Reads at most `len` bytes at `file`'s cursor into `buf`.
pub(crate) fn read_at_cursor(
    file: Arc<std::fs::File>,
    mut buf: Buf,
    len: usize,
) -> Job<(Operation, Buf)> {
    spawn(move || {
        let res = buf.read_from(&mut &*file, len);
        (Operation::Read(res), buf)
    })
}

/// Writes all of `buf` at `file`'s cursor, after moving the cursor by `seek`
/// (to give back bytes read ahead).
pub(crate) fn write_at_cursor(
    file: Arc<std::fs::File>,
    mut buf: Buf,
    seek: Option<SeekFrom>,
) -> Job<(Operation, Buf)> {
    spawn(move || {
        let res = match seek {
            Some(seek) => (&*file).seek(seek).and_then(|_| buf.write_to(&mut &*file)),
            None => buf.write_to(&mut &*file),
        };
        (Operation::Write(res), buf)
    })
}

/// Flushes `file`'s data and metadata to the disk.
pub(crate) async fn sync_all(file: Arc<std::fs::File>) -> io::Result<()> {
    run(move || file.sync_all()).await
}

/// Flushes `file`'s data (and the metadata needed to read it) to the disk.
pub(crate) async fn sync_data(file: Arc<std::fs::File>) -> io::Result<()> {
    run(move || file.sync_data()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_names_the_backend_or_the_error_says_what_is_expected() {
        assert_eq!(Backend::from_env(None), Ok(Backend::Auto));
        assert_eq!(Backend::from_env(Some("")), Ok(Backend::Auto));
        assert_eq!(Backend::from_env(Some("auto")), Ok(Backend::Auto));
        assert_eq!(Backend::from_env(Some(" blocking ")), Ok(Backend::Blocking));
        let err = Backend::from_env(Some("ring")).unwrap_err();
        assert!(
            err.contains("ZOKIO_FS_BACKEND") && err.contains("blocking"),
            "{err}"
        );
    }

    #[test]
    fn outside_a_runtime_jobs_run_on_the_fallback_pool() {
        let thread = futures_lite::future::block_on(run(|| Ok(std::thread::current().id())));
        assert_ne!(thread.unwrap(), std::thread::current().id());
    }
}
