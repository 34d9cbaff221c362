//! Multi-producer, single-consumer channels, with Tokio's API: a bounded
//! [`channel`] whose senders wait for room, and an [`unbounded_channel`]
//! whose `send` never waits.
//!
//! # The model
//!
//! Values travel through a linked list of fixed blocks with no lock: a
//! sender claims a position with one compare-and-swap of the tail and writes
//! its value there; the receiver alone reads the head. A sender wakes the
//! receiver only when the receiver said it sleeps, so while the receiver is
//! busy a send touches none of its cache lines. A bounded channel adds a
//! fair semaphore of `buffer` permits: a send takes one (waiting, in order,
//! when there is none), and the receiver gives it back when it takes the
//! value out.
//!
//! Values from one sender arrive in the order it sent them; values from
//! different senders interleave in the order their positions were claimed.
//! `recv` returns `None` once every sender is gone (or the receiver closed
//! the channel) and every value sent before that was received: no value is
//! lost. Dropping the receiver drops the values still queued, each once.
//!
//! # Cancel safety
//!
//! `recv` and `recv_many` are cancel-safe: dropped before completing, they
//! took nothing. `send` on a bounded channel is cancel-safe in the same way
//! (the value is dropped with the future, never half-sent), but a sender
//! dropped while waiting loses its place in the queue of waiting senders;
//! `reserve` keeps the value out of the future until there is room.
//!
//! ```
//! # zokio::block_on(async {
//! use zokio::sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || tx.blocking_send(i).unwrap());
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(i) = rx.recv().await {
//!     got.push(i);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

mod bounded;
mod chan;
pub mod error;
pub(crate) mod queue;
mod rx_waker;
mod unbounded;

pub use bounded::{OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender, channel};
pub use unbounded::{UnboundedReceiver, UnboundedSender, WeakUnboundedSender, unbounded_channel};
