//! The records of the WIT contract (`qualys:connector@0.2.0`) as Rust types.
//!
//! Actions take and return these generated types directly, so a field added to the WIT shows
//! up here and nowhere else needs a copy. Errors are the exception: every layer uses
//! [`crate::Error`], and [`to_wit_error`] converts at the export boundary; so does
//! [`to_wit_scan_launch`] and [`to_wit_user_results`], for the errors a `launch-scan` or batch
//! result can hold.

pub use crate::bindings::exports::qualys::connector::actions::{
    Agent, AgentPage, AgentQuery, Capability, ConnectionReport, FailedBatch, RateLimit, ScanLaunch,
    ScanRequest, ScanType, UserResult, UserStatusChange,
};
pub use crate::bindings::exports::qualys::connector::types::{
    Connection, Error as WitError, ErrorKind as WitErrorKind,
};

use crate::actions::{ScanOutcome, UserOutcome};
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

/// The WIT `scan-launch` record for `outcome`, the failed batch's error converted.
pub fn to_wit_scan_launch(outcome: ScanOutcome) -> ScanLaunch {
    ScanLaunch {
        scan_type: outcome.scan_type.to_owned(),
        launched: outcome.launched,
        not_launched: outcome.not_launched,
        accepted_unconfirmed: outcome.accepted_unconfirmed,
        failed_batch: outcome.failed_batch.map(|failed| FailedBatch {
            asset_ids: failed.asset_ids,
            error: to_wit_error(failed.error),
        }),
        not_sent: outcome.not_sent,
    }
}

/// The WIT `user-result` list of a batch, each login's error converted.
pub fn to_wit_user_results(outcomes: Vec<UserOutcome>) -> Vec<UserResult> {
    outcomes
        .into_iter()
        .map(|(login, outcome)| UserResult {
            login,
            outcome: outcome.map_err(to_wit_error),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::BatchFailure;

    #[test]
    fn a_scan_outcome_keeps_every_id_and_converts_the_failed_batch_error() {
        let outcome = ScanOutcome {
            scan_type: "UDC_Scan",
            launched: vec![1, 2],
            not_launched: vec![3],
            accepted_unconfirmed: vec![7],
            failed_batch: Some(BatchFailure {
                asset_ids: vec![4, 5],
                error: Error::new(ErrorKind::Timeout, "late").with_hint("retry later"),
            }),
            not_sent: vec![6],
        };
        let launch = to_wit_scan_launch(outcome);
        assert_eq!(launch.scan_type, "UDC_Scan");
        assert_eq!(
            (launch.launched, launch.not_launched),
            (vec![1, 2], vec![3])
        );
        assert_eq!(launch.accepted_unconfirmed, [7]);
        assert_eq!(launch.not_sent, [6]);
        let failed = launch.failed_batch.unwrap();
        assert_eq!(failed.asset_ids, [4, 5]);
        assert_eq!(failed.error.kind, WitErrorKind::Timeout);
        assert_eq!(failed.error.message, "late");
        assert_eq!(failed.error.hint.as_deref(), Some("retry later"));
    }
}
