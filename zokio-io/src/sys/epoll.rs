//! epoll and an eventfd, one system call per wait.
//!
//! The eventfd that interrupts a wait is registered edge-triggered and never
//! read: every write raises a new edge, so a notification costs one `write`
//! and the wait that receives it nothing more. The counter is drained only if
//! it ever saturates.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::event::{EventfdFlags, Timespec, eventfd};
use zokio_core::sync::atomic::{AtomicBool, Ordering};

use super::ReadyEvent;

/// The key of the notifier; sources are keyed by addresses, never zero.
const NOTIFY_KEY: u64 = 0;

/// The longest wait `epoll_wait` takes in milliseconds (`c_int`); longer
/// timeouts wake early and the caller parks again.
const MAX_WAIT: Duration = Duration::from_millis(i32::MAX as u64);

/// Interest for every source: both directions and the peer's hang-up,
/// edge-triggered. Hang-up and error are always reported.
fn interest() -> EventFlags {
    EventFlags::IN | EventFlags::PRI | EventFlags::OUT | EventFlags::RDHUP | EventFlags::ET
}

pub(crate) struct Selector {
    epoll: OwnedFd,
    notifier: OwnedFd,
    /// Set by the first `notify` since the last wait, so a burst of unparks
    /// costs one `write`.
    notified: AtomicBool,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        let notifier = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        epoll::add(
            &epoll,
            &notifier,
            EventData::new_u64(NOTIFY_KEY),
            EventFlags::IN | EventFlags::ET,
        )?;
        Ok(Selector {
            epoll,
            notifier,
            notified: AtomicBool::new(false),
        })
    }

    pub(crate) fn add(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        epoll::add(&self.epoll, fd, EventData::new_u64(key as u64), interest())?;
        Ok(())
    }

    /// Re-registers `fd`; the kernel then reports it again if it is ready now.
    pub(crate) fn modify(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        epoll::modify(&self.epoll, fd, EventData::new_u64(key as u64), interest())?;
        Ok(())
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        epoll::delete(&self.epoll, fd)?;
        Ok(())
    }

    /// Replaces `events` with the events of one wait, which returns on events,
    /// a notification or the timeout. An interrupted wait returns with no
    /// events, as a spurious wakeup.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.list.clear();
        let timeout = timeout.map(|t| {
            let t = t.min(MAX_WAIT);
            Timespec {
                tv_sec: t.as_secs() as _,
                tv_nsec: t.subsec_nanos() as _,
            }
        });
        match epoll::wait(
            &self.epoll,
            spare_capacity(&mut events.list),
            timeout.as_ref(),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        self.notified.swap(false, Ordering::SeqCst);
        Ok(())
    }

    /// The epoll instance, which is readable while a wait would return events.
    pub(crate) fn epoll_fd(&self) -> BorrowedFd<'_> {
        self.epoll.as_fd()
    }

    /// True if a wait would return at once, found without taking the events.
    pub(crate) fn has_events(&self) -> bool {
        use rustix::event::{PollFd, PollFlags, poll};
        let mut fds = [PollFd::new(&self.epoll, PollFlags::IN)];
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // An error says nothing is known: report events, so the caller waits
        // in `wait`, which reports the error its own way.
        poll(&mut fds, Some(&zero)).map_or(true, |n| n > 0)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        if self
            .notified
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Ok(());
        }
        let one = 1u64.to_ne_bytes();
        match rustix::io::write(&self.notifier, &one) {
            Ok(_) => Ok(()),
            Err(rustix::io::Errno::AGAIN) => {
                // The counter is saturated: empty it, which is still a new
                // edge once written again.
                let mut drained = [0u8; 8];
                let _ = rustix::io::read(&self.notifier, &mut drained);
                rustix::io::write(&self.notifier, &one)?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl AsFd for Selector {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.epoll.as_fd()
    }
}

/// A reused buffer of events from one wait.
pub(crate) struct Events {
    list: Vec<epoll::Event>,
}

// `epoll::Event` is `!Send` only because its data union can hold a pointer.
// SAFETY: these events carry integer keys (`EventData::new_u64`), never read
// as pointers, so moving the list between threads shares nothing.
unsafe impl Send for Events {}

impl Events {
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        Events {
            list: Vec::with_capacity(capacity.max(1)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The reported sources, without the notifier.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ReadyEvent> + '_ {
        self.list.iter().filter_map(|event| {
            let key = event.data.u64();
            if key == NOTIFY_KEY {
                return None;
            }
            let flags = event.flags;
            let failed = EventFlags::HUP | EventFlags::ERR;
            let read_final = flags.intersects(EventFlags::RDHUP | failed);
            Some(ReadyEvent {
                key: key as usize,
                readable: read_final || flags.intersects(EventFlags::IN | EventFlags::PRI),
                writable: flags.intersects(EventFlags::OUT | failed),
                read_final,
                write_final: flags.intersects(failed),
            })
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    #[test]
    fn notify_wakes_a_wait_and_coalesces() {
        let selector = Selector::new().unwrap();
        let mut events = Events::with_capacity(8);
        selector.notify().unwrap();
        selector.notify().unwrap();
        selector.wait(&mut events, None).unwrap();
        assert_eq!(events.iter().count(), 0, "the notifier is not a source");
        // The notification was consumed: the next wait times out.
        selector
            .wait(&mut events, Some(Duration::from_millis(1)))
            .unwrap();
        assert!(events.is_empty());
        // And a fresh one wakes again, without draining the counter.
        selector.notify().unwrap();
        selector.wait(&mut events, None).unwrap();
    }

    #[test]
    fn reports_edges_per_direction() {
        let selector = Selector::new().unwrap();
        let mut events = Events::with_capacity(8);
        let (mut a, b) = UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        selector.add(b.as_fd(), 8).unwrap();
        selector.wait(&mut events, None).unwrap();
        let first: Vec<_> = events.iter().collect();
        assert_eq!(first.len(), 1);
        assert!(first[0].writable && !first[0].readable && first[0].key == 8);
        // Edge-triggered: nothing new, nothing reported.
        selector
            .wait(&mut events, Some(Duration::from_millis(1)))
            .unwrap();
        assert!(events.is_empty());
        a.write_all(b"x").unwrap();
        selector.wait(&mut events, None).unwrap();
        assert!(events.iter().all(|e| e.readable && e.key == 8));
        // `modify` re-reports what is ready now.
        selector.modify(b.as_fd(), 9).unwrap();
        selector.wait(&mut events, None).unwrap();
        assert!(
            events
                .iter()
                .all(|e| e.readable && e.writable && e.key == 9)
        );
        selector.delete(b.as_fd()).unwrap();
        a.write_all(b"y").unwrap();
        selector
            .wait(&mut events, Some(Duration::from_millis(1)))
            .unwrap();
        assert!(events.is_empty(), "a deleted source reports nothing");
    }

    #[test]
    fn a_hang_up_is_final() {
        let selector = Selector::new().unwrap();
        let mut events = Events::with_capacity(8);
        let (a, b) = UnixStream::pair().unwrap();
        selector.add(b.as_fd(), 8).unwrap();
        selector.wait(&mut events, None).unwrap();
        assert!(events.iter().all(|e| !e.read_final && !e.write_final));
        a.shutdown(std::net::Shutdown::Write).unwrap();
        selector.wait(&mut events, None).unwrap();
        let event = events.iter().next().unwrap();
        assert!(event.readable && event.read_final && !event.write_final);
        drop(a);
        selector.wait(&mut events, None).unwrap();
        let event = events.iter().next().unwrap();
        assert!(event.read_final && event.write_final);
    }

    #[test]
    fn huge_timeouts_are_clamped_not_rejected() {
        let selector = Selector::new().unwrap();
        let mut events = Events::with_capacity(1);
        selector.notify().unwrap();
        selector
            .wait(&mut events, Some(Duration::from_secs(u64::MAX)))
            .unwrap();
    }
}
