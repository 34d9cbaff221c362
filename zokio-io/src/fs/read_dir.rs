//! [`ReadDir`] and [`DirEntry`]: listing a directory.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_lite::Stream;

use super::backend::{self, Job};

/// Entries read per trip to the blocking backend: one trip per entry would
/// make a large listing pay the hop thousands of times.
const CHUNK: usize = 32;

/// Lists the entries of the directory `path` (not `.` and `..`, in no
/// particular order): the async [`std::fs::read_dir`].
///
/// # Errors
///
/// As [`std::fs::read_dir`]: `NotFound`, or an error when `path` is not a
/// directory. Errors reading a single entry come from
/// [`ReadDir::next_entry`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-readdir-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("a"), "").await?;
/// zokio_io::fs::create_dir(dir.join("b")).await?;
/// let mut names = Vec::new();
/// let mut entries = zokio_io::fs::read_dir(&dir).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     names.push((entry.file_name(), entry.file_type().await?.is_dir()));
/// }
/// names.sort();
/// assert_eq!(names, [("a".into(), false), ("b".into(), true)]);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let (entries, rest) = backend::run(move || {
        let mut std = std::fs::read_dir(path)?;
        let mut entries = VecDeque::with_capacity(CHUNK);
        let more = read_chunk(&mut std, &mut entries);
        Ok((entries, more.then_some(std)))
    })
    .await?;
    Ok(ReadDir(State::Idle { entries, rest }))
}

/// Moves up to [`CHUNK`] entries from `std` into `entries`; `false` once the
/// directory is exhausted.
fn read_chunk(std: &mut std::fs::ReadDir, entries: &mut VecDeque<io::Result<DirEntry>>) -> bool {
    for _ in 0..CHUNK {
        match std.next() {
            Some(entry) => entries.push_back(entry.map(DirEntry::new)),
            None => return false,
        }
    }
    true
}

/// The entries of a directory, from [`read_dir`]: call
/// [`next_entry`](ReadDir::next_entry), or use it as a
/// [`Stream`](futures_lite::Stream) of `io::Result<DirEntry>`.
///
/// Entries are read from the operating system 32 at a time.
#[derive(Debug)]
#[must_use = "a ReadDir lists nothing unless asked for its entries"]
pub struct ReadDir(State);

enum State {
    Idle {
        entries: VecDeque<io::Result<DirEntry>>,
        /// What is left to read; `None` once exhausted.
        rest: Option<std::fs::ReadDir>,
    },
    Reading(Job<(VecDeque<io::Result<DirEntry>>, Option<std::fs::ReadDir>)>),
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            State::Idle { entries, rest } => f
                .debug_struct("Idle")
                .field("buffered", &entries.len())
                .field("exhausted", &rest.is_none())
                .finish(),
            State::Reading(_) => f.write_str("Reading"),
        }
    }
}

impl ReadDir {
    /// The next entry, `Ok(None)` once all were listed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an entry being read when the future is dropped is kept
    /// for the next call.
    ///
    /// # Errors
    ///
    /// An error the operating system reported for this entry; listing may
    /// go on after it.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` once all were listed.
    ///
    /// # Errors
    ///
    /// As [`next_entry`](ReadDir::next_entry).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        let progress = ready!(zokio_core::budget::poll_proceed(cx));
        loop {
            match &mut self.0 {
                State::Idle { entries, rest } => {
                    if let Some(entry) = entries.pop_front() {
                        progress.made_progress();
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(mut std) = rest.take() else {
                        progress.made_progress();
                        return Poll::Ready(Ok(None));
                    };
                    let mut entries = std::mem::take(entries);
                    self.0 = State::Reading(backend::spawn(move || {
                        let more = read_chunk(&mut std, &mut entries);
                        (entries, more.then_some(std))
                    }));
                }
                State::Reading(job) => {
                    let done = ready!(Pin::new(job).poll(cx));
                    let (entries, rest) = match done {
                        Ok(chunk) => chunk,
                        // The job was lost (its pool shut down) with the
                        // directory handle: report it once, then end.
                        Err(err) => (VecDeque::from([Err(err)]), None),
                    };
                    self.0 = State::Idle { entries, rest };
                }
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

/// An entry of a directory listed by [`ReadDir`].
#[derive(Debug, Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry, where the listing says it without a system call.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        // On Linux and the BSDs the listing carries the type (`d_type`), so
        // std answers without a system call; reading it here, on the
        // blocking thread, spares `file_type` a trip.
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The entry's full path: the listed directory's path joined with the
    /// entry's name.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without its directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number, as the listing reported it.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symbolic link (as
    /// [`std::fs::DirEntry::metadata`]).
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::metadata`]: `NotFound` if the entry was removed
    /// since it was listed, and so on.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        backend::run(move || std.metadata()).await
    }

    /// The entry's type, not following a symbolic link; usually known from
    /// the listing without another system call.
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::file_type`].
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        backend::run(move || std.file_type()).await
    }
}
