//! The reactor of [Zokio](https://docs.rs/zokio): I/O readiness over the
//! [`polling`] crate, and sockets with futures-io traits.
//!
//! This crate will hold `IoDriver` (a [`zokio_core::Driver`]), the `Async<T>`
//! wrapper, and TCP, UDP and Unix sockets. It is being built; see the
//! workspace README.
