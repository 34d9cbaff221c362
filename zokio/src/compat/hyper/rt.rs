//! hyper's executor and timer on Zokio's scheduler and timing wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Spawns hyper's background tasks on the current Zokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperExecutor;

impl<F> hyper::rt::Executor<F> for HyperExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        crate::spawn(future);
    }
}

/// hyper's timers on Zokio's timing wheel.
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperTimer;

pin_project_lite::pin_project! {
    /// A Zokio [`Sleep`](crate::time::Sleep) as hyper's `Sleep`.
    #[derive(Debug)]
    pub struct HyperSleep {
        #[pin]
        inner: crate::time::Sleep,
    }
}

impl Future for HyperSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            inner: crate::time::sleep_until(deadline.into()),
        })
    }

    /// Moves one of our sleeps in place (hyper's default makes a new one:
    /// an allocation and a trip out of and back into the wheel).
    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(ours) => ours.project().inner.reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::time::{Duration, Instant};

    use hyper::rt::Timer;

    use super::{HyperSleep, HyperTimer};

    #[test]
    fn reset_moves_our_sleep_in_place() {
        crate::run(async {
            let timer = HyperTimer;
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let soon = Instant::now() + Duration::from_millis(20);
            timer.reset(&mut sleep, soon);
            assert!(sleep.as_mut().downcast_mut_pin::<HyperSleep>().is_some());
            crate::time::timeout(Duration::from_secs(5), sleep)
                .await
                .expect("the reset sleep did not fire");
            assert!(Instant::now() >= soon);
        });
    }
}
