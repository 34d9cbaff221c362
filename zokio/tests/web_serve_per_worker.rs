//! `Server::serve_per_worker` on the thread-per-core runtime, over loopback:
//! every worker accepts and serves its own connections (the kernel spreads
//! them over the `SO_REUSEPORT` listeners), on the workers' io_uring when
//! `Server::io_uring` is on (keep-alive requests, a large body, HTTP/2), one
//! graceful shutdown stops every worker, and what cannot work is an error:
//! no listener, or a runtime of another flavor. Tokio has no server helper
//! to port tests from.
#![cfg(all(feature = "hyper", not(loom)))]

mod support {
    pub mod tpc;
    pub mod watchdog;
}

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::future::IntoFuture;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use support::tpc::rt;
use support::watchdog::Watchdog;
use zokio::compat::hyper::{HyperExecutor, HyperIo, Server};
use zokio::net::bind_per_worker;
use zokio::runtime::{Builder, Runtime};

/// Answers with the worker that served the request, and echoes a POST's
/// body after it.
fn worker_and_echo() -> impl tower::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = hyper::Error,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(|req: Request<Incoming>| async move {
        let worker = zokio::runtime::current_worker().map_or(-1, |w| w as i64);
        let body = req.into_body().collect().await?.to_bytes();
        let mut answer = format!("worker {worker}\n").into_bytes();
        answer.extend_from_slice(&body);
        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(answer))))
    })
}

/// Starts the per-worker server on `rt` and returns its address, the stop
/// signal and the server's task.
fn start(
    rt: &Runtime,
    server: Server,
) -> (
    SocketAddr,
    zokio::sync::oneshot::Sender<()>,
    zokio::task::JoinHandle<io::Result<()>>,
) {
    rt.block_on(async move {
        let listeners = bind_per_worker("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = listeners[0].local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let task = zokio::spawn(
            server
                .serve_per_worker(listeners, worker_and_echo())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        (addr, stop, task)
    })
}

/// Sends one HTTP/1.1 request on `stream` and reads its response's body.
fn request(stream: &mut BufReader<std::net::TcpStream>, body: &[u8]) -> String {
    let head = format!(
        "POST / HTTP/1.1\r\nhost: test\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let socket = stream.get_mut();
    socket.write_all(head.as_bytes()).unwrap();
    socket.write_all(body).unwrap();
    let mut status = String::new();
    stream.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
    let mut length = None;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = Some(v.trim().parse::<usize>().unwrap());
        }
    }
    let mut answer = vec![0; length.expect("a content-length")];
    stream.read_exact(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

/// A work-stealing runtime of two workers, for what differs there.
fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn connect(addr: SocketAddr) -> BufReader<std::net::TcpStream> {
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

/// Sources registered with the workers' reactors, summed.
fn reactor_sources(rt: &Runtime) -> usize {
    (0..2)
        .map(|w| {
            let sources = rt.handle().spawn_on(w, async {
                let metrics = zokio::runtime::Handle::current().metrics();
                metrics.io().expect("I/O on").sources
            });
            rt.block_on(sources.unwrap()).unwrap()
        })
        .sum()
}

fn spread_and_served(ring: bool) {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let before = reactor_sources(&rt);
    let (addr, stop, task) = start(&rt, Server::new().io_uring(ring));
    let mut workers = BTreeSet::new();
    let mut open = Vec::new();
    // 64 connections: the kernel's hash leaves one listener without any
    // with odds of 2^-63.
    for _ in 0..64 {
        let mut stream = connect(addr);
        // Keep-alive: three requests on the connection, all on one worker.
        let first = request(&mut stream, b"one");
        let worker = first.lines().next().unwrap().to_owned();
        assert_eq!(first, format!("{worker}\none"));
        assert_eq!(request(&mut stream, b"two"), format!("{worker}\ntwo"));
        assert_eq!(request(&mut stream, b""), format!("{worker}\n"));
        workers.insert(worker);
        open.push(stream);
    }
    // Each open connection is a reactor source, unless it was moved onto
    // its worker's ring (only the two listeners are then).
    let sources = reactor_sources(&rt) - before;
    match ring {
        true => assert!(sources < 32, "{sources} sources: the ring serves none"),
        false => assert!(sources > 32, "{sources} sources for 64 connections"),
    }
    drop(open);
    assert_eq!(
        workers,
        BTreeSet::from(["worker 0".to_owned(), "worker 1".to_owned()]),
        "every worker serves connections"
    );
    // A body many times one receive, through and back.
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| b'a' + (i % 26) as u8).collect();
    let mut stream = connect(addr);
    let answer = request(&mut stream, &big);
    let (worker, echoed) = answer.split_once('\n').unwrap();
    assert!(worker.starts_with("worker "), "{worker}");
    assert!(
        echoed.as_bytes() == &big[..],
        "the 3 MiB body came back whole"
    );
    drop(stream);
    stop.send(()).unwrap();
    rt.block_on(task).unwrap().unwrap();
}

#[test]
fn every_worker_serves_its_own_connections_on_its_reactor() {
    spread_and_served(false);
}

#[test]
fn every_worker_serves_its_own_connections_on_its_io_uring() {
    spread_and_served(true);
}

#[test]
fn http2_is_served_on_the_io_uring() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let (addr, stop, task) = start(&rt, Server::new().io_uring(true));
    let client = Builder::new_current_thread().enable_all().build().unwrap();
    client.block_on(async {
        for _ in 0..8 {
            let stream = zokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(HyperExecutor, HyperIo::new(stream))
                    .await
                    .unwrap();
            zokio::spawn(async move {
                let _ = conn.await;
            });
            // Streams at once on the connection.
            let calls: Vec<_> = (0..4)
                .map(|i| {
                    let request = Request::post("http://test/")
                        .body(Full::new(Bytes::from(format!("stream {i}"))))
                        .unwrap();
                    sender.send_request(request)
                })
                .collect();
            for (i, call) in calls.into_iter().enumerate() {
                let response = call.await.unwrap();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                let body = String::from_utf8(body.to_vec()).unwrap();
                assert!(body.ends_with(&format!("\nstream {i}")), "{body:?}");
            }
        }
    });
    // The client's connection tasks end with its runtime: an HTTP/2
    // connection left open would hold the graceful shutdown (it waits for
    // the peer to acknowledge the GOAWAY) up to its timeout.
    drop(client);
    stop.send(()).unwrap();
    rt.block_on(task).unwrap().unwrap();
}

#[test]
fn one_graceful_shutdown_stops_every_worker() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let (addr, stop, task) = start(&rt, Server::new().io_uring(true));
    // Open connections on both workers, idle between requests.
    let mut open: Vec<_> = (0..16).map(|_| connect(addr)).collect();
    for stream in &mut open {
        assert!(request(stream, b"").starts_with("worker "));
    }
    stop.send(()).unwrap();
    rt.block_on(task).unwrap().unwrap();
    // Idle keep-alive connections were closed, and nothing listens.
    for stream in &mut open {
        let mut rest = Vec::new();
        assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
    }
    let refused = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn no_listener_or_another_flavor_is_an_error() {
    let _dog = Watchdog::start();
    let service = tower::service_fn(|_req: Request<Incoming>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    });
    let tpc = rt(2);
    let e = tpc
        .block_on(
            Server::new()
                .serve_per_worker(Vec::new(), service)
                .into_future(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");

    let mt = multi_thread();
    let e = mt
        .block_on(async move {
            let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let result = Server::new()
                .serve_per_worker(vec![listener], service)
                .into_future()
                .await;
            // The listener was dropped with the failed server.
            let refused = zokio::net::TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
            result
        })
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
}

#[test]
fn io_uring_on_another_flavor_serves_on_the_reactor() {
    let _dog = Watchdog::start();
    let mt = multi_thread();
    let (addr, stop, task) = mt.block_on(async {
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = zokio::sync::oneshot::channel::<()>();
        let task = zokio::spawn(
            Server::new()
                .io_uring(true)
                .serve(listener, worker_and_echo())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .into_future(),
        );
        (addr, stop, task)
    });
    let mut stream = connect(addr);
    assert!(request(&mut stream, b"hi").ends_with("\nhi"));
    drop(stream);
    stop.send(()).unwrap();
    mt.block_on(task).unwrap().unwrap();
}
