//! futures-io streams as hyper's I/O.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncRead, AsyncWrite};

pin_project_lite::pin_project! {
    /// A futures-io stream as hyper's I/O (and hyper's I/O as futures-io).
    #[derive(Debug)]
    pub struct HyperIo<T> {
        #[pin]
        inner: T,
        // Bytes of hyper's buffer the next read offers; see `poll_read`.
        offer: usize,
    }
}

/// The smallest read offer: more than a typical request head.
const MIN_OFFER: usize = 2 << 10;

impl<T> HyperIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        HyperIo {
            inner,
            offer: MIN_OFFER,
        }
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        // futures-io reads into initialized bytes, so the part of hyper's
        // (uninitialized, 8 KiB or more) buffer offered to a read is zeroed
        // first. Offering all of it would zero kilobytes per small request;
        // the offer instead doubles each time a read fills it and shrinks
        // back to what reads return, so bulk transfers still read big.
        // SAFETY: the slice is only written, never read uninitialized: the
        // offered part is zeroed before `poll_read` sees it.
        let unfilled = unsafe { buf.as_mut() };
        let offered = (*this.offer).min(unfilled.len());
        let unfilled = &mut unfilled[..offered];
        unfilled.fill(MaybeUninit::new(0));
        // SAFETY: every element was just initialized.
        let init = unsafe { &mut *(unfilled as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(this.inner.poll_read(cx, init))?;
        let next = if n == offered { offered } else { n };
        *this.offer = next.saturating_mul(2).max(MIN_OFFER);
        // SAFETY: `poll_read` filled the first `n` bytes (at most `init.len()`).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}
