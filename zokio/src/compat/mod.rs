//! Adapters that let libraries written for other runtimes' traits run on
//! Zokio. Each sits behind a cargo feature, off by default:
//!
//! | feature | module | for |
//! | --- | --- | --- |
//! | `hyper` | [`hyper`] | hyper 1.x, axum and tonic: a `serve` helper, an executor, a timer, I/O adapters |
//! | `hyper-client` | [`hyper`] | a connector for hyper-util's pooled client |
//! | `tokio-io` | [`tokio_io`] | libraries on tokio's `AsyncRead`/`AsyncWrite` (h2, tokio-tungstenite, tokio-rustls) |
//! | `tokio-rt` | [`tokio_rt`] | libraries bound to Tokio's runtime (reqwest, tonic's transport, tower's timeouts): a Tokio runtime entered on Zokio's threads |

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(all(feature = "tokio-rt", any(target_os = "linux", target_os = "android")))]
mod tokio_driven;
#[cfg(feature = "tokio-io")]
pub mod tokio_io;
#[cfg(feature = "tokio-rt")]
pub mod tokio_rt;
