//! The thread-per-core runtime: zokio-sched's [`ThreadPerCore`] with one
//! driver stack per worker (timers over the reactor, as enabled), and the
//! helper that gives each worker a listener of its own.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use zokio_core::Driver;
use zokio_core::task::JoinHandle;
use zokio_io::net::{TcpListener, TcpSocket};
use zokio_sched::{Config, Metrics, ThreadPerCore};

use super::{Layers, PAUSE_NEEDS_CURRENT_THREAD, Runtime, Scheduler};

impl Runtime<ThreadPerCore> {
    /// A thread-per-core runtime: `config.worker_threads` workers, worker
    /// `i` parking on the driver stack `make_driver(i)` gives, whose
    /// [`Layers`] its thread enters. See
    /// [`Builder::new_thread_per_core`](super::Builder::new_thread_per_core)
    /// for the default stack. Its clocks refuse pausing, as the multi-thread
    /// runtime's do.
    pub fn thread_per_core<D: Driver + Send + 'static>(
        config: Config,
        mut make_driver: impl FnMut(usize) -> io::Result<(D, Layers)>,
    ) -> io::Result<Self> {
        let scheduler = ThreadPerCore::new(config, |i| {
            let (driver, layers) = make_driver(i)?;
            if let Some(time) = &layers.time {
                if time.is_paused() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        PAUSE_NEEDS_CURRENT_THREAD,
                    ));
                }
                time.refuse_pause(PAUSE_NEEDS_CURRENT_THREAD);
            }
            Ok((driver, layers.to_handles()))
        })?;
        Ok(Runtime::from_scheduler(scheduler))
    }
}

impl Scheduler for ThreadPerCore {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        ThreadPerCore::block_on(self, future)
    }
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ThreadPerCore::spawn(self, future)
    }
    fn handle(&self) -> zokio_sched::Handle {
        ThreadPerCore::handle(self)
    }
    fn metrics(&self) -> Metrics {
        ThreadPerCore::metrics(self)
    }
    fn shutdown_timeout(self, timeout: Duration) {
        ThreadPerCore::shutdown_timeout(self, timeout)
    }
    fn shutdown_background(self) {
        ThreadPerCore::shutdown_background(self)
    }
}

/// Binds one listener per worker of the current thread-per-core runtime,
/// all on `addr` with `SO_REUSEPORT`, so that the kernel spreads incoming
/// connections over them (by a hash of the connection's addresses). Listener
/// `i` is registered with worker `i`'s reactor: hand it to that worker
/// (`Handle::spawn_on(i, ..)`) and its connections live there. A port of 0
/// picks a free port once; every listener gets that one.
///
/// Fails outside a runtime, on a runtime of another flavor (`InvalidInput`),
/// or with the error of `bind` or `listen`.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::runtime::{Builder, Handle};
///
/// let rt = Builder::new_thread_per_core().worker_threads(2).enable_all().build().unwrap();
/// rt.block_on(async {
///     let listeners = zokio::net::bind_per_worker("127.0.0.1:0".parse().unwrap()).await?;
///     let addr = listeners[0].local_addr()?;
///     for (worker, listener) in listeners.into_iter().enumerate() {
///         Handle::current().spawn_on(worker, async move {
///             while let Ok((mut stream, _)) = listener.accept().await {
///                 let _ = stream.write_all(b"hi").await;
///             }
///         })?;
///     }
///     let mut client = zokio::net::TcpStream::connect(addr).await?;
///     let mut buf = [0; 2];
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub async fn bind_per_worker(addr: SocketAddr) -> io::Result<Vec<TcpListener>> {
    let handle = zokio_sched::Handle::try_current().map_err(io::Error::other)?;
    if handle.flavor() != zokio_sched::Flavor::ThreadPerCore {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "zokio: `bind_per_worker` needs a thread-per-core runtime \
             (`Builder::new_thread_per_core`)",
        ));
    }
    let mut listeners = Vec::with_capacity(handle.num_workers());
    let mut addr = addr;
    for worker in 0..handle.num_workers() {
        // Bound on the worker itself, so its reactor holds the registration.
        let listener = handle
            .spawn_on(worker, async move { reuseport_listener(addr) })?
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        addr = listener.local_addr()?;
        listeners.push(listener);
    }
    Ok(listeners)
}

fn reuseport_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}
