//! UDP round trips and Unix-domain sockets.
#![cfg(not(loom))]

use std::io;
use std::net::Shutdown;
use std::sync::mpsc;
use std::time::Duration;

use futures_lite::future::{self, block_on};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use zokio_io::net::{UdpSocket, UnixListener, UnixStream};

fn watchdog<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("the test did not finish in time")
}

#[test]
fn udp_round_trips() {
    watchdog(20, || {
        block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await?;
            let client = UdpSocket::bind("127.0.0.1:0").await?;
            let server_addr = server.local_addr()?;
            let serve = async {
                let mut buf = [0; 64];
                for _ in 0..200 {
                    let (n, from) = server.recv_from(&mut buf).await?;
                    server.send_to(&buf[..n], from).await?;
                }
                io::Result::Ok(())
            };
            let ask = async {
                client.connect(server_addr).await?;
                assert_eq!(client.peer_addr()?, server_addr);
                let mut buf = [0; 64];
                for i in 0..200u32 {
                    client.send(&i.to_le_bytes()).await?;
                    let n = client.recv(&mut buf).await?;
                    assert_eq!(&buf[..n], &i.to_le_bytes());
                }
                io::Result::Ok(())
            };
            let (a, b) = future::zip(serve, ask).await;
            a.and(b)
        })
    })
    .unwrap();
}

#[test]
fn udp_bad_address_and_std_conversion() {
    block_on(async {
        let err = UdpSocket::bind("nowhere").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let err = socket.send_to(b"x", "bad:address:here").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let addr = socket.local_addr().unwrap();
        let std_socket: std::net::UdpSocket = socket.into();
        assert_eq!(std_socket.local_addr().unwrap(), addr);
        let again = UdpSocket::try_from(std_socket).unwrap();
        assert_eq!(again.local_addr().unwrap(), addr);
    });
}

fn temp_socket_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zokio-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn unix_echo_and_half_close() {
    let path = temp_socket_path("echo.sock");
    watchdog(20, move || {
        block_on(async {
            let listener = UnixListener::bind(&path)?;
            let serve = async {
                let (stream, _) = listener.accept().await?;
                futures_lite::io::copy(&stream, &mut &stream).await?;
                stream.shutdown(Shutdown::Write)?;
                io::Result::Ok(())
            };
            let ask = async {
                let mut stream = UnixStream::connect(&path).await?;
                stream.write_all(b"through a unix socket").await?;
                stream.close().await?;
                let mut back = Vec::new();
                stream.read_to_end(&mut back).await?;
                assert_eq!(back, b"through a unix socket");
                io::Result::Ok(())
            };
            let (a, b) = future::zip(serve, ask).await;
            std::fs::remove_file(&path)?;
            a.and(b)
        })
    })
    .unwrap();
}

#[test]
fn unix_pair_and_connect_errors() {
    block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(b"1").await.unwrap();
        let mut one = [0; 1];
        (&b).read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"1");
        let std_b: std::os::unix::net::UnixStream = b.into_std();
        drop(std_b);
        let mut buf = [0; 1];
        assert_eq!(a.read(&mut buf).await.unwrap(), 0, "peer closed");

        let missing = temp_socket_path("missing.sock");
        let err = UnixStream::connect(&missing).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    });
}
