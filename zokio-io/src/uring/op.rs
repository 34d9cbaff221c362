//! The file operations as futures over a [`Ring`]: open, read and write at
//! an offset (or the file position), statx, fsync and close.
//!
//! Each operation moves what the kernel will touch into an [`Owned`] that
//! lives in the ring's slot while the operation is in flight, and gets it
//! back with the result. A future dropped in flight leaves it there until
//! the completion arrives. Reads and opens ask the kernel to cancel when
//! their future is dropped; writes, syncs and closes run to completion, as
//! a Tokio file's background write does.

use std::ffi::{CStr, CString};
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use io_uring::{opcode, squeue, types};

use crate::uring::owned::{FileRef, Owned};
use crate::uring::ring::{MAX_PARTS, Results, Ring, Submitted};

/// Most bytes one read or write moves (Linux's own cap, `MAX_RW_COUNT`).
const MAX_RW: usize = 0x7fff_f000;

/// An operation's entries: one (in place), or a chain (rare enough to box).
enum Entries {
    One(squeue::Entry),
    Chain(Box<[squeue::Entry]>),
}

impl Entries {
    fn as_slice(&self) -> &[squeue::Entry] {
        match self {
            Entries::One(entry) => std::slice::from_ref(entry),
            Entries::Chain(entries) => entries,
        }
    }
}

enum State {
    /// Not yet submitted (or no room in the ring yet).
    New(Entries, Owned),
    InFlight(u64),
    Finished,
}

/// One operation: submitted on first poll, completed with its entries' raw
/// results and what it owned.
pub(crate) struct Op {
    ring: Arc<Ring>,
    state: State,
    cancel_on_drop: bool,
}

impl Op {
    fn new(ring: &Arc<Ring>, entry: squeue::Entry, owned: Owned, cancel_on_drop: bool) -> Op {
        Op {
            ring: ring.clone(),
            state: State::New(Entries::One(entry), owned),
            cancel_on_drop,
        }
    }

    /// The `N` entries, linked by their own flags, as one operation.
    pub(crate) fn chain<const N: usize>(
        ring: &Arc<Ring>,
        chain: [squeue::Entry; N],
        owned: Owned,
        cancel_on_drop: bool,
    ) -> Op {
        const { assert!(N > 0 && N <= MAX_PARTS) };
        Op {
            ring: ring.clone(),
            state: State::New(Entries::Chain(Box::new(chain)), owned),
            cancel_on_drop,
        }
    }
}

/// The first entry's result as an `io::Result`: negative is an errno.
fn first(results: io::Result<Results>) -> io::Result<i32> {
    results.and_then(|r| errno(r[0]))
}

/// A raw result as an `io::Result`: negative is an errno.
pub(crate) fn errno(result: i32) -> io::Result<i32> {
    match result {
        r if r < 0 => Err(io::Error::from_raw_os_error(-r)),
        r => Ok(r),
    }
}

impl Future for Op {
    type Output = (io::Result<Results>, Owned);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = ready!(zokio_core::budget::poll_proceed(cx));
        let this = &mut *self;
        let (result, owned) = match std::mem::replace(&mut this.state, State::Finished) {
            State::New(entries, owned) => {
                match this.ring.submit(entries.as_slice(), owned, cx.waker()) {
                    Err((e, owned)) => (Err(e), owned),
                    Ok(Submitted::Done(result, owned)) => (Ok(result), owned),
                    Ok(Submitted::InFlight(key)) => {
                        this.state = State::InFlight(key);
                        return Poll::Pending;
                    }
                    Ok(Submitted::Full(owned)) => {
                        this.state = State::New(entries, owned);
                        return Poll::Pending;
                    }
                }
            }
            State::InFlight(key) => match this.ring.poll_done(key, cx.waker()) {
                Some((result, owned)) => (Ok(result), owned),
                None => {
                    this.state = State::InFlight(key);
                    return Poll::Pending;
                }
            },
            State::Finished => {
                let e = io::Error::other("zokio-io: file operation polled after it completed");
                return Poll::Ready((Err(e), Owned::Nothing));
            }
        };
        progress.made_progress();
        Poll::Ready((result, owned))
    }
}

impl Drop for Op {
    fn drop(&mut self) {
        if let State::InFlight(key) = self.state {
            self.ring.orphan(key, self.cancel_on_drop);
        }
    }
}

fn unexpected(owned: &Owned) -> io::Error {
    let what = match owned {
        Owned::Nothing => "nothing",
        _ => "another operation's data",
    };
    io::Error::other(format!(
        "zokio-io: an io_uring operation came back with {what}"
    ))
}

impl Ring {
    /// `openat(AT_FDCWD, path, flags | O_CLOEXEC, mode)`.
    pub(crate) fn open(
        self: &Arc<Self>,
        path: CString,
        flags: i32,
        mode: u32,
    ) -> impl Future<Output = io::Result<OwnedFd>> + Send + 'static {
        let entry = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), path.as_ptr())
            .flags(flags | libc::O_CLOEXEC)
            .mode(mode)
            .build();
        let op = Op::new(self, entry, Owned::OpenPath(path), true);
        async move {
            let (result, _path) = op.await;
            let fd = first(result)?;
            // SAFETY: a successful openat returns a new descriptor that
            // nothing else owns.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    }

    /// Reads at most `max` bytes into `buf`'s spare capacity at `offset`
    /// (`None`: at the file position, which advances), and gives `buf` back
    /// longer by the bytes read. No spare capacity reads nothing.
    pub(crate) fn read_at(
        self: &Arc<Self>,
        file: FileRef,
        mut buf: Vec<u8>,
        max: usize,
        offset: Option<u64>,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send + 'static {
        let len = (buf.capacity() - buf.len()).min(max).min(MAX_RW);
        let ptr = buf.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        let entry = opcode::Read::new(types::Fd(file.as_fd().as_raw_fd()), ptr, len as u32)
            .offset(offset.unwrap_or(u64::MAX))
            .build();
        let op = match len {
            0 => Err(buf),
            _ => Ok(Op::new(self, entry, Owned::Buf(file, buf), true)),
        };
        async move {
            let op = match op {
                Ok(op) => op,
                Err(buf) => return (Ok(0), buf),
            };
            match op.await {
                (result, Owned::Buf(_, mut buf)) => {
                    let result = first(result).map(|n| {
                        let n = (n as usize).min(len);
                        // SAFETY: the kernel wrote `n` bytes (at most the
                        // `len` asked) into the spare capacity.
                        unsafe { buf.set_len(buf.len() + n) };
                        n
                    });
                    (result, buf)
                }
                (_, other) => (Err(unexpected(&other)), Vec::new()),
            }
        }
    }

    /// Writes `buf[from..]` at `offset` (`None`: at the file position, or
    /// the end in append mode), once, and gives `buf` back.
    pub(crate) fn write_at(
        self: &Arc<Self>,
        file: FileRef,
        buf: Vec<u8>,
        from: usize,
        offset: Option<u64>,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send + 'static {
        let from = from.min(buf.len());
        let len = (buf.len() - from).min(MAX_RW);
        let ptr = buf[from..].as_ptr();
        let entry = opcode::Write::new(types::Fd(file.as_fd().as_raw_fd()), ptr, len as u32)
            .offset(offset.unwrap_or(u64::MAX))
            .build();
        let op = Op::new(self, entry, Owned::Buf(file, buf), false);
        async move {
            match op.await {
                (result, Owned::Buf(_, buf)) => (first(result).map(|n| n as usize), buf),
                (_, other) => (Err(unexpected(&other)), Vec::new()),
            }
        }
    }

    /// Writes all of `buf` at `offset` (`None`: at the file position), in
    /// as many writes as it takes, and gives `buf` back.
    pub(crate) async fn write_all_at(
        self: Arc<Self>,
        file: FileRef,
        mut buf: Vec<u8>,
        offset: Option<u64>,
    ) -> (io::Result<()>, Vec<u8>) {
        let mut written = 0;
        while written < buf.len() {
            let at = offset.map(|o| o + written as u64);
            let (result, back) = self.write_at(file.clone(), buf, written, at).await;
            buf = back;
            match result {
                Ok(0) => {
                    let e =
                        io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer");
                    return (Err(e), buf);
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// `statx` of an open file (`AT_EMPTY_PATH`) or of a path (following
    /// symbolic links), with the basic fields. The kernel always runs it on
    /// its workers (io-wq), so it never completes inline.
    pub(crate) fn statx(
        self: &Arc<Self>,
        target: StatxTarget,
    ) -> impl Future<Output = io::Result<libc::statx>> + Send + 'static {
        let mut record = Box::new(MaybeUninit::<libc::statx>::uninit());
        let out = record.as_mut_ptr().cast::<types::statx>();
        const EMPTY: &CStr = c"";
        let (entry, owned) = match target {
            StatxTarget::File(file) => (
                opcode::Statx::new(types::Fd(file.as_fd().as_raw_fd()), EMPTY.as_ptr(), out)
                    .flags(libc::AT_EMPTY_PATH)
                    .mask(libc::STATX_BASIC_STATS)
                    .build(),
                Owned::Stat(Some(file), None, record),
            ),
            StatxTarget::Path(path) => (
                opcode::Statx::new(types::Fd(libc::AT_FDCWD), path.as_ptr(), out)
                    .mask(libc::STATX_BASIC_STATS)
                    .build(),
                Owned::Stat(None, Some(path), record),
            ),
        };
        let op = Op::new(self, entry, owned, true);
        async move {
            let (result, owned) = op.await;
            match (first(result), owned) {
                (Ok(_), Owned::Stat(_, _, record)) => {
                    // SAFETY: a successful statx filled the record.
                    Ok(unsafe { record.assume_init_read() })
                }
                (Err(e), _) => Err(e),
                (Ok(_), other) => Err(unexpected(&other)),
            }
        }
    }

    /// `fsync`, or `fdatasync` with `datasync`.
    pub(crate) fn fsync(
        self: &Arc<Self>,
        file: FileRef,
        datasync: bool,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        let flags = match datasync {
            true => types::FsyncFlags::DATASYNC,
            false => types::FsyncFlags::empty(),
        };
        let entry = opcode::Fsync::new(types::Fd(file.as_fd().as_raw_fd()))
            .flags(flags)
            .build();
        let op = Op::new(self, entry, Owned::File(file), false);
        async move { first(op.await.0).map(drop) }
    }

    /// Closes `fd`, reporting the error a `close` may give (which dropping
    /// an `OwnedFd` ignores).
    ///
    /// Not used by the fs layer, which closes as std does (dropping the
    /// descriptor: one system call, no cheaper through the ring).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the fs layer closes as std does; see above")
    )]
    pub(crate) fn close(
        self: &Arc<Self>,
        fd: OwnedFd,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        let entry = opcode::Close::new(types::Fd(fd.as_raw_fd())).build();
        let op = Op::new(self, entry, Owned::Closing(fd), false);
        async move { first(op.await.0).map(drop) }
    }
}

/// What [`Ring::statx`] describes.
pub(crate) enum StatxTarget {
    /// An open file. Whole-file reads do not size their buffer with it
    /// (a statx is an io-wq trip; growing the buffer costs less).
    #[cfg_attr(not(test), expect(dead_code, reason = "see above"))]
    File(FileRef),
    Path(CString),
}
