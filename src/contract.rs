//! The records of the WIT contract (`qualys:connector@0.1.0`) as Rust types.
//!
//! Actions take and return these generated types directly, so a field added to the WIT shows
//! up here and nowhere else needs a copy. Errors are the exception: every layer uses
//! [`crate::Error`], and [`to_wit_error`] converts at the export boundary.

pub use crate::bindings::exports::qualys::connector::actions::{
    Agent, AgentPage, AgentQuery, Capability, ConnectionReport, FailedBatch, RateLimit, ScanLaunch,
    ScanRequest, ScanType, UserActivation,
};
pub use crate::bindings::qualys::connector::types::{
    Connection, Error as WitError, ErrorKind as WitErrorKind,
};

use crate::{Error, ErrorKind};

/// The WIT `error` record for `error`.
pub fn to_wit_error(error: Error) -> WitError {
    WitError {
        kind: to_wit_kind(error.kind),
        message: error.message,
        http_status: error.http_status,
        qualys_code: error.qualys_code,
        retry_after_secs: error.retry_after_secs,
        hint: error.hint,
    }
}

fn to_wit_kind(kind: ErrorKind) -> WitErrorKind {
    match kind {
        ErrorKind::InvalidInput => WitErrorKind::InvalidInput,
        ErrorKind::AuthFailed => WitErrorKind::AuthFailed,
        ErrorKind::PermissionDenied => WitErrorKind::PermissionDenied,
        ErrorKind::NotFound => WitErrorKind::NotFound,
        ErrorKind::Conflict => WitErrorKind::Conflict,
        ErrorKind::RateLimited => WitErrorKind::RateLimited,
        ErrorKind::Timeout => WitErrorKind::Timeout,
        ErrorKind::Transport => WitErrorKind::Transport,
        ErrorKind::Upstream => WitErrorKind::Upstream,
        ErrorKind::BadResponse => WitErrorKind::BadResponse,
    }
}
