//! Adapters that let libraries written for other runtimes' traits run on
//! Zokio. Each sits behind a cargo feature, off by default:
//!
//! | feature | module | for |
//! | --- | --- | --- |
//! | `hyper` | [`hyper`] | hyper 1.x servers and clients: an executor, a timer, and I/O adapters |
//! | `tokio-io` | [`tokio_io`] | libraries on tokio's `AsyncRead`/`AsyncWrite` (h2, tokio-tungstenite, tokio-rustls) |

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "tokio-io")]
pub mod tokio_io;
