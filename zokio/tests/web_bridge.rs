//! axum on Zokio where it needs Tokio's runtime, both ways: without the
//! `tokio-rt` bridge, tower-http's `TimeoutLayer` (whose timer is
//! `tokio::time::sleep`) makes the request's handler task fail with Tokio's
//! panic and the client gets no answer, while the server keeps serving;
//! with `Builder::enable_tokio` it times a slow route out with a 408, as on
//! Tokio. axum's `WebSocketUpgrade` (which runs the socket with
//! `tokio::spawn`) upgrades and echoes only with the bridge.
#![cfg(all(
    feature = "hyper",
    feature = "tokio-rt",
    feature = "tokio-io",
    not(loom)
))]

use std::future::IntoFuture;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use zokio::compat::hyper::serve;
use zokio::compat::tokio_io::FuturesAsyncReadCompatExt;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::Builder;

fn runtime(bridged: bool) -> zokio::Runtime {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(2).enable_all();
    if bridged {
        builder.enable_tokio();
    }
    builder.build().unwrap()
}

fn app() -> Router {
    Router::new()
        .route("/fast", get(|| async { "fast" }))
        .route(
            "/slow",
            get(|| async {
                zokio::time::sleep(Duration::from_secs(5)).await;
                "slow"
            }),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(100),
        ))
}

/// One HTTP/1 request on a fresh connection; the status line, or `None` if
/// the server closed the connection without answering.
async fn status_of(addr: std::net::SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let read = zokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
    read.await
        .expect("the server neither answered nor closed")
        .ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    text.lines()
        .next()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
}

#[test]
fn timeout_layer_fails_without_the_bridge_and_works_with_it() {
    // Tokio's panic, in the handler's task, is expected here: keep it quiet.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("Tokio 1.x runtime") {
            default(info);
        }
    }));
    for bridged in [false, true] {
        let rt = runtime(bridged);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            zokio::spawn(serve(listener, app()).into_future());
            let fast = status_of(addr, "/fast").await;
            let slow = status_of(addr, "/slow").await;
            if bridged {
                assert_eq!(fast.as_deref(), Some("HTTP/1.1 200 OK"));
                assert_eq!(slow.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
            } else {
                assert_eq!(fast, None, "without the bridge the layer's timer panics");
                assert_eq!(slow, None);
            }
        });
    }
}

async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if socket.send(message).await.is_err() {
            return;
        }
    }
}

#[test]
fn websocket_upgrade_echoes_with_the_bridge() {
    let rt = runtime(true);
    rt.block_on(async {
        let app = Router::new().route(
            "/ws",
            get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(echo) }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(serve(listener, app).into_future());
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut ws, _) =
            tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream.compat())
                .await
                .unwrap();
        for text in ["one", "two"] {
            ws.send(tokio_tungstenite::tungstenite::Message::text(text))
                .await
                .unwrap();
            let back = zokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            assert_eq!(back.into_text().unwrap().as_str(), text);
        }
    });
}
