//! A WebSocket echo server on Zokio's sockets, using tokio-tungstenite through
//! the `tokio-io` compatibility layer.
//!
//! `cargo run --release -p zokio --features tokio-io --example websocket_echo -- 127.0.0.1:9001`

use futures_util::{SinkExt, StreamExt};
use zokio::compat::tokio_io::FuturesAsyncReadCompatExt;

#[zokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = match zokio::net::TcpListener::bind(&*addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("websocket_echo: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "websocket_echo: listening on ws://{}",
        listener.local_addr().expect("bound")
    );
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("websocket_echo: accept failed: {e}");
                continue;
            }
        };
        zokio::spawn(async move {
            let mut ws = match tokio_tungstenite::accept_async(stream.compat()).await {
                Ok(ws) => ws,
                Err(e) => return eprintln!("websocket_echo: handshake with {peer} failed: {e}"),
            };
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_close() || ws.send(msg).await.is_err() {
                    break;
                }
            }
        });
    }
}
