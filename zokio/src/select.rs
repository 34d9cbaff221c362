//! `select!`: wait on several futures at once and handle the first to finish.
//!
//! The macro is a thin `macro_rules!` over the `select` proc macro of
//! zokio-macros, passing it `$crate` so the expansion can reach [`support`]
//! however the user named this crate.

/// Waits on several futures at once, on the current task, and runs the
/// handler of the **first** one to finish whose output matches its pattern;
/// the other futures are dropped (cancelled). The same macro as
/// `tokio::select!`, with the same grammar and semantics.
///
/// It is used inside `async` functions, blocks and closures.
///
/// # Grammar
///
/// ```text
/// select! {
///     biased;                                           // optional, first
///     <pattern> = <async expression> (, if <precondition>)? => <handler>,
///     ...                                               // 1 to 64 branches
///     else => <expression>                              // optional, last
/// }
/// ```
///
/// - `<async expression>` is anything [`IntoFuture`](std::future::IntoFuture)
///   (a future, `&mut` a pinned or [`Unpin`] future, a `JoinHandle`...).
/// - `<precondition>` is a `bool` expression.
/// - `<handler>` is an expression followed by `,`, or a `{ .. }` block, whose
///   `,` is optional. The last branch's `,` is optional too.
/// - The value of `select!` is the value of the handler that ran (or of
///   `else`), so all of them have one type.
///
/// # What happens, step by step
///
/// 1. Every `<precondition>` is evaluated, in order; a branch whose
///    precondition is `false` is *disabled* for this call. (Re-entering
///    `select!`, say on the next turn of a loop, starts with all branches
///    enabled again.) The preconditions come first, as in Tokio, so that
///    `_ = &mut sleep, if !sleep.is_elapsed()` can borrow `sleep` twice.
/// 2. Every `<async expression>` is evaluated, in order, disabled branches'
///    too: their futures are built but never polled.
/// 3. Each time the task polls the select, it polls each enabled future
///    once, starting at a random branch (or at the first, with `biased;`),
///    and returns `Pending` if none completes.
/// 4. When one completes, its output is matched against its `<pattern>`.
///    If it matches, the select is decided: go to 6. If not, that output is
///    dropped, the branch is disabled, and the others keep being polled.
/// 5. If every branch is disabled, the select is decided too, for `else`.
/// 6. **All** the branch futures are dropped, the finished ones and the
///    unfinished ones, in branch order, *before* the handler runs. Then the
///    handler of the chosen branch runs, with its pattern's bindings, or the
///    `else` expression runs. Without an `else`, `select!` panics with
///    "all branches are disabled and there is no else branch".
///
/// The handlers (and `else`) run in the caller's own scope, not in a closure
/// or loop of the macro's: `break` and `continue` act on the caller's loop,
/// and `return`, `?` and `.await` on the caller's `async fn` or block. Since
/// the futures are gone by then, a handler may use whatever they borrowed.
///
/// # Cancellation
///
/// Dropping a future that has not finished is how async Rust cancels it: its
/// code stops at the `.await` it was suspended at, and it never resumes.
/// Whether that loses anything depends on the future. A branch is
/// *cancellation safe* if dropping it unfinished and building it again
/// (the next turn of a loop does exactly that) loses nothing:
///
/// - safe: operations that either complete or leave no trace, such as
///   receiving one message from a channel (it is either returned or left in
///   the channel), a stream's `next()`, a single `read` or `write`, or a
///   timer (though a new `sleep(d)` starts a new deadline: to keep one
///   deadline across turns, create it before the loop, pin it, and select
///   on `&mut` it);
/// - not safe: operations whose partial progress lives in the future, such
///   as `read_exact`, `read_to_end` or `write_all` (the bytes already moved
///   are lost with it), and waits that hold a place in a fair queue, such
///   as a fair mutex's `lock` or a semaphore's `acquire` (nothing is lost
///   but the place).
///
/// To keep an unsafe operation running across turns, create its future
/// outside the loop, pin it, and select on `&mut` it, as with the sleep.
/// Cancelling something unsafe is not always wrong either: on shutdown, a
/// half-written buffer may not matter.
///
/// # Fairness
///
/// Without `biased;`, each poll starts at a branch picked by a cheap
/// per-thread random number generator, so in a loop over always-ready
/// branches each gets its turn. With `biased;` the branches are polled top
/// to bottom: choose it when the order matters (a shutdown signal before a
/// busy stream) or to skip the random number, and then make sure an
/// always-ready branch cannot starve the ones below it.
///
/// The select heeds the task's cooperative budget as Tokio's does: a task
/// whose budget is spent yields at the select (returns `Pending` after
/// waking itself) before polling any branch. The select spends none itself.
///
/// # Patterns
///
/// Any refutable or irrefutable pattern works, with `ref`, `mut`, `@`, `|`
/// and nesting. To test a pattern without taking the output (it has to
/// move the output whole out of the poll), `select!` matches a reference to
/// it against the pattern with `ref`, `mut` and `&` removed, which match
/// ergonomics makes equivalent; a pattern that binds nothing (no names but
/// `_`) is tested as written. That leaves these limits (Tokio's `select!` has
/// the first two as well):
///
/// - a pattern written as a macro call (`my_pattern!()`) is tested as it
///   expands, so under Rust 2024 it must not expand to `ref`, `mut` or `&`;
/// - a string or byte-string literal must not sit under a `&` pattern
///   (`Some(&"stop")`): with the `&` removed it would be tested against
///   `&&str`. Elsewhere (`"stop"`, `Some("stop")`, `s @ "stop"`) it works.
///
/// A handler expression ends at the first `,` outside brackets; the `,`s of a
/// turbofish (`f::<A, B>()`) and of a leading closure's parameters are
/// understood, but any other top-level `,` (`<Foo<A, B> as Trait>::f()` in
/// the middle of an expression) needs the handler written as a `{ .. }`
/// block.
///
/// # Runtime characteristics
///
/// All branches run on the current task: concurrently, not in parallel. A
/// branch that blocks the thread blocks them all. For parallelism,
/// [`spawn`](crate::spawn) the work and select on the `JoinHandle`s.
///
/// # Examples
///
/// A receive loop with a deadline, leaving the loop from the handlers:
///
/// ```
/// use std::time::Duration;
/// use zokio::sync::mpsc;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = mpsc::channel::<u32>(8);
/// zokio::spawn(async move {
///     for n in 1..=3 {
///         tx.send(n).await.unwrap();
///     }
///     // `tx` stays alive: the loop ends by the deadline, not by `None`.
///     zokio::time::sleep(Duration::from_secs(60)).await;
/// });
///
/// let deadline = zokio::time::sleep(Duration::from_millis(50));
/// let mut deadline = std::pin::pin!(deadline);
/// let mut sum = 0;
/// loop {
///     zokio::select! {
///         Some(n) = rx.recv() => sum += n,
///         _ = &mut deadline => break,
///     }
/// }
/// assert_eq!(sum, 6);
/// # }
/// ```
///
/// Preconditions and `else`: join two oneshot receivers (each is awaited by
/// `&mut` so it survives the turns of the loop, and disabled once it gave its
/// value):
///
/// ```
/// use zokio::sync::oneshot;
///
/// # zokio::block_on(async {
/// let (tx1, mut rx1) = oneshot::channel();
/// let (tx2, mut rx2) = oneshot::channel();
/// tx1.send("first").unwrap();
/// tx2.send("second").unwrap();
///
/// let (mut a, mut b) = (None, None);
/// loop {
///     zokio::select! {
///         v = &mut rx1, if a.is_none() => a = v.ok(),
///         v = &mut rx2, if b.is_none() => b = v.ok(),
///         else => break,
///     }
/// }
/// assert_eq!((a, b), (Some("first"), Some("second")));
/// # });
/// ```
///
/// `biased;` polls in order, so here the first enabled branch always wins:
///
/// ```
/// # zokio::block_on(async {
/// let mut order = Vec::new();
/// loop {
///     zokio::select! {
///         biased;
///         _ = async {}, if order.is_empty() => order.push(1),
///         _ = async {}, if order.len() < 2 => order.push(2),
///         else => break,
///     }
/// }
/// assert_eq!(order, [1, 2]);
/// # });
/// ```
///
/// Malformed input is a compile error pointing at the offending tokens. A
/// branch without `=` between its pattern and its future:
///
/// ```compile_fail
/// # zokio::block_on(async {
/// zokio::select! {
///     v async { 1 } => v,
/// };
/// # });
/// ```
///
/// and an `else` that is not the last branch:
///
/// ```compile_fail
/// # zokio::block_on(async {
/// zokio::select! {
///     else => 0,
///     v = async { 1 } => v,
/// };
/// # });
/// ```
#[macro_export]
macro_rules! select {
    ($($input:tt)*) => {
        $crate::__select::select!($crate; $($input)*)
    };
}

/// What the expansion of `select!` names, through `$crate::__select`.
pub mod support {
    use std::cell::Cell;
    use std::hash::BuildHasher;
    use std::task::Context;

    pub use core::future::{Future, IntoFuture, poll_fn};
    pub use core::pin::pin;
    pub use core::task::Poll;
    pub use zokio_macros::select;

    std::thread_local! {
        /// xorshift32 state; 0 until first use on this thread.
        static RANDOM: Cell<u32> = const { Cell::new(0) };
    }

    /// A pseudo-random branch index in `0..branches`, from a per-thread
    /// xorshift generator: fairness needs spread, not strength.
    #[inline]
    pub fn random_start(branches: u32) -> u32 {
        RANDOM
            .try_with(|state| {
                let mut x = state.get();
                if x == 0 {
                    x = seed();
                }
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                state.set(x);
                // Scale to the range by the high bits (Lemire), not `%`,
                // which would use xorshift's weaker low bits.
                ((u64::from(x) * u64::from(branches)) >> 32) as u32
            })
            // While thread-local storage is torn down, fairness can wait.
            .unwrap_or(0)
    }

    /// A non-zero seed that differs between threads and between runs.
    #[cold]
    fn seed() -> u32 {
        let hash =
            std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id());
        (hash as u32 ^ (hash >> 32) as u32) | 1
    }

    /// Whether the task has spent its cooperative budget; if so, it has been
    /// woken to run again, and the select returns `Pending`.
    #[inline]
    pub fn budget_spent(cx: &mut Context<'_>) -> bool {
        if zokio_core::budget::has_remaining() {
            false
        } else {
            cx.waker().wake_by_ref();
            true
        }
    }
}
