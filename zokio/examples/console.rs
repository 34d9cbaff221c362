//! A line-echo TCP server whose tasks tokio-console can watch: the
//! `tracing` feature's spans, recorded by `console_subscriber`.
//!
//! ```text
//! cargo run -p zokio --features tracing --example console -- 127.0.0.1:7000
//! tokio-console http://127.0.0.1:6669     # in another terminal
//! nc 127.0.0.1 7000                        # a connection: a task named conn <peer>
//! ```
//!
//! console-subscriber serves on 127.0.0.1:6669 (`TOKIO_CONSOLE_BIND` changes
//! it). It builds its layer only when Tokio is built with `--cfg
//! tokio_unstable` or, for a runtime other than Tokio, with `--cfg
//! console_without_tokio_unstable`, which this workspace's
//! `.cargo/config.toml` sets. A second argument runs the server for that
//! many seconds, then exits.

use std::time::Duration;

use zokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zokio::net::{TcpListener, TcpStream};
use zokio::task::Builder;

/// Echoes each line back until the peer closes.
async fn echo(stream: TcpStream) {
    let (read, mut write) = zokio::io::split(stream);
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
}

/// A task that wakes every second: a timer in the console's resource list.
async fn heartbeat() {
    let mut beats = 0u64;
    loop {
        zokio::time::sleep(Duration::from_secs(1)).await;
        beats += 1;
        if beats % 10 == 0 {
            // A blocking job now and then: kind "blocking" in the task list.
            let _ = Builder::new()
                .name("count-files")
                .spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()));
        }
    }
}

async fn accept(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let name = format!("conn {peer}");
                if let Err(e) = Builder::new().name(&name).spawn(echo(stream)) {
                    eprintln!("console: cannot spawn {name}: {e}");
                }
            }
            Err(e) => eprintln!("console: accept failed: {e}"),
        }
    }
}

fn main() {
    console_subscriber::init();
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".into());
    let run_for = args.next().and_then(|s| s.parse::<u64>().ok());
    let rt = match zokio::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("console: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async move {
        let listener = match TcpListener::bind(&*addr).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("console: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        println!(
            "console: echoing lines on {}; watch the tasks with `tokio-console http://127.0.0.1:6669`",
            listener.local_addr().map_or(addr, |a| a.to_string())
        );
        let _ = Builder::new().name("heartbeat").spawn(heartbeat());
        let server = Builder::new().name("accept").spawn(accept(listener));
        match (run_for, server) {
            (Some(secs), _) => zokio::time::sleep(Duration::from_secs(secs)).await,
            (None, Ok(server)) => {
                let _ = server.await;
            }
            (None, Err(e)) => eprintln!("console: cannot spawn the server: {e}"),
        }
    });
}
