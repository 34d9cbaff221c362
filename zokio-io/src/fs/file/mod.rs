//! [`File`]: an open file whose reads, writes and seeks run in the
//! background, as Tokio's.

use std::fmt;
use std::fs::{Metadata, Permissions};
use std::io::{self, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use async_lock::Mutex;

use super::backend::{self, Job};
use super::buf::{Buf, DEFAULT_MAX_BUF_SIZE, Operation};

mod open_options;
mod poll;

pub use open_options::OpenOptions;

/// An open file, with futures-io [`AsyncRead`](futures_lite::AsyncRead),
/// [`AsyncWrite`](futures_lite::AsyncWrite) and
/// [`AsyncSeek`](futures_lite::AsyncSeek): the async [`std::fs::File`], with
/// Tokio's semantics.
///
/// # How reads and writes happen
///
/// The file has one operation in flight at most, run by the
/// [backend](super#where-operations-run) on a buffer the file owns:
///
/// - **A write** copies up to [`max_buf_size`](File::max_buf_size) bytes
///   (2 MiB unless [set](File::set_max_buf_size)) into that buffer, starts
///   writing them in the background and returns `Ok(n)` at once. The bytes
///   reach the kernel when [`flush`](futures_lite::AsyncWriteExt::flush)
///   completes, and the disk when [`sync_all`](File::sync_all) (or
///   [`sync_data`](File::sync_data)) completes. If the background write
///   fails, the error is returned by the next operation on the file
///   (`flush`, a read, a write, a seek, `sync_all`, `sync_data`, `set_len`).
/// - **A read** first waits for a write in flight, then reads up to the
///   caller's buffer length (at most `max_buf_size`) into the file's buffer
///   and copies out; bytes left over serve the next read.
/// - **A seek** first waits for a write in flight, and accounts for bytes
///   read ahead.
///
/// # Dropping a file
///
/// Dropping a `File` with a write in flight does not lose the data: the
/// background write still runs, and the descriptor closes when it ends. Its
/// error, though, has nobody to go to and is lost. Call `flush` (and
/// `sync_all` when the data must survive a crash) before dropping a file you
/// wrote to.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-file-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// use futures_lite::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// use zokio_io::fs::File;
///
/// let mut file = File::create_new(dir.join("data")).await?;
/// file.write_all(b"hello, world").await?;
/// file.flush().await?; // the bytes are in the kernel now
/// file.seek(SeekFrom::Start(7)).await?;
/// let mut rest = String::new();
/// file.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "world");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    /// Locked only by the `&self` methods, which must wait for the operation
    /// in flight; the poll methods reach it through `&mut self`.
    inner: Mutex<Inner>,
    max_buf_size: usize,
}

struct Inner {
    state: State,
    /// A background write's failure, for the next operation to return.
    last_write_err: Option<io::Error>,
    /// The position the seek in flight was asked for, to tell our seek
    /// from one whose caller gave up.
    seeking: Option<SeekFrom>,
}

enum State {
    /// Nothing in flight; the buffer may hold bytes read ahead.
    Idle(Buf),
    Busy(Job<(Operation, Buf)>),
}

impl File {
    /// Opens `path` for reading.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::open`]: `NotFound`, `PermissionDenied`, ...
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-open-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncReadExt;
    ///
    /// std::fs::write(dir.join("f"), "contents")?;
    /// let mut file = zokio_io::fs::File::open(dir.join("f")).await?;
    /// let mut text = String::new();
    /// file.read_to_string(&mut text).await?;
    /// assert_eq!(text, "contents");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` for writing, creating it or truncating it.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::create`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-create-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// file.write_all(b"new").await?;
    /// file.flush().await?;
    /// assert_eq!(std::fs::read(dir.join("f"))?, b"new");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates `path` and opens it for reading and writing, failing with
    /// `AlreadyExists` if it exists.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::create_new`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-cnew-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// zokio_io::fs::File::create_new(dir.join("f")).await?;
    /// let err = zokio_io::fs::File::create_new(dir.join("f")).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Options to open a file with: the same as [`OpenOptions::new`].
    #[must_use]
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Its cursor is where the std file left it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-fstd-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let std = std::fs::File::create(dir.join("f"))?;
    /// let file = zokio_io::fs::File::from_std(std);
    /// assert_eq!(file.metadata().await?.len(), 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Buf::default()),
                last_write_err: None,
                seeking: None,
            }),
            max_buf_size: DEFAULT_MAX_BUF_SIZE,
        }
    }

    /// Waits for the operation in flight, then flushes the file's data and
    /// metadata to the disk ([`std::fs::File::sync_all`]).
    ///
    /// # Errors
    ///
    /// The error of a background write that failed, else as
    /// [`std::fs::File::sync_all`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-sync-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// file.write_all(b"durable").await?;
    /// file.sync_all().await?; // on the disk now
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn sync_all(&self) -> io::Result<()> {
        self.complete_inflight().await?;
        backend::sync_all(self.std.clone()).await
    }

    /// Waits for the operation in flight, then flushes the file's data (and
    /// only the metadata needed to read it back) to the disk
    /// ([`std::fs::File::sync_data`]).
    ///
    /// # Errors
    ///
    /// The error of a background write that failed, else as
    /// [`std::fs::File::sync_data`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-syncd-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// file.write_all(b"durable").await?;
    /// file.sync_data().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn sync_data(&self) -> io::Result<()> {
        self.complete_inflight().await?;
        backend::sync_data(self.std.clone()).await
    }

    /// Waits for the operation in flight, then truncates or extends the file
    /// to `size` bytes ([`std::fs::File::set_len`]); the cursor stays where
    /// the caller stands (bytes read ahead are given back first).
    ///
    /// # Errors
    ///
    /// The error of a background write that failed, else as
    /// [`std::fs::File::set_len`]: an error when the file is not open for
    /// writing.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-setlen-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("f"), "hello")?;
    /// let file = zokio_io::fs::OpenOptions::new().write(true).open(dir.join("f")).await?;
    /// file.set_len(2).await?;
    /// assert_eq!(std::fs::read(dir.join("f"))?, b"he");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await?;
        // Completed under the lock, so nothing is in flight: only bytes read
        // ahead may need giving back.
        let back = match &mut inner.state {
            State::Idle(buf) if !buf.is_empty() => Some(SeekFrom::Current(buf.discard_read())),
            _ => None,
        };
        let std = self.std.clone();
        backend::run(move || {
            if let Some(back) = back {
                io::Seek::seek(&mut &*std, back)?;
            }
            std.set_len(size)
        })
        .await
    }

    /// Waits for the operation in flight, then reads the file's metadata
    /// ([`std::fs::File::metadata`]), so a length read after a write counts
    /// the bytes written.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::metadata`]. A failed background write is kept for
    /// the next read or write.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-fmeta-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// file.write_all(b"12345").await?;
    /// assert_eq!(file.metadata().await?.len(), 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        self.settle().await;
        backend::file_metadata(self.std.clone()).await
    }

    /// Waits for the operation in flight, then opens a second `File` on the
    /// same open file description (a `dup`): the two share the cursor.
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::try_clone`]: `EMFILE` when out of descriptors.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-clone-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut a = zokio_io::fs::File::create(dir.join("f")).await?;
    /// let mut b = a.try_clone().await?;
    /// a.write_all(b"one ").await?;
    /// a.flush().await?;
    /// b.write_all(b"two").await?;
    /// b.flush().await?;
    /// assert_eq!(std::fs::read(dir.join("f"))?, b"one two");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        self.settle().await;
        let std = self.std.clone();
        let clone = backend::run(move || std.try_clone()).await?;
        let mut file = File::from_std(clone);
        file.set_max_buf_size(self.max_buf_size);
        Ok(file)
    }

    /// Waits for the operation in flight and returns the std file. Bytes read
    /// ahead are dropped (the std file's cursor is past them), and a failed
    /// background write's error is lost: call `flush` first.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-intostd-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    /// use std::io::Read;
    ///
    /// let mut file = zokio_io::fs::File::create_new(dir.join("f")).await?;
    /// file.write_all(b"abc").await?;
    /// let mut std = file.into_std().await;
    /// std::io::Seek::rewind(&mut std)?;
    /// let mut text = String::new();
    /// std.read_to_string(&mut text)?;
    /// assert_eq!(text, "abc");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn into_std(mut self) -> std::fs::File {
        let inner = self.inner.get_mut();
        let _ = std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await;
        let mut std = self.std;
        loop {
            // Only a job whose caller gave up (a dropped `sync_all`) can
            // still hold the file; it ends soon, and meanwhile a `dup` of the
            // descriptor is the same open file.
            std = match Arc::try_unwrap(std) {
                Ok(file) => return file,
                Err(shared) => match shared.try_clone() {
                    Ok(file) => return file,
                    Err(_) => shared,
                },
            };
            futures_lite::future::yield_now().await;
        }
    }

    /// The std file, if no operation is in flight; else the `File` back.
    ///
    /// # Errors
    ///
    /// The file itself, while a background operation still holds it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-tryintostd-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// let std = file.try_into_std().expect("nothing in flight");
    /// assert_eq!(std.metadata()?.len(), 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        match Arc::try_unwrap(self.std) {
            Ok(file) => Ok(file),
            Err(shared) => {
                self.std = shared;
                Err(self)
            }
        }
    }

    /// Sets the file's permissions ([`std::fs::File::set_permissions`]).
    ///
    /// # Errors
    ///
    /// As [`std::fs::File::set_permissions`].
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-fperm-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// let mut perms = file.metadata().await?.permissions();
    /// perms.set_readonly(true);
    /// file.set_permissions(perms).await?;
    /// assert!(file.metadata().await?.permissions().readonly());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        backend::run(move || std.set_permissions(perm)).await
    }

    /// Sets how many bytes one read or write moves at most (default 2 MiB).
    /// A larger write is split: `write` returns a short count. Zero is taken
    /// as one.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-maxbuf-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use futures_lite::io::AsyncWriteExt;
    ///
    /// let mut file = zokio_io::fs::File::create(dir.join("f")).await?;
    /// file.set_max_buf_size(4);
    /// assert_eq!(file.write(b"abcdef").await?, 4);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        self.max_buf_size = max_buf_size.max(1);
    }

    /// How many bytes one read or write moves at most.
    pub fn max_buf_size(&self) -> usize {
        self.max_buf_size
    }

    /// Waits for the operation in flight; returns a write's failure.
    async fn complete_inflight(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().await;
        std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await
    }

    /// Waits for the operation in flight, keeping a write's failure for the
    /// next read or write.
    async fn settle(&self) {
        let mut inner = self.inner.lock().await;
        if let Err(err) = std::future::poll_fn(|cx| inner.poll_complete_inflight(cx)).await {
            inner.last_write_err = Some(err);
        }
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("zokio::fs::File")
            .field("std", &self.std)
            .field("max_buf_size", &self.max_buf_size)
            .finish_non_exhaustive()
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::FromRawFd for File {
    /// # Safety
    ///
    /// As std's [`FromRawFd::from_raw_fd`](std::os::fd::FromRawFd::from_raw_fd):
    /// `fd` is an open file descriptor that nothing else owns.
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> File {
        // SAFETY: the caller hands over ownership of an open descriptor,
        // which is exactly what std's `from_raw_fd` requires.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}
