use std::time::Instant;
macro_rules! run {
    ($rt:expr, $m:ident, $iters:expr) => {{
        use $m::sync::{mpsc, oneshot};
        let rt = &$rt;
        let iters = $iters;
        let (clients, requests) = (64usize, 500usize);
    let start = Instant::now();
    for _ in 0..iters {
        rt.block_on(rt.spawn(async move {
            let mut services = Vec::new();
            for _ in 0..4 {
                let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(64);
                $m::spawn(async move {
                    while let Some((n, reply)) = rx.recv().await {
                        let _ = reply.send(n * 2);
                    }
                });
                services.push(tx);
            }
            let (done_tx, mut done_rx) = mpsc::unbounded_channel::<u64>();
            for c in 0..clients {
                let (services, done_tx) = (services.clone(), done_tx.clone());
                $m::spawn(async move {
                    let mut sum = 0;
                    for r in 0..requests {
                        let (reply_tx, reply_rx) = oneshot::channel();
                        services[(c + r) % 4].send(((c * requests + r) as u64, reply_tx)).await.unwrap();
                        sum += reply_rx.await.unwrap();
                    }
                    let _ = done_tx.send(sum);
                });
            }
            drop(services);
            let mut total = 0;
            for _ in 0..clients { total += done_rx.recv().await.unwrap(); }
            assert!(total > 0);
        })).unwrap();
    }
        start.elapsed().as_secs_f64() * 1e3 / iters as f64
    }};
}
fn main() {
    let workers: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(2);
    let iters: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(200);
    let which = std::env::args().nth(3).unwrap_or("both".into());
    let z = zokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let t = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    for _ in 0..3 {
        if which != "tokio" { eprintln!("zokio {:.2} ms", run!(z, zokio, iters)); }
        if which != "zokio" { eprintln!("tokio {:.2} ms", run!(t, tokio, iters)); }
    }
}
