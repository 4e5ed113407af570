//! On-demand Cloud Agent scans: `POST /qps/rest/1.0/ods/ca/agentasset/<assetId>` (one asset)
//! and `POST /qps/rest/1.0/ods/ca/agentasset` (the assets matching the body's filters, normally
//! `tagName EQUALS Cloud Agent` and `id IN 1,2,3`), both with
//! `?scan=<type>&overrideConfigCpu=<true|false>`.
//!
//! Rules, in order:
//!
//! 1. Reader and Auditor: HTTP 200 `responseCode` `UNAUTHORIZED`.
//! 2. `scan` must be one of the exact names of [`ScanType`]; `overrideConfigCpu` must be `true`
//!    or `false` (absent: false); the single-asset id must be an integer; the body must be a
//!    well-formed `ServiceRequest`; the bulk call needs at least one criterion and at most
//!    1000 ids in an `IN`. Otherwise HTTP 400 `INVALID_REQUEST`.
//! 3. An asset is accepted when it exists, has the `Cloud Agent` tag and an agent, and the agent
//!    has [`ScanType::required_module`]; the others are silently left out (HTTP 200 SUCCESS
//!    with fewer ids, possibly none).
//!
//! Answer (ids ascending, no duplicates):
//!
//! ```xml
//! <ServiceResponse …agentasset.xsd"><responseCode>SUCCESS</responseCode><count>1</count>
//!   <data><SingleModuleResponse><assetIds>[1,2]</assetIds><count>2</count></SingleModuleResponse></data>
//! </ServiceResponse>
//! ```
//!
//! or, with [`ScanIdsShape::Elements`],
//! `<assetIds><list><long>1</long><long>2</long></list></assetIds>`. No accepted id: `[]`, or
//! `<assetIds><list></list></assetIds>`. [`ScanIdsShape::CountOnly`] leaves `assetIds` out
//! (`<SingleModuleResponse><count>2</count></SingleModuleResponse>`) and
//! [`ScanIdsShape::NoData`] leaves `data` out: the scans are launched all the same, so a test can
//! prove a client neither reports them failed nor launches them again. Each accepted asset is
//! recorded as a [`LaunchedScan`], whatever the shape.

use http::StatusCode;

use super::agents::{Asset, MODULE_PC, MODULE_SCA, MODULE_VM};
use super::filters::{AssetFilter, MAX_IN_IDS};
use super::lock;
use super::reply::Reply;
use super::server::Call;
use super::service_request::{InvalidRequest, parse_service_request};
use super::xml::{AGENT_ASSET_SCHEMA, open_service_response, service_error};

/// The on-demand scan types, by their exact Qualys names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanType {
    /// `Inventory_Scan`: any agent.
    Inventory,
    /// `Vulnerability_Scan`: needs `AGENT_VM`.
    Vulnerability,
    /// `PolicyCompliance_Scan`: needs `AGENT_PC`.
    PolicyCompliance,
    /// `UDC_Scan` (user-defined controls, part of Policy Compliance): needs `AGENT_PC`.
    Udc,
    /// `SCA_Scan` (Secure Configuration Assessment): needs `AGENT_SCA`.
    Sca,
    /// `SWCA_scan` (software composition analysis, part of VMDR): needs `AGENT_VM`.
    Swca,
}

impl ScanType {
    /// Every scan type.
    pub const ALL: [ScanType; 6] = [
        ScanType::Inventory,
        ScanType::Vulnerability,
        ScanType::PolicyCompliance,
        ScanType::Udc,
        ScanType::Sca,
        ScanType::Swca,
    ];

    /// The exact name the `scan` parameter takes (note the lower-case `s` of `SWCA_scan`).
    pub fn qualys_name(self) -> &'static str {
        match self {
            ScanType::Inventory => "Inventory_Scan",
            ScanType::Vulnerability => "Vulnerability_Scan",
            ScanType::PolicyCompliance => "PolicyCompliance_Scan",
            ScanType::Udc => "UDC_Scan",
            ScanType::Sca => "SCA_Scan",
            ScanType::Swca => "SWCA_scan",
        }
    }

    /// The scan type with this exact name.
    pub fn from_qualys_name(name: &str) -> Option<ScanType> {
        ScanType::ALL
            .into_iter()
            .find(|scan| scan.qualys_name() == name)
    }

    /// The module an agent must have for the scan to be accepted (`None`: any agent).
    pub fn required_module(self) -> Option<&'static str> {
        match self {
            ScanType::Inventory => None,
            ScanType::Vulnerability | ScanType::Swca => Some(MODULE_VM),
            ScanType::PolicyCompliance | ScanType::Udc => Some(MODULE_PC),
            ScanType::Sca => Some(MODULE_SCA),
        }
    }

    /// Whether Qualys accepts this scan on this asset.
    pub fn accepts(self, asset: &Asset) -> bool {
        asset.has_cloud_agent_tag()
            && asset.agent_info.is_some()
            && self
                .required_module()
                .is_none_or(|module| asset.has_module(module))
    }
}

/// How `SingleModuleResponse/assetIds` is written (the XML shape is not documented). Whatever
/// the shape, the accepted scans are launched and recorded the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanIdsShape {
    /// `<assetIds>[1,2]</assetIds>`, the text of the JSON form.
    BracketText,
    /// `<assetIds><list><long>1</long><long>2</long></list></assetIds>`, QPS's list convention.
    Elements,
    /// No `assetIds` at all, only the number accepted:
    /// `<data><SingleModuleResponse><count>2</count></SingleModuleResponse></data>`. The scans
    /// were launched; the answer just does not say on which assets.
    CountOnly,
    /// SUCCESS with no `data` at all:
    /// `<responseCode>SUCCESS</responseCode><count>1</count></ServiceResponse>`. The scans were
    /// launched.
    NoData,
}

/// One asset on which Qualys accepted a scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LaunchedScan {
    /// The host asset id.
    pub asset_id: u64,
    /// The Qualys scan name, e.g. `Vulnerability_Scan`.
    pub scan_type: String,
    /// `overrideConfigCpu`.
    pub override_cpu: bool,
    /// The login that launched it.
    pub by: String,
}

/// Which assets a launch names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// `/agentasset/<id>`, the id as written in the path.
    One(&'a str),
    /// `/agentasset`, the body's filters.
    Filtered,
}

/// Answers a launch.
pub(crate) fn launch(call: &Call<'_>, target: Target<'_>) -> Reply {
    if !call.account.role.launches_scans() {
        return Reply::qps_xml(
            StatusCode::OK,
            service_error(
                AGENT_ASSET_SCHEMA,
                "UNAUTHORIZED",
                "User does not have permission to launch on-demand Cloud Agent scans.",
                "Ask a Manager for a role that may launch scans.",
            ),
        );
    }
    match accept(call, target) {
        Ok((scan, accepted)) => {
            record(call, scan, &accepted);
            Reply::qps_xml(StatusCode::OK, render(&accepted, shape(call)))
        }
        Err(error) => error.reply(AGENT_ASSET_SCHEMA),
    }
}

/// The scan and the launch parameters, from the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScanParameters {
    scan_type: ScanType,
    override_cpu: bool,
}

fn accept(
    call: &Call<'_>,
    target: Target<'_>,
) -> Result<(ScanParameters, Vec<u64>), InvalidRequest> {
    let scan = scan_parameters(call)?;
    let request = parse_service_request(&call.request.body)?;
    let dataset = &call.state.dataset;
    let accepted = match target {
        Target::One(id_text) => {
            let id: u64 = id_text.parse().map_err(|_| {
                InvalidRequest::new(format!("Invalid asset id '{id_text}' in the URL."))
            })?;
            dataset
                .asset(id)
                .filter(|asset| scan.scan_type.accepts(asset))
                .map(|asset| vec![asset.id])
                .unwrap_or_default()
        }
        Target::Filtered => {
            let filter = AssetFilter::compile(&request.criteria)?;
            if filter.is_empty() {
                return Err(InvalidRequest::new(
                    "A filter is required to launch scans on several assets.",
                ));
            }
            if filter.largest_id_list() > MAX_IN_IDS {
                return Err(InvalidRequest::new(format!(
                    "At most {MAX_IN_IDS} ids may be given in one request."
                )));
            }
            dataset
                .assets
                .iter()
                .filter(|asset| filter.matches(asset) && scan.scan_type.accepts(asset))
                .map(|asset| asset.id)
                .collect()
        }
    };
    Ok((scan, accepted))
}

fn scan_parameters(call: &Call<'_>) -> Result<ScanParameters, InvalidRequest> {
    let pairs = call.request.query_pairs();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let scan_name =
        value("scan").ok_or_else(|| InvalidRequest::new("Missing required parameter: scan."))?;
    let scan_type = ScanType::from_qualys_name(scan_name)
        .ok_or_else(|| InvalidRequest::new(format!("Invalid scan type '{scan_name}'.")))?;
    let override_cpu = match value("overrideConfigCpu") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(InvalidRequest::new(format!(
                "Invalid value '{other}' for overrideConfigCpu (true or false)."
            )));
        }
    };
    Ok(ScanParameters {
        scan_type,
        override_cpu,
    })
}

fn shape(call: &Call<'_>) -> ScanIdsShape {
    *lock(&call.state.scan_ids_shape)
}

fn record(call: &Call<'_>, scan: ScanParameters, accepted: &[u64]) {
    let mut launched = lock(&call.state.launched_scans);
    launched.extend(accepted.iter().map(|asset_id| LaunchedScan {
        asset_id: *asset_id,
        scan_type: scan.scan_type.qualys_name().to_owned(),
        override_cpu: scan.override_cpu,
        by: call.account.login.to_owned(),
    }));
}

fn render(accepted: &[u64], shape: ScanIdsShape) -> Vec<u8> {
    let mut doc = open_service_response(AGENT_ASSET_SCHEMA, "SUCCESS");
    doc.leaf("count", "1");
    if shape != ScanIdsShape::NoData {
        doc.open("data");
        doc.open("SingleModuleResponse");
        match shape {
            ScanIdsShape::BracketText => {
                let ids: Vec<String> = accepted.iter().map(u64::to_string).collect();
                doc.leaf("assetIds", &format!("[{}]", ids.join(",")));
            }
            ScanIdsShape::Elements => {
                doc.open("assetIds");
                doc.open("list");
                for id in accepted {
                    doc.leaf("long", &id.to_string());
                }
                doc.close("list");
                doc.close("assetIds");
            }
            ScanIdsShape::CountOnly | ScanIdsShape::NoData => {}
        }
        doc.leaf("count", &accepted.len().to_string());
        doc.close("SingleModuleResponse");
        doc.close("data");
    }
    doc.close("ServiceResponse");
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{MANAGER, READER};
    use crate::testing::{TestRequest, TestResponse, service_request, small_simulator};
    use crate::{CLOUD_AGENT_TAG, Simulator};

    async fn bulk(sim: &Simulator, query: &str, ids: &[u64]) -> TestResponse {
        let list: Vec<String> = ids.iter().map(u64::to_string).collect();
        let list = list.join(",");
        let body = service_request(
            &[("tagName", "EQUALS", CLOUD_AGENT_TAG), ("id", "IN", &list)],
            None,
        );
        TestRequest::post(&format!("/qps/rest/1.0/ods/ca/agentasset?{query}"))
            .auth(&MANAGER)
            .xml(&body)
            .send(sim.addr())
            .await
            .expect("answer")
    }

    fn accepted_ids(response: &TestResponse) -> Vec<u64> {
        let text = response.first("assetIds").unwrap_or_default();
        text.trim_matches(['[', ']'])
            .split(',')
            .filter(|id| !id.is_empty())
            .map(|id| id.parse().expect("id"))
            .collect()
    }

    #[tokio::test]
    async fn bulk_scan_accepts_only_tagged_agents_with_the_needed_module() {
        let sim = small_simulator().await;
        let dataset = sim.dataset();
        let with_vm = dataset
            .agents()
            .find(|a| a.has_module(MODULE_VM))
            .expect("vm");
        let without_vm = dataset
            .agents()
            .find(|a| !a.has_module(MODULE_VM))
            .expect("no vm");
        let untagged = dataset
            .assets
            .iter()
            .find(|a| !a.has_cloud_agent_tag())
            .expect("untagged");
        let unknown = dataset.assets.last().map(|a| a.id + 1000).unwrap_or(1);
        let asked = [unknown, without_vm.id, with_vm.id, untagged.id, with_vm.id];
        let response = bulk(
            &sim,
            "scan=Vulnerability_Scan&overrideConfigCpu=true",
            &asked,
        )
        .await;
        assert_eq!(response.status, 200);
        assert_eq!(response.first("responseCode").as_deref(), Some("SUCCESS"));
        assert_eq!(accepted_ids(&response), vec![with_vm.id]);
        assert_eq!(
            response.texts("count"),
            vec!["1".to_owned(), "1".to_owned()]
        );
        assert_eq!(
            sim.launched_scans(),
            vec![LaunchedScan {
                asset_id: with_vm.id,
                scan_type: "Vulnerability_Scan".to_owned(),
                override_cpu: true,
                by: MANAGER.login.to_owned(),
            }]
        );
    }

    #[tokio::test]
    async fn every_scan_type_checks_its_module() {
        let sim = small_simulator().await;
        let ids: Vec<u64> = sim.dataset().assets.iter().map(|a| a.id).collect();
        for scan in ScanType::ALL {
            let query = format!("scan={}", scan.qualys_name());
            let response = bulk(&sim, &query, &ids).await;
            let expected: Vec<u64> = sim
                .dataset()
                .assets
                .iter()
                .filter(|asset| {
                    asset.has_cloud_agent_tag()
                        && scan.required_module().is_none_or(|m| asset.has_module(m))
                })
                .map(|asset| asset.id)
                .collect();
            assert_eq!(accepted_ids(&response), expected, "{scan:?}");
        }
        let recorded = sim.launched_scans();
        assert!(recorded.iter().all(|scan| !scan.override_cpu));
        assert!(recorded.iter().any(|scan| scan.scan_type == "SWCA_scan"));
    }

    #[tokio::test]
    async fn single_asset_endpoint_and_element_shape() {
        let sim = small_simulator().await;
        sim.set_scan_ids_shape(ScanIdsShape::Elements);
        let agent = sim.dataset().agents().next().expect("agent");
        let response = TestRequest::post(&format!(
            "/qps/rest/1.0/ods/ca/agentasset/{}?scan=Inventory_Scan&overrideConfigCpu=false",
            agent.id
        ))
        .auth(&MANAGER)
        .xml("<ServiceRequest></ServiceRequest>")
        .send(sim.addr())
        .await
        .expect("answer");
        assert_eq!(response.texts("long"), vec![agent.id.to_string()]);
        assert_eq!(sim.launched_scans().len(), 1);
        let unknown = TestRequest::post("/qps/rest/1.0/ods/ca/agentasset/1?scan=Inventory_Scan")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(unknown.first("responseCode").as_deref(), Some("SUCCESS"));
        assert!(unknown.texts("long").is_empty());
        assert_eq!(sim.launched_scans().len(), 1);
    }

    #[tokio::test]
    async fn bad_scan_requests_are_invalid_and_launch_nothing() {
        let sim = small_simulator().await;
        let agent = sim.dataset().agents().next().map(|a| a.id).expect("agent");
        let too_many: Vec<u64> = (1..=1001).collect();
        for (query, ids) in [
            ("scan=SWCA_Scan", vec![agent]),
            ("scan=vulnerability_scan", vec![agent]),
            ("overrideConfigCpu=true", vec![agent]),
            ("scan=Inventory_Scan&overrideConfigCpu=yes", vec![agent]),
            ("scan=Inventory_Scan", too_many),
        ] {
            let response = bulk(&sim, query, &ids).await;
            assert_eq!(response.status, 400, "{query}");
            assert_eq!(
                response.first("responseCode").as_deref(),
                Some("INVALID_REQUEST")
            );
        }
        let not_a_number =
            TestRequest::post("/qps/rest/1.0/ods/ca/agentasset/abc?scan=Inventory_Scan")
                .auth(&MANAGER)
                .send(sim.addr())
                .await
                .expect("answer");
        assert_eq!(not_a_number.status, 400);
        assert!(sim.launched_scans().is_empty());
    }

    #[tokio::test]
    async fn reader_is_unauthorized_to_launch() {
        let sim = small_simulator().await;
        let agent = sim.dataset().agents().next().map(|a| a.id).expect("agent");
        let response = TestRequest::post(&format!(
            "/qps/rest/1.0/ods/ca/agentasset/{agent}?scan=Inventory_Scan"
        ))
        .auth(&READER)
        .send(sim.addr())
        .await
        .expect("answer");
        assert_eq!(response.status, 200);
        assert_eq!(
            response.first("responseCode").as_deref(),
            Some("UNAUTHORIZED")
        );
        assert!(sim.launched_scans().is_empty());
    }

    #[test]
    fn scan_names_round_trip_exactly() {
        for scan in ScanType::ALL {
            assert_eq!(ScanType::from_qualys_name(scan.qualys_name()), Some(scan));
        }
        assert_eq!(ScanType::from_qualys_name("SWCA_Scan"), None);
        assert_eq!(ScanType::from_qualys_name("inventory_scan"), None);
    }

    #[test]
    fn both_id_shapes_render() {
        let text = String::from_utf8(render(&[3, 5], ScanIdsShape::BracketText)).expect("utf-8");
        assert!(text.contains("<assetIds>[3,5]</assetIds><count>2</count>"));
        let elements = String::from_utf8(render(&[3], ScanIdsShape::Elements)).expect("utf-8");
        assert!(elements.contains("<assetIds><list><long>3</long></list></assetIds>"));
        let empty = String::from_utf8(render(&[], ScanIdsShape::BracketText)).expect("utf-8");
        assert!(empty.contains("<assetIds>[]</assetIds><count>0</count>"));
    }

    #[test]
    fn count_only_and_no_data_shapes_name_no_asset() {
        let count_only =
            String::from_utf8(render(&[3, 5], ScanIdsShape::CountOnly)).expect("utf-8");
        assert!(count_only.contains(
            "<responseCode>SUCCESS</responseCode><count>1</count><data><SingleModuleResponse>\
             <count>2</count></SingleModuleResponse></data></ServiceResponse>"
        ));
        assert!(!count_only.contains("assetIds"));
        let no_data = String::from_utf8(render(&[3, 5], ScanIdsShape::NoData)).expect("utf-8");
        assert!(
            no_data
                .contains("<responseCode>SUCCESS</responseCode><count>1</count></ServiceResponse>")
        );
        assert!(!no_data.contains("<data>"));
    }

    #[tokio::test]
    async fn scans_are_launched_even_when_the_answer_lists_no_asset() {
        let sim = small_simulator().await;
        let ids: Vec<u64> = sim
            .dataset()
            .agents()
            .take(3)
            .map(|agent| agent.id)
            .collect();
        for (round, shape) in [ScanIdsShape::CountOnly, ScanIdsShape::NoData]
            .into_iter()
            .enumerate()
        {
            sim.set_scan_ids_shape(shape);
            let response = bulk(&sim, "scan=Inventory_Scan", &ids).await;
            assert_eq!(response.status, 200);
            assert_eq!(response.first("responseCode").as_deref(), Some("SUCCESS"));
            assert!(response.first("assetIds").is_none(), "{shape:?}");
            let launched: Vec<u64> = sim
                .launched_scans()
                .iter()
                .map(|scan| scan.asset_id)
                .collect();
            assert_eq!(launched.len(), ids.len() * (round + 1), "{shape:?}");
            assert!(ids.iter().all(|id| launched.contains(id)));
        }
    }
}
