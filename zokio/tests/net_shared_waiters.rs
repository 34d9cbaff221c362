//! Several tasks waiting on one direction of one socket are all woken, as
//! in Tokio: two receivers on an `Arc<UdpSocket>`, two `readable()` waits
//! on one `TcpStream`. (Both hang without the waiters' overflow: the
//! second registration used to replace the first one's waker.)
#![cfg(not(loom))]

use std::sync::Arc;
use std::time::Duration;

use zokio::net::{TcpListener, TcpStream, UdpSocket};

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    zokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("a waiter was never woken")
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tasks_receiving_on_one_udp_socket_both_get_a_datagram() {
    for _ in 0..50 {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = socket.local_addr().unwrap();
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let socket = socket.clone();
                zokio::spawn(async move {
                    let mut buf = [0u8; 16];
                    let (n, _) = socket.recv_from(&mut buf).await.unwrap();
                    buf[..n].to_vec()
                })
            })
            .collect();
        // Both are waiting (or about to) before anything arrives.
        zokio::time::sleep(Duration::from_millis(2)).await;
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sender.send_to(b"one", addr).await.unwrap();
        sender.send_to(b"two", addr).await.unwrap();
        let mut got = Vec::new();
        for receiver in receivers {
            got.push(within(receiver).await.unwrap());
        }
        got.sort();
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
    }
}

#[zokio::test]
async fn two_readable_waits_on_one_stream_are_both_woken() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = Arc::new(TcpStream::connect(addr).await.unwrap());
    let (mut server, _) = listener.accept().await.unwrap();
    let waits: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            zokio::spawn(async move { client.readable().await.unwrap() })
        })
        .collect();
    zokio::task::yield_now().await;
    zokio::io::AsyncWriteExt::write_all(&mut server, b"x")
        .await
        .unwrap();
    for wait in waits {
        within(wait).await.unwrap();
    }
}
