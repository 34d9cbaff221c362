//! The runtime through the facade's public API: building, spawning, failure,
//! shutdown, hooks and handles.

use std::future::pending;
use std::io::ErrorKind;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio::runtime::{Builder, Handle};
use zokio::task::JoinSet;

fn rt(workers: usize) -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Counts drops of the value it is moved into.
#[derive(Clone, Default)]
struct DropCounter(Arc<AtomicUsize>);

struct Tracked(DropCounter);

impl Drop for Tracked {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::SeqCst);
    }
}

impl DropCounter {
    fn token(&self) -> Tracked {
        Tracked(self.clone())
    }
    fn drops(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[test]
fn invalid_settings_are_errors_from_build() {
    let zero_workers = Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(zero_workers.kind(), ErrorKind::InvalidInput);
    assert!(zero_workers.to_string().contains("worker_threads"));
    let zero_blocking = Builder::new_current_thread()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(zero_blocking.kind(), ErrorKind::InvalidInput);
    assert!(zero_blocking.to_string().contains("max_blocking_threads"));
}

#[test]
fn spawned_tasks_deliver_output_and_panics_leave_the_runtime_working() {
    let rt = rt(2);
    rt.block_on(async {
        let failing = zokio::spawn(async { panic!("task failure") });
        let err = failing.await.unwrap_err();
        assert!(err.is_panic());
        let mut set = JoinSet::new();
        for i in 0..100u32 {
            set.spawn(async move { i });
        }
        let mut sum = 0;
        while let Some(r) = set.join_next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, 4950);
    });
}

#[test]
fn abort_cancels_a_task_waiting_on_a_timer() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let token = drops.token();
    rt.block_on(async move {
        let task = zokio::spawn(async move {
            let _token = token;
            zokio::time::sleep(Duration::from_secs(3600)).await;
        });
        zokio::time::sleep(Duration::from_millis(5)).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(drops.drops(), 1);
}

#[test]
fn dropping_the_runtime_drops_every_pending_future() {
    let drops = DropCounter::default();
    let rt = rt(2);
    let listener_addr = rt.block_on(async {
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let token = drops.token();
        zokio::spawn(async move {
            let _token = token;
            let _ = listener.accept().await;
        });
        addr
    });
    for _ in 0..100 {
        let token = drops.token();
        rt.spawn(async move {
            let _token = token;
            pending::<()>().await
        });
        let token = drops.token();
        rt.spawn(async move {
            let _token = token;
            zokio::time::sleep(Duration::from_secs(3600)).await
        });
    }
    drop(rt);
    assert_eq!(
        drops.drops(),
        201,
        "every task's future is dropped at shutdown"
    );
    // The listener was closed with its task.
    assert!(std::net::TcpStream::connect(listener_addr).is_err());
}

#[test]
fn shutdown_timeout_returns_even_with_a_stuck_blocking_job() {
    let rt = rt(1);
    rt.spawn_blocking(|| std::thread::sleep(Duration::from_secs(10)));
    let start = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(50));
    // Far below the stuck job's 10 s: shutdown did not wait for it.
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_current_handle_is_found_in_tasks_and_after_enter() {
    assert!(Handle::try_current().is_err());
    let outside = catch_unwind(|| zokio::spawn(async {})).unwrap_err();
    let message = outside
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("no zokio runtime"), "{message}");

    let rt = rt(2);
    let from_task = rt.block_on(async {
        zokio::spawn(async { Handle::try_current().is_ok() })
            .await
            .unwrap()
    });
    assert!(from_task);
    let _guard = rt.enter();
    let task = zokio::spawn(async { 3 });
    assert_eq!(rt.block_on(task).unwrap(), 3);
}

#[test]
fn block_on_inside_a_task_fails_with_a_clear_message() {
    let rt = rt(1);
    let err =
        rt.block_on(rt.spawn(async {
            catch_unwind(AssertUnwindSafe(|| zokio::block_on(async {}))).is_err()
        }))
        .unwrap();
    assert!(err, "block_on on a worker must panic");
}

#[test]
fn thread_hooks_and_names_apply_to_workers() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hooked")
        .on_thread_start({
            let started = started.clone();
            move || {
                started.fetch_add(1, Ordering::SeqCst);
            }
        })
        .on_thread_stop({
            let stopped = stopped.clone();
            move || {
                stopped.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    let name = rt.block_on(rt.spawn(async { std::thread::current().name().map(String::from) }));
    assert_eq!(name.unwrap().as_deref(), Some("hooked"));
    // The worker that ran the task ran its start hook first; the other may
    // still be starting, as with tokio, since `build` does not wait for them.
    assert!(started.load(Ordering::SeqCst) >= 1);
    drop(rt);
    // Dropping the runtime joins every worker, each having run both hooks.
    assert_eq!(started.load(Ordering::SeqCst), 2);
    assert_eq!(stopped.load(Ordering::SeqCst), 2);
}

#[test]
fn a_current_thread_runtime_runs_local_tasks() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let value = zokio::task::LocalSet::new().block_on(&rt, async {
        let shared = std::rc::Rc::new(std::cell::Cell::new(1));
        let local = shared.clone();
        zokio::task::spawn_local(async move {
            zokio::time::sleep(Duration::from_millis(1)).await;
            local.set(local.get() + 1);
        })
        .await
        .unwrap();
        shared.get()
    });
    assert_eq!(value, 2);
}

#[test]
fn join_set_returns_in_completion_order_and_aborts_on_drop() {
    let rt = rt(2);
    let drops = DropCounter::default();
    rt.block_on(async {
        // Each task finishes when its gate opens; the gates open in an order
        // other than the spawn order, one at a time (no timing involved).
        let mut set = JoinSet::new();
        let mut gates = std::collections::HashMap::new();
        for n in [30u64, 10, 20] {
            let (open, gate) = zokio::sync::oneshot::channel::<()>();
            gates.insert(n, open);
            set.spawn(async move {
                gate.await.unwrap();
                n
            });
        }
        let mut order = Vec::new();
        for n in [10, 20, 30] {
            gates.remove(&n).unwrap().send(()).unwrap();
            order.push(set.join_next().await.unwrap().unwrap());
        }
        assert!(set.join_next().await.is_none());
        assert_eq!(order, [10, 20, 30]);

        let mut doomed = JoinSet::new();
        for _ in 0..10 {
            let token = drops.token();
            doomed.spawn(async move {
                let _token = token;
                pending::<()>().await
            });
        }
        assert_eq!(doomed.len(), 10);
        drop(doomed);
        // Aborted tasks are dropped by their workers; give them a moment.
        for _ in 0..100 {
            if drops.drops() == 10 {
                break;
            }
            zokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    assert_eq!(drops.drops(), 10);
}

#[test]
fn metrics_count_workers_and_alive_tasks() {
    let rt = rt(2);
    let m = rt.metrics();
    assert_eq!(m.num_workers(), 2);
    let (polled_tx, polled_rx) = zokio::sync::oneshot::channel();
    let blocker = rt.spawn(async move {
        polled_tx.send(()).unwrap();
        pending::<()>().await
    });
    rt.block_on(polled_rx).unwrap();
    // The task returns `Pending` right after the send; wait for that.
    for _ in 0..1000 {
        if rt.metrics().alive_tasks() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(rt.metrics().alive_tasks(), 1);
    blocker.abort();
    let _ = rt.block_on(blocker);
    // The worker forgets the task just after the poll that finished it, which
    // can be a moment after the join handle saw the result.
    for _ in 0..1000 {
        if rt.metrics().alive_tasks() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(rt.metrics().alive_tasks(), 0);
    assert!(rt.metrics().total_polls() >= 1);
}

#[test]
fn run_builds_a_runtime_with_time_and_io() {
    let echoed = zokio::run(async {
        use zokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        let mut client = zokio::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut back = [0u8; 5];
        zokio::time::timeout(Duration::from_secs(5), client.read_exact(&mut back))
            .await
            .unwrap()
            .unwrap();
        server.await.unwrap();
        back
    });
    assert_eq!(&echoed, b"hello");
}

#[test]
fn join_set_drains_more_tasks_than_one_polls_budget() {
    // Regression: with an exhausted budget, every entry re-queued itself and
    // `join_next` spun forever. 10,000 tasks is ~80 budgets' worth.
    let rt = rt(2);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let sum = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10_000u64 {
                set.spawn(async move { i });
            }
            let mut sum = 0;
            while let Some(r) = set.join_next().await {
                sum += r.unwrap();
            }
            sum
        });
        let _ = tx.send(sum);
    });
    let sum = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("join_next made no progress");
    assert_eq!(sum, 49_995_000);
}

#[test]
fn sockets_on_a_runtime_without_io_say_which_setting_is_missing() {
    // As timers do, and as in Tokio: the first use panics, naming the setting.
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let in_task = rt.block_on(rt.spawn(async {
        let _ = zokio::net::TcpListener::bind("127.0.0.1:0").await;
    }));
    let in_block_on = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let _ = zokio::net::TcpListener::bind("127.0.0.1:0").await;
        })
    }));
    for payload in [in_task.unwrap_err().into_panic(), in_block_on.unwrap_err()] {
        let message = payload.downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(message.contains("enable_io"), "{message}");
    }
    // The worker survived the panic.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

#[test]
fn timers_on_a_runtime_without_time_say_which_setting_is_missing() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_io()
        .build()
        .unwrap();
    let err = rt.block_on(rt.spawn(async { zokio::time::sleep(Duration::from_millis(1)).await }));
    let err = err.unwrap_err();
    assert!(err.is_panic());
    let message = err
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("enable_time"), "{message}");
    // The worker survived the panic.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

#[test]
fn a_current_thread_block_on_woken_by_its_own_driver_parks_once_per_event() {
    use zokio::io::AsyncReadExt;
    // The main future waits on a socket; each byte a thread writes wakes it
    // from the driver's dispatch, on the runtime's own thread. Each event
    // must cost one park: an unpark from that wake would make the next park
    // return at once, for nothing, and count a second one.
    const BYTES: u64 = 40;
    let rt = zokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    // Each byte goes out only once the previous one was read (acknowledged
    // on a channel, which no driver sees), after a pause in which the
    // reader parks: one event per park.
    let (ack, acked) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        for _ in 0..BYTES {
            std::thread::sleep(Duration::from_millis(2));
            b.write_all(&[1]).unwrap();
            acked.recv().unwrap();
        }
    });
    let parks = rt.block_on(async move {
        let mut a = zokio::net::UnixStream::from_std(a).unwrap();
        let before = zokio::runtime::Handle::current()
            .metrics()
            .worker(0)
            .unwrap()
            .parks;
        let mut byte = [0u8; 1];
        for _ in 0..BYTES {
            a.read_exact(&mut byte).await.unwrap();
            ack.send(()).unwrap();
        }
        zokio::runtime::Handle::current()
            .metrics()
            .worker(0)
            .unwrap()
            .parks
            - before
    });
    writer.join().unwrap();
    // A reader slowed past the writer's pause finds its byte without
    // parking; the counter must still have counted most of them.
    assert!(parks >= BYTES / 2, "a park per byte, nearly: {parks}");
    assert!(
        parks < BYTES * 3 / 2,
        "about one park per byte, not two: {parks}"
    );
}
