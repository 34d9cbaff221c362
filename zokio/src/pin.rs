//! `pin!`: pins values to the stack under their own names, as Tokio's.

/// Pins each named value to the stack, shadowing it with a `Pin<&mut T>`
/// of the same name, so that a `!Unpin` future can be polled by reference
/// (`(&mut fut).await`, `fut.as_mut().poll(cx)`) or raced in a loop.
///
/// Tokio's macro, with its two forms: a list of existing bindings, or
/// `let` statements. It is `core::pin::pin!` under the hood, so it needs
/// no `unsafe`: the original value is moved into the pinned place and can
/// no longer be reached by its old name.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// async fn answer() -> u32 { 42 }
///
/// let fut = answer();
/// zokio::pin!(fut);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(42));
///
/// zokio::pin! {
///     let a = answer();
///     let b = answer();
/// }
/// assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(42));
/// assert_eq!(b.as_mut().poll(&mut cx), Poll::Ready(42));
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
