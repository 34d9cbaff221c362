//! What [`serve`](super::serve) accepts: a per-request service, cloned for
//! each connection, or a per-connection "make service" called with the
//! peer's address.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};

use http::{Request, Response};
use hyper::body::Incoming;
use tower_service::Service;

/// The error type of services, connections and make-services the server
/// reports (anything that converts into it is accepted).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
