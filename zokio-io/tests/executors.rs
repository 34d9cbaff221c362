//! Standalone use: the sockets work under other executors, driven by the
//! background reactor.
#![cfg(not(loom))]

use std::io;

use futures_lite::future;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use zokio_io::net::{TcpListener, TcpStream};

async fn round_trip() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = async {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = [0; 5];
        stream.read_exact(&mut buf).await?;
        stream.write_all(&buf).await?;
        io::Result::Ok(())
    };
    let client = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(b"hello").await?;
        let mut buf = [0; 5];
        stream.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"hello");
        io::Result::Ok(())
    };
    let (a, b) = future::zip(server, client).await;
    a.and(b)
}

#[test]
fn under_futures_lite_block_on() {
    future::block_on(round_trip()).unwrap();
}

#[test]
fn under_zokio_core_block_on() {
    zokio_core::block_on(round_trip()).unwrap();
}

#[test]
fn under_smol() {
    let ex = smol::Executor::new();
    smol::block_on(ex.run(async {
        let task = ex.spawn(round_trip());
        task.await
    }))
    .unwrap();
}

#[test]
fn under_tokio_multi_thread() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async { tokio::spawn(round_trip()).await.unwrap() })
        .unwrap();
}
