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

/// Bytes in flight between a file and its caller: `data[pos..end]`.
///
/// `data` stays initialized at its largest length: a read reuses it without
/// zeroing it again, which for 64 KiB reads in a loop is a memset per read
/// saved (std's `Read` takes an initialized slice, and this crate does not
/// hand it uninitialized memory).
#[derive(Debug, Default)]
pub(crate) struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
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
        self.end - self.pos
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
        self.copy_from_vectored(&[io::IoSlice::new(src)], max)
    }

    /// Takes up to `max` bytes from the slices in turn; returns how many.
    pub(crate) fn copy_from_vectored(&mut self, src: &[io::IoSlice<'_>], max: usize) -> usize {
        debug_assert!(self.is_empty(), "bytes read ahead would be written");
        let max = max.max(1);
        let total = src.iter().map(|slice| slice.len()).sum::<usize>().min(max);
        self.make_room(total);
        let mut end = 0;
        for slice in src {
            let n = slice.len().min(total - end);
            self.data[end..end + n].copy_from_slice(&slice[..n]);
            end += n;
        }
        self.pos = 0;
        self.end = end;
        end
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
        self.make_room(len);
        let res = loop {
            match file.read(&mut self.data[..len]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.end = *res.as_ref().unwrap_or(&0);
        res
    }

    /// Writes the whole buffer to `file` and empties it, whatever happens.
    pub(crate) fn write_to(&mut self, file: &mut impl Write) -> io::Result<()> {
        let res = file.write_all(&self.data[self.pos..self.end]);
        self.clear();
        res
    }

    /// The (emptied) buffer's storage, with room for a read of `len`
    /// bytes, for a backend that reads into a `Vec`'s spare capacity (and
    /// so needs no initialized slice).
    #[cfg(target_os = "linux")]
    pub(crate) fn into_read_vec(self, len: usize) -> Vec<u8> {
        let mut data = self.data;
        data.clear();
        data.reserve(len);
        data
    }

    /// The bytes to write (those not yet taken), for a backend that writes
    /// from a `Vec` it owns.
    #[cfg(target_os = "linux")]
    pub(crate) fn into_write_vec(self) -> Vec<u8> {
        let mut data = self.data;
        data.truncate(self.end);
        data.drain(..self.pos);
        data
    }

    /// A buffer holding `data`: what a backend read into it, or nothing
    /// (emptied by the caller) once a write is done with it.
    #[cfg(target_os = "linux")]
    pub(crate) fn from_vec(data: Vec<u8>) -> Buf {
        Buf {
            end: data.len(),
            data,
            pos: 0,
        }
    }

    /// Makes `data` at least `len` long, zeroing only what it grows by.
    fn make_room(&mut self, len: usize) {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }

    fn clear(&mut self) {
        self.pos = 0;
        self.end = 0;
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

        // A shorter read into the larger buffer sees only its own bytes.
        assert_eq!(buf.read_from(&mut &b"xy"[..], 8).unwrap(), 2);
        let mut dst = [0; 8];
        assert_eq!(buf.copy_to(&mut dst), 2);
        assert_eq!(&dst[..2], b"xy");
        assert!(buf.read_from(&mut Failing, 8).is_err());
        assert!(buf.is_empty());
    }

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("boom"))
        }
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
