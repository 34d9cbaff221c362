//! The runtime's counters move as documented under a scripted workload, and
//! `metrics::prometheus_text` is valid Prometheus text (checked with a small
//! parser of the exposition format here).
#![cfg(not(loom))]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use zokio::runtime::Builder;

/// Counters are published at parks: give every worker a moment to park.
fn settle() {
    std::thread::sleep(Duration::from_millis(50));
}

/// One task spawns 1,000 from a worker and joins them.
async fn spawn_burst_from_a_worker() {
    zokio::spawn(async {
        let tasks: Vec<_> = (0..1000).map(|_| zokio::spawn(async {})).collect();
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await
    .unwrap();
}

#[test]
fn counters_move_under_a_scripted_workload() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // One task spawns 1,000 from a worker: local schedules. (Whether
        // they overflow depends on how fast the other worker steals; the
        // test below overflows on purpose.)
        spawn_burst_from_a_worker().await;
        // A task that never waits spends its budget and is made to yield.
        zokio::spawn(async {
            for _ in 0..1000 {
                zokio::task::consume_budget().await;
            }
        })
        .await
        .unwrap();
        // Timers and socket events.
        for _ in 0..5 {
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
        let a = zokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = zokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let io = zokio::runtime::Handle::current()
            .metrics()
            .io()
            .copied()
            .unwrap();
        assert!(io.sources >= 2, "{io:?}");
        for _ in 0..10 {
            a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
            let mut buf = [0u8; 4];
            b.recv_from(&mut buf).await.unwrap();
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop((a, b));
        // Busy time: a worker runs for 30 ms.
        zokio::spawn(async {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(30) {
                std::hint::spin_loop();
            }
        })
        .await
        .unwrap();
    });
    settle();
    let m = rt.metrics();
    let workers: Vec<_> = (0..m.num_workers())
        .map(|i| *m.worker(i).unwrap())
        .collect();
    let sum = |f: fn(&zokio::metrics::WorkerMetrics) -> u64| workers.iter().map(f).sum::<u64>();
    assert!(sum(|w| w.polls) >= 1003, "{workers:?}");
    assert!(sum(|w| w.local_schedules) >= 1000, "{workers:?}");
    assert!(sum(|w| w.budget_forced_yields) >= 1, "{workers:?}");
    assert!(sum(|w| w.parks) >= 1, "{workers:?}");
    let busy: Duration = workers.iter().map(|w| w.busy_duration).sum();
    assert!(busy >= Duration::from_millis(30), "{busy:?}");
    assert!(workers.iter().any(|w| w.mean_poll_time() > Duration::ZERO));
    let time = m.time().unwrap();
    assert!(time.fired >= 15, "{time:?}");
    assert_eq!(time.armed, 0, "{time:?}");
    let io = m.io().unwrap();
    assert!(io.events >= 1, "{io:?}");
}

#[test]
fn a_burst_beyond_the_local_ring_overflows_into_the_injector() {
    // One worker: no thief drains the ring while the burst fills it.
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(spawn_burst_from_a_worker());
    settle();
    let worker = *rt.metrics().worker(0).unwrap();
    assert!(worker.overflows >= 1, "{worker:?}");
    assert!(worker.local_schedules >= 1000, "{worker:?}");
}

/// One sample line: the metric name, its labels, its value.
type Sample = (String, HashMap<String, String>, f64);

/// Parses the text format strictly enough to catch what a scraper rejects:
/// every sample belongs to a family announced by `# HELP` and `# TYPE`
/// lines, counters are named `_total`, labels are `name="value"` pairs,
/// values are numbers.
fn parse(text: &str) -> Result<(HashMap<String, String>, Vec<Sample>), String> {
    let mut types = HashMap::new();
    let mut helped = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').ok_or(format!("bad HELP: {line}"))?;
            helped.insert(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or(format!("bad TYPE: {line}"))?;
            if !["counter", "gauge"].contains(&kind) {
                return Err(format!("unknown type: {line}"));
            }
            if kind == "counter" && !name.ends_with("_total") {
                return Err(format!("a counter not named _total: {line}"));
            }
            types.insert(name.to_string(), kind.to_string());
        } else if line.is_empty() || line.starts_with('#') {
            return Err(format!("stray line: {line:?}"));
        } else {
            let (series, value) = line.rsplit_once(' ').ok_or(format!("no value: {line}"))?;
            let value: f64 = value.parse().map_err(|_| format!("bad value: {line}"))?;
            let (name, labels) = match series.split_once('{') {
                None => (series, ""),
                Some((name, rest)) => (
                    name,
                    rest.strip_suffix('}')
                        .ok_or(format!("bad labels: {line}"))?,
                ),
            };
            if !types.contains_key(name) || !helped.contains(name) {
                return Err(format!("a sample before its HELP and TYPE: {line}"));
            }
            let mut map = HashMap::new();
            for pair in labels.split(',').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or(format!("bad label: {line}"))?;
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .ok_or(format!("unquoted label: {line}"))?;
                map.insert(k.to_string(), v.to_string());
            }
            samples.push((name.to_string(), map, value));
        }
    }
    Ok((types, samples))
}

#[test]
fn the_prometheus_text_parses_and_carries_every_worker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..100 {
            zokio::spawn(async { zokio::task::yield_now().await })
                .await
                .unwrap();
        }
    });
    settle();
    let text = zokio::metrics::prometheus_text(rt.handle());
    let (types, samples) = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(types["zokio_worker_polls_total"], "counter");
    let id = rt.handle().id().to_string();
    let polls: Vec<_> = samples
        .iter()
        .filter(|(name, _, _)| name == "zokio_worker_polls_total")
        .collect();
    assert_eq!(polls.len(), 3, "{text}");
    assert!(polls.iter().all(|(_, labels, _)| labels["runtime"] == id));
    let total: f64 = polls.iter().map(|(_, _, v)| v).sum();
    assert!(total >= 200.0, "{text}");
    let workers = samples
        .iter()
        .find(|(name, _, _)| name == "zokio_workers")
        .unwrap();
    assert_eq!(workers.2, 3.0);
    // A broken text is caught by the parser.
    assert!(parse("zokio_x 1\n").is_err());
    assert!(parse("# HELP a b\n# TYPE a counter\na 1\n").is_err());
}
