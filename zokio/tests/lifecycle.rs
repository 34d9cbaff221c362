//! One whole runtime lifecycle in one test: build, spawn, TCP on loopback,
//! timers, the blocking pool, shutdown with tasks still pending.
//!
//! `cargo xtask sanitize` runs this binary under valgrind's memcheck and
//! fails on any definitely lost byte, so everything a runtime allocates must
//! be freed by the time it is dropped (pending tasks included).

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::Builder;
use zokio::task::JoinSet;

/// Counts how many of the futures it is moved into were dropped.
struct Token(Arc<AtomicUsize>);

impl Drop for Token {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn build_spawn_io_timers_and_shutdown_free_everything() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let echoed = rt.block_on(async {
        // An echo server and a few clients on loopback.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(async move {
            for _ in 0..4 {
                let (mut stream, _) = listener.accept().await.unwrap();
                zokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                });
            }
        });
        let mut clients = JoinSet::new();
        for i in 0..4u8 {
            clients.spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let msg = [i; 16];
                stream.write_all(&msg).await.unwrap();
                let mut back = [0u8; 16];
                stream.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg);
                usize::from(i)
            });
        }
        let mut sum = 0;
        while let Some(r) = clients.join_next().await {
            sum += r.unwrap();
        }
        server.await.unwrap();

        // Timers: sleeps, a timeout that fires, an interval.
        zokio::time::sleep(Duration::from_millis(2)).await;
        let late = zokio::time::timeout(Duration::from_millis(1), pending::<()>()).await;
        assert!(late.is_err());
        let mut tick = zokio::time::interval(Duration::from_millis(1));
        for _ in 0..3 {
            tick.tick().await;
        }

        // The blocking pool.
        let blocking = zokio::task::spawn_blocking(|| 40 + 2).await.unwrap();
        assert_eq!(blocking, 42);
        // A panicking task is caught and reported.
        assert!(
            zokio::spawn(async { panic!("caught") })
                .await
                .unwrap_err()
                .is_panic()
        );
        sum
    });
    assert_eq!(echoed, 6);

    // Tasks left pending at shutdown: on a timer, on I/O, and forever.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let token = Token(drops.clone());
    rt.spawn(async move {
        let _token = token;
        let _ = listener.accept().await;
    });
    let token = Token(drops.clone());
    rt.spawn(async move {
        let _token = token;
        zokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let token = Token(drops.clone());
    rt.spawn(async move {
        let _token = token;
        pending::<()>().await;
    });
    rt.shutdown_timeout(Duration::from_secs(10));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "every pending future was dropped"
    );
}
