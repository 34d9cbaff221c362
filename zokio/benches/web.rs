//! The web stack under `wrk`: the same axum app (one JSON GET route) on
//! Zokio, served by `zokio::compat::hyper::serve`, and on Tokio, served by
//! `axum::serve`; two workers each, the same `wrk` settings (one thread, 64
//! connections, keep-alive), rounds interleaved by the harness.
//!
//! - `axum_json_wrk`: `GET /json` answering `{"message":"Hello, World!"}`.
//!   Beside them, `zokio thread-per-core`: the same app on Zokio's
//!   thread-per-core flavor, served on every worker from its own listener
//!   and io_uring (`Server::serve_per_worker` with `io_uring(true)`).
//!
//! Skipped with a message if `wrk` is not installed.
//!
//! `cargo bench -p zokio --features hyper --bench web [-- --quick]`
#![cfg(not(loom))]

use std::future::IntoFuture;
use std::net::SocketAddr;

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

fn app() -> Router {
    Router::new().route(
        "/json",
        get(|| async {
            Json(Message {
                message: "Hello, World!",
            })
        }),
    )
}

/// Requests per second `wrk` reaches against `url` in `seconds` (NaN if it
/// failed or saw errors: a broken server must not read as a fast one).
fn wrk(url: &str, seconds: u32) -> f64 {
    let out = std::process::Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s"), url])
        .output();
    let Ok(out) = out else { return f64::NAN };
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!("axum_json_wrk: wrk saw errors against {url}:\n{text}");
        return f64::NAN;
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn main() {
    let mut runner = Runner::from_args();
    if !runner.wants("axum_json_wrk") {
        return;
    }
    if std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("axum_json_wrk: skipped, `wrk` is not installed (`apt-get install wrk`)");
        return;
    }
    let zokio_rt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio runtime");
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let z: SocketAddr = zokio_rt.block_on(async {
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        zokio::spawn(zokio::compat::hyper::serve(listener, app()).into_future());
        addr
    });
    let t: SocketAddr = tokio_rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(axum::serve(listener, app()).into_future());
        addr
    });
    let tpc_rt = zokio::runtime::Builder::new_thread_per_core()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio thread-per-core runtime");
    let p: SocketAddr = tpc_rt.block_on(async {
        let listeners = zokio::net::bind_per_worker(([127, 0, 0, 1], 0).into())
            .await
            .expect("bind");
        let addr = listeners[0].local_addr().expect("addr");
        let server = zokio::compat::hyper::Server::new()
            .io_uring(true)
            .serve_per_worker(listeners, app());
        zokio::spawn(server.into_future());
        addr
    });
    let (zu, tu) = (format!("http://{z}/json"), format!("http://{t}/json"));
    let pu = format!("http://{p}/json");
    let seconds = runner.size(3, 1);
    runner.compare(
        "axum_json_wrk",
        "req/s",
        Better::Higher,
        vec![
            ("zokio", Box::new(move || wrk(&zu, seconds))),
            ("tokio", Box::new(move || wrk(&tu, seconds))),
            ("zokio thread-per-core", Box::new(move || wrk(&pu, seconds))),
        ],
    );
}
