//! Entering runtimes and blocking on their handles: Tokio's
//! `tests/rt_handle.rs` and `tests/rt_handle_block_on.rs`, ported to Zokio's
//! names (where Zokio differs, the test says how), and the context of the
//! threads a runtime runs code on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio::runtime::{Builder, Handle};

fn multi(workers: usize) -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

fn current() -> zokio::runtime::CurrentThreadRuntime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

// ==== rt_handle.rs ====

#[test]
fn basic_enter() {
    let rt1 = multi(1);
    let rt2 = multi(1);
    let enter1 = rt1.enter();
    let enter2 = rt2.enter();
    drop(enter2);
    drop(enter1);
}

#[test]
#[should_panic(expected = "dropped out of order")]
fn interleave_enter_different_rt() {
    let rt1 = multi(1);
    let rt2 = multi(1);
    let enter1 = rt1.enter();
    let enter2 = rt2.enter();
    drop(enter1);
    drop(enter2);
}

#[test]
#[should_panic(expected = "dropped out of order")]
fn interleave_enter_same_rt() {
    let rt1 = multi(1);
    let _enter1 = rt1.enter();
    let enter2 = rt1.enter();
    let enter3 = rt1.enter();
    drop(enter2);
    drop(enter3);
}

#[test]
fn interleave_then_enter() {
    let _ = std::panic::catch_unwind(|| {
        let rt1 = multi(1);
        let rt2 = multi(1);
        let enter1 = rt1.enter();
        let enter2 = rt2.enter();
        drop(enter1);
        drop(enter2);
    });
    // Can still enter.
    let rt3 = multi(1);
    let _enter = rt3.enter();
}

#[test]
fn guards_of_other_layers_interleaved_with_a_runtime_s_are_caught_too() {
    // A timer handle entered on its own and a runtime entered over it share
    // the thread's one order.
    let rt = multi(1);
    let driver = zokio_time::TimeDriver::new(zokio_core::ThreadParker::new());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let timers = driver.handle().enter();
        let runtime = rt.enter();
        drop(timers);
        drop(runtime);
    }));
    assert!(result.is_err());
}

// ==== rt_handle_block_on.rs ====

/// Runs `f` on both flavors, with the runtime entered, before and after
/// shutting it down.
fn test_with_runtimes(f: impl Fn()) {
    {
        let rt = current();
        let _enter = rt.enter();
        f();
        rt.shutdown_timeout(Duration::from_secs(1000));
        f();
    }
    for workers in [1, 4] {
        let rt = multi(workers);
        let _enter = rt.enter();
        f();
        rt.shutdown_timeout(Duration::from_secs(1000));
        f();
    }
}

#[test]
fn basic() {
    test_with_runtimes(|| {
        let one = Handle::current().block_on(async { 1 });
        assert_eq!(1, one);
    });
}

#[test]
fn thread_park_ok() {
    let rt = multi(1);
    let mut exit = false;
    rt.handle().block_on(std::future::poll_fn(move |cx| {
        if exit {
            return std::task::Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        // Consuming the thread's park token must not hang the block_on.
        std::thread::current().unpark();
        std::thread::park();
        exit = true;
        std::task::Poll::Pending
    }));
}

macro_rules! rt_test {
    ($($t:tt)*) => {
        mod current_thread_scheduler {
            use super::*;
            fn rt() -> zokio::runtime::CurrentThreadRuntime { current() }
            $($t)*
        }
        mod threaded_scheduler_4_threads {
            use super::*;
            fn rt() -> zokio::Runtime { multi(4) }
            $($t)*
        }
        mod threaded_scheduler_1_thread {
            use super::*;
            fn rt() -> zokio::Runtime { multi(1) }
            $($t)*
        }
    };
}

rt_test! {
    use zokio::task::spawn_blocking;

    #[test]
    fn basic_spawn_blocking() {
        let rt = rt();
        let _enter = rt.enter();
        let answer = Handle::current()
            .block_on(spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(100));
                42
            }))
            .unwrap();
        assert_eq!(answer, 42);
    }

    #[test]
    fn spawn_blocking_after_shutdown_fails() {
        let rt = rt();
        let _enter = rt.enter();
        rt.shutdown_timeout(Duration::from_secs(1000));
        let join_err = Handle::current()
            .block_on(spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(100));
                42
            }))
            .unwrap_err();
        assert!(join_err.is_cancelled());
    }

    #[test]
    fn spawn_blocking_started_before_shutdown_continues() {
        let rt = rt();
        let _enter = rt.enter();
        let handle = spawn_blocking(|| {
            std::thread::sleep(Duration::from_secs(1));
            42
        });
        rt.shutdown_timeout(Duration::from_secs(1000));
        let answer = Handle::current().block_on(handle).unwrap();
        assert_eq!(answer, 42);
    }

    #[test]
    fn tcp_listener_bind() {
        let rt = rt();
        let _enter = rt.enter();
        Handle::current()
            .block_on(zokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
    }

    #[test]
    fn udp_socket_bind() {
        let rt = rt();
        let _enter = rt.enter();
        Handle::current()
            .block_on(zokio::net::UdpSocket::bind("127.0.0.1:0"))
            .unwrap();
    }

    // Tokio's message, which Zokio's `Handle::block_on` gives too.
    #[test]
    #[should_panic(expected = "Cannot start a runtime from within a runtime")]
    fn nesting() {
        fn some_non_async_function() -> i32 {
            Handle::current().block_on(zokio::time::sleep(Duration::from_millis(10)));
            1
        }
        let rt = rt();
        rt.block_on(async { zokio::spawn(async { some_non_async_function() }).await })
            .map_err(|e| std::panic::resume_unwind(e.into_panic()))
            .unwrap();
    }

    #[test]
    fn spawn_after_runtime_dropped() {
        let rt = rt();
        let handle = rt.block_on(async move { Handle::current() });
        let jh1 = handle.spawn(std::future::pending::<()>());
        drop(rt);
        let jh2 = handle.spawn(std::future::pending::<()>());
        let err1 = zokio::block_on(jh1).unwrap_err();
        let err2 = zokio::block_on(jh2).unwrap_err();
        assert!(err1.is_cancelled());
        assert!(err2.is_cancelled());
    }

    // ==== the context of a runtime's threads ====

    /// A blocking thread enters every layer of its runtime, as a worker does
    /// (it used to enter only the scheduler, so a timer there panicked with
    /// "this runtime was built without timers").
    #[test]
    fn a_blocking_thread_is_inside_every_layer_of_its_runtime() {
        let rt = rt();
        let elapsed = rt
            .spawn_blocking(|| {
                let handle = Handle::current();
                let started = std::time::Instant::now();
                handle.block_on(zokio::time::sleep(Duration::from_millis(20)));
                let bound = handle.block_on(zokio::net::TcpListener::bind("127.0.0.1:0"));
                assert!(bound.is_ok());
                let spawned = handle.block_on(zokio::spawn(async { 5 }));
                assert_eq!(spawned.unwrap(), 5);
                started.elapsed()
            });
        let elapsed = rt.block_on(elapsed).unwrap();
        assert!(elapsed >= Duration::from_millis(20));
    }

    /// Shutdown drops what its tasks still hold inside the runtime: a task's
    /// `Drop` finds its runtime and may touch its timers (the current-thread
    /// flavor used to drop leftovers outside any context).
    #[test]
    fn leftover_tasks_are_dropped_inside_their_runtime() {
        let rt = rt();
        let saw_runtime = Arc::new(AtomicUsize::new(0));
        let waiting = InsideOnDrop(saw_runtime.clone());
        let queued = InsideOnDrop(saw_runtime.clone());
        rt.block_on(async {
            zokio::spawn(async move {
                let _guard = waiting;
                std::future::pending::<()>().await;
            });
            zokio::task::yield_now().await;
        });
        // Spawned from outside and never polled: only shutdown drops it.
        rt.handle().spawn(async move {
            let _guard = queued;
        });
        drop(rt);
        assert_eq!(saw_runtime.load(Ordering::SeqCst), 2);
    }
}

/// Counts its drops that happened inside a runtime whose timers work.
struct InsideOnDrop(Arc<AtomicUsize>);

impl Drop for InsideOnDrop {
    fn drop(&mut self) {
        if Handle::try_current().is_ok() {
            // Arming a timer reaches the runtime's time layer.
            let sleep = std::pin::pin!(zokio::time::sleep(Duration::from_secs(1)));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let _ = std::future::Future::poll(sleep, &mut cx);
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn unix_listener_bind_and_sleep_on_a_multi_thread_handle() {
    for workers in [1, 4] {
        let rt = multi(workers);
        let _enter = rt.enter();
        let dir =
            std::env::temp_dir().join(format!("zokio-rt-handle-{}-{workers}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let listener = zokio::net::UnixListener::bind(&dir).unwrap();
        // This times out rather than failing at once: the runtime is running.
        let _: zokio::time::error::Elapsed = Handle::current()
            .block_on(zokio::time::timeout(
                Duration::from_millis(10),
                listener.accept(),
            ))
            .unwrap_err();
        Handle::current().block_on(zokio::time::sleep(Duration::from_millis(100)));
        drop(listener);
        let _ = std::fs::remove_file(&dir);
    }
}
