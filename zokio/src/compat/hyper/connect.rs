//! A TCP connector for hyper-util's pooled client, on Zokio's sockets.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use tower_service::Service;

use super::io::HyperIo;
use crate::net::TcpStream;

/// Opens the TCP connections of hyper-util's pooled
/// [`Client`](hyper_util::client::legacy::Client) with Zokio's
/// [`TcpStream`]: host names are resolved on the blocking pool (never on the
/// worker thread), each resolved address is tried in turn.
///
/// The connection is plain TCP whatever the URI's scheme; `https` only
/// changes the default port (443), so a TLS connector can wrap this one.
///
/// ```
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
/// use hyper_util::client::legacy::Client;
/// use zokio::compat::hyper::{HyperExecutor, HyperTimer, ZokioConnector};
///
/// zokio::run(async {
///     # let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
///     # let addr = listener.local_addr()?;
///     # let hello = tower::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
///     #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
///     # });
///     # zokio::spawn(zokio::compat::hyper::serve(listener, hello).into_future());
///     let client = Client::builder(HyperExecutor)
///         .pool_timer(HyperTimer)
///         .timer(HyperTimer)
///         .build::<_, Empty<Bytes>>(ZokioConnector::new());
///     let uri = format!("http://{addr}/").parse().unwrap();
///     let response = client.get(uri).await.map_err(std::io::Error::other)?;
///     let body = response.into_body().collect().await.map_err(std::io::Error::other)?;
///     assert_eq!(body.to_bytes(), "hello");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// # use std::future::IntoFuture;
/// ```
#[derive(Clone, Debug)]
pub struct ZokioConnector {
    nodelay: bool,
    connect_timeout: Option<Duration>,
}

impl Default for ZokioConnector {
    fn default() -> Self {
        ZokioConnector::new()
    }
}

impl ZokioConnector {
    /// `TCP_NODELAY` on, no connect timeout.
    pub fn new() -> Self {
        ZokioConnector {
            nodelay: true,
            connect_timeout: None,
        }
    }

    /// Sets `TCP_NODELAY` on new connections (on by default).
    pub fn set_nodelay(&mut self, nodelay: bool) {
        self.nodelay = nodelay;
    }

    /// Bounds the resolution and connection attempts of one `call`; past it
    /// the call fails with `TimedOut`.
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) {
        self.connect_timeout = timeout;
    }
}

/// The `host` and `port` a URI names (the scheme's port by default).
fn host_and_port(uri: &Uri) -> io::Result<(String, u16)> {
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the URI `{uri}` has no host to connect to"),
        )
    })?;
    // An IPv6 literal comes bracketed (`[::1]`); the resolver wants it bare.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port = match (uri.port_u16(), uri.scheme_str()) {
        (Some(port), _) => port,
        (None, Some("https")) => 443,
        (None, Some("http") | None) => 80,
        (None, Some(other)) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the URI `{uri}` has scheme `{other}` and no port"),
            ));
        }
    };
    Ok((host.to_owned(), port))
}

impl Service<Uri> for ZokioConnector {
    type Response = ZokioConnection;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<ZokioConnection>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let settings = self.clone();
        Box::pin(async move {
            let target = host_and_port(&uri)?;
            let connecting = TcpStream::connect(target);
            let stream = match settings.connect_timeout {
                Some(limit) => crate::time::timeout(limit, connecting)
                    .await
                    .map_err(|_| {
                        io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("connecting to `{uri}` took longer than {limit:?}"),
                        )
                    })??,
                None => connecting.await?,
            };
            if settings.nodelay {
                stream.set_nodelay(true)?;
            }
            let remote_addr = stream.peer_addr()?;
            Ok(ZokioConnection {
                io: HyperIo::new(stream),
                remote_addr,
            })
        })
    }
}

/// A connection [`ZokioConnector`] opened: hyper's I/O over a Zokio
/// [`TcpStream`].
pub struct ZokioConnection {
    io: HyperIo<TcpStream>,
    remote_addr: SocketAddr,
}

impl fmt::Debug for ZokioConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZokioConnection")
            .field("remote_addr", &self.remote_addr)
            .finish_non_exhaustive()
    }
}

impl ZokioConnection {
    /// The address connected to.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote_addr
    }

    /// The socket.
    pub fn into_inner(self) -> TcpStream {
        self.io.into_inner()
    }
}

impl Connection for ZokioConnection {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for ZokioConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        hyper::rt::Read::poll_read(Pin::new(&mut self.io), cx, buf)
    }
}

impl hyper::rt::Write for ZokioConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(Pin::new(&mut self.io), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(Pin::new(&mut self.io), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(Pin::new(&mut self.io), cx)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.io)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write_vectored(Pin::new(&mut self.io), cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::host_and_port;

    #[test]
    fn host_and_port_defaults_by_scheme_and_unbrackets_ipv6() {
        let cases = [
            ("http://example.com/", ("example.com", 80)),
            ("https://example.com/", ("example.com", 443)),
            ("http://127.0.0.1:8080/x", ("127.0.0.1", 8080)),
            ("http://[::1]:9000/", ("::1", 9000)),
            ("grpc://h:50051", ("h", 50051)),
        ];
        for (uri, (host, port)) in cases {
            let got = host_and_port(&uri.parse().unwrap()).unwrap();
            assert_eq!(got, (host.to_owned(), port), "{uri}");
        }
        for bad in ["/only/a/path", "grpc://h/"] {
            let e = host_and_port(&bad.parse().unwrap()).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad}: {e}");
        }
    }
}
