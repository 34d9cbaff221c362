//! Synchronization between tasks: channels, locks, semaphores, barriers and
//! notification.
//!
//! These come from well-kept runtime-agnostic crates, re-exported under one
//! roof: [async-channel] for bounded and unbounded MPMC channels, [oneshot] for
//! single-value channels, [async-lock] for `Mutex`, `RwLock`, `Semaphore` and
//! `Barrier`. [`Notify`] is Zokio's own, because no such crate offers tokio's
//! permit semantics, and so are [`watch`] and [`broadcast`], which speak
//! `tokio::sync::watch` and `tokio::sync::broadcast`. All of them work on any
//! executor.
//!
//! [async-channel]: https://docs.rs/async-channel
//! [oneshot]: https://docs.rs/oneshot
//! [async-lock]: https://docs.rs/async-lock

mod coop;
mod notify;
mod waiters;

pub mod broadcast;
pub mod watch;

pub use async_lock::{
    Barrier, BarrierWaitResult, Mutex, MutexGuard, MutexGuardArc, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard, Semaphore, SemaphoreGuard, SemaphoreGuardArc,
};
pub use notify::{Notified, Notify};

/// Multi-producer, multi-consumer channels, bounded or unbounded.
///
/// ```
/// let (tx, rx) = zokio::sync::channel::bounded(2);
/// zokio::block_on(async {
///     tx.send(1).await.unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Ok(1));
///     assert!(rx.recv().await.is_err(), "closed once every sender is gone");
/// });
/// ```
pub mod channel {
    pub use async_channel::{
        Receiver, Recv, RecvError, Send, SendError, Sender, TryRecvError, TrySendError, bounded,
        unbounded,
    };
}

/// A channel for exactly one value.
///
/// ```
/// let (tx, rx) = zokio::sync::oneshot::channel();
/// std::thread::spawn(move || tx.send("ready").unwrap());
/// assert_eq!(zokio::block_on(rx), Ok("ready"));
/// ```
pub mod oneshot {
    pub use oneshot::{RecvError, SendError, Sender, TryRecvError};

    /// The receiving half: a future of the value, or `RecvError` if the sender
    /// was dropped without sending.
    pub type Receiver<T> = oneshot::AsyncReceiver<T>;

    /// A new oneshot channel.
    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        oneshot::async_channel()
    }
}
