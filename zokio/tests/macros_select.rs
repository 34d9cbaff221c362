//! Port of Tokio's tokio/tests/macros_select.rs to `zokio::select!`, followed
//! by Zokio's own tests of the semantics the docs promise (handlers in the
//! caller's scope, pattern-disabled branches, random start, `biased;`, the
//! panic without `else`, evaluation and drop order, pattern forms).
//!
//! Tokio's `#[tokio::test]`s are `#[zokio::test]`s; its channels are used
//! as they are (they work on any runtime). Left out: the two
//! `deterministic_select_*` tests (`tokio_unstable`), which seed the random
//! start through `tokio::runtime::Builder::rng_seed`, a runtime option Zokio
//! does not have.
#![allow(clippy::disallowed_names)]

use tokio_test::{assert_ok, assert_pending, assert_ready};
use zokio::sync::{mpsc, oneshot};

use std::future::poll_fn;
use std::task::Poll::Ready;

#[zokio::test]
async fn sync_one_lit_expr_comma() {
    let foo = zokio::select! {
        foo = async { 1 } => foo,
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn no_branch_else_only() {
    let foo = zokio::select! {
        else => 1,
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn no_branch_else_only_biased() {
    let foo = zokio::select! {
        biased;
        else => 1,
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn nested_one() {
    let foo = zokio::select! {
        foo = async { 1 } => zokio::select! {
            bar = async { foo } => bar,
        },
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn sync_one_lit_expr_no_comma() {
    let foo = zokio::select! {
        foo = async { 1 } => foo
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn sync_one_lit_expr_block() {
    let foo = zokio::select! {
        foo = async { 1 } => { foo }
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn sync_one_await() {
    let foo = zokio::select! {
        foo = one() => foo,
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn sync_one_ident() {
    let one = one();

    let foo = zokio::select! {
        foo = one => foo,
    };

    assert_eq!(foo, 1);
}

#[zokio::test]
async fn sync_two() {
    use std::cell::Cell;

    let cnt = Cell::new(0);

    let res = zokio::select! {
        foo = async {
            cnt.set(cnt.get() + 1);
            1
        } => foo,
        bar = async {
            cnt.set(cnt.get() + 1);
            2
        } => bar,
    };

    assert_eq!(1, cnt.get());
    assert!(res == 1 || res == 2);
}

#[zokio::test]
async fn drop_in_fut() {
    let s = "hello".to_string();

    let res = zokio::select! {
        foo = async {
            let v = one().await;
            drop(s);
            v
        } => foo
    };

    assert_eq!(res, 1);
}

#[zokio::test]
async fn one_ready() {
    let (tx1, rx1) = oneshot::channel::<i32>();
    let (_tx2, rx2) = oneshot::channel::<i32>();

    tx1.send(1).unwrap();

    let v = zokio::select! {
        res = rx1 => {
            assert_ok!(res)
        },
        _ = rx2 => unreachable!(),
    };

    assert_eq!(1, v);
}

#[zokio::test]
async fn select_streams() {
    let (tx1, mut rx1) = mpsc::unbounded_channel::<i32>();
    let (tx2, mut rx2) = mpsc::unbounded_channel::<i32>();

    zokio::spawn(async move {
        assert_ok!(tx2.send(1));
        zokio::task::yield_now().await;

        assert_ok!(tx1.send(2));
        zokio::task::yield_now().await;

        assert_ok!(tx2.send(3));
        zokio::task::yield_now().await;

        drop((tx1, tx2));
    });

    let mut rem = true;
    let mut msgs = vec![];

    while rem {
        zokio::select! {
            Some(x) = rx1.recv() => {
                msgs.push(x);
            }
            Some(y) = rx2.recv() => {
                msgs.push(y);
            }
            else => {
                rem = false;
            }
        }
    }

    msgs.sort_unstable();
    assert_eq!(&msgs[..], &[1, 2, 3]);
}

#[zokio::test]
async fn move_uncompleted_futures() {
    let (tx1, mut rx1) = oneshot::channel::<i32>();
    let (tx2, mut rx2) = oneshot::channel::<i32>();

    tx1.send(1).unwrap();
    tx2.send(2).unwrap();

    let ran;

    zokio::select! {
        res = &mut rx1 => {
            assert_eq!(1, assert_ok!(res));
            assert_eq!(2, assert_ok!(rx2.await));
            ran = true;
        },
        res = &mut rx2 => {
            assert_eq!(2, assert_ok!(res));
            assert_eq!(1, assert_ok!(rx1.await));
            ran = true;
        },
    }

    assert!(ran);
}

#[zokio::test]
async fn nested() {
    let res = zokio::select! {
        x = async { 1 } => {
            zokio::select! {
                y = async { 2 } => x + y,
            }
        }
    };

    assert_eq!(res, 3);
}

/// Tokio asserts its own future sizes here (32, 40 and 48 bytes); Zokio's
/// expansion keeps a pointer per branch where Tokio keeps one for all, so
/// these pin Zokio's figures, which grow by 16 bytes a branch.
#[cfg(target_pointer_width = "64")]
mod pointer_64_tests {
    use std::future;
    use std::mem;

    #[zokio::test]
    async fn struct_size_1() {
        let fut = async {
            let ready = future::ready(0i32);

            zokio::select! {
                _ = ready => {},
            }
        };

        assert_eq!(mem::size_of_val(&fut), 32);
    }

    #[zokio::test]
    async fn struct_size_2() {
        let fut = async {
            let ready1 = future::ready(0i32);
            let ready2 = future::ready(0i32);

            zokio::select! {
                _ = ready1 => {},
                _ = ready2 => {},
            }
        };

        assert_eq!(mem::size_of_val(&fut), 48);
    }

    #[zokio::test]
    async fn struct_size_3() {
        let fut = async {
            let ready1 = future::ready(0i32);
            let ready2 = future::ready(0i32);
            let ready3 = future::ready(0i32);

            zokio::select! {
                _ = ready1 => {},
                _ = ready2 => {},
                _ = ready3 => {},
            }
        };

        assert_eq!(mem::size_of_val(&fut), 64);
    }
}

#[zokio::test]
async fn mutable_borrowing_future_with_same_borrow_in_block() {
    let mut value = 234;

    zokio::select! {
        _ = require_mutable(&mut value) => { },
        _ = async_noop() => {
            value += 5;
        },
    }

    assert!(value >= 234);
}

#[zokio::test]
async fn mutable_borrowing_future_with_same_borrow_in_block_and_else() {
    let mut value = 234;

    zokio::select! {
        _ = require_mutable(&mut value) => { },
        _ = async_noop() => {
            value += 5;
        },
        else => {
            value += 27;
        },
    }

    assert!(value >= 234);
}

#[zokio::test]
async fn future_panics_after_poll() {
    use tokio_test::task;

    let (tx, rx) = oneshot::channel();

    let mut polled = false;

    let f = poll_fn(|_| {
        assert!(!polled);
        polled = true;
        Ready(None::<()>)
    });

    let mut f = task::spawn(async {
        zokio::select! {
            Some(_) = f => unreachable!(),
            ret = rx => ret.unwrap(),
        }
    });

    assert_pending!(f.poll());
    assert_pending!(f.poll());

    assert_ok!(tx.send(1));

    let res = assert_ready!(f.poll());
    assert_eq!(1, res);
}

#[zokio::test]
async fn disable_with_if() {
    use tokio_test::task;

    let f = poll_fn(|_| panic!());
    let (tx, rx) = oneshot::channel();

    let mut f = task::spawn(async {
        zokio::select! {
            _ = f, if false => unreachable!(),
            _ = rx => (),
        }
    });

    assert_pending!(f.poll());

    assert_ok!(tx.send(()));
    assert!(f.is_woken());

    assert_ready!(f.poll());
}

#[zokio::test]
async fn join_with_select() {
    use tokio_test::task;

    let (tx1, mut rx1) = oneshot::channel();
    let (tx2, mut rx2) = oneshot::channel();

    let mut f = task::spawn(async {
        let mut a = None;
        let mut b = None;

        while a.is_none() || b.is_none() {
            zokio::select! {
                v1 = &mut rx1, if a.is_none() => a = Some(assert_ok!(v1)),
                v2 = &mut rx2, if b.is_none() => b = Some(assert_ok!(v2))
            }
        }

        (a.unwrap(), b.unwrap())
    });

    assert_pending!(f.poll());

    assert_ok!(tx1.send(123));
    assert!(f.is_woken());
    assert_pending!(f.poll());

    assert_ok!(tx2.send(456));
    assert!(f.is_woken());
    let (a, b) = assert_ready!(f.poll());

    assert_eq!(a, 123);
    assert_eq!(b, 456);
}

#[zokio::test]
async fn use_future_in_if_condition() {
    use std::time::Duration;
    use zokio::time;

    zokio::select! {
        _ = time::sleep(Duration::from_millis(10)), if false => {
            panic!("if condition ignored")
        }
        _ = async { 1u32 } => {
        }
    }
}

#[zokio::test]
async fn use_future_in_if_condition_biased() {
    use std::time::Duration;
    use zokio::time;

    zokio::select! {
        biased;
        _ = time::sleep(Duration::from_millis(10)), if false => {
            panic!("if condition ignored")
        }
        _ = async { 1u32 } => {
        }
    }
}

#[zokio::test]
async fn many_branches() {
    let num = zokio::select! {
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
        x = async { 1 } => x,
    };

    assert_eq!(1, num);
}

#[zokio::test]
async fn never_branch_no_warnings() {
    let t = zokio::select! {
        _ = async_never() => 0,
        one_async_ready = one() => one_async_ready,
    };
    assert_eq!(t, 1);
}

async fn one() -> usize {
    1
}

async fn require_mutable(_: &mut i32) {}
async fn async_noop() {}

async fn async_never() -> ! {
    std::future::pending().await
}

// From https://github.com/tokio-rs/tokio/issues/2857
#[zokio::test]
async fn mut_on_left_hand_side() {
    let v = async move {
        let ok = async { 1 };
        let mut ok = std::pin::pin!(ok);
        zokio::select! {
            mut a = &mut ok => {
                a += 1;
                a
            }
        }
    }
    .await;
    assert_eq!(v, 2);
}

#[zokio::test]
async fn biased_one_not_ready() {
    let (_tx1, rx1) = oneshot::channel::<i32>();
    let (tx2, rx2) = oneshot::channel::<i32>();
    let (tx3, rx3) = oneshot::channel::<i32>();

    tx2.send(2).unwrap();
    tx3.send(3).unwrap();

    let v = zokio::select! {
        biased;

        _ = rx1 => unreachable!(),
        res = rx2 => {
            assert_ok!(res)
        },
        _ = rx3 => {
            panic!("This branch should never be activated because `rx2` should be polled before `rx3` due to `biased;`.")
        }
    };

    assert_eq!(2, v);
}

#[zokio::test]
async fn biased_eventually_ready() {
    use zokio::task::yield_now;

    let one = async {};
    let two = async { yield_now().await };
    let three = async { yield_now().await };

    let mut count = 0u8;

    let mut one = std::pin::pin!(one);
    let mut two = std::pin::pin!(two);
    let mut three = std::pin::pin!(three);

    loop {
        zokio::select! {
            biased;

            _ = &mut two, if count < 2 => {
                count += 1;
                assert_eq!(count, 2);
            }
            _ = &mut three, if count < 3 => {
                count += 1;
                assert_eq!(count, 3);
            }
            _ = &mut one, if count < 1 => {
                count += 1;
                assert_eq!(count, 1);
            }
            else => break,
        }
    }

    assert_eq!(count, 3);
}

// https://github.com/tokio-rs/tokio/issues/3830
// https://github.com/rust-lang/rust-clippy/issues/7304
/// Compiled with clippy's `default_numeric_fallback` lint on: the expansion
/// must not leave an untyped number literal.
#[warn(clippy::default_numeric_fallback)]
pub async fn default_numeric_fallback() {
    zokio::select! {
        _ = async {} => (),
        else => (),
    }
}

// https://github.com/tokio-rs/tokio/issues/4182
#[zokio::test]
async fn mut_ref_patterns() {
    zokio::select! {
        Some(mut foo) = async { Some("1".to_string()) } => {
            assert_eq!(foo, "1");
            foo = "2".to_string();
            assert_eq!(foo, "2");
        },
    };

    zokio::select! {
        Some(ref foo) = async { Some("1".to_string()) } => {
            assert_eq!(*foo, "1");
        },
    };

    zokio::select! {
        Some(ref mut foo) = async { Some("1".to_string()) } => {
            assert_eq!(*foo, "1");
            *foo = "2".to_string();
            assert_eq!(*foo, "2");
        },
    };
}

#[zokio::test]
async fn select_into_future() {
    struct NotAFuture;
    impl std::future::IntoFuture for NotAFuture {
        type Output = ();
        type IntoFuture = std::future::Ready<()>;

        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(())
        }
    }

    zokio::select! {
        () = NotAFuture => {},
    }
}

// regression test for https://github.com/tokio-rs/tokio/issues/6721
#[zokio::test]
async fn temporary_lifetime_extension() {
    zokio::select! {
        () = &mut std::future::ready(()) => {},
    }
}

/// Tokio's `tokio::task::coop::consume_budget()`: one unit of the task's
/// budget, yielding once it is spent.
async fn consume_budget() {
    poll_fn(|cx| {
        let progress = std::task::ready!(zokio_core::budget::poll_proceed(cx));
        progress.made_progress();
        Ready(())
    })
    .await
}

#[zokio::test]
async fn select_is_budget_aware() {
    const BUDGET: usize = zokio_core::budget::TASK_BUDGET as usize;

    let task = || {
        Box::pin(async move {
            zokio::select! {
                biased;

                () = consume_budget() => {},
                () = std::future::ready(()) => {}
            }
        })
    };

    for _ in 0..BUDGET {
        let poll = futures_lite::future::poll_once(&mut task()).await;
        assert!(poll.is_some());
    }

    let poll = futures_lite::future::poll_once(&mut task()).await;
    assert!(poll.is_none());
}

// ---- Zokio's own tests ------------------------------------------------------

mod own {
    use super::oneshot;
    use std::cell::{Cell, RefCell};
    use std::future::{pending, ready};
    use std::time::Duration;

    #[zokio::test]
    async fn break_and_continue_act_on_the_callers_loop() {
        let (tx, mut rx) = super::mpsc::unbounded_channel::<u32>();
        for n in 1..=6 {
            tx.send(n).unwrap();
        }
        let mut seen = Vec::new();
        let mut turns = 0;
        loop {
            turns += 1;
            zokio::select! {
                biased;
                Some(n) = rx.recv() => {
                    if n % 2 == 0 {
                        continue;
                    }
                    if n == 5 {
                        break;
                    }
                    seen.push(n);
                }
                else => unreachable!("the channel stays open"),
            }
            seen.push(0);
        }
        // 2 and 4 skipped the `push(0)` after the select; 5 left the loop.
        assert_eq!(seen, [1, 0, 3, 0]);
        assert_eq!(turns, 5);
    }

    #[zokio::test]
    async fn labelled_break_and_continue_from_nested_loops() {
        let mut outer_turns = 0;
        let mut inner_turns = 0;
        'outer: for _ in 0..3 {
            outer_turns += 1;
            loop {
                inner_turns += 1;
                zokio::select! {
                    biased;
                    _ = ready(()), if inner_turns % 3 != 0 => continue,
                    _ = ready(()), if outer_turns == 1 => break,
                    _ = ready(()) => break 'outer,
                }
            }
        }
        assert_eq!((outer_turns, inner_turns), (2, 6));
    }

    async fn first_even(values: Vec<Result<u32, String>>) -> Result<u32, String> {
        for value in values {
            zokio::select! {
                v = ready(value) => {
                    let v = v?;
                    if v % 2 == 0 {
                        return Ok(v);
                    }
                }
            }
        }
        Err("none".into())
    }

    #[zokio::test]
    async fn question_mark_and_return_act_on_the_callers_fn() {
        assert_eq!(
            first_even(vec![Ok(1), Ok(4), Err("late".into())]).await,
            Ok(4)
        );
        assert_eq!(
            first_even(vec![Ok(1), Err("bad".into()), Ok(4)]).await,
            Err("bad".into())
        );
        assert_eq!(first_even(vec![Ok(1)]).await, Err("none".into()));
    }

    async fn question_mark_in_future_and_condition(
        future: Result<u32, &'static str>,
        condition: Result<bool, &'static str>,
    ) -> Result<u32, &'static str> {
        Ok(zokio::select! {
            v = ready(future?), if condition? => v,
            else => 0,
        })
    }

    #[zokio::test]
    async fn question_mark_in_the_future_and_the_precondition() {
        assert_eq!(
            question_mark_in_future_and_condition(Ok(3), Ok(true)).await,
            Ok(3)
        );
        assert_eq!(
            question_mark_in_future_and_condition(Ok(3), Ok(false)).await,
            Ok(0)
        );
        assert_eq!(
            question_mark_in_future_and_condition(Err("f"), Ok(true)).await,
            Err("f")
        );
        assert_eq!(
            question_mark_in_future_and_condition(Ok(3), Err("c")).await,
            Err("c")
        );
    }

    #[zokio::test]
    async fn a_branch_disabled_by_its_pattern_falls_through_to_the_others() {
        let (tx, rx) = oneshot::channel::<u32>();
        let polled_none = Cell::new(0);
        let none = async {
            polled_none.set(polled_none.get() + 1);
            None::<u32>
        };
        let mut f = tokio_test::task::spawn(async {
            zokio::select! {
                biased;
                Some(v) = none => v,
                v = rx => v.unwrap() * 10,
            }
        });
        tokio_test::assert_pending!(f.poll());
        assert_eq!(polled_none.get(), 1);
        tx.send(4).unwrap();
        assert!(f.is_woken());
        assert_eq!(tokio_test::assert_ready!(f.poll()), 40);
        assert_eq!(
            polled_none.get(),
            1,
            "a disabled branch is not polled again"
        );
    }

    #[zokio::test]
    async fn every_branch_disabled_by_pattern_runs_else() {
        let v = zokio::select! {
            Some(v) = ready(None::<u32>) => v,
            Ok(v) = ready(Err::<u32, ()>(())) => v,
            else => 7,
        };
        assert_eq!(v, 7);
    }

    #[zokio::test]
    async fn the_random_start_picks_every_branch_of_an_always_ready_set() {
        let mut picked = [0u32; 3];
        for _ in 0..300 {
            let k = zokio::select! {
                k = ready(0) => k,
                k = ready(1) => k,
                k = ready(2) => k,
            };
            picked[k] += 1;
        }
        for (k, n) in picked.iter().enumerate() {
            // Each would be near 100; 30 fails with odds below 1e-15.
            assert!(
                *n > 30,
                "branch {k} was picked {n} times of 300: {picked:?}"
            );
        }
    }

    #[zokio::test]
    async fn biased_polls_top_to_bottom_and_stops_at_the_first_ready() {
        let polled = RefCell::new(Vec::new());
        let branch = |k: u32, ready: bool| {
            let polled = &polled;
            std::future::poll_fn(move |_| {
                polled.borrow_mut().push(k);
                if ready {
                    std::task::Poll::Ready(k)
                } else {
                    std::task::Poll::Pending
                }
            })
        };
        for _ in 0..50 {
            polled.borrow_mut().clear();
            let k = zokio::select! {
                biased;
                k = branch(0, false) => k,
                k = branch(1, true) => k,
                k = branch(2, true) => k,
            };
            assert_eq!(k, 1);
            assert_eq!(*polled.borrow(), [0, 1]);
        }
    }

    #[zokio::test]
    #[should_panic(expected = "all branches are disabled and there is no else branch")]
    async fn panics_when_all_branches_are_disabled_without_else() {
        let on = false;
        zokio::select! {
            _ = ready(()), if on => {}
            Some(()) = ready(None) => {}
        }
    }

    #[zokio::test]
    async fn preconditions_then_futures_in_order_disabled_futures_built_not_polled() {
        let log = RefCell::new(Vec::new());
        let step = |s: &'static str| log.borrow_mut().push(s);
        let v = zokio::select! {
            biased;
            v = { step("future 0"); async { panic!("a disabled branch was polled") } },
                if { step("condition 0"); false } => v,
            v = { step("future 1"); async { 1 } } => v,
            v = { step("future 2"); async { 2 } }, if { step("condition 2"); true } => v,
        };
        assert_eq!(v, 1);
        assert_eq!(
            *log.borrow(),
            [
                "condition 0",
                "condition 2",
                "future 0",
                "future 1",
                "future 2"
            ]
        );
    }

    struct OnDrop<'a>(&'a RefCell<Vec<&'static str>>, &'static str);

    impl Drop for OnDrop<'_> {
        fn drop(&mut self) {
            self.0.borrow_mut().push(self.1);
        }
    }

    #[zokio::test]
    async fn all_futures_drop_in_branch_order_before_the_handler_runs() {
        let log = RefCell::new(Vec::new());
        let waiting = |name| {
            let guard = OnDrop(&log, name);
            async move {
                let _guard = guard;
                pending::<u32>().await
            }
        };
        let v = zokio::select! {
            biased;
            v = waiting("dropped 0") => v,
            v = async { 5 } => {
                log.borrow_mut().push("handler");
                v
            }
            v = waiting("dropped 2") => v,
        };
        assert_eq!(v, 5);
        assert_eq!(*log.borrow(), ["dropped 0", "dropped 2", "handler"]);
    }

    #[zokio::test]
    async fn dropping_the_select_cancels_every_branch() {
        let log = RefCell::new(Vec::new());
        let guarded = |name| {
            let guard = OnDrop(&log, name);
            async move {
                let _guard = guard;
                pending::<()>().await
            }
        };
        let timed_out = zokio::time::timeout(Duration::from_millis(5), async {
            zokio::select! {
                _ = guarded("a") => {}
                _ = guarded("b") => {}
            }
        })
        .await;
        assert!(timed_out.is_err());
        assert_eq!(*log.borrow(), ["a", "b"]);
    }

    #[zokio::test]
    async fn the_handler_of_a_timeout_branch_runs() {
        let (_tx, rx) = oneshot::channel::<()>();
        let v = zokio::select! {
            _ = rx => "message",
            _ = zokio::time::sleep(Duration::from_millis(5)) => "timeout",
        };
        assert_eq!(v, "timeout");
    }

    #[zokio::test]
    async fn string_literal_patterns_at_the_top_and_inside() {
        let top = zokio::select! {
            "go" = ready("stop") => 1,
            "stop" = ready("stop") => 2,
            else => 0,
        };
        assert_eq!(top, 2);
        let inside = zokio::select! {
            Some("go") = ready(Some("stop")) => 1,
            Some(other) = ready(Some("stop")) => other.len(),
            else => 0,
        };
        assert_eq!(inside, 4);
        let bound = zokio::select! {
            s @ "stop" = ready("stop") => s.len(),
            else => 0,
        };
        let nested = zokio::select! {
            Some(s @ "stop") = ready(Some("stop")) => s.len(),
            else => 0,
        };
        assert_eq!((bound, nested), (4, 4));
    }

    #[zokio::test]
    async fn reference_patterns_and_bindings_after_at() {
        let five = 5u32;
        let a = zokio::select! {
            &v = ready(&five) => v,
        };
        let b = zokio::select! {
            Some(&v) = ready(Some(&five)) => v,
        };
        let c = zokio::select! {
            all @ Some(1..=9) = ready(Some(five)) => all.unwrap(),
        };
        let d = zokio::select! {
            (x, Ok(ref s) | Err(ref s)) = ready((1u32, Ok::<_, String>(String::from("ab")))) =>
                x + s.len() as u32,
        };
        let e = zokio::select! {
            0..=4 = ready(five) => 0,
            5.. = ready(five) => 1,
            else => 2,
        };
        assert_eq!((a, b, c, d), (5, 5, 5, 3));
        assert_eq!(e, 1, "the first branch is disabled by its pattern");
    }

    #[zokio::test]
    async fn handlers_with_commas_in_turbofish_and_closure_parameters() {
        fn pair<A: Default, B: Default>() -> (A, B) {
            Default::default()
        }
        let (a, b) = zokio::select! {
            _ = ready(()) => pair::<u8, u16>(),
        };
        assert_eq!((a, b), (0, 0));
        let add = zokio::select! {
            _ = ready(()) => |x: u32, y: u32| x + y,
        };
        assert_eq!(add(2, 3), 5);
        let v = zokio::select! {
            v = ready(vec![1u8, 2]) => v.into_iter().map(u32::from).collect::<Vec<u32>>(),
            else => Vec::new(),
        };
        assert_eq!(v, [1, 2]);
    }

    #[zokio::test]
    async fn a_renamed_crate_path_works() {
        use zokio as z;
        let v = z::select! {
            v = ready(3) => v,
        };
        assert_eq!(v, 3);
    }

    #[zokio::test]
    async fn names_in_the_users_code_do_not_clash_with_the_expansions() {
        // The expansion's own locals are hygienic: these are the user's.
        let __output = 1;
        let __disabled = 2;
        let __f0 = 3;
        let __cx = 4;
        let v = zokio::select! {
            v = ready(__f0), if __disabled == 2 => v + __output + __cx,
        };
        assert_eq!(v, 8);
    }

    #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn selects_over_spawned_tasks_on_the_multi_thread_runtime() {
        let slow = zokio::spawn(async {
            zokio::time::sleep(Duration::from_secs(10)).await;
            "slow"
        });
        let fast = zokio::spawn(async { "fast" });
        let v = zokio::time::timeout(Duration::from_secs(5), async {
            zokio::select! {
                v = slow => v.unwrap(),
                v = fast => v.unwrap(),
            }
        })
        .await
        .expect("the fast task finishes well within the timeout");
        assert_eq!(v, "fast");
    }
}
