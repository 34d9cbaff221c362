//! Running several futures at once on the current task: `join` and `try_join`.
//!
//! The branches live in one tuple inside one future, so joining allocates
//! nothing. Each poll polls every unfinished branch, starting one branch
//! further each time, as Tokio's `join!` does: a branch that is always ready
//! and spends the task's budget cannot keep the ones after it from ever
//! getting any. `biased` joins start with the first branch every time.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::maybe_done::MaybeDone;

/// A tuple of futures that can be joined; implemented for tuples of 1 to 12.
pub trait Joinable {
    /// The future that joins them.
    type Join: Future;
    /// The branches' tuple inside [`Join`].
    type Branches;
    /// Wraps the tuple.
    fn join(self) -> Self::Join;
}

/// A tuple of futures of `Result` with one error type, joined until the first error.
pub trait TryJoinable {
    /// The future that joins them.
    type TryJoin: Future;
    /// The branches' tuple inside [`TryJoin`].
    type Branches;
    /// Wraps the tuple.
    fn try_join(self) -> Self::TryJoin;
}

/// The future of [`join`]: all outputs as a tuple, once all branches finished.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Join<T> {
    branches: T,
    /// The branch the next poll starts with.
    start: u8,
    biased: bool,
}

/// The future of [`try_join`]: all `Ok` outputs, or the first `Err`.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct TryJoin<T> {
    branches: T,
    start: u8,
    biased: bool,
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

/// [`join`], polling the branches in their written order every time
/// (`join!(biased; ..)`).
///
/// ```
/// let order = std::cell::RefCell::new(Vec::new());
/// let branch = |n| {
///     let order = &order;
///     async move {
///         order.borrow_mut().push(n);
///         zokio::task::yield_now().await;
///         order.borrow_mut().push(n);
///     }
/// };
/// zokio::block_on(zokio::future::join_biased((branch(1), branch(2))));
/// assert_eq!(*order.borrow(), [1, 2, 1, 2]);
/// ```
pub fn join_biased<T>(futures: T) -> Join<T::Branches>
where
    T: Joinable<Join = Join<<T as Joinable>::Branches>>,
{
    let mut join = futures.join();
    join.biased = true;
    join
}

/// [`try_join`], polling the branches in their written order every time
/// (`try_join!(biased; ..)`).
pub fn try_join_biased<T>(futures: T) -> TryJoin<T::Branches>
where
    T: TryJoinable<TryJoin = TryJoin<<T as TryJoinable>::Branches>>,
{
    let mut join = futures.try_join();
    join.biased = true;
    join
}

/// Where a poll of `n` branches starts, and the start of the next one.
#[inline]
fn next_start(start: &mut u8, biased: bool, n: usize) -> usize {
    let now = usize::from(*start);
    if !biased {
        // `n` is at most 12, so the index fits a `u8`.
        *start = ((now + 1) % n) as u8;
    }
    now
}

macro_rules! impl_join {
    ($($F:ident $i:tt),+) => {
        impl<$($F: Future),+> Joinable for ($($F,)+) {
            type Join = Join<($(MaybeDone<$F>,)+)>;
            type Branches = ($(MaybeDone<$F>,)+);
            fn join(self) -> Self::Join {
                Join { branches: ($(MaybeDone::new(self.$i),)+), start: 0, biased: false }
            }
        }

        impl<$($F: Future),+> Future for Join<($(MaybeDone<$F>,)+)> {
            type Output = ($($F::Output,)+);

            #[allow(non_snake_case)]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                // SAFETY: the branches are structurally pinned: `Join` never
                // moves them out, has no `Drop`, and is `Unpin` only when every
                // branch is.
                let this = unsafe { self.get_unchecked_mut() };
                let branches = &mut this.branches;
                let n = [$(stringify!($i)),+].len();
                let start = next_start(&mut this.start, this.biased, n);
                let mut all_done = true;
                for k in 0..n {
                    match (start + k) % n {
                        $(
                            $i => {
                                // SAFETY: as above, a field of pinned memory that is never moved.
                                let $F = unsafe { Pin::new_unchecked(&mut branches.$i) };
                                all_done &= $F.poll_done(cx);
                            }
                        )+
                        _ => {}
                    }
                }
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
            type Branches = ($(MaybeDone<$F>,)+);
            fn try_join(self) -> Self::TryJoin {
                TryJoin { branches: ($(MaybeDone::new(self.$i),)+), start: 0, biased: false }
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
                let this = unsafe { self.get_unchecked_mut() };
                let branches = &mut this.branches;
                let n = [$(stringify!($i)),+].len();
                let start = next_start(&mut this.start, this.biased, n);
                let mut all_done = true;
                for k in 0..n {
                    match (start + k) % n {
                        $(
                            $i => {
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
                            }
                        )+
                        _ => {}
                    }
                }
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
