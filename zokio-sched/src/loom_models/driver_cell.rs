//! The shared driver's try-lock: at most one thread uses the driver at a
//! time, and what one holder did is seen by the next.

use loom::sync::Arc;
use loom::thread;

use crate::driver_cell::DriverCell;

#[test]
fn holders_of_the_driver_never_overlap() {
    loom::model(|| {
        // The "driver" is a plain counter: loom flags any unsynchronized
        // access to the cell holding it, and a lost update shows in the sum.
        let cell = Arc::new(DriverCell::new(0u32));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let cell = cell.clone();
                thread::spawn(move || match cell.try_take() {
                    Some(mut driver) => {
                        driver.with(|n| *n += 1);
                        1
                    }
                    None => 0,
                })
            })
            .collect();
        let took: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(took >= 1, "two tries on a free cell: at least one gets it");
        let mut driver = cell.try_take().expect("free once both are done");
        assert_eq!(driver.with(|n| *n), took);
    });
}
