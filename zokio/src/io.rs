//! Async I/O: the futures-io traits (`AsyncRead`, `AsyncWrite`, ...), their
//! extension traits and helpers, re-exported from [futures-lite].
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

#[doc(inline)]
pub use futures_lite::io::*;
