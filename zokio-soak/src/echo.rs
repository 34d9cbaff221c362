//! A TCP echo: a server that writes back what it reads, and clients that
//! send messages of random sizes at a fixed rate, check each comes back
//! intact, and record its round trip.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::sync::CancellationToken;

use crate::ledger::{self, Ledger};

pub async fn serve(listener: TcpListener, ledger: Arc<Ledger>, stop: CancellationToken) {
    loop {
        let accepted = zokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let mut stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                ledger.accept_errors.io_failed("accept", &e, false);
                zokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let stop = stop.clone();
        ledger::spawn(&ledger, async move {
            let mut buf = vec![0u8; 8192];
            loop {
                let n = zokio::select! {
                    _ = stop.cancelled() => return,
                    n = stream.read(&mut buf) => n,
                };
                match n {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// One client connection: a message every `every` until `stop`.
pub async fn client(
    ledger: Arc<Ledger>,
    addr: SocketAddr,
    stop: CancellationToken,
    seed: u64,
    every: Duration,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut stream: Option<TcpStream> = None;
    let mut ticker = zokio::time::interval(every);
    let mut back = vec![0u8; 4096];
    loop {
        zokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let s = match stream.take() {
            Some(s) => s,
            None => match TcpStream::connect(addr).await {
                Ok(s) => s,
                Err(e) => {
                    ledger.echo.started.inc();
                    ledger.echo.io_failed("connect", &e, ledger.is_stopping());
                    continue;
                }
            },
        };
        let mut s = s;
        let len = rng.usize(1..=4096);
        let message: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
        ledger.echo.started.inc();
        let start = Instant::now();
        let trip = async {
            s.write_all(&message).await?;
            s.read_exact(&mut back[..len]).await?;
            std::io::Result::Ok(())
        };
        match zokio::time::timeout(Duration::from_secs(10), trip).await {
            Ok(Ok(())) if back[..len] == message[..] => {
                ledger.latencies.record(start.elapsed());
                ledger.echo.ok.inc();
                stream = Some(s);
            }
            Ok(Ok(())) => ledger
                .echo
                .failed("echo", &"a different message came back", false),
            Ok(Err(e)) => ledger.echo.io_failed("echo", &e, ledger.is_stopping()),
            Err(_) => ledger.echo.failed("echo", &"no answer in 10 s", false),
        }
    }
}
