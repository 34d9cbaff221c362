//! A line-based TCP server that shuts down gracefully on SIGINT or SIGTERM:
//! it stops accepting, lets the requests in flight finish (for at most the
//! drain timeout), prints how many it drained, and exits 0.
//!
//! The protocol: a client connects and sends one line; the server says so on
//! stdout (`received <peer>`), works for DELAY_MS milliseconds, answers
//! `ok <line>` and closes. A request is in flight once its line has arrived;
//! a connection still waiting for its line at shutdown is closed unanswered.
//! The first line of stdout is the bound address (`listening on <addr>`).
//!
//! Exit codes: 0 after a complete drain, 1 if the drain timeout cut requests
//! off (they are aborted), 2 for bad arguments or a listen failure.
//!
//! `cargo run -p zokio --example graceful_shutdown -- [ADDR] [DELAY_MS] [DRAIN_SECS]`
//! (defaults: 127.0.0.1:0, 300, 5), then `kill -TERM <pid>` or Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use zokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zokio::net::{TcpListener, TcpStream};
use zokio::signal::unix::{SignalKind, signal};
use zokio::sync::CancellationToken;
use zokio::task::JoinSet;

const USAGE: &str = "usage: graceful_shutdown [ADDR] [DELAY_MS] [DRAIN_SECS]";

struct Config {
    addr: String,
    delay: Duration,
    drain: Duration,
}

impl Config {
    fn from_args() -> Result<Config, String> {
        let mut args = std::env::args().skip(1);
        let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
        let number = |arg: Option<String>, default: u64, what: &str| match arg {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .map_err(|e| format!("{what} {text:?}: {e}")),
        };
        let delay = Duration::from_millis(number(args.next(), 300, "DELAY_MS")?);
        let drain = Duration::from_secs(number(args.next(), 5, "DRAIN_SECS")?);
        if let Some(extra) = args.next() {
            return Err(format!("unexpected argument {extra:?}"));
        }
        Ok(Config { addr, delay, drain })
    }
}

/// What became of one connection.
enum Served {
    Answered,
    /// Shutdown came before its request line did.
    Idle,
}

#[zokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_args() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("graceful_shutdown: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("graceful_shutdown: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(config: Config) -> std::io::Result<ExitCode> {
    // Listening for both before the address is printed: whoever reads it
    // may signal at once, and must not kill us by the default action.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let listener = TcpListener::bind(&*config.addr).await?;
    println!("listening on {}", listener.local_addr()?);

    let shutdown = CancellationToken::new();
    let mut connections = JoinSet::new();
    let reason = loop {
        zokio::select! {
            _ = terminate.recv() => break "SIGTERM",
            _ = interrupt.recv() => break "SIGINT",
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve(stream, peer, config.delay, shutdown.clone()));
                }
                // Out of descriptors, or a connection reset before accept.
                Err(e) => {
                    eprintln!("graceful_shutdown: accept failed: {e}");
                    zokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            // Reap finished connections as we go, so the set stays small.
            Some(finished) = connections.join_next(), if !connections.is_empty() => {
                report(finished);
            }
        }
    };

    // Stop accepting: connections that arrive from now on are refused.
    drop(listener);
    shutdown.cancel();
    println!(
        "{reason}: stopped accepting; draining {} connections",
        connections.len()
    );
    let mut drained = 0;
    let drain = async {
        while let Some(finished) = connections.join_next().await {
            if matches!(report(finished), Some(Served::Answered)) {
                drained += 1;
            }
        }
    };
    let complete = zokio::time::timeout(config.drain, drain).await.is_ok();
    println!("drained {drained} in-flight requests");
    if complete {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "drain timeout ({:?}) reached: aborting {} requests",
        config.drain,
        connections.len()
    );
    connections.shutdown().await;
    Ok(ExitCode::from(1))
}

/// Logs a connection's end; its outcome if it ended well.
fn report(finished: Result<std::io::Result<Served>, zokio::task::JoinError>) -> Option<Served> {
    match finished {
        Ok(Ok(served)) => Some(served),
        Ok(Err(e)) => {
            eprintln!("graceful_shutdown: connection failed: {e}");
            None
        }
        Err(e) => {
            eprintln!("graceful_shutdown: connection task ended: {e}");
            None
        }
    }
}

async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    delay: Duration,
    shutdown: CancellationToken,
) -> std::io::Result<Served> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    zokio::select! {
        read = reader.read_line(&mut line) => { read?; }
        // Not in flight yet: nothing to finish.
        _ = shutdown.cancelled() => return Ok(Served::Idle),
    }
    println!("received {peer}");
    // The work; shutdown does not interrupt it.
    zokio::time::sleep(delay).await;
    let stream = reader.get_mut();
    stream
        .write_all(format!("ok {}\n", line.trim_end()).as_bytes())
        .await?;
    stream.flush().await?;
    Ok(Served::Answered)
}
