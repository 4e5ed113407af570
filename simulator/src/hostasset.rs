//! `POST /qps/rest/2.0/search/am/hostasset` and `POST /qps/rest/2.0/count/am/hostasset`.
//!
//! Both read the same `ServiceRequest` filters. Search answers one page:
//!
//! ```xml
//! <ServiceResponse xmlns:xsi="…" xsi:noNamespaceSchemaLocation="…/hostasset.xsd">
//!   <responseCode>SUCCESS</responseCode><count>2</count><hasMoreRecords>true</hasMoreRecords>
//!   <lastId>48213117</lastId>
//!   <data><HostAsset>…</HostAsset><HostAsset>…</HostAsset></data>
//! </ServiceResponse>
//! ```
//!
//! (`lastId` is omitted and `data` is empty, `<data/>`, when the page is empty.) Count answers
//! `<responseCode>SUCCESS</responseCode><count>N</count>`. The `HostAsset` children, in order:
//! `id`, `name`, `dnsHostName`, `fqdn`, `os`, `address`, `netbiosName`, `created`, `modified`,
//! `trackingMethod`, `tags/list/TagSimple{id,name}`, `agentInfo{agentVersion, agentId, status,
//! lastCheckedIn, connectedFrom, platform, activatedModule, manifestVersion,
//! agentConfiguration{id,name}, activationKey{activationId,title}}`,
//! `software/list/HostAssetSoftware{name,version}`, `openPort/list/HostAssetOpenPort{port,
//! protocol,serviceName}`; missing optional values and empty lists are left out.

use http::StatusCode;

use super::agents::{Asset, format_instant};
use super::filters::AssetFilter;
use super::reply::Reply;
use super::server::Call;
use super::service_request::{InvalidRequest, ServiceRequest, parse_service_request};
use super::xml::{HOSTASSET_SCHEMA, XmlDoc, open_service_response};

/// Page size when `limitResults` is not given.
const DEFAULT_LIMIT_RESULTS: usize = 100;
/// Largest `limitResults` Qualys accepts.
const MAX_LIMIT_RESULTS: usize = 1000;

/// Every element path a `fields` entry may name (or name a prefix of).
const FIELD_PATHS: &[&str] = &[
    "id",
    "name",
    "dnsHostName",
    "fqdn",
    "os",
    "address",
    "netbiosName",
    "created",
    "modified",
    "trackingMethod",
    "tags.list.TagSimple.id",
    "tags.list.TagSimple.name",
    "agentInfo.agentVersion",
    "agentInfo.agentId",
    "agentInfo.status",
    "agentInfo.lastCheckedIn",
    "agentInfo.connectedFrom",
    "agentInfo.platform",
    "agentInfo.activatedModule",
    "agentInfo.manifestVersion",
    "agentInfo.agentConfiguration.id",
    "agentInfo.agentConfiguration.name",
    "agentInfo.activationKey.activationId",
    "agentInfo.activationKey.title",
    "software.list.HostAssetSoftware.name",
    "software.list.HostAssetSoftware.version",
    "openPort.list.HostAssetOpenPort.port",
    "openPort.list.HostAssetOpenPort.protocol",
    "openPort.list.HostAssetOpenPort.serviceName",
];

/// Answers a search.
pub(crate) fn search(call: &Call<'_>) -> Reply {
    match search_page(call) {
        Ok(body) => Reply::qps_xml(StatusCode::OK, body),
        Err(error) => error.reply(HOSTASSET_SCHEMA),
    }
}

/// Answers a count.
pub(crate) fn count(call: &Call<'_>) -> Reply {
    let counted = parse_service_request(&call.request.body).and_then(|request| {
        let filter = AssetFilter::compile(&request.criteria)?;
        Ok(call
            .state
            .dataset
            .assets
            .iter()
            .filter(|asset| filter.matches(asset))
            .count())
    });
    match counted {
        Ok(count) => {
            let mut doc = open_service_response(HOSTASSET_SCHEMA, "SUCCESS");
            doc.leaf("count", &count.to_string());
            doc.close("ServiceResponse");
            Reply::qps_xml(StatusCode::OK, doc.finish())
        }
        Err(error) => error.reply(HOSTASSET_SCHEMA),
    }
}

fn search_page(call: &Call<'_>) -> Result<Vec<u8>, InvalidRequest> {
    let selection = FieldSelection::from_query(call.request.query.as_deref())?;
    let request = parse_service_request(&call.request.body)?;
    let limit = limit_results(&request)?;
    let start_from_id = start_from_id(&request)?;
    let filter = AssetFilter::compile(&request.criteria)?;
    let mut matching = call
        .state
        .dataset
        .assets
        .iter()
        .filter(|asset| asset.id >= start_from_id)
        .filter(|asset| filter.matches(asset));
    let page: Vec<&Asset> = matching.by_ref().take(limit).collect();
    let has_more = matching.next().is_some();
    Ok(render_page(&page, has_more, &selection))
}

fn limit_results(request: &ServiceRequest) -> Result<usize, InvalidRequest> {
    let Some(text) = request.limit_results.as_deref() else {
        return Ok(DEFAULT_LIMIT_RESULTS);
    };
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|limit| (1..=MAX_LIMIT_RESULTS).contains(limit))
        .ok_or_else(|| {
            InvalidRequest::new(format!(
                "limitResults must be an integer from 1 to {MAX_LIMIT_RESULTS}, not '{text}'."
            ))
        })
}

fn start_from_id(request: &ServiceRequest) -> Result<u64, InvalidRequest> {
    let Some(text) = request.start_from_id.as_deref() else {
        return Ok(0);
    };
    text.trim()
        .parse()
        .map_err(|_| InvalidRequest::new(format!("startFromId must be an integer, not '{text}'.")))
}

fn render_page(page: &[&Asset], has_more: bool, selection: &FieldSelection) -> Vec<u8> {
    let mut doc = open_service_response(HOSTASSET_SCHEMA, "SUCCESS");
    doc.leaf("count", &page.len().to_string());
    doc.leaf("hasMoreRecords", if has_more { "true" } else { "false" });
    if let Some(last) = page.last() {
        doc.leaf("lastId", &last.id.to_string());
    }
    doc.open("data");
    for asset in page {
        let mut writer = AssetWriter {
            doc: &mut doc,
            selection,
        };
        writer.host_asset(asset);
    }
    doc.close("data");
    doc.close("ServiceResponse");
    doc.finish()
}

/// Which parts of a `HostAsset` to write, from the `fields` query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldSelection {
    /// No `fields` parameter: everything.
    All,
    /// The dotted paths asked for.
    Only(Vec<String>),
}

/// How much of one element to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inclusion {
    Whole,
    Partial,
    Skip,
}

impl FieldSelection {
    /// Reads `fields` from the raw query: split on literal commas, then percent-decode each
    /// entry (so `%2C` does not separate fields).
    pub(crate) fn from_query(query: Option<&str>) -> Result<FieldSelection, InvalidRequest> {
        let Some(raw) = query.and_then(raw_fields_value) else {
            return Ok(FieldSelection::All);
        };
        let paths: Vec<String> = raw
            .split(',')
            .map(percent_decode)
            .filter(|path| !path.is_empty())
            .collect();
        if let Some(unknown) = paths.iter().find(|path| !is_known_path(path)) {
            return Err(InvalidRequest::new(format!(
                "Unknown field '{unknown}' in the fields parameter."
            )));
        }
        if paths.is_empty() {
            return Err(InvalidRequest::new("The fields parameter is empty."));
        }
        Ok(FieldSelection::Only(paths))
    }

    fn inclusion(&self, path: &str) -> Inclusion {
        let FieldSelection::Only(selected) = self else {
            return Inclusion::Whole;
        };
        if selected.iter().any(|chosen| is_path_prefix(chosen, path)) {
            Inclusion::Whole
        } else if selected.iter().any(|chosen| is_path_prefix(path, chosen)) {
            Inclusion::Partial
        } else {
            Inclusion::Skip
        }
    }
}

/// The raw (still percent-encoded) value of the first `fields=` pair.
fn raw_fields_value(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("fields="))
}

fn percent_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Whether `prefix` is `path` or one of its ancestors, component-wise.
fn is_path_prefix(prefix: &str, path: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn is_known_path(path: &str) -> bool {
    FIELD_PATHS.iter().any(|known| is_path_prefix(path, known))
}

/// Writes `HostAsset` elements, honouring the field selection.
struct AssetWriter<'a> {
    doc: &'a mut XmlDoc,
    selection: &'a FieldSelection,
}

impl AssetWriter<'_> {
    fn host_asset(&mut self, asset: &Asset) {
        self.doc.open("HostAsset");
        self.leaf("id", "id", Some(&asset.id.to_string()));
        self.leaf("name", "name", Some(&asset.name));
        self.leaf("dnsHostName", "dnsHostName", asset.dns_host_name.as_deref());
        self.leaf("fqdn", "fqdn", asset.fqdn.as_deref());
        self.leaf("os", "os", asset.os.as_deref());
        self.leaf("address", "address", asset.address.as_deref());
        self.leaf("netbiosName", "netbiosName", asset.netbios_name.as_deref());
        self.leaf("created", "created", Some(&format_instant(asset.created)));
        self.leaf(
            "modified",
            "modified",
            Some(&format_instant(asset.modified)),
        );
        self.leaf(
            "trackingMethod",
            "trackingMethod",
            Some(&asset.tracking_method),
        );
        self.tags(asset);
        self.agent_info(asset);
        self.software(asset);
        self.open_ports(asset);
        self.doc.close("HostAsset");
    }

    fn tags(&mut self, asset: &Asset) {
        if asset.tags.is_empty() || !self.open_list("tags") {
            return;
        }
        for tag in &asset.tags {
            self.doc.open("TagSimple");
            self.leaf("tags.list.TagSimple.id", "id", Some(&tag.id.to_string()));
            self.leaf("tags.list.TagSimple.name", "name", Some(&tag.name));
            self.doc.close("TagSimple");
        }
        self.close_list("tags");
    }

    fn agent_info(&mut self, asset: &Asset) {
        let Some(agent) = &asset.agent_info else {
            return;
        };
        if !self.open("agentInfo", "agentInfo") {
            return;
        }
        self.leaf(
            "agentInfo.agentVersion",
            "agentVersion",
            agent.agent_version.as_deref(),
        );
        self.leaf("agentInfo.agentId", "agentId", Some(&agent.agent_id));
        self.leaf("agentInfo.status", "status", Some(&agent.status));
        self.leaf(
            "agentInfo.lastCheckedIn",
            "lastCheckedIn",
            Some(&format_instant(agent.last_checked_in)),
        );
        self.leaf(
            "agentInfo.connectedFrom",
            "connectedFrom",
            agent.connected_from.as_deref(),
        );
        self.leaf("agentInfo.platform", "platform", Some(&agent.platform));
        self.leaf(
            "agentInfo.activatedModule",
            "activatedModule",
            Some(&agent.activated_module_text()),
        );
        self.leaf(
            "agentInfo.manifestVersion",
            "manifestVersion",
            agent.manifest_version.as_deref(),
        );
        if let Some(configuration) = &agent.agent_configuration
            && self.open("agentInfo.agentConfiguration", "agentConfiguration")
        {
            let id = configuration.id.to_string();
            self.leaf("agentInfo.agentConfiguration.id", "id", Some(&id));
            self.leaf(
                "agentInfo.agentConfiguration.name",
                "name",
                Some(&configuration.name),
            );
            self.doc.close("agentConfiguration");
        }
        if let Some(key) = &agent.activation_key
            && self.open("agentInfo.activationKey", "activationKey")
        {
            self.leaf(
                "agentInfo.activationKey.activationId",
                "activationId",
                Some(&key.activation_id),
            );
            self.leaf("agentInfo.activationKey.title", "title", Some(&key.title));
            self.doc.close("activationKey");
        }
        self.doc.close("agentInfo");
    }

    fn software(&mut self, asset: &Asset) {
        if asset.software.is_empty() || !self.open_list("software") {
            return;
        }
        for software in asset.software {
            self.doc.open("HostAssetSoftware");
            self.leaf(
                "software.list.HostAssetSoftware.name",
                "name",
                Some(software.name),
            );
            self.leaf(
                "software.list.HostAssetSoftware.version",
                "version",
                Some(software.version),
            );
            self.doc.close("HostAssetSoftware");
        }
        self.close_list("software");
    }

    fn open_ports(&mut self, asset: &Asset) {
        if asset.open_ports.is_empty() || !self.open_list("openPort") {
            return;
        }
        for port in asset.open_ports {
            self.doc.open("HostAssetOpenPort");
            let number = port.port.to_string();
            self.leaf(
                "openPort.list.HostAssetOpenPort.port",
                "port",
                Some(&number),
            );
            self.leaf(
                "openPort.list.HostAssetOpenPort.protocol",
                "protocol",
                Some(port.protocol),
            );
            self.leaf(
                "openPort.list.HostAssetOpenPort.serviceName",
                "serviceName",
                Some(port.service_name),
            );
            self.doc.close("HostAssetOpenPort");
        }
        self.close_list("openPort");
    }

    /// Writes `<name>value</name>` when the path is selected and there is a value.
    fn leaf(&mut self, path: &str, name: &str, value: Option<&str>) {
        if self.selection.inclusion(path) != Inclusion::Skip {
            self.doc.leaf_opt(name, value);
        }
    }

    /// Opens a container element when it is (partly) selected.
    fn open(&mut self, path: &str, name: &str) -> bool {
        let included = self.selection.inclusion(path) != Inclusion::Skip;
        if included {
            self.doc.open(name);
        }
        included
    }

    /// Opens `<name><list>` when the list is (partly) selected.
    fn open_list(&mut self, name: &str) -> bool {
        let included = self.open(name, name);
        if included {
            self.doc.open("list");
        }
        included
    }

    fn close_list(&mut self, name: &str) {
        self.doc.close("list");
        self.doc.close(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{MANAGER, READER};
    use crate::testing::{
        COUNT, SEARCH, TestRequest, TestResponse, service_request, small_simulator,
    };
    use crate::{CLOUD_AGENT_TAG, Simulator};

    /// (field, operator, value)
    type Criteria = (&'static str, &'static str, &'static str);

    const TAG: Criteria = ("tagName", "EQUALS", CLOUD_AGENT_TAG);

    async fn search(
        sim: &Simulator,
        query: &str,
        criteria: &[(&str, &str, &str)],
        limit: Option<&str>,
    ) -> TestResponse {
        TestRequest::post(&format!("{SEARCH}{query}"))
            .auth(&MANAGER)
            .xml(&service_request(criteria, limit))
            .send(sim.addr())
            .await
            .expect("answer")
    }

    /// The ids of HostAsset elements, read from `<HostAsset><id>` (tags also have ids).
    fn asset_ids(response: &TestResponse) -> Vec<u64> {
        let text = response.text();
        text.split("<HostAsset><id>")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap_or("").parse().expect("id"))
            .collect()
    }

    #[tokio::test]
    async fn paging_with_has_more_records_and_last_id_walks_every_agent_once() {
        let sim = small_simulator().await;
        let expected: Vec<u64> = sim.dataset().agents().map(|asset| asset.id).collect();
        let mut seen: Vec<u64> = Vec::new();
        let mut last_id: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut criteria = vec![TAG];
            let bound;
            if let Some(last) = &last_id {
                bound = last.clone();
                criteria.push(("id", "GREATER", bound.as_str()));
            }
            let page = search(&sim, "", &criteria, Some("7")).await;
            pages += 1;
            assert_eq!(page.status, 200);
            let page_ids = asset_ids(&page);
            assert!(page_ids.len() <= 7);
            assert_eq!(page.first("count"), Some(page_ids.len().to_string()));
            assert_eq!(page.first("lastId"), page_ids.last().map(u64::to_string));
            seen.extend(&page_ids);
            if page.first("hasMoreRecords").as_deref() == Some("false") {
                break;
            }
            assert_eq!(page_ids.len(), 7, "a page that says more is full");
            last_id = page.first("lastId");
        }
        assert_eq!(seen, expected);
        assert_eq!(pages, expected.len().div_ceil(7));
        assert_eq!(
            asset_ids(&search(&sim, "", &[TAG], Some("1")).await).len(),
            1
        );
    }

    #[tokio::test]
    async fn empty_page_has_no_last_id() {
        let sim = small_simulator().await;
        let page = search(&sim, "", &[TAG, ("name", "EQUALS", "no such host")], None).await;
        assert_eq!(page.first("count").as_deref(), Some("0"));
        assert_eq!(page.first("hasMoreRecords").as_deref(), Some("false"));
        assert_eq!(page.first("lastId"), None);
    }

    #[tokio::test]
    async fn default_page_is_100_and_count_agrees_with_search() {
        let sim = small_simulator().await;
        let page = search(&sim, "", &[TAG], None).await;
        assert_eq!(asset_ids(&page).len(), 100);
        assert_eq!(page.first("hasMoreRecords").as_deref(), Some("true"));
        let count = TestRequest::post(COUNT)
            .auth(&READER)
            .xml(&service_request(
                &[TAG, ("os", "CONTAINS", "Windows")],
                None,
            ))
            .send(sim.addr())
            .await
            .expect("answer");
        let expected = sim
            .dataset()
            .agents()
            .filter(|asset| asset.os.as_deref().is_some_and(|os| os.contains("Windows")))
            .count();
        assert_eq!(count.first("responseCode").as_deref(), Some("SUCCESS"));
        assert_eq!(count.first("count"), Some(expected.to_string()));
    }

    #[tokio::test]
    async fn untagged_assets_never_match_the_cloud_agent_tag() {
        let sim = small_simulator().await;
        let untagged: Vec<u64> = sim
            .dataset()
            .assets
            .iter()
            .filter(|asset| !asset.has_cloud_agent_tag())
            .map(|asset| asset.id)
            .collect();
        assert!(!untagged.is_empty());
        let tagged = asset_ids(&search(&sim, "", &[TAG], Some("1000")).await);
        assert!(tagged.iter().all(|id| !untagged.contains(id)));
        let everything = asset_ids(&search(&sim, "", &[], Some("1000")).await);
        assert!(untagged.iter().all(|id| everything.contains(id)));
    }

    #[tokio::test]
    async fn last_checked_in_greater_and_lesser_are_strict() {
        let sim = small_simulator().await;
        let agent = sim.dataset().agents().nth(30).expect("agent");
        let instant = agent.last_checked_in().expect("check-in");
        let text = format_instant(instant);
        for (operator, keep) in [
            ("GREATER", (|a, b| a > b) as fn(_, _) -> bool),
            ("LESSER", |a, b| a < b),
            ("EQUALS", |a, b| a == b),
        ] {
            let page = search(
                &sim,
                "",
                &[TAG, ("lastCheckedIn", operator, &text)],
                Some("1000"),
            )
            .await;
            let expected: Vec<u64> = sim
                .dataset()
                .agents()
                .filter(|asset| keep(asset.last_checked_in().expect("agent"), instant))
                .map(|asset| asset.id)
                .collect();
            assert_eq!(asset_ids(&page), expected, "{operator}");
            assert_eq!(expected.contains(&agent.id), operator == "EQUALS");
        }
    }

    #[tokio::test]
    async fn fields_parameter_writes_only_the_selected_elements() {
        let sim = small_simulator().await;
        let page = search(
            &sim,
            "?fields=id,name,agentInfo.lastCheckedIn,tags.list.TagSimple.name",
            &[TAG],
            Some("5"),
        )
        .await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert_eq!(page.texts("HostAsset").len(), 5);
        assert_eq!(page.texts("lastCheckedIn").len(), 5);
        for absent in [
            "<agentId>",
            "<os>",
            "<software>",
            "<openPort>",
            "<TagSimple><id>",
            "<created>",
        ] {
            assert!(!text.contains(absent), "{absent} written");
        }
        assert!(text.contains("<TagSimple><name>Cloud Agent</name></TagSimple>"));

        let whole = search(&sim, "?fields=agentInfo", &[TAG], Some("1")).await;
        assert!(whole.first("agentId").is_some());
        assert!(
            whole.first("name").is_some(),
            "agentConfiguration/name is inside agentInfo"
        );
        assert!(!whole.text().contains("<HostAsset><id>"));

        let heavy = search(&sim, "", &[TAG], Some("1")).await;
        assert!(heavy.texts("HostAssetSoftware").len() >= 10);
        assert!(heavy.texts("HostAssetOpenPort").len() >= 2);

        let encoded = search(&sim, "?fields=id%2Cname", &[TAG], Some("1")).await;
        assert_eq!(encoded.status, 400);
    }

    #[tokio::test]
    async fn escaped_values_are_decoded_before_matching_and_names_come_back_escaped() {
        let sim = small_simulator().await;
        let specials: Vec<(u64, String)> = sim
            .dataset()
            .agents()
            .filter(|asset| asset.name.contains(['&', '<', '>', '"', '\'', 'ü']))
            .map(|asset| (asset.id, asset.name.clone()))
            .collect();
        assert!(specials.len() >= 5);
        for (id, name) in specials {
            let page = search(&sim, "", &[TAG, ("name", "EQUALS", &name)], None).await;
            assert_eq!(asset_ids(&page), vec![id], "{name}");
            assert_eq!(page.texts("name").first(), Some(&name));
        }
    }

    #[tokio::test]
    async fn lists_of_one_tag_and_of_several_tags_are_both_written() {
        let sim = small_simulator().await;
        let single = sim
            .dataset()
            .agents()
            .find(|a| a.tags.len() == 1)
            .expect("one tag");
        let several = sim
            .dataset()
            .agents()
            .find(|a| a.tags.len() > 1)
            .expect("tags");
        for asset in [single, several] {
            let id = asset.id.to_string();
            let page = search(&sim, "?fields=tags", &[TAG, ("id", "EQUALS", &id)], None).await;
            assert_eq!(page.texts("TagSimple").len(), asset.tags.len());
        }
    }

    #[tokio::test]
    async fn invalid_requests_answer_400_invalid_request() {
        let sim = small_simulator().await;
        let cases: Vec<(Vec<Criteria>, Option<&str>)> = vec![
            (vec![TAG], Some("0")),
            (vec![TAG], Some("1001")),
            (vec![TAG], Some("ten")),
            (vec![("bogus", "EQUALS", "x")], None),
            (vec![("name", "LIKE", "x")], None),
            (vec![("lastCheckedIn", "GREATER", "2026-11-01")], None),
            (vec![("id", "IN", "1,two")], None),
        ];
        for (criteria, limit) in cases {
            let page = search(&sim, "", &criteria, limit).await;
            assert_eq!(page.status, 400, "{criteria:?} {limit:?}");
            assert_eq!(
                page.first("responseCode").as_deref(),
                Some("INVALID_REQUEST")
            );
            assert!(page.first("errorMessage").is_some());
        }
        for body in ["<ServiceRequest><filters>", "<html/>", "R&D"] {
            let response = TestRequest::post(SEARCH)
                .auth(&MANAGER)
                .xml(body)
                .send(sim.addr())
                .await
                .expect("answer");
            assert_eq!(response.status, 400, "{body}");
            assert_eq!(
                response.first("responseCode").as_deref(),
                Some("INVALID_REQUEST")
            );
        }
        assert_eq!(
            asset_ids(&search(&sim, "", &[TAG], Some("1000")).await).len(),
            120
        );
    }

    #[test]
    fn fields_are_split_on_literal_commas_only() {
        let selection =
            FieldSelection::from_query(Some("fields=id,name,agentInfo.lastCheckedIn&x=1"))
                .expect("known fields");
        assert_eq!(
            selection,
            FieldSelection::Only(vec![
                "id".to_owned(),
                "name".to_owned(),
                "agentInfo.lastCheckedIn".to_owned()
            ])
        );
        assert!(FieldSelection::from_query(Some("fields=id%2Cname")).is_err());
        assert!(FieldSelection::from_query(Some("fields=bogus")).is_err());
        assert!(FieldSelection::from_query(Some("fields=agentInfo.bogus")).is_err());
        assert!(FieldSelection::from_query(Some("fields=")).is_err());
        assert_eq!(
            FieldSelection::from_query(Some("other=1")),
            Ok(FieldSelection::All)
        );
    }

    #[test]
    fn selecting_an_element_selects_it_whole_and_a_descendant_partly() {
        let selection = FieldSelection::Only(vec![
            "tags".to_owned(),
            "agentInfo.agentConfiguration.name".to_owned(),
        ]);
        assert_eq!(
            selection.inclusion("tags.list.TagSimple.name"),
            Inclusion::Whole
        );
        assert_eq!(selection.inclusion("agentInfo"), Inclusion::Partial);
        assert_eq!(
            selection.inclusion("agentInfo.agentConfiguration"),
            Inclusion::Partial
        );
        assert_eq!(
            selection.inclusion("agentInfo.agentConfiguration.id"),
            Inclusion::Skip
        );
        assert_eq!(selection.inclusion("id"), Inclusion::Skip);
        assert_eq!(selection.inclusion("agentInfo.agentId"), Inclusion::Skip);
    }
}
