//! `LocalTcpStream`: TCP through each thread-per-core worker's io_uring.
//! What a user relies on: bytes arrive whole and in order in both
//! directions (small and beyond one transfer), end of stream and a peer's
//! reset are reported, dropping a stream mid-read closes the connection,
//! more connections than the ring holds operations still all make
//! progress, a runtime shuts down with reads in flight, and a thread that
//! cannot serve a ring gets an `Unsupported` error. Tokio has no such
//! type: nothing here is a port.
#![cfg(all(target_os = "linux", not(loom)))]

mod support {
    pub mod tpc;
    pub mod watchdog;
}

use std::io;
use std::time::Duration;

use support::tpc::rt;
use support::watchdog::Watchdog;
use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{LocalTcpStream, TcpListener};
use zokio::runtime::{Builder, Runtime};
use zokio::task::spawn_local;

/// Runs `f`'s future as a `!Send` task on worker 0 and waits for it.
fn on_worker<F, Fut, T>(rt: &Runtime, f: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T> + 'static,
    T: Send + 'static,
{
    rt.block_on(
        rt.handle()
            .spawn_on(0, async move { spawn_local(f()).await.unwrap() })
            .unwrap(),
    )
    .unwrap()
}

/// A listener and a connected pair of local streams on this worker.
async fn pair() -> (LocalTcpStream, LocalTcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = LocalTcpStream::connect(addr).await.unwrap();
    let (accepted, _) = listener.accept().await.unwrap();
    (client, LocalTcpStream::from_stream(accepted).unwrap())
}

#[test]
fn echo_round_trips_keep_every_byte_in_order() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, mut server) = pair().await;
        spawn_local(async move {
            let mut buf = [0u8; 64];
            while server.read_exact(&mut buf).await.is_ok() {
                server.write_all(&buf).await.unwrap();
            }
        });
        for round in 0..2_000u32 {
            let sent: Vec<u8> = (0..64).map(|i| (round as u8).wrapping_add(i)).collect();
            client.write_all(&sent).await.unwrap();
            let mut got = [0u8; 64];
            client.read_exact(&mut got).await.unwrap();
            assert_eq!(&got[..], &sent[..], "round {round}");
        }
    });
}

#[test]
fn a_transfer_larger_than_one_send_or_receive_arrives_whole() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, mut server) = pair().await;
        // 3 MiB: many times the 64 KiB one send or receive moves.
        let data: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 251) as u8).collect();
        let expected = data.clone();
        let writer = spawn_local(async move {
            client.write_all(&data).await.unwrap();
            client.close().await.unwrap();
        });
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "the bytes differ");
    });
}

#[test]
fn end_of_stream_and_reset_are_reported() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, server) = pair().await;
        drop(server);
        let mut buf = [0u8; 8];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "end of stream");

        // Writes to a peer that is gone fail, from a later write or flush
        // (writes are accepted before the kernel sends them).
        let mut failed = None;
        for _ in 0..100 {
            let result = match client.write_all(&[1; 1024]).await {
                Ok(()) => client.flush().await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                failed = Some(e);
                break;
            }
            zokio::time::sleep(Duration::from_millis(1)).await;
        }
        let e = failed.expect("writing to a closed peer must fail");
        assert!(
            matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{e:?}"
        );
    });
}

#[test]
fn dropping_a_stream_mid_read_closes_the_connection() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (client, mut server) = pair().await;
        let reader = spawn_local(async move {
            let mut client = client;
            let mut buf = [0u8; 8];
            let _ = client.read(&mut buf).await; // never completes
        });
        zokio::time::sleep(Duration::from_millis(20)).await;
        reader.abort();
        assert!(reader.await.unwrap_err().is_cancelled());
        // The receive was cancelled and the socket closed: the peer sees
        // the end of the stream.
        let mut buf = [0u8; 8];
        let n = zokio::time::timeout(Duration::from_secs(10), server.read(&mut buf))
            .await
            .expect("the dropped stream's socket must close")
            .unwrap();
        assert_eq!(n, 0);
    });
}

#[test]
fn more_connections_than_the_ring_holds_operations_all_progress() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        // 1,200 pairs: their receives and sends (3,600 at once) are more
        // than the ring's 2,047 operations in flight, so some wait for room.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut tasks = Vec::new();
        for i in 0..1_200u32 {
            let mut client = LocalTcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            let mut server = LocalTcpStream::from_stream(accepted).unwrap();
            tasks.push(spawn_local(async move {
                let mut buf = [0u8; 4];
                server.read_exact(&mut buf).await.unwrap();
                server.write_all(&buf).await.unwrap();
                server.flush().await.unwrap();
                0
            }));
            tasks.push(spawn_local(async move {
                client.write_all(&i.to_le_bytes()).await.unwrap();
                let mut buf = [0u8; 4];
                client.read_exact(&mut buf).await.unwrap();
                assert_eq!(u32::from_le_bytes(buf), i);
                1
            }));
        }
        let mut clients = 0;
        for task in tasks {
            clients += task.await.unwrap();
        }
        assert_eq!(clients, 1_200);
    });
}

#[test]
fn shutdown_with_reads_in_flight_returns() {
    let _dog = Watchdog::start();
    let rt = rt(2);
    for worker in 0..2 {
        rt.block_on(
            rt.handle()
                .spawn_on(worker, async {
                    spawn_local(async {
                        let (client, server) = pair().await;
                        for mut stream in [client, server] {
                            spawn_local(async move {
                                let mut buf = [0u8; 8];
                                let _ = stream.read(&mut buf).await;
                            });
                        }
                    })
                    .await
                    .unwrap();
                })
                .unwrap(),
        )
        .unwrap();
    }
    rt.shutdown_timeout(Duration::from_secs(10));
}

#[test]
fn a_thread_that_serves_no_ring_gets_unsupported() {
    let _dog = Watchdog::start();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();

    // Outside any runtime.
    let stream = std::net::TcpStream::connect(addr).unwrap();
    let e = LocalTcpStream::from_std(stream).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
    let e = LocalTcpStream::available().unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");

    // On the multi-thread runtime, whose reactor no one thread owns.
    let mt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let e = mt
        .block_on(mt.spawn(async move {
            LocalTcpStream::from_std(std::net::TcpStream::connect(addr).unwrap()).map(drop)
        }))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
    let e = mt
        .block_on(mt.spawn(async { LocalTcpStream::available() }))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");

    // On the thread-per-core runtime's blocking pool.
    let tpc = rt(1);
    let _entered = tpc.enter();
    let e = tpc
        .block_on(zokio::task::spawn_blocking(move || {
            LocalTcpStream::from_std(std::net::TcpStream::connect(addr).unwrap()).map(drop)
        }))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
    let e = tpc
        .block_on(zokio::task::spawn_blocking(LocalTcpStream::available))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");

    // On one of its workers, where streams are made.
    on_worker(&tpc, || async { LocalTcpStream::available() }).unwrap();
}

#[test]
fn owned_reads_and_writes_move_bytes_without_losing_any() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, mut server) = pair().await;
        spawn_local(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let (read, b) = server.read_exact_owned(buf).await;
                if read.is_err() {
                    break;
                }
                let (written, b) = server.write_all_owned(b).await;
                written.unwrap();
                buf = b;
            }
        });
        let mut buf = vec![0u8; 4096];
        for round in 0..200u32 {
            for (i, byte) in buf.iter_mut().enumerate() {
                *byte = (round as usize + i) as u8;
            }
            let expected = buf.clone();
            let (written, b) = client.write_all_owned(buf).await;
            written.unwrap();
            let (read, b) = client.read_exact_owned(b).await;
            read.unwrap();
            assert!(b == expected, "round {round}");
            buf = b;
        }
        // Mixed with futures-io reads: what an owned read did not take is
        // still there for the next read of either kind.
        let sent: Vec<u8> = (0..4096).map(|i| (i % 7) as u8).collect();
        client.write_all(&sent).await.unwrap();
        let mut two = [0u8; 2];
        client.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, &sent[..2]);
        let (read, rest) = client.read_exact_owned(vec![0; 4094]).await;
        read.unwrap();
        assert!(rest[..] == sent[2..]);
    });
}

#[test]
fn a_given_up_owned_read_or_write_loses_no_bytes() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, mut server) = pair().await;
        // An owned read given up while its receive is in flight: the bytes
        // it receives are the stream's next ones.
        let gave_up =
            zokio::time::timeout(Duration::from_millis(20), client.read_owned(vec![0; 64])).await;
        assert!(gave_up.is_err(), "nothing was sent yet");
        server.write_all(b"late").await.unwrap();
        server.flush().await.unwrap();
        let mut got = [0u8; 4];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"late");

        // An owned write dropped at once still sends all of its bytes.
        let big = vec![9u8; 1 << 20];
        {
            let write = std::pin::pin!(client.write_all_owned(big));
            let _ = futures_lite::future::poll_once(write).await;
        }
        client.flush().await.unwrap();
        let mut received = vec![0u8; 1 << 20];
        server.read_exact(&mut received).await.unwrap();
        assert!(received.iter().all(|&b| b == 9));

        drop(server);
        let (read, _) = client.read_exact_owned(vec![0; 8]).await;
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    });
}

#[test]
fn a_vectored_write_takes_all_its_slices_at_once() {
    let _dog = Watchdog::start();
    let rt = rt(1);
    on_worker(&rt, || async {
        let (mut client, mut server) = pair().await;
        // A head and a body, as hyper writes a response: one write takes
        // both (futures-io's default would take the head alone).
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n";
        let body = b"Hello, World!";
        let slices = [io::IoSlice::new(head), io::IoSlice::new(body)];
        let n = client.write_vectored(&slices).await.unwrap();
        assert_eq!(n, head.len() + body.len());
        client.flush().await.unwrap();
        let mut got = vec![0u8; n];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..head.len()], &head[..]);
        assert_eq!(&got[head.len()..], &body[..]);

        // Past one send's 64 KiB, a write takes exactly that much, cut
        // inside a slice, and the rest goes with the next write.
        let big: Vec<u8> = (0..40_000u32).map(|i| (i % 253) as u8).collect();
        let slices = [io::IoSlice::new(&big), io::IoSlice::new(&big)];
        let n = client.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 64 * 1024);
        client.write_all(&big[n - big.len()..]).await.unwrap();
        client.flush().await.unwrap();
        let mut got = vec![0u8; 2 * big.len()];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..big.len()], &big[..]);
        assert_eq!(&got[big.len()..], &big[..]);
    });
}
