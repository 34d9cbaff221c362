//! An axum 0.8 app on Zokio: JSON routes over shared state, a route that
//! sleeps on Zokio's timer, graceful shutdown on Ctrl-C (`zokio::signal`),
//! served by `zokio::compat::hyper::serve` (HTTP/1 and HTTP/2). No Tokio
//! runtime runs.
//!
//! `cargo run -p zokio --features hyper-client --example axum_app` serves on
//! `127.0.0.1:3000` (or the address given) until Ctrl-C; then try
//! `curl -d '{"title":"write docs"}' -H 'content-type: application/json' 127.0.0.1:3000/todos`,
//! `curl 127.0.0.1:3000/todos` and `curl '127.0.0.1:3000/slow?ms=500'`.
//!
//! `... --example axum_app -- --self-test` serves on a free loopback port,
//! makes its own requests (with hyper-util's pooled client on Zokio's
//! connector), shuts down gracefully while a slow request is in flight,
//! checks that it still completed, and exits 0.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use serde::{Deserialize, Serialize};
use zokio::compat::hyper::{HyperExecutor, HyperTimer, ZokioConnector, serve};
use zokio::net::TcpListener;

#[derive(Clone, Serialize, Deserialize, Debug, PartialEq)]
struct Todo {
    id: u64,
    title: String,
    done: bool,
}

#[derive(Deserialize)]
struct NewTodo {
    title: String,
}

#[derive(Default)]
struct Todos {
    next_id: u64,
    items: Vec<Todo>,
}

#[derive(Clone, Default)]
struct AppState {
    todos: Arc<Mutex<Todos>>,
}

#[derive(Deserialize)]
struct SlowParams {
    ms: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct Slept {
    slept_ms: u64,
}

fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { "zokio axum_app: try /todos and /slow?ms=200\n" }),
        )
        .route("/todos", get(list_todos).post(create_todo))
        .route("/todos/{id}", get(get_todo))
        .route("/slow", get(slow))
        .with_state(state)
}

async fn list_todos(State(state): State<AppState>) -> Json<Vec<Todo>> {
    Json(
        state
            .todos
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .items
            .clone(),
    )
}

async fn create_todo(
    State(state): State<AppState>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), (StatusCode, String)> {
    if new.title.trim().is_empty() {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "a todo needs a title\n".into(),
        ));
    }
    let mut todos = state.todos.lock().unwrap_or_else(|e| e.into_inner());
    todos.next_id += 1;
    let todo = Todo {
        id: todos.next_id,
        title: new.title,
        done: false,
    };
    todos.items.push(todo.clone());
    Ok((StatusCode::CREATED, Json(todo)))
}

async fn get_todo(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<Todo>, StatusCode> {
    let todos = state.todos.lock().unwrap_or_else(|e| e.into_inner());
    todos
        .items
        .iter()
        .find(|t| t.id == id)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

/// Sleeps on Zokio's timer (at most 10 s), as a slow backend call would.
async fn slow(Query(params): Query<SlowParams>) -> Json<Slept> {
    let ms = params.ms.unwrap_or(100).min(10_000);
    zokio::time::sleep(Duration::from_millis(ms)).await;
    Json(Slept { slept_ms: ms })
}

async fn run_server(addr: String) -> Result<(), String> {
    let listener = TcpListener::bind(&*addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("axum_app: listening on http://{local} (Ctrl-C shuts down gracefully)");
    serve(listener, app(AppState::default()))
        .with_graceful_shutdown(async {
            let _ = zokio::signal::ctrl_c().await;
            println!("axum_app: Ctrl-C, finishing in-flight requests");
        })
        .await
        .map_err(|e| e.to_string())?;
    println!("axum_app: stopped");
    Ok(())
}

type HttpClient = Client<ZokioConnector, Full<Bytes>>;

async fn call(
    client: &HttpClient,
    method: &str,
    uri: String,
    json: Option<&str>,
) -> Result<(StatusCode, String), String> {
    let mut request = hyper::Request::builder().method(method).uri(&uri);
    if json.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(json.unwrap_or("").to_owned())))
        .map_err(|e| e.to_string())?;
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{method} {uri}: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{method} {uri}: body: {e}"))?
        .to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    println!("axum_app: {method} {uri} -> {status} {}", body.trim_end());
    Ok((status, body))
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("self-test failed: {what}"))
    }
}

async fn self_test() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
    let server = zokio::spawn(
        serve(listener, app(AppState::default()))
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let client: HttpClient = Client::builder(HyperExecutor)
        .pool_timer(HyperTimer)
        .timer(HyperTimer)
        .build(ZokioConnector::new());
    let base = format!("http://{addr}");

    let (status, body) = call(
        &client,
        "POST",
        format!("{base}/todos"),
        Some(r#"{"title":"try zokio"}"#),
    )
    .await?;
    check(status == StatusCode::CREATED, "POST /todos is 201")?;
    let todo: Todo = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    check(todo.title == "try zokio" && !todo.done, "the created todo")?;

    let (status, body) = call(&client, "GET", format!("{base}/todos"), None).await?;
    let list: Vec<Todo> = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    check(
        status == StatusCode::OK && list == [todo.clone()],
        "GET /todos lists it",
    )?;

    let (status, _) = call(&client, "GET", format!("{base}/todos/{}", todo.id), None).await?;
    check(status == StatusCode::OK, "GET /todos/{id}")?;
    let (status, _) = call(&client, "GET", format!("{base}/todos/999"), None).await?;
    check(status == StatusCode::NOT_FOUND, "an unknown todo is 404")?;
    let (status, _) = call(
        &client,
        "POST",
        format!("{base}/todos"),
        Some(r#"{"title":""}"#),
    )
    .await?;
    check(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "an empty title is 422",
    )?;

    // Shut down while a slow request is in flight: it still completes.
    let slow_client = client.clone();
    let slow = zokio::spawn(async move {
        call(&slow_client, "GET", format!("{base}/slow?ms=300"), None).await
    });
    zokio::time::sleep(Duration::from_millis(50)).await;
    println!("axum_app: shutting down with /slow in flight");
    let _ = stop.send(());
    let (status, body) = slow.await.map_err(|e| e.to_string())??;
    let slept: Slept = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    check(
        status == StatusCode::OK && slept.slept_ms == 300,
        "the in-flight /slow finished",
    )?;
    server
        .await
        .map_err(|e| format!("server task: {e}"))?
        .map_err(|e| format!("server: {e}"))?;
    check(
        zokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown",
    )?;
    println!("axum_app: self-test passed");
    Ok(())
}

fn main() {
    let arg = std::env::args().nth(1);
    let result = zokio::run(async move {
        match arg.as_deref() {
            Some("--self-test") => zokio::time::timeout(Duration::from_secs(30), self_test())
                .await
                .unwrap_or_else(|_| Err("the self-test took over 30 s".into())),
            other => run_server(other.unwrap_or("127.0.0.1:3000").to_owned()).await,
        }
    });
    if let Err(e) = result {
        eprintln!("axum_app: {e}");
        std::process::exit(1);
    }
}
