//! Whole-file reads and writes over a [`Ring`], as `std::fs::read` and
//! `std::fs::write` do them: open, size the buffer from a statx, read to
//! the end (or write everything), close.

use std::ffi::CString;
use std::io;
use std::sync::Arc;

use crate::uring::op::{FileRef, StatxTarget};
use crate::uring::ring::Ring;

/// The first growth of a buffer whose file gave no usable size (procfs
/// files say 0), as std's `read_to_end` starts.
const MIN_GROWTH: usize = 8 * 1024;

impl Ring {
    /// The whole content of the file at `path`.
    ///
    /// A regular file read to exactly the size its statx gave is taken as
    /// complete, without the extra read that would return 0: a file that
    /// grows meanwhile might as well have grown just after the read. Other
    /// files (pipes, procfs) are read until a read returns 0.
    pub(crate) async fn read_file(self: Arc<Self>, path: CString) -> io::Result<Vec<u8>> {
        let fd = self.open(path, libc::O_RDONLY, 0).await?;
        let file: FileRef = Arc::new(fd);
        let stat = self.statx(StatxTarget::File(file.clone())).await?;
        let regular = u32::from(stat.stx_mode) & libc::S_IFMT == libc::S_IFREG;
        let size = match stat.stx_mask & libc::STATX_SIZE {
            0 => 0,
            _ => usize::try_from(stat.stx_size).unwrap_or(usize::MAX),
        };
        let mut buf = Vec::new();
        buf.try_reserve_exact(size)
            .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "file too large for memory"))?;
        loop {
            if buf.len() == buf.capacity() {
                if regular && size > 0 && buf.len() == size {
                    break;
                }
                let growth = buf.capacity().max(MIN_GROWTH);
                buf.try_reserve(growth).map_err(|_| {
                    io::Error::new(io::ErrorKind::OutOfMemory, "file too large for memory")
                })?;
            }
            let at = buf.len() as u64;
            let (result, back) = self.read_at(file.clone(), buf, usize::MAX, Some(at)).await;
            buf = back;
            match result {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(buf)
    }

    /// Creates or truncates the file at `path` and writes all of `data`.
    pub(crate) async fn write_file(self: Arc<Self>, path: CString, data: Vec<u8>) -> io::Result<()> {
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC;
        let fd = self.open(path, flags, 0o666).await?;
        let file: FileRef = Arc::new(fd);
        self.write_all_at(file, data, Some(0)).await.0
    }
}
