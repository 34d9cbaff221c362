//! Configuring a runtime before it starts.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use zokio_core::{Driver, ThreadParker};
use zokio_io::IoDriver;
use zokio_sched::Config;
use zokio_time::TimeDriver;

use super::{DefaultDriver, DefaultScheduler, Layers, Runtime};

/// Which scheduler a [`Builder`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    MultiThread,
    CurrentThread,
    ThreadPerCore,
}

/// Builds a [`Runtime`], as tokio's builder does: both flavors build the same
/// type, so one function can return either.
///
/// Invalid settings (zero workers, zero blocking threads) are reported by
/// [`build`](Builder::build) as `io::Error`s of kind `InvalidInput`, never
/// as panics.
///
/// ```
/// use zokio::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("app-worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// assert_eq!(rt.metrics().num_workers(), 2);
///
/// let err = Builder::new_multi_thread().worker_threads(0).build().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///
/// fn build_rt(single: bool) -> zokio::Runtime {
///     let mut builder = if single { Builder::new_current_thread() } else { Builder::new_multi_thread() };
///     builder.enable_all().build().unwrap()
/// }
/// assert_eq!(build_rt(true).block_on(async { 1 }), 1);
/// assert_eq!(build_rt(false).block_on(async { 2 }), 2);
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder {
    kind: Kind,
    config: Config,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
    max_io_events_per_tick: usize,
    #[cfg(feature = "tokio-rt")]
    tokio: Option<crate::compat::tokio_rt::TokioSource>,
}

impl Builder {
    /// A builder for the work-stealing runtime (one worker per core by default).
    pub fn new_multi_thread() -> Self {
        Builder::with_kind(Kind::MultiThread)
    }

    /// A builder for the current-thread runtime: tasks run on the thread that
    /// calls `block_on`. `!Send` tasks run in a
    /// [`LocalSet`](crate::task::LocalSet).
    pub fn new_current_thread() -> Self {
        Builder::with_kind(Kind::CurrentThread)
    }

    /// A builder for the thread-per-core runtime: `worker_threads` workers
    /// (default: one per core), each a single-threaded scheduler with its
    /// own reactor and timer wheel, no stealing. A task spawned on a worker
    /// stays there (and may be `!Send`, through
    /// [`task::spawn_local`](crate::task::spawn_local)); one spawned from
    /// outside goes to the next worker in turn, or to a chosen one with
    /// [`Handle::spawn_on`](super::Handle::spawn_on). Give each worker a
    /// listener with [`net::bind_per_worker`](crate::net::bind_per_worker).
    /// On Linux each worker's reactor also serves an io_uring for the
    /// worker's [`net::LocalTcpStream`](crate::net::LocalTcpStream)s, whose
    /// reads and writes a tick submits in one system call.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_thread_per_core().worker_threads(2).enable_all().build()?;
    /// let worker = rt.handle().spawn_on(1, async {
    ///     zokio::time::sleep(std::time::Duration::from_millis(1)).await;
    ///     zokio::runtime::current_worker()
    /// })?;
    /// assert_eq!(rt.block_on(worker).unwrap(), Some(1));
    ///
    /// // A connection on worker 0's io_uring (Linux), in a `!Send` task.
    /// # #[cfg(target_os = "linux")] {
    /// use zokio::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio::net::{LocalTcpStream, TcpListener};
    /// let on_worker = rt.handle().spawn_on(0, async {
    ///     zokio::task::spawn_local(async {
    ///         let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///         let mut client = LocalTcpStream::connect(listener.local_addr()?).await?;
    ///         let mut server = LocalTcpStream::from_stream(listener.accept().await?.0)?;
    ///         client.write_all(b"hello").await?;
    ///         let mut buf = [0u8; 5];
    ///         server.read_exact(&mut buf).await?;
    ///         std::io::Result::Ok(buf)
    ///     })
    ///     .await
    /// })?;
    /// assert_eq!(&rt.block_on(on_worker).unwrap().unwrap()?, b"hello");
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_thread_per_core() -> Self {
        Builder::with_kind(Kind::ThreadPerCore)
    }

    /// Builds the runtime (and starts the worker threads of the multi-thread
    /// flavor).
    ///
    /// Fails with `InvalidInput` for [`start_paused(true)`](Builder::start_paused)
    /// on the multi-thread flavor: its clock cannot be paused.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let scheduler = match self.kind {
            Kind::MultiThread => {
                if self.start_paused {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        super::PAUSE_NEEDS_CURRENT_THREAD,
                    ));
                }
                let (config, bridge) = self.config_and_bridge()?;
                let (driver, layers) = self.multi_thread_driver(&bridge)?;
                let rt = Runtime::multi_thread(driver, layers, config)?;
                rt.map_scheduler(DefaultScheduler::MultiThread)
                    .with_bridge(bridge)
            }
            Kind::CurrentThread => {
                let (driver, layers) = self.driver()?;
                let (config, bridge) = self.config_and_bridge()?;
                let rt = Runtime::current_thread(driver, layers, config)?;
                rt.map_scheduler(DefaultScheduler::CurrentThread)
                    .with_bridge(bridge)
            }
            Kind::ThreadPerCore => {
                if self.start_paused {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        super::PAUSE_NEEDS_CURRENT_THREAD,
                    ));
                }
                let (config, bridge) = self.config_and_bridge()?;
                let rt = Runtime::thread_per_core(config, |_| self.driver_with(true))?;
                rt.map_scheduler(DefaultScheduler::ThreadPerCore)
                    .with_bridge(bridge)
            }
        };
        Ok(scheduler)
    }

    fn with_kind(kind: Kind) -> Self {
        Builder {
            kind,
            config: Config::default(),
            enable_io: false,
            enable_time: false,
            start_paused: false,
            max_io_events_per_tick: 1024,
            #[cfg(feature = "tokio-rt")]
            tokio: None,
        }
    }

    /// The scheduler's settings, and the Tokio bridge its threads enter.
    #[cfg(feature = "tokio-rt")]
    fn config_and_bridge(&self) -> io::Result<(Config, super::Bridge)> {
        use crate::compat::tokio_rt::TokioBridge;
        let mut config = self.config.clone();
        let driven = self.drives_tokio();
        let bridge = self
            .tokio
            .as_ref()
            .map(|source| TokioBridge::new(source, driven))
            .transpose()?;
        if let Some(bridge) = &bridge {
            config.thread_context = Some(bridge.thread_context());
        }
        Ok((config, bridge))
    }

    #[cfg(not(feature = "tokio-rt"))]
    fn config_and_bridge(&self) -> io::Result<(Config, super::Bridge)> {
        Ok((self.config.clone(), ()))
    }

    /// True if an owned Tokio runtime is run by this runtime's driver
    /// ([`TokioDriven`](crate::compat::tokio_rt::TokioDriven)): the
    /// multi-thread flavor with I/O and timers, on Linux.
    #[cfg(feature = "tokio-rt")]
    fn drives_tokio(&self) -> bool {
        cfg!(any(target_os = "linux", target_os = "android"))
            && matches!(self.kind, Kind::MultiThread)
            && self.enable_io
            && self.enable_time
    }

    /// The multi-thread flavor's driver: one that runs the bridge's Tokio
    /// runtime if the bridge has one for it.
    fn multi_thread_driver(&self, bridge: &super::Bridge) -> io::Result<(DefaultDriver, Layers)> {
        #[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
        if let Some(tokio) = bridge.as_ref().and_then(|b| b.driven()) {
            self.config.validate()?;
            let io = crate::compat::tokio_rt::TokioDriven::new(self.io()?, tokio)?;
            return Ok(with_layers(DefaultDriver::TokioTimeIo(self.time(io))));
        }
        let _ = bridge;
        self.driver()
    }

    /// Starts a small Tokio runtime with this one (I/O and timers on) and
    /// enters its handle on every worker and blocking thread and inside
    /// `block_on`, so that libraries bound to Tokio's runtime work inside
    /// Zokio tasks (see [`crate::compat::tokio_rt`]). On Linux, the
    /// multi-thread flavor with I/O and timers runs it on its own workers;
    /// otherwise it has one worker thread. It shuts down with this runtime,
    /// after this runtime's tasks are dropped.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_multi_thread()
    ///     .enable_all()
    ///     .enable_tokio()
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     zokio::spawn(async {
    ///         tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    ///     })
    ///     .await
    ///     .unwrap();
    /// });
    /// ```
    #[cfg(feature = "tokio-rt")]
    pub fn enable_tokio(&mut self) -> &mut Self {
        self.tokio = Some(crate::compat::tokio_rt::TokioSource::Own);
        self
    }

    /// As [`enable_tokio`](Builder::enable_tokio), with a Tokio runtime the
    /// program already runs: its handle is entered, and it is left running
    /// when this runtime shuts down.
    ///
    /// ```
    /// let tokio_rt = tokio::runtime::Runtime::new().unwrap();
    /// let rt = zokio::runtime::Builder::new_multi_thread()
    ///     .tokio_handle(tokio_rt.handle().clone())
    ///     .build()
    ///     .unwrap();
    /// let id = rt.block_on(async {
    ///     zokio::spawn(async { tokio::runtime::Handle::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(id, tokio_rt.handle().id());
    /// ```
    #[cfg(feature = "tokio-rt")]
    pub fn tokio_handle(&mut self, handle: tokio::runtime::Handle) -> &mut Self {
        self.tokio = Some(crate::compat::tokio_rt::TokioSource::Handle(handle));
        self
    }

    fn driver(&self) -> io::Result<(DefaultDriver, Layers)> {
        self.driver_with(false)
    }

    /// The driver stack; with `socket_ring`, its reactor serves the socket
    /// ring of the thread that parks it (a thread-per-core worker's).
    fn driver_with(&self, socket_ring: bool) -> io::Result<(DefaultDriver, Layers)> {
        self.config.validate()?;
        if self.start_paused && !self.enable_time {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "`start_paused(true)` needs timers: call `enable_time` or `enable_all`",
            ));
        }
        let io = || {
            #[cfg(target_os = "linux")]
            let io = {
                let mut io = self.io()?;
                if socket_ring {
                    io.enable_socket_ring();
                }
                io
            };
            #[cfg(not(target_os = "linux"))]
            let io = {
                let _ = socket_ring;
                self.io()?
            };
            io::Result::Ok(io)
        };
        let driver = match (self.enable_io, self.enable_time) {
            (true, true) => DefaultDriver::TimeIo(self.time(io()?)),
            (false, true) => DefaultDriver::Time(self.time(ThreadParker::new())),
            (true, false) => DefaultDriver::Io(io()?),
            (false, false) => DefaultDriver::Parker(ThreadParker::new()),
        };
        Ok(with_layers(driver))
    }

    fn io(&self) -> io::Result<IoDriver> {
        IoDriver::with_events_per_tick(self.max_io_events_per_tick)
    }

    /// The time driver over `inner`, its clock paused if asked.
    fn time<D: Driver>(&self, inner: D) -> TimeDriver<D> {
        let driver = TimeDriver::new(inner);
        if self.start_paused {
            driver.handle().pause();
        }
        driver
    }

    /// Number of worker threads of the multi-thread and thread-per-core
    /// flavors (default: one per core). Zero makes `build` fail.
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.config.worker_threads = n;
        self
    }

    /// Upper bound on blocking-pool threads (default 512). Zero makes `build` fail.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.config.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking-pool thread lingers (default 10 s).
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.config.blocking_keep_alive = keep_alive;
        self
    }

    /// Names the runtime's threads.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        let name: String = name.into();
        self.config.thread_name = Arc::new(move || name.clone());
        self
    }

    /// Names the runtime's threads by calling `f` for each new thread.
    pub fn thread_name_fn(&mut self, f: impl Fn() -> String + Send + Sync + 'static) -> &mut Self {
        self.config.thread_name = Arc::new(f);
        self
    }

    /// Stack size of the runtime's threads.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.config.thread_stack_size = Some(bytes);
        self
    }

    /// Runs `f` first on every worker and blocking thread.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.config.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` last on every worker and blocking thread.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.config.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Ticks between looks at the shared queue (default 61). Zero makes `build` fail.
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Self {
        self.config.global_queue_interval = ticks;
        self
    }

    /// Ticks between polls of the driver (I/O and timers) by a busy worker
    /// (default 61, as Tokio's). Zero makes `build` fail.
    pub fn event_interval(&mut self, ticks: u32) -> &mut Self {
        self.config.event_interval = ticks;
        self
    }

    /// Sends a task woken by the running task to the back of the worker's
    /// queue instead of the LIFO slot that runs it next (multi-thread
    /// flavor; the current-thread one has no LIFO slot).
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.config.disable_lifo_slot = true;
        self
    }

    /// At most this many I/O events are taken from the OS per driver poll
    /// (default 1024, as Tokio's). Zero makes `build` fail.
    pub fn max_io_events_per_tick(&mut self, events: usize) -> &mut Self {
        self.max_io_events_per_tick = events;
        self
    }

    /// Runs `f` on a worker (or the current-thread runtime's thread) just
    /// before it parks for want of work, as Tokio's. A task `f` spawns, or a
    /// future it wakes, keeps the thread from sleeping.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let unparks = Arc::new(AtomicUsize::new(0));
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .enable_time()
    ///     .on_thread_park({ let p = parks.clone(); move || { p.fetch_add(1, Ordering::SeqCst); } })
    ///     .on_thread_unpark({ let u = unparks.clone(); move || { u.fetch_add(1, Ordering::SeqCst); } })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(zokio::time::sleep(std::time::Duration::from_millis(5)));
    /// assert!(parks.load(Ordering::SeqCst) >= 1);
    /// assert_eq!(parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst));
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.config.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker when it returns from parking.
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Self {
        self.config.on_thread_unpark = Some(Arc::new(f));
        self
    }

    /// Turns the stall watchdog on: a task whose single poll holds a worker
    /// longer than `threshold` (a busy loop, a blocking call in async code)
    /// is reported while it is still stuck, once per stall, by a monitor
    /// thread that samples each worker's poll in progress (three plain
    /// stores per poll, no clock read). Reports go to [`on_stall`](Builder::on_stall),
    /// or as one line to stderr. A zero threshold is an `InvalidInput` error
    /// from `build`.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = zokio::runtime::Builder::new_multi_thread()
    ///     .stall_threshold(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// // Prints "zokio: task .. has held worker .. in one poll for .. ms ..".
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(300)) }))
    ///     .unwrap();
    /// ```
    pub fn stall_threshold(&mut self, threshold: Duration) -> &mut Self {
        let on_stall = self.config.stall.take().and_then(|w| w.on_stall);
        self.config.stall = Some(zokio_sched::StallWatch {
            threshold,
            on_stall,
        });
        self
    }

    /// Where the stall watchdog's reports go (on its own thread), instead of
    /// stderr; turns the watchdog on with a 100 ms threshold unless
    /// [`stall_threshold`](Builder::stall_threshold) sets another.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .stall_threshold(Duration::from_millis(20))
    ///     .on_stall(move |info| drop(tx.send((info.task, info.worker))))
    ///     .build()
    ///     .unwrap();
    /// let task = rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) });
    /// let id = task.id();
    /// rt.block_on(task).unwrap();
    /// assert_eq!(rx.recv().unwrap(), (id, 0));
    /// ```
    pub fn on_stall(
        &mut self,
        f: impl Fn(&zokio_sched::StallInfo) + Send + Sync + 'static,
    ) -> &mut Self {
        let threshold = self
            .config
            .stall
            .as_ref()
            .map_or(Duration::from_millis(100), |w| w.threshold);
        self.config.stall = Some(zokio_sched::StallWatch {
            threshold,
            on_stall: Some(Arc::new(f)),
        });
        self
    }

    /// Keeps a record of every live task, so that
    /// [`Handle::dump`](super::Handle::dump) can list them (id, name, spawn
    /// location, state, polls, time since the last poll) on the running
    /// runtime, from anywhere, a task of its own included. Off by default:
    /// then spawns and polls do exactly what they do without it. On, a spawn
    /// takes a record from its worker's cache and a poll stamps it with a
    /// few plain stores, no lock and no clock read (see
    /// [`runtime::dump`](super::dump)). With the stall watchdog on too, its
    /// reports carry the stuck task's name and spawn location from them.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_multi_thread().enable_task_dump().build()?;
    /// let dump = rt.block_on(async {
    ///     let idle = zokio::task::Builder::new()
    ///         .name("forever")
    ///         .spawn(std::future::pending::<()>())?;
    ///     zokio::task::yield_now().await;
    ///     let dump = zokio::runtime::Handle::current().dump()?;
    ///     idle.abort();
    ///     Ok::<_, std::io::Error>(dump)
    /// })?;
    /// let task = &dump.tasks()[0];
    /// assert_eq!(task.name.as_deref(), Some("forever"));
    /// assert_eq!(task.location.file(), file!());
    /// println!("{dump}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn enable_task_dump(&mut self) -> &mut Self {
        self.config.task_dump = true;
        self
    }

    /// Enables the reactor: TCP, UDP and Unix sockets.
    pub fn enable_io(&mut self) -> &mut Self {
        self.enable_io = true;
        self
    }

    /// Enables timers: `sleep`, `timeout`, `interval`.
    pub fn enable_time(&mut self) -> &mut Self {
        self.enable_time = true;
        self
    }

    /// Starts the runtime's clock paused, as if [`time::pause`](crate::time::pause)
    /// were called first thing: time moves only with
    /// [`time::advance`](crate::time::advance), or jumps to the next timer
    /// when the runtime has nothing else to do. For the current-thread
    /// flavor with timers enabled; otherwise `build` fails with
    /// `InvalidInput`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::runtime::Builder;
    /// use zokio::time::Instant;
    ///
    /// let rt = Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     zokio::time::sleep(Duration::from_secs(3600)).await; // returns at once
    ///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
    /// });
    ///
    /// let err = Builder::new_multi_thread().enable_all().start_paused(true).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    ///
    /// `#[zokio::test]` and `#[zokio::main]` take it as `start_paused = true`:
    ///
    /// ```
    /// #[zokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let t = zokio::time::Instant::now();
    ///     std::thread::sleep(std::time::Duration::from_millis(2));
    ///     assert_eq!(zokio::time::Instant::now(), t);
    /// }
    /// ```
    ///
    /// and reject it, when they compile, with the multi-thread flavor:
    ///
    /// ```compile_fail
    /// #[zokio::main(flavor = "multi_thread", start_paused = true)]
    /// async fn main() {}
    /// ```
    ///
    /// or with a value other than `true` or `false`:
    ///
    /// ```compile_fail
    /// #[zokio::main(flavor = "current_thread", start_paused = "yes")]
    /// async fn main() {}
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Self {
        self.start_paused = paused;
        self
    }

    /// Enables every driver: I/O and time.
    pub fn enable_all(&mut self) -> &mut Self {
        self.enable_io().enable_time()
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.kind)
            .field("worker_threads", &self.config.worker_threads)
            .field("max_blocking_threads", &self.config.max_blocking_threads)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .field("max_io_events_per_tick", &self.max_io_events_per_tick)
            .field("task_dump", &self.config.task_dump)
            .finish()
    }
}

/// The driver, and the handles of the layers it holds.
fn with_layers(driver: DefaultDriver) -> (DefaultDriver, Layers) {
    let layers = Layers {
        time: driver.time_handle(),
        io: driver.io_handle(),
    };
    (driver, layers)
}
