//! Standalone use of the Tokio-shaped net surface (`TcpSocket`, the
//! readiness API, `UnixDatagram`, `lookup_host` with its smol-pool fallback,
//! `AsyncFd`) under other executors, driven by the background reactor. Each
//! test is bounded: a watchdog aborts the process if it runs too long.
#![cfg(not(loom))]

use std::future::Future;
use std::io::{self, Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use futures_lite::future;
use zokio_io::Interest;
use zokio_io::net::{TcpSocket, UnixDatagram, lookup_host};
use zokio_io::unix::AsyncFd;

/// Runs `f` on this thread, aborting the process if it is not done in time.
fn bounded<T>(f: impl FnOnce() -> T) -> T {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(Duration::from_secs(30)) {
            eprintln!("a standalone net test ran longer than 30 s: aborting");
            std::process::abort();
        }
    });
    let out = f();
    drop(done);
    out
}

/// A TCP exchange over the readiness API, a host-name lookup, a datagram
/// pair and an `AsyncFd`: everything a Tokio port reaches for.
async fn workload() -> io::Result<()> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind("127.0.0.1:0".parse().unwrap())?;
    let listener = socket.listen(16)?;
    let client = TcpSocket::new_v4()?.connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    client.writable().await?;
    assert_eq!(client.try_write(b"ping")?, 4);
    let mut buf = [0; 4];
    let mut got = 0;
    while got < 4 {
        server.ready(Interest::READABLE).await?;
        match server.try_read(&mut buf[got..]) {
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    assert_eq!(&buf, b"ping");

    let addrs: Vec<_> = lookup_host(("localhost", 80)).await?.collect();
    assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));

    let (a, b) = UnixDatagram::pair()?;
    a.send(b"dgram").await?;
    let mut dgram = [0; 8];
    let n = b.recv(&mut dgram).await?;
    assert_eq!(&dgram[..n], b"dgram");

    let (fd_a, mut fd_b) = std::os::unix::net::UnixStream::pair()?;
    fd_a.set_nonblocking(true)?;
    let fd_a = AsyncFd::new(fd_a)?;
    fd_b.write_all(b"fd")?;
    let mut two = [0; 2];
    let n = loop {
        let mut guard = fd_a.readable().await?;
        if let Ok(result) = guard.try_io(|fd| fd.get_ref().read(&mut two)) {
            break result?;
        }
    };
    assert_eq!(&two[..n], b"fd");
    Ok(())
}

fn run_on<F: Future<Output = io::Result<()>>>(block_on: impl FnOnce(F) -> io::Result<()>, f: F) {
    bounded(|| block_on(f)).unwrap();
}

#[test]
fn under_futures_lite_block_on() {
    run_on(future::block_on, workload());
}

#[test]
fn under_smol() {
    bounded(|| {
        let ex = smol::Executor::new();
        smol::block_on(ex.run(async { ex.spawn(workload()).await }))
    })
    .unwrap();
}

#[test]
fn under_tokio_multi_thread() {
    bounded(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async { tokio::spawn(workload()).await.unwrap() })
    })
    .unwrap();
}
