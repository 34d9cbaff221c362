//! A TCP echo server: one task per connection, buffers from the pool.
//!
//! `cargo run --release -p zokio --example echo_server -- 127.0.0.1:7000`

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::mem::BufPool;
use zokio::net::{TcpListener, TcpStream};

#[zokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7000".into());
    let listener = match TcpListener::bind(&*addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("echo_server: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "echo_server: listening on {}",
        listener.local_addr().expect("bound address")
    );
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                zokio::spawn(async move {
                    if let Err(e) = echo(stream).await {
                        eprintln!("echo_server: connection ended: {e}");
                    }
                });
            }
            // Out of descriptors, or a connection reset before accept: keep serving.
            Err(e) => {
                eprintln!("echo_server: accept failed: {e}");
                zokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

async fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = BufPool::global().take(16 * 1024);
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}
