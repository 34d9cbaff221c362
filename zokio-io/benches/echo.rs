//! Loopback echo, zokio-io beside tokio in one process: 1, 16 and 256
//! connections, 64 B and 4 KiB messages, server and client on the runtime
//! under test, in requests (round trips) per second.
//!
//! zokio-io has no scheduler of its own (the zokio scheduler is another
//! crate), so its sockets are driven here by two executors, both with two
//! worker threads:
//! - `zokio-io/pool`: zokio-core tasks on a small shared-queue pool whose idle
//!   worker parks on the `IoDriver` itself (the reactor runs in a worker, as
//!   in tokio);
//! - `zokio-io/async-exec`: `async_executor::Executor` on two threads, with the
//!   sockets on zokio-io's background reactor thread (standalone use).
//!
//! The peer is tokio's multi-thread runtime with two workers.
//!
//! `cargo bench -p zokio-io --bench echo [-- --quick]`; `--point CONNS,SIZE`
//! and `--only pool|a-exec|tokio` narrow a run down for profiling.
#![cfg(not(loom))]

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use concurrent_queue::ConcurrentQueue;
use zokio_core::task::Runnable;
use zokio_core::{Driver, ThreadParker, ThreadUnparker, Unpark};
use zokio_io::{Handle, IoDriver, IoUnparker};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What the benchmark needs from a runtime.
trait Runtime: Clone + Send + Sync + 'static {
    fn spawn<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static)
    -> BoxFuture<T>;
    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T {
        futures_lite::future::block_on(self.spawn(f))
    }
    /// Spawns a task nobody waits for.
    fn detach(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.spawn(f));
    }
}

// ---------------------------------------------------------------- the pool

/// Two workers sharing one queue of zokio-core tasks. An idle worker takes
/// the `IoDriver` if it is free and parks on it (events are dispatched on that
/// worker, which then runs the woken tasks), or else parks on its own parker.
#[derive(Clone)]
struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    queue: ConcurrentQueue<Runnable>,
    driver: Mutex<IoDriver>,
    handle: Handle,
    driver_unparker: IoUnparker,
    /// Set while a worker waits inside the driver.
    in_driver: AtomicUsize,
    /// Workers parked on their own parker.
    sleepers: Mutex<Vec<(usize, ThreadUnparker)>>,
    sleeping: AtomicUsize,
}

thread_local! {
    static IS_DRIVER: Cell<bool> = const { Cell::new(false) };
    /// The task this worker woke last, run next on this worker (not stolen),
    /// so a request and its response stay on one thread.
    static LIFO: Cell<Option<Runnable>> = const { Cell::new(None) };
    static IS_WORKER: Cell<bool> = const { Cell::new(false) };
}

impl Pool {
    fn new(workers: usize) -> Pool {
        let driver = IoDriver::new().unwrap();
        let shared = Arc::new(Shared {
            queue: ConcurrentQueue::unbounded(),
            handle: driver.handle(),
            driver_unparker: driver.unparker(),
            driver: Mutex::new(driver),
            in_driver: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::new()),
            sleeping: AtomicUsize::new(0),
        });
        for id in 0..workers {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("pool-{id}"))
                .spawn(move || shared.work(id))
                .unwrap();
        }
        Pool { shared }
    }
}

impl Shared {
    fn notify(&self) {
        if self.sleeping.load(Ordering::SeqCst) > 0 {
            let mut sleepers = self.sleepers.lock().unwrap();
            if let Some((_, unparker)) = sleepers.pop() {
                self.sleeping.store(sleepers.len(), Ordering::SeqCst);
                drop(sleepers);
                unparker.unpark();
                return;
            }
        }
        if self.in_driver.load(Ordering::SeqCst) != 0 && !IS_DRIVER.get() {
            self.driver_unparker.unpark();
        }
    }

    fn schedule(&self, task: Runnable) {
        if IS_WORKER.get() {
            match LIFO.replace(Some(task)) {
                None => return,
                Some(displaced) => self.queue.push(displaced).ok(),
            };
        } else {
            self.queue.push(task).ok();
        }
        self.notify();
    }

    fn next_task(&self) -> Option<Runnable> {
        LIFO.take().or_else(|| self.queue.pop().ok())
    }

    fn work(&self, id: usize) {
        let _enter = self.handle.enter();
        IS_WORKER.set(true);
        let mut parker = ThreadParker::new();
        let mut ran = 0u32;
        loop {
            while let Some(task) = self.next_task() {
                task.run();
                ran = ran.wrapping_add(1);
                // Poll the reactor now and then even when busy.
                if ran % 64 == 0 {
                    if let Ok(mut driver) = self.driver.try_lock() {
                        IS_DRIVER.set(true);
                        driver.park(Some(Duration::ZERO));
                        IS_DRIVER.set(false);
                    }
                }
            }
            if let Ok(mut driver) = self.driver.try_lock() {
                self.in_driver.store(1, Ordering::SeqCst);
                if self.queue.is_empty()
                    && LIFO.with(|l| {
                        let t = l.take();
                        let empty = t.is_none();
                        l.set(t);
                        empty
                    })
                {
                    IS_DRIVER.set(true);
                    driver.park(None);
                    IS_DRIVER.set(false);
                }
                self.in_driver.store(0, Ordering::SeqCst);
                continue;
            }
            {
                let mut sleepers = self.sleepers.lock().unwrap();
                sleepers.push((id, parker.unparker()));
                self.sleeping.store(sleepers.len(), Ordering::SeqCst);
            }
            if self.queue.is_empty() {
                parker.park(Some(Duration::from_millis(10)));
            }
            let mut sleepers = self.sleepers.lock().unwrap();
            sleepers.retain(|(who, _)| *who != id);
            self.sleeping.store(sleepers.len(), Ordering::SeqCst);
        }
    }
}

impl Runtime for Pool {
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<T> {
        let shared = self.shared.clone();
        let (runnable, join) =
            zokio_core::task::spawn(f, move |task: Runnable, _| shared.schedule(task));
        runnable.schedule();
        Box::pin(async move { join.await.expect("bench task failed") })
    }
}

// ----------------------------------------------------- the other executors

#[derive(Clone)]
struct AsyncExec(Arc<async_executor::Executor<'static>>);

impl AsyncExec {
    fn new(workers: usize) -> AsyncExec {
        let ex = Arc::new(async_executor::Executor::new());
        for _ in 0..workers {
            let ex = ex.clone();
            std::thread::spawn(move || {
                futures_lite::future::block_on(ex.run(std::future::pending::<()>()))
            });
        }
        AsyncExec(ex)
    }
}

impl Runtime for AsyncExec {
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<T> {
        Box::pin(self.0.spawn(f))
    }

    fn detach(&self, f: impl Future<Output = ()> + Send + 'static) {
        self.0.spawn(f).detach();
    }
}

#[derive(Clone)]
struct Tokio(Arc<tokio::runtime::Runtime>);

impl Runtime for Tokio {
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<T> {
        let join = self.0.spawn(f);
        Box::pin(async move { join.await.expect("bench task failed") })
    }

    fn block_on<T: Send + 'static>(&self, f: impl Future<Output = T> + Send + 'static) -> T {
        self.0.block_on(self.spawn(f))
    }
}

// ------------------------------------------------------------- the echo runs

#[derive(Clone, Copy)]
struct Point {
    connections: usize,
    size: usize,
    warmup: Duration,
    measure: Duration,
}

/// Runs round trips until the end of the measuring window and evaluates to
/// the number completed inside it.
macro_rules! count_window {
    ($start:expr, $point:expr, $round_trip:expr) => {{
        let (from, to) = (
            $start + $point.warmup,
            $start + $point.warmup + $point.measure,
        );
        let mut counted = 0u64;
        loop {
            $round_trip.expect("echo round trip failed");
            let now = Instant::now();
            if now >= to {
                break counted;
            }
            if now >= from {
                counted += 1;
            }
        }
    }};
}

async fn zokio_echo<R: Runtime>(rt: R, point: Point) -> f64 {
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    use zokio_io::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_rt = rt.clone();
    let server = rt.spawn(async move {
        for _ in 0..point.connections {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            server_rt.detach(async move {
                let mut buf = vec![0; point.size];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    let start = Instant::now();
    let clients: Vec<_> = (0..point.connections)
        .map(|_| {
            rt.spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let msg = vec![1u8; point.size];
                let mut buf = vec![0u8; point.size];
                count_window!(start, point, {
                    match stream.write_all(&msg).await {
                        Ok(()) => stream.read_exact(&mut buf).await,
                        Err(e) => Err(e),
                    }
                })
            })
        })
        .collect();
    let mut total = 0;
    for client in clients {
        total += client.await;
    }
    server.await;
    total as f64 / point.measure.as_secs_f64()
}

async fn tokio_echo(rt: Tokio, point: Point) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        for _ in 0..point.connections {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = vec![0; point.size];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    let start = Instant::now();
    let clients: Vec<_> = (0..point.connections)
        .map(|_| {
            rt.spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let msg = vec![1u8; point.size];
                let mut buf = vec![0u8; point.size];
                count_window!(start, point, {
                    match stream.write_all(&msg).await {
                        Ok(()) => stream.read_exact(&mut buf).await.map(drop),
                        Err(e) => Err(e),
                    }
                })
            })
        })
        .collect();
    let mut total = 0;
    for client in clients {
        total += client.await;
    }
    server.await.unwrap();
    total as f64 / point.measure.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, warmup, measure) = if quick {
        (1, Duration::from_millis(50), Duration::from_millis(150))
    } else {
        (5, Duration::from_millis(200), Duration::from_millis(1000))
    };

    // Every runtime is built before any is timed.
    let pool = Pool::new(2);
    let async_exec = AsyncExec::new(2);
    let tokio = Tokio(Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()
            .unwrap(),
    ));

    println!(
        "loopback echo, requests/s, median of {rounds} round(s) of {} ms (+{} ms warm-up), runtimes interleaved",
        measure.as_millis(),
        warmup.as_millis()
    );
    println!(
        "{:>5} {:>6} | {:>12} {:>12} {:>12} | {:>10} {:>10}",
        "conns", "size", "zokio/pool", "zokio/a-exec", "tokio-mt2", "pool/tokio", "aexec/tokio"
    );
    // `--point CONNS,SIZE` runs one point (for profiling).
    let only: Option<(usize, usize)> = std::env::args()
        .skip_while(|a| a != "--point")
        .nth(1)
        .and_then(|p| {
            let (c, s) = p.split_once(',')?;
            Some((c.parse().ok()?, s.parse().ok()?))
        });
    // `--only NAME` runs one runtime (for profiling).
    let only_runtime = std::env::args().skip_while(|a| a != "--only").nth(1);
    let runs = |name: &str| only_runtime.as_deref().is_none_or(|o| o == name);
    for connections in [1, 16, 256] {
        for size in [64, 4096] {
            if only.is_some_and(|p| p != (connections, size)) {
                continue;
            }
            let point = Point {
                connections,
                size,
                warmup,
                measure,
            };
            let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                if runs("pool") {
                    a.push(pool.block_on(zokio_echo(pool.clone(), point)));
                }
                if runs("a-exec") {
                    b.push(async_exec.block_on(zokio_echo(async_exec.clone(), point)));
                }
                if runs("tokio") {
                    c.push(tokio.block_on(tokio_echo(tokio.clone(), point)));
                }
            }
            let (a, b, c) = (median(a), median(b), median(c));
            println!(
                "{connections:>5} {size:>6} | {a:>12.0} {b:>12.0} {c:>12.0} | {:>10.2} {:>10.2}",
                a / c,
                b / c
            );
        }
    }
}
