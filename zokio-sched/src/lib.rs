//! Schedulers for [Zokio](https://docs.rs/zokio): where spawned tasks run.
//!
//! This crate will hold `MultiThread` (work-stealing), `CurrentThread` (one
//! thread, `!Send` tasks allowed) and the blocking pool, each implementing
//! [`zokio_core::Schedule`] and parking idle workers on any
//! [`zokio_core::Driver`]. It is being built; see the workspace README.
