//! The Tokio bridge's cost: reqwest (bound to Tokio's runtime) making
//! sequential keep-alive GETs from a Zokio task through the bridge
//! (`Builder::enable_tokio`), beside the same code in a task on a Tokio
//! runtime, µs per request. Both clients talk over loopback to one hyper
//! server on a Tokio runtime of its own, on its own thread, the same for
//! both, so only where the client runs differs.
//!
//! Through the bridge, reqwest's connection, its socket and its timers run
//! on the bridge's current-thread Tokio runtime, which the Zokio worker that
//! waits on Zokio's reactor runs while it waits (`TokioDriven`): the
//! connection task wakes the Zokio task that awaits each response on the
//! same thread, as the native Tokio client does.
//!
//! `cargo bench -p zokio --bench bridge --features tokio-rt,hyper [-- --quick]`
#![cfg(not(loom))]

use std::net::SocketAddr;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;

/// A hello-world hyper server on a one-thread Tokio runtime of its own.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_req| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from(
                            "hello",
                        )))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().expect("server address")
}

/// `n` sequential GETs on one keep-alive connection, µs per request.
async fn gets(client: reqwest::Client, url: String, n: usize) -> f64 {
    // The connection is set up outside the timed loop.
    client
        .get(&url)
        .send()
        .await
        .expect("warm-up")
        .bytes()
        .await
        .expect("body");
    let start = Instant::now();
    for _ in 0..n {
        let body = client
            .get(&url)
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body");
        assert_eq!(&body[..], b"hello");
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let mut runner = Runner::from_args();
    let n = runner.size(5_000, 100);
    let url = format!("http://{}/", start_server());
    let zrt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .enable_tokio()
        .build()
        .expect("zokio runtime");
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // Each client is made where it is used, as its users would.
    let zclient = zrt.block_on(async { reqwest::Client::new() });
    let tclient = trt.block_on(async { reqwest::Client::new() });
    runner.compare(
        "reqwest_get_bridged",
        "µs",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    zrt.block_on(zrt.spawn(gets(zclient.clone(), url.clone(), n)))
                        .expect("zokio bench task")
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    trt.block_on(trt.spawn(gets(tclient.clone(), url.clone(), n)))
                        .expect("tokio bench task")
                }),
            ),
        ],
    );
}
