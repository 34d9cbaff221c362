//! The readiness of one registered source: which directions are ready, as of
//! which reactor tick, and the waker waiting on each direction.

use std::fmt;
use std::io;
use std::task::{Context, Poll};

use zokio_core::sync::atomic::{AtomicUsize, Ordering};

use crate::waiters::Waiters;

const READABLE: usize = 0b001;
const WRITABLE: usize = 0b010;
/// The driver shut down or the source was deregistered: every wait fails.
const CLOSED: usize = 0b100;
/// The peer hung up or the socket failed: reads return at once (end of
/// stream or the error) however often readiness is cleared.
const READ_FINAL: usize = 0b1000;
/// The socket hung up or failed: writes return at once (with the error).
const WRITE_FINAL: usize = 0b1_0000;
/// The direction's overflow holds wakers of other waiting tasks (see
/// `waiters`): the event that makes it ready wakes them too.
const READ_CROWDED: usize = 0b10_0000;
const WRITE_CROWDED: usize = 0b100_0000;
const READY_MASK: usize = READABLE | WRITABLE;
/// Bits that no clear removes.
const STICKY: usize = CLOSED | READ_FINAL | WRITE_FINAL;
/// Bits only the waiters' overflow sets and clears.
const CROWDED: usize = READ_CROWDED | WRITE_CROWDED;
/// The tick lives above the flag bits.
const TICK_SHIFT: u32 = 8;

/// One direction of a source's readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Reads, accepts, receives.
    Read,
    /// Writes, sends, connects.
    Write,
}

impl Direction {
    fn bit(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }

    fn final_bit(self) -> usize {
        match self {
            Direction::Read => READ_FINAL,
            Direction::Write => WRITE_FINAL,
        }
    }

    fn crowded_bit(self) -> usize {
        match self {
            Direction::Read => READ_CROWDED,
            Direction::Write => WRITE_CROWDED,
        }
    }
}

/// Readiness observed by [`Readiness::poll_ready`]: the direction and the
/// reactor tick that reported it, so that [`Readiness::clear`] removes this
/// readiness and never a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadyEvent {
    tick: usize,
    direction: Direction,
    /// The direction's final readiness (hang-up or failure) was set.
    is_final: bool,
}

impl ReadyEvent {
    /// The direction this event made ready.
    pub(crate) fn direction(&self) -> Direction {
        self.direction
    }

    /// Whether the direction has reached its end (see
    /// [`Readiness::mark_final`]): an operation would return at once.
    pub(crate) fn is_final(&self) -> bool {
        self.is_final
    }
}

/// The readiness state of one source, shared by the reactor (which sets it)
/// and the tasks using the source (which wait on it and clear it).
///
/// Sources are armed in edge mode: the reactor reports a direction once when
/// it becomes ready, and the state remembers it until an operation in that
/// direction returns `WouldBlock`. The word holds the ready bits and the tick
/// (the reactor's wait count) of the latest event: a task clears readiness
/// only if the tick is still the one it saw before its failed operation, so an
/// event that arrived in between is never thrown away.
pub(crate) struct Readiness {
    state: AtomicUsize,
    readers: Waiters,
    writers: Waiters,
}

impl Readiness {
    /// No direction ready, tick 0.
    pub(crate) fn new() -> Readiness {
        Readiness::with_state(0)
    }

    /// Both directions presumed ready at tick 0: the first operation is tried
    /// at once, and a `WouldBlock` clears it (any real event has a later tick).
    pub(crate) fn new_ready() -> Readiness {
        Readiness::with_state(READY_MASK)
    }

    fn with_state(state: usize) -> Readiness {
        Readiness {
            state: AtomicUsize::new(state),
            readers: Waiters::new(),
            writers: Waiters::new(),
        }
    }

    fn waiters(&self, direction: Direction) -> &Waiters {
        match direction {
            Direction::Read => &self.readers,
            Direction::Write => &self.writers,
        }
    }

    /// Records an event of reactor tick `tick` and wakes the waiters of the
    /// directions it made ready. Called by the reactor.
    pub(crate) fn set_ready(&self, tick: usize, readable: bool, writable: bool) {
        let bits = if readable { READABLE } else { 0 } | if writable { WRITABLE } else { 0 };
        if bits == 0 {
            return;
        }
        let tick_bits = tick << TICK_SHIFT;
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            let next = (current & (READY_MASK | STICKY | CROWDED)) | bits | tick_bits;
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // `current` is the word this event replaced: a crowded bit in it
        // was set before the event, so its overflow is woken here.
        if readable {
            self.wake(Direction::Read, current);
        }
        if writable {
            self.wake(Direction::Write, current);
        }
    }

    /// Records that a direction reached its end: the peer hung up (`read`) or
    /// the socket hung up or failed (both). That readiness is final: no
    /// [`clear`](Self::clear) removes it, because no new event will come to
    /// restore it. Called by the reactor before the
    /// [`set_ready`](Self::set_ready) of the same event, which wakes the
    /// waiters.
    pub(crate) fn mark_final(&self, read: bool, write: bool) {
        let bits = if read { READ_FINAL } else { 0 } | if write { WRITE_FINAL } else { 0 };
        if bits != 0 {
            self.state.fetch_or(bits, Ordering::AcqRel);
        }
    }

    /// Makes every present and future wait fail, and wakes both waiters.
    /// Called when the driver shuts down or the source is deregistered.
    pub(crate) fn close(&self) {
        let before = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        self.wake(Direction::Read, before);
        self.wake(Direction::Write, before);
    }

    /// Wakes `direction`'s waiters after an event replaced the word `before`.
    fn wake(&self, direction: Direction, before: usize) {
        let waiters = self.waiters(direction);
        waiters.wake_first();
        if before & direction.crowded_bit() != 0 {
            self.wake_overflow(direction);
        }
    }

    fn wake_overflow(&self, direction: Direction) {
        self.waiters(direction).wake_others(|| {
            self.state
                .fetch_and(!direction.crowded_bit(), Ordering::AcqRel);
        });
    }

    /// True once [`close`](Self::close) was called.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// `Ready` with the event if `direction` is ready, an error if the source
    /// is closed, and otherwise `Pending` with the task's waker registered
    /// (replacing the previous waiter of this direction).
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(ready) = check(self.state.load(Ordering::Acquire), direction) {
            return Poll::Ready(ready);
        }
        // A waker this registration displaces goes to the overflow, marked
        // crowded with a read-modify-write of the word: an event either
        // came before it (and shows in the word it returns) or comes after
        // (and finds the mark).
        let displaced = self.waiters(direction).register(cx.waker(), || {
            self.state
                .fetch_or(direction.crowded_bit(), Ordering::AcqRel)
        });
        if let Some(before) = displaced {
            if check(before, direction).is_some() {
                self.wake_overflow(direction);
            }
        }
        // An event may have come between the check and the register; it
        // either shows here or found our waker.
        match check(self.state.load(Ordering::Acquire), direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// The readiness of `direction` as it is now, without registering a
    /// waker: `None` if not ready.
    pub(crate) fn ready_event(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        check(self.state.load(Ordering::Acquire), direction)
    }

    /// Forgets the readiness in `event` after an operation returned
    /// `WouldBlock`, unless a newer event has arrived since.
    pub(crate) fn clear(&self, event: ReadyEvent) {
        let bit = event.direction.bit();
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current >> TICK_SHIFT != event.tick || current & bit == 0 {
                return;
            }
            match self.state.compare_exchange_weak(
                current,
                current & !bit,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

fn check(state: usize, direction: Direction) -> Option<io::Result<ReadyEvent>> {
    if state & CLOSED != 0 {
        return Some(Err(closed_error()));
    }
    (state & (direction.bit() | direction.final_bit()) != 0).then_some(Ok(ReadyEvent {
        tick: state >> TICK_SHIFT,
        direction,
        is_final: state & direction.final_bit() != 0,
    }))
}

/// The error of an operation on a source whose driver shut down or that was
/// deregistered.
pub(crate) fn closed_error() -> io::Error {
    io::Error::other("zokio-io: the I/O driver of this source has shut down or dropped it")
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness::new()
    }
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("Readiness")
            .field("readable", &(state & READABLE != 0))
            .field("writable", &(state & WRITABLE != 0))
            .field("closed", &(state & CLOSED != 0))
            .field("tick", &(state >> TICK_SHIFT))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;
    #[test]
    fn a_clear_with_a_stale_tick_keeps_the_newer_event() {
        let readiness = Readiness::new();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(readiness.poll_ready(Direction::Read, &mut cx).is_pending());
        readiness.set_ready(1, true, false); // the reactor's first wait saw input
        let Poll::Ready(Ok(event)) = readiness.poll_ready(Direction::Read, &mut cx) else {
            panic!("ready after the event")
        };
        readiness.set_ready(2, true, false); // more input arrives before the read failed
        readiness.clear(event); // stale: the tick moved on, so readiness stays
        assert!(readiness.poll_ready(Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn final_readiness_survives_a_clear_in_its_direction_only() {
        let readiness = Readiness::new();
        let mut cx = Context::from_waker(Waker::noop());
        readiness.mark_final(true, false); // the peer shut down its side
        readiness.set_ready(1, true, false);
        let Poll::Ready(Ok(event)) = readiness.poll_ready(Direction::Read, &mut cx) else {
            panic!("ready after the event")
        };
        readiness.clear(event); // a short read
        assert!(readiness.poll_ready(Direction::Read, &mut cx).is_ready());
        assert!(readiness.poll_ready(Direction::Write, &mut cx).is_pending());
    }

    fn poll(r: &Readiness, d: Direction) -> Poll<io::Result<ReadyEvent>> {
        r.poll_ready(d, &mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn directions_are_independent() {
        let r = Readiness::new();
        r.set_ready(1, false, true);
        assert!(poll(&r, Direction::Read).is_pending());
        assert!(matches!(poll(&r, Direction::Write), Poll::Ready(Ok(_))));
    }

    #[test]
    fn clear_with_current_tick_forgets_readiness() {
        let r = Readiness::new();
        r.set_ready(3, true, true);
        let Poll::Ready(Ok(ev)) = poll(&r, Direction::Read) else {
            panic!("readable expected")
        };
        r.clear(ev);
        assert!(poll(&r, Direction::Read).is_pending());
        assert!(
            poll(&r, Direction::Write).is_ready(),
            "write readiness kept"
        );
    }

    #[test]
    fn presumed_readiness_is_cleared_by_a_failed_attempt() {
        let r = Readiness::new_ready();
        let Poll::Ready(Ok(ev)) = poll(&r, Direction::Read) else {
            panic!("presumed readable")
        };
        r.clear(ev);
        assert!(poll(&r, Direction::Read).is_pending());
    }

    #[test]
    fn final_readiness_survives_clear_in_its_direction_only() {
        let r = Readiness::new();
        r.mark_final(true, false);
        r.set_ready(1, true, true);
        for d in [Direction::Read, Direction::Write] {
            let Poll::Ready(Ok(ev)) = poll(&r, d) else {
                panic!("ready expected")
            };
            r.clear(ev);
        }
        assert!(poll(&r, Direction::Read).is_ready(), "end of stream stays");
        assert!(poll(&r, Direction::Write).is_pending());
        // A later event keeps the mark.
        r.set_ready(2, false, true);
        let Poll::Ready(Ok(ev)) = poll(&r, Direction::Read) else {
            panic!("still final")
        };
        r.clear(ev);
        assert!(poll(&r, Direction::Read).is_ready());
    }

    #[test]
    fn closed_fails_every_wait() {
        let r = Readiness::new_ready();
        r.close();
        assert!(r.is_closed());
        assert!(matches!(poll(&r, Direction::Read), Poll::Ready(Err(_))));
        r.set_ready(5, true, true);
        assert!(matches!(poll(&r, Direction::Write), Poll::Ready(Err(_))));
    }
}
