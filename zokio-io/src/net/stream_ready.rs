//! Tokio's readiness methods for the stream sockets (TCP and Unix), written
//! once: `ready`, `readable`, `writable`, `poll_read_ready`,
//! `poll_write_ready`, the `try_*` transfers, `try_io` and `async_io`.

/// Implements the readiness methods on `$stream`, a type with an
/// `inner: Async<_>` over a std stream and a
/// `recv_bufs(&self, asked, bufs) -> io::Result<(usize, bool)>`.
/// `$setup` is doc-test code that binds two connected streams `a` and `b`
/// inside `futures_lite::future::block_on(async { .. })`.
macro_rules! impl_stream_ready {
    ($stream:ty, $setup:literal) => {
        impl $stream {
            /// Waits until the stream is ready for any of `interest`, and
            /// says which readiness it saw. The readiness may be stale: an
            /// operation that follows can still return `WouldBlock`, which
            /// clears it, so the next wait waits for a new event.
            ///
            #[doc = concat!("```\n", $setup, r#"
use zokio_io::{Interest, Ready};
let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await?;
assert!(ready.is_writable());
b.try_write(b"hi")?;
loop {
    a.readable().await?;
    let mut buf = [0; 8];
    match a.try_read(&mut buf) {
        Ok(n) => { assert_eq!(&buf[..n], b"hi"); break }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
        Err(e) => return Err(e),
    }
}
# std::io::Result::Ok(())
# })?;
# std::io::Result::Ok(())
```"#)]
            pub async fn ready(
                &self,
                interest: $crate::Interest,
            ) -> std::io::Result<$crate::Ready> {
                self.inner.ready_interest(interest).await
            }

            /// Waits until the stream is readable (or read-closed); see
            /// [`ready`](Self::ready).
            pub async fn readable(&self) -> std::io::Result<()> {
                self.ready($crate::Interest::READABLE).await.map(drop)
            }

            /// Waits until the stream is writable (or write-closed); see
            /// [`ready`](Self::ready).
            pub async fn writable(&self) -> std::io::Result<()> {
                self.ready($crate::Interest::WRITABLE).await.map(drop)
            }

            /// Polls for read readiness: `Pending` registers the task to be
            /// woken when the stream becomes readable. Only the last task
            /// polling a direction is woken.
            pub fn poll_read_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.inner
                    .poll_direction_ready($crate::Interest::READABLE, cx)
            }

            /// Polls for write readiness; see
            /// [`poll_read_ready`](Self::poll_read_ready).
            pub fn poll_write_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.inner
                    .poll_direction_ready($crate::Interest::WRITABLE, cx)
            }

            /// Reads what is there without waiting: `Ok(0)` at the end of
            /// the stream, `WouldBlock` if nothing is there (or readiness is
            /// not known yet: wait with [`readable`](Self::readable) first).
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                let asked = buf.len();
                let bufs = &mut [std::io::IoSliceMut::new(buf)];
                self.inner
                    .try_stream_io($crate::Interest::READABLE, asked, || {
                        self.recv_bufs(asked, bufs)
                    })
            }

            /// [`try_read`](Self::try_read) into several buffers, filled in
            /// order.
            pub fn try_read_vectored(
                &self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                let asked = bufs.iter().map(|b| b.len()).sum();
                self.inner
                    .try_stream_io($crate::Interest::READABLE, asked, || {
                        self.recv_bufs(asked, bufs)
                    })
            }

            /// [`try_read`](Self::try_read) into a buffer's spare capacity,
            /// which it advances past the bytes read (a `Vec` grows).
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                let asked = buf.chunk_mut().len();
                self.inner
                    .try_stream_io($crate::Interest::READABLE, asked, || {
                        $crate::net::buf::recv_into(buf, |dst| {
                            self.recv_bufs(asked, &mut [std::io::IoSliceMut::new(dst)])
                        })
                    })
            }

            /// Writes what fits without waiting, or `WouldBlock`; see
            /// [`try_read`](Self::try_read).
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                use std::io::Write;
                self.inner
                    .try_stream_io($crate::Interest::WRITABLE, buf.len(), || {
                        (&*self.inner.get_ref()).write(buf).map(|n| (n, false))
                    })
            }

            /// [`try_write`](Self::try_write) from several buffers, in
            /// order.
            pub fn try_write_vectored(
                &self,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::io::Result<usize> {
                use std::io::Write;
                let asked = bufs.iter().map(|b| b.len()).sum();
                self.inner
                    .try_stream_io($crate::Interest::WRITABLE, asked, || {
                        (&*self.inner.get_ref())
                            .write_vectored(bufs)
                            .map(|n| (n, false))
                    })
            }

            /// Runs `f`, an operation of your own on the socket (through
            /// `AsRawFd`/`AsFd`), if `interest` is ready; else `WouldBlock`.
            /// `f` must return `WouldBlock` when the socket would block, so
            /// the readiness is cleared.
            pub fn try_io<R>(
                &self,
                interest: $crate::Interest,
                f: impl FnOnce() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.inner.try_io(interest, f)
            }

            /// Waits for `interest` and runs `f` (as in
            /// [`try_io`](Self::try_io)) until it does not return
            /// `WouldBlock`.
            pub async fn async_io<R>(
                &self,
                interest: $crate::Interest,
                f: impl FnMut() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.inner.async_io(interest, f).await
            }
        }
    };
}

pub(crate) use impl_stream_ready;
