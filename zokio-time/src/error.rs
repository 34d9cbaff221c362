//! The errors of this crate.

use std::fmt;
use std::io;

/// A [`Timeout`](crate::Timeout) ran out before its future completed.
///
/// ```
/// use std::time::Duration;
///
/// let result = futures_lite::future::block_on(zokio_time::timeout(
///     Duration::from_millis(1),
///     std::future::pending::<()>(),
/// ));
/// let elapsed = result.unwrap_err();
/// assert_eq!(elapsed.to_string(), "deadline has elapsed");
/// let io: std::io::Error = elapsed.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) const fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

/// An [`Interval`](crate::Interval) was asked for with a zero period, which
/// would tick forever without yielding.
///
/// ```
/// use std::time::Duration;
///
/// let err = zokio_time::try_interval(Duration::ZERO).unwrap_err();
/// assert_eq!(err.to_string(), "an interval's period must be greater than zero");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroPeriod(());

impl ZeroPeriod {
    pub(crate) const fn new() -> ZeroPeriod {
        ZeroPeriod(())
    }
}

impl fmt::Display for ZeroPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an interval's period must be greater than zero")
    }
}

impl std::error::Error for ZeroPeriod {}

impl From<ZeroPeriod> for io::Error {
    fn from(e: ZeroPeriod) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}
