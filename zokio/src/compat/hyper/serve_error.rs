//! What the server reports when it recovers from a failure: the error its
//! hook is given, and the default hook.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use super::make_service::BoxError;

/// A connection, accept or make-service failure the server recovered from,
/// as given to the hook set with [`Server::on_error`](super::Server::on_error).
#[derive(Debug)]
pub struct ServeError {
    pub(super) remote_addr: Option<SocketAddr>,
    pub(super) stage: Stage,
    pub(super) error: BoxError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Accept,
    MakeService,
    Connection,
}

impl ServeError {
    /// The peer, unless the failure was in `accept` itself.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// Whether `accept(2)` failed (the loop pauses and retries).
    pub fn is_accept(&self) -> bool {
        self.stage == Stage::Accept
    }

    /// Whether the peer went away mid-message (a client closing a
    /// keep-alive connection while sending): routine for a public server,
    /// so the default hook does not print it.
    pub fn is_incomplete_message(&self) -> bool {
        self.error
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    }
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.stage, self.remote_addr) {
            (Stage::Accept, _) => write!(f, "accept failed: {}", self.error),
            (Stage::MakeService, Some(a)) => {
                write!(f, "making the service for {a} failed: {}", self.error)
            }
            (_, Some(a)) => write!(f, "connection from {a}: {}", self.error),
            (_, None) => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

pub(super) type ErrorHook = Arc<dyn Fn(&ServeError) + Send + Sync>;

pub(super) fn print_error(e: &ServeError) {
    if !e.is_incomplete_message() {
        eprintln!("zokio::compat::hyper::serve: {e}");
    }
}
