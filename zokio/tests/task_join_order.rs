//! The order in which `join!` polls its branches, ported from
//! tokio/tests/macros_join.rs: its four one- and two-branch forms with and
//! without `biased;`, `join_does_not_allow_tasks_to_starve`,
//! `a_different_future_is_polled_first_every_time_poll_fn_is_polled` and
//! `futures_are_polled_in_order_in_biased_mode` (7 of its 13 tests). Left
//! out: `two_await` (tokio-test's mock task; covered by Zokio's
//! sync_and_future tests), the two size tests (Zokio's join future has its
//! own layout), `empty_join` (Zokio's `join!` takes at least one future),
//! `join_into_future` and `caller_names_const_count` (`join!` here takes
//! futures, not `IntoFuture`s, and has no `const` count in scope).
#![cfg(not(loom))]

use std::sync::Arc;

use zokio::sync::Semaphore;

#[zokio::test]
async fn sync_one_lit_expr_comma() {
    let foo = zokio::join!(async { 1 },);
    assert_eq!(foo, (1,));

    let foo = zokio::join!(biased; async { 1 },);
    assert_eq!(foo, (1,));
}

#[zokio::test]
async fn sync_one_lit_expr_no_comma() {
    let foo = zokio::join!(async { 1 });
    assert_eq!(foo, (1,));

    let foo = zokio::join!(biased; async { 1 });
    assert_eq!(foo, (1,));
}

#[zokio::test]
async fn sync_two_lit_expr_comma() {
    let foo = zokio::join!(async { 1 }, async { 2 },);
    assert_eq!(foo, (1, 2));

    let foo = zokio::join!(biased; async { 1 }, async { 2 },);
    assert_eq!(foo, (1, 2));
}

#[zokio::test]
async fn sync_two_lit_expr_no_comma() {
    let foo = zokio::join!(async { 1 }, async { 2 });
    assert_eq!(foo, (1, 2));

    let foo = zokio::join!(biased; async { 1 }, async { 2 });
    assert_eq!(foo, (1, 2));
}

async fn non_cooperative_task(permits: Arc<Semaphore>) -> usize {
    let mut exceeded_budget = 0;

    for _ in 0..5 {
        // Another task should run after this task uses its whole budget
        for _ in 0..128 {
            let _permit = permits.clone().acquire_owned().await.unwrap();
        }

        exceeded_budget += 1;
    }

    exceeded_budget
}

async fn poor_little_task(permits: Arc<Semaphore>) -> usize {
    let mut how_many_times_i_got_to_run = 0;

    for _ in 0..5 {
        let _permit = permits.clone().acquire_owned().await.unwrap();
        how_many_times_i_got_to_run += 1;
    }

    how_many_times_i_got_to_run
}

#[zokio::test]
async fn join_does_not_allow_tasks_to_starve() {
    let permits = Arc::new(Semaphore::new(1));

    // non_cooperative_task should yield after its budget is exceeded and then
    // poor_little_task should run.
    let work = async {
        zokio::join!(
            non_cooperative_task(Arc::clone(&permits)),
            poor_little_task(permits.clone())
        )
    };
    let (non_cooperative_result, little_task_result) =
        zokio::time::timeout(std::time::Duration::from_secs(10), work)
            .await
            .expect("a branch starved");

    assert_eq!(5, non_cooperative_result);
    assert_eq!(5, little_task_result);
}

fn poll_order_of_three(biased: bool) -> Vec<i32> {
    let poll_order = Arc::new(std::sync::Mutex::new(vec![]));

    let fut = |x, poll_order: Arc<std::sync::Mutex<Vec<i32>>>| async move {
        for _ in 0..4 {
            poll_order.lock().unwrap().push(x);
            zokio::task::yield_now().await;
        }
    };

    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        if biased {
            zokio::join!(
                biased;
                fut(1, Arc::clone(&poll_order)),
                fut(2, Arc::clone(&poll_order)),
                fut(3, Arc::clone(&poll_order)),
            );
        } else {
            zokio::join!(
                fut(1, Arc::clone(&poll_order)),
                fut(2, Arc::clone(&poll_order)),
                fut(3, Arc::clone(&poll_order)),
            );
        }
    });
    poll_order.lock().unwrap().clone()
}

#[test]
fn a_different_future_is_polled_first_every_time_poll_fn_is_polled() {
    // Each time the future created by join! is polled, it should start
    // by polling a different future first.
    assert_eq!(
        vec![1, 2, 3, 2, 3, 1, 3, 1, 2, 1, 2, 3],
        poll_order_of_three(false)
    );
}

#[test]
fn futures_are_polled_in_order_in_biased_mode() {
    assert_eq!(
        vec![1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],
        poll_order_of_three(true)
    );
}

#[zokio::test]
async fn try_join_rotates_too_and_stops_at_the_first_error() {
    let r: Result<(u8, u8), &str> = zokio::try_join!(async { Ok(1) }, async { Err("no") });
    assert_eq!(r, Err("no"));
    let r: Result<(u8, u8), &str> = zokio::try_join!(biased; async { Ok(1) }, async { Ok(2) });
    assert_eq!(r, Ok((1, 2)));
}
