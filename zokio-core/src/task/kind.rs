//! The kind of a task, as Tokio names it in its instrumentation.

/// Which of Tokio's task kinds a task is, as tokio-console shows it.
///
/// Recorded by [`Builder::kind`](super::Builder::kind); it matters only
/// under the `tracing` feature.
///
/// ```
/// use zokio_core::task::{Builder, TaskKind};
///
/// let (runnable, handle) = Builder::new().kind(TaskKind::Local).spawn(async {}, |_, _| {});
/// runnable.run();
/// assert!(handle.is_finished());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TaskKind {
    /// A future on a scheduler (`spawn`).
    #[default]
    Task,
    /// A blocking function on the blocking pool (`spawn_blocking`).
    Blocking,
    /// A `!Send` future on a `LocalSet` (`spawn_local`).
    Local,
}

impl TaskKind {
    /// The name Tokio gives the kind in its spawn span.
    ///
    /// ```
    /// assert_eq!(zokio_core::task::TaskKind::Blocking.as_str(), "blocking");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Blocking => "blocking",
            TaskKind::Local => "local",
        }
    }
}
