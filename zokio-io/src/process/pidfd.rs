//! Waiting for a child through its pidfd (Linux 5.4 and later): the pidfd
//! becomes readable when the child exits, and `waitid(P_PIDFD, WNOHANG)`
//! then reaps it without blocking.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use rustix::process::{
    Pid, PidfdFlags, Signal, WaitId, WaitIdOptions, WaitIdStatus, pidfd_open, pidfd_send_signal,
    waitid,
};

use crate::reactor::Handle;
use crate::readiness::{Direction, Readiness};
use crate::registration::Registration;

/// A running child's pidfd, registered with a reactor.
pub(crate) struct PidfdReaper {
    pidfd: OwnedFd,
    registration: Registration,
}

impl PidfdReaper {
    /// Opens `pid`'s pidfd and registers it with the current reactor.
    pub(crate) fn new(pid: u32) -> io::Result<PidfdReaper> {
        let pidfd = open(pid)?;
        let registration = register(pidfd.as_fd(), &Handle::current()?)?;
        Ok(PidfdReaper {
            pidfd,
            registration,
        })
    }

    /// Reaps the child if it has exited, or registers the task to be woken
    /// when it does.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let pidfd = self.pidfd.as_fd();
        let polled = self
            .registration
            .poll_io(Direction::Read, cx, || would_block(reap(pidfd)));
        match polled {
            // The reactor this pidfd was registered with has shut down (the
            // child was spawned on a runtime since dropped): move to the
            // reactor current here, which is another runtime's or the
            // background one, and wait there.
            Poll::Ready(Err(e)) if self.registration.handle().is_shut_down() => {
                let current = Handle::current()?;
                if current.is_shut_down() {
                    // Nowhere left to wait (a runtime's handle still
                    // entered after its shutdown).
                    return Poll::Ready(Err(e));
                }
                self.move_to(&current)?;
                self.poll_wait(cx)
            }
            polled => polled,
        }
    }

    /// Reaps the child if it has exited, without waiting.
    pub(crate) fn try_wait(&self) -> io::Result<Option<ExitStatus>> {
        reap(self.pidfd.as_fd())
    }

    /// Sends `SIGKILL`. A child that has exited but is not reaped yet is
    /// not an error: it is as dead as the caller wants it.
    pub(crate) fn kill(&self) -> io::Result<()> {
        match pidfd_send_signal(self.pidfd.as_fd(), Signal::KILL) {
            Err(rustix::io::Errno::SRCH) => Ok(()),
            result => result.map_err(io::Error::from),
        }
    }

    /// Re-registers the pidfd with `handle`'s reactor (a no-op if it is
    /// registered there already).
    pub(crate) fn move_to(&mut self, handle: &Handle) -> io::Result<()> {
        if self.registration.handle().same_reactor(handle) {
            return Ok(());
        }
        let moved = register(self.pidfd.as_fd(), handle)?;
        let old = std::mem::replace(&mut self.registration, moved);
        // Unregistering from the old poller leaves the new one's
        // registration of the same descriptor alone: each epoll instance
        // keeps its own.
        old.deregister(self.pidfd.as_fd());
        Ok(())
    }
}

impl Drop for PidfdReaper {
    fn drop(&mut self) {
        // Deleted from the poller before the pidfd closes.
        self.registration.deregister(self.pidfd.as_fd());
    }
}

fn register(pidfd: BorrowedFd<'_>, handle: &Handle) -> io::Result<Registration> {
    // Not ready at first: adding a descriptor to epoll reports it at once if
    // it is readable already (a child that exited before the registration),
    // so the first wait need not try a `waitid` that, for a child just
    // spawned, nearly always finds it still running.
    Registration::new(pidfd, handle, Readiness::new())
}

/// `WouldBlock` for "not exited yet", so that the reactor's readiness loop
/// clears the readiness and waits for the next event.
fn would_block(reaped: io::Result<Option<ExitStatus>>) -> io::Result<ExitStatus> {
    reaped?.ok_or_else(|| io::ErrorKind::WouldBlock.into())
}

/// `waitid(P_PIDFD, pidfd, WEXITED | WNOHANG)`: the exit status if the child
/// has exited (and is now reaped), `None` if it is still running.
pub(crate) fn reap(pidfd: BorrowedFd<'_>) -> io::Result<Option<ExitStatus>> {
    loop {
        match waitid(
            WaitId::PidFd(pidfd),
            WaitIdOptions::EXITED | WaitIdOptions::NOHANG,
        ) {
            Ok(status) => return Ok(status.map(|status| exit_status(&status))),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The `waitid` report in the encoding of `waitpid`'s status, which is what
/// std's `ExitStatus` holds on Unix.
fn exit_status(status: &WaitIdStatus) -> ExitStatus {
    let raw = if let Some(code) = status.exit_status() {
        (code & 0xff) << 8
    } else if let Some(signal) = status.terminating_signal() {
        // WCOREFLAG: the child dumped core.
        signal | if status.dumped() { 0x80 } else { 0 }
    } else {
        // WEXITED reports nothing else; a zero status is "exited with 0".
        0
    };
    ExitStatus::from_raw(raw)
}

/// `pidfd_open(pid)`. Its errors are the OS's as they are (EMFILE...), so
/// that `raw_os_error` tells them apart.
fn open(pid: u32) -> io::Result<OwnedFd> {
    let raw = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("bad pid {pid}")))?;
    Ok(pidfd_open(raw, PidfdFlags::empty())?)
}

/// Whether this kernel reaps through pidfds: `pidfd_open` exists (5.3) and
/// is allowed (seccomp filters answer EPERM), and `waitid` takes `P_PIDFD`
/// (5.4; 5.3 answers EINVAL). Probed once, on this process's own pidfd,
/// whose `waitid` answers ECHILD where it is supported.
pub(crate) fn supported() -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| {
        let Ok(pidfd) = open(std::process::id()) else {
            return false;
        };
        matches!(
            waitid(
                WaitId::PidFd(pidfd.as_fd()),
                WaitIdOptions::EXITED | WaitIdOptions::NOHANG,
            ),
            Err(rustix::io::Errno::CHILD)
        )
    })
}
