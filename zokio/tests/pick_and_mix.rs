//! Each layer with someone else's: zokio-sched's scheduler driving async-io's
//! sockets and timers (smol's reactor), and zokio-time plus zokio-io under
//! async-executor. (zokio-time and zokio-io also test themselves under
//! futures-lite, smol and tokio in their own crates.)
#![cfg(not(loom))]

use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};

#[test]
fn zokio_sched_runs_async_io_sockets_and_timers() {
    let config = zokio_sched::Config {
        worker_threads: 2,
        ..Default::default()
    };
    let sched = zokio_sched::MultiThread::new(zokio_core::ThreadParker::new(), config).unwrap();
    let (echoed, slept) = sched
        .block_on(async {
            let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0))?;
            let addr = listener.get_ref().local_addr()?;
            let server = zokio_sched::spawn(async move {
                let (mut stream, _) = listener.accept().await?;
                let mut buf = [0u8; 5];
                stream.read_exact(&mut buf).await?;
                stream.write_all(&buf).await?;
                Ok::<_, std::io::Error>(())
            });
            let mut client = async_io::Async::<std::net::TcpStream>::connect(addr).await?;
            client.write_all(b"mixed").await?;
            let mut back = [0u8; 5];
            client.read_exact(&mut back).await?;
            server.await.map_err(std::io::Error::from)??;
            let start = Instant::now();
            async_io::Timer::after(Duration::from_millis(10)).await;
            Ok::<_, std::io::Error>((back, start.elapsed()))
        })
        .unwrap();
    assert_eq!(&echoed, b"mixed");
    assert!(slept >= Duration::from_millis(10));
}

#[test]
fn zokio_time_and_io_run_under_async_executor() {
    let ex = async_executor::Executor::new();
    let (reply, slept) = futures_lite::future::block_on(ex.run(async {
        let start = Instant::now();
        zokio_time::sleep(Duration::from_millis(5)).await;
        let slept = start.elapsed();
        let listener = zokio_io::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = ex.spawn(async move {
            let (mut s, _) = listener.accept().await?;
            s.write_all(b"pong").await?;
            Ok::<_, std::io::Error>(())
        });
        let mut client = zokio_io::net::TcpStream::connect(addr).await?;
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await?;
        server.await?;
        Ok::<_, std::io::Error>((buf, slept))
    }))
    .unwrap();
    assert_eq!(&reply, b"pong");
    assert!(slept >= Duration::from_millis(5));
}
