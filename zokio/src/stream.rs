//! Streams: the `Stream` trait, its extension trait and constructors,
//! re-exported from [futures-lite].
//!
//! Zokio's own streams: [`time::Interval`](crate::time::Interval) yields its
//! ticks, and [`TcpListener::incoming`](crate::net::TcpListener::incoming) and
//! [`UnixListener::incoming`](crate::net::UnixListener::incoming) yield
//! accepted connections.
//!
//! ```
//! use zokio::stream::{self, StreamExt};
//!
//! let sum: i32 = zokio::block_on(stream::iter(1..=4).map(|x| x * 10).fold(0, |a, x| a + x));
//! assert_eq!(sum, 100);
//! ```
//!
//! [futures-lite]: https://docs.rs/futures-lite

#[doc(inline)]
pub use futures_lite::stream::*;
