//! Timers for [Zokio](https://docs.rs/zokio): a hierarchical timing wheel and
//! the `sleep`, `timeout` and `interval` futures.
//!
//! This crate will hold `TimeDriver<D>`, a [`zokio_core::Driver`] that wraps
//! any inner driver. It is being built; see the workspace README.
