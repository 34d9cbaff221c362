//! A port of tokio's tests/time_pause.rs to `zokio::time`'s test clock
//! (`pause`, `advance`, `start_paused`): every test, with a small seeded
//! generator where tokio's uses `rand`'s `StdRng`. Tests added below the
//! ported ones are Zokio's: the paused clock holds still while a blocking job
//! runs, `advance` runs the tasks it woke, and pausing is refused on the
//! multi-thread runtime with a message saying why.
#![cfg(not(loom))]
#![warn(rust_2018_idioms)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio_test::{assert_elapsed, assert_err, assert_pending, assert_ready, assert_ready_eq, task};
use zokio::time::{self, Duration, Instant, Sleep};

#[zokio::test]
async fn pause_time_in_main() {
    zokio::time::pause();
}

#[zokio::test]
async fn pause_time_in_task() {
    let t = zokio::spawn(async {
        zokio::time::pause();
    });

    t.await.unwrap();
}

#[zokio::test(flavor = "multi_thread", worker_threads = 1)]
#[should_panic(expected = "`time::pause()` requires the `current_thread` Zokio runtime")]
async fn pause_time_in_main_threads() {
    zokio::time::pause();
}

#[zokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn pause_time_in_spawn_threads() {
    let t = zokio::spawn(async {
        zokio::time::pause();
    });

    assert_err!(t.await);
}

#[test]
fn paused_time_is_deterministic() {
    let run_1 = paused_time_stress_run();
    let run_2 = paused_time_stress_run();

    assert_eq!(run_1, run_2);
}

/// A seeded xorshift generator: the same sleeps on every run.
struct Rng(u64);

impl Rng {
    fn below_one_second(&mut self) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_nanos(self.0 % 1_000_000_000)
    }
}

#[zokio::main(flavor = "current_thread", start_paused = true)]
async fn paused_time_stress_run() -> Vec<Duration> {
    let mut rng = Rng(1);

    let mut times = vec![];
    let start = Instant::now();
    for _ in 0..10_000 {
        let sleep = rng.below_one_second();
        time::sleep(sleep).await;
        times.push(start.elapsed());
    }

    times
}

#[zokio::test(start_paused = true)]
async fn advance_after_poll() {
    time::sleep(ms(1)).await;

    let start = Instant::now();

    let mut sleep = task::spawn(time::sleep_until(start + ms(300)));

    assert_pending!(sleep.poll());

    let before = Instant::now();
    time::advance(ms(100)).await;
    assert_elapsed!(before, ms(100));

    assert_pending!(sleep.poll());
}

#[zokio::test(start_paused = true)]
async fn sleep_no_poll() {
    let start = Instant::now();

    // TODO: Skip this
    time::advance(ms(1)).await;

    let mut sleep = task::spawn(time::sleep_until(start + ms(300)));

    let before = Instant::now();
    time::advance(ms(100)).await;
    assert_elapsed!(before, ms(100));

    assert_pending!(sleep.poll());
}

enum State {
    Begin,
    AwaitingAdvance(Pin<Box<dyn Future<Output = ()>>>),
    AfterAdvance,
}

struct Tester {
    sleep: Pin<Box<Sleep>>,
    state: State,
    before: Option<Instant>,
    poll: bool,
}

impl Future for Tester {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            State::Begin => {
                if self.poll {
                    assert_pending!(self.sleep.as_mut().poll(cx));
                }
                self.before = Some(Instant::now());
                let advance_fut = Box::pin(time::advance(ms(100)));
                self.state = State::AwaitingAdvance(advance_fut);
                self.poll(cx)
            }
            State::AwaitingAdvance(advance_fut) => match advance_fut.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => {
                    self.state = State::AfterAdvance;
                    self.poll(cx)
                }
            },
            State::AfterAdvance => {
                assert_elapsed!(self.before.unwrap(), ms(100));

                assert_pending!(self.sleep.as_mut().poll(cx));

                Poll::Ready(())
            }
        }
    }
}

#[zokio::test(start_paused = true)]
async fn sleep_same_task() {
    let start = Instant::now();

    // TODO: Skip this
    time::advance(ms(1)).await;

    let sleep = Box::pin(time::sleep_until(start + ms(300)));

    Tester {
        sleep,
        state: State::Begin,
        before: None,
        poll: true,
    }
    .await;
}

#[zokio::test(start_paused = true)]
async fn sleep_same_task_no_poll() {
    let start = Instant::now();

    // TODO: Skip this
    time::advance(ms(1)).await;

    let sleep = Box::pin(time::sleep_until(start + ms(300)));

    Tester {
        sleep,
        state: State::Begin,
        before: None,
        poll: false,
    }
    .await;
}

#[zokio::test(start_paused = true)]
async fn interval() {
    let start = Instant::now();

    // TODO: Skip this
    time::advance(ms(1)).await;

    let mut i = task::spawn(time::interval_at(start, ms(300)));

    assert_ready_eq!(poll_next(&mut i), start);
    assert_pending!(poll_next(&mut i));

    let before = Instant::now();
    time::advance(ms(100)).await;
    assert_elapsed!(before, ms(100));
    assert_pending!(poll_next(&mut i));

    let before = Instant::now();
    time::advance(ms(200)).await;
    assert_elapsed!(before, ms(200));
    assert_ready_eq!(poll_next(&mut i), start + ms(300));
    assert_pending!(poll_next(&mut i));

    let before = Instant::now();
    time::advance(ms(400)).await;
    assert_elapsed!(before, ms(400));
    assert_ready_eq!(poll_next(&mut i), start + ms(600));
    assert_pending!(poll_next(&mut i));

    let before = Instant::now();
    time::advance(ms(500)).await;
    assert_elapsed!(before, ms(500));
    assert_ready_eq!(poll_next(&mut i), start + ms(900));
    assert_ready_eq!(poll_next(&mut i), start + ms(1200));
    assert_pending!(poll_next(&mut i));
}

#[zokio::test(start_paused = true)]
async fn test_time_advance_sub_ms() {
    let now = Instant::now();

    let dur = Duration::from_micros(51_592);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);

    let now = Instant::now();
    let dur = Duration::from_micros(1);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);
}

#[zokio::test(start_paused = true)]
async fn test_time_advance_3ms_and_change() {
    let now = Instant::now();

    let dur = Duration::from_micros(3_141_592);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);

    let now = Instant::now();
    let dur = Duration::from_micros(3_123_456);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);
}

#[zokio::test(start_paused = true)]
async fn regression_3710_with_submillis_advance() {
    let start = Instant::now();

    time::advance(Duration::from_millis(1)).await;

    let mut sleep = task::spawn(time::sleep_until(start + Duration::from_secs(60)));

    assert_pending!(sleep.poll());

    let before = Instant::now();
    let dur = Duration::from_micros(51_592);
    time::advance(dur).await;
    assert_eq!(before.elapsed(), dur);

    assert_pending!(sleep.poll());
}

#[zokio::test(start_paused = true)]
async fn exact_1ms_advance() {
    let now = Instant::now();

    let dur = Duration::from_millis(1);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);

    let now = Instant::now();
    let dur = Duration::from_millis(1);
    time::advance(dur).await;

    assert_eq!(now.elapsed(), dur);
}

#[zokio::test(start_paused = true)]
async fn advance_once_with_timer() {
    let mut sleep = task::spawn(time::sleep(Duration::from_millis(1)));
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(250)).await;
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(1500)).await;

    assert!(sleep.is_woken());
    assert_ready!(sleep.poll());
}

#[zokio::test(start_paused = true)]
async fn advance_multi_with_timer() {
    // Round to the nearest ms
    // time::sleep(Duration::from_millis(1)).await;

    let mut sleep = task::spawn(time::sleep(Duration::from_millis(1)));
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(250)).await;
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(250)).await;
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(250)).await;
    assert_pending!(sleep.poll());

    time::advance(Duration::from_micros(250)).await;
    assert!(sleep.is_woken());
    assert_ready!(sleep.poll());
}

fn poll_next(interval: &mut task::Spawn<time::Interval>) -> Poll<Instant> {
    interval.enter(|cx, mut interval| interval.poll_tick(cx))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// Zokio's own tests from here on.

/// Tokio holds a paused clock while a blocking job runs; so does Zokio: the
/// job (1 ms of real time) finishes well inside the 15 s limit, which an
/// auto-advancing clock would otherwise jump to at once.
#[zokio::test(start_paused = true)]
async fn paused_clock_holds_while_a_blocking_job_runs() {
    let start = Instant::now();
    let job = zokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)));
    let result = time::timeout(Duration::from_secs(15), job).await;
    assert!(
        result.is_ok(),
        "the paused clock jumped past a running blocking job"
    );
    assert!(start.elapsed() < Duration::from_secs(15));
}

/// Once the job is done the clock auto-advances again.
#[zokio::test(start_paused = true)]
async fn paused_clock_auto_advances_after_a_blocking_job() {
    zokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)))
        .await
        .unwrap();
    let start = Instant::now();
    let real = std::time::Instant::now();
    time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "the clock did not jump"
    );
}

/// `advance` fires the timers that became due and yields, so the tasks
/// waiting on them have run by the time it returns.
#[zokio::test(start_paused = true)]
async fn advance_runs_the_tasks_it_woke() {
    let sleeper = zokio::spawn(time::sleep(Duration::from_secs(5)));
    zokio::task::yield_now().await; // the sleeper arms its timer
    time::advance(Duration::from_secs(5)).await;
    assert!(sleeper.is_finished());
}

/// Zokio's `pause` and `resume` are idempotent (Tokio's panic when called
/// twice).
#[zokio::test]
async fn pause_and_resume_are_idempotent() {
    time::pause();
    time::pause();
    let t = Instant::now();
    std::thread::sleep(Duration::from_millis(2));
    assert_eq!(Instant::now(), t);
    time::resume();
    time::resume();
    std::thread::sleep(Duration::from_millis(2));
    assert!(Instant::now() > t);
}

#[test]
fn start_paused_is_refused_on_the_multi_thread_runtime() {
    let err = zokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("`current_thread`"), "{err}");
}

#[test]
fn start_paused_needs_timers() {
    let err = zokio::runtime::Builder::new_current_thread()
        .enable_io()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("enable_time"), "{err}");
}

/// A multi-thread runtime assembled from layers refuses pausing too, and
/// refuses a clock that is paused already.
#[test]
fn an_assembled_multi_thread_runtime_refuses_pausing() {
    use zokio::runtime::{Layers, Runtime};
    use zokio_time::TimeDriver;

    let layers_of = |driver: &TimeDriver<zokio_core::ThreadParker>| Layers {
        time: Some(driver.handle()),
        io: None,
    };
    let config = || zokio::runtime::SchedulerConfig {
        worker_threads: 1,
        ..Default::default()
    };

    let driver = TimeDriver::new(zokio_core::ThreadParker::new());
    driver.handle().pause();
    let layers = layers_of(&driver);
    let err = Runtime::multi_thread(driver, layers, config())
        .err()
        .unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);

    let driver = TimeDriver::new(zokio_core::ThreadParker::new());
    let layers = layers_of(&driver);
    let rt = Runtime::multi_thread(driver, layers, config()).unwrap();
    let paused = rt.block_on(async {
        zokio::spawn(async { zokio_time::Handle::current().try_pause() }).await
    });
    let reason = paused.unwrap().unwrap_err();
    assert!(reason.contains("`current_thread`"), "{reason}");
}

/// A named blocking job (spawned through `task::Builder`) holds the paused
/// clock as well.
#[zokio::test(start_paused = true)]
async fn paused_clock_holds_while_a_named_blocking_job_runs() {
    let job = zokio::task::Builder::new()
        .name("slow-job")
        .spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)))
        .unwrap();
    let result = time::timeout(Duration::from_secs(15), job).await;
    assert!(
        result.is_ok(),
        "the paused clock jumped past a running blocking job"
    );
}
