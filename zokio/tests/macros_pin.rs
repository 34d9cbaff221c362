//! A port of Tokio's tests/macros_pin.rs to `zokio::pin!`, plus Zokio's
//! own case for the list form.
#![cfg(not(loom))]

async fn one() {}
async fn two() {}

#[zokio::test]
async fn multi_pin() {
    zokio::pin! {
        let f1 = one();
        let f2 = two();
    }

    (&mut f1).await;
    (&mut f2).await;
}

#[zokio::test]
async fn pinned_bindings_are_polled_in_place_across_a_loop() {
    let (tx, mut rx) = zokio::sync::mpsc::channel::<u32>(4);
    let sleep = zokio::time::sleep(std::time::Duration::from_secs(60));
    let send = async move {
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
    };
    zokio::pin!(sleep, send);
    let mut got = Vec::new();
    let mut sent = false;
    while got.len() < 3 {
        zokio::select! {
            () = &mut send, if !sent => sent = true,
            Some(v) = rx.recv() => got.push(v),
            () = &mut sleep => panic!("the one-minute sleep fired first"),
        }
    }
    assert_eq!(got, [0, 1, 2]);
    assert!(!sleep.is_elapsed());
}
