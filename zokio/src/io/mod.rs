//! Async I/O: the futures-io traits (`AsyncRead`, `AsyncWrite`, ...), their
//! extension traits and helpers, re-exported from [futures-lite], with
//! [`BufReader`] and [`BufWriter`] whose buffers come from Zokio's
//! [`BufPool`](crate::mem::BufPool) (so a connection that opens and closes
//! does not allocate and zero a fresh buffer each time).
//!
//! Zokio's sockets implement these traits, so any library written against
//! futures-io works with them, on any executor.
//!
//! ```
//! use zokio::io::{AsyncReadExt, AsyncWriteExt, Cursor};
//!
//! zokio::block_on(async {
//!     let mut out = Vec::new();
//!     out.write_all(b"ping").await.unwrap();
//!     let mut back = String::new();
//!     Cursor::new(out).read_to_string(&mut back).await.unwrap();
//!     assert_eq!(back, "ping");
//! });
//! ```
//!
//! [futures-lite]: https://docs.rs/futures-lite

mod buf_reader;
mod buf_writer;

pub use buf_reader::BufReader;
pub use buf_writer::BufWriter;
pub use zokio_io::{Interest, Ready};

/// Descriptors made asynchronous with Tokio's readiness-guard API
/// ([`AsyncFd`](unix::AsyncFd)), from [`zokio_io::unix`], at Tokio's path
/// `tokio::io::unix`.
pub mod unix {
    pub use zokio_io::unix::*;
}

// Everything else of futures-lite's `io`; the two pooled types above take
// the place of its `BufReader` and `BufWriter`.
#[doc(inline)]
pub use futures_lite::io::*;

/// The capacity of a buffer made by `BufReader::new` or `BufWriter::new`.
const DEFAULT_CAPACITY: usize = 8 << 10;
