//! On-demand Cloud Agent scans (`/qps/rest/1.0/ods/ca/agentasset`): the bulk launch and its answer.
//!
//! One call launches one scan type on the Cloud Agent assets whose ids are in an `id IN` filter,
//! at most [`MAX_IDS_PER_CALL`] of them:
//!
//! ```text
//! POST /qps/rest/1.0/ods/ca/agentasset?scan=Vulnerability_Scan&overrideConfigCpu=false
//! <ServiceRequest><filters>
//!   <Criteria field="tagName" operator="EQUALS">Cloud Agent</Criteria>
//!   <Criteria field="id" operator="IN">1,2,3</Criteria>
//! </filters></ServiceRequest>
//! ```
//!
//! Qualys answers `responseCode` SUCCESS with the ids it accepted in
//! `data/SingleModuleResponse/assetIds`; an id asked for and not listed was not scanned. The
//! one shape known from working clients is the JSON form, where `assetIds` is a string such as
//! `"[1,2]"`; every XML client found only checks `responseCode`, so the XML shape of the ids is
//! unverified (`docs/fidelity.md`). The request stays XML, like every other call, so every
//! failure family [`errors::check`](super::errors::check) knows still applies; asking for JSON
//! would trade that for an error shape no recording shows. [`parse_launched`] reads every
//! number inside `assetIds`, whether as text `[1,2]` or as child elements
//! (`<list><long>1</long>…</list>`).
//!
//! A SUCCESS is never turned into an error: an answer that lists no `assetIds`, or lists them
//! in a form this parser cannot read, is [`LaunchAnswer::Unlisted`]: the batch was accepted and
//! scans were launched, but which ids Qualys took is not confirmed. Sending those ids again
//! would launch the scans twice.

use super::client::{ApiRequest, Effect};
use super::service_request::{Criterion, Operator, XML_CONTENT_TYPE, service_request};
use super::xml::{self, Flow, Node};
use crate::Result;

/// Path of the bulk launch endpoint.
pub const LAUNCH_PATH: &str = "/qps/rest/1.0/ods/ca/agentasset";

/// Most asset ids in one launch call, as working integrations send them.
pub const MAX_IDS_PER_CALL: usize = 1000;

/// The kinds of on-demand Cloud Agent scan the launch endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    /// `Inventory_Scan`.
    Inventory,
    /// `Vulnerability_Scan`.
    Vulnerability,
    /// `PolicyCompliance_Scan`.
    PolicyCompliance,
    /// `UDC_Scan`: user-defined controls.
    Udc,
    /// `SCA_Scan`: security configuration assessment.
    Sca,
    /// `SWCA_scan`: software composition analysis.
    Swca,
}

/// The `scan` parameter of a scan kind: Qualys's exact name (note `SWCA_scan`).
pub fn scan_name(kind: ScanKind) -> &'static str {
    match kind {
        ScanKind::Inventory => "Inventory_Scan",
        ScanKind::Vulnerability => "Vulnerability_Scan",
        ScanKind::PolicyCompliance => "PolicyCompliance_Scan",
        ScanKind::Udc => "UDC_Scan",
        ScanKind::Sca => "SCA_Scan",
        ScanKind::Swca => "SWCA_scan",
    }
}

/// The launch of `scan_name` on the Cloud Agent assets among `asset_ids`; a write.
pub fn launch_request(
    scan_name: &'static str,
    override_cpu: bool,
    asset_ids: &[u64],
) -> Result<ApiRequest> {
    let mut ids = String::new();
    for id in asset_ids {
        if !ids.is_empty() {
            ids.push(',');
        }
        ids.push_str(&id.to_string());
    }
    let criteria = [
        Criterion::cloud_agent_tag(),
        Criterion::new("id", Operator::In, ids),
    ];
    let body = service_request(None, &criteria)?;
    Ok(
        ApiRequest::post(LAUNCH_PATH, XML_CONTENT_TYPE, body, Effect::Write)
            .with_query("scan", scan_name)
            .with_query("overrideConfigCpu", override_cpu.to_string()),
    )
}

/// What a successful launch answer says of the ids of its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchAnswer {
    /// The ids Qualys listed as accepted, in the answer's order.
    Listed(Vec<u64>),
    /// Qualys accepted the batch without listing ids this parser can read.
    Unlisted,
}

/// What a launch answer (already checked to be a SUCCESS) says Qualys accepted.
pub fn parse_launched(body: &[u8]) -> Result<LaunchAnswer> {
    let mut ids = Vec::new();
    let mut listed = false;
    let mut readable = true;
    xml::walk(body, |node| {
        match node {
            Node::Open { path, .. } if within_asset_ids(path) => listed = true,
            Node::Text { path, text } if within_asset_ids(path) => {
                readable &= read_ids(&text, &mut ids);
            }
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    Ok(if listed && readable {
        LaunchAnswer::Listed(ids)
    } else {
        LaunchAnswer::Unlisted
    })
}

/// `ServiceResponse/data/…/assetIds` or anything inside it.
fn within_asset_ids(path: &[String]) -> bool {
    path.get(1).is_some_and(|name| name == "data") && path.iter().any(|name| name == "assetIds")
}

/// Appends the ids of `text` (`[1,2]`, `1, 2`, `"[1]"` or a single `1`); false when a token
/// is not an id.
fn read_ids(text: &str, ids: &mut Vec<u64>) -> bool {
    let separator = |c: char| matches!(c, '[' | ']' | ',' | '"') || c.is_whitespace();
    for token in text.split(separator).filter(|token| !token.is_empty()) {
        match token.parse() {
            Ok(id) => ids.push(id),
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Method;

    fn answer(data: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceResponse xmlns:xsi=\
             \"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\
             \"https://qualysapi.qualys.com/qps/xsd/1.0/ca/agentasset.xsd\"><responseCode>SUCCESS\
             </responseCode><count>1</count><data>{data}</data></ServiceResponse>\n<!-- c -->"
        )
    }

    #[test]
    fn every_scan_kind_has_its_exact_qualys_name() {
        let names = [
            (ScanKind::Inventory, "Inventory_Scan"),
            (ScanKind::Vulnerability, "Vulnerability_Scan"),
            (ScanKind::PolicyCompliance, "PolicyCompliance_Scan"),
            (ScanKind::Udc, "UDC_Scan"),
            (ScanKind::Sca, "SCA_Scan"),
            (ScanKind::Swca, "SWCA_scan"),
        ];
        for (kind, name) in names {
            assert_eq!(scan_name(kind), name);
        }
    }

    #[test]
    fn the_launch_is_a_write_with_the_tag_and_id_filters() {
        let request = launch_request("SWCA_scan", true, &[3, 1, 2]).unwrap();
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.effect, Effect::Write);
        assert_eq!(
            request.path_and_query(),
            "/qps/rest/1.0/ods/ca/agentasset?scan=SWCA_scan&overrideConfigCpu=true"
        );
        let (content_type, body) = request.body.unwrap();
        assert_eq!(content_type, "text/xml");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "<ServiceRequest><filters><Criteria field=\"tagName\" operator=\"EQUALS\">Cloud \
             Agent</Criteria><Criteria field=\"id\" operator=\"IN\">3,1,2</Criteria></filters>\
             </ServiceRequest>"
        );
        let default = launch_request("Inventory_Scan", false, &[1]).unwrap();
        assert!(
            default
                .path_and_query()
                .ends_with("overrideConfigCpu=false")
        );
    }

    #[test]
    fn asset_ids_are_read_as_bracketed_text() {
        let body = answer(
            "<SingleModuleResponse><assetIds>[48213005,48213017]</assetIds><count>2</count>\
             </SingleModuleResponse>",
        );
        assert_eq!(
            parse_launched(body.as_bytes()).unwrap(),
            LaunchAnswer::Listed(vec![48213005, 48213017])
        );
    }

    #[test]
    fn asset_ids_are_read_as_child_elements() {
        let body = answer(
            "<SingleModuleResponse><assetIds><list><long>7</long><long>9</long></list>\
             </assetIds><count>2</count></SingleModuleResponse>",
        );
        assert_eq!(
            parse_launched(body.as_bytes()).unwrap(),
            LaunchAnswer::Listed(vec![7, 9])
        );
    }

    #[test]
    fn loosely_written_id_lists_are_read() {
        for text in ["[ 7, 9 ]", "\"[7,9]\"", "7,9", "7 9"] {
            let body = answer(&format!(
                "<SingleModuleResponse><assetIds>{text}</assetIds></SingleModuleResponse>"
            ));
            assert_eq!(
                parse_launched(body.as_bytes()).unwrap(),
                LaunchAnswer::Listed(vec![7, 9]),
                "{text}"
            );
        }
    }

    #[test]
    fn an_empty_id_list_means_nothing_launched() {
        for ids in ["[]", "<list></list>", "<list/>", ""] {
            let body = answer(&format!(
                "<SingleModuleResponse><assetIds>{ids}</assetIds><count>0</count>\
                 </SingleModuleResponse>"
            ));
            assert_eq!(
                parse_launched(body.as_bytes()).unwrap(),
                LaunchAnswer::Listed(Vec::new()),
                "{ids}"
            );
        }
    }

    #[test]
    fn ids_of_several_responses_are_all_read() {
        let body = answer(
            "<SingleModuleResponse><assetIds>[1]</assetIds></SingleModuleResponse>\
             <SingleModuleResponse><assetIds>[2]</assetIds></SingleModuleResponse>",
        );
        assert_eq!(
            parse_launched(body.as_bytes()).unwrap(),
            LaunchAnswer::Listed(vec![1, 2])
        );
    }

    #[test]
    fn a_success_without_asset_ids_is_unlisted_not_an_error() {
        for data in [
            "<SingleModuleResponse><count>2</count></SingleModuleResponse>",
            "",
        ] {
            let body = answer(data);
            assert_eq!(
                parse_launched(body.as_bytes()).unwrap(),
                LaunchAnswer::Unlisted,
                "{data}"
            );
        }
        let no_data = b"<ServiceResponse><responseCode>SUCCESS</responseCode></ServiceResponse>";
        assert_eq!(parse_launched(no_data).unwrap(), LaunchAnswer::Unlisted);
    }

    #[test]
    fn ids_written_in_an_unknown_form_are_unlisted_not_an_error() {
        let body =
            answer("<SingleModuleResponse><assetIds>[1,x2]</assetIds></SingleModuleResponse>");
        assert_eq!(
            parse_launched(body.as_bytes()).unwrap(),
            LaunchAnswer::Unlisted
        );
    }
}
