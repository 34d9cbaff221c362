//! [`DirBuilder`]: creating a directory with options.

use std::io;
use std::path::Path;

use super::backend;

/// Creates directories with options (recursion, Unix mode): the async
/// [`std::fs::DirBuilder`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-dirb-{}", std::process::id()));
/// use std::os::unix::fs::PermissionsExt;
/// use zokio_io::fs::DirBuilder;
///
/// DirBuilder::new().recursive(true).mode(0o750).create(dir.join("a/b")).await?;
/// let mode = zokio_io::fs::metadata(dir.join("a/b")).await?.permissions().mode();
/// assert_eq!(mode & 0o777 & !0o750, 0, "no bit beyond the mode asked (the umask may clear some)");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct DirBuilder {
    recursive: bool,
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder that creates one directory (not its parents) with the
    /// default mode (0o777 less the umask).
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Also create missing parents, and accept an existing directory.
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// The permission bits new directories get (less the umask).
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }

    /// Creates the directory `path` as configured.
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirBuilder::create`]: `AlreadyExists` unless recursive,
    /// `NotFound` for a missing parent unless recursive, and so on.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        backend::run(move || builder.create(path)).await
    }
}
