//! The QPS request body: a `ServiceRequest` with optional `preferences` and AND-ed `Criteria`.
//!
//! Every QPS endpoint the connector calls (host asset count and search, the on-demand scan
//! launch) takes this body, so it is written here once. Bodies are written with quick-xml's
//! escaping writer, so a value such as `R&D <lab>` is searched for literally.

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::{Error, Result};

/// Content type of QPS request bodies.
pub const XML_CONTENT_TYPE: &str = "text/xml";

/// The tag every Cloud Agent asset carries.
pub const CLOUD_AGENT_TAG: &str = "Cloud Agent";

/// A QPS criterion operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `EQUALS`.
    Equals,
    /// `CONTAINS` (case-sensitive).
    Contains,
    /// `GREATER` (strict).
    Greater,
    /// `LESSER` (strict).
    Lesser,
    /// `IN` (comma-separated values).
    In,
}

impl Operator {
    /// The operator as Qualys spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "EQUALS",
            Self::Contains => "CONTAINS",
            Self::Greater => "GREATER",
            Self::Lesser => "LESSER",
            Self::In => "IN",
        }
    }
}

/// One `<Criteria field=… operator=…>value</Criteria>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// The field, e.g. `lastCheckedIn`.
    pub field: &'static str,
    /// The operator.
    pub operator: Operator,
    /// The value, unescaped.
    pub value: String,
}

impl Criterion {
    /// A criterion.
    pub fn new(field: &'static str, operator: Operator, value: impl Into<String>) -> Self {
        Self {
            field,
            operator,
            value: value.into(),
        }
    }

    /// `tagName EQUALS Cloud Agent`.
    pub fn cloud_agent_tag() -> Self {
        Self::new("tagName", Operator::Equals, CLOUD_AGENT_TAG)
    }
}

/// `<ServiceRequest>[<preferences><limitResults>N</limitResults></preferences>]<filters>…`.
///
/// Written with quick-xml's `Writer`, which escapes every value and attribute. Every element
/// goes through [`write_event`] with a plain [`Event`]: the closure-based element builders
/// write the same bytes with more code in the component.
pub fn service_request(limit_results: Option<u32>, criteria: &[Criterion]) -> Result<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    write_event(&mut writer, Event::Start(BytesStart::new("ServiceRequest")))?;
    if let Some(limit) = limit_results {
        write_event(&mut writer, Event::Start(BytesStart::new("preferences")))?;
        write_element(
            &mut writer,
            BytesStart::new("limitResults"),
            &limit.to_string(),
        )?;
        write_event(&mut writer, Event::End(BytesEnd::new("preferences")))?;
    }
    if !criteria.is_empty() {
        write_event(&mut writer, Event::Start(BytesStart::new("filters")))?;
        for criterion in criteria {
            let start = BytesStart::new("Criteria").with_attributes([
                ("field", criterion.field),
                ("operator", criterion.operator.as_str()),
            ]);
            write_element(&mut writer, start, &criterion.value)?;
        }
        write_event(&mut writer, Event::End(BytesEnd::new("filters")))?;
    }
    write_event(&mut writer, Event::End(BytesEnd::new("ServiceRequest")))?;
    Ok(writer.into_inner())
}

/// Writes `<start>text</name>`, `text` escaped.
fn write_element(writer: &mut Writer<Vec<u8>>, start: BytesStart<'_>, text: &str) -> Result<()> {
    let end = start.to_end().into_owned();
    write_event(writer, Event::Start(start))?;
    write_event(writer, Event::Text(BytesText::new(text)))?;
    write_event(writer, Event::End(end))
}

/// Writes one event of a request body.
fn write_event(writer: &mut Writer<Vec<u8>>, event: Event<'_>) -> Result<()> {
    writer
        .write_event(event)
        .map_err(|error| Error::invalid_input(format!("could not write the request: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_in_the_request_body() {
        let body = service_request(
            Some(10),
            &[
                Criterion::cloud_agent_tag(),
                Criterion::new("name", Operator::Contains, "R&D <\"lab\"> 'x'"),
            ],
        )
        .unwrap();
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            text,
            "<ServiceRequest><preferences><limitResults>10</limitResults></preferences>\
             <filters><Criteria field=\"tagName\" operator=\"EQUALS\">Cloud Agent</Criteria>\
             <Criteria field=\"name\" operator=\"CONTAINS\">R&amp;D &lt;&quot;lab&quot;&gt; &apos;x&apos;\
             </Criteria></filters></ServiceRequest>"
        );
    }
}
