//! Future combinators: join, try-join, race, timeout, and futures-lite's
//! extension traits.
//!
//! # Cancellation
//!
//! Every combinator here runs its branches on the current task. When a branch
//! is no longer needed (the other side of a [`race`] finished, a
//! [`try_join`] branch failed, a timeout elapsed), it is *dropped*, which is
//! how async Rust cancels: its code stops at the `.await` it was suspended
//! at. A branch is cancel-safe if stopping there loses nothing: receiving
//! from a channel is (a message is either returned or left in the channel);
//! a half-written `write_all` is not.

mod join;
mod maybe_done;

pub use join::{
    Join, Joinable, TryJoin, TryJoinable, TryOutput, join, join_biased, try_join, try_join_biased,
};
#[doc(hidden)]
pub use maybe_done::MaybeDone;

#[doc(no_inline)]
pub use futures_lite::future::{FutureExt, poll_fn, poll_once, ready, yield_now, zip};
#[doc(no_inline)]
pub use std::future::{Future, IntoFuture, pending};

/// Waits for the first of two futures, polling `a` first each time (biased).
/// The loser is dropped, that is cancelled: see the module docs.
///
/// ```
/// use std::future::pending;
/// let first = zokio::block_on(zokio::future::race(pending::<u8>(), async { 2 }));
/// assert_eq!(first, 2);
/// ```
pub fn race<T, A, B>(a: A, b: B) -> futures_lite::future::Or<A, B>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    futures_lite::future::or(a, b)
}

/// Waits for all futures, run concurrently on the current task, and gives
/// their outputs as a tuple. Up to 12 futures.
///
/// As Tokio's, each poll starts one branch further than the last (so a
/// branch that is always ready cannot starve the others of the task's
/// budget); `biased;` first polls them in the written order every time.
///
/// ```
/// zokio::block_on(async {
///     let (a, b, c) = zokio::join!(async { 1 }, async { 2 }, async { 3 });
///     assert_eq!(a + b + c, 6);
///     let (d, e) = zokio::join!(biased; async { 4 }, async { 5 });
///     assert_eq!(d + e, 9);
/// });
/// ```
#[macro_export]
macro_rules! join {
    (biased; $($future:expr),+ $(,)?) => {
        $crate::future::join_biased(($($future,)+)).await
    };
    ($($future:expr),+ $(,)?) => {
        $crate::future::join(($($future,)+)).await
    };
}

/// Waits for all futures of `Result`, run concurrently on the current task;
/// returns `Ok` of all outputs, or the first `Err`, dropping (cancelling) the
/// branches still running. Up to 12 futures, one error type.
///
/// ```
/// zokio::block_on(async {
///     let ok: Result<_, ()> = zokio::try_join!(async { Ok(1) }, async { Ok(2) });
///     assert_eq!(ok, Ok((1, 2)));
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    (biased; $($future:expr),+ $(,)?) => {
        $crate::future::try_join_biased(($($future,)+)).await
    };
    ($($future:expr),+ $(,)?) => {
        $crate::future::try_join(($($future,)+)).await
    };
}
