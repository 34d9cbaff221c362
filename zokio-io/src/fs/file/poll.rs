//! The poll side of [`File`]: futures-io's `AsyncRead`, `AsyncWrite` and
//! `AsyncSeek`, each a step of the one-operation-in-flight state machine.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncRead, AsyncSeek, AsyncWrite};
use zokio_core::budget;

use super::{File, Inner, State};
use crate::fs::backend;
use crate::fs::buf::{Buf, Operation};

impl Inner {
    /// Completes the operation in flight, if any; a read's or seek's result
    /// is dropped (the cursor moved), a write's failure returned, as is one
    /// kept from before.
    pub(super) fn poll_complete_inflight(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let State::Busy(job) = &mut self.state {
            let (op, buf) = match ready!(Pin::new(job).poll(cx)) {
                Ok(done) => done,
                Err(lost) => (Operation::Write(Err(lost)), Buf::default()),
            };
            self.state = State::Idle(buf);
            self.seeking = None;
            if let Operation::Write(Err(err)) = op {
                self.last_write_err = Some(err);
            }
        }
        Poll::Ready(self.last_write_err.take().map_or(Ok(()), Err))
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let progress = ready!(budget::poll_proceed(cx));
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    if let Some(err) = inner.last_write_err.take() {
                        progress.made_progress();
                        return Poll::Ready(Err(err));
                    }
                    if !buf.is_empty() || dst.is_empty() {
                        progress.made_progress();
                        return Poll::Ready(Ok(buf.copy_to(dst)));
                    }
                    let len = dst.len().min(me.max_buf_size);
                    let buf = std::mem::take(buf);
                    inner.state = State::Busy(backend::read_at_cursor(me.std.clone(), buf, len));
                }
                State::Busy(job) => {
                    let (op, mut buf) = match ready!(Pin::new(job).poll(cx)) {
                        Ok(done) => done,
                        Err(lost) => (Operation::Read(Err(lost)), Buf::default()),
                    };
                    match op {
                        Operation::Read(res) => {
                            let n = res.map(|_| buf.copy_to(dst));
                            inner.state = State::Idle(buf);
                            progress.made_progress();
                            return Poll::Ready(n);
                        }
                        Operation::Write(Ok(())) => {}
                        Operation::Write(Err(err)) => inner.last_write_err = Some(err),
                        // A seek whose caller gave up: the cursor moved.
                        Operation::Seek(_) => inner.seeking = None,
                    }
                    inner.state = State::Idle(buf);
                }
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_write_with(cx, src.is_empty(), |buf, max| buf.copy_from(src, max))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let empty = src.iter().all(|slice| slice.is_empty());
        self.get_mut()
            .poll_write_with(cx, empty, |buf, max| buf.copy_from_vectored(src, max))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let progress = ready!(budget::poll_proceed(cx));
        let res = ready!(self.get_mut().inner.get_mut().poll_complete_inflight(cx));
        progress.made_progress();
        Poll::Ready(res)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl File {
    /// A write: waits for the operation in flight, then has `copy` move the
    /// caller's bytes into the buffer and starts writing them.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        empty: bool,
        copy: impl FnOnce(&mut Buf, usize) -> usize,
    ) -> Poll<io::Result<usize>> {
        let progress = ready!(budget::poll_proceed(cx));
        let inner = self.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    progress.made_progress();
                    if let Some(err) = inner.last_write_err.take() {
                        return Poll::Ready(Err(err));
                    }
                    if empty {
                        return Poll::Ready(Ok(0));
                    }
                    // Bytes read ahead are not the caller's position: the
                    // write goes where the caller stands.
                    let back = (!buf.is_empty()).then(|| SeekFrom::Current(buf.discard_read()));
                    let mut buf = std::mem::take(buf);
                    let n = copy(&mut buf, self.max_buf_size);
                    inner.state =
                        State::Busy(backend::write_at_cursor(self.std.clone(), buf, back));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => {
                    ready!(inner.poll_settle(cx));
                }
            }
        }
    }
}

impl Inner {
    /// Completes the operation in flight, keeping a write's failure for the
    /// caller to find in `last_write_err`.
    fn poll_settle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Err(err) = ready!(self.poll_complete_inflight(cx)) {
            self.last_write_err = Some(err);
        }
        Poll::Ready(())
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let progress = ready!(budget::poll_proceed(cx));
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    if let Some(err) = inner.last_write_err.take() {
                        progress.made_progress();
                        return Poll::Ready(Err(err));
                    }
                    // The OS cursor is past the bytes read ahead.
                    let target = match pos {
                        SeekFrom::Current(offset) => {
                            match offset.checked_sub(buf.unread() as i64) {
                                Some(offset) => SeekFrom::Current(offset),
                                None => {
                                    progress.made_progress();
                                    return Poll::Ready(Err(io::Error::new(
                                        io::ErrorKind::InvalidInput,
                                        "zokio::fs::File: seek offset overflows",
                                    )));
                                }
                            }
                        }
                        absolute => absolute,
                    };
                    buf.discard_read();
                    let buf = std::mem::take(buf);
                    let std = me.std.clone();
                    inner.seeking = Some(pos);
                    inner.state = State::Busy(backend::spawn(move || {
                        (Operation::Seek(io::Seek::seek(&mut &*std, target)), buf)
                    }));
                }
                State::Busy(job) => {
                    let ours = inner.seeking == Some(pos);
                    let done = ready!(Pin::new(job).poll(cx));
                    inner.seeking = None;
                    let (op, buf) = match done {
                        Ok(done) => done,
                        // Whatever was in flight never ran: say so now.
                        Err(lost) => {
                            inner.state = State::Idle(Buf::default());
                            progress.made_progress();
                            return Poll::Ready(Err(lost));
                        }
                    };
                    inner.state = State::Idle(buf);
                    match op {
                        Operation::Seek(res) if ours => {
                            progress.made_progress();
                            return Poll::Ready(res);
                        }
                        Operation::Write(Err(err)) => inner.last_write_err = Some(err),
                        _ => {}
                    }
                }
            }
        }
    }
}
