//! Port of Tokio's tokio/tests/io_copy_bidirectional.rs, all 6 tests, to
//! `zokio::io::copy_bidirectional` over Zokio's loopback TCP streams. The 3
//! tests on `tokio_test::io::Builder` mocks run them through the
//! `tokio-io` feature's compat adapter (the mocks implement Tokio's traits),
//! so they need `--features tokio-io`. Then Zokio's own tests of the byte
//! counts, the sizes variant and `DuplexStream`s.
#![cfg(not(loom))]

use std::time::Duration;

use zokio::io::{self, AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use zokio::net::TcpStream;
use zokio::task::JoinHandle;

mod support {
    pub mod within;
}
use support::within::within;

async fn make_socketpair() -> (TcpStream, TcpStream) {
    let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connector = TcpStream::connect(addr);
    let acceptor = listener.accept();

    let (c1, c2) = zokio::join!(connector, acceptor);

    (c1.unwrap(), c2.unwrap().0)
}

async fn block_write(s: &mut TcpStream) -> usize {
    static BUF: [u8; 2048] = [0; 2048];

    let mut copied = 0;
    loop {
        zokio::select! {
            result = s.write(&BUF) => {
                copied += result.expect("write error")
            },
            _ = zokio::time::sleep(Duration::from_millis(10)) => {
                break;
            }
        }
    }

    copied
}

async fn symmetric<F, Fut>(mut cb: F)
where
    F: FnMut(JoinHandle<std::io::Result<(u64, u64)>>, TcpStream, TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // We run the test twice, with streams passed to copy_bidirectional in
    // different orders, in order to ensure that the two arguments are
    // interchangeable.

    let (a, mut a1) = make_socketpair().await;
    let (b, mut b1) = make_socketpair().await;

    let handle = zokio::spawn(async move { copy_bidirectional(&mut a1, &mut b1).await });
    within(LIMIT, cb(handle, a, b)).await;

    let (a, mut a1) = make_socketpair().await;
    let (b, mut b1) = make_socketpair().await;

    let handle = zokio::spawn(async move { copy_bidirectional(&mut b1, &mut a1).await });

    within(LIMIT, cb(handle, b, a)).await;
}

/// Bounds each test in time (Zokio's addition): a hang fails the test.
const LIMIT: Duration = Duration::from_secs(20);

#[zokio::test]
async fn test_basic_transfer() {
    symmetric(|_handle, mut a, mut b| async move {
        a.write_all(b"test").await.unwrap();
        let mut tmp = [0; 4];
        b.read_exact(&mut tmp).await.unwrap();
        assert_eq!(&tmp[..], b"test");
    })
    .await
}

#[zokio::test]
async fn test_transfer_after_close() {
    symmetric(|handle, mut a, mut b| async move {
        AsyncWriteExt::shutdown(&mut a).await.unwrap();
        b.read_to_end(&mut Vec::new()).await.unwrap();

        b.write_all(b"quux").await.unwrap();
        let mut tmp = [0; 4];
        a.read_exact(&mut tmp).await.unwrap();
        assert_eq!(&tmp[..], b"quux");

        // Once both are closed, we should have our handle back
        drop(b);

        assert_eq!(handle.await.unwrap().unwrap(), (0, 4));
    })
    .await
}

#[zokio::test]
async fn blocking_one_side_does_not_block_other() {
    symmetric(|handle, mut a, mut b| async move {
        block_write(&mut a).await;

        b.write_all(b"quux").await.unwrap();
        let mut tmp = [0; 4];
        a.read_exact(&mut tmp).await.unwrap();
        assert_eq!(&tmp[..], b"quux");

        AsyncWriteExt::shutdown(&mut a).await.unwrap();

        let mut buf = Vec::new();
        b.read_to_end(&mut buf).await.unwrap();

        drop(b);

        assert_eq!(handle.await.unwrap().unwrap(), (buf.len() as u64, 4));
    })
    .await
}

#[cfg(feature = "tokio-io")]
mod on_mocks {
    use super::*;
    use zokio::compat::tokio_io::TokioAsyncReadCompatExt;

    #[zokio::test]
    async fn immediate_exit_on_write_error() {
        let payload = b"here, take this";
        let error = || std::io::Error::other("no thanks!");

        let mut a = tokio_test::io::Builder::new()
            .read(payload)
            .write_error(error())
            .build()
            .compat();

        let mut b = tokio_test::io::Builder::new()
            .read(payload)
            .write_error(error())
            .build()
            .compat();

        assert!(copy_bidirectional(&mut a, &mut b).await.is_err());
    }

    #[zokio::test]
    async fn immediate_exit_on_read_error() {
        let error = || std::io::Error::other("got nothing!");

        let mut a = tokio_test::io::Builder::new()
            .read_error(error())
            .build()
            .compat();

        let mut b = tokio_test::io::Builder::new()
            .read_error(error())
            .build()
            .compat();

        assert!(copy_bidirectional(&mut a, &mut b).await.is_err());
    }

    #[zokio::test]
    async fn copy_bidirectional_is_cooperative() {
        zokio::select! {
            biased;
            _ = async {
                loop {
                    let payload = b"here, take this";

                    let mut a = tokio_test::io::Builder::new()
                        .read(payload)
                        .write(payload)
                        .build()
                        .compat();

                    let mut b = tokio_test::io::Builder::new()
                        .read(payload)
                        .write(payload)
                        .build()
                        .compat();

                    let _ = copy_bidirectional(&mut a, &mut b).await;
                }
            } => {},
            _ = zokio::task::yield_now() => {}
        }
    }
}

// Zokio's own.

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_both_directions_through_small_buffers() {
    within(LIMIT, async {
        let (mut client, mut proxy_a) = io::duplex(7);
        let (mut proxy_b, mut server) = io::duplex(5);
        let proxy = zokio::spawn(async move {
            io::copy_bidirectional_with_sizes(&mut proxy_a, &mut proxy_b, 3, 2).await
        });
        let up: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let down = vec![9u8; 3_333];
        let client_side = {
            let up = up.clone();
            zokio::spawn(async move {
                let (mut rd, mut wr) = io::split(client);
                let send = async {
                    wr.write_all(&up).await?;
                    wr.shutdown().await
                };
                let mut got = Vec::new();
                let (sent, read) = zokio::join!(send, rd.read_to_end(&mut got));
                sent?;
                read?;
                client = rd.unsplit(wr).expect("halves of one stream");
                drop(client);
                std::io::Result::Ok(got)
            })
        };
        let (mut rd, mut wr) = io::split(server);
        let send = async {
            wr.write_all(&down).await?;
            wr.shutdown().await
        };
        let mut got_up = Vec::new();
        let (sent, read) = zokio::join!(send, rd.read_to_end(&mut got_up));
        sent.unwrap();
        read.unwrap();
        server = rd.unsplit(wr).unwrap();
        assert_eq!(got_up, up);
        assert_eq!(client_side.await.unwrap().unwrap(), down);
        assert_eq!(proxy.await.unwrap().unwrap(), (10_000, 3_333));
        drop(server);
    })
    .await
}

#[zokio::test]
async fn an_error_on_either_side_ends_the_copy() {
    within(LIMIT, async {
        let (mut a, a_peer) = io::duplex(8);
        let (mut b, mut b_peer) = io::duplex(8);
        // `a`'s peer is gone: writing to `a` fails with BrokenPipe once
        // `b` has something to send it.
        drop(a_peer);
        b_peer.write_all(b"to a").await.unwrap();
        let err = copy_bidirectional(&mut a, &mut b).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    })
    .await
}
