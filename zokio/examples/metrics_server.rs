//! Observability over HTTP: the runtime's live counters in Prometheus's text
//! format on `/metrics` (`zokio::metrics::prometheus_text`) and a dump of its
//! live tasks on `/dump` (`Handle::dump`), served through
//! `zokio::compat::hyper::serve`. The dump is taken inside the handler, a task
//! of the runtime it describes: it lists itself as running.
//!
//! `cargo run --release -p zokio --features hyper --example metrics_server -- 127.0.0.1:9090`
//! then `curl http://127.0.0.1:9090/metrics` and `curl http://127.0.0.1:9090/dump`.
//! With `--self-test` it serves on a free loopback port, fetches both pages
//! once, checks them, and exits (0 on success).

use std::convert::Infallible;
use std::future::IntoFuture;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::Handle;

fn page(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let handle = Handle::current();
    Ok(match req.uri().path() {
        "/metrics" => page(StatusCode::OK, zokio::metrics::prometheus_text(&handle)),
        "/dump" => match handle.dump() {
            Ok(dump) => page(StatusCode::OK, dump.to_string()),
            Err(e) => page(StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
        },
        _ => page(StatusCode::NOT_FOUND, "try /metrics or /dump\n".into()),
    })
}

/// One `GET path` over HTTP/1.1; the status line and the body.
async fn fetch(addr: std::net::SocketAddr, path: &str) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    Ok((status, body.to_owned()))
}

/// Fetches both pages and checks what a scrape and an operator rely on.
async fn self_test(addr: std::net::SocketAddr) -> Result<(), String> {
    let failed = |what: &str, status: &str, body: &str| Err(format!("{what}: {status}\n{body}"));
    let (status, body) = fetch(addr, "/metrics").await.map_err(|e| e.to_string())?;
    if !status.contains(" 200 ") || !body.contains("# TYPE ") || !body.contains("zokio_") {
        return failed("/metrics", &status, &body);
    }
    let (status, body) = fetch(addr, "/dump").await.map_err(|e| e.to_string())?;
    // The handler's own task at least (the connection's task runs it).
    if !status.contains(" 200 ")
        || !body.starts_with("zokio task dump: ")
        || !body.contains("running on worker")
    {
        return failed("/dump", &status, &body);
    }
    println!("metrics_server: self-test passed\n{body}");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let testing = args.iter().any(|a| a == "--self-test");
    let addr = match args.iter().find(|a| !a.starts_with("--")) {
        Some(addr) => addr.clone(),
        None if testing => "127.0.0.1:0".to_owned(),
        None => "127.0.0.1:9090".to_owned(),
    };
    let rt = zokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .enable_task_dump()
        .stall_threshold(Duration::from_millis(200))
        .build();
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("metrics_server: cannot build the runtime: {e}");
            std::process::exit(1);
        }
    };
    let outcome = rt.block_on(async move {
        let listener = TcpListener::bind(&*addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let service = tower::service_fn(route);
        let server = zokio::compat::hyper::serve(listener, service).into_future();
        if !testing {
            println!("metrics_server: serving /metrics and /dump on http://{local}");
            return server.await.map_err(|e| e.to_string());
        }
        let server = zokio::spawn(server);
        let result = zokio::time::timeout(Duration::from_secs(30), self_test(local)).await;
        server.abort();
        result.map_err(|_| "the self-test timed out".to_owned())?
    });
    if let Err(e) = outcome {
        eprintln!("metrics_server: {e}");
        std::process::exit(1);
    }
}
