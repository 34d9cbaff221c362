//! Whole-file operations: read all of a file, write all of one, copy one.

use std::io;
use std::path::Path;

use super::backend;

/// Reads the whole file at `path`: the async [`std::fs::read`].
///
/// # Errors
///
/// As [`std::fs::read`]: `NotFound` for a missing file, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("greeting");
/// zokio_io::fs::write(&path, "hello").await?;
/// assert_eq!(zokio_io::fs::read(&path).await?, b"hello");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    backend::read(path.as_ref().to_owned()).await
}

/// Reads the whole file at `path` as UTF-8: the async
/// [`std::fs::read_to_string`].
///
/// # Errors
///
/// As [`std::fs::read_to_string`]; contents that are not UTF-8 are an
/// `InvalidData` error.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rts-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("greeting");
/// zokio_io::fs::write(&path, "héllo").await?;
/// assert_eq!(zokio_io::fs::read_to_string(&path).await?, "héllo");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let bytes = read(path).await?;
    String::from_utf8(bytes).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("zokio::fs::read_to_string: the file is not valid UTF-8: {err}"),
        )
    })
}

/// Creates or truncates the file at `path` and writes all of `contents`:
/// the async [`std::fs::write`]. The bytes are copied first, so the caller
/// keeps `contents`.
///
/// # Errors
///
/// As [`std::fs::write`]: `NotFound` when the parent directory is missing,
/// `PermissionDenied` for a read-only file, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("numbers");
/// zokio_io::fs::write(&path, [1u8, 2, 3]).await?;
/// assert_eq!(std::fs::read(&path)?, [1, 2, 3]);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    backend::write(path.as_ref().to_owned(), contents.as_ref().to_owned()).await
}

/// Copies the contents and permissions of the file `from` to `to`, creating
/// or truncating `to`: the async [`std::fs::copy`]. Returns the bytes copied.
///
/// # Errors
///
/// As [`std::fs::copy`]: `from` missing or not a file, `to` not writable.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-copy-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("a"), "copied").await?;
/// assert_eq!(zokio_io::fs::copy(dir.join("a"), dir.join("b")).await?, 6);
/// assert_eq!(std::fs::read(dir.join("b"))?, b"copied");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    backend::run(move || std::fs::copy(from, to)).await
}
