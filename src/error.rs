//! The connector's one error type.
//!
//! Every layer (transport, protocol, actions) fails with [`Error`]. It carries exactly what the
//! WIT `error` record carries, so the export boundary maps it field by field and nothing is lost
//! on the way out. Messages are written for a person and never contain the password: the
//! password only ever exists inside the `Authorization` header the client builds.

use std::fmt;

/// What kind of failure this is; mirrors the WIT `error-kind` enum case for case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Rejected before any request was sent.
    InvalidInput,
    /// Bad login or password, wrong platform, expired or unregistered account.
    AuthFailed,
    /// Authenticated, but the account lacks the role, module or API access.
    PermissionDenied,
    /// The user or asset does not exist (or is out of the account's scope).
    NotFound,
    /// The object's state does not allow the action.
    Conflict,
    /// A Qualys rate or concurrency limit was still in force when the budget ran out.
    RateLimited,
    /// The time budget ran out.
    Timeout,
    /// Connection, TLS or DNS failure, or a request the host refused to send.
    Transport,
    /// A server error, or a Qualys error code this connector does not know.
    Upstream,
    /// The answer could not be understood.
    BadResponse,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::InvalidInput => "invalid-input",
            Self::AuthFailed => "auth-failed",
            Self::PermissionDenied => "permission-denied",
            Self::NotFound => "not-found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate-limited",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
            Self::Upstream => "upstream",
            Self::BadResponse => "bad-response",
        };
        f.write_str(name)
    }
}

/// A failed action: its kind, a one-line message, and what Qualys said when it said anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// One line for a person; never contains the password.
    pub message: String,
    /// The HTTP status of the answer that failed, when there was one.
    pub http_status: Option<u16>,
    /// Qualys's own code ("1965", "INVALID_CREDENTIALS", …).
    pub qualys_code: Option<String>,
    /// Seconds Qualys asked to wait.
    pub retry_after_secs: Option<u32>,
    /// What to do about it, when the connector can tell.
    pub hint: Option<String>,
    /// The host refused to send the request (its policy, not the network, stopped it), so
    /// sending it again cannot help. Internal: the WIT record says it with kind and hint.
    pub(crate) host_refused: bool,
}

impl Error {
    /// An error of `kind` with `message` and nothing else.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            http_status: None,
            qualys_code: None,
            retry_after_secs: None,
            hint: None,
            host_refused: false,
        }
    }

    /// Input rejected before any request was sent.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// An answer that could not be understood.
    pub fn bad_response(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadResponse, message)
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets Qualys's own error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.qualys_code = Some(code.into());
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets how many seconds Qualys asked to wait.
    pub fn with_retry_after(mut self, secs: Option<u32>) -> Self {
        self.retry_after_secs = secs;
        self
    }

    /// Marks the error as the host's refusal to send the request (see
    /// [`transport::host_refused`](crate::transport::host_refused)).
    pub(crate) fn refused_by_host(mut self) -> Self {
        self.host_refused = true;
        self
    }

    /// Whether the host refused to send the request: sending it again cannot help.
    pub fn is_host_refusal(&self) -> bool {
        self.host_refused
    }

    /// Sets the HTTP status when the error does not carry one yet.
    pub fn or_status(mut self, status: u16) -> Self {
        self.http_status.get_or_insert(status);
        self
    }
}

/// The connector's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
