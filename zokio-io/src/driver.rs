//! The reactor: one selector (epoll, or `polling` elsewhere), the registry of
//! sources, and the park
//! loop that turns readiness events into wakeups.

use std::fmt;
use std::io;
use std::mem;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zokio_core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use zokio_core::{Driver, Unpark, placement};

use crate::reactor::{Handle, Reactor, Registry, ScheduledIo};
#[cfg(target_os = "linux")]
use crate::socket_ring;
use crate::sys::{self, Events, Selector};

/// Events taken from the poller per wait; more wait for the next park.
const EVENTS_PER_WAIT: usize = 1024;

/// The I/O driver: waits for readiness on every registered source and wakes
/// the tasks waiting on them.
///
/// Parking runs one wait of the selector (`epoll_wait` on Linux, `polling`'s
/// `Poller::wait` elsewhere) with the given timeout, then dispatches
/// the batch of events (read from a reused buffer) to the sources' wakers. The
/// [`unparker`](Driver::unparker) interrupts a wait (through an eventfd on
/// Linux).
/// [`shutdown`](Driver::shutdown), or dropping the driver, wakes every waiter
/// and makes every later operation on its sources fail with an error.
///
/// Sources are registered once, for both directions, in **edge** mode: the
/// kernel reports a direction when it becomes ready and the source remembers
/// it until an operation returns `WouldBlock`. Oneshot mode (the `polling`
/// default) would cost an `epoll_ctl` system call every time a task waits,
/// and level mode would report a writable socket on every wait. Platforms whose
/// poller has no edge mode get an `Unsupported` error from [`IoDriver::new`].
///
/// Parked with [`park_with_origins`](Driver::park_with_origins) (a busy
/// work-stealing worker does, when another worker is awake), each readable
/// event's wake carries the CPU on which the socket's data arrived (Linux's
/// `SO_INCOMING_CPU`; see [`placement`]), so the task can run where the
/// socket's state already is. The `getsockopt` behind it is skipped for up to 8 events of a
/// socket while its answer stays the same.
///
/// ```
/// use std::time::Duration;
/// use zokio_core::{Driver, Unpark};
/// use zokio_io::IoDriver;
///
/// let mut driver = IoDriver::new()?;
/// let handle = driver.handle();
/// let _guard = handle.enter(); // sources made on this thread use `driver`
/// driver.unparker().unpark();
/// driver.park(None); // returns at once: it was unparked
/// driver.park(Some(Duration::from_millis(1)));
/// # std::io::Result::Ok(())
/// ```
pub struct IoDriver {
    reactor: Arc<Reactor>,
    events: Events,
    /// Counts waits; stamped on each event so stale readiness is recognised.
    tick: usize,
    /// Serves the socket ring of the thread it parks on.
    #[cfg(target_os = "linux")]
    socket_ring: bool,
}

impl IoDriver {
    /// A new reactor with its own poller.
    pub fn new() -> io::Result<IoDriver> {
        let selector = Selector::new()?;
        Ok(IoDriver {
            reactor: Arc::new(Reactor {
                selector,
                registry: Mutex::new(Registry {
                    sources: Vec::new(),
                    free: Vec::new(),
                    released: Vec::new(),
                    shut_down: false,
                }),
                release_pending: AtomicBool::new(false),
                registrations: AtomicUsize::new(0),
                events: AtomicU64::new(0),
                #[cfg(target_os = "linux")]
                attached: std::sync::OnceLock::new(),
                #[cfg(target_os = "linux")]
                ring_thread: std::sync::atomic::AtomicU64::new(0),
            }),
            events: Events::with_capacity(EVENTS_PER_WAIT),
            tick: 0,
            #[cfg(target_os = "linux")]
            socket_ring: false,
        })
    }

    /// A reactor that takes at most `events` readiness events from the OS
    /// per wait (default 1024), as Tokio's `max_io_events_per_tick`. Zero
    /// is an `InvalidInput` error.
    ///
    /// ```
    /// let driver = zokio_io::IoDriver::with_events_per_tick(64)?;
    /// assert!(zokio_io::IoDriver::with_events_per_tick(0).is_err());
    /// # drop(driver);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_events_per_tick(events: usize) -> io::Result<IoDriver> {
        if events == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "zokio: `max_io_events_per_tick` must be at least 1",
            ));
        }
        let mut driver = IoDriver::new()?;
        driver.events = Events::with_capacity(events);
        Ok(driver)
    }

    /// Makes this driver serve the io_uring socket ring of the thread it
    /// parks on, through which that thread's
    /// [`LocalTcpStream`](crate::net::LocalTcpStream)s read and write (see
    /// the type for the model). For a driver that one thread parks for its
    /// whole life, as each worker of Zokio's thread-per-core runtime does;
    /// local streams can be made only on that thread, once it has parked.
    /// Without a ring on the thread, parking is unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio_core::Driver;
    ///
    /// let mut driver = zokio_io::IoDriver::new()?;
    /// driver.enable_socket_ring();
    /// driver.park(Some(Duration::ZERO)); // this thread is the driver's now
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(target_os = "linux")]
    pub fn enable_socket_ring(&mut self) {
        self.socket_ring = true;
    }

    /// The handle through which sources register with this driver.
    pub fn handle(&self) -> Handle {
        Handle {
            reactor: self.reactor.clone(),
        }
    }

    /// The reactor's epoll instance, readable while a park would find events:
    /// another event loop can wait on it and then park this driver without
    /// blocking (the Tokio bridge of the `zokio` crate does).
    ///
    /// ```
    /// use zokio_core::{Driver, Unpark};
    ///
    /// let mut driver = zokio_io::IoDriver::new()?;
    /// assert!(!driver.has_events());
    /// driver.unparker().unpark();
    /// assert!(driver.has_events());
    /// driver.park(Some(std::time::Duration::ZERO));
    /// assert!(!driver.has_events());
    /// # let _ = driver.epoll_fd();
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn epoll_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.reactor.selector.epoll_fd()
    }

    /// True if a park would return at once with events (or an unpark),
    /// found without taking them.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn has_events(&self) -> bool {
        self.reactor.selector.has_events()
    }

    fn free_released(&self) {
        if !self.reactor.release_pending.load(Ordering::Acquire) {
            return;
        }
        let released = {
            let mut registry = self.reactor.lock();
            self.reactor.release_pending.store(false, Ordering::Relaxed);
            mem::take(&mut registry.released)
        };
        // Dropped outside the lock: nothing else holds these any more.
        drop(released);
    }

    /// One wait of the selector and the dispatch of its events; with
    /// `origins`, each readable event's wake says where its data arrived.
    #[inline]
    fn park_inner(&mut self, timeout: Option<Duration>, origins: bool) {
        self.free_released();
        // An error here is a poller failure we cannot report through `park`;
        // callers treat the return as a spurious wakeup and re-check.
        if self
            .reactor
            .selector
            .wait(&mut self.events, timeout)
            .is_err()
        {
            return;
        }
        // Ticks fit above the flag bits of the readiness word; wrapping is
        // harmless because a clear compares ticks only for equality.
        self.tick = self.tick.wrapping_add(1);
        if !self.events.is_empty() {
            self.reactor.registrations.load(Ordering::Acquire);
        }
        let mut delivered = 0u64;
        for event in self.events.iter() {
            delivered += 1;
            // Keys are addresses of `ScheduledIo`s that the registry keeps
            // alive while registered and, once deregistered (deleted from the
            // poller first), until the start of the next park.
            // SAFETY: this event was read in this park, so its source is alive.
            let io = unsafe { &*(event.key as *const ScheduledIo) };
            io.readiness.mark_final(event.read_final, event.write_final);
            let set_ready = || {
                io.readiness
                    .set_ready(self.tick, event.readable, event.writable)
            };
            // Only arriving data has an origin: a writable edge is the
            // kernel freeing buffer space, wherever it happens to run.
            let origin = match origins && event.readable {
                true => io.origin.get(|| sys::incoming_cpu(io.fd)),
                false => None,
            };
            match origin {
                Some(cpu) => placement::with_wake_origin(cpu, set_ready),
                None => set_ready(),
            }
        }
        if delivered > 0 {
            let events = &self.reactor.events;
            events.store(
                events.load(Ordering::Relaxed) + delivered,
                Ordering::Relaxed,
            );
        }
    }

    /// Parks through this thread's socket ring if the driver serves one
    /// and the thread has one; false if not (nothing was done).
    #[cfg(target_os = "linux")]
    #[inline]
    fn park_on_ring(&mut self, timeout: Option<Duration>, origins: bool) -> bool {
        if !self.socket_ring {
            return false;
        }
        let tag = socket_ring::thread_tag();
        let owner = &self.reactor.ring_thread;
        if owner.load(std::sync::atomic::Ordering::Relaxed) != tag {
            owner.store(tag, std::sync::atomic::Ordering::Relaxed);
        }
        let Some(ring) = socket_ring::this_thread() else {
            return false;
        };
        use std::os::fd::AsRawFd;
        let epoll_fd = self.reactor.selector.epoll_fd().as_raw_fd();
        self.free_released();
        // epoll is read when its watch fired (or is armed for the first
        // time): the watch is re-armed before the read, so events that come
        // during the read fire it again.
        let read_epoll = |driver: &mut IoDriver| {
            driver.park_inner(Some(Duration::ZERO), origins);
            !driver.events.is_empty()
        };
        if timeout == Some(Duration::ZERO) {
            ring.flush();
            if ring.watch_epoll(epoll_fd) {
                read_epoll(self);
            }
            return true;
        }
        if ring.watch_epoll(epoll_fd) && read_epoll(self) {
            // Tasks were woken: submit, take what completed, do not wait.
            ring.flush();
            return true;
        }
        // One system call: submits what is queued, and waits for a
        // completion (already there, or to come) or the timeout.
        ring.wait(timeout);
        if ring.watch_epoll(epoll_fd) {
            read_epoll(self);
        }
        true
    }
}

impl Driver for IoDriver {
    type Unparker = IoUnparker;

    fn park(&mut self, timeout: Option<Duration>) {
        #[cfg(target_os = "linux")]
        if self.park_on_ring(timeout, false) {
            return;
        }
        self.park_inner(timeout, false);
    }

    /// Parks, and each readable event's wake carries the CPU its data
    /// arrived on (`SO_INCOMING_CPU`, reused while it stays the same).
    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        #[cfg(target_os = "linux")]
        if self.park_on_ring(timeout, true) {
            return;
        }
        self.park_inner(timeout, true);
    }

    fn unparker(&self) -> IoUnparker {
        IoUnparker {
            reactor: self.reactor.clone(),
        }
    }

    fn shutdown(&mut self) {
        // First, while the reactor still runs: the ring's operations are
        // cancelled and their completions awaited, so no memory they use
        // is freed under the kernel.
        #[cfg(target_os = "linux")]
        if let Some(attached) = self.reactor.attached.get_or_init(|| None) {
            attached.shutdown();
        }
        let sources = {
            let mut registry = self.reactor.lock();
            if registry.shut_down {
                return;
            }
            registry.shut_down = true;
            let released = mem::take(&mut registry.released);
            let sources: Vec<_> = registry.sources.iter().flatten().cloned().collect();
            drop(registry);
            drop(released);
            sources
        };
        for io in sources {
            io.readiness.close();
        }
    }
}

impl Drop for IoDriver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for IoDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoDriver")
            .field("tick", &self.tick)
            .finish_non_exhaustive()
    }
}

/// Wakes a parked [`IoDriver`] from any thread; a burst of unparks before the
/// next wait costs one system call.
///
/// ```
/// use zokio_core::{Driver, Unpark};
/// use zokio_io::IoDriver;
///
/// let mut driver = IoDriver::new()?;
/// let unparker = driver.unparker();
/// std::thread::spawn(move || unparker.unpark());
/// driver.park(None);
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct IoUnparker {
    reactor: Arc<Reactor>,
}

impl Unpark for IoUnparker {
    fn unpark(&self) {
        // `notify` only fails if the poller's notification descriptor is
        // broken; the park then returns on its timeout or next event.
        let _ = self.reactor.selector.notify();
    }
}

impl fmt::Debug for IoUnparker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoUnparker").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::readiness::Readiness;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn deregistered_sources_live_until_the_next_park() {
        let mut driver = IoDriver::new().unwrap();
        let (a, _b) = UnixStream::pair().unwrap();
        let io = driver
            .reactor
            .register(a.as_fd(), Readiness::new_ready())
            .unwrap();
        assert_eq!(Arc::strong_count(&io), 2, "ours and the registry's");
        driver.reactor.deregister(a.as_fd(), &io);
        assert!(io.readiness.is_closed());
        // Events of a park in progress may still name it: kept until the
        // next park begins.
        assert_eq!(Arc::strong_count(&io), 2);
        driver.park(Some(Duration::ZERO));
        assert_eq!(Arc::strong_count(&io), 1);
    }

    /// Records the placement hint in force when it is woken.
    struct OriginWaker(Mutex<Option<Option<usize>>>);

    impl std::task::Wake for OriginWaker {
        fn wake(self: Arc<Self>) {
            *self.0.lock().unwrap() = Some(placement::wake_origin());
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_readable_wake_says_where_the_data_arrived_when_asked() {
        use crate::readiness::Direction;
        use std::io::Write;
        use std::task::{Context, Waker};

        let mut driver = IoDriver::new().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let io = driver
            .reactor
            .register(server.as_fd(), Readiness::new())
            .unwrap();
        let mut wait = |driver: &mut IoDriver, wanted: bool| {
            let recorder = Arc::new(OriginWaker(Mutex::new(None)));
            let waker = Waker::from(recorder.clone());
            let pending = io
                .readiness
                .poll_ready(Direction::Read, &mut Context::from_waker(&waker));
            assert!(pending.is_pending());
            client.write_all(b"x").unwrap();
            let timeout = Some(Duration::from_secs(5));
            match wanted {
                true => driver.park_with_origins(timeout),
                false => driver.park(timeout),
            }
            recorder
                .0
                .lock()
                .unwrap()
                .take()
                .expect("the reader was woken")
        };
        // The kernel processed the loopback data on some CPU (the writer's).
        assert!(wait(&mut driver, true).is_some());
        // Drained, so the next write is a new edge; not asked, no hint.
        let mut buf = [0u8; 8];
        let _ = std::io::Read::read(&mut &server, &mut buf);
        io.readiness
            .clear(io.readiness.ready_event(Direction::Read).unwrap().unwrap());
        assert_eq!(wait(&mut driver, false), None);
        driver.reactor.deregister(server.as_fd(), &io);
    }

    #[test]
    fn slots_are_reused() {
        let driver = IoDriver::new().unwrap();
        let (a, _b) = UnixStream::pair().unwrap();
        let first = driver
            .reactor
            .register(a.as_fd(), Readiness::new())
            .unwrap();
        let slot = first.slot;
        driver.reactor.deregister(a.as_fd(), &first);
        let second = driver
            .reactor
            .register(a.as_fd(), Readiness::new())
            .unwrap();
        assert_eq!(second.slot, slot);
        driver.reactor.deregister(a.as_fd(), &second);
    }

    #[test]
    fn shutdown_closes_every_source() {
        let mut driver = IoDriver::new().unwrap();
        let (a, b) = UnixStream::pair().unwrap();
        let ia = driver
            .reactor
            .register(a.as_fd(), Readiness::new())
            .unwrap();
        let ib = driver
            .reactor
            .register(b.as_fd(), Readiness::new())
            .unwrap();
        driver.shutdown();
        assert!(ia.readiness.is_closed() && ib.readiness.is_closed());
        driver.reactor.deregister(a.as_fd(), &ia);
        driver.reactor.deregister(b.as_fd(), &ib);
    }
}
