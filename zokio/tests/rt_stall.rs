//! The stall watchdog (`Builder::stall_threshold`, `on_stall`): a task stuck
//! in one poll is reported while stuck, within twice the threshold, once,
//! with its name and spawn location when task dumps are on; short polls are never reported; each
//! worker's stall names that worker (on the thread-per-core flavor too);
//! the monitor thread ends with the runtime.
#![cfg(not(loom))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zokio::runtime::{Builder, StallInfo};
use zokio::task::Id;

mod support {
    pub mod spawn_here;
}
use support::spawn_here::{Place, spawn_here};

type Reports = Arc<Mutex<Vec<(StallInfo, Instant)>>>;

fn runtime(flavor: &str, threshold: Duration) -> (zokio::Runtime, Reports) {
    runtime_with(flavor, threshold, false)
}

/// As `runtime`, with task dumps on or off (names and locations need them).
fn runtime_with(flavor: &str, threshold: Duration, dumps: bool) -> (zokio::Runtime, Reports) {
    let reports: Reports = Arc::default();
    let sink = reports.clone();
    let mut builder = match flavor {
        "current" => Builder::new_current_thread(),
        "tpc" => Builder::new_thread_per_core(),
        _ => Builder::new_multi_thread(),
    };
    if flavor != "current" {
        builder.worker_threads(2);
    }
    if dumps {
        builder.enable_task_dump();
    }
    let rt = builder
        .enable_all()
        .stall_threshold(threshold)
        .on_stall(move |info| sink.lock().unwrap().push((info.clone(), Instant::now())))
        .build()
        .unwrap();
    (rt, reports)
}

/// Spins (never yields) for `length`; returns its id and when it began.
async fn busy(length: Duration) -> (Id, Instant) {
    let start = Instant::now();
    while start.elapsed() < length {
        std::hint::spin_loop();
    }
    (zokio::task::id(), start)
}

#[test]
fn a_task_stuck_in_one_poll_is_reported_once_within_twice_the_threshold() {
    let threshold = Duration::from_millis(200);
    for flavor in ["current", "multi"] {
        let (rt, reports) = runtime(flavor, threshold);
        let (id, start) = rt.block_on(rt.spawn(busy(threshold * 4))).unwrap();
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{flavor}: {reports:?}");
        let (info, at) = &reports[0];
        assert_eq!(info.task, id, "{flavor}");
        assert_eq!(info.threshold, threshold);
        let after = *at - start;
        assert!(
            after >= threshold && after <= threshold * 2,
            "{flavor}: reported {after:?} after the poll began"
        );
        assert!(
            info.stuck_for >= threshold && info.stuck_for <= after,
            "{info:?}"
        );
        assert!(info.to_string().contains(&format!("task {id}")), "{info}");
    }
}

#[test]
fn short_polls_are_never_reported() {
    let (rt, reports) = runtime("multi", Duration::from_millis(500));
    rt.block_on(async {
        let tasks: Vec<_> = (0..2000)
            .map(|i| {
                zokio::spawn(async move {
                    for _ in 0..10 {
                        zokio::task::yield_now().await;
                    }
                    zokio::time::sleep(Duration::from_micros(i % 500)).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    drop(rt);
    assert!(
        reports.lock().unwrap().is_empty(),
        "{:?}",
        reports.lock().unwrap()
    );
}

#[test]
fn stalls_on_two_workers_name_their_workers_and_a_long_stall_is_one_report() {
    let threshold = Duration::from_millis(100);
    let (rt, reports) = runtime("multi", threshold);
    rt.block_on(async {
        let a = zokio::spawn(busy(threshold * 6));
        let b = zokio::spawn(busy(threshold * 6));
        let (a, b) = (a.await.unwrap().0, b.await.unwrap().0);
        let reports = reports.lock().unwrap();
        let mut tasks: Vec<Id> = reports.iter().map(|(info, _)| info.task).collect();
        tasks.sort();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(tasks, expected, "{reports:?}");
        let mut workers: Vec<usize> = reports.iter().map(|(info, _)| info.worker).collect();
        workers.sort();
        assert_eq!(workers, [0, 1], "{reports:?}");
    });
}

#[test]
fn a_report_names_the_task_and_where_it_was_spawned() {
    let threshold = Duration::from_millis(100);
    for flavor in ["current", "multi"] {
        let (rt, reports) = runtime_with(flavor, threshold, true);
        let (task, location) =
            spawn_here(rt.handle(), Place::Named("spinner"), busy(threshold * 3));
        let id = rt.block_on(task).unwrap().0;
        let (unnamed, unnamed_at) = spawn_here(rt.handle(), Place::Anywhere, busy(threshold * 3));
        let unnamed_id = rt.block_on(unnamed).unwrap().0;
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 2, "{flavor}: {reports:?}");
        let (info, _) = &reports[0];
        assert_eq!(info.task, id, "{flavor}");
        assert_eq!(info.name.as_deref(), Some("spinner"), "{flavor}");
        assert_eq!(info.location, Some(location), "{flavor}");
        let line = format!("zokio: task {id} \"spinner\" (spawned at {location}) has held worker");
        assert!(info.to_string().starts_with(&line), "{info}");
        let (info, _) = &reports[1];
        assert_eq!((info.task, info.name.as_deref()), (unnamed_id, None));
        assert_eq!(info.location, Some(unnamed_at), "{flavor}");
    }
}

#[test]
fn without_task_dumps_a_report_has_the_id_and_worker_only() {
    let threshold = Duration::from_millis(100);
    let (rt, reports) = runtime("multi", threshold);
    let task = rt.spawn(busy(threshold * 3));
    let id = rt.block_on(task).unwrap().0;
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let (info, _) = &reports[0];
    assert_eq!(
        (info.task, info.name.as_deref(), info.location),
        (id, None, None)
    );
    assert!(info.worker < 2, "{info}");
}

#[test]
fn thread_per_core_stalls_name_the_real_worker() {
    let threshold = Duration::from_millis(100);
    let (rt, reports) = runtime("tpc", threshold);
    for worker in [1, 0] {
        let (task, _) = spawn_here(rt.handle(), Place::Worker(worker), busy(threshold * 3));
        let id = rt.block_on(task).unwrap().0;
        let reports = reports.lock().unwrap();
        let (info, _) = reports.last().expect("a report");
        assert_eq!((info.task, info.worker), (id, worker), "{reports:?}");
    }
    assert_eq!(reports.lock().unwrap().len(), 2);
}

fn watchdog_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                // The kernel keeps 15 bytes of a thread name.
                .filter(|name| name.trim() == "zokio-stall-wat")
                .count()
        })
        .unwrap_or(0)
}

const ALONE: &str = "ZOKIO_RT_STALL_ALONE";

/// Counted in a child process running only this test: the other tests'
/// monitors come and go meanwhile.
#[test]
#[cfg(target_os = "linux")]
fn the_monitor_ends_with_the_runtime_and_a_zero_threshold_is_an_error() {
    if std::env::var_os(ALONE).is_none() {
        let name = "the_monitor_ends_with_the_runtime_and_a_zero_threshold_is_an_error";
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture"])
            .env(ALONE, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("1 passed"), "{stdout}");
        return;
    }
    assert_eq!(watchdog_threads(), 0);
    let (rt, _) = runtime("multi", Duration::from_millis(50));
    // A new thread names itself once it runs.
    let deadline = Instant::now() + Duration::from_secs(5);
    while watchdog_threads() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(watchdog_threads(), 1);
    drop(rt);
    assert_eq!(watchdog_threads(), 0, "the monitor outlived its runtime");
    let err = Builder::new_multi_thread()
        .stall_threshold(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("stall threshold"), "{err}");
}
