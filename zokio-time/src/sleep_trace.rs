//! The `tracing` feature's view of a [`Sleep`](crate::Sleep): the resource
//! spans Tokio gives its `Sleep` under `tokio_unstable` + `tracing`, which
//! tokio-console lists as a timer with its spawn location and duration.
//!
//! - `runtime.resource` (no parent), `concrete_type = "Sleep"`,
//!   `kind = "timer"`, `loc.file`/`loc.line`/`loc.col` of the `sleep` call;
//! - inside it `runtime.resource.async_op` (`source = "Sleep::new_timeout"`)
//!   and its `runtime.resource.async_op.poll`, all three entered for a poll;
//! - a `runtime::resource::state_update` event with the duration in
//!   milliseconds when the sleep is made or reset, and a
//!   `runtime::resource::poll_op` event (`op_name = "poll_elapsed"`,
//!   `is_ready`) after each poll, inside the task that polls it.

use std::panic::Location;
use std::task::Poll;
use std::time::Duration;

/// The spans of one `Sleep`.
#[derive(Clone)]
pub(crate) struct SleepTrace {
    resource: tracing::Span,
    async_op: tracing::Span,
    poll: tracing::Span,
}

impl SleepTrace {
    /// The spans of a sleep of `duration` made by the caller.
    #[track_caller]
    pub(crate) fn new(duration: Duration) -> SleepTrace {
        let location = Location::caller();
        let resource = tracing::trace_span!(
            parent: None,
            "runtime.resource",
            concrete_type = "Sleep",
            kind = "timer",
            loc.file = location.file(),
            loc.line = location.line(),
            loc.col = location.column(),
        );
        let async_op = tracing::trace_span!(
            parent: &resource,
            "runtime.resource.async_op",
            source = "Sleep::new_timeout",
        );
        let poll = tracing::trace_span!(parent: &async_op, "runtime.resource.async_op.poll");
        let trace = SleepTrace {
            resource,
            async_op,
            poll,
        };
        trace.duration(duration);
        trace
    }

    /// Tells the console the sleep's (new) duration.
    pub(crate) fn duration(&self, duration: Duration) {
        self.resource.in_scope(|| {
            tracing::trace!(
                target: "runtime::resource::state_update",
                duration = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                duration.unit = "ms",
                duration.op = "override",
            );
        });
    }

    /// Runs one poll of the sleep inside its spans, and reports the result.
    #[inline]
    pub(crate) fn poll(&self, poll: impl FnOnce() -> Poll<()>) -> Poll<()> {
        let _resource = self.resource.enter();
        let _async_op = self.async_op.enter();
        let _poll = self.poll.enter();
        let result = poll();
        tracing::trace!(
            target: "runtime::resource::poll_op",
            op_name = "poll_elapsed",
            is_ready = result.is_ready(),
        );
        result
    }
}
