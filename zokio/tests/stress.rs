//! Stress tests through the facade, bounded in count and time: a million
//! tasks with wakes from foreign threads, spawn storms from 16 threads,
//! 10,000 loopback connections, and random timers with cancels and resets.
//!
//! Each one counts every future it makes: each must finish (or be cancelled
//! where the test cancels it) and be dropped exactly once. Every wait has a
//! deadline, so a lost task fails the test instead of hanging it.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::Builder;
use zokio::time::Instant;

/// The most any one wait in this file may take before the test fails.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

fn rt(workers: usize) -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Counts futures made, finished and dropped.
#[derive(Default)]
struct Ledger {
    made: AtomicUsize,
    finished: AtomicUsize,
    dropped: AtomicUsize,
}

impl Ledger {
    /// A token to move into a future: dropped with it.
    fn token(self: &Arc<Self>) -> Token {
        self.made.fetch_add(1, Ordering::Relaxed);
        Token(self.clone())
    }

    fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    fn made(&self) -> usize {
        self.made.load(Ordering::SeqCst)
    }

    /// Waits (on this thread, outside any runtime) until `done()` holds,
    /// failing the test after [`WAIT_LIMIT`].
    fn wait_until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let start = std::time::Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < WAIT_LIMIT,
                "{what}: gave up after {WAIT_LIMIT:?}: made {}, finished {}, dropped {}",
                self.made(),
                self.finished(),
                self.dropped()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

struct Token(Arc<Ledger>);

impl Token {
    fn finish(&self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A small xorshift generator: the tests need varied, not strong, randomness,
/// and print the seed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("ZOKIO_STRESS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("stress seed: ZOKIO_STRESS_SEED={seed}");
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A gate that foreign threads open one round at a time. The task waiting on
/// it registers its waker; an opener bumps `opened` and wakes the waker.
#[derive(Default)]
struct Gate {
    opened: AtomicU32,
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    /// Resolves once the gate has been opened more than `round` times.
    fn passed(&self, round: u32) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.opened.load(Ordering::Acquire) > round {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            // Re-check after registering: an opener that ran in between
            // found no waker (or the old one) to wake.
            if self.opened.load(Ordering::Acquire) > round {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }

    fn open(&self) {
        self.opened.fetch_add(1, Ordering::AcqRel);
        self.wake();
    }

    fn wake(&self) {
        let waker = self.waker.lock().unwrap().clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

#[test]
fn a_million_tasks_across_all_workers_with_random_wakes_from_foreign_threads() {
    const TRIVIAL: usize = 1_000_000;
    const SPAWNERS: usize = 8;
    const GATED: usize = 2_000;
    const ROUNDS: u32 = 16;
    const WAKERS: usize = 4;

    let rt = rt(4);
    let ledger = Arc::new(Ledger::default());

    // A million trivial tasks, spawned from tasks on every worker so that
    // they land in the workers' own queues, overflow to the injector and are
    // stolen.
    for _ in 0..SPAWNERS {
        let ledger = ledger.clone();
        let token = ledger.token();
        rt.spawn(async move {
            for _ in 0..TRIVIAL / SPAWNERS {
                let token = ledger.token();
                zokio::spawn(async move { token.finish() });
            }
            token.finish();
        });
    }

    // Gated tasks, woken in random order (and spuriously) by foreign threads.
    let gates: Arc<Vec<Gate>> = Arc::new((0..GATED).map(|_| Gate::default()).collect());
    for i in 0..GATED {
        let gates = gates.clone();
        let token = ledger.token();
        rt.spawn(async move {
            for round in 0..ROUNDS {
                gates[i].passed(round).await;
                if round % 4 == 0 {
                    zokio::task::yield_now().await;
                }
            }
            token.finish();
        });
    }
    let mut rng = Rng::seeded();
    let wakers: Vec<_> = (0..WAKERS)
        .map(|w| {
            let gates = gates.clone();
            let mut rng = Rng(rng.next() | 1);
            std::thread::spawn(move || {
                // Each thread opens the gates `i` with `i % WAKERS == w`, in
                // random order, with spurious wakes of any gate in between.
                let mut mine: Vec<usize> = (w..GATED).step_by(WAKERS).collect();
                while !mine.is_empty() {
                    let k = rng.below(mine.len() as u64) as usize;
                    let gate = &gates[mine[k]];
                    gate.open();
                    if gate.opened.load(Ordering::Relaxed) >= ROUNDS {
                        mine.swap_remove(k);
                    }
                    if rng.below(4) == 0 {
                        gates[rng.below(GATED as u64) as usize].wake();
                    }
                }
            })
        })
        .collect();
    for w in wakers {
        w.join().unwrap();
    }

    let total = SPAWNERS + TRIVIAL + GATED;
    ledger.wait_until("a million tasks", |l| l.finished() == total);
    ledger.wait_until("dropping finished tasks", |l| l.dropped() == total);
    assert_eq!(ledger.made(), total);
    drop(rt);
    assert_eq!(ledger.dropped(), total, "no future is dropped twice");
}

#[test]
fn spawn_storms_from_16_foreign_threads() {
    const THREADS: usize = 16;
    const PER_THREAD: usize = 10_000;

    let rt = rt(2);
    let ledger = Arc::new(Ledger::default());
    let children = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(std::sync::Barrier::new(THREADS));
    let storms: Vec<_> = (0..THREADS)
        .map(|t| {
            let handle = rt.handle().clone();
            let ledger = ledger.clone();
            let children = children.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let mut kept = Vec::new();
                for i in 0..PER_THREAD {
                    let token = ledger.token();
                    // Some tasks yield, some spawn a child from inside the
                    // runtime while the storm goes on.
                    let child = (i % 4 == 0).then(|| ledger.token());
                    let children = children.clone();
                    let task = handle.spawn(async move {
                        if i % 3 == 0 {
                            zokio::task::yield_now().await;
                        }
                        if let Some(child) = child {
                            children.fetch_add(1, Ordering::Relaxed);
                            zokio::spawn(async move { child.finish() });
                        }
                        token.finish();
                        t * PER_THREAD + i
                    });
                    if i % 16 == 0 {
                        kept.push((t * PER_THREAD + i, task));
                    }
                }
                // This thread is outside the runtime: it may block on handles.
                for (expected, task) in kept {
                    let got = zokio::block_on(zokio::time::timeout(WAIT_LIMIT, task));
                    assert_eq!(got.expect("a join handle timed out").unwrap(), expected);
                }
            })
        })
        .collect();
    for s in storms {
        s.join().unwrap();
    }
    let total = THREADS * PER_THREAD + THREADS * PER_THREAD / 4;
    ledger.wait_until("spawn storm", |l| l.finished() == total);
    ledger.wait_until("spawn storm drops", |l| l.dropped() == total);
    assert_eq!(ledger.made(), total);
    assert_eq!(children.load(Ordering::SeqCst), THREADS * PER_THREAD / 4);
    drop(rt);
    assert_eq!(ledger.dropped(), total, "no future is dropped twice");
}

#[test]
fn ten_thousand_loopback_connections_opened_and_closed() {
    const CONNECTIONS: usize = 10_000;
    const CLIENTS: usize = 50;

    let rt = rt(2);
    let ledger = Arc::new(Ledger::default());
    let served = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server_ledger = ledger.clone();
        let server = zokio::spawn(async move {
            for _ in 0..CONNECTIONS {
                let (mut stream, _) = listener.accept().await.unwrap();
                let token = server_ledger.token();
                zokio::spawn(async move {
                    let mut id = [0u8; 4];
                    stream.read_exact(&mut id).await.unwrap();
                    stream.write_all(&id).await.unwrap();
                    // The server closes first, so the TIME_WAIT states
                    // stay on its side, not on the clients' ports.
                    drop(stream);
                    token.finish();
                });
            }
            CONNECTIONS
        });
        let mut clients = Vec::new();
        for c in 0..CLIENTS {
            let token = ledger.token();
            clients.push(zokio::spawn(async move {
                for k in 0..CONNECTIONS / CLIENTS {
                    let id = ((c * CONNECTIONS / CLIENTS + k) as u32).to_le_bytes();
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.write_all(&id).await.unwrap();
                    let mut back = [0u8; 4];
                    stream.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, id);
                    let mut rest = Vec::new();
                    assert_eq!(stream.read_to_end(&mut rest).await.unwrap(), 0);
                }
                token.finish();
            }));
        }
        let all = async {
            for c in clients {
                c.await.unwrap();
            }
            server.await.unwrap()
        };
        zokio::time::timeout(WAIT_LIMIT, all)
            .await
            .expect("connections timed out")
    });
    assert_eq!(served, CONNECTIONS);
    let total = CONNECTIONS + CLIENTS;
    ledger.wait_until("connection handlers", |l| l.finished() == total);
    ledger.wait_until("connection drops", |l| l.dropped() == total);
    drop(rt);
    assert_eq!(ledger.dropped(), total);
}

/// What the model says of one timer task.
#[derive(Debug, Clone)]
struct TimerPlan {
    /// Where its sleep starts.
    first: Duration,
    /// Deadlines it is reset to, in order, each after one poll.
    resets: Vec<Duration>,
    /// Whether the controller aborts it, and when.
    abort_at: Option<Duration>,
}

impl TimerPlan {
    fn random(rng: &mut Rng) -> TimerPlan {
        let ms = |rng: &mut Rng, max: u64| Duration::from_millis(rng.below(max));
        // A quarter start an hour away: they must be reset earlier or
        // aborted, or the test times out.
        let far = rng.below(4) == 0;
        let first = if far {
            Duration::from_secs(3600)
        } else {
            ms(rng, 100)
        };
        let resets = (0..rng.below(4)).map(|_| ms(rng, 150)).collect::<Vec<_>>();
        let abort_at = (rng.below(4) == 0 || (far && resets.is_empty())).then(|| ms(rng, 120));
        TimerPlan {
            first,
            resets,
            abort_at,
        }
    }

    /// The deadline the sleep ends with (offset from the test's start).
    fn last_deadline(&self) -> Duration {
        *self.resets.last().unwrap_or(&self.first)
    }
}

#[test]
fn random_timers_with_random_cancels_and_resets_match_the_model() {
    const TIMERS: usize = 2_000;

    let rt = rt(2);
    let ledger = Arc::new(Ledger::default());
    let mut rng = Rng::seeded();
    let plans: Vec<TimerPlan> = (0..TIMERS).map(|_| TimerPlan::random(&mut rng)).collect();
    // The model: the deadline each timer must not fire before.
    let model: Vec<Duration> = plans.iter().map(TimerPlan::last_deadline).collect();

    let outcomes = rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(TIMERS);
        for plan in &plans {
            let token = ledger.token();
            let plan = plan.clone();
            tasks.push(zokio::spawn(async move {
                let mut sleep = pin!(zokio::time::sleep_until(start + plan.first));
                for &deadline in &plan.resets {
                    // Arm it (or find it fired), then move it.
                    let _ = zokio::future::poll_once(sleep.as_mut()).await;
                    sleep.as_mut().reset(start + deadline);
                    zokio::task::yield_now().await;
                }
                sleep.await;
                token.finish();
                Instant::now()
            }));
        }
        // The controller aborts the planned tasks at their times.
        let mut aborts: Vec<(Duration, usize)> = plans
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.abort_at.map(|at| (at, i)))
            .collect();
        aborts.sort();
        for (at, i) in aborts {
            zokio::time::sleep_until(start + at).await;
            tasks[i].abort();
        }
        let mut outcomes = Vec::with_capacity(TIMERS);
        for task in tasks {
            let out = zokio::time::timeout(WAIT_LIMIT, task)
                .await
                .expect("a timer task was lost");
            outcomes.push(out.map(|fired| fired - start));
        }
        outcomes
    });

    let mut cancelled = 0;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(fired_after) => assert!(
                fired_after >= model[i],
                "timer {i} fired at {fired_after:?}, before its deadline {:?}: {:?}",
                model[i],
                plans[i]
            ),
            Err(e) => {
                assert!(e.is_cancelled(), "timer {i}: {e}");
                assert!(
                    plans[i].abort_at.is_some(),
                    "timer {i} was cancelled but never aborted: {:?}",
                    plans[i]
                );
                cancelled += 1;
            }
        }
    }
    assert_eq!(
        ledger.finished() + cancelled,
        TIMERS,
        "every timer fired or was cancelled"
    );
    ledger.wait_until("timer drops", |l| l.dropped() == TIMERS);
    drop(rt);
    assert_eq!(ledger.dropped(), TIMERS);
}

/// A future that counts its polls and is ready after `left` more; used to
/// check that nothing polls a task after it completed.
struct CountDown {
    left: usize,
    done: Arc<AtomicBool>,
}

impl Future for CountDown {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        assert!(!self.done.load(Ordering::SeqCst), "polled after completion");
        if self.left == 0 {
            self.done.store(true, Ordering::SeqCst);
            return Poll::Ready(());
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn self_waking_tasks_are_never_polled_after_completion() {
    const TASKS: usize = 5_000;
    let rt = rt(4);
    let ledger = Arc::new(Ledger::default());
    for i in 0..TASKS {
        let token = ledger.token();
        let done = Arc::new(AtomicBool::new(false));
        rt.spawn(async move {
            CountDown { left: i % 37, done }.await;
            token.finish();
        });
    }
    ledger.wait_until("self-waking tasks", |l| l.finished() == TASKS);
    ledger.wait_until("self-waking drops", |l| l.dropped() == TASKS);
    drop(rt);
    assert_eq!(ledger.dropped(), TASKS);
}
