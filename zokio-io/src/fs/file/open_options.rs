//! [`OpenOptions`]: how a [`File`] is opened.

use std::io;
use std::path::Path;

use super::File;
use crate::fs::backend;

/// Options for opening a [`File`]: the [`std::fs::OpenOptions`] builder
/// whose `open` is async.
///
/// ```
/// # futures_lite::future::block_on(async {
/// # let dir = std::env::temp_dir().join(format!("zokio-fs-doc-oo-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// use futures_lite::io::AsyncWriteExt;
/// use zokio_io::fs::OpenOptions;
///
/// let path = dir.join("log");
/// for line in ["one\n", "two\n"] {
///     let mut file = OpenOptions::new().append(true).create(true).open(&path).await?;
///     file.write_all(line.as_bytes()).await?;
///     file.flush().await?;
/// }
/// assert_eq!(zokio_io::fs::read_to_string(&path).await?, "one\ntwo\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions(std::fs::OpenOptions, Shape);

/// What is known of the options beyond std's opaque builder: a plain
/// read-only open may go to io_uring (where it completes inline), anything
/// else takes std's `open` on the threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Nothing set yet.
    Empty,
    /// `read(true)` and nothing else.
    ReadOnly,
    /// Anything else, or built from std's options.
    Other,
}

impl OpenOptions {
    /// Options with every flag off: set at least one of `read`, `write` or
    /// `append` before opening.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new(), Shape::Empty)
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self.1 = match (self.1, read) {
            (Shape::Empty | Shape::ReadOnly, true) => Shape::ReadOnly,
            (Shape::Empty | Shape::ReadOnly, false) => Shape::Empty,
            (Shape::Other, _) => Shape::Other,
        };
        self
    }

    /// Open for writing (at the start of the file, unless `append`).
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self.1 = Shape::Other;
        self
    }

    /// Open for writing at the end of the file, whatever the cursor.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self.1 = Shape::Other;
        self
    }

    /// Truncate an existing file to zero length (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self.1 = Shape::Other;
        self
    }

    /// Create the file if it is missing (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self.1 = Shape::Other;
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (needs
    /// `write` or `append`; `create` and `truncate` are then ignored).
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self.1 = Shape::Other;
        self
    }

    /// The permission bits a created file gets (less the umask).
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self.1 = Shape::Other;
        self
    }

    /// Extra `open(2)` flags (`libc::O_NOFOLLOW`, ...), or-ed with those the
    /// other options set.
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self.1 = Shape::Other;
        self
    }

    /// Opens `path` with these options.
    ///
    /// # Errors
    ///
    /// As [`std::fs::OpenOptions::open`]: `NotFound`, `AlreadyExists` for
    /// `create_new`, `InvalidInput` for a contradictory set of options, an
    /// error for a directory opened for writing, and so on.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let file = match self.1 {
            Shape::ReadOnly => backend::open_read_only(path).await?,
            _ => {
                let options = self.0.clone();
                backend::run(move || options.open(path)).await?
            }
        };
        Ok(File::from_std(file))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options, Shape::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_read_only_open_is_read_only() {
        assert_eq!(OpenOptions::new().1, Shape::Empty);
        assert_eq!(OpenOptions::new().read(true).1, Shape::ReadOnly);
        assert_eq!(OpenOptions::new().read(true).read(false).1, Shape::Empty);
        assert_eq!(OpenOptions::new().read(true).write(true).1, Shape::Other);
        assert_eq!(OpenOptions::new().write(false).read(true).1, Shape::Other);
        assert_eq!(
            OpenOptions::new().read(true).custom_flags(0).1,
            Shape::Other
        );
        assert_eq!(OpenOptions::new().read(true).mode(0o600).1, Shape::Other);
        let mut std = std::fs::OpenOptions::new();
        std.read(true);
        assert_eq!(OpenOptions::from(std).1, Shape::Other);
    }

    #[test]
    fn a_read_only_open_fails_as_std_does() {
        let missing = std::env::temp_dir().join("zokio-fs-surely-missing/file");
        let err = futures_lite::future::block_on(OpenOptions::new().read(true).open(&missing))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let err =
            futures_lite::future::block_on(OpenOptions::new().read(true).open("a\0b")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
