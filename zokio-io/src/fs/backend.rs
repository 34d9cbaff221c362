//! Where a file system operation runs: the one place that decides.
//!
//! Every operation of [`fs`](super) reaches the operating system through
//! this module, either as a closure run somewhere blocking is fine
//! ([`spawn`], [`run`]) or as one of the few operations a completion backend
//! (io_uring) can do better than a thread ([`read`], [`write`],
//! [`read_at_cursor`], [`write_at_cursor`], [`sync_all`], [`sync_data`],
//! [`try_exists`], [`open_read_only`], [`metadata`], [`file_metadata`]).
//! The rest of the module never names a backend.
//!
//! # Backends
//!
//! - **io_uring** (Linux, where the kernel allows it): whole-file [`read`],
//!   read-only opens ([`open_read_only`], what `File::open` does),
//!   [`File`](super::File) reads and writes at the cursor, [`sync_all`],
//!   [`sync_data`] and [`try_exists`] (a statx) run as io_uring operations
//!   on the reactor's ring (`crate::uring`: one ring per reactor, set up by
//!   the first operation, its completions waking the reactor). An open,
//!   and a read of cached data, complete inside their submission: no
//!   thread hop, no wakeup. What the kernel cannot do without blocking (a
//!   statx, an fsync, an open that creates or truncates, buffered writes
//!   on ext4) it hands to its own workers (io-wq), about the cost of a trip
//!   to the pool. So a whole-file [`write()`] (an open with `O_TRUNC`, then a
//!   write: two such trips) stays on the threads, and so does the rest.
//!   [`metadata`] opens the path on the ring and reads the open file's
//!   attributes in place where they are in memory (std's `Metadata` cannot
//!   be built from a statx record, and a statx would be an io-wq trip). Where the ring cannot be set up (an old
//!   kernel, io_uring disabled by sysctl or seccomp, a runtime built
//!   without I/O) every operation takes the threads, checked once per
//!   reactor.
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
//! `auto` picks the best backend available: io_uring where it can be set
//! up, the threads otherwise. Any
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

use super::buf::{Buf, Operation};
use crate::offload::{self, Offloaded};

/// The environment variable that picks the backend.
pub(crate) const ENV_VAR: &str = "ZOKIO_FS_BACKEND";

/// The backends an operation can be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// The best available: io_uring where it can be set up, else threads.
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
    /// On a thread where blocking is fine: the runtime's blocking pool, or
    /// smol's outside a runtime (see `crate::offload`).
    Thread(Offloaded<T>),
    /// On the reactor's io_uring.
    #[cfg(target_os = "linux")]
    Ring(Pin<Box<dyn Future<Output = T> + Send>>),
}

impl<T> Future for Job<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match &mut self.0 {
            JobState::Thread(job) => Pin::new(job).poll(cx),
            #[cfg(target_os = "linux")]
            JobState::Ring(op) => op.as_mut().poll(cx).map(Ok),
        }
    }
}

/// Sends `f` to the selected thread backend and returns its job.
pub(crate) fn spawn<T, F>(f: F) -> Job<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match selected() {
        Ok(_) => Job(JobState::Thread(offload::spawn_blocking(f))),
        Err(err) => Job(JobState::Thread(offload::failed(err))),
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

/// The ring file operations go to: the current reactor's (or the
/// background one's), unless `ZOKIO_FS_BACKEND` asks for the threads or
/// io_uring cannot be set up.
#[cfg(target_os = "linux")]
fn ring() -> Option<Arc<crate::uring::Ring>> {
    match selected() {
        Ok(Backend::Auto) => crate::current::for_files()?.file_ring(),
        _ => None,
    }
}

/// A ring job that, dropped before its end, still runs to its end on the
/// thread backend: a [`File`](super::File) dropped with a write in flight
/// relies on it (the write in flight runs on anyway; what finishes on a
/// thread is the rest of a write the kernel took in parts).
#[cfg(target_os = "linux")]
struct FinishOnDrop<F>(Option<Pin<Box<F>>>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static;

#[cfg(target_os = "linux")]
impl<F> Future for FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(op) = self.0.as_mut() else {
            return Poll::Pending;
        };
        let out = std::task::ready!(op.as_mut().poll(cx));
        self.0 = None;
        Poll::Ready(out)
    }
}

#[cfg(target_os = "linux")]
impl<F> Drop for FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(op) = self.0.take() {
            // The thread waits for the ring's completions, which the
            // reactor delivers; the job itself is detached.
            drop(spawn(move || futures_lite::future::block_on(op)));
        }
    }
}

/// The whole contents of the file at `path`.
pub(crate) async fn read(path: PathBuf) -> io::Result<Vec<u8>> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        return ring.read_file(crate::uring::c_path(&path)?).await;
    }
    run(move || std::fs::read(path)).await
}

/// Replaces the contents of the file at `path` (creating it) with `contents`.
pub(crate) async fn write(path: PathBuf, contents: Vec<u8>) -> io::Result<()> {
    // On the threads even with a ring: an open that creates or truncates
    // is an io-wq trip, and so (on ext4) is the buffered write after it;
    // two trips lose to the pool's one (`fs_write_4k` in the fs bench).
    run(move || std::fs::write(path, contents)).await
}

/// `std::fs::File::open(path)`: read-only, on the ring where there is one
/// (an open of an existing file completes inside its submission).
pub(crate) async fn open_read_only(path: PathBuf) -> io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        let fd = ring
            .open(crate::uring::c_path(&path)?, libc::O_RDONLY, 0)
            .await?;
        return Ok(std::fs::File::from(fd));
    }
    run(move || std::fs::File::open(path)).await
}

/// The metadata of `path` (`follow`: of what a symbolic link points to, as
/// `std::fs::metadata`; otherwise of the link itself, as
/// `std::fs::symlink_metadata`).
///
/// With a ring, the path is opened there (`O_PATH`: no permission to read
/// the file needed, and done inside the submission when the path is
/// cached) and the open file's `stat` runs on this thread where its file
/// system keeps attributes in memory (`super::attrs`): no thread hop. An
/// open refused for want of descriptors falls back to the path `stat` on a
/// thread, which needs none.
pub(crate) async fn metadata(path: PathBuf, follow: bool) -> io::Result<std::fs::Metadata> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        let flags = libc::O_PATH | if follow { 0 } else { libc::O_NOFOLLOW };
        match ring.open(crate::uring::c_path(&path)?, flags, 0).await {
            Ok(fd) => return file_metadata(Arc::new(std::fs::File::from(fd))).await,
            Err(e) if !matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                return Err(e);
            }
            Err(_) => {}
        }
    }
    match follow {
        true => run(move || std::fs::metadata(path)).await,
        false => run(move || std::fs::symlink_metadata(path)).await,
    }
}

/// The metadata of an open file: read here where its file system keeps
/// attributes in memory and a ring backend is in use, else on a thread.
pub(crate) async fn file_metadata(file: Arc<std::fs::File>) -> io::Result<std::fs::Metadata> {
    #[cfg(target_os = "linux")]
    if selected()? == Backend::Auto && super::attrs::kept_in_memory(&*file) {
        return file.metadata();
    }
    run(move || file.metadata()).await
}

/// Whether `path` names something (following symbolic links): the async
/// `std::fs::exists`, a statx on the ring.
pub(crate) async fn try_exists(path: PathBuf) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        let target = crate::uring::StatxTarget::Path(crate::uring::c_path(&path)?);
        return match ring.statx(target).await {
            Ok(_) => Ok(true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        };
    }
    run(move || std::fs::exists(path)).await
}

/// Reads at most `len` bytes at `file`'s cursor into `buf`.
pub(crate) fn read_at_cursor(
    file: Arc<std::fs::File>,
    mut buf: Buf,
    len: usize,
) -> Job<(Operation, Buf)> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        let data = buf.into_read_vec(len);
        let read = ring.read_at(file, data, len, None);
        return Job(JobState::Ring(Box::pin(async move {
            let (res, data) = read.await;
            (Operation::Read(res), Buf::from_vec(data))
        })));
    }
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
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        // Moving the cursor back over bytes read ahead is an `lseek`, which
        // does no I/O: done here, before the write is queued behind it.
        if let Some(seek) = seek {
            if let Err(err) = (&*file).seek(seek) {
                buf.discard_read();
                let _ = buf.write_to(&mut io::sink());
                return Job(JobState::Ring(Box::pin(async move {
                    (Operation::Write(Err(err)), buf)
                })));
            }
        }
        let write = ring.write_all_at(file, buf.into_write_vec(), None);
        return Job(JobState::Ring(Box::pin(FinishOnDrop(Some(Box::pin(
            async move {
                let (res, mut data) = write.await;
                data.clear();
                (Operation::Write(res), Buf::from_vec(data))
            },
        ))))));
    }
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
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        return ring.fsync(file, false).await;
    }
    run(move || file.sync_all()).await
}

/// Flushes `file`'s data (and the metadata needed to read it) to the disk.
pub(crate) async fn sync_data(file: Arc<std::fs::File>) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(ring) = ring() {
        return ring.fsync(file, true).await;
    }
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

    /// Where the kernel allows io_uring and nothing forces the threads,
    /// the ring backend is the one taken (so the fs tests exercise it).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_ring_is_used_where_the_kernel_allows_it() {
        let allowed = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
            .is_ok_and(|v| v.trim() == "0");
        let forced = selected().ok() == Some(Backend::Blocking);
        assert_eq!(ring().is_some(), allowed && !forced);
    }

    #[test]
    fn outside_a_runtime_jobs_run_on_the_fallback_pool() {
        let thread = futures_lite::future::block_on(run(|| Ok(std::thread::current().id())));
        assert_ne!(thread.unwrap(), std::thread::current().id());
    }
}
