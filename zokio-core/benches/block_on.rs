//! `block_on` of an immediately ready future: zokio beside futures-lite and
//! tokio's current-thread runtime, timed in turn (A B C A B C ...) over several
//! rounds, medians reported.
//!
//! `cargo bench -p zokio-core --bench block_on [-- --quick]`

use std::future::ready;
use std::hint::black_box;
use std::time::Instant;

struct Peer {
    name: &'static str,
    run: Box<dyn FnMut(u64) -> u64>,
    samples: Vec<f64>,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, iters) = if quick { (5, 200_000) } else { (21, 2_000_000) };

    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let mut peers = vec![
        Peer {
            name: "zokio_core::block_on",
            run: Box::new(|n| {
                (0..n)
                    .map(|i| zokio_core::block_on(ready(black_box(i))))
                    .sum()
            }),
            samples: Vec::new(),
        },
        Peer {
            name: "futures_lite::future::block_on",
            run: Box::new(|n| {
                (0..n)
                    .map(|i| futures_lite::future::block_on(ready(black_box(i))))
                    .sum()
            }),
            samples: Vec::new(),
        },
        Peer {
            name: "tokio current_thread block_on",
            run: Box::new(move |n| (0..n).map(|i| tokio_rt.block_on(ready(black_box(i)))).sum()),
            samples: Vec::new(),
        },
    ];

    // Warm up every peer (thread-locals, caches) before any timing.
    for peer in &mut peers {
        black_box((peer.run)(iters / 10));
    }
    for _ in 0..rounds {
        for peer in &mut peers {
            let start = Instant::now();
            black_box((peer.run)(iters));
            peer.samples
                .push(start.elapsed().as_nanos() as f64 / iters as f64);
        }
    }

    let medians: Vec<f64> = peers.iter_mut().map(|p| median(&mut p.samples)).collect();
    println!("block_on(ready): {rounds} rounds x {iters} calls, median ns per call");
    println!(
        "{:<32} {:>10} {:>14}",
        "runtime", "ns/call", "zokio speedup"
    );
    for (peer, m) in peers.iter().zip(&medians) {
        println!("{:<32} {:>10.2} {:>13.2}x", peer.name, m, m / medians[0]);
    }
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
