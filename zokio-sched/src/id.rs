//! Scheduler ids: unique among the schedulers created in the process, as
//! Tokio's `runtime::Id`.

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The next id; creating a scheduler is rare, so a shared counter is fine.
pub(crate) fn next() -> NonZeroU64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    NonZeroU64::new(id).unwrap_or(NonZeroU64::MIN)
}
