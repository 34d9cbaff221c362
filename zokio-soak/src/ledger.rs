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

/// Echo round-trip latencies per window of the run, in a log-linear
/// histogram (16 buckets per power of two, so within 1/16 of the true
/// value): fixed memory per window, whatever the rate, so the soak's own
/// bookkeeping does not grow with the run.
pub struct Latencies {
    start: Instant,
    window: Duration,
    windows: Mutex<Vec<Vec<u32>>>,
}

const SUB: u32 = 16;
const BUCKETS: usize = (SUB * 33) as usize;

fn bucket(micros: u32) -> usize {
    if micros < SUB {
        return micros as usize;
    }
    let exp = 31 - micros.leading_zeros(); // >= 4
    let sub = (micros >> (exp - 4)) & (SUB - 1);
    ((exp - 3) * SUB + sub) as usize
}

/// The smallest value of bucket `b`.
fn bucket_floor(b: usize) -> u32 {
    let b = b as u32;
    if b < SUB {
        return b;
    }
    let exp = b / SUB + 3;
    (SUB + b % SUB) << (exp - 4)
}

impl Latencies {
    pub fn new(window: Duration) -> Latencies {
        Latencies {
            start: Instant::now(),
            window,
            windows: Mutex::new(Vec::new()),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    pub fn record(&self, took: Duration) {
        let index = (self.start.elapsed().as_nanos() / self.window.as_nanos()) as usize;
        let micros = took.as_micros().min(u32::MAX as u128) as u32;
        let mut windows = self.windows.lock().unwrap();
        if windows.len() <= index {
            windows.resize_with(index + 1, || vec![0; BUCKETS]);
        }
        windows[index][bucket(micros)] += 1;
    }

    /// (p50, p99, samples) of each window, in µs (each a bucket's floor).
    pub fn percentiles(&self) -> Vec<(u32, u32, usize)> {
        let windows = self.windows.lock().unwrap();
        windows
            .iter()
            .map(|counts| {
                let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
                let at = |q: f64| {
                    let rank = ((total as f64 - 1.0).max(0.0) * q) as u64;
                    let mut seen = 0;
                    for (b, &c) in counts.iter().enumerate() {
                        seen += u64::from(c);
                        if seen > rank {
                            return bucket_floor(b);
                        }
                    }
                    0
                };
                (at(0.5), at(0.99), total as usize)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_within_a_sixteenth() {
        let mut last = 0;
        for v in (0..100_000u32).chain([u32::MAX / 2, u32::MAX]) {
            let b = bucket(v);
            assert!(b >= last && b < BUCKETS, "{v}");
            last = b;
            let floor = bucket_floor(b);
            assert!(
                floor <= v && (v - floor) as u64 * 16 <= v as u64,
                "{v} -> {floor}"
            );
        }
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
    pub faults: Mutex<Vec<(Duration, &'static str)>>,
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

    /// Logs a fault of `kind` (a fixed phrase, what the report groups by)
    /// with its `detail`.
    pub fn fault(&self, kind: &'static str, detail: String) {
        let at = self.started.elapsed();
        eprintln!("soak: fault at {:>7.2}s: {kind} {detail}", at.as_secs_f64());
        self.faults.lock().unwrap().push((at, kind));
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
