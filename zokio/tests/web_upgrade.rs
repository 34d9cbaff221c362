//! HTTP/1 upgrades through `zokio::compat::hyper::serve`: a WebSocket
//! handshake answered by a plain tower service with `hyper::upgrade::on`,
//! the upgraded connection then run by tokio-tungstenite (through
//! hyper-util's `TokioIo` trait adapter) in a Zokio task, with no Tokio
//! runtime. (axum's own `WebSocketUpgrade` calls `tokio::spawn`, so it needs
//! the `tokio-rt` bridge; this is the native way.)
#![cfg(all(feature = "hyper", feature = "tokio-io", not(loom)))]

use std::convert::Infallible;
use std::future::IntoFuture;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use zokio::compat::hyper::serve;
use zokio::compat::tokio_io::FuturesAsyncReadCompatExt;
use zokio::net::{TcpListener, TcpStream};

async fn within<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> T {
    zokio::time::timeout(limit, fut).await.expect("timed out")
}

/// Answers a WebSocket handshake with 101 and echoes messages upper-cased.
async fn websocket(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        let mut bad = Response::new(Empty::new());
        *bad.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(bad);
    };
    let upgrade = hyper::upgrade::on(&mut req);
    zokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let mut ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        while let Some(Ok(message)) = ws.next().await {
            let reply = match message {
                Message::Text(text) => Message::text(text.to_uppercase()),
                Message::Close(_) => break,
                _ => continue,
            };
            if ws.send(reply).await.is_err() {
                break;
            }
        }
    });
    let response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-accept", derive_accept_key(key.as_bytes()))
        .body(Empty::new())
        .unwrap();
    Ok(response)
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrade_through_serve() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(serve(listener, tower::service_fn(websocket)).into_future());

        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut ws, response) =
            tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream.compat())
                .await
                .unwrap();
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        for word in ["zokio", "upgrade", "works"] {
            ws.send(Message::text(word)).await.unwrap();
            let reply = ws.next().await.unwrap().unwrap();
            assert_eq!(reply, Message::text(word.to_uppercase()));
        }
        ws.close(None).await.unwrap();
    })
    .await;
}
