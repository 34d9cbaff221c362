//! Running hyper 1.x on Zokio.
//!
//! hyper asks its user for three things: an [`Executor`](hyper::rt::Executor)
//! for the tasks it spawns (HTTP/2 streams, client connections), a
//! [`Timer`](hyper::rt::Timer) for its timeouts, and I/O implementing
//! [`hyper::rt::Read`]/[`hyper::rt::Write`]. [`HyperExecutor`], [`HyperTimer`]
//! and [`HyperIo`] provide them over Zokio's scheduler, timers and any
//! futures-io stream (such as [`TcpStream`](crate::net::TcpStream)).
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
mod io;
mod make_service;
mod rt;
mod serve;

#[cfg(feature = "hyper-client")]
pub use connect::{ZokioConnection, ZokioConnector};
pub use io::HyperIo;
pub use make_service::{BoxError, MakeService, PerConnection, PerRequest};
pub use rt::{HyperExecutor, HyperSleep, HyperTimer};
pub use serve::{Serve, ServeError, ServeFuture, Server, WithGracefulShutdown, serve};
