//! TCP reads that learn whether the receive queue is left empty.
//!
//! A read that fills its whole buffer cannot tell whether more bytes wait
//! behind it, so readiness is kept and the next read tries the socket, often
//! only to get `WouldBlock`: one wasted `recv` per `read_exact`, on both ends
//! of a request/response exchange. Linux's `TCP_INQ` socket option makes
//! `recvmsg` report how many bytes the queue still holds (a FIN counts as
//! one), so a full read that left the queue empty clears readiness like a
//! short read does, and the next read waits for the event instead.
//!
//! The option is switched on the first time a read fills its buffer: servers
//! that read into large buffers get short reads and never pay for it. Once
//! on, reads use `recvmsg` with room for the hint. Plain reads of the same
//! socket (`into_std`, `AsRawFd`) are unaffected: the kernel only delivers
//! the hint to callers that ask for control messages.

use std::io::{self, IoSliceMut, Read};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU8, Ordering};

/// Whether a stream's reads ask for the receive-queue hint. It only chooses
/// which system call reads the socket (both are correct at any time), so it
/// publishes nothing and `Relaxed` suffices.
#[derive(Debug, Default)]
pub(crate) struct QueueHint(AtomicU8);

/// No read has filled its buffer yet.
const UNTRIED: u8 = 0;
/// `TCP_INQ` is on: reads use `recvmsg`.
const ON: u8 = 1;
/// Setting `TCP_INQ` failed (not Linux, or an old kernel): plain reads.
const UNAVAILABLE: u8 = 2;

impl QueueHint {
    pub(crate) const fn new() -> QueueHint {
        QueueHint(AtomicU8::new(UNTRIED))
    }

    /// Reads into `bufs` (of `asked` bytes in all): the bytes read, and
    /// whether the receive queue is known to be empty afterwards.
    pub(crate) fn read(
        &self,
        stream: &TcpStream,
        asked: usize,
        bufs: &mut [IoSliceMut<'_>],
    ) -> io::Result<(usize, bool)> {
        match self.0.load(Ordering::Relaxed) {
            // Only Linux's `enable` ever succeeds.
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ON => recv_with_hint(stream, bufs),
            state => {
                // One buffer (the usual case) goes through recv(2): readv(2)
                // detours through the VFS and an iovec import, ~50 ns a call.
                let n = match bufs {
                    [one] => (&*stream).read(one)?,
                    _ => (&*stream).read_vectored(bufs)?,
                };
                if state == UNTRIED && n == asked && n > 0 {
                    let next = if enable(stream) { ON } else { UNAVAILABLE };
                    self.0.store(next, Ordering::Relaxed);
                }
                Ok((n, false))
            }
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn enable(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: the descriptor is open for the borrow of `stream`, and the
    // option value is a live `c_int` of the length passed.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_TCP,
            libc::TCP_INQ,
            (&raw const on).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    rc == 0
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn enable(_: &TcpStream) -> bool {
    false
}

/// `recvmsg` with room for the `TCP_CM_INQ` control message.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn recv_with_hint(stream: &TcpStream, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, bool)> {
    use std::os::fd::AsRawFd;
    // As std's `read_vectored`: the kernel refuses more than IOV_MAX slices.
    let len = bufs.len().min(1024);
    // Room for one control message holding an `int`; `u64`s align it for
    // `cmsghdr`.
    let mut control = [0u64; 4];
    // SAFETY: `msghdr` is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSliceMut` is ABI-compatible with `iovec` on Unix (std guarantees it).
    msg.msg_iov = bufs.as_mut_ptr().cast();
    msg.msg_iovlen = len as _;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control) as _;
    // SAFETY: `msg` points at `len` valid, writable slices and at the
    // control buffer of the length given; both outlive the call.
    let n = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut queued = None;
    // SAFETY: `msg` was filled by `recvmsg`; its control length covers only
    // what the kernel wrote into `control`.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !cmsg.is_null() {
        // SAFETY: a non-null header from CMSG_FIRSTHDR/NXTHDR lies within
        // `control` and is aligned for `cmsghdr`.
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::SOL_TCP && header.cmsg_type == libc::TCP_CM_INQ {
            // SAFETY: a TCP_CM_INQ message carries one `int` as its data.
            queued = Some(unsafe { libc::CMSG_DATA(cmsg).cast::<libc::c_int>().read_unaligned() });
        }
        // SAFETY: `cmsg` is a header of `msg`'s control buffer.
        cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
    }
    Ok((n as usize, queued == Some(0)))
}

#[cfg(all(test, not(loom), any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{Shutdown, TcpListener};
    use std::time::{Duration, Instant};

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        ours.set_nonblocking(true).unwrap();
        (peer, ours)
    }

    /// Reads `asked` bytes, retrying until loopback has delivered them.
    fn read(hint: &QueueHint, stream: &TcpStream, asked: usize) -> (usize, bool) {
        let mut buf = vec![0u8; asked];
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match hint.read(stream, asked, &mut [IoSliceMut::new(&mut buf)]) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                result => return result.unwrap(),
            }
        }
    }

    /// Waits until loopback has queued `n` bytes for `stream`.
    fn wait_queued(stream: &TcpStream, n: usize) {
        let mut probe = vec![0u8; n];
        while stream.peek(&mut probe).unwrap_or(0) < n {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn only_a_read_that_fills_its_buffer_switches_the_hint_on() {
        let (mut peer, ours) = pair();
        let hint = QueueHint::new();
        peer.write_all(&[1; 8]).unwrap();
        assert_eq!(read(&hint, &ours, 64), (8, false));
        assert_eq!(hint.0.load(Ordering::Relaxed), UNTRIED);
        peer.write_all(&[2; 8]).unwrap();
        assert_eq!(read(&hint, &ours, 8), (8, false));
        assert_eq!(hint.0.load(Ordering::Relaxed), ON);
    }

    #[test]
    fn a_full_read_knows_whether_the_queue_is_empty() {
        let (mut peer, ours) = pair();
        assert!(enable(&ours));
        let hint = QueueHint(AtomicU8::new(ON));
        peer.write_all(&[1; 8]).unwrap();
        assert_eq!(read(&hint, &ours, 8), (8, true));
        peer.write_all(&[2; 16]).unwrap();
        // All 16 bytes queued, so the first read leaves 8.
        wait_queued(&ours, 16);
        assert_eq!(read(&hint, &ours, 8), (8, false));
        assert_eq!(read(&hint, &ours, 8), (8, true));
    }

    #[test]
    fn a_queued_end_of_stream_is_not_an_empty_queue() {
        let (mut peer, ours) = pair();
        assert!(enable(&ours));
        let hint = QueueHint(AtomicU8::new(ON));
        peer.write_all(&[1; 8]).unwrap();
        peer.shutdown(Shutdown::Write).unwrap();
        wait_queued(&ours, 8);
        std::thread::sleep(Duration::from_millis(20)); // let the FIN land too
        // The FIN counts as a queued byte: the next read must try, and sees 0.
        assert_eq!(read(&hint, &ours, 8), (8, false));
        assert_eq!(read(&hint, &ours, 8), (0, false));
    }
}
