//! What the kernel may read or write while an operation is in flight: the
//! memory and descriptors an operation's slot owns until its completion.

use std::ffi::CString;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::Arc;

/// A file an operation reads or writes, kept open until its completion.
pub(crate) type FileRef = Arc<dyn AsFd + Send + Sync>;

/// What the kernel may read or write while an operation is in flight.
#[expect(
    dead_code,
    reason = "some fields are only held, for the kernel, and never read"
)]
pub(crate) enum Owned {
    Nothing,
    /// An open's path; a completed open's result is a descriptor.
    OpenPath(CString),
    /// The descriptor of an open whose future was gone: closed on drop.
    Fd(OwnedFd),
    /// A descriptor to close, until its close is queued.
    Closing(OwnedFd),
    /// A read's or write's buffer and file.
    Buf(FileRef, Vec<u8>),
    /// A statx record and what names the file.
    Stat(
        Option<FileRef>,
        Option<CString>,
        Box<MaybeUninit<libc::statx>>,
    ),
    /// A sync's file.
    File(FileRef),
    /// A chain through a direct descriptor (its index, free again once the
    /// chain is done: its last entry closes it), with its path and buffer.
    Direct(u32, CString, Vec<u8>),
}

impl Owned {
    /// An operation completed with `result` and nobody will take it: what
    /// must still be released (an opened descriptor, to close).
    pub(crate) fn with_result(self, result: i32) -> Owned {
        match self {
            // SAFETY: a successful openat returns a new descriptor that
            // nothing else owns.
            Owned::OpenPath(_) if result >= 0 => Owned::Fd(unsafe { OwnedFd::from_raw_fd(result) }),
            other => other,
        }
    }

    /// Its entry is queued: a descriptor being closed is the kernel's.
    pub(crate) fn submitted(self) -> Owned {
        match self {
            Owned::Closing(fd) => {
                let _ = fd.into_raw_fd();
                Owned::Nothing
            }
            other => other,
        }
    }
}
