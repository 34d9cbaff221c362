//! Telling HTTP/2 with prior knowledge from HTTP/1 by a connection's first
//! bytes, without consuming them.

use std::io;
use std::time::Duration;

use crate::net::TcpStream;

/// What an HTTP/2 client sends first (RFC 9113, section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// How long a connection may dwell on a partial preface.
const PARTIAL_LIMIT: Duration = Duration::from_secs(10);
const PARTIAL_PAUSE: Duration = Duration::from_millis(1);

/// The protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Http1,
    Http2,
}

/// Waits for the connection's first bytes and peeks at them (`MSG_PEEK`):
/// the HTTP/2 preface means HTTP/2, anything else (or the peer closing)
/// HTTP/1.
///
/// Peeking leaves the bytes for hyper to read into its own buffer, so
/// nothing is copied or replayed, and the socket's first read is a normal
/// one: hyper-util's sniffer reads exactly 24 bytes instead, and a read that
/// fills its buffer switches Zokio's TCP reads to `recvmsg` with a
/// receive-queue hint for the connection's life (see zokio-io's
/// `queue_hint`), a costlier call for small requests.
pub(crate) async fn sniff(stream: &TcpStream) -> io::Result<Version> {
    let mut head = [0u8; PREFACE.len()];
    let mut waited = Duration::ZERO;
    loop {
        let n = stream.peek(&mut head).await?;
        if n == 0 || head[..n] != PREFACE[..n] {
            return Ok(Version::Http1);
        }
        if n == PREFACE.len() {
            return Ok(Version::Http2);
        }
        // A strict prefix of the preface: the rest is on its way. A peek
        // returns at once while any byte waits, so pause rather than spin.
        if waited >= PARTIAL_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the peer sent part of the HTTP/2 preface and then nothing",
            ));
        }
        crate::time::sleep(PARTIAL_PAUSE).await;
        waited += PARTIAL_PAUSE;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{PREFACE, Version, sniff};
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::net::{TcpListener, TcpStream};

    /// Sends `chunks` (pausing between them, then closing) and sniffs the
    /// server side; then checks that every byte is still there to read.
    fn sniff_after(chunks: &'static [&'static [u8]]) -> Version {
        let limit = std::time::Duration::from_secs(10);
        crate::run(crate::time::timeout(limit, async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = crate::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                for chunk in chunks {
                    s.write_all(chunk).await.unwrap();
                    crate::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            });
            let (mut server, _) = listener.accept().await.unwrap();
            let version = sniff(&server).await.unwrap();
            client.await.unwrap();
            let mut all = Vec::new();
            server.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, chunks.concat(), "sniffing consumed bytes");
            version
        }))
        .expect("timed out")
    }

    #[test]
    fn the_preface_is_http2_anything_else_http1() {
        assert_eq!(sniff_after(&[PREFACE, b"\0\0\0\x04"]), Version::Http2);
        assert_eq!(sniff_after(&[b"GET / HTTP/1.1\r\n\r\n"]), Version::Http1);
        // A mismatch within the first bytes decides at once.
        assert_eq!(sniff_after(&[b"PRX"]), Version::Http1);
        // The peer closing before a byte: HTTP/1 (hyper sees the end).
        assert_eq!(sniff_after(&[]), Version::Http1);
    }

    #[test]
    fn a_preface_split_over_packets_is_still_http2() {
        assert_eq!(
            sniff_after(&[b"PRI * HT", b"TP/2.0\r\n\r\nSM\r\n\r\n"]),
            Version::Http2
        );
    }
}
