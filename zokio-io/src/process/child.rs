//! `Child`: a spawned process, its exit to wait for, and its pipes.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::process::{ExitStatus, Output};

use futures_lite::io::{AsyncRead, AsyncReadExt};

use super::orphan;
use super::reaper::Reaper;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};

/// A child process spawned by [`Command::spawn`](super::Command::spawn).
///
/// [`wait`](Child::wait) waits for it to exit without blocking the thread;
/// the pipes asked for are in the public fields. As with std and Tokio, the
/// process keeps running when its `Child` is dropped, unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set; either way it is
/// reaped in the background once it exits (see the [module
/// documentation](super#orphans)), so it never stays a zombie.
///
/// ```
/// use zokio_io::process::Command;
///
/// futures_lite::future::block_on(async {
///     let mut child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
///     assert!(child.id().is_some());
///     let status = child.wait().await?;
///     assert_eq!(status.code(), Some(3));
///     assert_eq!(child.id(), None); // reaped: the pid may be reused
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Child {
    state: State,
    /// The writing end of the child's standard input, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The reading end of the child's standard output, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The reading end of the child's standard error, if it was piped.
    pub stderr: Option<ChildStderr>,
}

enum State {
    Running {
        pid: u32,
        reaper: Reaper,
        kill_on_drop: bool,
    },
    Reaped(ExitStatus),
}

impl Drop for Child {
    fn drop(&mut self) {
        // The status put in its place is never read: this `Child` is going.
        let state = std::mem::replace(&mut self.state, State::Reaped(ExitStatus::default()));
        if let State::Running {
            mut reaper,
            kill_on_drop,
            ..
        } = state
        {
            if kill_on_drop {
                // Nothing to report an error to: the orphan is reaped
                // whenever it exits.
                let _ = reaper.kill();
            }
            orphan::adopt(reaper);
        }
    }
}

impl Child {
    pub(crate) fn new(
        pid: u32,
        reaper: Reaper,
        kill_on_drop: bool,
        stdin: Option<ChildStdin>,
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
    ) -> Child {
        Child {
            state: State::Running {
                pid,
                reaper,
                kill_on_drop,
            },
            stdin,
            stdout,
            stderr,
        }
    }

    /// The child's process id, or `None` once it has been reaped (by
    /// [`wait`](Child::wait) or [`try_wait`](Child::try_wait)), when the id
    /// may already name another process.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// let mut child = Command::new("true").spawn()?;
    /// assert!(child.id().unwrap() > 0);
    /// futures_lite::future::block_on(child.wait())?;
    /// assert_eq!(child.id(), None);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running { pid, .. } => Some(*pid),
            State::Reaped(_) => None,
        }
    }

    /// Asks the child to stop with `SIGKILL`, without waiting for it to
    /// exit; [`wait`](Child::wait) reaps it. After the child has exited this
    /// does nothing and succeeds. On Linux the signal goes through the
    /// child's pidfd, so it can never reach another process that reused the
    /// pid.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     child.start_kill()?;
    ///     let status = child.wait().await?;
    ///     assert!(!status.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running {
                reaper,
                kill_on_drop,
                ..
            } => {
                reaper.kill()?;
                // Killed already: a drop need not kill again.
                *kill_on_drop = false;
                Ok(())
            }
            State::Reaped(_) => Ok(()),
        }
    }

    /// Kills the child with `SIGKILL` and waits for it to exit.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     child.kill().await?;
    ///     assert_eq!(child.id(), None);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit and reaps it, returning its exit status;
    /// again and again once it has (the status is kept).
    ///
    /// Closes [`stdin`](Child::stdin) first, so that a child reading its
    /// input to the end does not wait on a parent waiting on it. Cancelling
    /// this future (dropping it) loses nothing: the next call waits on.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let mut child = Command::new("true").spawn()?;
    ///     assert!(child.wait().await?.success());
    ///     assert!(child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| {
            let reaper = match &mut self.state {
                State::Reaped(status) => return std::task::Poll::Ready(Ok(*status)),
                State::Running { reaper, .. } => reaper,
            };
            // The reaper's readiness wait spends the cooperative budget.
            let status = std::task::ready!(reaper.poll_wait(cx))?;
            self.reaped(status);
            std::task::Poll::Ready(Ok(status))
        })
        .await
    }

    /// Reaps the child if it has exited, without waiting: `Ok(None)` if it
    /// is still running. Unlike [`wait`](Child::wait), leaves `stdin` open.
    ///
    /// ```
    /// use zokio_io::process::Command;
    ///
    /// let mut child = Command::new("sleep").arg("10").spawn()?;
    /// assert!(child.try_wait()?.is_none());
    /// child.start_kill()?;
    /// let status = futures_lite::future::block_on(child.wait())?;
    /// assert_eq!(child.try_wait()?, Some(status));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let reaper = match &mut self.state {
            State::Reaped(status) => return Ok(Some(*status)),
            State::Running { reaper, .. } => reaper,
        };
        let status = reaper.try_wait()?;
        if let Some(status) = status {
            self.reaped(status);
        }
        Ok(status)
    }

    /// Drops the reaper (closing its pidfd or `SIGCHLD` listener).
    fn reaped(&mut self, status: ExitStatus) {
        self.state = State::Reaped(status);
    }

    /// Waits for the child to exit while reading all of its piped stdout
    /// and stderr (concurrently, so a child that fills one pipe while the
    /// parent reads the other cannot deadlock). Closes `stdin` first.
    /// Streams that were not piped come back empty.
    ///
    /// ```
    /// use std::process::Stdio;
    /// use zokio_io::process::Command;
    ///
    /// futures_lite::future::block_on(async {
    ///     let child = Command::new("echo").arg("hello").stdout(Stdio::piped()).spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert!(output.status.success());
    ///     assert_eq!(output.stdout, b"hello\n");
    ///     assert!(output.stderr.is_empty());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        /// Through a chunk, not `read_to_end`: futures-lite's zero-fills
        /// the vector's whole spare capacity again after every `Pending`,
        /// which for a large output is quadratic.
        async fn read_to_end(pipe: Option<impl AsyncRead + Unpin>) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                // A pipe's default capacity: one read can empty it.
                let mut chunk = vec![0; 64 << 10];
                loop {
                    match pipe.read(&mut chunk).await? {
                        0 => break,
                        n => bytes.extend_from_slice(&chunk[..n]),
                    }
                }
            }
            Ok(bytes)
        }
        let stdout = read_to_end(self.stdout.take());
        let stderr = read_to_end(self.stderr.take());
        let pipes = futures_lite::future::try_zip(stdout, stderr);
        let ((stdout, stderr), status) = futures_lite::future::try_zip(pipes, self.wait()).await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.state {
            State::Running { pid, .. } => d.field("pid", pid),
            State::Reaped(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
