//! Port of tokio/tests/rt_common.rs to the thread-per-core flavor
//! (`Builder::new_thread_per_core().worker_threads(2)`; Tokio's `rt_test!`
//! runs the same bodies on its current-thread and multi-thread runtimes).
//! Ported: 34 of its tests: block_on_sync, block_on_async, spawn_one_bg,
//! spawn_one_join, spawn_two, spawn_many_from_block_on,
//! spawn_many_from_task, spawn_one_from_block_on_called_on_handle,
//! spawn_await_chain, outstanding_tasks_dropped, nested_rt,
//! create_rt_in_block_on, complete_block_on_under_load,
//! complete_task_under_load, spawn_from_other_thread_idle,
//! spawn_from_other_thread_under_load, sleep_at_root, sleep_in_spawn,
//! block_on_socket, spawn_from_blocking, spawn_blocking_from_blocking,
//! sleep_from_blocking, socket_from_blocking, always_active_parker,
//! client_server_block_on, panic_in_task, panic_in_block_on,
//! enter_and_spawn, eagerly_drops_futures_on_shutdown,
//! wake_while_rt_is_dropping, io_notify_while_shutting_down,
//! shutdown_timeout, shutdown_timeout_0, shutdown_wakeup_time.
//! Left out: io_driver_called_when_under_load and the yield/coop ones
//! (yield_defers_until_park, coop, coop_unconstrained, coop_consume_budget),
//! which rely on one scheduler seeing both ends of the test (here they may
//! sit on different workers). io_notify_while_shutting_down puts its
//! blocking receiver on worker 1 (see there). Also left out: the LocalSet and thread-local runtime cases,
//! which rt_common.rs runs on every `Runtime` already.
#![cfg(not(loom))]

mod support {
    pub mod watchdog;
}

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use support::watchdog::Watchdog;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::Runtime;
use zokio::sync::oneshot;
use zokio::{task, time};

fn rt() -> Arc<Runtime> {
    zokio::runtime::Builder::new_thread_per_core()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .into()
}

async fn yield_once() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

#[test]
fn block_on_sync() {
    let _dog = Watchdog::start();
    let rt = rt();
    let mut win = false;
    rt.block_on(async {
        win = true;
    });
    assert!(win);
}

#[test]
fn block_on_async() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            tx.send("ZOMG").unwrap();
        });
        rx.await.unwrap()
    });
    assert_eq!(out, "ZOMG");
}

#[test]
fn spawn_one_bg() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        zokio::spawn(async move {
            tx.send("ZOMG").unwrap();
        });
        rx.await.unwrap()
    });
    assert_eq!(out, "ZOMG");
}

#[test]
fn spawn_one_join() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let handle = zokio::spawn(async move {
            tx.send("ZOMG").unwrap();
            "DONE"
        });
        let msg = rx.await.unwrap();
        assert_eq!(handle.await.unwrap(), "DONE");
        msg
    });
    assert_eq!(out, "ZOMG");
}

#[test]
fn spawn_two() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async {
        let (tx1, rx1) = oneshot::channel();
        let (tx2, rx2) = oneshot::channel();
        zokio::spawn(async move {
            tx1.send("ZOMG").unwrap();
        });
        zokio::spawn(async move {
            let msg = rx1.await.unwrap();
            tx2.send(msg).unwrap();
        });
        rx2.await.unwrap()
    });
    assert_eq!(out, "ZOMG");
}

/// The body of spawn_many_from_block_on and spawn_many_from_task.
async fn spawn_many(iter: usize) -> Vec<usize> {
    use zokio::sync::mpsc;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut txs = (0..iter)
        .map(|i| {
            let (tx, rx) = oneshot::channel();
            let done_tx = done_tx.clone();
            zokio::spawn(async move {
                let msg = rx.await.unwrap();
                assert_eq!(i, msg);
                done_tx.send(msg).unwrap();
            });
            tx
        })
        .collect::<Vec<_>>();
    drop(done_tx);
    thread::spawn(move || {
        for (i, tx) in txs.drain(..).enumerate() {
            tx.send(i).unwrap();
        }
    });
    let mut out = vec![];
    while let Some(i) = done_rx.recv().await {
        out.push(i);
    }
    out.sort_unstable();
    out
}

#[test]
fn spawn_many_from_block_on() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(spawn_many(200));
    assert_eq!(out, (0..200).collect::<Vec<_>>());
}

#[test]
fn spawn_many_from_task() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async { zokio::spawn(spawn_many(500)).await.unwrap() });
    assert_eq!(out, (0..500).collect::<Vec<_>>());
}

#[test]
fn spawn_one_from_block_on_called_on_handle() {
    let _dog = Watchdog::start();
    let rt = rt();
    let (tx, rx) = oneshot::channel();
    #[allow(clippy::async_yields_async)]
    let handle = rt.handle().block_on(async {
        zokio::spawn(async move {
            tx.send("ZOMG").unwrap();
            "DONE"
        })
    });
    let out = rt.block_on(async {
        let msg = rx.await.unwrap();
        assert_eq!(handle.await.unwrap(), "DONE");
        msg
    });
    assert_eq!(out, "ZOMG");
}

#[test]
fn spawn_await_chain() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async {
        zokio::spawn(async { zokio::spawn(async { "hello" }).await.unwrap() })
            .await
            .unwrap()
    });
    assert_eq!(out, "hello");
}

#[test]
fn outstanding_tasks_dropped() {
    let _dog = Watchdog::start();
    let rt = rt();
    let cnt = Arc::new(());
    rt.block_on(async {
        let cnt = cnt.clone();
        zokio::spawn(poll_fn(move |_| {
            assert_eq!(2, Arc::strong_count(&cnt));
            Poll::<()>::Pending
        }));
    });
    assert_eq!(2, Arc::strong_count(&cnt));
    drop(rt);
    assert_eq!(1, Arc::strong_count(&cnt));
}

#[test]
#[should_panic]
fn nested_rt() {
    let rt1 = rt();
    let rt2 = rt();
    rt1.block_on(async { rt2.block_on(async { "hello" }) });
}

#[test]
fn create_rt_in_block_on() {
    let _dog = Watchdog::start();
    let rt1 = rt();
    let rt2 = rt1.block_on(async { rt() });
    assert_eq!(rt2.block_on(async { "ZOMG" }), "ZOMG");
}

#[test]
fn complete_block_on_under_load() {
    let _dog = Watchdog::start();
    let rt = rt();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        zokio::spawn(async {
            loop {
                yield_once().await;
            }
        });
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            tx.send(()).unwrap();
        });
        rx.await.unwrap();
    });
}

#[test]
fn complete_task_under_load() {
    let _dog = Watchdog::start();
    let rt = rt();
    rt.block_on(async {
        let (tx1, rx1) = oneshot::channel();
        let (tx2, rx2) = oneshot::channel();
        zokio::spawn(async {
            loop {
                yield_once().await;
            }
        });
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            tx1.send(()).unwrap();
        });
        zokio::spawn(async move {
            rx1.await.unwrap();
            tx2.send(()).unwrap();
        });
        rx2.await.unwrap();
    });
}

#[test]
fn spawn_from_other_thread_idle() {
    let _dog = Watchdog::start();
    let rt = rt();
    let handle = rt.clone();
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        handle.spawn(async move {
            tx.send(()).unwrap();
        });
    });
    rt.block_on(async move { rx.await.unwrap() });
}

#[test]
fn spawn_from_other_thread_under_load() {
    let _dog = Watchdog::start();
    let rt = rt();
    let handle = rt.clone();
    let (tx, rx) = oneshot::channel();
    thread::spawn(move || {
        handle.spawn(async move {
            tx.send(()).unwrap();
        });
    });
    rt.block_on(async move {
        zokio::spawn(async {
            loop {
                yield_once().await;
            }
        });
        rx.await.unwrap();
    });
}

#[test]
fn sleep_at_root() {
    let _dog = Watchdog::start();
    let rt = rt();
    let now = Instant::now();
    let dur = Duration::from_millis(50);
    rt.block_on(async move { time::sleep(dur).await });
    assert!(now.elapsed() >= dur);
}

#[test]
fn sleep_in_spawn() {
    let _dog = Watchdog::start();
    let rt = rt();
    let now = Instant::now();
    let dur = Duration::from_millis(50);
    rt.block_on(async move {
        let (tx, rx) = oneshot::channel();
        zokio::spawn(async move {
            time::sleep(dur).await;
            tx.send(()).unwrap();
        });
        rx.await.unwrap();
    });
    assert!(now.elapsed() >= dur);
}

#[test]
fn block_on_socket() {
    let _dog = Watchdog::start();
    let rt = rt();
    rt.block_on(async move {
        let (tx, rx) = oneshot::channel();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(async move {
            let _ = listener.accept().await;
            tx.send(()).unwrap();
        });
        TcpStream::connect(&addr).await.unwrap();
        rx.await.unwrap();
    });
}

#[test]
fn spawn_from_blocking() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async move {
        let inner = task::spawn_blocking(|| zokio::spawn(async move { "hello" }))
            .await
            .unwrap();
        inner.await.unwrap()
    });
    assert_eq!(out, "hello")
}

#[test]
fn spawn_blocking_from_blocking() {
    let _dog = Watchdog::start();
    let rt = rt();
    let out = rt.block_on(async move {
        let inner = task::spawn_blocking(|| task::spawn_blocking(|| "hello"))
            .await
            .unwrap();
        inner.await.unwrap()
    });
    assert_eq!(out, "hello")
}

#[test]
fn sleep_from_blocking() {
    let _dog = Watchdog::start();
    let rt = rt();
    rt.block_on(async move {
        task::spawn_blocking(|| {
            let now = Instant::now();
            let dur = Duration::from_millis(1);
            // An executor of no runtime: the thread's own context is used.
            futures_lite::future::block_on(async { time::sleep(dur).await });
            assert!(now.elapsed() >= dur);
        })
        .await
        .unwrap();
    });
}

#[test]
fn socket_from_blocking() {
    let _dog = Watchdog::start();
    let rt = rt();
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = task::spawn_blocking(move || {
            futures_lite::future::block_on(async {
                TcpStream::connect(addr).await.unwrap();
            });
        });
        let _ = listener.accept().await.unwrap();
        peer.await.unwrap();
    });
}

#[test]
fn always_active_parker() {
    let _dog = Watchdog::start();
    let rt = rt();
    let rt2 = rt.clone();
    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let jh1 = thread::spawn(move || {
        rt.block_on(async move {
            rx2.await.unwrap();
            time::sleep(Duration::from_millis(5)).await;
            tx1.send(()).unwrap();
        });
    });
    let jh2 = thread::spawn(move || {
        rt2.block_on(async move {
            tx2.send(()).unwrap();
            time::sleep(Duration::from_millis(5)).await;
            rx1.await.unwrap();
            time::sleep(Duration::from_millis(5)).await;
        });
    });
    jh1.join().unwrap();
    jh2.join().unwrap();
}

async fn client_server(tx: mpsc::Sender<()>) {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    zokio::spawn(async move {
        let (mut socket, _) = server.accept().await.unwrap();
        socket.write_all(b"hello").await.unwrap();
    });
    let mut client = TcpStream::connect(&addr).await.unwrap();
    let mut buf = vec![];
    client.read_to_end(&mut buf).await.unwrap();
    assert_eq!(buf, b"hello");
    tx.send(()).unwrap();
}

#[test]
fn client_server_block_on() {
    let _dog = Watchdog::start();
    let rt = rt();
    let (tx, rx) = mpsc::channel();
    rt.block_on(async move { client_server(tx).await });
    rx.try_recv().unwrap();
    assert!(rx.try_recv().is_err());
}

#[test]
fn panic_in_task() {
    let _dog = Watchdog::start();
    let rt = rt();
    let (tx, rx) = oneshot::channel();

    struct Boom(Option<oneshot::Sender<()>>);

    impl Future for Boom {
        type Output = ();

        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
            panic!();
        }
    }

    impl Drop for Boom {
        fn drop(&mut self) {
            assert!(std::thread::panicking());
            self.0.take().unwrap().send(()).unwrap();
        }
    }

    rt.spawn(Boom(Some(tx)));
    rt.block_on(rx).unwrap();
}

#[test]
#[should_panic]
fn panic_in_block_on() {
    let rt = rt();
    rt.block_on(async { panic!() });
}

#[test]
fn enter_and_spawn() {
    let _dog = Watchdog::start();
    let rt = rt();
    let handle = {
        let _enter = rt.enter();
        zokio::spawn(async {})
    };
    rt.block_on(handle).unwrap();
}

#[test]
fn eagerly_drops_futures_on_shutdown() {
    let _dog = Watchdog::start();

    struct Never {
        drop_tx: mpsc::Sender<()>,
    }

    impl Future for Never {
        type Output = ();

        fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }

    impl Drop for Never {
        fn drop(&mut self) {
            self.drop_tx.send(()).unwrap();
        }
    }

    let rt = rt();
    let (drop_tx, drop_rx) = mpsc::channel();
    let (run_tx, run_rx) = oneshot::channel();
    rt.block_on(async move {
        zokio::spawn(async move {
            run_tx.send(()).unwrap();
            Never { drop_tx }.await
        });
        run_rx.await.unwrap();
    });
    drop(rt);
    drop_rx.recv().unwrap();
}

#[test]
fn wake_while_rt_is_dropping() {
    let _dog = Watchdog::start();
    use zokio::sync::Barrier;

    struct OnDrop<F: FnMut()>(F);

    impl<F: FnMut()> Drop for OnDrop<F> {
        fn drop(&mut self) {
            (self.0)()
        }
    }

    let (tx1, rx1) = oneshot::channel();
    let (tx2, rx2) = oneshot::channel();
    let barrier = Arc::new(Barrier::new(3));
    let barrier1 = barrier.clone();
    let barrier2 = barrier.clone();
    let rt = rt();
    rt.spawn(async move {
        let mut tx2 = Some(tx2);
        let _d = OnDrop(move || {
            let _ = tx2.take().unwrap().send(());
        });
        let _ = zokio::join!(rx1, barrier1.wait());
    });
    rt.spawn(async move {
        let mut tx1 = Some(tx1);
        let _d = OnDrop(move || {
            let _ = tx1.take().unwrap().send(());
        });
        let _ = zokio::join!(rx2, barrier2.wait());
    });
    rt.block_on(barrier.wait());
    // Whichever task is dropped first wakes the other, perhaps on the other
    // worker, while that one shuts down.
    drop(rt);
}

#[test]
fn io_notify_while_shutting_down() {
    let _dog = Watchdog::start();
    use zokio::net::UdpSocket;
    for _ in 1..10 {
        let runtime = rt();
        runtime.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = socket.local_addr().unwrap();
            let send_half = Arc::new(socket);
            let recv_half = send_half.clone();
            // On worker 1, not the next in turn: this task blocks its worker
            // (the 2 ms sleeps, with data always waiting, as the sender runs
            // in parallel), and worker 0's driver holds `block_on`'s timer,
            // which a blocked worker 0 would fire only seconds late.
            let on_1 = zokio::runtime::Handle::current();
            on_1.spawn_on(1, async move {
                let mut buf = [0];
                loop {
                    recv_half.recv_from(&mut buf).await.unwrap();
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
            .unwrap();
            zokio::spawn(async move {
                let buf = [0];
                loop {
                    send_half.send_to(&buf, &addr).await.unwrap();
                    time::sleep(Duration::from_millis(1)).await;
                }
            });
            time::sleep(Duration::from_millis(5)).await;
        });
    }
}

#[test]
fn shutdown_timeout() {
    let _dog = Watchdog::start();
    let (tx, rx) = oneshot::channel();
    let runtime = rt();
    runtime.block_on(async move {
        task::spawn_blocking(move || {
            tx.send(()).unwrap();
            thread::sleep(Duration::from_secs(10_000));
        });
        rx.await.unwrap();
    });
    Arc::try_unwrap(runtime)
        .unwrap()
        .shutdown_timeout(Duration::from_millis(100));
}

#[test]
fn shutdown_timeout_0() {
    let _dog = Watchdog::start();
    let runtime = rt();
    runtime.block_on(async move {
        task::spawn_blocking(move || {
            thread::sleep(Duration::from_secs(10_000));
        });
    });
    let now = Instant::now();
    Arc::try_unwrap(runtime)
        .unwrap()
        .shutdown_timeout(Duration::from_nanos(0));
    assert!(now.elapsed().as_secs() < 1);
}

#[test]
fn shutdown_wakeup_time() {
    let _dog = Watchdog::start();
    let runtime = rt();
    runtime.block_on(async move {
        time::sleep(Duration::from_millis(100)).await;
    });
    Arc::try_unwrap(runtime)
        .unwrap()
        .shutdown_timeout(Duration::from_secs(10_000));
}
