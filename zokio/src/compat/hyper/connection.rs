//! One connection's task: its service made, its version told, then HTTP/1
//! or HTTP/2 served on it until it ends or the graceful shutdown's time is
//! up.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;

use futures_lite::future::or;
use futures_lite::io::{AsyncRead, AsyncWrite};
use hyper::server::conn::{http1, http2};
use hyper_util::service::TowerToHyperService;

use super::io::HyperIo;
use super::make_service::{BoxError, ConnectionService};
use super::rt::HyperExecutor;
use super::serve_error::{ErrorHook, ServeError, Stage};
use super::version::{Version, sniff};
use crate::net::TcpStream;
use crate::sync::{CancellationToken, OwnedSemaphorePermit, mpsc};

/// What a connection task shares with the accept loop.
pub(super) struct Shared {
    pub(super) http1: http1::Builder,
    pub(super) http2: http2::Builder<HyperExecutor>,
    pub(super) only: Option<Version>,
    pub(super) on_error: ErrorHook,
    /// Cancelled when the graceful shutdown starts.
    pub(super) graceful: CancellationToken,
    /// Cancelled when the graceful shutdown's time is up.
    pub(super) force: CancellationToken,
}

/// An accepted connection, before its task makes its service.
pub(super) struct Accepted {
    pub(super) shared: Arc<Shared>,
    pub(super) stream: TcpStream,
    pub(super) remote: SocketAddr,
    pub(super) permit: Option<OwnedSemaphorePermit>,
    /// Dropped as the task ends (see `run`'s `all_done`).
    pub(super) alive: mpsc::Sender<()>,
}

impl Accepted {
    /// The connection's task: makes its service, then serves it on an
    /// `I` made of the accepted stream (once its version is known).
    pub(super) async fn serve<F, S, I>(self, making: F)
    where
        F: Future<Output = Result<S, BoxError>>,
        S: ConnectionService,
        I: ServedStream,
    {
        let Accepted {
            shared,
            stream,
            remote,
            permit,
            alive,
        } = self;
        let connection = async {
            match making.await {
                Ok(service) => {
                    serve_connection::<S, I>(&shared, stream, remote, service, permit).await
                }
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
    }
}

async fn serve_connection<S, I>(
    shared: &Shared,
    stream: TcpStream,
    remote: SocketAddr,
    service: S,
    permit: Option<OwnedSemaphorePermit>,
) where
    S: ConnectionService,
    I: ServedStream,
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
    let io = match I::from_accepted(stream) {
        Ok(io) => HyperIo::new(io),
        Err(e) => {
            (shared.on_error)(&ServeError {
                remote_addr: Some(remote),
                stage: Stage::Connection,
                error: e.into(),
            });
            return;
        }
    };
    let service = TowerToHyperService::new(service);
    let result = match version {
        Ok(Version::Http1) => I::serve_http1(shared, io, service).await,
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

/// A stream a connection is served on, made of the accepted one.
pub(super) trait ServedStream: AsyncRead + AsyncWrite + Unpin + Sized + 'static {
    fn from_accepted(stream: TcpStream) -> io::Result<Self>;

    /// Serves HTTP/1 on it to the connection's end.
    async fn serve_http1<S: ConnectionService>(
        shared: &Shared,
        io: HyperIo<Self>,
        service: TowerToHyperService<S>,
    ) -> Result<(), BoxError>;
}

impl ServedStream for TcpStream {
    fn from_accepted(stream: TcpStream) -> io::Result<Self> {
        Ok(stream)
    }

    async fn serve_http1<S: ConnectionService>(
        shared: &Shared,
        io: HyperIo<Self>,
        service: TowerToHyperService<S>,
    ) -> Result<(), BoxError> {
        let conn = shared.http1.serve_connection(io, service).with_upgrades();
        drive(shared, conn, |c| c.graceful_shutdown()).await
    }
}

/// On the worker's io_uring. hyper hands an upgraded connection (a
/// WebSocket) over as a `Send` stream, which this is not: upgrades are
/// refused (see `Server::io_uring`).
#[cfg(target_os = "linux")]
impl ServedStream for crate::net::LocalTcpStream {
    fn from_accepted(stream: TcpStream) -> io::Result<Self> {
        crate::net::LocalTcpStream::from_stream(stream)
    }

    async fn serve_http1<S: ConnectionService>(
        shared: &Shared,
        io: HyperIo<Self>,
        service: TowerToHyperService<S>,
    ) -> Result<(), BoxError> {
        let conn = shared.http1.serve_connection(io, service);
        drive(shared, conn, |c| c.graceful_shutdown()).await
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
