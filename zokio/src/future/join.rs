//! Running several futures at once on the current task: `join` and `try_join`.
//!
//! The branches live in one tuple inside one future, so joining allocates
//! nothing. Each poll polls every unfinished branch, in order.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::maybe_done::MaybeDone;

/// A tuple of futures that can be joined; implemented for tuples of 1 to 12.
pub trait Joinable {
    /// The future that joins them.
    type Join: Future;
    /// Wraps the tuple.
    fn join(self) -> Self::Join;
}

/// A tuple of futures of `Result` with one error type, joined until the first error.
pub trait TryJoinable {
    /// The future that joins them.
    type TryJoin: Future;
    /// Wraps the tuple.
    fn try_join(self) -> Self::TryJoin;
}

/// The future of [`join`]: all outputs as a tuple, once all branches finished.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Join<T> {
    branches: T,
}

/// The future of [`try_join`]: all `Ok` outputs, or the first `Err`.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct TryJoin<T> {
    branches: T,
}

/// Runs all futures of the tuple concurrently on this task and waits for all
/// of them. The [`join!`](crate::join!) macro is the usual way to call it.
///
/// ```
/// let (a, b) = zokio::block_on(zokio::future::join((async { 1 }, async { "two" })));
/// assert_eq!((a, b), (1, "two"));
/// ```
pub fn join<T: Joinable>(futures: T) -> T::Join {
    futures.join()
}

/// Runs all futures of the tuple concurrently and waits for all `Ok`s; on the
/// first `Err` it returns that error and drops the other branches (cancelling
/// them). The [`try_join!`](crate::try_join!) macro is the usual way to call it.
///
/// ```
/// let r: Result<(u8, u8), &str> = zokio::block_on(zokio::future::try_join((
///     async { Ok(1) },
///     async { Err("no") },
/// )));
/// assert_eq!(r, Err("no"));
/// ```
pub fn try_join<T: TryJoinable>(futures: T) -> T::TryJoin {
    futures.try_join()
}

macro_rules! impl_join {
    ($($F:ident $i:tt),+) => {
        impl<$($F: Future),+> Joinable for ($($F,)+) {
            type Join = Join<($(MaybeDone<$F>,)+)>;
            fn join(self) -> Self::Join {
                Join { branches: ($(MaybeDone::new(self.$i),)+) }
            }
        }

        impl<$($F: Future),+> Future for Join<($(MaybeDone<$F>,)+)> {
            type Output = ($($F::Output,)+);

            #[allow(non_snake_case)]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                // SAFETY: the branches are structurally pinned: `Join` never
                // moves them out, has no `Drop`, and is `Unpin` only when every
                // branch is.
                let branches = unsafe { &mut self.get_unchecked_mut().branches };
                let mut all_done = true;
                $(
                    // SAFETY: as above, a field of pinned memory that is never moved.
                    let $F = unsafe { Pin::new_unchecked(&mut branches.$i) };
                    all_done &= $F.poll_done(cx);
                )+
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(($(
                    // SAFETY: as above.
                    match unsafe { Pin::new_unchecked(&mut branches.$i) }.take() {
                        Some(output) => output,
                        None => panic!("`Join` polled after completion"),
                    },
                )+))
            }
        }

        impl<E, $($F),+> TryJoinable for ($($F,)+)
        where
            $($F: Future<Output = Result<<$F as TryOutput>::Ok, E>> + TryOutput,)+
        {
            type TryJoin = TryJoin<($(MaybeDone<$F>,)+)>;
            fn try_join(self) -> Self::TryJoin {
                TryJoin { branches: ($(MaybeDone::new(self.$i),)+) }
            }
        }

        impl<E, $($F),+> Future for TryJoin<($(MaybeDone<$F>,)+)>
        where
            $($F: Future<Output = Result<<$F as TryOutput>::Ok, E>> + TryOutput,)+
        {
            type Output = Result<($(<$F as TryOutput>::Ok,)+), E>;

            #[allow(non_snake_case)]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                // SAFETY: as for `Join`: structurally pinned branches, never moved.
                let branches = unsafe { &mut self.get_unchecked_mut().branches };
                let mut all_done = true;
                $(
                    // SAFETY: as above.
                    let mut $F = unsafe { Pin::new_unchecked(&mut branches.$i) };
                    if $F.as_mut().poll_done(cx) {
                        if let Some(Err(_)) = $F.as_mut().output() {
                            if let Some(Err(e)) = $F.take() {
                                return Poll::Ready(Err(e));
                            }
                        }
                    } else {
                        all_done = false;
                    }
                )+
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(Ok(($(
                    // SAFETY: as above.
                    match unsafe { Pin::new_unchecked(&mut branches.$i) }.take() {
                        Some(Ok(output)) => output,
                        _ => panic!("`TryJoin` polled after completion"),
                    },
                )+)))
            }
        }
    };
}

/// Names the `Ok` type of a future of `Result`, so `try_join` can state that
/// all branches share one error type.
pub trait TryOutput {
    /// The success type.
    type Ok;
}

impl<F, T, E> TryOutput for F
where
    F: Future<Output = Result<T, E>>,
{
    type Ok = T;
}

impl_join!(A 0);
impl_join!(A 0, B 1);
impl_join!(A 0, B 1, C 2);
impl_join!(A 0, B 1, C 2, D 3);
impl_join!(A 0, B 1, C 2, D 3, E5 4);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6, H 7);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6, H 7, I 8);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6, H 7, I 8, J 9);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6, H 7, I 8, J 9, K 10);
impl_join!(A 0, B 1, C 2, D 3, E5 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
