//! A first look at Zokio: tasks, timers and a TCP round trip on loopback.
//!
//! `cargo run --release -p zokio --example hello`

use std::time::{Duration, Instant};

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::task::JoinSet;

#[zokio::main]
async fn main() -> std::io::Result<()> {
    // 100,000 tasks, spawned and joined.
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for i in 0..100_000u64 {
        tasks.spawn(async move { i % 7 });
    }
    let mut sum = 0;
    while let Some(done) = tasks.join_next().await {
        sum += done.expect("task panicked");
    }
    println!(
        "spawned and joined 100,000 tasks in {:?} (checksum {sum})",
        start.elapsed()
    );

    // Timers: a timeout that fires and one that does not.
    let slow = zokio::time::timeout(
        Duration::from_millis(10),
        zokio::time::sleep(Duration::from_secs(5)),
    )
    .await;
    let fast = zokio::time::timeout(Duration::from_secs(5), async { "in time" }).await;
    println!("timeouts: slow sleep -> {slow:?}, ready future -> {fast:?}");

    // A TCP echo on loopback.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = zokio::spawn(async move {
        let (mut stream, peer) = listener.accept().await?;
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await?;
        stream.write_all(&buf[..n]).await?;
        Ok::<_, std::io::Error>(peer)
    });
    let mut client = TcpStream::connect(addr).await?;
    let start = Instant::now();
    client.write_all(b"Hello from Zokio").await?;
    let mut reply = [0u8; 16];
    client.read_exact(&mut reply).await?;
    let peer = server.await.expect("server task panicked")?;
    println!(
        "echo from {addr} to {peer}: {:?} in {:?}",
        String::from_utf8_lossy(&reply),
        start.elapsed()
    );
    Ok(())
}
