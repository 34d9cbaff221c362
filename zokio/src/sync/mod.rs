//! Synchronization between tasks: channels, locks, semaphores, barriers and
//! notification.
//!
//! [`Mutex`], [`RwLock`] and [`Semaphore`] are Zokio's own, with Tokio's
//! names and semantics: fair (first come, first served), cancel-safe, and
//! spending the task's cooperative budget while they wait. All three stand on
//! one fair batch semaphore whose uncontended acquire and release are a
//! single atomic operation each. [`Notify`] is Zokio's own too. The channels
//! come from well-kept runtime-agnostic crates: [async-channel] for bounded
//! and unbounded MPMC channels, [oneshot] for single-value channels; and
//! [`Barrier`] from [async-lock]. All of them work on any executor.
//!
//! [async-channel]: https://docs.rs/async-channel
//! [oneshot]: https://docs.rs/oneshot
//! [async-lock]: https://docs.rs/async-lock

pub(crate) mod batch_semaphore;
mod blocking;
mod mutex;
mod notify;
mod rwlock;
mod semaphore;

pub use async_lock::{Barrier, BarrierWaitResult};
pub use batch_semaphore::{AcquireError, TryAcquireError};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

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
