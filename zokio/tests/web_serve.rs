//! The behaviour of `zokio::compat::hyper::serve` / `Server` itself, over
//! loopback: graceful shutdown (stop accepting, finish in-flight requests,
//! bounded by a timeout), the connection limit, per-connection errors going
//! to the hook without stopping the accept loop, and refused settings. Tokio
//! has no server helper to port tests from; these follow what axum's
//! `serve` tests check (graceful shutdown, connect info), and the issue.
#![cfg(all(feature = "hyper", not(loom)))]

use std::convert::Infallible;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response, StatusCode};
use zokio::compat::hyper::{HyperIo, Server, serve};
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};

mod support {
    pub mod within;
}
use support::within::within;

/// `/sleep/<ms>` sleeps that long, anything else answers at once.
fn sleepy() -> impl tower::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(|req: Request<Incoming>| async move {
        let path = req.uri().path().to_owned();
        if let Some(ms) = path.strip_prefix("/sleep/") {
            let ms: u64 = ms.parse().unwrap_or(0);
            zokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(format!(
            "done {path}"
        )))))
    })
}

async fn connect(addr: SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
        .await
        .unwrap();
    zokio::spawn(async move {
        let _ = conn.await;
    });
    sender
}

async fn get(sender: &mut SendRequest<Full<Bytes>>, path: &str) -> hyper::Result<String> {
    let request = Request::get(path).body(Full::new(Bytes::new())).unwrap();
    let response = sender.send_request(request).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8(body.to_vec()).unwrap())
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight_requests_and_stops_accepting() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            serve(listener, sleepy())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let mut idle = connect(addr).await;
        assert_eq!(get(&mut idle, "/warm").await.unwrap(), "done /warm");

        let mut busy = connect(addr).await;
        let in_flight = zokio::spawn(async move { get(&mut busy, "/sleep/300").await });
        zokio::time::sleep(Duration::from_millis(50)).await;
        let signalled = Instant::now();
        stop.send(()).unwrap();

        // The in-flight request completes in full after the signal.
        assert_eq!(in_flight.await.unwrap().unwrap(), "done /sleep/300");
        // The server finishes once it has, not before.
        server.await.unwrap().unwrap();
        let took = signalled.elapsed();
        assert!(took >= Duration::from_millis(200), "{took:?}");
        // The idle keep-alive connection was closed, the listener too.
        assert!(get(&mut idle, "/after").await.is_err());
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_is_bounded_by_its_timeout() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            Server::new()
                .graceful_shutdown_timeout(Duration::from_millis(200))
                .serve(listener, sleepy())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let mut busy = connect(addr).await;
        let in_flight = zokio::spawn(async move { get(&mut busy, "/sleep/10000").await });
        zokio::time::sleep(Duration::from_millis(50)).await;
        let signalled = Instant::now();
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let took = signalled.elapsed();
        assert!(
            took >= Duration::from_millis(150) && took < Duration::from_secs(5),
            "{took:?}"
        );
        // The connection was closed under the request.
        assert!(in_flight.await.unwrap().is_err());
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_holds_new_connections_until_one_closes() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(
            Server::new()
                .max_connections(1)
                .serve(listener, sleepy())
                .into_future(),
        );
        let mut first = connect(addr).await;
        assert_eq!(get(&mut first, "/a").await.unwrap(), "done /a");

        // The second peer's connect completes (the kernel's backlog takes
        // it) but it is not served while the first connection lives.
        let mut second = connect(addr).await;
        let waiting = zokio::spawn(async move { get(&mut second, "/b").await });
        zokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "served past the limit");

        drop(first);
        assert_eq!(waiting.await.unwrap().unwrap(), "done /b");
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_connections_go_to_the_hook_and_the_server_keeps_serving() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::<(Option<SocketAddr>, String)>::new()));
        let hook_seen = seen.clone();
        zokio::spawn(
            Server::new()
                .http1_only()
                .on_error(move |e| {
                    hook_seen
                        .lock()
                        .unwrap()
                        .push((e.remote_addr(), e.to_string()))
                })
                .serve(listener, sleepy())
                .into_future(),
        );
        // Not HTTP: hyper answers 400 and the connection fails.
        let mut garbage = TcpStream::connect(addr).await.unwrap();
        let garbage_addr = garbage.local_addr().unwrap();
        garbage
            .write_all(b"\x01\x02 NOT HTTP\r\n\r\n")
            .await
            .unwrap();
        let mut reply = Vec::new();
        garbage.read_to_end(&mut reply).await.unwrap();
        assert!(reply.starts_with(b"HTTP/1.1 400"), "{reply:?}");

        // The accept loop goes on.
        let mut fine = connect(addr).await;
        assert_eq!(get(&mut fine, "/ok").await.unwrap(), "done /ok");

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].0, Some(garbage_addr));
        assert!(seen[0].1.contains(&garbage_addr.to_string()), "{seen:?}");
    })
    .await;
}

#[zokio::test]
async fn a_zero_connection_limit_is_an_error() {
    within(Duration::from_secs(5), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let e = Server::new()
            .max_connections(0)
            .serve(listener, sleepy())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("max_connections"), "{e}");
    })
    .await;
}

#[zokio::test]
async fn http1_only_and_http2_only_refuse_the_other_protocol() {
    within(Duration::from_secs(10), async {
        for (server, h2) in [
            (Server::new().http1_only(), true),
            (Server::new().http2_only(), false),
        ] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            zokio::spawn(
                server
                    .on_error(|_| {})
                    .serve(listener, sleepy())
                    .into_future(),
            );
            let stream = TcpStream::connect(addr).await.unwrap();
            let request = Request::get("http://x/")
                .body(Full::new(Bytes::new()))
                .unwrap();
            let result = if h2 {
                let (mut sender, conn) = hyper::client::conn::http2::handshake(
                    zokio::compat::hyper::HyperExecutor,
                    HyperIo::new(stream),
                )
                .await
                .unwrap();
                zokio::spawn(conn);
                sender.send_request(request).await.map(|_| ())
            } else {
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(HyperIo::new(stream))
                        .await
                        .unwrap();
                zokio::spawn(conn);
                sender.send_request(request).await.map(|_| ())
            };
            assert!(result.is_err(), "h2 client = {h2}");
        }
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_open_http2_streams_finish() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            serve(listener, sleepy())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, conn) =
            hyper::client::conn::http2::Builder::new(zokio::compat::hyper::HyperExecutor)
                .timer(zokio::compat::hyper::HyperTimer)
                .handshake(HyperIo::new(stream))
                .await
                .unwrap();
        zokio::spawn(async move {
            let _ = conn.await;
        });
        // Three streams in flight on the one connection.
        let streams: Vec<_> = (0..3)
            .map(|i| {
                let mut sender = sender.clone();
                zokio::spawn(async move {
                    let request = Request::get(format!("http://x/sleep/{}", 200 + i * 50))
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                    let response = sender.send_request(request).await?;
                    let body = response.into_body().collect().await?.to_bytes();
                    hyper::Result::Ok(String::from_utf8(body.to_vec()).unwrap())
                })
            })
            .collect();
        zokio::time::sleep(Duration::from_millis(50)).await;
        stop.send(()).unwrap();
        for (i, stream) in streams.into_iter().enumerate() {
            let path = format!("/sleep/{}", 200 + i * 50);
            assert_eq!(stream.await.unwrap().unwrap(), format!("done {path}"));
        }
        server.await.unwrap().unwrap();
        // GOAWAY was sent: the connection takes no new stream.
        let mut sender = sender;
        let late = Request::get("http://x/late")
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert!(sender.send_request(late).await.is_err());
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_make_service_drops_that_connection_only() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        // Refuses every other connection.
        let make = tower::service_fn(move |peer: SocketAddr| {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n % 2 == 0 {
                    Err(std::io::Error::other(format!("no service for {peer}")))
                } else {
                    Ok(sleepy())
                }
            }
        });
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let hook_seen = seen.clone();
        zokio::spawn(
            Server::new()
                .on_error(move |e| hook_seen.lock().unwrap().push(e.to_string()))
                .serve(listener, make)
                .into_future(),
        );
        // The first connection is dropped unserved...
        let mut refused = TcpStream::connect(addr).await.unwrap();
        let mut buf = Vec::new();
        refused
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let _ = refused.read_to_end(&mut buf).await;
        assert!(buf.is_empty(), "{buf:?}");
        // ...the second is served.
        let mut fine = connect(addr).await;
        assert_eq!(get(&mut fine, "/ok").await.unwrap(), "done /ok");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].starts_with("making the service for"), "{seen:?}");
        assert!(seen[0].contains("no service for"), "{seen:?}");
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_read_timeout_is_off_by_default_and_closes_slow_heads_when_set() {
    within(Duration::from_secs(20), async {
        for timeout in [None, Some(Duration::from_millis(200))] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut server = Server::new().on_error(|_| {});
            if let Some(limit) = timeout {
                server.http1().header_read_timeout(limit);
            }
            zokio::spawn(server.serve(listener, sleepy()).into_future());
            // Half a request head, then nothing.
            let mut slow = TcpStream::connect(addr).await.unwrap();
            slow.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
                .await
                .unwrap();
            let started = Instant::now();
            let mut reply = Vec::new();
            let closed =
                zokio::time::timeout(Duration::from_millis(1500), slow.read_to_end(&mut reply))
                    .await;
            match timeout {
                None => assert!(closed.is_err(), "closed without a timeout set"),
                Some(limit) => {
                    closed.expect("the slow head was not cut off").unwrap();
                    let took = started.elapsed();
                    assert!(took >= limit - Duration::from_millis(20), "{took:?}");
                }
            }
        }
    })
    .await;
}

/// A make-service whose `poll_ready` fails once it has made `good` services.
#[derive(Clone)]
struct Wearing {
    good: usize,
}

impl tower::Service<SocketAddr> for Wearing {
    type Response =
        tower::util::BoxCloneSyncService<Request<Incoming>, Response<Full<Bytes>>, Infallible>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, std::io::Error>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), std::io::Error>> {
        std::task::Poll::Ready(if self.good == 0 {
            Err(std::io::Error::other("worn out"))
        } else {
            Ok(())
        })
    }

    fn call(&mut self, _peer: SocketAddr) -> Self::Future {
        self.good -= 1;
        std::future::ready(Ok(tower::util::BoxCloneSyncService::new(sleepy())))
    }
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_make_service_ends_the_server_after_open_connections_finish() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(serve(listener, Wearing { good: 1 }).into_future());
        let mut first = connect(addr).await;
        let in_flight = zokio::spawn(async move { get(&mut first, "/sleep/300").await });
        zokio::time::sleep(Duration::from_millis(50)).await;
        // The second accept finds the make-service broken.
        let _second = TcpStream::connect(addr).await.unwrap();
        let e = server.await.unwrap().unwrap_err();
        assert!(e.to_string().contains("worn out"), "{e}");
        assert_eq!(in_flight.await.unwrap().unwrap(), "done /sleep/300");
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shutdown_bound_also_covers_a_make_service_that_never_answers() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stuck = tower::service_fn(|_peer: SocketAddr| async {
            std::future::pending::<
                Result<
                    tower::util::BoxCloneSyncService<
                        Request<Incoming>,
                        Response<Full<Bytes>>,
                        Infallible,
                    >,
                    std::io::Error,
                >,
            >()
            .await
        });
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let server = zokio::spawn(
            Server::new()
                .graceful_shutdown_timeout(Duration::from_millis(200))
                .serve(listener, stuck)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        let _peer = TcpStream::connect(addr).await.unwrap();
        zokio::time::sleep(Duration::from_millis(50)).await;
        let signalled = Instant::now();
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let took = signalled.elapsed();
        assert!(
            took >= Duration::from_millis(150) && took < Duration::from_secs(5),
            "{took:?}"
        );
    })
    .await;
}
