//! The invariants, checked once the runtime has shut down, and the report.

use std::time::Duration;

use crate::ledger::{Ledger, Ops};
use crate::{Options, RunFigures};

/// What the end of the run measured.
pub struct Figures {
    pub run: RunFigures,
    pub shutdown_took: Duration,
    pub fds_before: usize,
    pub fds_after: usize,
}

/// Which figure of a memory sample a check reads.
type Pick = fn(&crate::MemorySample) -> Option<u64>;

/// Memory may grow this much after warm-up: 5%, or 2 MiB for a small
/// process, since the allocator grows its heaps in steps of about a MiB
/// that then stay (seen as one step and a plateau in two-minute runs); a
/// leak of one KiB per request passes 2 MiB within seconds.
const RSS_GROWTH: f64 = 0.05;
const RSS_GROWTH_FLOOR: u64 = 2 << 20;
/// The bytes the allocator has handed out move only with what the service
/// holds (buffers in flight: up to a few MiB), so their floor is tighter.
const HEAP_GROWTH_FLOOR: u64 = 1 << 20;
/// A window's echo p99 may be this many times the first window's (floored
/// at `P99_FLOOR_US`, below which a loaded machine's scheduling dominates).
const P99_RATIO: u32 = 3;
const P99_FLOOR_US: u32 = 2_000;

struct Checks {
    failures: Vec<String>,
}

impl Checks {
    fn expect(&mut self, ok: bool, what: String) {
        println!("  [{}] {what}", if ok { "ok" } else { "FAIL" });
        if !ok {
            self.failures.push(what);
        }
    }
}

fn ops_line(checks: &mut Checks, name: &str, ops: &Ops, must_progress: bool) {
    let (started, ok, expected, unexpected) = (
        ops.started.get(),
        ops.ok.get(),
        ops.expected_errors.get(),
        ops.unexpected.get(),
    );
    checks.expect(
        started == ok + expected + unexpected && unexpected == 0 && (ok > 0 || !must_progress),
        format!(
            "{name}: {started} started = {ok} ok + {expected} failed as a fault's kind \
             + {unexpected} otherwise"
        ),
    );
    for example in ops.examples.lock().unwrap().iter() {
        println!("         {example}");
    }
}

/// Prints the report; `true` when every invariant held.
pub fn report(options: &Options, ledger: &Ledger, figures: &Figures) -> bool {
    let mut checks = Checks {
        failures: Vec::new(),
    };
    let run = &figures.run;
    println!("soak: {options:?}");
    println!(
        "  ran {:.1}s until the stop; shutdown took {:.2}s",
        run.stopped_at,
        figures.shutdown_took.as_secs_f64()
    );
    let faults = ledger.faults.lock().unwrap();
    println!("  faults injected: {}", faults.len());
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for (_, what) in faults.iter() {
        let kind: String = what
            .split(" (")
            .next()
            .unwrap_or(what)
            .chars()
            .take(48)
            .collect();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((kind, 1)),
        }
    }
    for (kind, n) in &kinds {
        println!("    {n:>4} x {kind}");
    }

    checks.expect(
        run.sigterm_arrived,
        "SIGTERM arrived and started the graceful stop".into(),
    );
    checks.expect(
        run.drained,
        "load and servers finished in time after the stop".into(),
    );
    ops_line(&mut checks, "http requests", &ledger.http, true);
    ops_line(&mut checks, "echo round trips", &ledger.echo, true);
    ops_line(&mut checks, "timers", &ledger.timers, true);
    ops_line(&mut checks, "joinset groups", &ledger.joinsets, true);
    ops_line(&mut checks, "blocking jobs", &ledger.blocking, true);
    ops_line(&mut checks, "file round trips", &ledger.files, true);
    ops_line(&mut checks, "child processes", &ledger.processes, true);
    let fault_checks = ledger.fault_checks.unexpected.get();
    checks.expect(
        fault_checks == 0,
        format!("faults behaved as documented: {fault_checks} did not"),
    );
    for example in ledger.fault_checks.examples.lock().unwrap().iter() {
        println!("         {example}");
    }

    let (sent, received, misordered) = (
        ledger.messages_sent.get(),
        ledger.messages_received.get(),
        ledger.messages_misordered.get(),
    );
    checks.expect(
        sent == received && misordered == 0 && sent > 0,
        format!("channel messages: {sent} sent, {received} received, {misordered} out of order"),
    );

    let (spawned, dropped) = (ledger.tasks_spawned.get(), ledger.futures_dropped.get());
    let (finished, panicked, cancelled) = (
        ledger.tasks_finished.get(),
        ledger.tasks_panicked.get(),
        ledger.tasks_cancelled.get(),
    );
    checks.expect(
        spawned == dropped && dropped == finished + panicked + cancelled,
        format!(
            "tasks: {spawned} spawned, {dropped} futures dropped once each = {finished} finished \
             + {panicked} panicked + {cancelled} cancelled (aborted or at shutdown)"
        ),
    );

    // The least memory in the tenth before the stop against the most in
    // the tenth after warm-up: a steady leak shows, a passing peak does not.
    let window = |from: f64, to: f64, pick: Pick| {
        run.rss
            .iter()
            .filter(|(t, _, _)| *t >= run.stopped_at * from && *t <= run.stopped_at * to)
            .filter_map(pick)
            .collect::<Vec<u64>>()
    };
    let growth = |checks: &mut Checks, what: &str, pick: Pick, floor: u64| {
        let (warm, late) = (window(0.3, 0.4, pick), window(0.85, 1.0, pick));
        match (warm.iter().max(), late.iter().min()) {
            (Some(&warm), Some(&late)) => {
                let allowed = ((warm as f64 * RSS_GROWTH) as u64).max(floor);
                checks.expect(
                    late < warm + allowed,
                    format!(
                        "{what}: {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1}%; \
                         allowed: +{:.1} MiB, 5% or {:.0} MiB)",
                        mib(warm),
                        mib(late),
                        (late as f64 / warm as f64 - 1.0) * 100.0,
                        mib(allowed),
                        mib(floor)
                    ),
                )
            }
            _ => checks.expect(false, format!("{what}: too few samples")),
        }
    };
    growth(
        &mut checks,
        "resident memory",
        |s| Some(s.1),
        RSS_GROWTH_FLOOR,
    );
    if run.rss.iter().any(|s| s.2.is_some()) {
        growth(
            &mut checks,
            "heap in use (mallinfo2)",
            |s| s.2,
            HEAP_GROWTH_FLOOR,
        );
    }
    let accept = ledger.accept_errors.unexpected.get();
    checks.expect(
        accept == 0,
        format!(
            "servers' accepts: {} failed out of descriptors, {accept} otherwise",
            ledger.accept_errors.expected_errors.get()
        ),
    );
    let curve: Vec<String> = run
        .rss
        .iter()
        .step_by((run.rss.len() / 10).max(1))
        .map(|(t, rss, heap)| match heap {
            Some(heap) => format!("{t:.0}s {:.1}/{:.1}", mib(*rss), mib(*heap)),
            None => format!("{t:.0}s {:.1}", mib(*rss)),
        })
        .collect();
    println!("    resident/heap-in-use MiB: {}", curve.join(", "));
    checks.expect(
        figures.fds_after == figures.fds_before,
        format!(
            "descriptors: {} before the runtime, {} after its shutdown",
            figures.fds_before, figures.fds_after
        ),
    );

    let windows = ledger.latencies.percentiles();
    let window = ledger_window(ledger);
    let full: Vec<_> = windows
        .iter()
        .enumerate()
        .filter(|(i, (_, _, n))| ((*i + 1) as f64) * window <= run.stopped_at && *n >= 100)
        .collect();
    for (i, (p50, p99, n)) in &full {
        println!("    echo window {i}: p50 {p50} µs, p99 {p99} µs ({n} round trips)");
    }
    match full.first() {
        Some((_, (_, first, _))) => {
            let bound = P99_RATIO * (*first).max(P99_FLOOR_US);
            let worst = full.iter().map(|(_, (_, p99, _))| *p99).max().unwrap_or(0);
            checks.expect(
                worst <= bound,
                format!(
                    "echo p99: at most {worst} µs in any window, bound {bound} µs (3x the first's)"
                ),
            );
        }
        None => checks.expect(false, "echo latency: no full window".into()),
    }

    match checks.failures.len() {
        0 => println!("soak: every invariant held"),
        n => println!("soak: {n} invariants FAILED"),
    }
    checks.failures.is_empty()
}

fn ledger_window(ledger: &Ledger) -> f64 {
    ledger.latencies.window().as_secs_f64()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}
