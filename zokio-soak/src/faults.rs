//! Faults, injected at random moments from the seed and logged: panics in
//! a task's poll and in its drop, aborts racing completion, requests cut
//! off by a reset, a client that stops reading, the descriptor limit
//! lowered for a moment, and blocking jobs that never return.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use zokio::sync::CancellationToken;

use crate::ledger::{self, Ledger};
use crate::{http, sys};

/// How many blocking jobs may be left stuck for good.
const MAX_STUCK: u32 = 3;

/// Panics when dropped, unless already panicking.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("soak: a future that panics in its drop");
        }
    }
}

/// Injects one fault every `every` (on average) until `stop`.
pub async fn inject(
    ledger: Arc<Ledger>,
    stop: CancellationToken,
    seed: u64,
    every: Duration,
    http_addr: SocketAddr,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut stuck = 0;
    loop {
        let wait = every.mul_f64(0.5 + rng.f64());
        zokio::select! {
            _ = stop.cancelled() => break,
            _ = zokio::time::sleep(wait) => {}
        }
        match rng.u8(0..7) {
            0 => {
                ledger.fault("a task panics in poll", String::new());
                let task = ledger::spawn(&ledger, async {
                    zokio::task::yield_now().await;
                    panic!("soak: a task that panics in poll");
                });
                let outcome = task.await;
                if !outcome.as_ref().is_err_and(|e| e.is_panic()) {
                    ledger
                        .fault_checks
                        .failed("panic in poll", &"not reported as a panic", false);
                }
            }
            1 => {
                ledger.fault(
                    "a task's future panics when dropped by an abort",
                    String::new(),
                );
                let task = ledger::spawn(&ledger, async {
                    let _guard = PanicsOnDrop;
                    std::future::pending::<()>().await;
                });
                zokio::task::yield_now().await;
                task.abort();
                // Cancelled, or the drop's panic: the worker must live on.
                let outcome = task.await;
                if outcome.is_ok() {
                    ledger
                        .fault_checks
                        .failed("panic in drop", &"an aborted task returned", false);
                }
            }
            2 => {
                ledger.fault("aborts racing completion", "64 tasks".into());
                for _ in 0..64 {
                    let task = ledger::spawn(&ledger, async { 7u8 });
                    if rng.bool() {
                        zokio::task::yield_now().await;
                    }
                    task.abort();
                    match task.await {
                        Ok(7) => {}
                        Err(e) if e.is_cancelled() => {}
                        other => {
                            ledger
                                .fault_checks
                                .failed("abort race", &format!("{other:?}"), false)
                        }
                    }
                }
            }
            3 => {
                ledger.fault("a request cut off by a reset", String::new());
                if let Err(e) = http::reset_mid_request(http_addr).await {
                    ledger.fault_checks.io_failed("reset fault", &e, true);
                }
            }
            4 => {
                let stall = Duration::from_millis(rng.u64(500..3000));
                ledger.fault(
                    "a client stops reading a 1 MiB answer",
                    format!("for {stall:?}"),
                );
                let ledger2 = ledger.clone();
                ledger::spawn(&ledger, async move {
                    if let Err(e) = http::stalled_reader(http_addr, stall).await {
                        ledger2.fault_checks.io_failed("stalled reader", &e, true);
                    }
                });
            }
            5 => {
                let before = sys::fd_limit();
                // No descriptor to spare: the next socket, pipe or file fails.
                let low = sys::open_fds() as u64;
                let length = Duration::from_millis(rng.u64(50..400));
                ledger.fault(
                    "the descriptor limit lowered to the descriptors open",
                    format!("{low}, for {length:?}"),
                );
                sys::set_fd_limit(low);
                zokio::time::sleep(length).await;
                sys::set_fd_limit(before);
            }
            _ if stuck < MAX_STUCK => {
                stuck += 1;
                ledger.fault(
                    "a blocking job that never returns",
                    format!("{stuck} of {MAX_STUCK}"),
                );
                let (release, wait) = std::sync::mpsc::channel::<()>();
                // Released only after the runtime's shutdown (see main).
                ledger.stuck_jobs.lock().unwrap().push(release);
                drop(zokio::task::spawn_blocking(move || {
                    let _ = wait.recv();
                }));
            }
            _ => {}
        }
    }
}
