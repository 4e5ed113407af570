//! Host assets (`/qps/rest/2.0/{count,search}/am/hostasset`): request bodies and answers.
//!
//! A QPS request body is a `ServiceRequest` with optional `preferences` and AND-ed
//! `Criteria`. Bodies are written with quick-xml's escaping writer, so a value such as
//! `R&D <lab>` is searched for literally.

use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::client::{ApiRequest, Effect};
use super::xml::{self, Flow, Node};
use crate::{Error, Result};

/// Path of the count endpoint.
pub const COUNT_PATH: &str = "/qps/rest/2.0/count/am/hostasset";

/// The tag every Cloud Agent asset carries.
pub const CLOUD_AGENT_TAG: &str = "Cloud Agent";

/// Content type of QPS request bodies.
pub const XML_CONTENT_TYPE: &str = "text/xml";

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
pub fn service_request(limit_results: Option<u32>, criteria: &[Criterion]) -> Result<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    writer
        .create_element("ServiceRequest")
        .write_inner_content(|writer| {
            if let Some(limit) = limit_results {
                writer
                    .create_element("preferences")
                    .write_inner_content(|writer| {
                        writer
                            .create_element("limitResults")
                            .write_text_content(BytesText::new(&limit.to_string()))?;
                        Ok(())
                    })?;
            }
            if !criteria.is_empty() {
                writer
                    .create_element("filters")
                    .write_inner_content(|writer| {
                        for criterion in criteria {
                            writer
                                .create_element("Criteria")
                                .with_attribute(("field", criterion.field))
                                .with_attribute(("operator", criterion.operator.as_str()))
                                .write_text_content(BytesText::new(&criterion.value))?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })
        .map_err(|error| Error::invalid_input(format!("could not write the request: {error}")))?;
    Ok(writer.into_inner())
}

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
}
