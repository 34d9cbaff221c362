//! hyper (HTTP/1 and HTTP/2) and a WebSocket library on tokio's I/O traits,
//! running on Zokio over loopback.
#![cfg(all(feature = "hyper", feature = "tokio-io", not(loom)))]

use std::convert::Infallible;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use zokio::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
use zokio::compat::tokio_io::FuturesAsyncReadCompatExt;
use zokio::net::{TcpListener, TcpStream};

mod support {
    pub mod within;
}
use support::within::within;

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello {} over {:?}", req.uri().path(), req.version());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

/// An HTTP/1 client connected over loopback to a hyper server (with Zokio's
/// timer) that answers with `respond`; both sides on `HyperIo`.
async fn http1_connection<F, Fut>(
    respond: F,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>>
where
    F: Fn(Request<Incoming>) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    zokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            zokio::spawn(async move {
                hyper::server::conn::http1::Builder::new()
                    .timer(HyperTimer)
                    .serve_connection(HyperIo::new(stream), service_fn(respond))
                    .await
                    .unwrap();
            });
        }
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
        .await
        .unwrap();
    zokio::spawn(conn);
    sender
}

#[test]
fn hyper_http1_server_and_client() {
    zokio::run(within(Duration::from_secs(20), async {
        let mut sender = http1_connection(hello).await;
        for path in ["/a", "/b"] {
            // HTTP/1 carries one request at a time: wait until the connection
            // is idle again.
            sender.ready().await.unwrap();
            let req = Request::get(path).body(Full::new(Bytes::new())).unwrap();
            let resp = sender.send_request(req).await.unwrap();
            assert!(resp.status().is_success());
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("hello {path} over HTTP/1.1"));
        }
    }));
}

async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req.into_body().collect().await.unwrap().to_bytes();
    Ok(Response::new(Full::new(body)))
}

/// Large bodies through `HyperIo`, whose read offer starts small and grows:
/// every byte arrives, in order, both ways.
#[test]
fn hyper_http1_moves_large_bodies_intact() {
    zokio::run(within(Duration::from_secs(20), async {
        let mut sender = http1_connection(echo).await;
        for len in [1, 3000, 5 << 20] {
            let sent: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            sender.ready().await.unwrap();
            let req = Request::post("/")
                .body(Full::new(Bytes::from(sent.clone())))
                .unwrap();
            let resp = sender.send_request(req).await.unwrap();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert!(body == sent, "a {len}-byte body came back changed");
        }
    }));
}

#[test]
fn hyper_http2_server_and_client() {
    zokio::run(within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http2::Builder::new(HyperExecutor)
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(stream), service_fn(hello))
                .await
                .unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, conn) = hyper::client::conn::http2::Builder::new(HyperExecutor)
            .timer(HyperTimer)
            .handshake(HyperIo::new(stream))
            .await
            .unwrap();
        zokio::spawn(conn);
        // Concurrent streams on one connection.
        let requests: Vec<_> = (0..10)
            .map(|i| {
                let mut sender = sender.clone();
                zokio::spawn(async move {
                    let req = Request::get(format!("/{i}"))
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                    let resp = sender.send_request(req).await.unwrap();
                    resp.into_body().collect().await.unwrap().to_bytes()
                })
            })
            .collect();
        for (i, r) in requests.into_iter().enumerate() {
            assert_eq!(r.await.unwrap(), format!("hello /{i} over HTTP/2.0"));
        }
    }));
}

#[test]
fn websocket_round_trip_over_tokio_traits() {
    zokio::run(within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(stream.compat())
                .await
                .unwrap();
            while let Some(msg) = ws.next().await {
                let msg = msg.unwrap();
                if msg.is_close() {
                    break;
                }
                ws.send(msg).await.unwrap();
            }
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let url = format!("ws://{addr}/echo");
        let (mut ws, _) = tokio_tungstenite::client_async(url, stream.compat())
            .await
            .unwrap();
        for text in ["one", "two", "three"] {
            ws.send(Message::text(text)).await.unwrap();
            assert_eq!(ws.next().await.unwrap().unwrap(), Message::text(text));
        }
        ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::binary(vec![1u8, 2, 3])
        );
        ws.close(None).await.unwrap();
        server.await.unwrap();
    }));
}
