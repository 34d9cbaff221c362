//! A port of tokio's tests/net_lookup_host.rs to `zokio::net::lookup_host`:
//! every test (3 of 3), each bounded by a timeout. Tests added below the
//! ported ones are Zokio's: they pin down that a host name is resolved on
//! the blocking pool (never on the worker) and that an address is not.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use zokio::net;

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::mpsc;
use std::time::Duration;

use tokio_test::assert_ok;

/// Fails the test instead of hanging it.
async fn bounded<F: Future>(f: F) -> F::Output {
    zokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

#[zokio::test]
async fn lookup_socket_addr() {
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();

    let actual = assert_ok!(bounded(net::lookup_host(addr)).await).collect::<Vec<_>>();
    assert_eq!(vec![addr], actual);
}

#[zokio::test]
async fn lookup_str_socket_addr() {
    let addr: SocketAddr = "127.0.0.1:8000".parse().unwrap();

    let actual = assert_ok!(bounded(net::lookup_host("127.0.0.1:8000")).await).collect::<Vec<_>>();
    assert_eq!(vec![addr], actual);
}

#[zokio::test]
async fn resolve_dns() -> io::Result<()> {
    let mut hosts = bounded(net::lookup_host("localhost:3000")).await?;
    let host = hosts.next().unwrap();

    let expected = if host.is_ipv4() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 3000)
    } else {
        SocketAddr::new(IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)), 3000)
    };
    assert_eq!(host, expected);

    Ok(())
}

// Zokio's own tests.

/// A runtime whose blocking pool has one thread, held by a job until the
/// returned sender is dropped.
fn runtime_with_a_busy_pool() -> (zokio::Runtime, mpsc::Sender<()>) {
    let rt = zokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (release, released) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    rt.block_on(async {
        drop(zokio::task::spawn_blocking(move || {
            started.send(()).unwrap();
            // Bounded: the test drops the sender, or this gives up.
            let _ = released.recv_timeout(Duration::from_secs(20));
        }));
    });
    running
        .recv_timeout(Duration::from_secs(10))
        .expect("the blocking job started");
    (rt, release)
}

/// The acceptance test: a host-name lookup waits for the blocking
/// pool (here busy), while the worker keeps running a ticking task; an
/// address never goes to the pool at all.
#[test]
fn a_host_name_resolves_on_the_blocking_pool_and_the_worker_keeps_ticking() {
    let (rt, release) = runtime_with_a_busy_pool();
    rt.block_on(async {
        // Fast path: no pool needed, so it completes although the pool is busy.
        let addrs: Vec<_> = bounded(net::lookup_host("127.0.0.1:80"))
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, ["127.0.0.1:80".parse::<SocketAddr>().unwrap()]);
        let addrs: Vec<_> = bounded(net::lookup_host(("::1", 80)))
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, ["[::1]:80".parse::<SocketAddr>().unwrap()]);

        let ticker = zokio::spawn(async {
            let mut ticks = 0u32;
            loop {
                zokio::time::sleep(Duration::from_millis(5)).await;
                ticks += 1;
                if ticks == 20 {
                    return ticks;
                }
            }
        });
        // The name waits behind the busy pool thread: not resolved on this
        // worker, which meanwhile runs the ticker to its end.
        let lookup = zokio::spawn(net::lookup_host("localhost:80"));
        assert_eq!(bounded(ticker).await.unwrap(), 20);
        assert!(!lookup.is_finished(), "resolved without the pool");
        drop(release);
        let addrs: Vec<_> = bounded(lookup).await.unwrap().unwrap().collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
    });
}

/// `lookup_host` and host-name `connect` under another executor: the
/// zokio-io's fallback pool stands in for the runtime's.
#[test]
fn standalone_lookup_and_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    futures_lite::future::block_on(async {
        let addrs: Vec<_> = net::lookup_host(("localhost", port))
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.port() == port));
        let v4 = addrs.into_iter().find(SocketAddr::is_ipv4);
        if let Some(addr) = v4 {
            let stream = net::TcpStream::connect(addr).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), addr);
        }
    });
}

/// Every shape of address Tokio's `ToSocketAddrs` takes resolves.
#[zokio::test]
async fn every_address_shape_resolves() {
    async fn all(host: impl net::ToSocketAddrs) -> Vec<SocketAddr> {
        bounded(net::lookup_host(host)).await.unwrap().collect()
    }
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let SocketAddr::V4(v4) = addr else {
        unreachable!("an IPv4 literal")
    };
    let expected = vec![addr];
    assert_eq!(all(v4).await, expected);
    assert_eq!(all((addr.ip(), 9)).await, expected);
    assert_eq!(all((Ipv4Addr::LOCALHOST, 9)).await, expected);
    assert_eq!(all(&[addr][..]).await, expected);
    assert_eq!(all(String::from("127.0.0.1:9")).await, expected);
    assert_eq!(all((String::from("127.0.0.1"), 9)).await, expected);
    assert_eq!(all(&addr).await, expected);
}

/// Bad input is an `InvalidInput` error, never a panic.
#[zokio::test]
async fn malformed_input_is_invalid_input() {
    for bad in ["localhost", "localhost:http", "127.0.0.1:65536", ":"] {
        let err = bounded(net::lookup_host(bad)).await.err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err}");
    }
}

/// The resolving futures are `Send`, so they spawn on a multi-thread
/// runtime; and host-name binds resolve too.
#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_futures_are_send_and_binds_take_names() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let udp = bounded(zokio::spawn(assert_send(net::UdpSocket::bind(
        "localhost:0",
    ))))
    .await
    .unwrap()
    .unwrap();
    let tcp = bounded(zokio::spawn(assert_send(net::TcpListener::bind(
        String::from("localhost:0"),
    ))))
    .await
    .unwrap()
    .unwrap();
    assert!(udp.local_addr().unwrap().ip().is_loopback());
    let addr = tcp.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let connect = assert_send(net::TcpStream::connect(addr));
    let (stream, accepted) = bounded(futures_lite::future::zip(connect, tcp.accept())).await;
    assert_eq!(stream.unwrap().peer_addr().unwrap(), addr);
    accepted.unwrap();
    let sent = assert_send(udp.send_to(b"x", ("localhost", udp.local_addr().unwrap().port())));
    let _ = bounded(sent).await;
    let lookup = assert_send(net::lookup_host("localhost:1"));
    assert!(bounded(lookup).await.unwrap().count() > 0);
}
