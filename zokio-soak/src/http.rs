//! HTTP/1 over hyper on Zokio's sockets: a server with three routes, and a
//! load of requests on keep-alive connections and on new ones.
//!
//! `GET /hello/{id}` answers `hello {id}`, `POST /echo` answers its body,
//! `GET /big` answers 1 MiB (for the client that stops reading). Each
//! request's answer names what was asked, so a crossed answer is caught.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use zokio::compat::hyper::{HyperIo, HyperTimer};
use zokio::net::{TcpListener, TcpStream};
use zokio::sync::CancellationToken;

use crate::Breakage;
use crate::ledger::{self, Ledger};

pub const BIG: usize = 1 << 20;

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = req.uri().path().to_owned();
    let body = if let Some(id) = path.strip_prefix("/hello/") {
        Bytes::from(format!("hello {id}"))
    } else if path == "/echo" {
        req.into_body().collect().await?.to_bytes()
    } else if path == "/big" {
        Bytes::from(vec![b'b'; BIG])
    } else {
        Bytes::from_static(b"not found")
    };
    Ok(Response::new(Full::new(body)))
}

/// Accepts until `stop`, then lets each connection finish its request in
/// flight (hyper's graceful shutdown, bounded).
pub async fn serve(listener: TcpListener, ledger: Arc<Ledger>, stop: CancellationToken) {
    loop {
        let accepted = zokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors (the fd-limit fault): wait for some.
                ledger.accept_errors.io_failed("accept", &e, false);
                zokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let stop = stop.clone();
        ledger::spawn(&ledger, async move {
            let service = hyper::service::service_fn(route);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer)
                .header_read_timeout(Duration::from_secs(5))
                .serve_connection(HyperIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            zokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = zokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        });
    }
}

/// A connection's request sender, its driver spawned.
async fn connect(
    ledger: &Arc<Ledger>,
    addr: SocketAddr,
) -> std::io::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    ledger::spawn(ledger, async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request, checked: a GET whose answer must name `id`, or a POST of
/// `len` bytes that must come back intact.
async fn request(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    id: u64,
    post: Option<usize>,
) -> Result<(), String> {
    let (req, expected) = match post {
        None => (
            Request::get(format!("/hello/{id}")).body(Full::new(Bytes::new())),
            Bytes::from(format!("hello {id}")),
        ),
        Some(len) => {
            let body = Bytes::from((0..len).map(|i| (i as u64 ^ id) as u8).collect::<Vec<_>>());
            (Request::post("/echo").body(Full::new(body.clone())), body)
        }
    };
    let req = req.map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| format!("ready: {e}"))?;
    let response = sender
        .send_request(req)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    if body != expected {
        return Err(format!(
            "request {id}: a different answer ({} bytes)",
            body.len()
        ));
    }
    Ok(())
}

/// Requests at a fixed rate until `stop`: most on `keep_alive` long-lived
/// connections (reconnecting when one fails), every `new_every`-th on a
/// connection of its own.
pub async fn load(
    ledger: Arc<Ledger>,
    addr: SocketAddr,
    stop: CancellationToken,
    seed: u64,
    per_second: u32,
    breakage: Option<Breakage>,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut connections: Vec<Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>> =
        (0..4).map(|_| None).collect();
    let mut ticker = zokio::time::interval(Duration::from_secs(1) / per_second);
    let mut id = 0u64;
    let mut in_flight = zokio::task::JoinSet::new();
    loop {
        zokio::select! {
            _ = stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        while in_flight.try_join_next().is_some() {}
        id += 1;
        ledger.http.started.inc();
        if breakage == Some(Breakage::Leak) {
            // The deliberate defect: memory kept per request.
            std::mem::forget(std::hint::black_box(Arc::new([1u8; 1024])));
        }
        let post = rng.u8(..) < 64;
        let post = post.then(|| rng.usize(..64 << 10));
        if id % 8 == 0 {
            let ledger2 = ledger.clone();
            ledger::spawn_in(&ledger, &mut in_flight, async move {
                let outcome = match connect(&ledger2, addr).await {
                    Ok(mut sender) => request(&mut sender, id, post).await,
                    Err(e) => {
                        ledger2.http.io_failed("connect", &e, ledger2.is_stopping());
                        return;
                    }
                };
                record(&ledger2, outcome);
            });
            continue;
        }
        let slot = rng.usize(..connections.len());
        let mut sender = match connections[slot].take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => match connect(&ledger, addr).await {
                Ok(sender) => sender,
                Err(e) => {
                    ledger.http.io_failed("connect", &e, ledger.is_stopping());
                    continue;
                }
            },
        };
        let outcome = zokio::time::timeout(Duration::from_secs(10), request(&mut sender, id, post))
            .await
            .unwrap_or_else(|_| Err(format!("request {id}: no answer in 10 s")));
        if outcome.is_ok() {
            connections[slot] = Some(sender);
        }
        record(&ledger, outcome);
    }
    while in_flight.join_next().await.is_some() {}
}

fn record(ledger: &Ledger, outcome: Result<(), String>) {
    match outcome {
        Ok(()) => ledger.http.ok.inc(),
        // Only the fd-limit fault or the stop make a request fail.
        Err(e) => {
            let expected = ledger.is_stopping() || e.contains("Too many open files");
            ledger.http.failed("request", &e, expected);
        }
    }
}

/// The client that stops reading: asks for 1 MiB, reads nothing for
/// `stall`, then goes away. The server must neither block other
/// connections nor buffer the answer without bound.
pub async fn stalled_reader(addr: SocketAddr, stall: Duration) -> std::io::Result<()> {
    use zokio::io::AsyncWriteExt;
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /big HTTP/1.1\r\nhost: soak\r\n\r\n")
        .await?;
    zokio::time::sleep(stall).await;
    Ok(())
}

/// A request cut off by a reset: half the headers, then `SO_LINGER` 0 and
/// close (an RST, not a FIN).
pub async fn reset_mid_request(addr: SocketAddr) -> std::io::Result<()> {
    use zokio::io::AsyncWriteExt;
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\ncontent-length: 100\r\n\r\nhalf")
        .await?;
    stream.set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}
