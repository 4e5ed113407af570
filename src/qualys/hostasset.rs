//! Host assets (`/qps/rest/2.0/{count,search}/am/hostasset`): request bodies and answers.
//!
//! Both requests carry a QPS `ServiceRequest` body ([`service_request`](super::service_request)).
//!
//! A search answers one page, in ascending id order as far as recordings show: `count` (records in this page),
//! `hasMoreRecords`, `lastId` (the last id of the page, for `id GREATER lastId`) and
//! `data/HostAsset*`. The search asks only for the fields a [`HostAsset`] carries
//! ([`AGENT_FIELDS`]), so assets with long software and vulnerability lists do not bloat the
//! page, and [`parse_search_page`] reads the page in one streaming pass.

use super::client::{ApiRequest, Effect};
use super::service_request::{Criterion, XML_CONTENT_TYPE, service_request};
use super::xml::{self, Flow, Node};
use crate::{Error, Result};

/// Path of the count endpoint.
pub const COUNT_PATH: &str = "/qps/rest/2.0/count/am/hostasset";

/// Path of the search endpoint.
pub const SEARCH_PATH: &str = "/qps/rest/2.0/search/am/hostasset";

/// Largest `limitResults` Qualys accepts.
pub const MAX_LIMIT_RESULTS: u32 = 1000;

/// The `fields` of a search: what a [`HostAsset`] carries, and nothing else.
pub const AGENT_FIELDS: &str = "id,name,dnsHostName,address,os,tags.list.TagSimple.name,\
     agentInfo.agentId,agentInfo.agentVersion,agentInfo.status,agentInfo.lastCheckedIn,\
     agentInfo.platform,agentInfo.activatedModule";

/// The count request for `criteria`.
pub fn count_request(criteria: &[Criterion]) -> Result<ApiRequest> {
    let body = service_request(None, criteria)?;
    Ok(ApiRequest::post(
        COUNT_PATH,
        XML_CONTENT_TYPE,
        body,
        Effect::Read,
    ))
}

/// Parses `<ServiceResponse><responseCode>SUCCESS</responseCode><count>N</count>`.
pub fn parse_count(body: &[u8]) -> Result<u64> {
    let mut count = None;
    xml::walk(body, |node| {
        if let Node::Text { path, text } = node
            && xml::is_path(path, &["ServiceResponse", "count"])
        {
            count = Some(text);
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    })?;
    let count = count.ok_or_else(|| Error::bad_response("the count answer holds no <count>"))?;
    count
        .parse()
        .map_err(|_| Error::bad_response(format!("the count {count:?} is not a number")))
}

/// The search request for one page of at most `limit_results` assets matching `criteria`.
pub fn search_request(limit_results: u32, criteria: &[Criterion]) -> Result<ApiRequest> {
    let body = service_request(Some(limit_results), criteria)?;
    let mut request = ApiRequest::post(SEARCH_PATH, XML_CONTENT_TYPE, body, Effect::Read);
    request.raw_query.push(("fields", AGENT_FIELDS.to_owned()));
    Ok(request)
}

/// One page of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchPage {
    /// `count`: how many records Qualys says the page holds.
    pub count: Option<u64>,
    /// `hasMoreRecords`: whether more match after this page (false when missing).
    pub has_more_records: bool,
    /// `lastId`: the id to continue after.
    pub last_id: Option<u64>,
    /// The `HostAsset` elements, in the order of the page.
    pub assets: Vec<HostAsset>,
}

/// One `HostAsset` of a search page: the fields of [`AGENT_FIELDS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAsset {
    /// `id`, the host asset id.
    pub id: u64,
    /// `name` (empty when missing).
    pub name: String,
    /// `dnsHostName`.
    pub dns_host_name: Option<String>,
    /// `address`.
    pub address: Option<String>,
    /// `os`.
    pub os: Option<String>,
    /// `tags/list/TagSimple/name`, in the order of the page.
    pub tags: Vec<String>,
    /// `agentInfo/agentId`.
    pub agent_id: Option<String>,
    /// `agentInfo/agentVersion`.
    pub agent_version: Option<String>,
    /// `agentInfo/status`.
    pub status: Option<String>,
    /// `agentInfo/lastCheckedIn`.
    pub last_checked_in: Option<String>,
    /// `agentInfo/platform`.
    pub platform: Option<String>,
    /// `agentInfo/activatedModule`, split at its commas.
    pub activated_modules: Vec<String>,
}

/// Parses a search answer, `<ServiceResponse>…<data><HostAsset>…</HostAsset>…</data>`.
///
/// Optional fields may be missing and unknown elements are skipped; a `HostAsset` without a
/// numeric `id`, a count or id that is not a number, or another root element is
/// `bad-response`. A `count` other than the number of `HostAsset`s is not refused: no source
/// says Qualys keeps them equal, and the records are what the search returns.
pub fn parse_search_page(body: &[u8]) -> Result<SearchPage> {
    let mut page = SearchPage::default();
    let mut asset: Option<AssetFields> = None;
    let mut is_service_response = false;
    xml::walk(body, |node| {
        match node {
            Node::Open { path, .. } if path.len() == 1 => {
                is_service_response = xml::is_path(path, &["ServiceResponse"]);
            }
            Node::Open { path, .. } if xml::is_path(path, HOST_ASSET) => {
                asset = Some(AssetFields::default());
            }
            // An asset is open only between the opening and the closing of its `HostAsset`,
            // so everything deeper than it is below `HOST_ASSET`: no need to compare again.
            Node::Text { path, text } => match asset.as_mut() {
                Some(fields) if path.len() > HOST_ASSET.len() => {
                    fields.read(&path[HOST_ASSET.len()..], text)?;
                }
                _ => read_page_field(&mut page, path, &text)?,
            },
            Node::Close { path } if xml::is_path(path, HOST_ASSET) => {
                if let Some(fields) = asset.take() {
                    page.assets.push(fields.into_host_asset()?);
                }
            }
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    if !is_service_response {
        return Err(Error::bad_response(
            "the search answer is not a ServiceResponse",
        ));
    }
    Ok(page)
}

/// What a search page says before its first asset: `count`, `hasMoreRecords` and `lastId`.
///
/// Qualys writes them before `data`, so the next page can be asked for before this one is
/// parsed. `None` when the page does not start that way (or is not even XML): the caller then
/// waits for [`parse_search_page`], which reports what is wrong.
pub fn parse_page_head(body: &[u8]) -> Option<SearchPage> {
    let mut page = SearchPage::default();
    let mut complete = false;
    let walked = xml::walk(body, |node| {
        match node {
            Node::Open { path, .. }
                if path.len() == 1 && !xml::is_path(path, &["ServiceResponse"]) =>
            {
                return Ok(Flow::Stop);
            }
            Node::Open { path, .. } if xml::is_path(path, &["ServiceResponse", "data"]) => {
                complete = true;
                return Ok(Flow::Stop);
            }
            Node::Text { path, text } => read_page_field(&mut page, path, &text)?,
            _ => {}
        }
        Ok(Flow::Continue)
    });
    (walked.is_ok() && complete).then_some(page)
}

/// Path of each asset of a search page.
const HOST_ASSET: &[&str] = &["ServiceResponse", "data", "HostAsset"];

/// Reads `count`, `hasMoreRecords` and `lastId`.
fn read_page_field(page: &mut SearchPage, path: &[String], text: &str) -> Result<()> {
    let [root, name] = path else {
        return Ok(());
    };
    if root != "ServiceResponse" {
        return Ok(());
    }
    match name.as_str() {
        "count" => page.count = Some(number("count", text)?),
        "hasMoreRecords" => page.has_more_records = boolean("hasMoreRecords", text)?,
        "lastId" => page.last_id = Some(number("lastId", text)?),
        _ => {}
    }
    Ok(())
}

/// The fields of one `HostAsset` read so far.
#[derive(Debug, Default)]
struct AssetFields {
    id: Option<u64>,
    name: Option<String>,
    dns_host_name: Option<String>,
    address: Option<String>,
    os: Option<String>,
    tags: Vec<String>,
    agent_id: Option<String>,
    agent_version: Option<String>,
    status: Option<String>,
    last_checked_in: Option<String>,
    platform: Option<String>,
    activated_modules: Vec<String>,
}

impl AssetFields {
    /// Takes the text of the element at `field`, the path below `HostAsset`.
    fn read(&mut self, field: &[String], text: String) -> Result<()> {
        let slot = match field {
            [name] => match name.as_str() {
                "id" => {
                    self.id = Some(number("HostAsset id", &text)?);
                    return Ok(());
                }
                "name" => &mut self.name,
                "dnsHostName" => &mut self.dns_host_name,
                "address" => &mut self.address,
                "os" => &mut self.os,
                _ => return Ok(()),
            },
            [group, name] if group == "agentInfo" => match name.as_str() {
                "activatedModule" => {
                    self.activated_modules = modules(&text);
                    return Ok(());
                }
                "agentId" => &mut self.agent_id,
                "agentVersion" => &mut self.agent_version,
                "status" => &mut self.status,
                "lastCheckedIn" => &mut self.last_checked_in,
                "platform" => &mut self.platform,
                _ => return Ok(()),
            },
            [tags, list, tag, name]
                if tags == "tags" && list == "list" && tag == "TagSimple" && name == "name" =>
            {
                self.tags.push(text);
                return Ok(());
            }
            _ => return Ok(()),
        };
        *slot = Some(text);
        Ok(())
    }

    /// The asset, once its `HostAsset` closed; without an id it is `bad-response`.
    fn into_host_asset(self) -> Result<HostAsset> {
        let id = self
            .id
            .ok_or_else(|| Error::bad_response("a HostAsset of the search answer has no id"))?;
        Ok(HostAsset {
            id,
            agent_id: self.agent_id,
            name: self.name.unwrap_or_default(),
            dns_host_name: self.dns_host_name,
            address: self.address,
            os: self.os,
            platform: self.platform,
            agent_version: self.agent_version,
            status: self.status,
            last_checked_in: self.last_checked_in,
            activated_modules: self.activated_modules,
            tags: self.tags,
        })
    }
}

/// `AGENT_VM,AGENT_PC` as a list.
fn modules(text: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for module in text.split(',').map(str::trim) {
        if !module.is_empty() {
            modules.push(module.to_owned());
        }
    }
    modules
}

/// The unsigned number `text`, or `bad-response` naming the element `name`.
fn number(name: &str, text: &str) -> Result<u64> {
    text.parse().map_err(|_| {
        Error::bad_response(format!(
            "the search answer's {name} {text:?} is not a number"
        ))
    })
}

/// `true` or `false`, or `bad-response` naming the element `name`.
fn boolean(name: &str, text: &str) -> Result<bool> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::bad_response(format!(
            "the search answer's {name} {text:?} is neither true nor false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::qualys::service_request::Operator;
    use proptest::prelude::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// A criterion as text: field, operator, value.
    type Triple = (String, String, String);

    /// `limitResults` and the criteria of a request body, read back with quick-xml.
    fn read_back(body: &[u8]) -> (Option<String>, Vec<Triple>) {
        let mut reader = Reader::from_reader(body);
        let mut limit = None;
        let mut criteria = Vec::new();
        let mut open: Option<(String, String)> = None;
        let mut text = String::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Empty(start) if start.name().as_ref() == b"Criteria" => {
                    let (field, operator) = field_and_operator(&start);
                    criteria.push((field, operator, String::new()));
                }
                Event::Start(start) => {
                    if start.name().as_ref() == b"Criteria" {
                        open = Some(field_and_operator(&start));
                    }
                    text.clear();
                }
                Event::Text(chunk) => text.push_str(&chunk.decode().unwrap()),
                Event::GeneralRef(reference) => {
                    let written = ["&", &reference.decode().unwrap(), ";"].concat();
                    text.push_str(&quick_xml::escape::unescape(&written).unwrap());
                }
                Event::End(end) if end.name().as_ref() == b"Criteria" => {
                    let (field, operator) = open.take().unwrap();
                    criteria.push((field, operator, std::mem::take(&mut text)));
                }
                Event::End(end) if end.name().as_ref() == b"limitResults" => {
                    limit = Some(std::mem::take(&mut text));
                }
                Event::Eof => return (limit, criteria),
                _ => {}
            }
        }
    }

    fn field_and_operator(start: &quick_xml::events::BytesStart<'_>) -> (String, String) {
        let attribute = |name: &str| {
            let value = start.try_get_attribute(name).unwrap().unwrap();
            value.unescape_value().unwrap().into_owned()
        };
        (attribute("field"), attribute("operator"))
    }

    fn triples(criteria: &[Criterion]) -> Vec<Triple> {
        criteria
            .iter()
            .map(|c| {
                (
                    c.field.to_owned(),
                    c.operator.as_str().to_owned(),
                    c.value.clone(),
                )
            })
            .collect()
    }

    proptest! {
        #[test]
        fn the_search_body_parses_back_to_the_same_criteria(
            host_name in any::<String>(),
            os in any::<String>(),
            after in any::<u64>(),
            limit in 1..=MAX_LIMIT_RESULTS,
        ) {
            let criteria = [
                Criterion::cloud_agent_tag(),
                Criterion::new("lastCheckedIn", Operator::Greater, "2024-05-01T00:00:00Z"),
                Criterion::new("name", Operator::Contains, host_name),
                Criterion::new("os", Operator::Contains, os),
                Criterion::new("id", Operator::Greater, after.to_string()),
            ];
            let request = search_request(limit, &criteria).unwrap();
            let (_, body) = request.body.unwrap();
            let (limit_read, criteria_read) = read_back(&body);
            prop_assert_eq!(limit_read, Some(limit.to_string()));
            prop_assert_eq!(criteria_read, triples(&criteria));
        }

        #[test]
        fn the_page_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_search_page(&body);
        }

        #[test]
        fn the_page_parser_never_panics_on_near_pages(
            cut in 0..PAGE.len(),
            junk in "[<>/a-zA-Z&;#0-9 ]{0,12}",
        ) {
            let mut body = PAGE.as_bytes().to_vec();
            body.splice(cut..cut, junk.bytes());
            let _ = parse_search_page(&body);
            let _ = parse_search_page(PAGE.as_bytes().get(..cut).unwrap_or_default());
        }
    }

    /// Two agents: the first complete with two tags and heavy lists, the second with one tag
    /// (a list of one) and most optional fields missing.
    const PAGE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <!DOCTYPE ServiceResponse SYSTEM \"https://qualysapi.qualys.com/hostasset.dtd\">\n\
        <ServiceResponse xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
        <responseCode>SUCCESS</responseCode><count>2</count>\
        <hasMoreRecords>true</hasMoreRecords><lastId>48213117</lastId><data>\
        <HostAsset><id>48213100</id><name>R&amp;D &lt;lab&gt;</name>\
        <dnsHostName>rd-lab.example.com</dnsHostName><fqdn>rd-lab.example.com</fqdn>\
        <os>Ubuntu 22.04.4 LTS</os><address>10.0.0.7</address>\
        <tags><list><TagSimple><id>1</id><name>Cloud Agent</name></TagSimple>\
        <TagSimple><id>2</id><name>PCI &lt;Scope&gt;</name></TagSimple></list></tags>\
        <agentInfo><agentVersion>6.2.0.18</agentVersion>\
        <agentId>6f1c0e52-2b1f-4f5e-9d0a-1b2c3d4e5f60</agentId><status>STATUS_ACTIVE</status>\
        <lastCheckedIn>2026-10-30T12:00:00Z</lastCheckedIn><platform>Linux</platform>\
        <activatedModule>AGENT_VM,AGENT_PC</activatedModule>\
        <agentConfiguration><id>9</id><name>Servers</name></agentConfiguration></agentInfo>\
        <software><list><HostAssetSoftware><name>openssl</name></HostAssetSoftware></list>\
        </software></HostAsset>\
        <HostAsset><id>48213117</id><name>kiosk</name><newElement><name>x</name></newElement>\
        <tags><list><TagSimple><id>1</id><name>Cloud Agent</name></TagSimple></list></tags>\
        <agentInfo><activatedModule>AGENT_VM</activatedModule></agentInfo></HostAsset>\
        </data></ServiceResponse>\n<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION -->\n";

    fn search_page_of(items: &str, tail: &str) -> String {
        format!(
            "<ServiceResponse><responseCode>SUCCESS</responseCode>{tail}<data>{items}</data>\
             </ServiceResponse>"
        )
    }

    #[test]
    fn the_search_asks_for_the_agent_fields_with_literal_commas() {
        let request = search_request(250, &[Criterion::cloud_agent_tag()]).unwrap();
        assert_eq!(request.method, crate::transport::Method::Post);
        assert_eq!(request.effect, Effect::Read);
        assert_eq!(
            request.path_and_query(),
            [SEARCH_PATH, "?fields=", AGENT_FIELDS].concat()
        );
        assert!(!AGENT_FIELDS.contains(' '));
        assert!(AGENT_FIELDS.contains("agentInfo.lastCheckedIn,agentInfo.platform"));
        let (content_type, body) = request.body.unwrap();
        assert_eq!(content_type, XML_CONTENT_TYPE);
        assert_eq!(read_back(&body).0.as_deref(), Some("250"));
    }

    #[test]
    fn a_page_is_read_with_every_agent_field() {
        let page = parse_search_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.count, Some(2));
        assert!(page.has_more_records);
        assert_eq!(page.last_id, Some(48_213_117));
        assert_eq!(page.assets.len(), 2);
        let first = &page.assets[0];
        assert_eq!(first.id, 48_213_100);
        assert_eq!(first.name, "R&D <lab>");
        assert_eq!(first.dns_host_name.as_deref(), Some("rd-lab.example.com"));
        assert_eq!(first.address.as_deref(), Some("10.0.0.7"));
        assert_eq!(first.os.as_deref(), Some("Ubuntu 22.04.4 LTS"));
        assert_eq!(
            first.agent_id.as_deref(),
            Some("6f1c0e52-2b1f-4f5e-9d0a-1b2c3d4e5f60")
        );
        assert_eq!(first.agent_version.as_deref(), Some("6.2.0.18"));
        assert_eq!(first.status.as_deref(), Some("STATUS_ACTIVE"));
        assert_eq!(
            first.last_checked_in.as_deref(),
            Some("2026-10-30T12:00:00Z")
        );
        assert_eq!(first.platform.as_deref(), Some("Linux"));
        assert_eq!(first.activated_modules, ["AGENT_VM", "AGENT_PC"]);
        assert_eq!(first.tags, ["Cloud Agent", "PCI <Scope>"]);
    }

    #[test]
    fn a_list_of_one_and_missing_optional_fields_are_accepted() {
        let page = parse_search_page(PAGE.as_bytes()).unwrap();
        let second = &page.assets[1];
        assert_eq!(second.id, 48_213_117);
        assert_eq!(second.tags, ["Cloud Agent"]);
        assert_eq!(second.activated_modules, ["AGENT_VM"]);
        assert_eq!(
            (
                &second.dns_host_name,
                &second.address,
                &second.os,
                &second.agent_id
            ),
            (&None, &None, &None, &None)
        );
        assert_eq!((&second.status, &second.last_checked_in), (&None, &None));
    }

    #[test]
    fn unknown_elements_never_fill_agent_fields() {
        let page = parse_search_page(PAGE.as_bytes()).unwrap();
        assert_eq!(
            page.assets[0].name, "R&D <lab>",
            "not agentConfiguration/name"
        );
        assert_eq!(page.assets[1].name, "kiosk", "not newElement/name");
        assert!(!page.assets[0].tags.contains(&"openssl".to_owned()));
    }

    #[test]
    fn a_single_asset_page_is_read() {
        let body = search_page_of(
            "<HostAsset><id>5</id></HostAsset>",
            "<count>1</count><hasMoreRecords>false</hasMoreRecords><lastId>5</lastId>",
        );
        let page = parse_search_page(body.as_bytes()).unwrap();
        assert_eq!(page.assets.len(), 1);
        assert_eq!(page.assets[0].name, "");
        assert!(page.assets[0].tags.is_empty());
        assert!(!page.has_more_records);
    }

    #[test]
    fn an_empty_page_has_no_agents_and_no_last_id() {
        let body = "<?xml version=\"1.0\"?><ServiceResponse><responseCode>SUCCESS</responseCode>\
                    <count>0</count><hasMoreRecords>false</hasMoreRecords><data/>\
                    </ServiceResponse><!-- CONFIDENTIAL -->";
        let page = parse_search_page(body.as_bytes()).unwrap();
        assert_eq!(page.count, Some(0));
        assert!(page.assets.is_empty());
        assert_eq!(page.last_id, None);
        assert!(!page.has_more_records);
    }

    #[test]
    fn a_missing_has_more_records_means_no_more() {
        let body = search_page_of("", "<count>0</count>");
        assert!(!parse_search_page(body.as_bytes()).unwrap().has_more_records);
    }

    #[test]
    fn malformed_pages_are_bad_responses() {
        let cases = [
            search_page_of("<HostAsset><name>no id</name></HostAsset>", ""),
            search_page_of("<HostAsset><id>x1</id></HostAsset>", ""),
            search_page_of("<HostAsset><id>-1</id></HostAsset>", ""),
            search_page_of("", "<count>two</count>"),
            search_page_of("", "<lastId>12.5</lastId>"),
            search_page_of("", "<hasMoreRecords>yes</hasMoreRecords>"),
            "<SIMPLE_RETURN><RESPONSE><CODE>0</CODE></RESPONSE></SIMPLE_RETURN>".to_owned(),
            PAGE[..PAGE.len() / 2].to_owned(),
            String::new(),
        ];
        for body in cases {
            let error = parse_search_page(body.as_bytes()).unwrap_err();
            assert_eq!(error.kind, ErrorKind::BadResponse, "{body}");
        }
    }

    #[test]
    fn the_count_is_read() {
        let body = b"<?xml version=\"1.0\"?><ServiceResponse><responseCode>SUCCESS</responseCode>\
                     <count>1234</count></ServiceResponse>";
        assert_eq!(parse_count(body).unwrap(), 1234);
    }

    #[test]
    fn a_count_answer_without_a_number_is_a_bad_response() {
        let missing = b"<ServiceResponse><responseCode>SUCCESS</responseCode></ServiceResponse>";
        assert_eq!(
            parse_count(missing).unwrap_err().kind,
            crate::ErrorKind::BadResponse
        );
        let garbage = b"<ServiceResponse><count>many</count></ServiceResponse>";
        assert!(parse_count(garbage).is_err());
    }

    #[test]
    fn the_head_of_a_page_is_read_without_its_assets() {
        let body = "<?xml version=\"1.0\"?><ServiceResponse><responseCode>SUCCESS</responseCode>\
                    <count>2</count><hasMoreRecords>true</hasMoreRecords><lastId>9</lastId>\
                    <data><HostAsset><id>not a number</id></HostAsset></data></ServiceResponse>";
        let head = parse_page_head(body.as_bytes()).unwrap();
        assert_eq!(
            (head.count, head.has_more_records, head.last_id),
            (Some(2), true, Some(9))
        );
        assert!(head.assets.is_empty());
    }

    #[test]
    fn a_page_without_data_or_of_another_kind_has_no_head() {
        let no_data = "<ServiceResponse><count>0</count><hasMoreRecords>false</hasMoreRecords>";
        assert!(parse_page_head(no_data.as_bytes()).is_none());
        let other = "<SIMPLE_RETURN><count>1</count><data/></SIMPLE_RETURN>";
        assert!(parse_page_head(other.as_bytes()).is_none());
        let bad_count = "<ServiceResponse><count>x</count><data/></ServiceResponse>";
        assert!(parse_page_head(bad_count.as_bytes()).is_none());
    }
}
