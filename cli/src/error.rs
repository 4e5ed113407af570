//! Why a command failed, and the exit code of each failure.

use host_harness::{ActionError, ConnectorError, ErrorKind};

/// Exit code of a success.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit code of a failure that fits no other class (Qualys errors, bad answers, harness faults).
pub const EXIT_OTHER: u8 = 1;
/// Exit code of invalid input: arguments, ids or a password that could not be read.
pub const EXIT_INVALID_INPUT: u8 = 2;
/// Exit code of a refused login or a missing permission.
pub const EXIT_AUTH: u8 = 3;
/// Exit code of a Qualys rate or concurrency limit still in force.
pub const EXIT_RATE_LIMITED: u8 = 4;
/// Exit code of a timeout or a connection failure.
pub const EXIT_TIMEOUT_OR_TRANSPORT: u8 = 5;
/// Exit code of a batch of logins where some succeeded and some did not.
pub const EXIT_SOME_LOGINS_FAILED: u8 = 6;
/// Exit code of a batch of logins where none succeeded.
pub const EXIT_ALL_LOGINS_FAILED: u8 = 7;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The component (or the harness running it) failed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The command line or stdin is wrong; nothing was sent.
    #[error("{message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// `launch-scan` printed its result, but one batch failed (the result holds its error).
    #[error("a batch of {ids} asset ids failed: {}", .error.message)]
    BatchFailed {
        /// How many ids the failed batch held.
        ids: usize,
        /// The batch's error.
        error: ActionError,
    },
    /// A batch of logins printed its results, but some logins failed (each line says why).
    #[error("{action}: {failed} of {total} logins failed")]
    LoginsFailed {
        /// The batch action (`activate-users`, `deactivate-users`).
        action: &'static str,
        /// How many logins failed.
        failed: usize,
        /// How many logins the batch returned.
        total: usize,
    },
    /// stdout or stdin could not be used (a closed pipe ends the command quietly).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// Invalid input with a hint.
    pub fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The component's error record, when the failure is one.
    pub fn action(&self) -> Option<&ActionError> {
        match self {
            Self::Connector(error) => error.action(),
            Self::BatchFailed { error, .. } => Some(error),
            Self::InvalidInput { .. } | Self::LoginsFailed { .. } | Self::Io(_) => None,
        }
    }

    /// True when stdout was closed by its reader (`| head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Io(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        if let Some(action) = self.action() {
            return exit_code_of_kind(action.kind);
        }
        match self {
            Self::InvalidInput { .. } => EXIT_INVALID_INPUT,
            Self::LoginsFailed { failed, total, .. } if failed < total => EXIT_SOME_LOGINS_FAILED,
            Self::LoginsFailed { .. } => EXIT_ALL_LOGINS_FAILED,
            Self::Connector(ConnectorError::DeadlineExceeded { .. }) => EXIT_TIMEOUT_OR_TRANSPORT,
            Self::Io(_) if self.is_broken_pipe() => EXIT_SUCCESS,
            _ => EXIT_OTHER,
        }
    }

    /// The `kind` of the JSON error: the WIT error kind, else a name for the harness failure.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Connector(ConnectorError::Action(error)) | Self::BatchFailed { error, .. } => {
                host_harness::kind_name(error)
            }
            Self::Connector(ConnectorError::DeadlineExceeded { .. }) => "deadline-exceeded",
            Self::Connector(ConnectorError::MemoryLimit { .. }) => "memory-limit",
            Self::Connector(ConnectorError::Trap(_)) => "trap",
            Self::Connector(ConnectorError::Load(_)) => "load",
            Self::Connector(ConnectorError::Config(_)) => "harness",
            Self::Connector(ConnectorError::PoolFull(_)) => "pool-full",
            Self::InvalidInput { .. } => host_harness::error_kind_name(ErrorKind::InvalidInput),
            Self::LoginsFailed { .. } => "logins-failed",
            Self::Io(_) => "io",
        }
    }

    /// What to do about a failure that is not the component's error record.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::InvalidInput { hint, .. } => hint.as_deref(),
            Self::Connector(ConnectorError::Load(_)) => Some(
                "build the component with `cargo xtask build`, or point --component \
                 (QUALYS_CONNECTOR_WASM) at it",
            ),
            Self::Connector(ConnectorError::DeadlineExceeded { .. }) => {
                Some("give the action more time with --timeout")
            }
            _ => self.action().and_then(|action| action.hint.as_deref()),
        }
    }
}

/// The exit code of a component error kind.
pub fn exit_code_of_kind(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput => EXIT_INVALID_INPUT,
        ErrorKind::AuthFailed | ErrorKind::PermissionDenied => EXIT_AUTH,
        ErrorKind::RateLimited => EXIT_RATE_LIMITED,
        ErrorKind::Timeout | ErrorKind::Transport => EXIT_TIMEOUT_OR_TRANSPORT,
        ErrorKind::NotFound
        | ErrorKind::Conflict
        | ErrorKind::Upstream
        | ErrorKind::BadResponse => EXIT_OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(kind: ErrorKind) -> CliError {
        CliError::Connector(ConnectorError::Action(ActionError {
            kind,
            message: String::new(),
            http_status: None,
            qualys_code: None,
            retry_after_secs: None,
            hint: None,
        }))
    }

    #[test]
    fn every_error_kind_has_its_documented_exit_code() {
        let expected = [
            (ErrorKind::InvalidInput, 2),
            (ErrorKind::AuthFailed, 3),
            (ErrorKind::PermissionDenied, 3),
            (ErrorKind::RateLimited, 4),
            (ErrorKind::Timeout, 5),
            (ErrorKind::Transport, 5),
            (ErrorKind::NotFound, 1),
            (ErrorKind::Conflict, 1),
            (ErrorKind::Upstream, 1),
            (ErrorKind::BadResponse, 1),
        ];
        for (kind, code) in expected {
            assert_eq!(action(kind).exit_code(), code, "{kind:?}");
        }
    }

    #[test]
    fn a_component_stopped_at_its_deadline_exits_5() {
        let error = CliError::Connector(ConnectorError::DeadlineExceeded { seconds: 3.0 });
        assert_eq!(error.exit_code(), EXIT_TIMEOUT_OR_TRANSPORT);
        assert_eq!(error.kind_name(), "deadline-exceeded");
    }

    #[test]
    fn harness_failures_exit_1() {
        for error in [
            ConnectorError::Trap("unreachable".into()),
            ConnectorError::Load("missing".into()),
            ConnectorError::MemoryLimit { limit_bytes: 1 },
            ConnectorError::Config("route".into()),
        ] {
            assert_eq!(CliError::Connector(error).exit_code(), EXIT_OTHER);
        }
    }

    #[test]
    fn a_batch_of_logins_exits_6_when_some_failed_and_7_when_all_did() {
        let failed = |failed, total| CliError::LoginsFailed {
            action: "activate-users",
            failed,
            total,
        };
        assert_eq!(failed(1, 3).exit_code(), EXIT_SOME_LOGINS_FAILED);
        assert_eq!(failed(3, 3).exit_code(), EXIT_ALL_LOGINS_FAILED);
        assert_eq!(EXIT_SOME_LOGINS_FAILED, 6);
        assert_eq!(EXIT_ALL_LOGINS_FAILED, 7);
    }

    #[test]
    fn a_closed_stdout_ends_the_command_quietly_with_0() {
        let error = CliError::Io(std::io::ErrorKind::BrokenPipe.into());
        assert!(error.is_broken_pipe());
        assert_eq!(error.exit_code(), EXIT_SUCCESS);
    }
}
