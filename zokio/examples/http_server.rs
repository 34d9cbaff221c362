//! A hyper hello-world server on Zokio, speaking HTTP/1.1 and HTTP/2 (h2c,
//! chosen per connection from its first bytes).
//!
//! `cargo run --release -p zokio --features hyper --example http_server -- 127.0.0.1:8080`
//! then `curl http://127.0.0.1:8080/` or `curl --http2-prior-knowledge http://127.0.0.1:8080/`.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use zokio::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
use zokio::net::TcpStream;

/// The HTTP/2 connection preface a client sends first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

async fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut head = [0u8; H2_PREFACE.len()];
    let is_h2 =
        matches!(stream.peek(&mut head).await, Ok(n) if n == head.len() && head == H2_PREFACE);
    let io = HyperIo::new(stream);
    let result = if is_h2 {
        hyper::server::conn::http2::Builder::new(HyperExecutor)
            .timer(HyperTimer)
            .serve_connection(io, service_fn(hello))
            .await
    } else {
        hyper::server::conn::http1::Builder::new()
            .timer(HyperTimer)
            .serve_connection(io, service_fn(hello))
            .await
    };
    if let Err(e) = result {
        if !e.is_incomplete_message() {
            eprintln!("http_server: connection error: {e}");
        }
    }
}

#[zokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = match zokio::net::TcpListener::bind(&*addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("http_server: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "http_server: listening on http://{}",
        listener.local_addr().expect("bound")
    );
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                zokio::spawn(serve(stream));
            }
            Err(e) => eprintln!("http_server: accept failed: {e}"),
        }
    }
}
