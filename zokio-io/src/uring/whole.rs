//! Whole-file reads over a [`Ring`], as `std::fs::read` does them: open,
//! read to the end, close.
//!
//! A file of up to [`FIRST_READ`] bytes is read by one chain of linked
//! entries in one submission: an open into a direct descriptor (io_uring's
//! own file table), two reads at the file position (the second finds the
//! end), a close. For a cached file all four complete inside that one
//! `io_uring_enter`. A longer file (the second read found more), or a ring
//! without free direct descriptors, is read step by step on an ordinary
//! descriptor: open, reads until one returns 0, close; the chain's bytes
//! are dropped, so that every byte returned comes from one open file.

use std::ffi::CString;
use std::io;
use std::sync::Arc;

use io_uring::{opcode, squeue, types};

use crate::uring::op::{Op, errno};
use crate::uring::owned::{FileRef, Owned};
use crate::uring::ring::Ring;

/// The chain's first read, and the first read of a step-by-step one. No
/// statx sizes the buffer: the kernel always hands a statx to its workers
/// (a thread hop, as slow as the blocking pool), while an open and reads of
/// cached data complete inline. Larger files double the buffer per read
/// (glibc grows large blocks with `mremap`, without copying).
const FIRST_READ: usize = 16 * 1024;

impl Ring {
    /// The whole content of the file at `path`, read until a read returns 0.
    pub(crate) async fn read_file(self: Arc<Self>, path: CString) -> io::Result<Vec<u8>> {
        let path = match self.take_direct() {
            Some(direct) => match self.clone().read_chained(direct, path).await? {
                Ok(data) => return Ok(data),
                Err(path) => path,
            },
            None => path,
        };
        self.read_stepwise(path).await
    }

    /// The one-submission read: the content if the chain found the end,
    /// else the path back for a step-by-step read.
    async fn read_chained(
        self: Arc<Self>,
        direct: u32,
        path: CString,
    ) -> io::Result<Result<Vec<u8>, CString>> {
        let mut buf = Vec::<u8>::with_capacity(2 * FIRST_READ);
        let (first, second) = buf.spare_capacity_mut().split_at_mut(FIRST_READ);
        let (first, second) = (first.as_mut_ptr().cast::<u8>(), second.as_mut_ptr().cast());
        let Ok(slot) = types::DestinationSlot::try_from_slot_target(direct) else {
            return Ok(Err(path));
        };
        let hard = squeue::Flags::IO_HARDLINK;
        let file = types::Fixed(direct);
        let chain = [
            opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr())
                // A direct descriptor is in no process table: the kernel
                // refuses O_CLOEXEC for it.
                .flags(libc::O_RDONLY)
                .file_index(Some(slot))
                .build()
                .flags(hard),
            opcode::Read::new(file, first, FIRST_READ as u32)
                .offset(u64::MAX)
                .build()
                .flags(hard),
            opcode::Read::new(file, second, FIRST_READ as u32)
                .offset(u64::MAX)
                .build()
                .flags(hard),
            opcode::Close::new(file).build(),
        ];
        // Not cancelled if dropped: the chain ends by freeing the slot.
        let op = Op::chain(&self, chain, Owned::Direct(direct, path, buf), false);
        let (results, owned) = op.await;
        let results = results?;
        let Owned::Direct(_, path, mut buf) = owned else {
            return Err(io::Error::other(
                "zokio-io: a chained read came back without its buffer",
            ));
        };
        // The reads after a failed open fail too (no file in the slot).
        errno(results[0])?;
        let read = (errno(results[1])? as usize).min(FIRST_READ);
        let more = (errno(results[2])? as usize).min(FIRST_READ);
        if more > 0 {
            return Ok(Err(path));
        }
        // SAFETY: the first read wrote `read` bytes at the start of the
        // spare capacity, and the second (at the file position after them)
        // found the end.
        unsafe { buf.set_len(read) };
        buf.shrink_to_fit();
        Ok(Ok(buf))
    }

    /// Open, read until a read returns 0, close.
    pub(crate) async fn read_stepwise(self: Arc<Self>, path: CString) -> io::Result<Vec<u8>> {
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
