//! `Ready`: the readiness a wait observed, as Tokio's `tokio::io::Ready`.

use std::fmt;
use std::ops;

const READABLE: u8 = 0b0001;
const WRITABLE: u8 = 0b0010;
const READ_CLOSED: u8 = 0b0100;
const WRITE_CLOSED: u8 = 0b1000;

/// A set of readiness events, returned by `ready(interest)`.
///
/// The closed events are final: once the peer hung up (or the socket
/// failed), `READ_CLOSED` (and for a failure `WRITE_CLOSED`) stays set, and
/// `is_readable` / `is_writable` say so, because an operation would return at
/// once (end of stream, or the error).
///
/// ```
/// use zokio_io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITABLE;
/// assert!(ready.is_readable() && ready.is_writable());
/// assert!(!ready.is_read_closed());
/// assert!(Ready::READ_CLOSED.is_readable());
/// assert!((ready - Ready::READABLE) == Ready::WRITABLE);
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ready(u8);

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed: the peer hung up, or the socket failed.
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed: the socket hung up or failed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Every readiness.
    pub const ALL: Ready = Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED);

    /// Whether no readiness is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Readable, or read-closed (a read would not block either way).
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Writable, or write-closed (a write would not block either way).
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// Whether the read side is closed.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether the write side is closed.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = f.debug_set();
        for (flag, name) in [
            (Ready::READABLE, "READABLE"),
            (Ready::WRITABLE, "WRITABLE"),
            (Ready::READ_CLOSED, "READ_CLOSED"),
            (Ready::WRITE_CLOSED, "WRITE_CLOSED"),
        ] {
            if self.contains(flag) {
                set.entry(&format_args!("{name}"));
            }
        }
        set.finish()
    }
}
