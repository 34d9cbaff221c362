//! A child's standard streams as asynchronous pipes: the parent's end of
//! each pipe, non-blocking and registered with the reactor.

use std::fmt;
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

use crate::async_fd::{Async, set_blocking};
use crate::readiness::Direction;

/// The parent's end of one pipe.
struct Pipe(Async<File>);

impl Pipe {
    fn new(fd: impl Into<OwnedFd>) -> io::Result<Pipe> {
        Async::new(File::from(fd.into())).map(Pipe)
    }

    /// Back to a plain, blocking descriptor, for std's types or a
    /// grandchild's stdio (which expects blocking reads and writes).
    fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let file = self.0.into_inner();
        set_blocking(file.as_fd())?;
        Ok(file.into())
    }
}

macro_rules! pipe_end {
    ($(#[$doc:meta])* $name:ident, $std:ty, $std_name:literal) => {
        $(#[$doc])*
        pub struct $name {
            pipe: Pipe,
        }

        impl $name {
            #[doc = concat!("Makes std's [`", $std_name, "`](", $std_name, ") asynchronous: ")]
            /// non-blocking, registered with the current reactor.
            pub fn from_std(inner: $std) -> io::Result<$name> {
                Pipe::new(inner).map(|pipe| $name { pipe })
            }

            /// Deregisters the pipe and gives its descriptor back, in blocking
            /// mode again.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_owned_fd()
            }
        }

        /// The pipe, in blocking mode again, as another child's stdio: the
        /// way to connect two children.
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(end: $name) -> io::Result<Stdio> {
                end.into_owned_fd().map(Stdio::from)
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.0.as_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.0.as_raw_fd()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

pipe_end!(
    /// The writing end of a child's standard input, from
    /// [`Command::stdin(Stdio::piped())`](super::Command::stdin): a futures-io
    /// [`AsyncWrite`]. Dropping it closes the pipe, which the child reads as
    /// the end of its input.
    ///
    /// ```
    /// use futures_lite::io::AsyncWriteExt;
    /// use std::process::Stdio;
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("cat")
    ///         .stdin(Stdio::piped())
    ///         .stdout(Stdio::piped())
    ///         .spawn()?;
    ///     let mut stdin = child.stdin.take().unwrap();
    ///     stdin.write_all(b"meow").await?;
    ///     drop(stdin); // end of input: cat exits
    ///     let output = child.wait_with_output().await?;
    ///     assert_eq!(output.stdout, b"meow");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStdin,
    std::process::ChildStdin,
    "std::process::ChildStdin"
);

pipe_end!(
    /// The reading end of a child's standard output, from
    /// [`Command::stdout(Stdio::piped())`](super::Command::stdout): a
    /// futures-io [`AsyncRead`].
    ///
    /// ```
    /// use futures_lite::io::AsyncReadExt;
    /// use std::process::Stdio;
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
    ///     let mut text = String::new();
    ///     child.stdout.take().unwrap().read_to_string(&mut text).await?;
    ///     assert_eq!(text, "hi\n");
    ///     assert!(child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStdout,
    std::process::ChildStdout,
    "std::process::ChildStdout"
);

pipe_end!(
    /// The reading end of a child's standard error, from
    /// [`Command::stderr(Stdio::piped())`](super::Command::stderr): a
    /// futures-io [`AsyncRead`].
    ///
    /// ```
    /// use futures_lite::io::AsyncReadExt;
    /// use std::process::Stdio;
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("sh")
    ///         .args(["-c", "echo oops >&2"])
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let mut text = String::new();
    ///     child.stderr.take().unwrap().read_to_string(&mut text).await?;
    ///     assert_eq!(text, "oops\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStderr,
    std::process::ChildStderr,
    "std::process::ChildStderr"
);

/// Pipes are streams: a read or write shorter than asked proves the pipe
/// was emptied or filled, so it clears the readiness at once (as the
/// stream sockets' do) instead of leaving that to a `WouldBlock` call.
impl Pipe {
    fn poll_read(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        let asked = bufs.iter().map(|b| b.len()).sum();
        self.0
            .poll_stream_io(Direction::Read, cx, asked, |mut file| {
                file.read_vectored(bufs).map(|n| (n, false))
            })
    }

    fn poll_write(&self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let asked = bufs.iter().map(|b| b.len()).sum();
        self.0
            .poll_stream_io(Direction::Write, cx, asked, |mut file| {
                file.write_vectored(bufs).map(|n| (n, false))
            })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, bufs)
    }

    /// Pipes have no buffer in the parent to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Nothing to do: the pipe closes when this end is dropped (as with
    /// Tokio's `poll_shutdown`).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

macro_rules! async_read {
    ($name:ident) => {
        impl AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.pipe.poll_read(cx, &mut [IoSliceMut::new(buf)])
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.pipe.poll_read(cx, bufs)
            }
        }
    };
}

async_read!(ChildStdout);
async_read!(ChildStderr);
