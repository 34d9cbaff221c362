//! Waiting for a child by `SIGCHLD`, where pidfds cannot be used (kernels
//! before 5.4, sandboxes that forbid them) or when forced: each waiting
//! child listens for `SIGCHLD` ([`crate::signal`]), and at every delivery
//! tries a non-blocking `waitpid` for its own pid.
//!
//! One `SIGCHLD` may stand for several exits (the kernel merges pending
//! signals), which is why every waiting child checks at every delivery
//! rather than one child per signal.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::task::{Context, Poll};

use rustix::process::{Pid, Signal as SignalNumber, WaitOptions, kill_process, waitpid};

use crate::reactor::Handle;
use crate::signal::unix::{Signal, SignalKind, signal};

/// A running child's pid and its `SIGCHLD` listener.
pub(crate) struct SigchldReaper {
    pid: Pid,
    sigchld: Signal,
}

impl SigchldReaper {
    /// Listens for `SIGCHLD` on the current reactor. The listener exists
    /// before the first `waitpid`, so an exit is either seen by that call
    /// or delivered to the listener afterwards: never lost in between.
    pub(crate) fn new(pid: u32) -> io::Result<SigchldReaper> {
        let pid = i32::try_from(pid)
            .ok()
            .and_then(Pid::from_raw)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("bad pid {pid}")))?;
        Ok(SigchldReaper {
            pid,
            sigchld: signal(SignalKind::child())?,
        })
    }

    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            // The listener spends the cooperative budget for each delivery.
            match std::task::ready!(self.sigchld.poll_recv(cx)) {
                Some(()) => continue,
                // The reactor it listened on has shut down (the child was
                // spawned on a runtime since dropped): listen where this
                // poll runs instead.
                None => {
                    let current = Handle::current()?;
                    if current.is_shut_down() {
                        // Nowhere left to listen (a runtime's handle still
                        // entered after its shutdown).
                        return Poll::Ready(Err(io::Error::other(
                            "zokio::process: the reactor to wait for this child on has shut down",
                        )));
                    }
                    self.move_to(&current)?;
                }
            }
        }
    }

    /// `waitpid(pid, WNOHANG)`.
    pub(crate) fn try_wait(&self) -> io::Result<Option<ExitStatus>> {
        loop {
            match waitpid(Some(self.pid), WaitOptions::NOHANG) {
                Ok(reaped) => {
                    return Ok(reaped.map(|(_, status)| ExitStatus::from_raw(status.as_raw())));
                }
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `kill(pid, SIGKILL)`: sound by pid because the child is not reaped
    /// yet (this is its reaper), so its pid cannot have been reused.
    pub(crate) fn kill(&self) -> io::Result<()> {
        match kill_process(self.pid, SignalNumber::KILL) {
            Err(rustix::io::Errno::SRCH) => Ok(()),
            result => result.map_err(io::Error::from),
        }
    }

    /// Listens on `handle`'s reactor instead. A delivery between the old
    /// listener's last look and the new one's creation is caught by the
    /// `waitpid` that follows every (re)listen.
    pub(crate) fn move_to(&mut self, handle: &Handle) -> io::Result<()> {
        let _entered = handle.enter();
        self.sigchld = signal(SignalKind::child())?;
        Ok(())
    }
}
