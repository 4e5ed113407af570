//! The harness's one error type.

use crate::{ActionError, ErrorKind};

/// Why a call of the component did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The action ran and returned the WIT `error` record.
    #[error("{}: {}", kind_name(.0), .0.message)]
    Action(ActionError),
    /// The call ran past its deadline (the action's timeout plus the grace period) and was
    /// stopped by the harness.
    #[error("the component did not finish within {seconds:.1} s and was stopped")]
    DeadlineExceeded {
        /// The deadline that passed, in seconds.
        seconds: f64,
    },
    /// The guest tried to grow its memory past the limit and was stopped.
    #[error("the component exceeded its memory limit of {limit_bytes} bytes and was stopped")]
    MemoryLimit {
        /// The limit in bytes.
        limit_bytes: usize,
    },
    /// The guest trapped (a bug in the component, never an expected outcome).
    #[error("the component trapped: {0}")]
    Trap(String),
    /// The component could not be read, compiled or linked (pre-instantiated) when it was
    /// loaded. An instance that fails at call time is a [`Trap`](Self::Trap).
    #[error("could not load the component: {0}")]
    Load(String),
    /// The harness was configured wrongly (a bad route, say).
    #[error("harness configuration: {0}")]
    Config(String),
    /// The call found its runtime's instance pool full (see
    /// [`PoolingLimits`](crate::runtime::PoolingLimits)) and did not run: nothing was sent, and
    /// the same call may be made again once a running call has ended.
    #[error("the runtime's instance pool is full, the action did not run: {0}")]
    PoolFull(String),
}

impl ConnectorError {
    /// The action's error record, when the action itself failed.
    pub fn action(&self) -> Option<&ActionError> {
        match self {
            Self::Action(error) => Some(error),
            _ => None,
        }
    }
}

/// The WIT name of an action error's kind, e.g. `auth-failed`.
pub fn kind_name(error: &ActionError) -> &'static str {
    error_kind_name(error.kind)
}

/// The WIT name of an error kind, e.g. `auth-failed`: the host side's one table of them.
pub fn error_kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::AuthFailed => "auth-failed",
        ErrorKind::PermissionDenied => "permission-denied",
        ErrorKind::NotFound => "not-found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::RateLimited => "rate-limited",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Transport => "transport",
        ErrorKind::Upstream => "upstream",
        ErrorKind::BadResponse => "bad-response",
    }
}
