//! `launch-scan`: on-demand Cloud Agent scans, in batches.
//!
//! 1. The ids are validated before anything is sent ([`input::distinct_asset_ids`]): 1 to
//!    [`MAX_ASSET_IDS`](input::MAX_ASSET_IDS) distinct ids, none 0. Duplicates are dropped,
//!    the first occurrence keeping its place.
//! 2. The ids go to Qualys's bulk launch in batches of [`scans::MAX_IDS_PER_CALL`], one write per
//!    batch, never retried (except when Qualys said it did not run it: 409 with 1960 or 1965).
//! 3. Each id sent is `launched` (Qualys listed it), `not-launched` (Qualys listed others), or
//!    `accepted-unconfirmed` (Qualys answered SUCCESS without a list it could be read from:
//!    the batch was accepted, never an error a caller would retry).
//! 4. A failure of the first batch is the action's error: nothing else was sent. A failure of a
//!    later batch ends the action with success, so what earlier batches launched is never lost:
//!    the failed batch's ids and error are in `failed-batch`, the ids of the batches after it,
//!    never sent, in `not-sent`.

use super::input;
use crate::contract::{Connection, ScanRequest, ScanType};
use crate::qualys::client::QualysClient;
use crate::qualys::scans::{self, LaunchAnswer, ScanKind};
use crate::transport::Transport;
use crate::{Error, Result};

/// What `launch-scan` did; the export boundary turns it into the WIT `scan-launch`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Qualys's name of the scan type, e.g. `Vulnerability_Scan`.
    pub scan_type: &'static str,
    /// Ids Qualys accepted, in the order asked.
    pub launched: Vec<u64>,
    /// Ids sent that Qualys did not accept, in the order asked.
    pub not_launched: Vec<u64>,
    /// Ids of batches Qualys accepted without listing which ids it took, in the order asked.
    pub accepted_unconfirmed: Vec<u64>,
    /// The batch after the first that failed, with its error.
    pub failed_batch: Option<BatchFailure>,
    /// Ids of the batches after the failed one, never sent.
    pub not_sent: Vec<u64>,
}

/// A batch whose launch failed after an earlier batch was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFailure {
    /// The ids of the batch.
    pub asset_ids: Vec<u64>,
    /// Why it failed.
    pub error: Error,
}

/// Runs `launch-scan` for `request`.
pub fn launch_scan<T: Transport>(
    transport: T,
    conn: &Connection,
    request: &ScanRequest,
) -> Result<ScanOutcome> {
    let asset_ids = input::distinct_asset_ids(&request.asset_ids)?;
    let scan_type = scans::scan_name(scan_kind(request.scan_type.unwrap_or(ScanType::Inventory)));
    let mut client = super::open_client(transport, conn)?;
    let mut outcome = ScanOutcome {
        scan_type,
        ..ScanOutcome::default()
    };
    let override_cpu = request.override_cpu_throttle;
    for (index, batch) in asset_ids.chunks(scans::MAX_IDS_PER_CALL).enumerate() {
        match launch_batch(&mut client, scan_type, override_cpu, batch) {
            Ok(accepted) => outcome.record(batch, accepted),
            Err(error) if index == 0 => return Err(error),
            Err(error) => {
                let sent = (index + 1) * scans::MAX_IDS_PER_CALL;
                outcome.not_sent = asset_ids.iter().skip(sent).copied().collect();
                outcome.failed_batch = Some(BatchFailure {
                    asset_ids: batch.to_vec(),
                    error,
                });
                return Ok(outcome);
            }
        }
    }
    Ok(outcome)
}

impl ScanOutcome {
    /// Sorts the ids of `batch` into launched, not launched or unconfirmed.
    fn record(&mut self, batch: &[u64], answer: LaunchAnswer) {
        let LaunchAnswer::Listed(mut accepted) = answer else {
            self.accepted_unconfirmed.extend_from_slice(batch);
            return;
        };
        accepted.sort_unstable();
        for id in batch {
            match accepted.binary_search(id) {
                Ok(_) => self.launched.push(*id),
                Err(_) => self.not_launched.push(*id),
            }
        }
    }
}

/// The protocol's kind of the WIT scan type.
fn scan_kind(scan_type: ScanType) -> ScanKind {
    match scan_type {
        ScanType::Inventory => ScanKind::Inventory,
        ScanType::Vulnerability => ScanKind::Vulnerability,
        ScanType::PolicyCompliance => ScanKind::PolicyCompliance,
        ScanType::Udc => ScanKind::Udc,
        ScanType::Sca => ScanKind::Sca,
        ScanType::Swca => ScanKind::Swca,
    }
}

/// Launches one batch; what Qualys said it accepted.
fn launch_batch<T: Transport>(
    client: &mut QualysClient<T>,
    scan_type: &'static str,
    override_cpu: bool,
    batch: &[u64],
) -> Result<LaunchAnswer> {
    let response = client.send(&scans::launch_request(scan_type, override_cpu, batch)?)?;
    scans::parse_launched(&response.body).map_err(|error| error.or_status(response.status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::transport::scripted::{self, Scripted, ok};
    use crate::transport::{HttpRequest, HttpResponse};

    fn conn() -> Connection {
        scripted::connection()
    }

    fn request(asset_ids: Vec<u64>) -> ScanRequest {
        ScanRequest {
            asset_ids,
            scan_type: None,
            override_cpu_throttle: false,
        }
    }

    fn accepted(ids: &[u64]) -> Result<HttpResponse> {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        ok(format!(
            "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
             <SingleModuleResponse><assetIds>[{}]</assetIds><count>{}</count>\
             </SingleModuleResponse></data></ServiceResponse>",
            ids.join(","),
            ids.len()
        ))
    }

    fn server_error() -> Result<HttpResponse> {
        Ok(HttpResponse {
            status: 503,
            headers: Vec::new(),
            body: b"<html><body>Service Unavailable</body></html>".to_vec(),
        })
    }

    /// The ids of the `id IN` criterion of a sent launch.
    fn ids_sent(request: &HttpRequest) -> Vec<u64> {
        let body = String::from_utf8(request.body.clone()).unwrap();
        let list = body
            .split("operator=\"IN\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap();
        list.split(',').map(|id| id.parse().unwrap()).collect()
    }

    fn run(script: &mut Scripted, request: &ScanRequest) -> Result<ScanOutcome> {
        launch_scan(script, &conn(), request)
    }

    #[test]
    fn empty_zero_or_too_many_ids_are_rejected_before_any_request() {
        let too_many: Vec<u64> = (1..=input::MAX_ASSET_IDS as u64 + 1).collect();
        let mut script = Scripted::new(vec![]);
        for ids in [vec![], vec![5, 0, 7], too_many] {
            let error = run(&mut script, &request(ids)).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
            assert!(error.message.contains("asset-ids"), "{}", error.message);
        }
        assert!(script.sent.is_empty());
    }

    #[test]
    fn every_scan_type_has_its_exact_qualys_name() {
        let names = [
            (ScanType::Inventory, "Inventory_Scan"),
            (ScanType::Vulnerability, "Vulnerability_Scan"),
            (ScanType::PolicyCompliance, "PolicyCompliance_Scan"),
            (ScanType::Udc, "UDC_Scan"),
            (ScanType::Sca, "SCA_Scan"),
            (ScanType::Swca, "SWCA_scan"),
        ];
        for (scan_type, name) in names {
            assert_eq!(scans::scan_name(scan_kind(scan_type)), name);
        }
    }

    #[test]
    fn the_default_is_an_inventory_scan_without_cpu_override() {
        let mut script = Scripted::new(vec![accepted(&[4])]);
        let outcome = run(&mut script, &request(vec![4])).unwrap();
        assert_eq!(outcome.scan_type, "Inventory_Scan");
        assert_eq!(
            script.sent[0].path_and_query,
            "/qps/rest/1.0/ods/ca/agentasset?scan=Inventory_Scan&overrideConfigCpu=false"
        );
    }

    #[test]
    fn the_scan_type_and_cpu_override_reach_the_query() {
        let mut script = Scripted::new(vec![accepted(&[4])]);
        let scan = ScanRequest {
            asset_ids: vec![4],
            scan_type: Some(ScanType::Swca),
            override_cpu_throttle: true,
        };
        let outcome = run(&mut script, &scan).unwrap();
        assert_eq!(outcome.scan_type, "SWCA_scan");
        assert!(
            script.sent[0]
                .path_and_query
                .ends_with("?scan=SWCA_scan&overrideConfigCpu=true")
        );
    }

    #[test]
    fn ids_not_returned_are_not_launched_and_both_keep_the_order_asked() {
        let mut script = Scripted::new(vec![accepted(&[1, 5, 8])]);
        let outcome = run(&mut script, &request(vec![8, 3, 5, 3, 1, 2])).unwrap();
        assert_eq!(ids_sent(&script.sent[0]), [8, 3, 5, 1, 2]);
        assert_eq!(outcome.launched, [8, 5, 1]);
        assert_eq!(outcome.not_launched, [3, 2]);
        assert_eq!(outcome.failed_batch, None);
        assert!(outcome.not_sent.is_empty());
    }

    #[test]
    fn ids_go_out_in_batches_of_at_most_a_thousand() {
        let ids: Vec<u64> = (1..=2_500).collect();
        let mut script = Scripted::new(vec![
            accepted(&ids[..1000]),
            accepted(&ids[1000..2000]),
            accepted(&ids[2000..2499]),
        ]);
        let outcome = run(&mut script, &request(ids.clone())).unwrap();
        let batches: Vec<Vec<u64>> = script.sent.iter().map(ids_sent).collect();
        assert_eq!(batches, [&ids[..1000], &ids[1000..2000], &ids[2000..]]);
        assert_eq!(outcome.launched, &ids[..2499]);
        assert_eq!(outcome.not_launched, [2_500]);
    }

    #[test]
    fn a_failure_of_the_first_batch_is_the_error_and_nothing_more_is_sent() {
        let ids: Vec<u64> = (1..=1_500).collect();
        let mut script = Scripted::new(vec![server_error(), accepted(&ids[1000..])]);
        let error = run(&mut script, &request(ids)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.http_status, Some(503));
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn a_failure_of_a_later_batch_keeps_what_launched_and_names_the_failed_and_unsent_ids() {
        let ids: Vec<u64> = (1..=2_500).collect();
        let mut script = Scripted::new(vec![
            accepted(&ids[..1000]),
            server_error(),
            accepted(&ids[2000..]),
        ]);
        let outcome = run(&mut script, &request(ids.clone())).unwrap();
        assert_eq!(
            script.sent.len(),
            2,
            "the write is not retried, the last batch not sent"
        );
        assert_eq!(outcome.launched, &ids[..1000]);
        assert!(outcome.not_launched.is_empty());
        let failed = outcome.failed_batch.unwrap();
        assert_eq!(failed.asset_ids, &ids[1000..2000]);
        assert_eq!(failed.error.kind, ErrorKind::Upstream);
        assert_eq!(failed.error.http_status, Some(503));
        assert_eq!(outcome.not_sent, &ids[2000..]);
    }

    #[test]
    fn a_connection_failure_of_the_last_batch_leaves_nothing_unsent() {
        let ids: Vec<u64> = (1..=1_200).collect();
        let mut script = Scripted::new(vec![accepted(&ids[..1000])]);
        let outcome = run(&mut script, &request(ids.clone())).unwrap();
        let failed = outcome.failed_batch.unwrap();
        assert_eq!(failed.error.kind, ErrorKind::Transport);
        assert_eq!(failed.asset_ids, &ids[1000..]);
        assert!(outcome.not_sent.is_empty());
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_success_that_lists_no_ids_is_accepted_unconfirmed_not_an_error() {
        let unlisted = || {
            ok(
                "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
                <SingleModuleResponse><count>1000</count></SingleModuleResponse></data>\
                </ServiceResponse>",
            )
        };
        let ids: Vec<u64> = (1..=1500).collect();
        let mut script = Scripted::new(vec![unlisted(), accepted(&[1001, 1002])]);
        let outcome = run(&mut script, &request(ids.clone())).unwrap();
        assert_eq!(outcome.accepted_unconfirmed, ids[..1000]);
        assert_eq!(outcome.launched, [1001, 1002]);
        assert_eq!(outcome.not_launched, ids[1002..]);
        assert_eq!(script.sent.len(), 2, "each batch sent once");
    }

    #[test]
    fn a_malformed_answer_is_a_bad_response_with_its_status() {
        let mut script = Scripted::new(vec![ok("<ServiceResponse><responseCode>SUCCESS\
             </responseCode><data><SingleModuleResponse><assetIds>[1]")]);
        let error = run(&mut script, &request(vec![1])).unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadResponse);
        assert_eq!(error.http_status, Some(200));
    }
}
