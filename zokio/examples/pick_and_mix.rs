//! Zokio's layers under other executors, and Zokio's scheduler with another
//! crate's I/O.
//!
//! `cargo run --release -p zokio --example pick_and_mix`

use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};

fn main() -> std::io::Result<()> {
    // 1. zokio-time and zokio-io under smol's executor. No Zokio runtime
    //    exists: they run on their lazily started background drivers.
    let ex = async_executor::Executor::new();
    futures_lite::future::block_on(ex.run(async {
        let start = Instant::now();
        zokio_time::sleep(Duration::from_millis(5)).await;
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
        println!(
            "async-executor + zokio-time + zokio-io: slept, then got {:?} in {:?}",
            String::from_utf8_lossy(&buf),
            start.elapsed()
        );
        Ok::<_, std::io::Error>(())
    }))?;

    // 2. zokio-sched's work-stealing scheduler driving async-io's sockets
    //    (smol's reactor), with no Zokio I/O or timer layer at all.
    let config = zokio_sched::Config {
        worker_threads: 2,
        ..Default::default()
    };
    let sched = zokio_sched::MultiThread::new(zokio_core::ThreadParker::new(), config)?;
    let got = sched.block_on(async {
        let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0))?;
        let addr = listener.get_ref().local_addr()?;
        let server = zokio_sched::spawn(async move {
            let (mut s, _) = listener.accept().await?;
            s.write_all(b"hello").await?;
            Ok::<_, std::io::Error>(())
        });
        let mut client = async_io::Async::<std::net::TcpStream>::connect(addr).await?;
        let mut buf = String::new();
        client.read_to_string(&mut buf).await?;
        server.await.map_err(std::io::Error::from)??;
        Ok::<_, std::io::Error>(buf)
    })?;
    println!("zokio-sched + async-io: got {got:?}");
    Ok(())
}
