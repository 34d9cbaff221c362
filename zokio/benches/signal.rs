//! Signal delivery latency, Zokio's `signal::unix` beside tokio's:
//!
//! - `signal_latency_current_thread`: a task raises a signal (`raise(3)`:
//!   the handler runs on the task's own thread before `raise` returns) and
//!   awaits its listener's `recv`; microseconds from the raise to `recv`
//!   returning, averaged over a run of round trips, on a current-thread
//!   runtime;
//! - `signal_latency_multi_thread`: the same in a task spawned on a
//!   two-worker runtime.
//!
//! That is the whole path: the handler's flag and pipe write, the reactor's
//! wait returning, the wake, the drain and the broadcast. Zokio listens for
//! SIGUSR1 and tokio for SIGUSR2, so that a raise runs only the measured
//! library's handler (with one signal, signal-hook-registry would run both
//! libraries' handlers and wake both runtimes every time). Each candidate
//! runs on its own runtime, built as a user would.
//!
//! `cargo bench -p zokio --bench signal [-- --quick] [--filter NAME]`
#![cfg(all(unix, not(loom)))]

use std::time::Instant;

use zokio_bench::{Better, Runner};

const ZOKIO_SIGNAL: libc::c_int = libc::SIGUSR1;
const TOKIO_SIGNAL: libc::c_int = libc::SIGUSR2;
const WORKERS: usize = 2;

fn raise(signum: libc::c_int) {
    // SAFETY: raise(3) takes no pointers; each signal has a listener, and so
    // a handler, before it is raised.
    let rc = unsafe { libc::raise(signum) };
    assert_eq!(rc, 0, "raise({signum})");
}

/// `n` round trips on a new Zokio listener; microseconds per trip.
async fn zokio_trips(n: usize) -> f64 {
    use zokio::signal::unix::{SignalKind, signal};
    let mut listener = signal(SignalKind::from_raw(ZOKIO_SIGNAL)).expect("zokio listener");
    // Untimed: the first poll of a new listener drains the pipe once more.
    raise(ZOKIO_SIGNAL);
    listener.recv().await.expect("zokio delivery");
    let start = Instant::now();
    for _ in 0..n {
        raise(ZOKIO_SIGNAL);
        listener.recv().await.expect("zokio delivery");
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// The same with tokio's listener.
async fn tokio_trips(n: usize) -> f64 {
    use tokio::signal::unix::{SignalKind, signal};
    let mut listener = signal(SignalKind::from_raw(TOKIO_SIGNAL)).expect("tokio listener");
    raise(TOKIO_SIGNAL);
    listener.recv().await.expect("tokio delivery");
    let start = Instant::now();
    for _ in 0..n {
        raise(TOKIO_SIGNAL);
        listener.recv().await.expect("tokio delivery");
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn current_thread(runner: &mut Runner) {
    let n = runner.size(5_000, 200);
    let zrt = zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("zokio runtime");
    let trt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runner.compare(
        "signal_latency_current_thread",
        "µs",
        Better::Lower,
        vec![
            ("zokio", Box::new(|| zrt.block_on(zokio_trips(n)))),
            ("tokio", Box::new(|| trt.block_on(tokio_trips(n)))),
        ],
    );
}

fn multi_thread(runner: &mut Runner) {
    let n = runner.size(5_000, 200);
    let zrt = zokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("zokio runtime");
    let trt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runner.compare(
        "signal_latency_multi_thread",
        "µs",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    zrt.block_on(zrt.spawn(zokio_trips(n)))
                        .expect("zokio bench task")
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    trt.block_on(trt.spawn(tokio_trips(n)))
                        .expect("tokio bench task")
                }),
            ),
        ],
    );
}

fn main() {
    let mut runner = Runner::from_args();
    current_thread(&mut runner);
    multi_thread(&mut runner);
}
