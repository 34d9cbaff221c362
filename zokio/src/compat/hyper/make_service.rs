//! What [`serve`](super::serve) accepts: a per-request service, cloned for
//! each connection, or a per-connection "make service" called with the
//! peer's address.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use tower_service::Service;

/// The error type of services, connections and make-services the server
/// reports (anything that converts into it is accepted).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A per-request service the server can run on a connection: a tower
/// service of `Request<Incoming>` answering `Response<ResBody>`, `Clone`,
/// `Send`, with a `Send` future and an error that converts into
/// [`BoxError`]. It names the bounds of hyper-util's `TowerToHyperService`
/// once (as hyper's `HttpService` does for its own); every such service
/// implements it, so it is never implemented by hand.
///
/// ```
/// use std::convert::Infallible;
/// use hyper::{Request, Response, body::Incoming};
/// use zokio::compat::hyper::ConnectionService;
///
/// fn servable<S: ConnectionService>(_: &S) {}
///
/// servable(&tower::service_fn(|_req: Request<Incoming>| async {
///     Ok::<_, Infallible>(Response::new(String::from("hello")))
/// }));
/// ```
pub trait ConnectionService:
    Service<
        Request<Incoming>,
        Response = Response<<Self as ConnectionService>::ResBody>,
        Future: Send + 'static,
        Error: Into<BoxError>,
    > + Clone
    + Send
    + 'static
{
    /// The body of the service's responses.
    type ResBody: ResponseBody;
}

impl<S, B> ConnectionService for S
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: ResponseBody,
{
    type ResBody = B;
}

/// A response body the server can send: `Send`, with `Send` chunks and an
/// error that converts into [`BoxError`]. Every such body implements it.
///
/// ```
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// use zokio::compat::hyper::ResponseBody;
///
/// fn sendable<B: ResponseBody>(_: &B) {}
///
/// sendable(&Full::new(Bytes::from_static(b"hello")));
/// sendable(&String::from("hello"));
/// ```
pub trait ResponseBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static {}

impl<B> ResponseBody for B
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
}

/// Something that gives each accepted connection its per-request service.
///
/// Two kinds of values implement it, told apart by `Marker` (inferred, never
/// written by hand):
///
/// - a tower `Service<Request<Incoming>>` that is `Clone` ([`PerRequest`]):
///   each connection gets a clone. An axum `Router`, tonic's `Routes`, and
///   `tower::service_fn(..)` are such services.
/// - a tower `Service<SocketAddr>` whose response is the per-request service
///   ([`PerConnection`]): it is called with the peer's address for each
///   connection. axum's `Router::into_make_service()` and
///   `into_make_service_with_connect_info::<SocketAddr>()` are such services
///   (the latter is how axum's `ConnectInfo<SocketAddr>` extractor gets the
///   peer address).
pub trait MakeService<Marker> {
    /// The service that handles one connection's requests.
    type Service;
    /// What making a service can fail with.
    type Error: Into<BoxError>;
    /// Makes the service.
    type Future: Future<Output = Result<Self::Service, Self::Error>>;

    /// Whether the next `make_service` may be called (tower's `poll_ready`).
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>>;

    /// The service for a connection from `remote`.
    fn make_service(&mut self, remote: SocketAddr) -> Self::Future;
}

/// The [`MakeService`] marker of a per-request service cloned per connection.
#[derive(Debug)]
pub enum PerRequest {}

/// The [`MakeService`] marker of a service called once per connection.
#[derive(Debug)]
pub enum PerConnection {}

impl<S, B> MakeService<PerRequest> for S
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone,
{
    type Service = S;
    type Error = Infallible;
    type Future = Ready<Result<S, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn make_service(&mut self, _remote: SocketAddr) -> Self::Future {
        ready(Ok(self.clone()))
    }
}

impl<M> MakeService<PerConnection> for M
where
    M: Service<SocketAddr>,
    M::Error: Into<BoxError>,
{
    type Service = M::Response;
    type Error = M::Error;
    type Future = M::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::poll_ready(self, cx)
    }

    fn make_service(&mut self, remote: SocketAddr) -> Self::Future {
        self.call(remote)
    }
}
