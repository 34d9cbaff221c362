//! Pooled memory for [Zokio](https://docs.rs/zokio): a buffer pool, a typed
//! object pool and an opt-in pooled global allocator.
//!
//! It is being built; see the workspace README. Its lock-free depot takes its
//! atomics from [`zokio_core::sync`] so that loom can check it.
