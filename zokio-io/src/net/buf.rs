//! Receiving into a `bytes::BufMut`'s spare capacity, for the `*_buf`
//! methods (Tokio's `try_read_buf`, `recv_buf`, `recv_buf_from`...).

use std::io;

use bytes::BufMut;

/// Runs `recv` on `buf`'s next chunk of spare capacity and advances `buf`
/// past the bytes it received.
///
/// The chunk is zeroed first, so `recv` gets an ordinary `&mut [u8]` and no
/// read ever sees uninitialised memory; the cost is a `memset` of the chunk
/// (for a `Vec`, its spare capacity).
pub(crate) fn recv_into<B: BufMut + ?Sized, R>(
    buf: &mut B,
    recv: impl FnOnce(&mut [u8]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)> {
    let chunk = buf.chunk_mut();
    let len = chunk.len();
    let ptr = chunk.as_mut_ptr();
    // SAFETY: an `UninitSlice` is valid for writes of its whole length, and
    // `write_bytes` initialises all `len` bytes, so the slice over them is
    // initialised; `buf` is not touched until the slice is dropped.
    let dst = unsafe {
        ptr.write_bytes(0, len);
        std::slice::from_raw_parts_mut(ptr, len)
    };
    let (n, extra) = recv(dst)?;
    let n = n.min(len);
    // SAFETY: the first `n` (at most `len`) bytes of the chunk are
    // initialised: zeroed above, then written by `recv`.
    unsafe { buf.advance_mut(n) };
    Ok((n, extra))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn advances_past_what_was_received() {
        let mut buf = Vec::with_capacity(16);
        buf.extend_from_slice(b"ab");
        let (n, ()) = recv_into(&mut buf, |dst| {
            dst[..3].copy_from_slice(b"cde");
            Ok((3, ()))
        })
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(buf, b"abcde");
    }

    #[test]
    fn an_error_leaves_the_buffer_as_it_was() {
        let mut buf = b"ab".to_vec();
        let err = recv_into(&mut buf, |_| {
            Err::<(usize, ()), _>(io::ErrorKind::WouldBlock.into())
        });
        assert!(err.is_err());
        assert_eq!(buf, b"ab");
    }
}
