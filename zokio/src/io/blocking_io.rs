//! A blocking `std::io` reader or writer made asynchronous by running each
//! operation on the blocking pool: what `stdin`, `stdout` and `stderr` are
//! built on.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};

use zokio_core::blocking::BlockingHandle;
use zokio_core::task::{JoinError, JoinHandle};

use super::fallback_pool::FallbackPool;

/// The most bytes one operation moves (Tokio's figure): a larger write is
/// taken in parts, as a short write.
const MAX_BUF: usize = 2 << 20;

/// What a job hands back: the value and its buffer, and the outcome.
struct Done<T> {
    idle: Idle<T>,
    result: io::Result<usize>,
}

/// The value between operations, with the bytes read ahead (`buf[pos..]`).
struct Idle<T> {
    inner: T,
    buf: Vec<u8>,
    pos: usize,
}

enum State<T> {
    Idle(Idle<T>),
    Busy(JoinHandle<Done<T>>),
    // A job was lost (the pool shut down, or the operation panicked), and
    // the value with it.
    Lost,
}

/// `T` on the blocking pool, used either for reading or for writing (a
/// write discards bytes read ahead).
pub(crate) struct Blocking<T> {
    state: State<T>,
    // Bytes written since the last flush.
    need_flush: bool,
}

fn spawn<R: Send + 'static>(job: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
    match zokio_core::context::try_current::<BlockingHandle>() {
        Ok(pool) => pool.spawn_blocking(job),
        Err(_) => {
            static FALLBACK: OnceLock<BlockingHandle> = OnceLock::new();
            FALLBACK
                .get_or_init(|| BlockingHandle::new(FallbackPool::default()))
                .spawn_blocking(job)
        }
    }
}

fn lost(err: Option<JoinError>) -> io::Error {
    let why = match err {
        Some(err) => format!("a blocking stdio operation did not finish: {err}"),
        None => "an earlier blocking stdio operation did not finish; the stream is gone".into(),
    };
    io::Error::other(why)
}

impl<T: Send + 'static> Blocking<T> {
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Idle {
                inner,
                buf: Vec::new(),
                pos: 0,
            }),
            need_flush: false,
        }
    }

    /// Waits for the job in flight, if any; returns its outcome.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        match &mut self.state {
            State::Idle(_) => Poll::Ready(Ok(0)),
            State::Lost => Poll::Ready(Err(lost(None))),
            State::Busy(job) => {
                let done = ready!(Pin::new(job).poll(cx));
                match done {
                    Ok(Done { idle, result }) => {
                        self.state = State::Idle(idle);
                        Poll::Ready(result)
                    }
                    Err(err) => {
                        self.state = State::Lost;
                        Poll::Ready(Err(lost(Some(err))))
                    }
                }
            }
        }
    }

    /// Takes the idle value out to hand to a job.
    fn take_idle(&mut self) -> Option<Idle<T>> {
        match std::mem::replace(&mut self.state, State::Lost) {
            State::Idle(idle) => Some(idle),
            other => {
                self.state = other;
                None
            }
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if let State::Idle(idle) = &mut self.state {
                let ahead = &idle.buf[idle.pos..];
                if !ahead.is_empty() || dst.is_empty() {
                    let n = ahead.len().min(dst.len());
                    dst[..n].copy_from_slice(&ahead[..n]);
                    idle.pos += n;
                    return Poll::Ready(Ok(n));
                }
                let want = dst.len().min(MAX_BUF);
                if let Some(mut idle) = self.take_idle() {
                    self.state = State::Busy(spawn(move || {
                        idle.buf.resize(want, 0);
                        let result = idle.inner.read(&mut idle.buf);
                        idle.buf.truncate(*result.as_ref().unwrap_or(&0));
                        idle.pos = 0;
                        Done { idle, result }
                    }));
                }
            }
            // 0 bytes read is the end of the stream; otherwise go round to
            // hand out what was read.
            if ready!(self.poll_idle(cx))? == 0 {
                return Poll::Ready(Ok(0));
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    /// Copies what it can of `src` and writes it in the background; the
    /// outcome of that write comes back from the next write or flush.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_idle(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let Some(mut idle) = self.take_idle() else {
            return Poll::Ready(Err(lost(None)));
        };
        let n = src.len().min(MAX_BUF);
        idle.buf.clear();
        idle.pos = 0;
        idle.buf.extend_from_slice(&src[..n]);
        self.need_flush = true;
        self.state = State::Busy(spawn(move || {
            let result = idle.inner.write_all(&idle.buf).map(|()| 0);
            idle.buf.clear();
            Done { idle, result }
        }));
        Poll::Ready(Ok(n))
    }

    /// Waits for the write in flight, then flushes.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_idle(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            if let Some(mut idle) = self.take_idle() {
                self.state = State::Busy(spawn(move || {
                    let result = idle.inner.flush().map(|()| 0);
                    Done { idle, result }
                }));
            }
        }
    }
}
