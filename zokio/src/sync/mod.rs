//! Synchronization between tasks: channels, locks, semaphores, barriers,
//! notification, once-initialized cells and cancellation.
//!
//! With Tokio's names and semantics, and Zokio's own code:
//!
//! - channels: [`mpsc`] (bounded and unbounded, single consumer, a lock-free
//!   block list), [`oneshot`], [`broadcast`] and [`watch`];
//! - [`Mutex`], [`RwLock`] and [`Semaphore`]: fair (first come, first
//!   served), cancel-safe, on one batch semaphore whose uncontended acquire
//!   and release are one atomic operation each;
//! - [`Notify`], [`OnceCell`], [`SetOnce`], and tokio-util's
//!   [`CancellationToken`].
//!
//! Every wait spends the task's cooperative budget. [`Barrier`] is
//! [async-lock]'s, and [`mpmc`] keeps [async-channel]'s multi-consumer
//! channels under a name that says so. All of them work on any executor.
//!
//! [async-channel]: https://docs.rs/async-channel
//! [async-lock]: https://docs.rs/async-lock

pub(crate) mod batch_semaphore;
mod blocking;
pub mod broadcast;
mod cancellation;
mod coop;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
mod once_slot;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod waiters;
pub mod watch;

pub use async_lock::{Barrier, BarrierWaitResult};
pub use batch_semaphore::{AcquireError, TryAcquireError};
pub use cancellation::{
    CancellationToken, DropGuard, DropGuardRef, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
pub use set_once::{SetOnce, SetOnceError};

/// The named futures of this module's primitives, where tokio keeps them
/// (`tokio::sync::futures`).
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}

/// Multi-producer, multi-consumer channels, bounded or unbounded: several
/// receivers share the values (each value goes to one of them). These are
/// [async-channel]'s; for Tokio's single-consumer channels see [`mpsc`].
///
/// ```
/// let (tx, rx) = zokio::sync::mpmc::bounded(2);
/// zokio::block_on(async {
///     tx.send(1).await.unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Ok(1));
///     assert!(rx.recv().await.is_err(), "closed once every sender is gone");
/// });
/// ```
pub mod mpmc {
    pub use async_channel::{
        Receiver, Recv, RecvError, Send, SendError, Sender, TryRecvError, TrySendError, bounded,
        unbounded,
    };
}
