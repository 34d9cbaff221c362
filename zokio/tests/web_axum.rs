//! axum 0.8 on Zokio through `zokio::compat::hyper::serve`, over loopback:
//! JSON in and out, path/query/state/connect-info extractors, 404 and 422,
//! a route sleeping on Zokio's timer, HTTP/1 and HTTP/2, and the three ways
//! to hand axum to `serve` (the `Router` itself, `into_make_service`,
//! `into_make_service_with_connect_info`). No Tokio runtime runs (the
//! client is hyper-util's pooled one on `ZokioConnector`).
//!
//! In web_bridge.rs, since they need the `tokio-rt` bridge: tower-http's `TimeoutLayer`
//! (its timer is `tokio::time::sleep`) and WebSocket upgrades (axum's
//! `WebSocketUpgrade` runs the socket with `tokio::spawn` over `TokioIo`).
#![cfg(all(feature = "hyper-client", not(loom)))]

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use serde::{Deserialize, Serialize};
use zokio::compat::hyper::{HyperExecutor, HyperTimer, ZokioConnector, serve};
use zokio::net::TcpListener;

mod support {
    pub mod within;
}
use support::within::within;

#[derive(Clone, Default)]
struct AppState {
    counter: Arc<AtomicU64>,
}

#[derive(Deserialize)]
struct AddItem {
    name: String,
    quantity: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Item {
    id: u64,
    name: String,
    quantity: u32,
}

#[derive(Deserialize)]
struct Greeting {
    name: Option<String>,
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "root" }))
        .route(
            "/items",
            post(
                |State(state): State<AppState>, Json(add): Json<AddItem>| async move {
                    let id = state.counter.fetch_add(1, Ordering::SeqCst) + 1;
                    (
                        StatusCode::CREATED,
                        Json(Item {
                            id,
                            name: add.name,
                            quantity: add.quantity,
                        }),
                    )
                },
            ),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<u64>| async move {
                Json(Item {
                    id,
                    name: format!("item-{id}"),
                    quantity: 1,
                })
            }),
        )
        .route(
            "/hello",
            get(|Query(q): Query<Greeting>| async move {
                format!("hello {}", q.name.as_deref().unwrap_or("world"))
            }),
        )
        .route(
            "/sleep/{ms}",
            get(|Path(ms): Path<u64>| async move {
                zokio::time::sleep(Duration::from_millis(ms)).await;
                format!("slept {ms} ms")
            }),
        )
        .with_state(AppState::default())
}

type TestClient = Client<ZokioConnector, Full<Bytes>>;

fn client(http2: bool) -> TestClient {
    Client::builder(HyperExecutor)
        .pool_timer(HyperTimer)
        .timer(HyperTimer)
        .http2_only(http2)
        .build(ZokioConnector::new())
}

async fn send(
    client: &TestClient,
    method: Method,
    uri: String,
    json: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if json.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = Full::new(Bytes::from(json.unwrap_or("").to_owned()));
    let response = client.request(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Runs every route check against a server at `addr`.
async fn exercise(addr: SocketAddr, http2: bool) {
    let client = client(http2);
    let base = format!("http://{addr}");

    assert_eq!(
        send(&client, Method::GET, format!("{base}/"), None).await,
        (StatusCode::OK, "root".into())
    );

    let (status, body) = send(
        &client,
        Method::POST,
        format!("{base}/items"),
        Some(r#"{"name":"apple","quantity":3}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let item: Item = serde_json::from_str(&body).unwrap();
    assert_eq!(item.name, "apple");
    assert_eq!(item.quantity, 3);
    // Shared state: the second POST gets the next id.
    let (_, body) = send(
        &client,
        Method::POST,
        format!("{base}/items"),
        Some(r#"{"name":"pear","quantity":1}"#),
    )
    .await;
    let second: Item = serde_json::from_str(&body).unwrap();
    assert_eq!(second.id, item.id + 1);

    let (status, body) = send(&client, Method::GET, format!("{base}/items/42"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Item>(&body).unwrap(),
        Item {
            id: 42,
            name: "item-42".into(),
            quantity: 1
        }
    );

    assert_eq!(
        send(
            &client,
            Method::GET,
            format!("{base}/hello?name=zokio"),
            None
        )
        .await,
        (StatusCode::OK, "hello zokio".into())
    );
    assert_eq!(
        send(&client, Method::GET, format!("{base}/hello"), None).await,
        (StatusCode::OK, "hello world".into())
    );

    // No such route, and a path that does not parse as the route's type.
    let (status, _) = send(&client, Method::GET, format!("{base}/nowhere"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&client, Method::GET, format!("{base}/items/abc"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Well-formed JSON of the wrong shape is 422; broken JSON is 400.
    let (status, body) = send(
        &client,
        Method::POST,
        format!("{base}/items"),
        Some(r#"{"name":"apple","quantity":"three"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = send(
        &client,
        Method::POST,
        format!("{base}/items"),
        Some(r#"{"name":"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A method the route does not have.
    let (status, _) = send(&client, Method::DELETE, format!("{base}/items"), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // A handler sleeping on Zokio's timer, several at once.
    let started = std::time::Instant::now();
    let sleeps: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            let uri = format!("{base}/sleep/100");
            zokio::spawn(async move { send(&client, Method::GET, uri, None).await })
        })
        .collect();
    for sleep in sleeps {
        assert_eq!(
            sleep.await.unwrap(),
            (StatusCode::OK, "slept 100 ms".into())
        );
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(
        took < Duration::from_secs(2),
        "the sleeps overlapped: {took:?}"
    );
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_serves_directly_over_http1() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(serve(listener, app()).into_future());
        exercise(addr, false).await;
    })
    .await;
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_serves_http2_prior_knowledge() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(serve(listener, app().into_make_service()).into_future());
        exercise(addr, true).await;
    })
    .await;
}

#[zokio::test]
async fn connect_info_gives_the_peer_address() {
    within(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
        zokio::spawn(
            serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .into_future(),
        );
        // A raw connection, so the test knows the client's own address.
        let stream = zokio::net::TcpStream::connect(addr).await.unwrap();
        let local = stream.local_addr().unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(zokio::compat::hyper::HyperIo::new(stream))
                .await
                .unwrap();
        zokio::spawn(conn);
        let request = Request::get(format!("http://{addr}/peer"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, local.to_string());
    })
    .await;
}
