//! The accept loop: HTTP/1 and HTTP/2 on Zokio's TCP listener, with
//! graceful shutdown, a connection limit, and errors reported per connection.

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
use hyper_util::service::TowerToHyperService;

use super::io::HyperIo;
use super::make_service::{BoxError, ConnectionService, MakeService};
use super::rt::{HyperExecutor, HyperTimer};
use super::version::{Version, sniff};
use crate::net::{TcpListener, TcpStream};
use crate::sync::{CancellationToken, OwnedSemaphorePermit, Semaphore, mpsc};

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

/// A connection, accept or make-service failure the server recovered from,
/// as given to the hook set with [`Server::on_error`].
#[derive(Debug)]
pub struct ServeError {
    remote_addr: Option<SocketAddr>,
    stage: Stage,
    error: BoxError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Accept,
    MakeService,
    Connection,
}

impl ServeError {
    /// The peer, unless the failure was in `accept` itself.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// Whether `accept(2)` failed (the loop pauses and retries).
    pub fn is_accept(&self) -> bool {
        self.stage == Stage::Accept
    }

    /// Whether the peer went away mid-message (a client closing a
    /// keep-alive connection while sending): routine for a public server,
    /// so the default hook does not print it.
    pub fn is_incomplete_message(&self) -> bool {
        self.error
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    }
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.stage, self.remote_addr) {
            (Stage::Accept, _) => write!(f, "accept failed: {}", self.error),
            (Stage::MakeService, Some(a)) => {
                write!(f, "making the service for {a} failed: {}", self.error)
            }
            (_, Some(a)) => write!(f, "connection from {a}: {}", self.error),
            (_, None) => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

type ErrorHook = Arc<dyn Fn(&ServeError) + Send + Sync>;

fn print_error(e: &ServeError) {
    if !e.is_incomplete_message() {
        eprintln!("zokio::compat::hyper::serve: {e}");
    }
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
    on_error: ErrorHook,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("max_connections", &self.max_connections)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("nodelay", &self.nodelay)
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
            listener,
            make_service,
            _marker: PhantomData,
        }
    }
}

/// A server not started yet: await it (it runs until its task is dropped) or
/// add a shutdown signal with [`with_graceful_shutdown`](Self::with_graceful_shutdown).
#[must_use = "a server does nothing until awaited"]
pub struct Serve<M, Marker> {
    server: Server,
    listener: TcpListener,
    make_service: M,
    _marker: PhantomData<fn() -> Marker>,
}

impl<M, Marker> fmt::Debug for Serve<M, Marker> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("server", &self.server)
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

impl<M, Marker> Serve<M, Marker> {
    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
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
        Box::pin(run(self, std::future::pending()))
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
        Box::pin(run(self.serve, self.signal))
    }
}

/// What a connection task shares with the accept loop.
struct Shared {
    http1: http1::Builder,
    http2: http2::Builder<HyperExecutor>,
    only: Option<Version>,
    on_error: ErrorHook,
    /// Cancelled when the graceful shutdown starts.
    graceful: CancellationToken,
    /// Cancelled when the graceful shutdown's time is up.
    force: CancellationToken,
}

enum Step<T> {
    Shutdown,
    Next(T),
}

async fn run<M, Marker>(
    serve: Serve<M, Marker>,
    signal: impl Future<Output = ()> + Send,
) -> io::Result<()>
where
    M: MakeService<Marker, Service: ConnectionService, Future: Send + 'static> + Send + 'static,
{
    let Serve {
        server,
        listener,
        mut make_service,
        _marker,
    } = serve;
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
        let shared = shared.clone();
        let alive = alive.clone();
        crate::spawn(async move {
            let connection = async {
                let made: Result<M::Service, BoxError> = making.await.map_err(Into::into);
                match made {
                    Ok(service) => serve_connection(&shared, stream, remote, service, permit).await,
                    Err(e) => (shared.on_error)(&ServeError {
                        remote_addr: Some(remote),
                        stage: Stage::MakeService,
                        error: e,
                    }),
                }
            };
            // Past the shutdown's time, whatever the task waits on (a
            // make-service that never answers included) is dropped.
            or(connection, shared.force.cancelled()).await;
            drop(alive);
        });
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

async fn serve_connection<S>(
    shared: &Shared,
    stream: TcpStream,
    remote: SocketAddr,
    service: S,
    permit: Option<OwnedSemaphorePermit>,
) where
    S: ConnectionService,
{
    let version = match shared.only {
        Some(version) => Ok(version),
        None => {
            let sniffed = or(async { Some(sniff(&stream).await) }, async {
                shared.graceful.cancelled().await;
                None
            })
            .await;
            match sniffed {
                Some(version) => version,
                // Shutting down before the peer said anything: close.
                None => return,
            }
        }
    };
    let io = HyperIo::new(stream);
    let service = TowerToHyperService::new(service);
    let result = match version {
        Ok(Version::Http1) => {
            let conn = shared.http1.serve_connection(io, service).with_upgrades();
            drive(shared, conn, |c| c.graceful_shutdown()).await
        }
        Ok(Version::Http2) => {
            let conn = shared.http2.serve_connection(io, service);
            drive(shared, conn, |c| c.graceful_shutdown()).await
        }
        Err(e) => Err(e.into()),
    };
    drop(permit);
    if let Err(error) = result {
        (shared.on_error)(&ServeError {
            remote_addr: Some(remote),
            stage: Stage::Connection,
            error,
        });
    }
}

/// Runs `conn` to its end; once the graceful shutdown starts, asks it to
/// finish (`shutdown`), and drops it if the shutdown's time runs out.
async fn drive<C, E>(
    shared: &Shared,
    conn: C,
    shutdown: impl FnOnce(Pin<&mut C>),
) -> Result<(), BoxError>
where
    C: Future<Output = Result<(), E>>,
    E: Into<BoxError>,
{
    let mut conn = pin!(conn);
    let ended = or(async { Some(conn.as_mut().await) }, async {
        shared.graceful.cancelled().await;
        None
    })
    .await;
    let result = match ended {
        Some(result) => result,
        None => {
            shutdown(conn.as_mut());
            or(conn.as_mut(), async {
                shared.force.cancelled().await;
                Ok(())
            })
            .await
        }
    };
    result.map_err(Into::into)
}
