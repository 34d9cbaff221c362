//! Model checks of the io_uring eventfd suppression (see
//! `uring::ring::notify_again`): a submitter turns eventfd signals off
//! around its own `io_uring_enter` and back on before it reaps; a
//! completion the kernel posts meanwhile must be signalled or reaped.
//!
//! The kernel's side is a thread that posts a completion as the kernel
//! does: the queue's tail, a full barrier (`smp_mb` in `wq_has_sleeper`),
//! then a read of the flag, signalling only if it is clear.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicU32, Ordering, fence};
use loom::thread;

use crate::uring::notify_again;

/// `IORING_CQ_EVENTFD_DISABLED`.
const DISABLED: u32 = 1;

struct Shared {
    flags: AtomicU32,
    tail: AtomicU32,
    signalled: AtomicBool,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            flags: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            signalled: AtomicBool::new(false),
        })
    }

    /// The kernel posting one completion.
    fn post(&self) {
        self.tail.store(1, Ordering::Release);
        fence(Ordering::SeqCst);
        if self.flags.load(Ordering::Relaxed) & DISABLED == 0 {
            self.signalled.store(true, Ordering::Relaxed);
        }
    }

    /// A submitter's quiet window; true if its reap saw the completion.
    fn submit(&self) -> bool {
        self.flags.fetch_or(DISABLED, Ordering::Release);
        // ... its io_uring_enter ...
        notify_again(|| {
            self.flags.fetch_and(!DISABLED, Ordering::Release);
        });
        self.tail.load(Ordering::Acquire) == 1
    }
}

#[test]
fn a_completion_posted_while_quiet_is_signalled_or_reaped() {
    loom::model(|| {
        let shared = Shared::new();
        let kernel = {
            let shared = shared.clone();
            thread::spawn(move || shared.post())
        };
        let reaped = shared.submit();
        kernel.join().unwrap();
        assert!(
            reaped || shared.signalled.load(Ordering::Relaxed),
            "a completion that nothing signals and nobody reaps"
        );
    });
}

#[test]
fn overlapping_submitters_lose_no_completion() {
    loom::model(|| {
        let shared = Shared::new();
        let kernel = {
            let shared = shared.clone();
            thread::spawn(move || shared.post())
        };
        let other = {
            let shared = shared.clone();
            thread::spawn(move || shared.submit())
        };
        let reaped = shared.submit();
        let reaped_by_other = other.join().unwrap();
        kernel.join().unwrap();
        assert!(
            reaped || reaped_by_other || shared.signalled.load(Ordering::Relaxed),
            "a completion that nothing signals and nobody reaps"
        );
    });
}
