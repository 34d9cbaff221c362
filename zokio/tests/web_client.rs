//! hyper-util's pooled legacy `Client` on Zokio (`ZokioConnector`,
//! `HyperExecutor`, `HyperTimer`) against `zokio::compat::hyper::serve`, over
//! loopback, with no Tokio runtime anywhere. Tokio has no tests of its own
//! for this (hyper-util's `HttpConnector` is tested in hyper-util); these
//! check what the issue asks: the pool reuses its connection (the server
//! counts accepts), HTTP/2 multiplexes on one, and bad targets are errors.
#![cfg(all(feature = "hyper-client", not(loom)))]

use std::convert::Infallible;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use tower::Service;
use zokio::compat::hyper::{HyperExecutor, HyperTimer, ZokioConnector, serve};
use zokio::net::TcpListener;

mod support {
    pub mod within;
}
use support::within::within;

/// A server answering "hello <path> <version>" that counts the connections
/// it accepted (its per-connection make-service runs once per accept).
async fn counting_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counted = accepts.clone();
    let make = tower::service_fn(move |_peer: SocketAddr| {
        counted.fetch_add(1, Ordering::SeqCst);
        async {
            Ok::<_, Infallible>(tower::service_fn(|req: Request<Incoming>| async move {
                let text = format!("hello {} {:?}", req.uri().path(), req.version());
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
            }))
        }
    });
    zokio::spawn(serve(listener, make).into_future());
    (addr, accepts)
}

async fn get_text(
    client: &Client<ZokioConnector, Empty<Bytes>>,
    uri: String,
) -> (hyper::StatusCode, String) {
    let response = client.get(uri.parse().unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_http1_client_reuses_one_connection() {
    within(Duration::from_secs(20), async {
        let (addr, accepts) = counting_server().await;
        let client = Client::builder(HyperExecutor)
            .pool_timer(HyperTimer)
            .timer(HyperTimer)
            .build::<_, Empty<Bytes>>(ZokioConnector::new());
        for i in 0..10 {
            let (status, text) = get_text(&client, format!("http://{addr}/n{i}")).await;
            assert_eq!(status, 200);
            assert_eq!(text, format!("hello /n{i} HTTP/1.1"));
            // The pool takes a finished connection back in a task of its
            // own; a request sent before that task ran dials a new one (as
            // on Tokio), so give it a moment on this multi-thread runtime.
            zokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            accepts.load(Ordering::SeqCst),
            1,
            "ten sequential requests went over one pooled connection"
        );
    })
    .await;
}

#[zokio::test]
async fn pooled_client_by_host_name_on_current_thread() {
    within(Duration::from_secs(20), async {
        let (addr, accepts) = counting_server().await;
        let client = Client::builder(HyperExecutor)
            .pool_timer(HyperTimer)
            .build::<_, Empty<Bytes>>(ZokioConnector::new());
        // "localhost" goes through the resolver on the blocking pool.
        for _ in 0..3 {
            let (status, text) =
                get_text(&client, format!("http://localhost:{}/name", addr.port())).await;
            assert_eq!(status, 200);
            assert_eq!(text, "hello /name HTTP/1.1");
        }
        assert_eq!(accepts.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_http2_client_multiplexes_concurrent_requests_on_one_connection() {
    within(Duration::from_secs(20), async {
        let (addr, accepts) = counting_server().await;
        let client = Client::builder(HyperExecutor)
            .pool_timer(HyperTimer)
            .timer(HyperTimer)
            .http2_only(true)
            .build::<_, Empty<Bytes>>(ZokioConnector::new());
        // One request first, so the pool holds the HTTP/2 connection the
        // concurrent ones then share.
        let (_, text) = get_text(&client, format!("http://{addr}/first")).await;
        assert_eq!(text, "hello /first HTTP/2.0");
        let mut tasks = Vec::new();
        for i in 0..20 {
            let client = client.clone();
            tasks.push(zokio::spawn(async move {
                get_text(&client, format!("http://{addr}/c{i}")).await
            }));
        }
        for (i, task) in tasks.into_iter().enumerate() {
            let (status, text) = task.await.unwrap();
            assert_eq!(status, 200);
            assert_eq!(text, format!("hello /c{i} HTTP/2.0"));
        }
        assert_eq!(accepts.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[zokio::test]
async fn connector_errors_are_io_errors() {
    within(Duration::from_secs(20), async {
        let mut connector = ZokioConnector::new();
        // A port nothing listens on: bind one, note it, close it.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let refused = connector
            .call(format!("http://127.0.0.1:{port}/").parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        let no_host = connector
            .call("/just/a/path".parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(no_host.kind(), std::io::ErrorKind::InvalidInput);
        assert!(no_host.to_string().contains("no host"), "{no_host}");

        // The client surfaces the connector's error, and keeps working.
        let client = Client::builder(HyperExecutor).build::<_, Empty<Bytes>>(connector);
        let e = client
            .get(format!("http://127.0.0.1:{port}/").parse().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_connect(), "{e:?}");
    })
    .await;
}
