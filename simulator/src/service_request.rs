//! Reading QPS request bodies: `<ServiceRequest><preferences/><filters><Criteria/></filters>`.
//!
//! The body is read with quick-xml's pull `Reader`; entity and character references are decoded
//! (`&amp;`, `&#233;`), CDATA is taken literally, a DOCTYPE is ignored (never expanded). Anything
//! not shaped like a `ServiceRequest` is an [`InvalidRequest`]:
//! another root, an unknown element, text where none belongs, an undefined entity, unclosed
//! elements, a Criteria without `field` or `operator`. An empty body is an empty request.
//! Values are returned as text; [`super::filters`] gives them meaning.

use http::StatusCode;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::reply::Reply;
use super::xml::service_error;

/// Why a QPS request was rejected (answered `INVALID_REQUEST`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct InvalidRequest(pub(crate) String);

impl InvalidRequest {
    pub(crate) fn new(message: impl Into<String>) -> InvalidRequest {
        InvalidRequest(message.into())
    }

    /// The `INVALID_REQUEST` answer (HTTP 400) of an endpoint whose XML schema is `schema`.
    pub(crate) fn reply(&self, schema: &str) -> Reply {
        Reply::qps_xml(
            StatusCode::BAD_REQUEST,
            service_error(
                schema,
                "INVALID_REQUEST",
                &self.0,
                "Correct the request and send it again.",
            ),
        )
    }
}

/// One `<Criteria field="F" operator="OP">VALUE</Criteria>`, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Criterion {
    pub(crate) field: String,
    pub(crate) operator: String,
    pub(crate) value: String,
}

/// A decoded `ServiceRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServiceRequest {
    /// `preferences/limitResults`, as written.
    pub(crate) limit_results: Option<String>,
    /// `preferences/startFromId`, as written.
    pub(crate) start_from_id: Option<String>,
    /// `filters/Criteria`, in order.
    pub(crate) criteria: Vec<Criterion>,
}

/// Where the reader is in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Root,
    Preferences,
    Filters,
    /// Inside an element whose text is a value.
    Leaf(LeafKind),
    /// Inside `data` (payloads of create/update calls): skipped.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LeafKind {
    LimitResults,
    StartFromId,
    Criteria { field: String, operator: String },
}

/// Parses a request body.
pub(crate) fn parse_service_request(body: &[u8]) -> Result<ServiceRequest, InvalidRequest> {
    let text = std::str::from_utf8(body)
        .map_err(|_| InvalidRequest::new("The request body is not valid UTF-8."))?;
    if text.trim().is_empty() {
        return Ok(ServiceRequest::default());
    }
    RequestParser::default().parse(text)
}

#[derive(Default)]
struct RequestParser {
    request: ServiceRequest,
    stack: Vec<Place>,
    text: String,
    root_seen: bool,
}

impl RequestParser {
    fn parse(mut self, text: &str) -> Result<ServiceRequest, InvalidRequest> {
        let mut reader = Reader::from_str(text);
        loop {
            let event = reader.read_event().map_err(|error| {
                InvalidRequest::new(format!("The request body is not well-formed XML: {error}"))
            })?;
            match event {
                Event::Start(start) => self.open(&start)?,
                Event::Empty(start) => {
                    self.open(&start)?;
                    self.close()?;
                }
                Event::End(_) => self.close()?,
                Event::Text(text) => self.text(&decode(text.decode())?)?,
                Event::CData(data) => self.text(&decode(data.decode())?)?,
                Event::GeneralRef(reference) => self.text(&resolve_reference(&reference)?)?,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if !self.root_seen || !self.stack.is_empty() {
            return Err(InvalidRequest::new(
                "The request body is not a complete ServiceRequest.",
            ));
        }
        Ok(self.request)
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), InvalidRequest> {
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let place = match (self.stack.last(), name.as_str()) {
            (None, "ServiceRequest") if !self.root_seen => {
                self.root_seen = true;
                Place::Root
            }
            (None, _) => {
                return Err(InvalidRequest::new(format!(
                    "Unexpected root element <{name}>: expected one <ServiceRequest>."
                )));
            }
            (Some(Place::Skipped), _) => Place::Skipped,
            (Some(Place::Root), "preferences") => Place::Preferences,
            (Some(Place::Root), "filters") => Place::Filters,
            (Some(Place::Root), "data") => Place::Skipped,
            (Some(Place::Preferences), "limitResults") => Place::Leaf(LeafKind::LimitResults),
            (Some(Place::Preferences), "startFromId") => Place::Leaf(LeafKind::StartFromId),
            (Some(Place::Filters), "Criteria") => Place::Leaf(criteria_kind(start)?),
            _ => {
                return Err(InvalidRequest::new(format!(
                    "Unexpected element <{name}> in the request."
                )));
            }
        };
        self.text.clear();
        self.stack.push(place);
        Ok(())
    }

    fn close(&mut self) -> Result<(), InvalidRequest> {
        let place = self
            .stack
            .pop()
            .ok_or_else(|| InvalidRequest::new("Unbalanced end tag in the request."))?;
        if let Place::Leaf(kind) = place {
            let value = std::mem::take(&mut self.text);
            match kind {
                LeafKind::LimitResults => self.request.limit_results = Some(value),
                LeafKind::StartFromId => self.request.start_from_id = Some(value),
                LeafKind::Criteria { field, operator } => self.request.criteria.push(Criterion {
                    field,
                    operator,
                    value,
                }),
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), InvalidRequest> {
        match self.stack.last() {
            Some(Place::Leaf(_)) => {
                self.text.push_str(text);
                Ok(())
            }
            Some(Place::Skipped) => Ok(()),
            _ if text.trim().is_empty() => Ok(()),
            _ => Err(InvalidRequest::new("Unexpected text in the request.")),
        }
    }
}

fn criteria_kind(start: &BytesStart<'_>) -> Result<LeafKind, InvalidRequest> {
    let mut field = None;
    let mut operator = None;
    for attribute in start.attributes() {
        let attribute = attribute
            .map_err(|error| InvalidRequest::new(format!("Bad Criteria attribute: {error}")))?;
        let value = attribute
            .unescape_value()
            .map_err(|error| InvalidRequest::new(format!("Bad Criteria attribute: {error}")))?
            .into_owned();
        match attribute.key.as_ref() {
            b"field" => field = Some(value),
            b"operator" => operator = Some(value),
            _ => {}
        }
    }
    match (field, operator) {
        (Some(field), Some(operator)) => Ok(LeafKind::Criteria { field, operator }),
        _ => Err(InvalidRequest::new(
            "Each Criteria needs a field and an operator attribute.",
        )),
    }
}

fn decode<E: std::fmt::Display>(
    text: Result<std::borrow::Cow<'_, str>, E>,
) -> Result<String, InvalidRequest> {
    text.map(std::borrow::Cow::into_owned)
        .map_err(|error| InvalidRequest::new(format!("Undecodable text in the request: {error}")))
}

fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, InvalidRequest> {
    let undefined = || InvalidRequest::new("Undefined entity or bad character reference.");
    if let Ok(Some(character)) = reference.resolve_char_ref() {
        return Ok(character.to_string());
    }
    let name = reference.decode().map_err(|_| undefined())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(undefined)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A criterion of the request body, for the tests of this crate.
    pub(crate) fn criterion(field: &str, operator: &str, value: &str) -> Criterion {
        Criterion {
            field: field.to_owned(),
            operator: operator.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn reads_preferences_and_criteria_with_entities_decoded() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceRequest>
  <preferences><limitResults>25</limitResults><startFromId>9</startFromId></preferences>
  <filters>
    <Criteria field="tagName" operator="EQUALS">Cloud Agent</Criteria>
    <Criteria field="name" operator="CONTAINS">R&amp;D &lt;x&gt; &#233;&#x20AC; <![CDATA[&amp;]]></Criteria>
    <Criteria field="os" operator="NOT EQUALS"/>
  </filters>
</ServiceRequest>"#;
        let request = parse_service_request(body).expect("valid");
        assert_eq!(request.limit_results.as_deref(), Some("25"));
        assert_eq!(request.start_from_id.as_deref(), Some("9"));
        assert_eq!(
            request.criteria,
            vec![
                criterion("tagName", "EQUALS", "Cloud Agent"),
                criterion("name", "CONTAINS", "R&D <x> é€ &amp;"),
                criterion("os", "NOT EQUALS", ""),
            ]
        );
    }

    #[test]
    fn attribute_entities_are_decoded() {
        let body = br#"<ServiceRequest><filters><Criteria field="na&#109;e" operator="NOT&#32;EQUALS">x</Criteria></filters></ServiceRequest>"#;
        let request = parse_service_request(body).expect("valid");
        assert_eq!(request.criteria, vec![criterion("name", "NOT EQUALS", "x")]);
    }

    #[test]
    fn empty_body_is_an_empty_request() {
        assert_eq!(
            parse_service_request(b"  \n"),
            Ok(ServiceRequest::default())
        );
        assert_eq!(
            parse_service_request(b"<ServiceRequest></ServiceRequest>"),
            Ok(ServiceRequest::default())
        );
    }

    #[test]
    fn malformed_or_foreign_bodies_are_rejected() {
        let bad: &[&[u8]] = &[
            b"<ServiceRequest><filters>",
            b"<ServiceRequest></filters>",
            b"<Other/>",
            b"<ServiceRequest/><ServiceRequest/>",
            b"<ServiceRequest><bogus/></ServiceRequest>",
            b"<ServiceRequest>text</ServiceRequest>",
            b"<ServiceRequest><filters><Criteria field=\"name\">x</Criteria></filters></ServiceRequest>",
            b"<ServiceRequest><filters><Criteria field=\"name\" operator=\"EQUALS\">&nbsp;</Criteria></filters></ServiceRequest>",
            b"<ServiceRequest><filters><Criteria field=\"name\" operator=\"EQUALS\"><x/></Criteria></filters></ServiceRequest>",
            b"\xff\xfe",
            b"not xml at all",
            b"<ServiceRequest><filters><Criteria field=\"a\" operator=\"EQUALS\">a & b</Criteria></filters></ServiceRequest>",
        ];
        for body in bad {
            assert!(
                parse_service_request(body).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn arbitrary_bytes_and_cut_bodies_never_panic() {
        use rand::{Rng, SeedableRng};
        let valid = br#"<?xml version="1.0"?><ServiceRequest><preferences><limitResults>5</limitResults></preferences><filters><Criteria field="name" operator="CONTAINS">a&amp;b&#x41;<![CDATA[x]]></Criteria></filters></ServiceRequest>"#;
        for cut in 0..valid.len() {
            let _ = parse_service_request(&valid[..cut]);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let alphabet = b"<>/=\"'&;#x![]CDATA ServiceRequestfilters\xc3\xa9\xff";
        for _ in 0..5000 {
            let length = rng.random_range(0..80);
            let body: Vec<u8> = (0..length)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let _ = parse_service_request(&body);
        }
    }

    #[test]
    fn data_payloads_are_skipped() {
        let body =
            b"<ServiceRequest><data><HostAsset><name>x</name></HostAsset></data></ServiceRequest>";
        assert_eq!(parse_service_request(body), Ok(ServiceRequest::default()));
    }
}
