//! What the soak counts: every operation's outcome, every task's end, every
//! message, and the echo latencies per window. The invariants at the end
//! are checked against these counters alone.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A counter (relaxed: only its final value is read, after every thread that
/// wrote it has been joined or the runtime shut down).
#[derive(Default)]
pub struct Count(AtomicU64);

impl Count {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn inc(&self) {
        self.add(1);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One kind of operation (HTTP requests, echo round trips, file checks...):
/// how many were started, answered correctly, failed in an expected way
/// (a fault's doing), or failed otherwise.
#[derive(Default)]
pub struct Ops {
    pub started: Count,
    pub ok: Count,
    pub expected_errors: Count,
    pub unexpected: Count,
    /// The first few unexpected failures, for the report.
    pub examples: Mutex<Vec<String>>,
}

impl Ops {
    /// Records one failure: expected if `expected` says so of it.
    pub fn failed(&self, what: &str, err: &dyn std::fmt::Display, expected: bool) {
        if expected {
            self.expected_errors.inc();
        } else {
            self.unexpected.inc();
            let mut examples = self.examples.lock().unwrap();
            if examples.len() < 5 {
                examples.push(format!("{what}: {err}"));
            }
        }
    }

    /// Records an I/O failure; running out of descriptors is expected (the
    /// fd-limit fault), and so is whatever `also` accepts.
    pub fn io_failed(&self, what: &str, err: &io::Error, also: bool) {
        self.failed(what, err, also || is_emfile(err));
    }
}

pub fn is_emfile(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Echo round-trip latencies, in µs, per window of the run.
pub struct Latencies {
    start: Instant,
    window: Duration,
    windows: Mutex<Vec<Vec<u32>>>,
}

impl Latencies {
    pub fn new(window: Duration) -> Latencies {
        Latencies {
            start: Instant::now(),
            window,
            windows: Mutex::new(Vec::new()),
        }
    }

    pub fn record(&self, took: Duration) {
        let index = (self.start.elapsed().as_nanos() / self.window.as_nanos()) as usize;
        let mut windows = self.windows.lock().unwrap();
        if windows.len() <= index {
            windows.resize_with(index + 1, Vec::new);
        }
        windows[index].push(took.as_micros().min(u32::MAX as u128) as u32);
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// (p50, p99, samples) of each window, in µs.
    pub fn percentiles(&self) -> Vec<(u32, u32, usize)> {
        let mut windows = self.windows.lock().unwrap().clone();
        windows
            .iter_mut()
            .map(|w| {
                w.sort_unstable();
                let at = |q: f64| {
                    w.get(((w.len() as f64 - 1.0) * q) as usize)
                        .copied()
                        .unwrap_or(0)
                };
                (at(0.5), at(0.99), w.len())
            })
            .collect()
    }
}

/// Every counter of the run.
pub struct Ledger {
    pub http: Ops,
    pub echo: Ops,
    pub timers: Ops,
    pub files: Ops,
    pub processes: Ops,
    pub blocking: Ops,
    pub joinsets: Ops,
    /// What the faults check of their own (a panic reported as one...).
    pub fault_checks: Ops,
    /// Servers' failed accepts (out of descriptors, under the fd-limit fault).
    pub accept_errors: Ops,
    pub messages_sent: Count,
    pub messages_received: Count,
    /// Messages seen out of order or twice.
    pub messages_misordered: Count,
    pub tasks_spawned: Count,
    pub tasks_finished: Count,
    pub tasks_cancelled: Count,
    pub tasks_panicked: Count,
    pub futures_dropped: Count,
    pub faults: Mutex<Vec<(Duration, String)>>,
    /// What releases the blocking jobs left stuck by a fault: dropped after
    /// the runtime's shutdown, which must not wait for them.
    pub stuck_jobs: Mutex<Vec<std::sync::mpsc::Sender<()>>>,
    pub latencies: Latencies,
    started: Instant,
    /// Set when the stop began: operations failing after it are expected.
    pub stopping: AtomicBool,
}

impl Ledger {
    pub fn new(window: Duration) -> Arc<Ledger> {
        Arc::new(Ledger {
            http: Ops::default(),
            echo: Ops::default(),
            timers: Ops::default(),
            files: Ops::default(),
            processes: Ops::default(),
            blocking: Ops::default(),
            joinsets: Ops::default(),
            fault_checks: Ops::default(),
            accept_errors: Ops::default(),
            messages_sent: Count::default(),
            messages_received: Count::default(),
            messages_misordered: Count::default(),
            tasks_spawned: Count::default(),
            tasks_finished: Count::default(),
            tasks_cancelled: Count::default(),
            tasks_panicked: Count::default(),
            futures_dropped: Count::default(),
            faults: Mutex::new(Vec::new()),
            stuck_jobs: Mutex::new(Vec::new()),
            latencies: Latencies::new(window),
            started: Instant::now(),
            stopping: AtomicBool::new(false),
        })
    }

    pub fn fault(&self, what: String) {
        let at = self.started.elapsed();
        eprintln!("soak: fault at {:>7.2}s: {what}", at.as_secs_f64());
        self.faults.lock().unwrap().push((at, what));
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

pin_project_lite::pin_project! {
    /// A spawned future, counted: spawned when made, and, when dropped,
    /// finished (it returned), panicked (dropped by a panic's unwind) or
    /// cancelled (dropped before it returned: aborted, or at shutdown).
    pub struct Tracked<F> {
        #[pin]
        inner: F,
        ledger: Arc<Ledger>,
        done: bool,
        panicked: bool,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let ledger = &this.ledger;
            ledger.futures_dropped.inc();
            if *this.done {
                ledger.tasks_finished.inc();
            } else if *this.panicked || std::thread::panicking() {
                ledger.tasks_panicked.inc();
            } else {
                ledger.tasks_cancelled.inc();
            }
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx)));
        match polled {
            Ok(Poll::Ready(out)) => {
                *this.done = true;
                Poll::Ready(out)
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => {
                *this.panicked = true;
                std::panic::resume_unwind(panic)
            }
        }
    }
}

/// Spawns `future` on the current runtime, counted (see [`Tracked`]).
pub fn spawn<F>(ledger: &Arc<Ledger>, future: F) -> zokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    ledger.tasks_spawned.inc();
    zokio::spawn(Tracked {
        inner: future,
        ledger: ledger.clone(),
        done: false,
        panicked: false,
    })
}

/// [`spawn`] into a `JoinSet`.
pub fn spawn_in<F>(ledger: &Arc<Ledger>, set: &mut zokio::task::JoinSet<F::Output>, future: F)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    ledger.tasks_spawned.inc();
    set.spawn(Tracked {
        inner: future,
        ledger: ledger.clone(),
        done: false,
        panicked: false,
    });
}
