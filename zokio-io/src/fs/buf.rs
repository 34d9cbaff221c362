//! The buffer a [`File`](super::File) lends to its background operation, and
//! what that operation reports back.
//!
//! A file's read or write runs away from the task that asked for it, so it
//! cannot borrow the caller's slice: it owns this buffer for the length of
//! the operation and hands it back with the outcome. A read fills it and the
//! caller copies out; a write is copied into it and the caller goes on.

use std::io::{self, Read, Write};

/// How much a single read or write of a [`File`](super::File) moves at most,
/// unless [`File::set_max_buf_size`](super::File::set_max_buf_size) says
/// otherwise (2 MiB, as Tokio's).
pub(crate) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// Bytes and how many of them the caller has taken.
#[derive(Debug, Default)]
pub(crate) struct Buf {
    data: Vec<u8>,
    pos: usize,
}

/// The outcome of a file's background operation.
#[derive(Debug)]
pub(crate) enum Operation {
    /// Bytes read into the buffer.
    Read(io::Result<usize>),
    /// The whole buffer was written (it is empty again), or why not.
    Write(io::Result<()>),
    /// The new cursor position.
    Seek(io::Result<u64>),
}

impl Buf {
    /// Bytes read ahead and not yet taken.
    pub(crate) fn unread(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.unread() == 0
    }

    /// Moves unread bytes into `dst`; returns how many.
    pub(crate) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    /// Takes up to `max` bytes of `src` to write; returns how many. Any bytes
    /// read ahead must have been discarded first.
    pub(crate) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        debug_assert!(self.is_empty(), "bytes read ahead would be written");
        self.clear();
        let n = src.len().min(max.max(1));
        self.data.extend_from_slice(&src[..n]);
        n
    }

    /// Takes up to `max` bytes from the slices in turn; returns how many.
    pub(crate) fn copy_from_vectored(&mut self, src: &[io::IoSlice<'_>], max: usize) -> usize {
        debug_assert!(self.is_empty(), "bytes read ahead would be written");
        self.clear();
        let max = max.max(1);
        for slice in src {
            let room = max - self.data.len();
            if room == 0 {
                break;
            }
            self.data.extend_from_slice(&slice[..slice.len().min(room)]);
        }
        self.data.len()
    }

    /// Forgets the bytes read ahead and returns the seek (a negative offset
    /// from the cursor) that puts the file back where the caller stands.
    pub(crate) fn discard_read(&mut self) -> i64 {
        let back = -(self.unread() as i64);
        self.clear();
        back
    }

    /// Reads at most `len` bytes from `file` into the (empty) buffer.
    pub(crate) fn read_from(&mut self, file: &mut impl Read, len: usize) -> io::Result<usize> {
        self.clear();
        self.data.resize(len, 0);
        let res = loop {
            match file.read(&mut self.data) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.data.truncate(*res.as_ref().unwrap_or(&0));
        res
    }

    /// Writes the whole buffer to `file` and empties it, whatever happens.
    pub(crate) fn write_to(&mut self, file: &mut impl Write) -> io::Result<()> {
        let res = file.write_all(&self.data[self.pos..]);
        self.clear();
        res
    }

    /// The (emptied) buffer's storage, with room for a read of `len`
    /// bytes, for a backend that reads into a `Vec` it owns.
    #[cfg(target_os = "linux")]
    pub(crate) fn into_read_vec(mut self, len: usize) -> Vec<u8> {
        self.clear();
        self.data.reserve(len);
        self.data
    }

    /// The bytes to write (those not yet taken), for a backend that writes
    /// from a `Vec` it owns.
    #[cfg(target_os = "linux")]
    pub(crate) fn into_write_vec(mut self) -> Vec<u8> {
        self.data.drain(..self.pos);
        self.data
    }

    /// A buffer holding what a backend read into `data`, or (emptied by
    /// the caller) the storage a write is done with.
    #[cfg(target_os = "linux")]
    pub(crate) fn from_vec(data: Vec<u8>) -> Buf {
        Buf { data, pos: 0 }
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_ahead_is_copied_out_and_discarded_as_a_seek_back() {
        let mut buf = Buf::default();
        assert_eq!(buf.read_from(&mut &b"hello world"[..], 8).unwrap(), 8);
        let mut dst = [0; 3];
        assert_eq!(buf.copy_to(&mut dst), 3);
        assert_eq!(&dst, b"hel");
        assert_eq!(buf.unread(), 5);
        assert_eq!(buf.discard_read(), -5);
        assert!(buf.is_empty());
    }

    #[test]
    fn a_write_takes_at_most_max_and_empties_on_failure() {
        let mut buf = Buf::default();
        assert_eq!(buf.copy_from(b"abcdef", 4), 4);
        let mut out = Vec::new();
        buf.write_to(&mut out).unwrap();
        assert_eq!(out, b"abcd");
        assert!(buf.is_empty());

        let slices = [
            io::IoSlice::new(b"ab"),
            io::IoSlice::new(b""),
            io::IoSlice::new(b"cdef"),
        ];
        assert_eq!(buf.copy_from_vectored(&slices, 5), 5);
        let mut out = Vec::new();
        buf.write_to(&mut out).unwrap();
        assert_eq!(out, b"abcde");

        assert_eq!(buf.copy_from(b"xy", 4), 2);
        let mut full = &mut [0u8; 1][..];
        assert!(buf.write_to(&mut full).is_err());
        assert!(buf.is_empty());
    }
}
