//! TCP behaviour over loopback: echo, many connections, half-close, a large
//! transfer, and the error kinds a socket can give.
#![cfg(not(loom))]

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::mpsc;
use std::time::Duration;

use futures_lite::future::{self, block_on};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use futures_lite::{AsyncWrite, StreamExt};
use zokio_io::net::{TcpListener, TcpStream};

/// Runs `f` on a thread and fails the test if it takes longer than `secs`:
/// a hang shows as a failure, not a stuck test run.
fn watchdog<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("the test did not finish in time")
}

async fn echo_server(listener: TcpListener, connections: usize) -> io::Result<()> {
    let ex = async_executor::LocalExecutor::new();
    ex.run(async {
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (stream, _) = listener.accept().await?;
            tasks.push(ex.spawn(async move {
                let (reader, mut writer) = (&stream, &stream);
                futures_lite::io::copy(reader, &mut writer).await?;
                writer.close().await
            }));
        }
        for task in tasks {
            task.await?;
        }
        Ok(())
    })
    .await
}

#[test]
fn echo() {
    watchdog(20, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = echo_server(listener, 1);
            let client = async {
                let mut stream = TcpStream::connect(addr).await?;
                assert_eq!(stream.peer_addr()?, addr);
                for i in 0..100u32 {
                    let msg = i.to_le_bytes();
                    stream.write_all(&msg).await?;
                    let mut back = [0; 4];
                    stream.read_exact(&mut back).await?;
                    assert_eq!(back, msg);
                }
                stream.close().await
            };
            let (s, c) = future::zip(server, client).await;
            s.and(c)
        })
    })
    .unwrap();
}

#[test]
fn thousand_concurrent_connections() {
    const N: usize = 1000;
    watchdog(40, || {
        let ex = async_executor::LocalExecutor::new();
        block_on(ex.run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = ex.spawn(echo_server(listener, N));
            let clients: Vec<_> = (0..N)
                .map(|i| {
                    ex.spawn(async move {
                        let mut stream = TcpStream::connect(addr).await?;
                        let msg = (i as u64).to_le_bytes();
                        stream.write_all(&msg).await?;
                        let mut back = [0; 8];
                        stream.read_exact(&mut back).await?;
                        assert_eq!(back, msg);
                        stream.close().await?;
                        io::Result::Ok(())
                    })
                })
                .collect();
            for client in clients {
                client.await?;
            }
            server.await
        }))
    })
    .unwrap();
}

#[test]
fn half_close() {
    watchdog(20, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            client.write_all(b"request").await?;
            client.shutdown(Shutdown::Write)?;
            let mut request = Vec::new();
            server.read_to_end(&mut request).await?;
            assert_eq!(request, b"request");
            // The other direction still works after the client's half-close.
            server.write_all(b"response").await?;
            server.close().await?;
            let mut response = Vec::new();
            client.read_to_end(&mut response).await?;
            assert_eq!(response, b"response");
            io::Result::Ok(())
        })
    })
    .unwrap();
}

fn checksum(state: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(state, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn hundred_megabytes_with_checksum() {
    const TOTAL: usize = 100 << 20;
    watchdog(50, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let receiver = async {
                let (mut stream, _) = listener.accept().await?;
                let mut buf = vec![0; 256 << 10];
                let (mut sum, mut got) = (0xcbf2_9ce4_8422_2325u64, 0usize);
                loop {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    sum = checksum(sum, &buf[..n]);
                    got += n;
                }
                io::Result::Ok((sum, got))
            };
            let sender = async {
                let mut stream = TcpStream::connect(addr).await?;
                let mut chunk = vec![0u8; 1 << 20];
                let (mut sum, mut x) = (0xcbf2_9ce4_8422_2325u64, 0x9e37_79b9_7f4a_7c15u64);
                for _ in 0..TOTAL / chunk.len() {
                    for word in chunk.chunks_exact_mut(8) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        word.copy_from_slice(&x.to_le_bytes());
                    }
                    sum = checksum(sum, &chunk);
                    stream.write_all(&chunk).await?;
                }
                stream.close().await?;
                io::Result::Ok(sum)
            };
            let (received, sent) = future::zip(receiver, sender).await;
            let (received_sum, received_len) = received?;
            assert_eq!(received_len, TOTAL);
            assert_eq!(received_sum, sent?);
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn vectored_write_and_split_halves() {
    watchdog(20, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            let (mut read, mut write) = client.into_split();
            let parts = [io::IoSlice::new(b"ab"), io::IoSlice::new(b"cd")];
            let n = future::poll_fn(|cx| {
                std::pin::Pin::new(&mut write).poll_write_vectored(cx, &parts)
            })
            .await?;
            assert_eq!(n, 4);
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"abcd");
            server.write_all(b"xy").await?;
            let mut back = [0; 2];
            read.read_exact(&mut back).await?;
            assert_eq!(&back, b"xy");
            let mut stream = read.reunite(write).expect("halves of one stream");
            stream.write_all(b"z").await?;
            let mut last = [0; 1];
            server.read_exact(&mut last).await?;
            assert_eq!(&last, b"z");
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn conversions_from_and_into_std() {
    watchdog(20, || {
        block_on(async {
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            let listener = TcpListener::try_from(std_listener)?;
            let addr = listener.local_addr()?;
            let std_client = std::net::TcpStream::connect(addr)?;
            let mut client = TcpStream::from_std(std_client)?;
            let (server, _) = listener.accept().await?;
            client.write_all(b"std").await?;
            let mut server: std::net::TcpStream = server.into();
            server.set_nonblocking(false)?;
            let mut buf = [0; 3];
            io::Read::read_exact(&mut server, &mut buf)?;
            assert_eq!(&buf, b"std");
            let back: std::net::TcpListener = listener.into_std();
            assert_eq!(back.local_addr()?, addr);
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn incoming_stream_yields_connections() {
    watchdog(20, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            listener.set_ttl(42)?;
            assert_eq!(listener.ttl()?, 42);
            let addr = listener.local_addr()?;
            let clients = async {
                let a = TcpStream::connect(addr).await?;
                let b = TcpStream::connect(addr).await?;
                io::Result::Ok((a, b))
            };
            let accepted = async {
                let incoming = listener.incoming();
                let streams: Vec<_> = incoming.take(2).try_collect().await?;
                io::Result::Ok(streams)
            };
            let (clients, accepted) = future::zip(clients, accepted).await;
            let (a, b) = clients?;
            let ports: Vec<u16> = accepted?
                .iter()
                .map(|s| s.peer_addr().unwrap().port())
                .collect();
            let expected = [a.local_addr()?.port(), b.local_addr()?.port()];
            assert!(ports.iter().all(|p| expected.contains(p)));
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn connect_with_deadline() {
    // The deadline is a plain watchdog thread; zokio-time's `timeout` is not
    // used here so the crate stays independent of it.
    watchdog(10, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let stream = TcpStream::connect(listener.local_addr()?).await?;
            stream.set_nodelay(true)?;
            assert!(stream.nodelay()?);
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn connection_refused() {
    let err = watchdog(10, || {
        block_on(async {
            // Bind then drop: the port is known and nothing listens on it.
            let addr = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
            TcpStream::connect(addr).await.map(drop)
        })
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn connect_tries_each_address() {
    watchdog(10, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let dead = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
            let addrs: Vec<SocketAddr> = vec![dead, listener.local_addr()?];
            let stream = TcpStream::connect(&addrs[..]).await?;
            assert_eq!(stream.peer_addr()?, listener.local_addr()?);
            io::Result::Ok(())
        })
    })
    .unwrap();
}

#[test]
fn connection_reset() {
    let err = watchdog(10, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (server, _) = listener.accept().await?;
            // Linger zero: closing sends RST instead of FIN.
            socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO))?;
            drop(server);
            let mut buf = [0; 8];
            client.read(&mut buf).await.map(drop)
        })
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
}

#[test]
fn broken_pipe() {
    let err = watchdog(10, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (server, _) = listener.accept().await?;
            client.shutdown(Shutdown::Write)?;
            drop(server);
            client.write_all(b"after shutdown").await
        })
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn address_in_use() {
    let err = watchdog(10, || {
        block_on(async {
            let first = TcpListener::bind("127.0.0.1:0").await?;
            TcpListener::bind(first.local_addr()?).await.map(drop)
        })
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
}

#[test]
fn bad_addresses_are_invalid_input() {
    block_on(async {
        for bad in ["not an address", "127.0.0.1", "127.0.0.1:99999"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
            let err = TcpListener::bind(bad).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        let none: &[SocketAddr] = &[];
        let err = TcpStream::connect(none).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

/// Exact-length reads (`read_exact`, which let a stream learn from the
/// kernel that it emptied the queue) of data written in odd-sized pieces,
/// then the end of the stream: no byte is lost, no wakeup missed, and the
/// final read sees EOF.
#[test]
fn exact_reads_of_odd_writes_then_end_of_stream() {
    watchdog(60, || {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
            let sent = data.clone();
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let mut rest = &sent[..];
                let mut piece = 1;
                while !rest.is_empty() {
                    let n = piece.min(rest.len());
                    s.write_all(&rest[..n]).unwrap();
                    rest = &rest[n..];
                    piece = piece * 3 % 1021 + 1;
                }
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut received = Vec::with_capacity(data.len());
            let mut size = 1;
            while received.len() < data.len() {
                let mut buf = vec![0u8; size.min(data.len() - received.len())];
                stream.read_exact(&mut buf).await.unwrap();
                received.extend_from_slice(&buf);
                size = size * 5 % 997 + 1;
            }
            assert!(received == data, "the bytes read differ from those sent");
            assert_eq!(stream.read(&mut [0u8; 16]).await.unwrap(), 0);
            writer.join().unwrap();
        })
    });
}
