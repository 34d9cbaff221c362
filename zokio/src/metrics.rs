//! Runtime counters: [`RuntimeMetrics`] (from `Handle::metrics()` or
//! `Runtime::metrics()`), each worker's [`WorkerMetrics`], the blocking
//! pool's [`BlockingMetrics`], and [`prometheus_text`] to serve them.
//!
//! Workers count in their own memory and publish every few dozen polls and
//! whenever they park, so a busy worker's figures lag by a few dozen polls
//! and none of this costs a shared write per poll.

use std::fmt::Write;

pub use crate::runtime::RuntimeMetrics;
pub use zokio_io::IoMetrics;
pub use zokio_sched::{BlockingMetrics, WorkerMetrics};
pub use zokio_time::TimeMetrics;

use crate::runtime::Handle;

/// The runtime's counters in Prometheus' text exposition format (version
/// 0.0.4), each series labelled with the runtime's id (and the worker's
/// index for per-worker ones), for a `/metrics` endpoint.
///
/// ```
/// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async { zokio::spawn(async {}).await.unwrap() });
/// let text = zokio::metrics::prometheus_text(rt.handle());
/// assert!(text.contains("# TYPE zokio_worker_polls_total counter"));
/// assert!(text.contains("zokio_workers{"));
/// ```
pub fn prometheus_text(handle: &Handle) -> String {
    let metrics = handle.metrics();
    let runtime = handle.id().to_string();
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, value: f64| {
        family(&mut out, name, "gauge", help);
        let _ = writeln!(out, "{name}{{runtime=\"{runtime}\"}} {value}");
    };
    gauge(
        "zokio_workers",
        "Worker threads.",
        metrics.num_workers() as f64,
    );
    gauge(
        "zokio_alive_tasks",
        "Tasks that have waited at least once and not finished.",
        metrics.alive_tasks() as f64,
    );
    gauge(
        "zokio_injector_depth",
        "Tasks waiting in the shared queue.",
        metrics.injector_depth() as f64,
    );
    let blocking = *metrics.blocking();
    gauge(
        "zokio_blocking_threads",
        "Blocking-pool threads alive.",
        blocking.threads as f64,
    );
    gauge(
        "zokio_blocking_idle_threads",
        "Blocking-pool threads waiting for a job.",
        blocking.idle_threads as f64,
    );
    gauge(
        "zokio_blocking_queue_depth",
        "Blocking jobs queued and not started.",
        blocking.queue_depth as f64,
    );
    family(
        &mut out,
        "zokio_blocking_spawn_failures_total",
        "counter",
        "Times a blocking thread could not be spawned.",
    );
    let _ = writeln!(
        out,
        "zokio_blocking_spawn_failures_total{{runtime=\"{runtime}\"}} {}",
        blocking.spawn_failures
    );

    if let Some(io) = metrics.io() {
        family(
            &mut out,
            "zokio_io_events_total",
            "counter",
            "Readiness events the reactor delivered.",
        );
        let _ = writeln!(
            out,
            "zokio_io_events_total{{runtime=\"{runtime}\"}} {}",
            io.events
        );
        family(
            &mut out,
            "zokio_io_sources",
            "gauge",
            "Sources registered with the reactor.",
        );
        let _ = writeln!(
            out,
            "zokio_io_sources{{runtime=\"{runtime}\"}} {}",
            io.sources
        );
    }
    if let Some(time) = metrics.time() {
        family(
            &mut out,
            "zokio_timers_armed",
            "gauge",
            "Timers in the wheel.",
        );
        let _ = writeln!(
            out,
            "zokio_timers_armed{{runtime=\"{runtime}\"}} {}",
            time.armed
        );
        family(
            &mut out,
            "zokio_timers_fired_total",
            "counter",
            "Timers fired.",
        );
        let _ = writeln!(
            out,
            "zokio_timers_fired_total{{runtime=\"{runtime}\"}} {}",
            time.fired
        );
    }

    let workers: Vec<WorkerMetrics> = (0..metrics.num_workers())
        .filter_map(|i| metrics.worker(i).copied())
        .collect();
    type Field = fn(&WorkerMetrics) -> f64;
    let per_worker: [(&str, &str, &str, Field); 13] = [
        (
            "zokio_worker_polls_total",
            "counter",
            "Tasks polled.",
            |w| w.polls as f64,
        ),
        (
            "zokio_worker_steals_total",
            "counter",
            "Successful steals.",
            |w| w.steals as f64,
        ),
        (
            "zokio_worker_stolen_tasks_total",
            "counter",
            "Tasks moved by steals.",
            |w| w.stolen_tasks as f64,
        ),
        (
            "zokio_worker_parks_total",
            "counter",
            "Times the worker went to sleep.",
            |w| w.parks as f64,
        ),
        (
            "zokio_worker_lifo_polls_total",
            "counter",
            "Polls of a task from the LIFO slot.",
            |w| w.lifo_polls as f64,
        ),
        (
            "zokio_worker_injector_pulls_total",
            "counter",
            "Batches taken from the shared queue.",
            |w| w.injector_pulls as f64,
        ),
        (
            "zokio_worker_handed_off_total",
            "counter",
            "Woken tasks handed to the worker on whose CPU their data arrived.",
            |w| w.handed_off as f64,
        ),
        (
            "zokio_worker_local_schedules_total",
            "counter",
            "Tasks scheduled from the worker's thread onto its own queue.",
            |w| w.local_schedules as f64,
        ),
        (
            "zokio_worker_overflows_total",
            "counter",
            "Times the local queue overflowed into its spill queue.",
            |w| w.overflows as f64,
        ),
        (
            "zokio_worker_budget_forced_yields_total",
            "counter",
            "Polls cut short by the cooperative budget.",
            |w| w.budget_forced_yields as f64,
        ),
        (
            "zokio_worker_busy_seconds_total",
            "counter",
            "Time spent running (not parked).",
            |w| w.busy_duration.as_secs_f64(),
        ),
        (
            "zokio_worker_mean_poll_seconds",
            "gauge",
            "Busy time per poll (an upper bound of the mean poll time).",
            |w| w.mean_poll_time().as_secs_f64(),
        ),
        (
            "zokio_worker_local_queue_depth",
            "gauge",
            "Tasks in the worker's local queue.",
            |w| w.local_queue_depth as f64,
        ),
    ];
    for (name, kind, help, field) in per_worker {
        family(&mut out, name, kind, help);
        for (index, worker) in workers.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}{{runtime=\"{runtime}\",worker=\"{index}\"}} {}",
                field(worker)
            );
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}
