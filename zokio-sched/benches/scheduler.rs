//! Scheduler workloads, zokio's `MultiThread` side by side with tokio's
//! multi-thread runtime and async-executor, same worker count, one process.
//!
//! All runtimes are built first; each round then times every runtime on a
//! workload in turn (A B C A B C ...), through the workspace's `zokio-bench`
//! harness, which prints medians and zokio's advantage over each peer.
//!
//! `zokio-watchdog` is zokio's scheduler with the stall watchdog on (100 ms
//! threshold; its per-worker poll marks, no task records), `zokio-dump`
//! with task dumps on (`Config::task_dump`: the records alone): the rows
//! beside `zokio` are their costs.
//!
//! `cargo bench -p zokio-sched --bench scheduler [-- --quick] [--filter NAME] [--rounds N] [--workers N]`
#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;
use zokio_bench::{Better, Runner, time};
use zokio_core::ThreadParker;
use zokio_core::task::yield_now;
use zokio_sched::{Config, MultiThread};

/// What a workload needs from a runtime: spawn from anywhere, block on a
/// future from outside.
trait Spawner: Clone + Send + Sync + 'static {
    type Join<T: Send + 'static>: Future<Output = T> + Send + 'static;
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Spawns and lets the task run on without a handle.
    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static;
}

trait Runtime {
    type Spawner: Spawner;
    fn spawner(&self) -> Self::Spawner;
    fn block_on<F: Future + Send + 'static>(&self, future: F) -> F::Output
    where
        F::Output: Send + 'static;
}

// ---- zokio ----

struct Zokio(MultiThread<ThreadParker>);

#[derive(Clone)]
struct ZokioSpawner(zokio_sched::Handle);

struct Unwrap<J>(J);

impl<T, E: std::fmt::Debug, J: Future<Output = Result<T, E>> + Unpin> Future for Unwrap<J> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.unwrap())
    }
}

impl Spawner for ZokioSpawner {
    type Join<T: Send + 'static> = Unwrap<zokio_core::task::JoinHandle<T>>;
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(self.0.spawn(future))
    }
    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.0.spawn(future));
    }
}

impl Runtime for Zokio {
    type Spawner = ZokioSpawner;
    fn spawner(&self) -> ZokioSpawner {
        ZokioSpawner(self.0.handle())
    }
    fn block_on<F: Future + Send + 'static>(&self, future: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        self.0.block_on(future)
    }
}

// ---- tokio ----

struct Tokio(tokio::runtime::Runtime);

#[derive(Clone)]
struct TokioSpawner(tokio::runtime::Handle);

impl Spawner for TokioSpawner {
    type Join<T: Send + 'static> = Unwrap<tokio::task::JoinHandle<T>>;
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(self.0.spawn(future))
    }
    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.0.spawn(future));
    }
}

impl Runtime for Tokio {
    type Spawner = TokioSpawner;
    fn spawner(&self) -> TokioSpawner {
        TokioSpawner(self.0.handle().clone())
    }
    fn block_on<F: Future + Send + 'static>(&self, future: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        self.0.block_on(future)
    }
}

// ---- async-executor ----

struct AsyncExecutor {
    executor: Arc<async_executor::Executor<'static>>,
    stop: Option<async_channel_stop::Stop>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// Stops the executor threads when dropped (each waits on its receiver).
mod async_channel_stop {
    pub struct Stop(#[allow(dead_code)] pub Vec<tokio::sync::oneshot::Sender<()>>);
}

impl AsyncExecutor {
    fn new(workers: usize) -> AsyncExecutor {
        let executor = Arc::new(async_executor::Executor::new());
        let mut senders = Vec::new();
        let threads = (0..workers)
            .map(|_| {
                let (tx, rx) = oneshot::channel::<()>();
                senders.push(tx);
                let executor = executor.clone();
                std::thread::spawn(move || {
                    let _ = futures_lite::future::block_on(executor.run(rx));
                })
            })
            .collect();
        AsyncExecutor {
            executor,
            stop: Some(async_channel_stop::Stop(senders)),
            threads,
        }
    }
}

impl Drop for AsyncExecutor {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[derive(Clone)]
struct AsyncExecutorSpawner(Arc<async_executor::Executor<'static>>);

impl Spawner for AsyncExecutorSpawner {
    type Join<T: Send + 'static> = async_executor::Task<T>;
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(future)
    }
    fn spawn_detached<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn(future).detach();
    }
}

impl Runtime for AsyncExecutor {
    type Spawner = AsyncExecutorSpawner;
    fn spawner(&self) -> AsyncExecutorSpawner {
        AsyncExecutorSpawner(self.executor.clone())
    }
    fn block_on<F: Future + Send + 'static>(&self, future: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        // Like the others, the caller blocks while the workers run the future.
        futures_lite::future::block_on(self.executor.spawn(future))
    }
}

// ---- workloads ----

#[derive(Clone, Copy)]
struct Sizes {
    spawn_many: usize,
    yield_tasks: usize,
    yields: usize,
    /// `yield_many_wide`: more yielding tasks than two workers' rings hold.
    wide_tasks: usize,
    wide_yields: usize,
    ping_pongs: usize,
    chain: usize,
}

fn spawn_many<R: Runtime>(rt: &R, sizes: Sizes) {
    let s = rt.spawner();
    let n = sizes.spawn_many;
    let inner = s.clone();
    rt.block_on(s.spawn(async move {
        let counter = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let counter = counter.clone();
                inner.spawn(async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        assert_eq!(counter.load(Ordering::Relaxed), n);
    }));
}

fn spawn_many_remote<R: Runtime>(rt: &R, sizes: Sizes) {
    let s = rt.spawner();
    let tasks: Vec<_> = (0..sizes.spawn_many)
        .map(|i| s.spawn(async move { i }))
        .collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for t in tasks {
            sum += t.await;
        }
        sum
    });
    assert_eq!(sum, sizes.spawn_many * (sizes.spawn_many - 1) / 2);
}

fn yield_many<R: Runtime>(rt: &R, sizes: Sizes) {
    let s = rt.spawner();
    let yields = sizes.yields;
    let tasks: Vec<_> = (0..sizes.yield_tasks)
        .map(|_| {
            s.spawn(async move {
                for _ in 0..yields {
                    yield_now().await;
                }
            })
        })
        .collect();
    rt.block_on(async move {
        for t in tasks {
            t.await;
        }
    });
}

/// `yield_many` with 1,000 tasks of 200 yields: the same polls, but more
/// runnable tasks per worker than its ring holds (256), so rings spill and
/// take back all the time.
fn yield_many_wide<R: Runtime>(rt: &R, sizes: Sizes) {
    yield_many(
        rt,
        Sizes {
            yield_tasks: sizes.wide_tasks,
            yields: sizes.wide_yields,
            ..sizes
        },
    );
}

fn ping_pong<R: Runtime>(rt: &R, sizes: Sizes) {
    let s = rt.spawner();
    let n = sizes.ping_pongs;
    let inner = s.clone();
    rt.block_on(s.spawn(async move {
        let pairs: Vec<_> = (0..n)
            .map(|_| {
                let spawner = inner.clone();
                inner.spawn(async move {
                    let (ping_tx, ping_rx) = oneshot::channel::<u32>();
                    let (pong_tx, pong_rx) = oneshot::channel::<u32>();
                    let _partner = spawner.spawn(async move {
                        let v = ping_rx.await.unwrap();
                        pong_tx.send(v + 1).unwrap();
                    });
                    ping_tx.send(1).unwrap();
                    pong_rx.await.unwrap()
                })
            })
            .collect();
        for p in pairs {
            assert_eq!(p.await, 2);
        }
    }));
}

fn chained_spawn<R: Runtime>(rt: &R, sizes: Sizes) {
    fn link<S: Spawner>(s: S, left: usize, done: oneshot::Sender<()>) {
        if left == 0 {
            done.send(()).unwrap();
            return;
        }
        let next = s.clone();
        s.spawn_detached(async move { link(next, left - 1, done) });
    }
    let s = rt.spawner();
    let depth = sizes.chain;
    let inner = s.clone();
    rt.block_on(s.spawn(async move {
        let (tx, rx) = oneshot::channel();
        link(inner, depth, tx);
        rx.await.unwrap();
    }));
}

// ---- harness ----

fn main() {
    let mut runner = Runner::from_args();
    let args: Vec<String> = std::env::args().collect();
    let workers = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let sizes = Sizes {
        spawn_many: runner.size(10_000, 100),
        yield_tasks: runner.size(200, 10),
        yields: runner.size(1_000, 10),
        wide_tasks: runner.size(1_000, 300),
        wide_yields: runner.size(200, 2),
        ping_pongs: runner.size(1_000, 10),
        chain: runner.size(1_000, 10),
    };

    let zokio = Zokio(
        MultiThread::new(
            ThreadParker::new(),
            Config {
                worker_threads: workers,
                ..Config::default()
            },
        )
        .expect("zokio runtime"),
    );
    // The same scheduler with the stall watchdog on: its cost is the
    // difference between the two zokio rows.
    let watched = Zokio(
        MultiThread::new(
            ThreadParker::new(),
            Config {
                worker_threads: workers,
                stall: Some(zokio_sched::StallWatch {
                    threshold: Duration::from_millis(100),
                    on_stall: Some(Arc::new(|info| eprintln!("{info}"))),
                }),
                ..Config::default()
            },
        )
        .expect("zokio runtime with the watchdog"),
    );
    let dumped = Zokio(
        MultiThread::new(
            ThreadParker::new(),
            Config {
                worker_threads: workers,
                task_dump: true,
                ..Config::default()
            },
        )
        .expect("zokio runtime with task dumps"),
    );
    let tokio = Tokio(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .expect("tokio runtime"),
    );
    let async_executor = AsyncExecutor::new(workers);
    println!("scheduler workloads, {workers} workers per runtime");

    type Workload = (
        &'static str,
        fn(&Zokio, Sizes),
        fn(&Tokio, Sizes),
        fn(&AsyncExecutor, Sizes),
    );
    let workloads: [Workload; 6] = [
        ("spawn_many", spawn_many, spawn_many, spawn_many),
        (
            "spawn_many_remote",
            spawn_many_remote,
            spawn_many_remote,
            spawn_many_remote,
        ),
        ("yield_many", yield_many, yield_many, yield_many),
        (
            "yield_many_wide",
            yield_many_wide,
            yield_many_wide,
            yield_many_wide,
        ),
        ("ping_pong", ping_pong, ping_pong, ping_pong),
        ("chained_spawn", chained_spawn, chained_spawn, chained_spawn),
    ];
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    for (name, z, t, a) in workloads {
        let (zokio, watched, dumped) = (&zokio, &watched, &dumped);
        let (tokio, async_executor) = (&tokio, &async_executor);
        runner.compare(
            name,
            "µs",
            Better::Lower,
            vec![
                ("zokio", Box::new(move || micros(time(|| z(zokio, sizes))))),
                (
                    "zokio-watchdog",
                    Box::new(move || micros(time(|| z(watched, sizes)))),
                ),
                (
                    "zokio-dump",
                    Box::new(move || micros(time(|| z(dumped, sizes)))),
                ),
                ("tokio", Box::new(move || micros(time(|| t(tokio, sizes))))),
                (
                    "async-executor",
                    Box::new(move || micros(time(|| a(async_executor, sizes)))),
                ),
            ],
        );
    }
}
