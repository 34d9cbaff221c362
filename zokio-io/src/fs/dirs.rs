//! Creating and removing directories by path (see
//! [`DirBuilder`](super::DirBuilder) for the options).

use std::io;
use std::path::Path;

use super::backend;

/// Creates the directory `path`; its parent must exist: the async
/// [`std::fs::create_dir`].
///
/// # Errors
///
/// As [`std::fs::create_dir`]: `AlreadyExists`, `NotFound` for a missing
/// parent, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-mkdir-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::create_dir(dir.join("new")).await?;
/// assert!(zokio_io::fs::metadata(dir.join("new")).await?.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    backend::run(move || std::fs::create_dir(path)).await
}

/// Creates the directory `path` and any missing parents; an existing
/// directory is fine: the async [`std::fs::create_dir_all`].
///
/// # Errors
///
/// As [`std::fs::create_dir_all`]: a component that is a file, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-mkdirs-{}", std::process::id()));
/// zokio_io::fs::create_dir_all(dir.join("a/b/c")).await?;
/// zokio_io::fs::create_dir_all(dir.join("a/b/c")).await?;
/// assert!(zokio_io::fs::metadata(dir.join("a/b/c")).await?.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    backend::run(move || std::fs::create_dir_all(path)).await
}

/// Removes the empty directory `path`: the async [`std::fs::remove_dir`].
///
/// # Errors
///
/// As [`std::fs::remove_dir`]: `NotFound`, or an error for a directory that
/// is not empty.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rmdir-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("empty"))?;
/// zokio_io::fs::remove_dir(dir.join("empty")).await?;
/// assert!(!zokio_io::fs::try_exists(dir.join("empty")).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    backend::run(move || std::fs::remove_dir(path)).await
}

/// Removes the directory `path` and everything in it, without following
/// symbolic links: the async [`std::fs::remove_dir_all`].
///
/// # Errors
///
/// As [`std::fs::remove_dir_all`]: `NotFound`, or the first entry that could
/// not be removed.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rmdirs-{}", std::process::id()));
/// zokio_io::fs::create_dir_all(dir.join("a/b")).await?;
/// zokio_io::fs::write(dir.join("a/b/f"), "x").await?;
/// zokio_io::fs::remove_dir_all(&dir).await?;
/// assert!(!zokio_io::fs::try_exists(&dir).await?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    backend::run(move || std::fs::remove_dir_all(path)).await
}
