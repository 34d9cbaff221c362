//! A port of tokio's tests/tcp_stream.rs to `zokio::net::TcpStream`'s
//! readiness API (`readable`, `writable`, `ready`, `try_*`,
//! `poll_*_ready`), with every wait bounded by a timeout.
//!
//! Every test (8 of 8). Deliberate differences show in the ports, each marked
//! "Zokio:": a stream fresh from `accept` is presumed readable and writable
//! until an attempt returns `WouldBlock` (so the port clears that first),
//! `yield_now` does not poll the reactor (so the port waits briefly
//! instead of yielding), a `try_write` shorter than asked clears the
//! write readiness at once (tokio keeps it until a `WouldBlock`), and the
//! readiness waits spend cooperative budget (the port lifts it where mock
//! polls would run it out). Tests added below the ported ones are Zokio's.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::future::{Future, poll_fn};
use std::io;
use std::task::Poll;
use std::time::Duration;

use tokio_test::task;
use tokio_test::{assert_ok, assert_pending, assert_ready_ok};
use zokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use zokio::net::{TcpListener, TcpStream};

/// Fails the test instead of hanging it.
async fn bounded<F: Future>(f: F) -> F::Output {
    zokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("timed out")
}

/// Zokio: where tokio yields for the reactor to run, wait briefly (a yield
/// does not poll the reactor).
async fn settle() {
    zokio::time::sleep(Duration::from_millis(1)).await;
}

/// Zokio: an accepted stream is presumed ready; one failed attempt clears
/// that, so waits then reflect the kernel's state as tokio's do.
fn clear_presumed_readiness(stream: &TcpStream) {
    let err = stream.try_read(&mut [0; 1]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}

#[zokio::test]
async fn set_linger() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();

    let stream = bounded(TcpStream::connect(listener.local_addr().unwrap()))
        .await
        .unwrap();

    assert_ok!(stream.set_linger(Some(Duration::from_secs(1))));
    assert_eq!(stream.linger().unwrap().unwrap().as_secs(), 1);

    assert_ok!(stream.set_zero_linger());
    assert_eq!(stream.linger().unwrap().unwrap().as_secs(), 0);

    assert_ok!(stream.set_linger(None));
    assert!(stream.linger().unwrap().is_none());
}

#[zokio::test]
async fn try_read_write() {
    // Zokio: readiness waits spend cooperative budget (tokio's async ones do
    // not), and the mock polls below would run it out; lift it.
    bounded(zokio_core::budget::unconstrained(async {
        const DATA: &[u8] = &[2u8; 4000];

        // Create listener
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();

        // Create socket pair
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        clear_presumed_readiness(&server);
        let mut written = DATA.to_vec();

        // Track the server receiving data
        let mut readable = task::spawn(server.readable());
        assert_pending!(readable.poll());

        // Write data.
        client.writable().await.unwrap();
        assert_eq!(DATA.len(), client.try_write(DATA).unwrap());

        // The task should be notified
        while !readable.is_woken() {
            settle().await;
        }

        // Fill the write buffer using non-vectored I/O
        let mut short_write = false;
        loop {
            // Still ready. Zokio: unless the last write was short, which
            // proves the buffer full and clears readiness without a
            // `WouldBlock` (tokio keeps it until the `WouldBlock`).
            let mut writable = task::spawn(client.writable());
            if short_write {
                assert_pending!(writable.poll());
                break;
            }
            assert_ready_ok!(writable.poll());

            match client.try_write(DATA) {
                Ok(n) => {
                    short_write = n < DATA.len();
                    written.extend(&DATA[..n])
                }
                Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => {
                    break;
                }
                Err(e) => panic!("error = {e:?}"),
            }
        }

        {
            // Write buffer full
            let mut writable = task::spawn(client.writable());
            assert_pending!(writable.poll());

            // Drain the socket from the server end using non-vectored I/O
            let mut read = vec![0; written.len()];
            let mut i = 0;

            while i < read.len() {
                server.readable().await.unwrap();

                match server.try_read(&mut read[i..]) {
                    Ok(n) => i += n,
                    Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("error = {e:?}"),
                }
            }

            assert_eq!(read, written);
        }

        written.clear();
        written.reserve(10 * 1024 * 1024);
        client.writable().await.unwrap();

        // Fill the write buffer using vectored I/O
        let data_bufs: Vec<_> = DATA.chunks(10).map(io::IoSlice::new).collect();
        let mut short_write = false;
        loop {
            // Still ready. Zokio: unless the last write was short, which
            // proves the buffer full and clears readiness without a
            // `WouldBlock` (tokio keeps it until the `WouldBlock`).
            let mut writable = task::spawn(client.writable());
            if short_write {
                assert_pending!(writable.poll());
                break;
            }
            assert_ready_ok!(writable.poll());

            match client.try_write_vectored(&data_bufs) {
                Ok(n) => {
                    short_write = n < DATA.len();
                    written.extend(&DATA[..n]);
                }
                Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => {
                    break;
                }
                Err(e) => panic!("error = {e:?}"),
            }
        }

        {
            // Write buffer full
            let mut writable = task::spawn(client.writable());
            assert_pending!(writable.poll());

            // Drain the socket from the server end using vectored I/O
            let mut read = vec![0; written.len()];
            let mut i = 0;

            while i < read.len() {
                server.readable().await.unwrap();

                let mut bufs: Vec<_> = read[i..]
                    .chunks_mut(0x10000)
                    .map(io::IoSliceMut::new)
                    .collect();
                match server.try_read_vectored(&mut bufs) {
                    Ok(n) => i += n,
                    Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("error = {e:?}"),
                }
            }

            assert_eq!(read, written);
        }

        // Now, we listen for shutdown
        drop(client);

        loop {
            let ready = server.ready(Interest::READABLE).await.unwrap();

            if ready.is_read_closed() {
                return;
            } else {
                settle().await;
            }
        }
    }))
    .await
}

#[test]
fn buffer_not_included_in_future() {
    use std::mem;

    const N: usize = 4096;

    let fut = async {
        let stream = TcpStream::connect("127.0.0.1:8080").await.unwrap();

        loop {
            stream.readable().await.unwrap();

            let mut buf = [0; N];
            let n = stream.try_read(&mut buf[..]).unwrap();

            if n == 0 {
                break;
            }
        }
    };

    let n = mem::size_of_val(&fut);
    assert!(n < 1000, "{n} bytes");
}

macro_rules! assert_readable_by_polling {
    ($stream:expr) => {
        assert_ok!(bounded(poll_fn(|cx| $stream.poll_read_ready(cx))).await);
    };
}

macro_rules! assert_not_readable_by_polling {
    ($stream:expr) => {
        poll_fn(|cx| {
            assert_pending!($stream.poll_read_ready(cx));
            Poll::Ready(())
        })
        .await;
    };
}

macro_rules! assert_writable_by_polling {
    ($stream:expr) => {
        assert_ok!(bounded(poll_fn(|cx| $stream.poll_write_ready(cx))).await);
    };
}

macro_rules! assert_not_writable_by_polling {
    ($stream:expr) => {
        poll_fn(|cx| {
            assert_pending!($stream.poll_write_ready(cx));
            Poll::Ready(())
        })
        .await;
    };
}

#[zokio::test]
async fn poll_read_ready() {
    let (mut client, mut server) = create_pair().await;
    clear_presumed_readiness(&server);

    // Initial state - not readable.
    assert_not_readable_by_polling!(server);

    // There is data in the buffer - readable.
    assert_ok!(bounded(client.write_all(b"ping")).await);
    assert_readable_by_polling!(server);

    // Readable until calls to `poll_read` return `Poll::Pending`.
    let mut buf = [0u8; 4];
    assert_ok!(bounded(server.read_exact(&mut buf)).await);
    assert_readable_by_polling!(server);
    read_until_pending(&mut server);
    assert_not_readable_by_polling!(server);

    // Detect the client disconnect.
    drop(client);
    assert_readable_by_polling!(server);
}

#[zokio::test]
async fn poll_write_ready() {
    let (mut client, server) = create_pair().await;

    // Initial state - writable.
    assert_writable_by_polling!(client);

    // No space to write - not writable.
    write_until_pending(&mut client);
    assert_not_writable_by_polling!(client);

    // Detect the server disconnect.
    drop(server);
    assert_writable_by_polling!(client);
}

async fn create_pair() -> (TcpStream, TcpStream) {
    let listener = assert_ok!(TcpListener::bind("127.0.0.1:0").await);
    let addr = assert_ok!(listener.local_addr());
    let (client, (server, _)) = assert_ok!(
        bounded(futures_lite::future::try_zip(
            TcpStream::connect(&addr),
            listener.accept()
        ))
        .await
    );
    (client, server)
}

fn read_until_pending(stream: &mut TcpStream) -> usize {
    let mut buf = vec![0u8; 1024 * 1024];
    let mut total = 0;
    loop {
        match stream.try_read(&mut buf) {
            Ok(n) => total += n,
            Err(err) => {
                assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
                break;
            }
        }
    }
    total
}

fn write_until_pending(stream: &mut TcpStream) -> usize {
    let buf = vec![0u8; 1024 * 1024];
    let mut total = 0;
    loop {
        match stream.try_write(&buf) {
            Ok(n) => total += n,
            Err(err) => {
                assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
                break;
            }
        }
    }
    total
}

#[zokio::test]
async fn try_read_buf() {
    // Zokio: readiness waits spend cooperative budget; lift it for the mock
    // polls below.
    bounded(zokio_core::budget::unconstrained(async {
        const DATA: &[u8] = &[2u8; 4000];

        // Create listener
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();

        // Create socket pair
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        clear_presumed_readiness(&server);
        let mut written = DATA.to_vec();

        // Track the server receiving data
        let mut readable = task::spawn(server.readable());
        assert_pending!(readable.poll());

        // Write data.
        client.writable().await.unwrap();
        assert_eq!(DATA.len(), client.try_write(DATA).unwrap());

        // The task should be notified
        while !readable.is_woken() {
            settle().await;
        }

        // Fill the write buffer
        let mut short_write = false;
        loop {
            // Still ready (Zokio: unless the last write was short).
            let mut writable = task::spawn(client.writable());
            if short_write {
                assert_pending!(writable.poll());
                break;
            }
            assert_ready_ok!(writable.poll());

            match client.try_write(DATA) {
                Ok(n) => {
                    short_write = n < DATA.len();
                    written.extend(&DATA[..n])
                }
                Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => {
                    break;
                }
                Err(e) => panic!("error = {e:?}"),
            }
        }

        {
            // Write buffer full
            let mut writable = task::spawn(client.writable());
            assert_pending!(writable.poll());

            // Drain the socket from the server end
            let mut read = Vec::with_capacity(written.len());
            let mut i = 0;

            while i < read.capacity() {
                server.readable().await.unwrap();

                match server.try_read_buf(&mut read) {
                    Ok(n) => i += n,
                    Err(ref e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("error = {e:?}"),
                }
            }

            assert_eq!(read, written);
        }

        // Now, we listen for shutdown
        drop(client);

        let mut count = 0;
        loop {
            count += 1;
            if count > 100 {
                panic!("loop 4")
            }
            let ready = server.ready(Interest::READABLE).await.unwrap();

            if ready.is_read_closed() {
                return;
            } else {
                settle().await;
            }
        }
    }))
    .await
}

// read_closed is a best effort event, so test only for no false positives.
#[zokio::test]
async fn read_closed() {
    let (client, mut server) = create_pair().await;

    let mut ready_fut = task::spawn(client.ready(Interest::READABLE));
    assert_pending!(ready_fut.poll());

    assert_ok!(bounded(server.write_all(b"ping")).await);

    let ready_event = assert_ok!(bounded(ready_fut).await);

    assert!(!ready_event.is_read_closed());
}

// write_closed is a best effort event, so test only for no false positives.
#[zokio::test]
async fn write_closed() {
    let (mut client, mut server) = create_pair().await;

    // Fill the write buffer.
    let write_size = write_until_pending(&mut client);
    let mut ready_fut = task::spawn(client.ready(Interest::WRITABLE));
    assert_pending!(ready_fut.poll());

    // Drain the socket to make client writable.
    let mut read_size = 0;
    while read_size < write_size {
        bounded(server.readable()).await.unwrap();
        read_size += read_until_pending(&mut server);
    }

    let ready_event = assert_ok!(bounded(ready_fut).await);

    assert!(!ready_event.is_write_closed());
}

// Zokio's own tests.

/// Connecting by host name resolves off the worker (a current-thread
/// runtime still ticks) and reaches the listener.
#[zokio::test]
async fn connect_by_host_name() {
    let listener = TcpListener::bind("localhost:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (client, accepted) = bounded(futures_lite::future::zip(
        TcpStream::connect(("localhost", port)),
        listener.accept(),
    ))
    .await;
    let client = client.unwrap();
    let (_server, peer) = accepted.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
}

/// `try_io` with an operation of one's own; `WouldBlock` clears readiness.
#[zokio::test]
async fn try_io_clears_readiness_on_would_block() {
    let (client, server) = create_pair().await;
    clear_presumed_readiness(&server);
    client.try_write(b"x").unwrap();
    bounded(server.readable()).await.unwrap();
    let mut buf = [0; 4];
    let n = server
        .try_io(Interest::READABLE, || server.try_read(&mut buf))
        .unwrap();
    assert_eq!(n, 1);
    // The short read cleared readiness already; make it ready again.
    client.try_write(b"y").unwrap();
    bounded(server.readable()).await.unwrap();
    let err = server
        .try_io(Interest::READABLE, || {
            Err::<(), _>(io::ErrorKind::WouldBlock.into())
        })
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    // Cleared: the next attempt does not even call the closure.
    let mut called = false;
    let _ = server.try_io(Interest::READABLE, || {
        called = true;
        Ok(())
    });
    assert!(!called);
}

/// The halves carry the readiness API: a write half's `try_write`, a read
/// half's `readable` and `try_read`.
#[zokio::test]
async fn halves_have_the_readiness_api() {
    let (client, server) = create_pair().await;
    let (read, write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    bounded(write.writable()).await.unwrap();
    assert_eq!(write.try_write(b"half").unwrap(), 4);
    let mut buf = Vec::with_capacity(8);
    while buf.len() < 4 {
        bounded(server_read.readable()).await.unwrap();
        match server_read.try_read_buf(&mut buf) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(buf, b"half");
    bounded(server_write.writable()).await.unwrap();
    server_write.try_write(b"back").unwrap();
    let mut back = [0; 4];
    let mut got = 0;
    while got < 4 {
        bounded(read.readable()).await.unwrap();
        match read.try_read(&mut back[got..]) {
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(&back, b"back");
    assert_eq!(read.local_addr().unwrap(), write.local_addr().unwrap());
}

/// Owned halves reunite only with their own other half; the error gives
/// both back, under Tokio's `net::tcp::ReuniteError` name.
#[zokio::test]
async fn reunite_gives_foreign_halves_back() {
    let (a, _a_peer) = create_pair().await;
    let (b, _b_peer) = create_pair().await;
    let (a_read, a_write) = a.into_split();
    let (b_read, b_write) = b.into_split();
    let zokio::net::tcp::ReuniteError(a_read, b_write) = a_read.reunite(b_write).unwrap_err();
    let a = a_write.reunite(a_read).expect("the halves of one stream");
    let b = b_read.reunite(b_write).expect("the halves of one stream");
    assert_ne!(a.local_addr().unwrap(), b.local_addr().unwrap());
}
