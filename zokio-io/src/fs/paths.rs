//! Operations on a path rather than a file's contents: names, links,
//! metadata and permissions.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::backend;

fn owned(path: impl AsRef<Path>) -> PathBuf {
    path.as_ref().to_owned()
}

/// Renames `from` to `to`, replacing `to` if it exists (and is not a
/// directory where `from` is a file): the async [`std::fs::rename`].
///
/// # Errors
///
/// As [`std::fs::rename`]: `NotFound` when `from` is missing, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rename-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("old"), "x").await?;
/// zokio_io::fs::rename(dir.join("old"), dir.join("new")).await?;
/// assert!(!zokio_io::fs::try_exists(dir.join("old")).await?);
/// assert!(zokio_io::fs::try_exists(dir.join("new")).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (owned(from), owned(to));
    backend::run(move || std::fs::rename(from, to)).await
}

/// Removes the file (or symbolic link) at `path`: the async
/// [`std::fs::remove_file`].
///
/// # Errors
///
/// As [`std::fs::remove_file`]: `NotFound`, or an error for a directory.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rmf-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("f"), "x").await?;
/// zokio_io::fs::remove_file(dir.join("f")).await?;
/// let err = zokio_io::fs::remove_file(dir.join("f")).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = owned(path);
    backend::run(move || std::fs::remove_file(path)).await
}

/// The metadata of `path`, following symbolic links: the async
/// [`std::fs::metadata`].
///
/// # Errors
///
/// As [`std::fs::metadata`]: `NotFound` for a missing path, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-meta-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("f"), "four").await?;
/// let meta = zokio_io::fs::metadata(dir.join("f")).await?;
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 4);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    backend::metadata(owned(path), true).await
}

/// The metadata of `path` itself, not following a symbolic link: the async
/// [`std::fs::symlink_metadata`].
///
/// # Errors
///
/// As [`std::fs::symlink_metadata`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-smeta-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("target"), "x").await?;
/// zokio_io::fs::symlink(dir.join("target"), dir.join("link")).await?;
/// assert!(zokio_io::fs::symlink_metadata(dir.join("link")).await?.file_type().is_symlink());
/// assert!(zokio_io::fs::metadata(dir.join("link")).await?.is_file());
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    backend::metadata(owned(path), false).await
}

/// The absolute form of `path`, with every symbolic link and `.`/`..`
/// resolved: the async [`std::fs::canonicalize`].
///
/// # Errors
///
/// As [`std::fs::canonicalize`]: `NotFound` when a component is missing.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-canon-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("sub"))?;
/// let canonical = zokio_io::fs::canonicalize(dir.join("sub/..")).await?;
/// assert_eq!(canonical, std::fs::canonicalize(&dir)?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = owned(path);
    backend::run(move || std::fs::canonicalize(path)).await
}

/// What the symbolic link at `path` points to: the async
/// [`std::fs::read_link`].
///
/// # Errors
///
/// As [`std::fs::read_link`]: `InvalidInput` when `path` is not a link.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-rlink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::symlink("somewhere", dir.join("link")).await?;
/// assert_eq!(zokio_io::fs::read_link(dir.join("link")).await?, std::path::Path::new("somewhere"));
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = owned(path);
    backend::run(move || std::fs::read_link(path)).await
}

/// Makes `link` a new name (a hard link) for the file `original`: the async
/// [`std::fs::hard_link`].
///
/// # Errors
///
/// As [`std::fs::hard_link`]: `AlreadyExists` when `link` exists, and so on.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-hlink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("a"), "shared").await?;
/// zokio_io::fs::hard_link(dir.join("a"), dir.join("b")).await?;
/// assert_eq!(zokio_io::fs::read(dir.join("b")).await?, b"shared");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (owned(original), owned(link));
    backend::run(move || std::fs::hard_link(original, link)).await
}

/// Makes `link` a symbolic link to `original`: the async
/// [`std::os::unix::fs::symlink`]. `original` need not exist.
///
/// # Errors
///
/// As [`std::os::unix::fs::symlink`]: `AlreadyExists` when `link` exists.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-slink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("target"), "via link").await?;
/// zokio_io::fs::symlink(dir.join("target"), dir.join("link")).await?;
/// assert_eq!(zokio_io::fs::read(dir.join("link")).await?, b"via link");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (owned(original), owned(link));
    backend::run(move || std::os::unix::fs::symlink(original, link)).await
}

/// Sets the permissions of `path`: the async [`std::fs::set_permissions`].
///
/// # Errors
///
/// As [`std::fs::set_permissions`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-perm-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// zokio_io::fs::write(dir.join("f"), "x").await?;
/// let mut perms = zokio_io::fs::metadata(dir.join("f")).await?.permissions();
/// perms.set_readonly(true);
/// zokio_io::fs::set_permissions(dir.join("f"), perms).await?;
/// assert!(zokio_io::fs::metadata(dir.join("f")).await?.permissions().readonly());
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = owned(path);
    backend::run(move || std::fs::set_permissions(path, perm)).await
}

/// Whether `path` exists, following symbolic links: `Ok(false)` for a
/// missing path (or a broken link), an error when that cannot be told (a
/// directory that may not be searched): the async [`std::fs::exists`].
///
/// # Errors
///
/// As [`std::fs::exists`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-exists-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// assert!(!zokio_io::fs::try_exists(dir.join("f")).await?);
/// zokio_io::fs::write(dir.join("f"), "x").await?;
/// assert!(zokio_io::fs::try_exists(dir.join("f")).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    backend::try_exists(owned(path)).await
}
