//! The Tokio bridge (`tokio-rt` feature): Tokio-bound code inside Zokio
//! tasks, blocking jobs and `block_on`, on both flavors, with Tokio's
//! runtime owned by Zokio's or passed in; the shutdown order (Zokio's tasks
//! dropped with Tokio still reachable, then Tokio's runtime); and reqwest,
//! bridged, against a hyper server on Zokio's own sockets over loopback.
#![cfg(all(feature = "tokio-rt", feature = "hyper", not(loom)))]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use zokio::runtime::Builder;

fn bridged_multi_thread() -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .enable_tokio()
        .build()
        .unwrap()
}

/// One worker: the thread that runs Tokio's tasks is the one that runs
/// Zokio's.
fn bridged_one_worker() -> zokio::Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .enable_tokio()
        .build()
        .unwrap()
}

/// What Tokio-bound libraries do: Tokio's timer, spawn and handle lookup.
async fn tokio_bound_work() -> usize {
    tokio::time::sleep(Duration::from_millis(2)).await;
    let spawned = tokio::spawn(async { 40 }).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), async { spawned + 2 })
        .await
        .unwrap()
}

#[test]
fn without_the_bridge_tokio_bound_code_panics_with_tokios_message_and_the_worker_lives() {
    let rt = Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let err = zokio::spawn(tokio_bound_work()).await.unwrap_err();
        assert!(err.is_panic());
        let message = err.into_panic();
        let message = message
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| message.downcast_ref::<&str>().copied())
            .unwrap();
        assert!(message.contains("Tokio 1.x runtime"), "{message}");
        assert_eq!(zokio::spawn(async { 7 }).await.unwrap(), 7);
    });
}

#[test]
fn tokio_bound_code_runs_in_tasks_blocking_jobs_and_block_on_on_the_multi_thread_flavor() {
    let rt = bridged_multi_thread();
    rt.block_on(async {
        assert_eq!(tokio_bound_work().await, 42);
        let tasks: Vec<_> = (0..16).map(|_| zokio::spawn(tokio_bound_work())).collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 42);
        }
        let blocking = zokio::task::spawn_blocking(|| {
            tokio::runtime::Handle::current().block_on(tokio_bound_work())
        });
        assert_eq!(blocking.await.unwrap(), 42);
    });
    assert_eq!(rt.handle().block_on(tokio_bound_work()), 42);
}

#[test]
fn tokio_tasks_progress_while_every_zokio_worker_is_busy() {
    // The one worker never parks: Tokio's timer and tasks run only in the
    // turns its driver polls give Tokio.
    let rt = bridged_one_worker();
    let turns = rt
        .block_on(rt.spawn(async {
            let done = Arc::new(AtomicBool::new(false));
            let flag = done.clone();
            tokio::spawn(async move {
                assert_eq!(tokio_bound_work().await, 42);
                flag.store(true, Ordering::SeqCst);
            });
            let mut turns = 0u64;
            while !done.load(Ordering::SeqCst) {
                zokio::task::yield_now().await;
                turns += 1;
            }
            turns
        }))
        .unwrap();
    assert!(turns > 0);
}

#[test]
fn a_zokio_task_woken_by_a_tokio_task_runs_while_tokio_stays_busy() {
    // A Tokio task that never lets Tokio go idle: the worker running Tokio
    // must still leave it for the Zokio task the other Tokio task woke.
    let rt = bridged_one_worker();
    let stop = Arc::new(AtomicBool::new(false));
    let spinning = stop.clone();
    rt.block_on(rt.spawn(async move {
        tokio::spawn(async move {
            while !spinning.load(Ordering::SeqCst) {
                tokio::task::yield_now().await;
            }
        });
        for _ in 0..100 {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tokio::spawn(async move { tx.send(7).unwrap() });
            assert_eq!(rx.await.unwrap(), 7);
        }
        stop.store(true, Ordering::SeqCst);
    }))
    .unwrap();
}

#[test]
fn tokio_bound_code_runs_on_the_current_thread_flavor() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .enable_tokio()
        .build()
        .unwrap();
    // `!Send` tasks run in a `LocalSet` (as in Tokio).
    zokio::task::LocalSet::new().block_on(&rt, async {
        assert_eq!(tokio_bound_work().await, 42);
        assert_eq!(zokio::spawn(tokio_bound_work()).await.unwrap(), 42);
        let local = zokio::task::spawn_local(tokio_bound_work());
        assert_eq!(local.await.unwrap(), 42);
        let blocking = zokio::task::spawn_blocking(|| tokio::runtime::Handle::current().id());
        assert_eq!(&blocking.await.unwrap(), &rt.tokio_handle().unwrap().id());
    });
}

#[test]
fn tokio_sockets_made_in_a_zokio_task_talk_to_zokio_sockets() {
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rt = bridged_multi_thread();
    rt.block_on(async {
        let listener = zokio::spawn(async { tokio::net::TcpListener::bind("127.0.0.1:0").await })
            .await
            .unwrap()
            .unwrap();
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
        client.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
        server.await.unwrap();
    });
}

#[test]
fn a_tokio_runtime_passed_in_is_the_one_entered_and_outlives_the_zokio_runtime() {
    let tokio_rt = tokio::runtime::Runtime::new().unwrap();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .tokio_handle(tokio_rt.handle().clone())
        .build()
        .unwrap();
    let id = rt.block_on(async {
        zokio::spawn(async { tokio::runtime::Handle::current().id() })
            .await
            .unwrap()
    });
    assert_eq!(id, tokio_rt.handle().id());
    drop(rt);
    assert_eq!(tokio_rt.block_on(tokio_bound_work()), 42);
}

/// Records, when dropped, whether Tokio's runtime was still reachable.
struct SeesTokioOnDrop(Arc<AtomicBool>);

impl Drop for SeesTokioOnDrop {
    fn drop(&mut self) {
        let reachable = tokio::runtime::Handle::try_current()
            .map(|h| drop(h.spawn(async {})))
            .is_ok();
        self.0.store(reachable, Ordering::SeqCst);
    }
}

struct CountsDrop(Arc<AtomicUsize>);

impl Drop for CountsDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn shutdown_drops_zokio_tasks_with_tokio_reachable_then_tokio_s_tasks() {
    for shutdown in ["drop", "timeout", "background"] {
        let saw_tokio = Arc::new(AtomicBool::new(false));
        let tokio_tasks_dropped = Arc::new(AtomicUsize::new(0));
        let rt = bridged_multi_thread();
        rt.block_on(async {
            let guard = SeesTokioOnDrop(saw_tokio.clone());
            zokio::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            let counted = CountsDrop(tokio_tasks_dropped.clone());
            zokio::spawn(async move {
                tokio::spawn(async move {
                    let _counted = counted;
                    std::future::pending::<()>().await;
                });
            })
            .await
            .unwrap();
            zokio::time::sleep(Duration::from_millis(5)).await;
        });
        match shutdown {
            "drop" => drop(rt),
            "timeout" => rt.shutdown_timeout(Duration::from_secs(5)),
            _ => {
                rt.shutdown_background();
                // Tokio's worker drops its tasks on its own time here.
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                while tokio_tasks_dropped.load(Ordering::SeqCst) == 0
                    && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        assert!(
            saw_tokio.load(Ordering::SeqCst),
            "{shutdown}: Tokio gone first"
        );
        assert_eq!(tokio_tasks_dropped.load(Ordering::SeqCst), 1, "{shutdown}");
    }
}

/// A hyper server on Zokio's own sockets: answers GET with the path and
/// POST with the body's length.
async fn serve(listener: zokio::net::TcpListener) {
    use http_body_util::BodyExt;
    use hyper::{Request, Response, body::Incoming, service::service_fn};
    use zokio::compat::hyper::{HyperIo, HyperTimer};
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        zokio::spawn(async move {
            let service = service_fn(|req: Request<Incoming>| async move {
                let body = match *req.method() {
                    hyper::Method::POST => {
                        let bytes = req.into_body().collect().await?.to_bytes();
                        format!("received {}", bytes.len())
                    }
                    _ => format!("path {}", req.uri().path()),
                };
                Ok::<_, hyper::Error>(Response::new(body))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(stream), service)
                .await;
        });
    }
}

#[test]
fn reqwest_bridged_makes_200_concurrent_gets_and_a_5_mib_post_to_a_zokio_server() {
    let rt = bridged_multi_thread();
    rt.block_on(zokio::time::timeout(Duration::from_secs(60), async {
        let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        zokio::spawn(serve(listener));
        let client = reqwest::Client::new();
        let gets: Vec<_> = (0..200)
            .map(|i| {
                let client = client.clone();
                zokio::spawn(async move {
                    let response = client
                        .get(format!("http://{addr}/item/{i}"))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    response.text().await.unwrap()
                })
            })
            .collect();
        for (i, get) in gets.into_iter().enumerate() {
            assert_eq!(get.await.unwrap(), format!("path /item/{i}"));
        }
        let body = vec![0x5a_u8; 5 << 20];
        let response = zokio::spawn(async move {
            client
                .post(format!("http://{addr}/upload"))
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
        assert_eq!(response.await.unwrap(), format!("received {}", 5 << 20));
    }))
    .expect("the requests did not finish within 60 s");
}
