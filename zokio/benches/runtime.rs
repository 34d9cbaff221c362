//! Whole-runtime workloads, Zokio's default runtime beside tokio's
//! multi-thread runtime and async-executor (with async-io, as smol runs it),
//! two workers each:
//!
//! - `mixed_service`: clients fan requests out round-robin to four service
//!   tasks, each behind its own bounded queue, and await each reply (a web
//!   server's shape, minus the socket). Each runtime uses the channels its
//!   users would: Zokio's and Tokio's `sync::{mpsc, oneshot}`, async-channel
//!   on async-executor;
//! - `tcp_echo_c{1,16,256}_{64,4096}B`: loopback echo, server and client on the
//!   runtime under test, in requests per second (at least 40,000 requests and
//!   1,000 round trips per connection);
//!   On the c16 and c256 rows thread-per-core candidates join them in
//!   one shape: Zokio's thread-per-core flavor (its `LocalTcpStream`s on
//!   each worker's io_uring, with owned buffers as monoio's users write it,
//!   and `zokio tpc futures-io` through futures-io's traits) and monoio
//!   (io_uring driver, one runtime per thread), two threads, each with its
//!   own listener and half the clients, all on that thread; on the c256 rows `zokio-dump` is
//!   Zokio's runtime with task dumps and the stall watchdog on;
//! - `http_hello_wrk`: a hyper hello-world server on each runtime (and on
//!   Zokio's thread-per-core flavor, one `SO_REUSEPORT` listener per
//!   worker), loaded by
//!   `wrk` (skipped with a message if `wrk` is not installed);
//! - `park_unpark_round_trip`: a thread outside the runtime hands it a task
//!   and waits for it, over and over, so each round trip wakes a worker
//!   parked in its driver and parks it again. Zokio runs it on a runtime
//!   assembled from the concrete stack (`Runtime<MultiThread<TimeDriver<IoDriver>>>`,
//!   parked with direct calls) beside its default runtime (the same stack
//!   behind the builder's run-time choice) and tokio.
//!
//! The other workloads use the same runtime-agnostic channel (async-channel)
//! everywhere, so only the runtimes differ.
//!
//! `cargo bench -p zokio --bench runtime [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use zokio_bench::{Better, Runner};

const WORKERS: usize = 2;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a workload needs from a runtime.
trait Rt {
    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T;
}

struct Zokio(zokio::Runtime);
impl Rt for Zokio {
    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T {
        self.0.block_on(self.0.spawn(f)).expect("task")
    }
}

struct Tokio(tokio::runtime::Runtime);
impl Rt for Tokio {
    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T {
        self.0.block_on(self.0.spawn(f)).expect("task")
    }
}

struct Smol {
    ex: Arc<async_executor::Executor<'static>>,
    _stop: async_channel::Sender<()>,
}
impl Smol {
    fn new() -> Smol {
        let ex = Arc::new(async_executor::Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        for _ in 0..WORKERS {
            let (ex, stopped) = (ex.clone(), stopped.clone());
            std::thread::spawn(move || {
                let _ = futures_lite::future::block_on(ex.run(stopped.recv()));
            });
        }
        Smol { ex, _stop: stop }
    }
}
impl Rt for Smol {
    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T {
        futures_lite::future::block_on(self.ex.spawn(f))
    }
}

// ---- mixed_service ----

/// Service tasks the clients fan out to, each behind its own bounded queue.
const SERVICES: usize = 4;
/// Each service's queue bound.
const SERVICE_QUEUE: usize = 64;

/// `mixed_service` on a runtime whose users write it with Tokio's channel
/// API (`mpsc` queues to the services, a `oneshot` per reply): Zokio's
/// `zokio::sync` and Tokio's `tokio::sync` run the same code.
macro_rules! mixed_service_on {
    ($name:ident, $sync:path) => {
        fn $name(
            rt: &impl Rt,
            spawner: impl Fn(BoxFuture<()>) + Send + Sync + Clone + 'static,
            clients: usize,
            requests: usize,
        ) -> f64 {
            use $sync as sync;
            let start = Instant::now();
            rt.block_on(async move {
                let mut services = Vec::with_capacity(SERVICES);
                for _ in 0..SERVICES {
                    let (tx, mut rx) =
                        sync::mpsc::channel::<(u64, sync::oneshot::Sender<u64>)>(SERVICE_QUEUE);
                    spawner(Box::pin(async move {
                        while let Some((n, reply)) = rx.recv().await {
                            let _ = reply.send(n * 2);
                        }
                    }));
                    services.push(tx);
                }
                let (done_tx, mut done_rx) = sync::mpsc::unbounded_channel::<u64>();
                for c in 0..clients {
                    let (services, done_tx) = (services.clone(), done_tx.clone());
                    spawner(Box::pin(async move {
                        let mut sum = 0;
                        for r in 0..requests {
                            let (reply_tx, reply_rx) = sync::oneshot::channel();
                            services[(c + r) % SERVICES]
                                .send(((c * requests + r) as u64, reply_tx))
                                .await
                                .expect("service up");
                            sum += reply_rx.await.expect("reply");
                        }
                        let _ = done_tx.send(sum);
                    }));
                }
                drop(services);
                let mut total = 0;
                for _ in 0..clients {
                    total += done_rx.recv().await.expect("client done");
                }
                let n = (clients * requests) as u64;
                assert_eq!(total, n * (n - 1));
            });
            start.elapsed().as_secs_f64() * 1e3
        }
    };
}

mixed_service_on!(mixed_service_zokio, zokio::sync);
mixed_service_on!(mixed_service_tokio, tokio::sync);

/// `mixed_service` as smol's users write it: async-channel for the queues
/// and for each reply (a bounded(1) channel, smol having no oneshot).
fn mixed_service_smol(
    rt: &impl Rt,
    spawner: impl Fn(BoxFuture<()>) + Send + Sync + Clone + 'static,
    clients: usize,
    requests: usize,
) -> f64 {
    let start = Instant::now();
    rt.block_on(async move {
        let mut services = Vec::with_capacity(SERVICES);
        for _ in 0..SERVICES {
            let (tx, rx) =
                async_channel::bounded::<(u64, async_channel::Sender<u64>)>(SERVICE_QUEUE);
            spawner(Box::pin(async move {
                while let Ok((n, reply)) = rx.recv().await {
                    let _ = reply.try_send(n * 2);
                }
            }));
            services.push(tx);
        }
        let (done_tx, done_rx) = async_channel::unbounded::<u64>();
        for c in 0..clients {
            let (services, done_tx) = (services.clone(), done_tx.clone());
            spawner(Box::pin(async move {
                let mut sum = 0;
                for r in 0..requests {
                    let (reply_tx, reply_rx) = async_channel::bounded(1);
                    services[(c + r) % SERVICES]
                        .send(((c * requests + r) as u64, reply_tx))
                        .await
                        .expect("service up");
                    sum += reply_rx.recv().await.expect("reply");
                }
                let _ = done_tx.try_send(sum);
            }));
        }
        drop(services);
        let mut total = 0;
        for _ in 0..clients {
            total += done_rx.recv().await.expect("client done");
        }
        let n = (clients * requests) as u64;
        assert_eq!(total, n * (n - 1));
    });
    start.elapsed().as_secs_f64() * 1e3
}

// ---- park_unpark_round_trip ----

/// Nanoseconds per round trip: `n` times, spawn an empty task from this
/// thread (outside the runtime) and wait for it.
fn round_trips(n: usize, mut once: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        once();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Zokio assembled by hand from the concrete driver stack.
type ConcreteStack =
    zokio::Runtime<zokio_sched::MultiThread<zokio_time::TimeDriver<zokio_io::IoDriver>>>;

fn concrete_stack() -> ConcreteStack {
    let driver = zokio_time::TimeDriver::new(zokio_io::IoDriver::new().expect("reactor"));
    let layers = zokio::runtime::Layers {
        time: Some(driver.handle()),
        io: Some(driver.inner().handle()),
    };
    let config = zokio::runtime::SchedulerConfig {
        worker_threads: WORKERS,
        ..Default::default()
    };
    zokio::Runtime::multi_thread(driver, layers, config).expect("zokio runtime")
}

// ---- tcp echo ----

/// Echo round trips per second: `conns` clients, `total` requests of `size` bytes.
async fn echo_zokio(conns: usize, size: usize, total: usize) -> f64 {
    let listener = zokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    zokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            zokio::spawn(async move {
                let _ = s.set_nodelay(true);
                let mut buf = vec![0u8; size];
                while s.read_exact(&mut buf).await.is_ok() {
                    if s.write_all(&buf).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let per_conn = total / conns;
    // Every client connects first; the clock runs from when all are connected.
    let ready = Arc::new(async_lock::Barrier::new(conns + 1));
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            let ready = ready.clone();
            zokio::spawn(async move {
                let mut s = zokio::net::TcpStream::connect(addr).await.expect("connect");
                s.set_nodelay(true).expect("nodelay");
                let mut buf = vec![7u8; size];
                ready.wait().await;
                for _ in 0..per_conn {
                    s.write_all(&buf).await.expect("write");
                    s.read_exact(&mut buf).await.expect("read");
                }
            })
        })
        .collect();
    ready.wait().await;
    let start = Instant::now();
    for c in clients {
        c.await.expect("client");
    }
    (per_conn * conns) as f64 / start.elapsed().as_secs_f64()
}

async fn echo_tokio(conns: usize, size: usize, total: usize) -> f64 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = s.set_nodelay(true);
                let mut buf = vec![0u8; size];
                while s.read_exact(&mut buf).await.is_ok() {
                    if s.write_all(&buf).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let per_conn = total / conns;
    // Every client connects first; the clock runs from when all are connected.
    let ready = Arc::new(async_lock::Barrier::new(conns + 1));
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            let ready = ready.clone();
            tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
                s.set_nodelay(true).expect("nodelay");
                let mut buf = vec![7u8; size];
                ready.wait().await;
                for _ in 0..per_conn {
                    s.write_all(&buf).await.expect("write");
                    s.read_exact(&mut buf).await.expect("read");
                }
            })
        })
        .collect();
    ready.wait().await;
    let start = Instant::now();
    for c in clients {
        c.await.expect("client");
    }
    (per_conn * conns) as f64 / start.elapsed().as_secs_f64()
}

async fn echo_smol(
    ex: Arc<async_executor::Executor<'static>>,
    conns: usize,
    size: usize,
    total: usize,
) -> f64 {
    use async_io::Async;
    use std::net::{TcpListener, TcpStream};
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
    let addr = listener.get_ref().local_addr().expect("addr");
    let server_ex = ex.clone();
    ex.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            server_ex
                .spawn(async move {
                    let _ = s.get_ref().set_nodelay(true);
                    let mut buf = vec![0u8; size];
                    while s.read_exact(&mut buf).await.is_ok() {
                        if s.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                })
                .detach();
        }
    })
    .detach();
    let per_conn = total / conns;
    // Every client connects first; the clock runs from when all are connected.
    let ready = Arc::new(async_lock::Barrier::new(conns + 1));
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            let ready = ready.clone();
            ex.spawn(async move {
                let mut s = Async::<TcpStream>::connect(addr).await.expect("connect");
                s.get_ref().set_nodelay(true).expect("nodelay");
                let mut buf = vec![7u8; size];
                ready.wait().await;
                for _ in 0..per_conn {
                    s.write_all(&buf).await.expect("write");
                    s.read_exact(&mut buf).await.expect("read");
                }
            })
        })
        .collect();
    ready.wait().await;
    let start = Instant::now();
    for c in clients {
        c.await;
    }
    (per_conn * conns) as f64 / start.elapsed().as_secs_f64()
}

/// The thread-per-core shape: each worker gets its own listener and half
/// the clients, so a connection's both ends live on one worker. Each
/// connection is a `LocalTcpStream` on its worker's io_uring, the flavor's
/// socket type, in `spawn_local` tasks (the stream is `!Send`), moving
/// bytes with its owned-buffer reads and writes (the kernel reads and
/// writes the task's buffer, as monoio's do) or, with `owned` false,
/// through futures-io (each transfer copied through the stream's buffers).
#[cfg(target_os = "linux")]
async fn echo_zokio_tpc(conns: usize, size: usize, total: usize, owned: bool) -> f64 {
    use zokio::net::LocalTcpStream;
    use zokio::task::spawn_local;
    let handle = zokio::runtime::Handle::current();
    let per_conn = total / conns;
    let go = Arc::new(async_lock::Barrier::new(WORKERS + 1));
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let go = go.clone();
            let clients = conns / WORKERS + usize::from(w < conns % WORKERS);
            handle
                .spawn_on(w, async move {
                    spawn_local(async move {
                        let listener = zokio::net::TcpListener::bind("127.0.0.1:0")
                            .await
                            .expect("bind");
                        let addr = listener.local_addr().expect("addr");
                        spawn_local(async move {
                            while let Ok((s, _)) = listener.accept().await {
                                let _ = s.set_nodelay(true);
                                let s = LocalTcpStream::from_stream(s).expect("ring");
                                spawn_local(serve_tpc(s, size, owned));
                            }
                        });
                        let mut streams = Vec::with_capacity(clients);
                        for _ in 0..clients {
                            let s = LocalTcpStream::connect(addr).await.expect("connect");
                            s.set_nodelay(true).expect("nodelay");
                            streams.push(s);
                        }
                        go.wait().await;
                        let tasks: Vec<_> = streams
                            .into_iter()
                            .map(|s| spawn_local(call_tpc(s, size, per_conn, owned)))
                            .collect();
                        for t in tasks {
                            t.await.expect("client");
                        }
                    })
                    .await
                    .expect("worker")
                })
                .expect("worker")
        })
        .collect();
    go.wait().await;
    let start = Instant::now();
    for w in workers {
        w.await.expect("worker");
    }
    (per_conn * conns) as f64 / start.elapsed().as_secs_f64()
}

/// The echo server's side of one [`echo_zokio_tpc`] connection.
#[cfg(target_os = "linux")]
async fn serve_tpc(mut s: zokio::net::LocalTcpStream, size: usize, owned: bool) {
    let mut buf = vec![0u8; size];
    if !owned {
        while s.read_exact(&mut buf).await.is_ok() {
            if s.write_all(&buf).await.is_err() {
                break;
            }
        }
        return;
    }
    loop {
        let (r, b) = s.read_exact_owned(buf).await;
        if r.is_err() {
            break;
        }
        let (r, b) = s.write_all_owned(b).await;
        if r.is_err() {
            break;
        }
        buf = b;
    }
}

/// The client's side of one [`echo_zokio_tpc`] connection.
#[cfg(target_os = "linux")]
async fn call_tpc(mut s: zokio::net::LocalTcpStream, size: usize, trips: usize, owned: bool) {
    let mut buf = vec![7u8; size];
    for _ in 0..trips {
        if owned {
            let (r, b) = s.write_all_owned(buf).await;
            r.expect("write");
            let (r, b) = s.read_exact_owned(b).await;
            r.expect("read");
            buf = b;
        } else {
            s.write_all(&buf).await.expect("write");
            s.read_exact(&mut buf).await.expect("read");
        }
    }
}

/// monoio on its io_uring driver: one runtime per thread, jobs sent in.
#[cfg(target_os = "linux")]
struct Monoio {
    jobs: Vec<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

#[cfg(target_os = "linux")]
impl Monoio {
    fn new() -> Monoio {
        let jobs = (0..WORKERS)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
                std::thread::spawn(move || {
                    for job in rx {
                        job();
                    }
                });
                tx
            })
            .collect();
        Monoio { jobs }
    }

    /// The thread-per-core echo shape of [`echo_zokio_tpc`].
    fn echo(&self, conns: usize, size: usize, total: usize) -> f64 {
        let per_conn = total / conns;
        let go = Arc::new(std::sync::Barrier::new(WORKERS + 1));
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        for (w, jobs) in self.jobs.iter().enumerate() {
            let (go, done_tx) = (go.clone(), done_tx.clone());
            let clients = conns / WORKERS + usize::from(w < conns % WORKERS);
            let job = move || {
                let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                    .enable_timer()
                    .build()
                    .expect("monoio runtime");
                rt.block_on(monoio_echo_thread(clients, size, per_conn, go));
                done_tx.send(()).expect("done");
            };
            jobs.send(Box::new(job)).expect("monoio thread");
        }
        go.wait();
        let start = Instant::now();
        for _ in 0..WORKERS {
            done_rx.recv().expect("monoio done");
        }
        (per_conn * conns) as f64 / start.elapsed().as_secs_f64()
    }
}

#[cfg(target_os = "linux")]
async fn monoio_echo_thread(
    clients: usize,
    size: usize,
    per_conn: usize,
    go: Arc<std::sync::Barrier>,
) {
    use monoio::io::{AsyncReadRentExt, AsyncWriteRentExt};
    use std::cell::Cell;
    use std::rc::Rc;
    let listener = monoio::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Rc::new(Cell::new(0usize));
    let counted = accepted.clone();
    monoio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counted.set(counted.get() + 1);
            monoio::spawn(async move {
                let _ = s.set_nodelay(true);
                let mut buf = vec![0u8; size];
                loop {
                    let (r, b) = s.read_exact(buf).await;
                    if r.is_err() {
                        break;
                    }
                    let (r, b) = s.write_all(b).await;
                    if r.is_err() {
                        break;
                    }
                    buf = b;
                }
            });
        }
    });
    let mut streams = Vec::with_capacity(clients);
    for _ in 0..clients {
        let s = monoio::net::TcpStream::connect(addr)
            .await
            .expect("connect");
        s.set_nodelay(true).expect("nodelay");
        streams.push(s);
    }
    // Every connection accepted (its server task spawned) before the clock.
    while accepted.get() < clients {
        monoio::time::sleep(std::time::Duration::from_micros(100)).await;
    }
    go.wait();
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|mut s| {
            monoio::spawn(async move {
                let mut buf = vec![7u8; size];
                for _ in 0..per_conn {
                    let (r, b) = s.write_all(buf).await;
                    r.expect("write");
                    let (r, b) = s.read_exact(b).await;
                    r.expect("read");
                    buf = b;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await;
    }
}

// ---- http under wrk ----

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

/// Requests per second `wrk` reaches against `addr` in `seconds`.
fn wrk(addr: SocketAddr, seconds: u32) -> f64 {
    let out = std::process::Command::new("wrk")
        .args([
            "-t1",
            "-c64",
            &format!("-d{seconds}s"),
            &format!("http://{addr}/"),
        ])
        .output();
    let Ok(out) = out else { return f64::NAN };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// The hello server on the thread-per-core flavor: one `SO_REUSEPORT`
/// listener per worker, each serving its connections there, on the
/// worker's io_uring (`LocalTcpStream`, `!Send`, so `spawn_local`).
fn http_server_tpc(rt: &Zokio) -> SocketAddr {
    rt.block_on(async {
        let listeners = zokio::net::bind_per_worker(([127, 0, 0, 1], 0).into())
            .await
            .expect("bind");
        let addr = listeners[0].local_addr().expect("addr");
        let handle = zokio::runtime::Handle::current();
        for (w, l) in listeners.into_iter().enumerate() {
            let serve = async move {
                while let Ok((s, _)) = l.accept().await {
                    let _ = s.set_nodelay(true);
                    let s = zokio::net::LocalTcpStream::from_stream(s).expect("ring");
                    zokio::task::spawn_local(async move {
                        let io = zokio::compat::hyper::HyperIo::new(s);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service_fn(hello))
                            .await;
                    });
                }
            };
            drop(
                handle
                    .spawn_on(w, async move { drop(zokio::task::spawn_local(serve)) })
                    .expect("worker"),
            );
        }
        addr
    })
}

fn http_servers(zokio_rt: &Zokio, tokio_rt: &Tokio, smol: &Smol) -> [SocketAddr; 3] {
    let z = zokio_rt.block_on(async {
        let l = zokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        zokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let _ = s.set_nodelay(true);
                zokio::spawn(async move {
                    let io = zokio::compat::hyper::HyperIo::new(s);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service_fn(hello))
                        .await;
                });
            }
        });
        addr
    });
    let t = tokio_rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let _ = s.set_nodelay(true);
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(s);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service_fn(hello))
                        .await;
                });
            }
        });
        addr
    });
    let ex = smol.ex.clone();
    let s = smol.block_on(async move {
        let l = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
        let addr = l.get_ref().local_addr().expect("addr");
        let inner = ex.clone();
        ex.spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let _ = s.get_ref().set_nodelay(true);
                inner
                    .spawn(async move {
                        let io = zokio::compat::hyper::HyperIo::new(s);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service_fn(hello))
                            .await;
                    })
                    .detach();
            }
        })
        .detach();
        addr
    });
    [z, t, s]
}

fn main() {
    let mut runner = Runner::from_args();
    let zokio_rt = Zokio(
        zokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("zokio runtime"),
    );
    let tokio_rt = Tokio(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("tokio runtime"),
    );
    let smol = Smol::new();
    // Task dumps and the stall watchdog on (the `zokio-dump` rows of c256).
    let zokio_dump = Zokio(
        zokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .enable_task_dump()
            .stall_threshold(std::time::Duration::from_millis(100))
            .build()
            .expect("zokio runtime with dumps and the watchdog"),
    );
    let zokio_tpc = Zokio(
        zokio::runtime::Builder::new_thread_per_core()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("zokio thread-per-core runtime"),
    );
    #[cfg(target_os = "linux")]
    let monoio = Monoio::new();

    // 256,000 requests: a sample of ~50 ms outlasts the VM's hiccups (at 32,000
    // requests, 7 ms samples spread over +-30%).
    let (clients, requests) = runner.size((64, 4_000), (8, 50));
    let zh = zokio_rt.0.handle().clone();
    let th = tokio_rt.0.handle().clone();
    let sx = smol.ex.clone();
    runner.compare(
        "mixed_service",
        "ms",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    mixed_service_zokio(
                        &zokio_rt,
                        {
                            let h = zh.clone();
                            move |f| drop(h.spawn(f))
                        },
                        clients,
                        requests,
                    )
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    mixed_service_tokio(
                        &tokio_rt,
                        {
                            let h = th.clone();
                            move |f| drop(h.spawn(f))
                        },
                        clients,
                        requests,
                    )
                }),
            ),
            (
                "async-executor",
                Box::new(|| {
                    mixed_service_smol(
                        &smol,
                        {
                            let ex = sx.clone();
                            move |f| ex.spawn(f).detach()
                        },
                        clients,
                        requests,
                    )
                }),
            ),
        ],
    );

    for conns in [1usize, 16, 256] {
        for size in [64usize, 4096] {
            // At least 1,000 round trips per connection: a sample must outlast
            // the first round trips, where connections settle onto workers,
            // and the VM's hiccups (at 256 connections and 156 round trips
            // each, one runtime's samples spread over +-20%).
            let total = runner.size(40_000.max(conns * 1_000), 2_000).max(conns);
            let ex = smol.ex.clone();
            let smol = &smol;
            let mut candidates: Vec<zokio_bench::Candidate<'_>> = vec![
                (
                    "zokio",
                    Box::new(|| zokio_rt.block_on(echo_zokio(conns, size, total))),
                ),
                (
                    "tokio",
                    Box::new(|| tokio_rt.block_on(echo_tokio(conns, size, total))),
                ),
                (
                    "async-executor",
                    Box::new(move || smol.block_on(echo_smol(ex.clone(), conns, size, total))),
                ),
            ];
            if conns == 256 {
                let dumped = &zokio_dump;
                candidates.insert(
                    1,
                    (
                        "zokio-dump",
                        Box::new(move || dumped.block_on(echo_zokio(conns, size, total))),
                    ),
                );
            }
            // The thread-per-core shape needs a client per thread at least.
            if conns >= WORKERS {
                #[cfg(target_os = "linux")]
                let tpc = &zokio_tpc;
                #[cfg(target_os = "linux")]
                candidates.push((
                    "zokio thread-per-core",
                    Box::new(move || tpc.block_on(echo_zokio_tpc(conns, size, total, true))),
                ));
                #[cfg(target_os = "linux")]
                candidates.push((
                    "zokio tpc futures-io",
                    Box::new(move || tpc.block_on(echo_zokio_tpc(conns, size, total, false))),
                ));
                #[cfg(target_os = "linux")]
                {
                    let monoio = &monoio;
                    candidates.push(("monoio", Box::new(move || monoio.echo(conns, size, total))));
                }
            }
            runner.compare(
                &format!("tcp_echo_c{conns}_{size}B"),
                "req/s",
                Better::Higher,
                candidates,
            );
        }
    }

    let trips = runner.size(20_000, 500);
    let concrete = concrete_stack();
    runner.compare(
        "park_unpark_round_trip",
        "ns",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    round_trips(trips, || {
                        concrete.block_on(concrete.spawn(async {})).expect("task")
                    })
                }),
            ),
            (
                "zokio, default stack",
                Box::new(|| {
                    round_trips(trips, || {
                        zokio_rt
                            .0
                            .block_on(zokio_rt.0.spawn(async {}))
                            .expect("task")
                    })
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    round_trips(trips, || {
                        tokio_rt
                            .0
                            .block_on(tokio_rt.0.spawn(async {}))
                            .expect("task")
                    })
                }),
            ),
        ],
    );
    drop(concrete);

    if runner.wants("http_hello_wrk") {
        if std::process::Command::new("wrk")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("http_hello_wrk: skipped, `wrk` is not installed (`apt-get install wrk`)");
        } else {
            let [z, t, s] = http_servers(&zokio_rt, &tokio_rt, &smol);
            let tpc = http_server_tpc(&zokio_tpc);
            let seconds = runner.size(3, 1);
            runner.compare(
                "http_hello_wrk",
                "req/s",
                Better::Higher,
                vec![
                    ("zokio", Box::new(move || wrk(z, seconds))),
                    ("tokio", Box::new(move || wrk(t, seconds))),
                    ("async-executor", Box::new(move || wrk(s, seconds))),
                    ("zokio thread-per-core", Box::new(move || wrk(tpc, seconds))),
                ],
            );
        }
    }
}
