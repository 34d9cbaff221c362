//! The thread-per-core flavor's own acceptance cases (issue 21), through
//! the facade: connections spread over the workers' `SO_REUSEPORT`
//! listeners (counted per worker), a `Send` task spawned from outside runs,
//! a `!Send` task stays on its worker, each worker's timers and sockets are
//! its own, and shutdown drops the futures waiting on them on every worker.
//! Tokio has no thread-per-core flavor: nothing here is a port (Tokio's
//! rt_common cases run on it in rt_common.rs).
#![cfg(not(loom))]

mod support {
    pub mod tpc;
    pub mod watchdog;
}

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::tpc::rt;
use support::watchdog::Watchdog;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::{Builder, Handle, RuntimeFlavor, current_worker};

#[test]
fn connections_spread_over_the_workers_reuseport_listeners() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let per_worker: Arc<[AtomicUsize; 2]> = Arc::new(Default::default());
    let counts = per_worker.clone();
    rt.block_on(async move {
        let listeners = zokio::net::bind_per_worker("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(listeners.len(), 2);
        let addr = listeners[0].local_addr().unwrap();
        assert_eq!(listeners[1].local_addr().unwrap(), addr, "one port for all");
        for (worker, listener) in listeners.into_iter().enumerate() {
            let counts = counts.clone();
            Handle::current()
                .spawn_on(worker, async move {
                    loop {
                        let (mut stream, _) = listener.accept().await.unwrap();
                        let here = current_worker().unwrap();
                        counts[here].fetch_add(1, Ordering::SeqCst);
                        // The connection's task stays where it was accepted.
                        zokio::spawn(async move {
                            let mut buf = [0; 1];
                            stream.read_exact(&mut buf).await.unwrap();
                            buf[0] = current_worker().unwrap() as u8;
                            stream.write_all(&buf).await.unwrap();
                        });
                    }
                })
                .unwrap();
        }
        // 64 connections from distinct source ports: the kernel's hash puts
        // all of them on one listener with probability 2^-63.
        let mut served_by = [0usize; 2];
        for _ in 0..64 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(&[0]).await.unwrap();
            let mut buf = [0; 1];
            client.read_exact(&mut buf).await.unwrap();
            served_by[buf[0] as usize] += 1;
        }
        let accepted: Vec<usize> = counts.iter().map(|c| c.load(Ordering::SeqCst)).collect();
        assert_eq!(accepted.iter().sum::<usize>(), 64);
        assert!(
            accepted.iter().all(|&n| n > 0),
            "accepted per worker: {accepted:?}"
        );
        assert_eq!(served_by.to_vec(), accepted, "served where accepted");
    });
}

#[test]
fn bind_per_worker_needs_the_thread_per_core_flavor() {
    let _dog = Watchdog::start();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(zokio::net::bind_per_worker("127.0.0.1:0".parse().unwrap()))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = rt.handle().spawn_on(0, async {}).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn a_send_task_spawned_from_another_thread_runs() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let handle = rt.handle().clone();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::ThreadPerCore);
    let task = std::thread::spawn(move || handle.spawn(async { current_worker() }))
        .join()
        .unwrap();
    let worker = rt.block_on(task).unwrap();
    assert!(matches!(worker, Some(0 | 1)), "{worker:?}");
}

#[test]
fn a_not_send_task_stays_on_its_worker_across_timers_and_io() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let task = rt
        .handle()
        .spawn_on(1, async {
            zokio::task::spawn_local(async {
                let here = Rc::new(std::thread::current().id());
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = zokio::task::spawn_local(async move {
                    let (mut s, _) = listener.accept().await.unwrap();
                    s.write_all(b"x").await.unwrap();
                    std::thread::current().id()
                });
                let mut same = true;
                for _ in 0..3 {
                    zokio::time::sleep(Duration::from_millis(2)).await;
                    same &= *here == std::thread::current().id();
                }
                let mut c = TcpStream::connect(addr).await.unwrap();
                let mut b = [0; 1];
                c.read_exact(&mut b).await.unwrap();
                same &= *here == std::thread::current().id();
                same && server.await.unwrap() == *here && current_worker() == Some(1)
            })
            .await
            .unwrap()
        })
        .unwrap();
    assert!(rt.block_on(task).unwrap());
}

#[test]
fn each_worker_has_its_own_timers_and_they_fire_while_another_worker_spins() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    // Worker 0 busy with tasks that never wait (they yield), worker 1 sleeps.
    for _ in 0..2 {
        rt.handle()
            .spawn_on(0, async {
                loop {
                    zokio::task::yield_now().await;
                }
            })
            .unwrap();
    }
    let t = rt
        .handle()
        .spawn_on(1, async {
            let start = std::time::Instant::now();
            zokio::time::sleep(Duration::from_millis(20)).await;
            (start.elapsed(), current_worker())
        })
        .unwrap();
    let (elapsed, worker) = rt.block_on(t).unwrap();
    assert!(elapsed >= Duration::from_millis(20));
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(worker, Some(1));
    let timeout = rt
        .handle()
        .spawn_on(
            0,
            zokio::time::timeout(Duration::from_millis(5), std::future::pending::<()>()),
        )
        .unwrap();
    assert!(rt.block_on(timeout).unwrap().is_err(), "elapsed");
}

/// Counts drops of what a task holds.
struct OnDrop(Arc<AtomicUsize>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn shutdown_drops_tasks_waiting_on_sockets_and_timers_on_every_worker() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let drops = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicUsize::new(0));
    for worker in 0..2 {
        // On a socket that never gets data.
        let (d, r) = (OnDrop(drops.clone()), ready.clone());
        rt.handle()
            .spawn_on(worker, async move {
                let _d = d;
                let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                r.fetch_add(1, Ordering::SeqCst);
                let _ = l.accept().await;
            })
            .unwrap();
        // On a timer far away.
        let (d, r) = (OnDrop(drops.clone()), ready.clone());
        rt.handle()
            .spawn_on(worker, async move {
                let _d = d;
                r.fetch_add(1, Ordering::SeqCst);
                zokio::time::sleep(Duration::from_secs(3600)).await;
            })
            .unwrap();
        // A `!Send` one on a timer.
        let (d, r) = (OnDrop(drops.clone()), ready.clone());
        rt.handle()
            .spawn_on(worker, async move {
                zokio::task::spawn_local(async move {
                    let _d = (d, Rc::new(()));
                    r.fetch_add(1, Ordering::SeqCst);
                    zokio::time::sleep(Duration::from_secs(3600)).await;
                });
            })
            .unwrap();
    }
    while ready.load(Ordering::SeqCst) < 6 {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}

#[test]
fn blocking_pool_jobs_from_every_worker_run_and_shutdown_waits_for_them() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    let (accepted_tx, accepted) = std::sync::mpsc::channel();
    for worker in 0..2 {
        let (done, accepted_tx) = (done.clone(), accepted_tx.clone());
        rt.handle()
            .spawn_on(worker, async move {
                zokio::task::spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    done.fetch_add(1, Ordering::SeqCst);
                });
                accepted_tx.send(()).unwrap();
            })
            .unwrap();
    }
    // Both jobs are in the pool (and still sleeping) when shutdown starts.
    for _ in 0..2 {
        accepted.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    rt.shutdown_timeout(Duration::from_secs(10));
    assert_eq!(done.load(Ordering::SeqCst), 2, "accepted jobs finish");
}

#[test]
fn start_paused_is_refused() {
    let err = Builder::new_thread_per_core()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
