//! The server and its accept loops: HTTP/1 and HTTP/2 on Zokio's TCP
//! listener (or one per thread-per-core worker), with graceful shutdown, a
//! connection limit, and errors reported per connection.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use futures_lite::future::{or, poll_fn};
use hyper::server::conn::{http1, http2};

use super::connection::{Accepted, Shared};
use super::make_service::{BoxError, ConnectionService, MakeService};
use super::rt::{HyperExecutor, HyperTimer};
use super::serve_error::{ErrorHook, ServeError, Stage, print_error};
use super::version::Version;
use crate::net::{TcpListener, TcpStream};
use crate::sync::{CancellationToken, Semaphore, mpsc};

/// How long a graceful shutdown waits for in-flight connections by default.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// The first pause after an `accept` failure that is not the peer's doing
/// (`EMFILE`...); it doubles per consecutive failure up to `MAX_BACKOFF`.
const MIN_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Serves HTTP/1 and HTTP/2 (told apart by each connection's first bytes, so
/// HTTP/2 over cleartext with prior knowledge works) on `listener` with the
/// default [`Server`] settings.
///
/// `make_service` is a tower service cloned per connection (an axum `Router`,
/// tonic's `Routes`) or a per-connection make-service (see [`MakeService`]).
/// The returned [`Serve`] runs when awaited; it never returns an error for a
/// single connection (those go to the server's error hook). It fails only
/// when a make-service's `poll_ready` fails (it is then broken for every
/// later connection; the open ones finish first, as in a graceful
/// shutdown) or the settings are refused.
///
/// ```
/// use std::convert::Infallible;
/// use std::future::IntoFuture;
/// use http_body_util::Full;
/// use hyper::body::{Bytes, Incoming};
/// use hyper::{Request, Response};
///
/// zokio::run(async {
///     let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
///     let hello = tower::service_fn(|_req: Request<Incoming>| async {
///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
///     });
///     let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
///     let server = zokio::spawn(
///         zokio::compat::hyper::serve(listener, hello)
///             .with_graceful_shutdown(async move { let _ = stopped.await; })
///             .into_future(),
///     );
///     let _ = stop.send(());
///     server.await.unwrap()
/// })
/// .unwrap();
/// ```
pub fn serve<M, Marker>(listener: TcpListener, make_service: M) -> Serve<M, Marker>
where
    M: MakeService<Marker>,
{
    Server::new().serve(listener, make_service)
}

/// The HTTP server's settings; [`serve`](Self::serve) starts it.
///
/// ```
/// use std::time::Duration;
/// use zokio::compat::hyper::Server;
///
/// let mut server = Server::new()
///     .max_connections(1024)
///     .graceful_shutdown_timeout(Duration::from_secs(5))
///     .on_error(|e| eprintln!("my-app: {e}"));
/// // hyper's own connection settings stay reachable:
/// server.http1().keep_alive(true);
/// server.http2().max_concurrent_streams(100);
/// ```
#[derive(Clone)]
pub struct Server {
    http1: http1::Builder,
    http2: http2::Builder<HyperExecutor>,
    /// The one version spoken, or `None` to tell per connection.
    only: Option<Version>,
    max_connections: Option<usize>,
    shutdown_timeout: Duration,
    nodelay: bool,
    io_uring: bool,
    on_error: ErrorHook,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("max_connections", &self.max_connections)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("nodelay", &self.nodelay)
            .field("io_uring", &self.io_uring)
            .finish_non_exhaustive()
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    /// HTTP/1 and HTTP/2 auto-detected, hyper's timers on Zokio, no
    /// header-read timeout (as `axum::serve`; set one with
    /// `server.http1().header_read_timeout(Duration::from_secs(30))`, which
    /// arms a timer per request), no connection limit, a 30 s
    /// graceful-shutdown bound, `TCP_NODELAY` on, errors printed to stderr.
    pub fn new() -> Self {
        let mut http1 = http1::Builder::new();
        // With a timer, hyper bounds every request head's arrival to 30 s,
        // which costs a timer armed, polled and dropped per request (measured:
        // 7-13% of an axum GET's CPU). axum::serve sets no timer, so no
        // bound; neither does this default. `http1().header_read_timeout(..)`
        // turns it on.
        http1.timer(HyperTimer).header_read_timeout(None);
        let mut http2 = http2::Builder::new(HyperExecutor);
        http2.timer(HyperTimer);
        Server {
            http1,
            http2,
            only: None,
            max_connections: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            nodelay: true,
            io_uring: false,
            on_error: Arc::new(print_error),
        }
    }

    /// Speaks HTTP/1 only (upgrades included), without looking at the
    /// connection's first bytes.
    pub fn http1_only(mut self) -> Self {
        self.only = Some(Version::Http1);
        self
    }

    /// Speaks HTTP/2 only (cleartext, prior knowledge).
    pub fn http2_only(mut self) -> Self {
        self.only = Some(Version::Http2);
        self
    }

    /// hyper's HTTP/1 connection settings (keep-alive, header limits...).
    pub fn http1(&mut self) -> &mut http1::Builder {
        &mut self.http1
    }

    /// hyper's HTTP/2 connection settings (streams, windows, keep-alive
    /// pings...).
    pub fn http2(&mut self) -> &mut http2::Builder<HyperExecutor> {
        &mut self.http2
    }

    /// At most `max` connections are served at once; while at the limit the
    /// server does not accept (new peers wait in the listen backlog). A
    /// limit of 0 is refused when the server starts.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max);
        self
    }

    /// How long a graceful shutdown lets in-flight connections finish before
    /// it closes them.
    pub fn graceful_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets `TCP_NODELAY` on accepted connections (on by default).
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Serves each connection on the io_uring of the worker that accepted
    /// it, as a [`LocalTcpStream`](crate::net::LocalTcpStream), where one
    /// can be made: on a thread-per-core worker, on Linux. That spares each
    /// read and write its system call (the worker submits a tick's worth at
    /// once); elsewhere connections are served as without it. Off by
    /// default, because hyper hands an upgraded HTTP/1 connection (a
    /// WebSocket) over as a `Send` stream, which a ring's stream is not: with
    /// this on, a `101 Switching Protocols` answer ends the connection
    /// instead, so turn it on only for services that take no upgrades.
    pub fn io_uring(mut self, on: bool) -> Self {
        self.io_uring = on;
        self
    }

    /// Where the server reports what it recovered from: failed connections,
    /// failed `accept` calls, failed make-service calls. The default prints
    /// them to stderr, except a peer leaving mid-message.
    pub fn on_error(mut self, hook: impl Fn(&ServeError) + Send + Sync + 'static) -> Self {
        self.on_error = Arc::new(hook);
        self
    }

    /// Serves `make_service` on `listener` with these settings (see
    /// [`serve`](super::serve)).
    pub fn serve<M, Marker>(self, listener: TcpListener, make_service: M) -> Serve<M, Marker>
    where
        M: MakeService<Marker>,
    {
        Serve {
            server: self,
            sites: vec![(listener, make_service)],
            per_worker: false,
            _marker: PhantomData,
        }
    }

    /// Serves `make_service` on every worker of a thread-per-core runtime:
    /// `listeners` are [`bind_per_worker`](crate::net::bind_per_worker)'s,
    /// and worker `i` accepts on listener `i` and serves those connections
    /// itself (on its io_uring with [`io_uring`](Self::io_uring) on).
    /// `make_service` is cloned for each worker. A plain
    /// [`serve`](Self::serve) on that runtime would accept and serve
    /// everything on one worker (its spawns stay where they are made).
    ///
    /// The settings, the graceful shutdown (all workers stop accepting and
    /// finish together) and the errors are those of [`serve`](Self::serve).
    /// Awaiting the server fails with `InvalidInput` on a runtime of another
    /// flavor, with no listener, or with more listeners than workers.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::future::IntoFuture;
    /// use http_body_util::Full;
    /// use hyper::body::{Bytes, Incoming};
    /// use hyper::{Request, Response};
    /// use zokio::compat::hyper::Server;
    ///
    /// let rt = zokio::runtime::Builder::new_thread_per_core()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .build()?;
    /// rt.block_on(async {
    ///     let listeners = zokio::net::bind_per_worker("127.0.0.1:0".parse().unwrap()).await?;
    ///     let hello = tower::service_fn(|_req: Request<Incoming>| async {
    ///         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
    ///     });
    ///     let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
    ///     let server = zokio::spawn(
    ///         Server::new()
    ///             .serve_per_worker(listeners, hello)
    ///             .with_graceful_shutdown(async move { let _ = stopped.await; })
    ///             .into_future(),
    ///     );
    ///     let _ = stop.send(());
    ///     server.await.unwrap()
    /// })
    /// # ?; Ok::<(), std::io::Error>(())
    /// ```
    pub fn serve_per_worker<M, Marker>(
        self,
        listeners: Vec<TcpListener>,
        make_service: M,
    ) -> Serve<M, Marker>
    where
        M: MakeService<Marker> + Clone,
    {
        Serve {
            server: self,
            sites: listeners
                .into_iter()
                .map(|listener| (listener, make_service.clone()))
                .collect(),
            per_worker: true,
            _marker: PhantomData,
        }
    }
}

/// A server not started yet: await it (it runs until its task is dropped) or
/// add a shutdown signal with [`with_graceful_shutdown`](Self::with_graceful_shutdown).
#[must_use = "a server does nothing until awaited"]
pub struct Serve<M, Marker> {
    server: Server,
    /// Each listener with its make-service: one, or one per worker.
    sites: Vec<(TcpListener, M)>,
    /// Site `i` is served on worker `i` of a thread-per-core runtime.
    per_worker: bool,
    _marker: PhantomData<fn() -> Marker>,
}

impl<M, Marker> fmt::Debug for Serve<M, Marker> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listeners: Vec<&TcpListener> = self.sites.iter().map(|(l, _)| l).collect();
        f.debug_struct("Serve")
            .field("server", &self.server)
            .field("listeners", &listeners)
            .field("per_worker", &self.per_worker)
            .finish_non_exhaustive()
    }
}

impl<M, Marker> Serve<M, Marker> {
    /// The address the server listens on (the first listener's: those of
    /// `bind_per_worker` share one).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.sites.first() {
            Some((listener, _)) => listener.local_addr(),
            None => Err(no_listener()),
        }
    }

    /// Shuts the server down gracefully when `signal` completes: it stops
    /// accepting (the listener closes), asks every connection to finish
    /// (HTTP/1 closes after the response in flight, HTTP/2 sends GOAWAY and
    /// lets open streams finish), waits for them up to
    /// [`Server::graceful_shutdown_timeout`], closes those still open, and
    /// then completes.
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<M, Marker, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }
}

/// A [`Serve`] with a shutdown signal; await it.
#[must_use = "a server does nothing until awaited"]
pub struct WithGracefulShutdown<M, Marker, F> {
    serve: Serve<M, Marker>,
    signal: F,
}

impl<M, Marker, F> fmt::Debug for WithGracefulShutdown<M, Marker, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

impl<M, Marker, F> WithGracefulShutdown<M, Marker, F> {
    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.serve.local_addr()
    }
}

/// A running server (the future `Serve` and `WithGracefulShutdown` become).
pub type ServeFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

impl<M, Marker> IntoFuture for Serve<M, Marker>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
    Marker: 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(start(self, std::future::pending()))
    }
}

impl<M, Marker, F> IntoFuture for WithGracefulShutdown<M, Marker, F>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
    Marker: 'static,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        Box::pin(start(self.serve, self.signal))
    }
}

enum Step<T> {
    Shutdown,
    Next(T),
}

async fn start<M, Marker>(
    serve: Serve<M, Marker>,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
    Marker: 'static,
{
    let Serve {
        server,
        mut sites,
        per_worker,
        _marker,
    } = serve;
    if per_worker {
        return run_per_worker(server, sites, signal).await;
    }
    let Some((listener, make_service)) = sites.pop() else {
        return Err(no_listener());
    };
    run(server, listener, make_service, signal).await
}

fn no_listener() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "zokio::compat::hyper::Server::serve_per_worker: no listener to serve",
    )
}

/// Runs one `run` per worker, listener `i` on worker `i`, all stopped by
/// one signal; the first error any of them ended with is the result.
async fn run_per_worker<M, Marker>(
    server: Server,
    sites: Vec<(TcpListener, M)>,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
    Marker: 'static,
{
    if sites.is_empty() {
        return Err(no_listener());
    }
    let handle = crate::runtime::Handle::current();
    let stop = CancellationToken::new();
    // Cancelled when this future is dropped as well: the workers' servers
    // then shut down as after a signal, not serve on unowned.
    let _stop_on_drop = stop.clone().drop_guard();
    let mut workers = Vec::with_capacity(sites.len());
    let mut failed = None;
    for (worker, (listener, make_service)) in sites.into_iter().enumerate() {
        let stopped = stop.clone().cancelled_owned();
        let site = run(server.clone(), listener, make_service, stopped);
        match handle.spawn_on(worker, site) {
            Ok(task) => workers.push(task),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if failed.is_none() {
        // Every worker's server ends by itself only when its make-service
        // broke; otherwise they run until the signal.
        let mut signal = pin!(signal);
        let mut ended = 0;
        while ended < workers.len() {
            match first(&mut signal, &mut workers[ended]).await {
                Step::Shutdown => break,
                Step::Next(result) => {
                    if let Err(e) = flatten(result) {
                        failed.get_or_insert(e);
                    }
                    ended += 1;
                }
            }
        }
        workers.drain(..ended);
    }
    stop.cancel();
    for worker in workers {
        if let Err(e) = flatten(worker.await) {
            failed.get_or_insert(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

fn flatten(joined: Result<io::Result<()>, crate::task::JoinError>) -> io::Result<()> {
    joined.unwrap_or_else(|e| Err(io::Error::other(e.to_string())))
}

/// The accept loop of one listener.
async fn run<M, Marker>(
    server: Server,
    listener: TcpListener,
    mut make_service: M,
    signal: impl Future<Output = ()> + Send,
) -> io::Result<()>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
{
    // Checked once: a worker that can make no ring stream serves on its
    // reactor, and no accepted connection is lost to a failed conversion.
    #[cfg(target_os = "linux")]
    let ring = server.io_uring && crate::net::LocalTcpStream::available().is_ok();
    let limit = match server.max_connections {
        Some(0) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Server::max_connections must be at least 1",
            ));
        }
        Some(n) => Some(Arc::new(Semaphore::new(n))),
        None => None,
    };
    let shared = Arc::new(Shared {
        http1: server.http1,
        http2: server.http2,
        only: server.only,
        on_error: server.on_error,
        graceful: CancellationToken::new(),
        force: CancellationToken::new(),
    });
    // Every connection task holds a sender; `recv` returns `None` once the
    // last one is gone, which is how the shutdown knows they are all done.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut signal = pin!(signal);
    let mut backoff = MIN_BACKOFF;
    let mut broken = None;

    loop {
        let permit = match &limit {
            Some(sem) => match first(&mut signal, sem.clone().acquire_owned()).await {
                Step::Shutdown => break,
                // The semaphore is never closed, so this is always a permit.
                Step::Next(permit) => permit.ok(),
            },
            None => None,
        };
        let (stream, remote) = match first(&mut signal, listener.accept()).await {
            Step::Shutdown => break,
            Step::Next(Ok(accepted)) => {
                backoff = MIN_BACKOFF;
                accepted
            }
            Step::Next(Err(e)) if is_peer_error(&e) => continue,
            Step::Next(Err(e)) => {
                (shared.on_error)(&ServeError {
                    remote_addr: None,
                    stage: Stage::Accept,
                    error: e.into(),
                });
                // Out of descriptors or memory: retrying at once would spin,
                // so pause (a connection closing meanwhile frees one).
                if let Step::Shutdown = first(&mut signal, crate::time::sleep(backoff)).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if server.nodelay {
            // Set here, not in the task: by the time the task runs the
            // peer's request may be in, and a delayed ACK then costs 40 ms.
            let _ = stream.set_nodelay(true);
        }
        match first(&mut signal, poll_fn(|cx| make_service.poll_ready(cx))).await {
            Step::Shutdown => break,
            Step::Next(Ok(())) => {}
            // A make-service that can no longer make services ends the
            // server, after the connections it made have finished.
            Step::Next(Err(e)) => {
                broken = Some(io::Error::other(e.into()));
                break;
            }
        }
        let making = make_service.make_service(remote);
        let making = async move { making.await.map_err(Into::<BoxError>::into) };
        let accepted = Accepted {
            shared: shared.clone(),
            stream,
            remote,
            permit,
            alive: alive.clone(),
        };
        #[cfg(target_os = "linux")]
        if ring {
            crate::task::spawn_local(accepted.serve::<_, _, crate::net::LocalTcpStream>(making));
            continue;
        }
        crate::spawn(accepted.serve::<_, _, TcpStream>(making));
    }

    // Stop accepting: new peers are refused from here on.
    drop(listener);
    drop(alive);
    shared.graceful.cancel();
    if crate::time::timeout(server.shutdown_timeout, all_done.recv())
        .await
        .is_err()
    {
        shared.force.cancel();
        all_done.recv().await;
    }
    broken.map_or(Ok(()), Err)
}

/// Runs `next` unless `signal` completes first (checked first, so a server
/// told to stop does not take one more connection).
async fn first<S, T>(signal: &mut Pin<&mut S>, next: impl Future<Output = T>) -> Step<T>
where
    S: Future<Output = ()>,
{
    or(
        async {
            signal.as_mut().await;
            Step::Shutdown
        },
        async { Step::Next(next.await) },
    )
    .await
}

/// `accept` errors caused by one peer (it reset or aborted before we took
/// the connection): the next `accept` can go ahead at once.
fn is_peer_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}
