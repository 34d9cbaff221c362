//! hyper 1.x, hyper-util, axum and tonic on Zokio, with no Tokio runtime.
//!
//! - [`serve`] / [`Server`]: an HTTP/1 + HTTP/2 server for any tower service
//!   (an axum `Router`, tonic's `Routes`), with graceful shutdown, a
//!   connection limit, and per-connection errors reported, never fatal;
//!   [`Server::serve_per_worker`] runs it on every worker of the
//!   thread-per-core runtime, on the workers' io_uring with
//!   [`Server::io_uring`].
//! - `ZokioConnector` (feature `hyper-client`): the connector of
//!   hyper-util's pooled `Client`, so HTTP clients (and tonic clients built
//!   on one) run on Zokio's sockets.
//! - The pieces hyper asks its user for, for hand-written servers and
//!   clients: an [`Executor`](hyper::rt::Executor) for the tasks it spawns
//!   (HTTP/2 streams, client connections), [`HyperExecutor`]; a
//!   [`Timer`](hyper::rt::Timer) for its timeouts, [`HyperTimer`]; and I/O
//!   implementing [`hyper::rt::Read`]/[`hyper::rt::Write`] over any
//!   futures-io stream (such as [`TcpStream`](crate::net::TcpStream)),
//!   [`HyperIo`].
//!
//! ```no_run
//! use axum::{Router, routing::get};
//!
//! #[zokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Router::new().route("/", get(|| async { "hello" }));
//!     let listener = zokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     zokio::compat::hyper::serve(listener, app)
//!         .with_graceful_shutdown(async {
//!             let _ = zokio::signal::ctrl_c().await;
//!         })
//!         .await
//! }
//! ```
//!
//! A connection served by hand:
//!
//! ```no_run
//! use zokio::compat::hyper::{HyperIo, HyperTimer};
//! use hyper::{Request, Response, body::Incoming, service::service_fn};
//!
//! #[zokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = zokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         zokio::spawn(async move {
//!             let service = service_fn(|_req: Request<Incoming>| async {
//!                 Ok::<_, std::convert::Infallible>(Response::new(String::from("hello")))
//!             });
//!             let _ = hyper::server::conn::http1::Builder::new()
//!                 .timer(HyperTimer)
//!                 .serve_connection(HyperIo::new(stream), service)
//!                 .await;
//!         });
//!     }
//! }
//! ```

#[cfg(feature = "hyper-client")]
mod connect;
mod connection;
mod io;
mod make_service;
mod rt;
mod serve;
mod serve_error;
mod version;

#[cfg(feature = "hyper-client")]
pub use connect::{ZokioConnection, ZokioConnector};
pub use io::HyperIo;
pub use make_service::{
    BoxError, ConnectionService, MakeService, PerConnection, PerRequest, ResponseBody,
};
pub use rt::{HyperExecutor, HyperSleep, HyperTimer};
pub use serve::{Serve, ServeFuture, Server, WithGracefulShutdown, serve};
pub use serve_error::ServeError;
