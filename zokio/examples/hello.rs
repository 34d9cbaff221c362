//! The smallest Zokio program: drive a future to completion on this thread.

fn main() {
    let greeting = zokio::block_on(async {
        zokio::task::yield_now().await;
        "Hello from Zokio"
    });
    println!("{greeting}");
}
