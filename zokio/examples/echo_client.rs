//! A TCP echo client: sends messages over several connections and reports
//! round-trip latency.
//!
//! `cargo run --release -p zokio --example echo_client -- 127.0.0.1:7000 [connections] [messages]`

use std::time::{Duration, Instant};

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::TcpStream;
use zokio::task::JoinSet;

#[zokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".into());
    let connections: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let messages: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);

    let start = Instant::now();
    let mut clients = JoinSet::new();
    for _ in 0..connections {
        let addr = addr.clone();
        clients.spawn(async move { client(&addr, messages).await });
    }
    let mut latencies = Vec::new();
    while let Some(done) = clients.join_next().await {
        match done.expect("client task panicked") {
            Ok(mut l) => latencies.append(&mut l),
            Err(e) => {
                eprintln!("echo_client: {addr}: {e}");
                std::process::exit(1);
            }
        }
    }
    latencies.sort();
    let elapsed = start.elapsed();
    let pct = |p: usize| latencies[(latencies.len() - 1) * p / 100];
    println!(
        "{} round trips over {connections} connections in {elapsed:?}: {:.0} req/s, p50 {:?}, p99 {:?}",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(50),
        pct(99)
    );
}

async fn client(addr: &str, messages: usize) -> std::io::Result<Vec<Duration>> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let message = [b'z'; 64];
    let mut reply = [0u8; 64];
    let mut latencies = Vec::with_capacity(messages);
    for _ in 0..messages {
        let start = Instant::now();
        stream.write_all(&message).await?;
        stream.read_exact(&mut reply).await?;
        latencies.push(start.elapsed());
    }
    Ok(latencies)
}
