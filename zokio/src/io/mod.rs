//! Async I/O: the futures-io traits (`AsyncRead`, `AsyncWrite`, ...) and
//! futures-lite's helpers, with Tokio's io utilities on top, and
//! [`BufReader`] and [`BufWriter`] whose buffers come from Zokio's
//! [`BufPool`](crate::mem::BufPool) (so a connection that opens and closes
//! does not allocate and zero a fresh buffer each time).
//!
//! Zokio's sockets implement these traits, so any library written against
//! futures-io works with them, on any executor. (Tokio's own traits, with
//! `ReadBuf`, are reachable through the `tokio-io` feature's
//! [`compat`](crate::compat) adapters.)
//!
//! # One `AsyncReadExt` for both vocabularies
//!
//! A Tokio user writes `use tokio::io::AsyncReadExt;` and calls `read_u32()`;
//! a futures user writes `use futures_lite::AsyncReadExt;` and calls
//! `read_exact()`. The two traits name most methods alike, so importing
//! both makes every shared name ambiguous, and two traits under one name
//! cannot both be `zokio::io::AsyncReadExt`. So Zokio's [`AsyncReadExt`],
//! [`AsyncWriteExt`], [`AsyncBufReadExt`] and [`AsyncSeekExt`] are traits of
//! their own, implemented for every reader, writer and seeker, that provide
//! futures-lite's methods (delegating to them, with the same future types)
//! and Tokio's extra ones: the `read_*`/`write_*` number methods, `read_buf`,
//! `write_buf` and `write_all_buf` over [`bytes`](https://docs.rs/bytes)'
//! `BufMut`/`Buf`, `shutdown`, `rewind`, `stream_position`. Where the two
//! disagree, Tokio's signature wins, as `tokio::` renamed to `zokio::` should
//! compile:
//!
//! - `read_exact` returns the count (`io::Result<usize>`), as Tokio's, where
//!   futures-lite's returns `()`;
//! - `read_line` and `read_to_string` append to the `String` they are given
//!   and leave it as it was on invalid UTF-8, as Tokio's and std's do
//!   (futures-lite's 2.6 replace its contents);
//! - `lines()` and `split(byte)` return [`Lines`] and [`Split`], which have
//!   Tokio's `next_line()` / `next_segment()` *and* implement futures-lite's
//!   `Stream` (of `io::Result<String>` / `io::Result<Vec<u8>>`), so both
//!   styles of loop work on one value.
//!
//! Code that imports futures-lite's traits from futures-lite itself keeps
//! working on the same types; only importing both traits of one name into
//! one scope is ambiguous.
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! zokio::block_on(async {
//!     let (mut a, mut b) = zokio::io::duplex(64);
//!     a.write_u32(7).await?;
//!     a.write_all(b"ping").await?;
//!     assert_eq!(b.read_u32().await?, 7);
//!     let mut word = [0; 4];
//!     assert_eq!(b.read_exact(&mut word).await?, 4);
//!     assert_eq!(&word, b"ping");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # The rest of Tokio's io
//!
//! [`copy`] and [`copy_buf`] (flushing whenever the reader makes them
//! wait, and spending the budget, as Tokio's do; futures-lite's do
//! neither), [`copy_bidirectional`], [`duplex`] and [`simplex`] (in-memory
//! pipes), [`split`] with `unsplit` and its inverse [`join`],
//! [`BufStream`], [`stdin`]/[`stdout`]/[`stderr`] (on the blocking pool), and [`empty`], [`repeat`] and [`sink`], which
//! spend the cooperative budget as Tokio's do (futures-lite's never yield,
//! so a loop over them would never let a `timeout` fire). `Cursor`, `Take`,
//! `Chain` and the rest are futures-lite's.

mod blocking_io;
mod buf_read_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
mod cooperative;
mod copy;
mod copy_bidirectional;
mod duplex;
mod fallback_pool;
mod join;
mod number;
mod read_ext;
mod seek_ext;
mod simplex;
mod split;
mod stdio;
mod write_ext;

pub use buf_read_ext::{AsyncBufReadExt, Lines, NextLine, NextSegment, ReadLine, Split};
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use cooperative::{Empty, Repeat, Sink, empty, repeat, sink};
pub use copy::{copy, copy_buf};
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use duplex::{DuplexStream, duplex};
pub use join::{Join, join};
pub use number::{LittleEndian, Number};
pub use read_ext::{AsyncReadExt, ReadBufFuture, ReadExact, ReadNumber, ReadToString};
pub use seek_ext::{AsyncSeekExt, Rewind};
pub use simplex::{SimplexStream, simplex};
pub use split::{ReadHalf, UnsplitError, WriteHalf, split};
pub use stdio::{Stderr, Stdin, Stdout, stderr, stdin, stdout};
pub use write_ext::{AsyncWriteExt, WriteAllBufFuture, WriteBufFuture, WriteNumber};
pub use zokio_io::{Interest, Ready};

/// Descriptors made asynchronous with Tokio's readiness-guard API
/// ([`AsyncFd`](unix::AsyncFd)), from [`zokio_io::unix`], at Tokio's path
/// `tokio::io::unix`.
pub mod unix {
    pub use zokio_io::unix::*;
}

// Everything else of futures-lite's `io`; the items above of the same names
// (the pooled buffers, the extension traits, the budget-aware `empty`,
// `repeat`, `sink` and `copy`, `split` with `unsplit`) take the place of
// its own.
#[doc(inline)]
pub use futures_lite::io::*;

/// The capacity of a buffer made by `BufReader::new` or `BufWriter::new`.
const DEFAULT_CAPACITY: usize = 8 << 10;
