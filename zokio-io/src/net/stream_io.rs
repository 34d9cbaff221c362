//! futures-io for the stream sockets (TCP and Unix), written once.
//!
//! Reads and writes go through `Async::poll_stream_io`, so a transfer shorter
//! than asked, or a read that learned it emptied the queue, clears readiness
//! without a `WouldBlock` call. Closing shuts down
//! the write half (a peer already gone is not an error); nothing is buffered,
//! so flushing is immediate. `&Stream` implements the traits, so a stream can
//! be read and written from two tasks at once; `Stream` forwards to it.

/// Implements `AsyncRead` and `AsyncWrite` for `$stream` and `&$stream`. The
/// type has an `inner: Async<_>` over a std stream, a `shutdown` method, and
/// `recv_bufs(&self, asked, bufs) -> io::Result<(usize, bool)>`, a read that
/// also says whether it left the receive queue empty.
macro_rules! impl_stream_io {
    ($stream:ty) => {
        impl futures_lite::io::AsyncRead for &$stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let asked = buf.len();
                let bufs = &mut [std::io::IoSliceMut::new(buf)];
                self.inner
                    .poll_stream_io($crate::readiness::Direction::Read, cx, asked, |_| {
                        self.recv_bufs(asked, bufs)
                    })
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let asked = bufs.iter().map(|b| b.len()).sum();
                self.inner
                    .poll_stream_io($crate::readiness::Direction::Read, cx, asked, |_| {
                        self.recv_bufs(asked, bufs)
                    })
            }
        }

        impl futures_lite::io::AsyncWrite for &$stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                self.inner.poll_stream_io(
                    $crate::readiness::Direction::Write,
                    cx,
                    buf.len(),
                    |mut s| s.write(buf).map(|n| (n, false)),
                )
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                let asked = bufs.iter().map(|b| b.len()).sum();
                self.inner.poll_stream_io(
                    $crate::readiness::Direction::Write,
                    cx,
                    asked,
                    |mut s| s.write_vectored(bufs).map(|n| (n, false)),
                )
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Writes go straight to the kernel: nothing is buffered here.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(match self.shutdown(std::net::Shutdown::Write) {
                    // The peer is gone already: nothing is left to close.
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(()),
                    result => result,
                })
            }
        }

        impl futures_lite::io::AsyncRead for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_lite::io::AsyncWrite for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_close(cx)
            }
        }
    };
}

pub(crate) use impl_stream_io;
