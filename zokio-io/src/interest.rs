//! `Interest`: the directions a task wants to wait for, as Tokio's
//! `tokio::io::Interest`.

use std::fmt;
use std::ops;

const READABLE: u8 = 0b01;
const WRITABLE: u8 = 0b10;

/// The readiness a task waits for: readable, writable, or either.
///
/// Given to `ready(interest)` and `try_io(interest, ..)` of the sockets and
/// of [`AsyncFd`](crate::unix::AsyncFd). Combine with `|`.
///
/// ```
/// use zokio_io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading (and in the end of the stream or an error, which
    /// make a read return at once).
    pub const READABLE: Interest = Interest(READABLE);

    /// Interest in writing.
    pub const WRITABLE: Interest = Interest(WRITABLE);

    /// Whether the interest includes reading.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether the interest includes writing.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Both interests together (as `|`, usable in `const`).
    ///
    /// ```
    /// use zokio_io::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_writable());
    /// ```
    #[must_use = "`add` returns the combined interest; it does not change `self`"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// This interest without `other`, or `None` if nothing is left.
    #[must_use = "`remove` returns what is left; it does not change `self`"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("(empty)"),
        }
    }
}
