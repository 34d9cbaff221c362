//! Whole-file reads over a [`Ring`], as `std::fs::read` does them: open,
//! read to the end, close.

use std::ffi::CString;
use std::io;
use std::sync::Arc;

use crate::uring::op::FileRef;
use crate::uring::ring::Ring;

/// The first read's size. No statx sizes the buffer: the kernel always
/// hands a statx to its workers (a thread hop, as slow as the blocking
/// pool), while an open and reads of cached data complete inline. Larger
/// files double the buffer per read (glibc grows large blocks with
/// `mremap`, without copying).
const FIRST_READ: usize = 16 * 1024;

impl Ring {
    /// The whole content of the file at `path`, read until a read returns 0.
    pub(crate) async fn read_file(self: Arc<Self>, path: CString) -> io::Result<Vec<u8>> {
        let fd = self.open(path, libc::O_RDONLY, 0).await?;
        let file: FileRef = Arc::new(fd);
        let mut buf = Vec::with_capacity(FIRST_READ);
        loop {
            if buf.len() == buf.capacity() {
                buf.try_reserve(buf.capacity()).map_err(|_| {
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
        // A small file should not keep the first read's whole buffer.
        if buf.capacity() - buf.len() > buf.len() {
            buf.shrink_to_fit();
        }
        Ok(buf)
    }
}
