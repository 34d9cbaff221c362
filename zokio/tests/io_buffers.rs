//! `zokio::io::BufReader` and `BufWriter`: buffering, pass-through, seeking,
//! errors, and their buffers' round trip through the pool.
//! Then `BufStream`, both buffers over one stream.
#![cfg(not(loom))]

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use zokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter,
    Cursor,
};
use zokio::net::{TcpListener, TcpStream};
use zokio::stream::StreamExt;

#[test]
fn a_line_protocol_over_a_buffered_socket() {
    zokio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = zokio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            // Reads are buffered; writes go straight to the same socket.
            let mut conn = BufReader::new(stream);
            let mut line = String::new();
            while conn.read_line(&mut line).await? != 0 {
                conn.write_all(line.to_uppercase().as_bytes()).await?;
                line.clear();
            }
            io::Result::Ok(())
        });
        let mut client = TcpStream::connect(addr).await?;
        client.write_all(b"one\ntwo\nthree\n").await?;
        client.shutdown(std::net::Shutdown::Write)?;
        let lines: Vec<String> = BufReader::new(client).lines().try_collect().await?;
        assert_eq!(lines, ["ONE", "TWO", "THREE"]);
        server.await.unwrap()
    })
    .unwrap();
}

#[test]
fn reads_large_and_small_mix_and_seek_from_the_logical_position() {
    let data: Vec<u8> = (0..=255).cycle().take(20_000).collect();
    zokio::block_on(async {
        let mut reader = BufReader::with_capacity(1024, Cursor::new(data.clone()));
        let mut small = [0u8; 10];
        reader.read_exact(&mut small).await?;
        assert_eq!(small[..], data[..10]);
        assert_eq!(reader.buffer().len(), 1024 - 10);
        // Larger than the buffer: the buffered bytes come first, then the
        // rest straight from the inner reader.
        let mut large = vec![0u8; 5000];
        reader.read_exact(&mut large).await?;
        assert_eq!(large[..], data[10..5010]);
        // `Current` counts from what the caller has read, not from what the
        // buffer has taken from the inner reader.
        assert_eq!(reader.seek(SeekFrom::Current(0)).await?, 5010);
        assert_eq!(reader.seek(SeekFrom::Current(-5000)).await?, 10);
        let mut byte = [0u8; 1];
        reader.read_exact(&mut byte).await?;
        assert_eq!(byte[0], data[10]);
        io::Result::Ok(())
    })
    .unwrap();
}

/// A writer that records each write it receives, accepting at most `limit`
/// bytes at a time.
struct Recorder {
    writes: Vec<usize>,
    bytes: Vec<u8>,
    limit: usize,
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.limit);
        self.writes.push(n);
        self.bytes.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn recorder(limit: usize) -> Recorder {
    Recorder {
        writes: Vec::new(),
        bytes: Vec::new(),
        limit,
    }
}

#[test]
fn small_writes_are_gathered_large_ones_pass_and_close_flushes() {
    zokio::block_on(async {
        let mut writer = BufWriter::with_capacity(8192, recorder(usize::MAX));
        let mut expected = Vec::new();
        for i in 0..1000u32 {
            let chunk = format!("{i:09}\n");
            writer.write_all(chunk.as_bytes()).await?;
            expected.extend_from_slice(chunk.as_bytes());
        }
        // 10,000 bytes through an 8 KiB buffer: one write so far.
        assert_eq!(writer.get_ref().writes.len(), 1);
        let big = vec![7u8; 20_000];
        writer.write_all(&big).await?;
        expected.extend_from_slice(&big);
        writer.close().await?;
        let inner = writer.into_inner();
        assert_eq!(inner.writes, [8190, 1810, 20_000]);
        assert!(inner.bytes == expected);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn partial_and_zero_inner_writes() {
    zokio::block_on(async {
        let mut writer = BufWriter::new(recorder(3));
        writer.write_all(b"0123456789").await?;
        writer.flush().await?;
        assert_eq!(writer.get_ref().bytes, b"0123456789");
        assert_eq!(writer.get_ref().writes, [3, 3, 3, 1]);

        let mut stuck = BufWriter::new(recorder(0));
        stuck.write_all(b"data").await?;
        let err = stuck.flush().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn buffers_come_from_the_pool_and_go_back_to_it() {
    let reader = BufReader::with_capacity(16 << 10, zokio::io::empty());
    let address = reader.buffer().as_ptr();
    drop(reader);
    // This thread's cache hands back the buffer it was given last.
    let again = zokio::mem::BufPool::global().take(16 << 10);
    assert_eq!(again.as_ptr(), address);
    drop(again);
    let writer = BufWriter::with_capacity(16 << 10, Vec::<u8>::new());
    assert_eq!(writer.buffer().as_ptr(), address);
}

// `BufStream` (Tokio has no test file of its own for it).

#[test]
fn a_buf_stream_buffers_both_ways_over_a_socket() {
    use zokio::io::BufStream;

    zokio::run(async {
        let work = async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let server = zokio::spawn(async move {
                let (stream, _) = listener.accept().await?;
                let mut conn = BufStream::new(stream);
                let mut line = String::new();
                while conn.read_line(&mut line).await? != 0 {
                    conn.write_all(line.to_uppercase().as_bytes()).await?;
                    // The answer waits in the write buffer until flushed.
                    conn.flush().await?;
                    line.clear();
                }
                io::Result::Ok(())
            });
            let mut client = BufStream::with_capacity(16, 16, TcpStream::connect(addr).await?);
            for word in ["alpha", "beta", "gamma"] {
                client.write_all(format!("{word}\n").as_bytes()).await?;
                assert!(client.get_ref().peer_addr().is_ok());
                client.flush().await?;
                let mut answer = String::new();
                client.read_line(&mut answer).await?;
                assert_eq!(answer, format!("{}\n", word.to_uppercase()));
            }
            client.into_inner().shutdown(std::net::Shutdown::Write)?;
            server.await.unwrap()
        };
        zokio::time::timeout(std::time::Duration::from_secs(20), work)
            .await
            .expect("timed out")
    })
    .unwrap();
}

#[test]
fn unflushed_writes_stay_in_a_buf_stream() {
    use zokio::io::BufStream;

    zokio::block_on(async {
        let (near, mut far) = zokio::io::duplex(64);
        let mut stream = BufStream::new(near);
        stream.write_all(b"held").await.unwrap();
        let mut buf = [0; 4];
        use futures_util::FutureExt;
        assert!(
            far.read(&mut buf).now_or_never().is_none(),
            "nothing sent before a flush"
        );
        stream.flush().await.unwrap();
        far.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"held");
    });
}
