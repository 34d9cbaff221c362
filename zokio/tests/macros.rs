//! `#[zokio::test]` and `#[zokio::main]` expand to working runtimes.

use std::time::Duration;

#[zokio::test]
async fn test_attribute_runs_on_a_current_thread_runtime() {
    zokio::time::sleep(Duration::from_millis(1)).await;
    let local = std::rc::Rc::new(1);
    let set = zokio::task::LocalSet::new();
    let n = set
        .run_until(async move { zokio::task::spawn_local(async move { *local + 1 }).await })
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_attribute_takes_the_multi_thread_flavor() {
    let names = zokio::spawn(async { std::thread::current().name().map(String::from) }).await;
    assert!(names.unwrap().is_some());
    assert_eq!(
        zokio::runtime::Handle::current()
            .spawn(async { 7 })
            .await
            .unwrap(),
        7
    );
}

#[zokio::test]
async fn test_attribute_allows_result_returns() -> Result<(), std::io::Error> {
    let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
    listener.local_addr()?;
    Ok(())
}

mod with_main {
    #[zokio::main(worker_threads = 1)]
    pub async fn main() -> u32 {
        zokio::spawn(async { 40 }).await.unwrap() + 2
    }
}

#[test]
fn main_attribute_builds_and_runs_the_runtime() {
    assert_eq!(with_main::main(), 42);
}
