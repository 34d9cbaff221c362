//! Tokio's readiness API and name lookups, Zokio beside tokio, each on a
//! current-thread runtime built as a user would (every task spawned, none
//! run as the `block_on` future itself):
//!
//! - `uds_try_ping_pong_64B`: a Unix stream pair; one task echoes, the other
//!   sends 64 bytes and waits for them back, both through `readable()` /
//!   `try_read` and `writable()` / `try_write`; ns per round trip;
//! - `udp_try_ping_pong`: the same with two connected UDP sockets on
//!   loopback and `try_send` / `try_recv`;
//! - `lookup_host_literal`: `lookup_host("127.0.0.1:80")`, the path that
//!   must not touch the blocking pool; ns per lookup;
//! - `lookup_host_localhost`: `lookup_host("localhost:80")`, std's resolver
//!   on the blocking pool; µs per lookup.
//!
//! `cargo bench -p zokio --bench net_readiness [-- --quick] [--filter NAME]`
#![cfg(not(loom))]

use std::hint::black_box;
use std::io;
use std::time::Instant;

use zokio_bench::{Better, Runner};

const MSG: usize = 64;

type ZokioRt = zokio::Runtime;

fn zokio_rt() -> ZokioRt {
    zokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("zokio runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Reads or writes exactly `buf.len()` bytes through the readiness API of
/// either runtime's stream (the same loop a Tokio user writes).
macro_rules! exact {
    (read $s:expr, $buf:expr) => {{
        let mut done = 0;
        while done < $buf.len() {
            $s.readable().await.unwrap();
            match $s.try_read(&mut $buf[done..]) {
                Ok(0) => panic!("the peer closed"),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
    }};
    (write $s:expr, $buf:expr) => {{
        let mut done = 0;
        while done < $buf.len() {
            $s.writable().await.unwrap();
            match $s.try_write(&$buf[done..]) {
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
    }};
}

/// Datagram round trips through the readiness API.
macro_rules! dgram {
    (send $s:expr, $buf:expr) => {{
        loop {
            $s.writable().await.unwrap();
            match $s.try_send(&$buf) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
    }};
    (recv $s:expr, $buf:expr) => {{
        loop {
            $s.readable().await.unwrap();
            match $s.try_recv(&mut $buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
    }};
}

fn uds_zokio(rt: &ZokioRt, trips: u32) -> f64 {
    rt.block_on(rt.spawn(async move {
        let (a, b) = zokio::net::UnixStream::pair().unwrap();
        let echo = zokio::spawn(async move {
            let mut buf = [0u8; MSG];
            loop {
                exact!(read b, buf);
                exact!(write b, buf);
            }
        });
        let start = Instant::now();
        let mut buf = [7u8; MSG];
        for _ in 0..trips {
            exact!(write a, buf);
            exact!(read a, buf);
        }
        let elapsed = start.elapsed();
        echo.abort();
        elapsed.as_nanos() as f64 / f64::from(trips)
    }))
    .expect("the client task")
}

fn uds_tokio(rt: &tokio::runtime::Runtime, trips: u32) -> f64 {
    rt.block_on(rt.spawn(async move {
        let (a, b) = tokio::net::UnixStream::pair().unwrap();
        let echo = tokio::spawn(async move {
            let mut buf = [0u8; MSG];
            loop {
                exact!(read b, buf);
                exact!(write b, buf);
            }
        });
        let start = Instant::now();
        let mut buf = [7u8; MSG];
        for _ in 0..trips {
            exact!(write a, buf);
            exact!(read a, buf);
        }
        let elapsed = start.elapsed();
        echo.abort();
        elapsed.as_nanos() as f64 / f64::from(trips)
    }))
    .expect("the client task")
}

fn udp_zokio(rt: &ZokioRt, trips: u32) -> f64 {
    rt.block_on(rt.spawn(async move {
        let a = zokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = zokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        let echo = zokio::spawn(async move {
            let mut buf = [0u8; MSG];
            loop {
                let n = dgram!(recv b, buf);
                dgram!(send b, buf[..n]);
            }
        });
        let start = Instant::now();
        let mut buf = [7u8; MSG];
        for _ in 0..trips {
            dgram!(send a, buf);
            dgram!(recv a, buf);
        }
        let elapsed = start.elapsed();
        echo.abort();
        elapsed.as_nanos() as f64 / f64::from(trips)
    }))
    .expect("the client task")
}

fn udp_tokio(rt: &tokio::runtime::Runtime, trips: u32) -> f64 {
    rt.block_on(rt.spawn(async move {
        let a = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        let echo = tokio::spawn(async move {
            let mut buf = [0u8; MSG];
            loop {
                let n = dgram!(recv b, buf);
                dgram!(send b, buf[..n]);
            }
        });
        let start = Instant::now();
        let mut buf = [7u8; MSG];
        for _ in 0..trips {
            dgram!(send a, buf);
            dgram!(recv a, buf);
        }
        let elapsed = start.elapsed();
        echo.abort();
        elapsed.as_nanos() as f64 / f64::from(trips)
    }))
    .expect("the client task")
}

fn main() {
    let mut runner = Runner::from_args();
    let z = zokio_rt();
    let t = tokio_rt();

    let trips = runner.size(20_000, 500);
    runner.compare(
        "uds_try_ping_pong_64B",
        "ns/trip",
        Better::Lower,
        vec![
            ("zokio", Box::new(|| uds_zokio(&z, trips))),
            ("tokio", Box::new(|| uds_tokio(&t, trips))),
        ],
    );
    runner.compare(
        "udp_try_ping_pong",
        "ns/trip",
        Better::Lower,
        vec![
            ("zokio", Box::new(|| udp_zokio(&z, trips))),
            ("tokio", Box::new(|| udp_tokio(&t, trips))),
        ],
    );

    let lookups = runner.size(200_000, 2_000);
    runner.compare(
        "lookup_host_literal",
        "ns/lookup",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    z.block_on(z.spawn(async move {
                        let start = Instant::now();
                        for _ in 0..lookups {
                            black_box(
                                zokio::net::lookup_host("127.0.0.1:80")
                                    .await
                                    .unwrap()
                                    .count(),
                            );
                        }
                        start.elapsed().as_nanos() as f64 / f64::from(lookups)
                    }))
                    .expect("the task")
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    t.block_on(t.spawn(async move {
                        let start = Instant::now();
                        for _ in 0..lookups {
                            black_box(
                                tokio::net::lookup_host("127.0.0.1:80")
                                    .await
                                    .unwrap()
                                    .count(),
                            );
                        }
                        start.elapsed().as_nanos() as f64 / f64::from(lookups)
                    }))
                    .expect("the task")
                }),
            ),
        ],
    );

    let names = runner.size(2_000, 50);
    runner.compare(
        "lookup_host_localhost",
        "us/lookup",
        Better::Lower,
        vec![
            (
                "zokio",
                Box::new(|| {
                    z.block_on(z.spawn(async move {
                        let start = Instant::now();
                        for _ in 0..names {
                            black_box(
                                zokio::net::lookup_host("localhost:80")
                                    .await
                                    .unwrap()
                                    .count(),
                            );
                        }
                        start.elapsed().as_micros() as f64 / f64::from(names)
                    }))
                    .expect("the task")
                }),
            ),
            (
                "tokio",
                Box::new(|| {
                    t.block_on(t.spawn(async move {
                        let start = Instant::now();
                        for _ in 0..names {
                            black_box(
                                tokio::net::lookup_host("localhost:80")
                                    .await
                                    .unwrap()
                                    .count(),
                            );
                        }
                        start.elapsed().as_micros() as f64 / f64::from(names)
                    }))
                    .expect("the task")
                }),
            ),
        ],
    );
}
