//! Schedulers over a driver other than the thread parker: an idle worker
//! parks in the driver, events it delivers wake tasks, the driver is polled
//! while workers are busy, and shutdown releases what it holds.
#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use zokio_core::task::yield_now;
use zokio_core::{Driver, ThreadParker, ThreadUnparker};
use zokio_sched::{Config, CurrentThread, MultiThread};

mod support;
use support::{CountDrop, within};

/// A fake reactor: tasks register wakers; `fire` marks the event ready and
/// the next `park` wakes them, as an I/O driver does with readiness.
#[derive(Default)]
struct Events {
    ready: AtomicBool,
    waiters: Mutex<Vec<Waker>>,
    parks: AtomicUsize,
    polls: AtomicUsize,
    shutdowns: AtomicUsize,
}

struct FakeDriver {
    parker: ThreadParker,
    events: Arc<Events>,
    /// Deliver events only on non-blocking polls (a blocking park sleeps a
    /// millisecond and returns empty), so only busy workers' polls wake tasks.
    polls_only: bool,
    /// `(home, away)`: deliver only on polls made on CPU `home`, and say each
    /// wake's data arrived on CPU `away`, when asked (placement).
    origin: Option<(usize, usize)>,
}

impl FakeDriver {
    fn park_inner(&mut self, timeout: Option<Duration>, origins: bool) {
        if timeout == Some(Duration::ZERO) {
            self.events.polls.fetch_add(1, Ordering::Relaxed);
        } else {
            self.events.parks.fetch_add(1, Ordering::Relaxed);
        }
        if self.polls_only && timeout != Some(Duration::ZERO) {
            self.parker.park(Some(Duration::from_millis(1)));
            return;
        }
        self.parker.park(timeout);
        #[cfg(target_os = "linux")]
        if self.origin.is_some_and(|(home, _)| current_cpu() != home) {
            return;
        }
        if self.events.ready.load(Ordering::Acquire) {
            let waiters = std::mem::take(&mut *self.events.waiters.lock().unwrap());
            let wake = || waiters.into_iter().for_each(Waker::wake);
            match self.origin.filter(|_| origins) {
                Some((_, cpu)) => zokio_core::placement::with_wake_origin(cpu, wake),
                None => wake(),
            }
        }
    }
}

impl Driver for FakeDriver {
    type Unparker = ThreadUnparker;

    fn park(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, false);
    }

    fn park_with_origins(&mut self, timeout: Option<Duration>) {
        self.park_inner(timeout, true);
    }

    fn unparker(&self) -> ThreadUnparker {
        self.parker.unparker()
    }

    fn shutdown(&mut self) {
        self.events.shutdowns.fetch_add(1, Ordering::Relaxed);
        self.events.waiters.lock().unwrap().clear();
    }
}

/// Waits for the fake event.
struct WaitEvent(Arc<Events>);

impl Future for WaitEvent {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.ready.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        self.0.waiters.lock().unwrap().push(cx.waker().clone());
        Poll::Pending
    }
}

fn driver() -> (FakeDriver, Arc<Events>) {
    let events = Arc::new(Events::default());
    let driver = FakeDriver {
        parker: ThreadParker::new(),
        events: events.clone(),
        polls_only: false,
        origin: None,
    };
    (driver, events)
}

fn two_workers(driver: FakeDriver) -> MultiThread<FakeDriver> {
    let config = Config {
        worker_threads: 2,
        ..Config::default()
    };
    MultiThread::new(driver, config).unwrap()
}

#[test]
fn an_idle_worker_parks_in_the_driver_and_its_events_wake_tasks() {
    within(20, || {
        let (driver, events) = driver();
        let unparker = driver.unparker();
        let config = Config {
            worker_threads: 2,
            ..Config::default()
        };
        let rt = MultiThread::new(driver, config).unwrap();
        let task = rt.spawn(WaitEvent(events.clone()));
        // Let the workers go idle: one of them sleeps in the driver.
        while events.parks.load(Ordering::Relaxed) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        events.ready.store(true, Ordering::Release);
        zokio_core::Unpark::unpark(&unparker);
        rt.block_on(task).unwrap();
    });
}

#[test]
fn the_driver_is_polled_while_every_worker_is_busy() {
    within(20, || {
        let (driver, events) = driver();
        let config = Config {
            worker_threads: 1,
            ..Config::default()
        };
        let rt = MultiThread::new(driver, config).unwrap();
        let busy = rt.spawn(async {
            for _ in 0..10_000 {
                yield_now().await;
            }
        });
        rt.block_on(busy).unwrap();
        assert!(events.polls.load(Ordering::Relaxed) > 0);
    });
}

#[test]
fn tasks_a_busy_workers_driver_poll_wakes_reach_a_sleeping_worker() {
    within(30, || {
        let (mut driver, events) = driver();
        driver.polls_only = true;
        let rt = two_workers(driver);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        // Keeps one worker busy, so it polls the driver every few ticks.
        let busy = rt.spawn(async move {
            while !stop2.load(Ordering::Relaxed) {
                yield_now().await;
            }
        });
        let waiting: Vec<_> = (0..64)
            .map(|_| {
                let events = events.clone();
                rt.spawn(async move {
                    WaitEvent(events).await;
                    let until = std::time::Instant::now() + Duration::from_millis(2);
                    while std::time::Instant::now() < until {
                        std::hint::spin_loop();
                    }
                    std::thread::current().id()
                })
            })
            .collect();
        while events.waiters.lock().unwrap().len() < 64 {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Every waiter is parked on the event and the idle worker sleeps:
        // only the busy worker's polls deliver the event.
        events.ready.store(true, Ordering::Release);
        let threads: std::collections::HashSet<_> = waiting
            .into_iter()
            .map(|h| rt.block_on(h).unwrap())
            .collect();
        stop.store(true, Ordering::Relaxed);
        rt.block_on(busy).unwrap();
        assert_eq!(threads.len(), 2, "the sleeping worker never took a share");
    });
}

/// The CPUs this process may run on.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: `set` is a live, zeroed cpu_set_t of the size passed.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

#[cfg(target_os = "linux")]
fn pin_current_thread(cpu: usize) {
    // SAFETY: `set` is a live, zeroed cpu_set_t of the size passed.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        assert_eq!(
            libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set),
            0
        );
    }
}

#[cfg(target_os = "linux")]
fn current_cpu() -> usize {
    // SAFETY: no arguments, no memory of ours.
    usize::try_from(unsafe { libc::sched_getcpu() }).unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_busy_workers_poll_hands_tasks_to_the_worker_on_their_data_cpu() {
    let cpus = allowed_cpus();
    if cpus.len() < 2 {
        eprintln!("skipped: needs two CPUs, this process may use {cpus:?}");
        return;
    }
    let (home, away) = (cpus[0], cpus[1]);
    within(30, move || {
        let (mut driver, events) = driver();
        driver.polls_only = true;
        driver.origin = Some((home, away));
        // One worker pinned to each CPU.
        let next = Arc::new(AtomicUsize::new(0));
        let pin: zokio_sched::ThreadHook = Arc::new(move || {
            let i = next.fetch_add(1, Ordering::Relaxed);
            pin_current_thread([home, away][i % 2]);
        });
        let rt = MultiThread::new(
            driver,
            Config {
                worker_threads: 2,
                on_thread_start: Some(pin),
                ..Config::default()
            },
        )
        .unwrap();
        // Both workers busy, so both stay awake and both poll the driver.
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let busy: Vec<_> = (0..2)
            .map(|_| {
                let (stop, running) = (stop.clone(), running.clone());
                rt.spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        running.lock().unwrap().insert(current_cpu());
                        yield_now().await;
                    }
                })
            })
            .collect();
        while running.lock().unwrap().len() < 2 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let woken: Vec<_> = (0..64)
            .map(|_| {
                let events = events.clone();
                rt.spawn(async move {
                    WaitEvent(events).await;
                    current_cpu()
                })
            })
            .collect();
        while events.waiters.lock().unwrap().len() < 64 {
            std::thread::sleep(Duration::from_millis(1));
        }
        events.ready.store(true, Ordering::Release);
        let ran_on: Vec<usize> = woken.into_iter().map(|h| rt.block_on(h).unwrap()).collect();
        stop.store(true, Ordering::Relaxed);
        for b in busy {
            rt.block_on(b).unwrap();
        }
        // The home worker's poll woke them; each ran where its data came from.
        assert!(ran_on.iter().all(|&cpu| cpu == away), "ran on {ran_on:?}");
        let handed_off = || -> u64 { rt.metrics().workers.iter().map(|w| w.handed_off).sum() };
        // Counts are published when a worker parks, soon after the busy tasks end.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while handed_off() < 64 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(handed_off(), 64);
    });
}

#[test]
fn shutdown_cancels_tasks_waiting_on_the_driver_and_shuts_it_down() {
    within(20, || {
        let (driver, events) = driver();
        let rt = two_workers(driver);
        let dropped = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..100 {
            let guard = CountDrop(dropped.clone());
            let events = events.clone();
            handles.push(rt.spawn(async move {
                let _guard = guard;
                WaitEvent(events).await
            }));
        }
        while events.waiters.lock().unwrap().len() < 100 {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(rt);
        assert_eq!(dropped.load(Ordering::Relaxed), 100);
        assert_eq!(events.shutdowns.load(Ordering::Relaxed), 1);
        assert!(events.waiters.lock().unwrap().is_empty());
        for h in handles {
            assert!(zokio_core::block_on(h).unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn current_thread_polls_the_driver_while_local_work_is_plentiful() {
    let (driver, events) = driver();
    let rt = CurrentThread::new(driver, Config::default()).unwrap();
    rt.block_on(async {
        // One task yielding far more than `global_queue_interval` times: the
        // local queue is never empty, yet the driver must be polled.
        let spinner = zokio_sched::spawn(async {
            for _ in 0..1_000 {
                yield_now().await;
            }
        });
        spinner.await.unwrap();
    });
    assert!(events.polls.load(Ordering::Relaxed) > 0);
    let waiting = rt.spawn(WaitEvent(events.clone()));
    drop(rt);
    assert!(zokio_core::block_on(waiting).unwrap_err().is_cancelled());
    assert_eq!(events.shutdowns.load(Ordering::Relaxed), 1);
}
