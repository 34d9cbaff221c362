//! `stdin`, `stdout` and `stderr`: the process's standard streams, read and
//! written on the blocking pool, as Tokio does.
//!
//! Standard streams may be terminals, pipes or files, and most of those
//! cannot be made non-blocking without changing them for every other
//! process that shares them, so each read or write runs as a blocking job
//! (on the runtime's blocking pool, or, outside a Zokio runtime, on threads
//! kept for the purpose, each job on a thread of its own so that a pending
//! read never holds up a write).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use super::blocking_io::Blocking;

/// The process's standard input, for async code: what [`stdin`] returns.
///
/// Each read is a blocking job. A read that waits for input keeps its
/// thread (and the runtime, at shutdown) waiting until input comes, or the
/// input closes: a runtime dropped while a read of a terminal is pending
/// does not finish shutting down until a line is typed. For interactive
/// programs that must exit promptly, read standard input on a thread of
/// your own and send the lines over a channel, or shut the runtime down
/// with a timeout.
///
/// Each value reads ahead into a buffer of its own: do not read standard
/// input through two values (or one and `std::io::stdin`) at once. A read
/// cannot be cancelled: dropping the future (or the `Stdin`) leaves the
/// blocking read running, and what it reads then goes to the next read of
/// this value, or is lost with it.
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// The standard input of the process (see [`Stdin`] for the caveats).
///
/// ```no_run
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// # fn main() -> std::io::Result<()> {
/// zokio::Runtime::new()?.block_on(async {
///     let mut lines = BufReader::new(zokio::io::stdin()).lines();
///     while let Some(line) = lines.next_line().await? {
///         println!("read {line}");
///     }
///     std::io::Result::Ok(())
/// })
/// # }
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_read(cx, buf)
    }
}

macro_rules! output {
    ($(#[$doc:meta])* $ty:ident, $ctor:ident, $std:ident, $what:literal) => {
        $(#[$doc])*
        ///
        /// A write copies the bytes (at most 2 MiB of them) and returns at
        /// once; the blocking job writes them behind it, and the outcome of
        /// that job is what the next write or flush returns. So `flush`
        /// (or `shutdown`) before the program ends, or the last write may
        /// be lost, and expect an error from a closed pipe one call late.
        ///
        /// Writes through two values, or one and `print!`, may interleave
        /// between calls; one `write_all` of a whole message per value
        /// keeps messages whole as long as each is under 2 MiB.
        pub struct $ty {
            inner: Blocking<io::$ty>,
        }

        #[doc = concat!("The ", $what, " of the process (see [`", stringify!($ty), "`] for the caveats).")]
        ///
        /// ```
        /// use zokio::io::AsyncWriteExt;
        ///
        /// # fn main() -> std::io::Result<()> {
        /// zokio::Runtime::new()?.block_on(async {
        #[doc = concat!("    let mut out = zokio::io::", stringify!($ctor), "();")]
        ///     out.write_all(b"hello from zokio\n").await?;
        ///     out.flush().await
        /// })
        /// # }
        /// ```
        pub fn $ctor() -> $ty {
            $ty {
                inner: Blocking::new(io::$std()),
            }
        }

        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().inner.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }

            /// Flushes; the stream itself stays open, as Tokio's does.
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&io::$std())
            }
        }
    };
}

output! {
    /// The process's standard output, for async code: what [`stdout`]
    /// returns. Each write is a blocking job.
    Stdout, stdout, stdout, "standard output"
}

output! {
    /// The process's standard error, for async code: what [`stderr`]
    /// returns. Each write is a blocking job.
    Stderr, stderr, stderr, "standard error"
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stdin").finish_non_exhaustive()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for Stdin {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&io::stdin())
    }
}
