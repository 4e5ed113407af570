//! The request log: every request the simulator receives, recorded before anything else happens
//! to it, so tests can assert on what the component really sent (Basic auth, `X-Requested-With`,
//! `Content-Length`, the XML body, the number of calls).

use std::sync::Mutex;
use std::time::Instant;

use super::lock;

/// One HTTP request exactly as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query string, not percent-decoded.
    pub path: String,
    /// The raw query string (after `?`), when there was one.
    pub query: Option<String>,
    /// Every header in arrival order, names lower-cased, values decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The whole request body.
    pub body: Vec<u8>,
    /// When the request head arrived (for tests that check waits and backoffs).
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The query string's pairs, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|query| decode_pairs(query.as_bytes()))
            .unwrap_or_default()
    }

    /// Form parameters as a PHP endpoint sees them: the query string's pairs, then the body's
    /// pairs when the body is `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut pairs = self.query_pairs();
        if self.has_form_body() {
            pairs.extend(decode_pairs(&self.body));
        }
        pairs
    }

    /// The first form parameter (see [`RecordedRequest::form`]) with this name.
    pub fn form_value(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The login claimed by the `Authorization: Basic` header, whether or not the password is
    /// right.
    pub fn basic_login(&self) -> Option<String> {
        self.header("authorization")
            .and_then(super::accounts::decode_basic)
            .map(|credentials| credentials.login)
    }

    fn has_form_body(&self) -> bool {
        self.header("content-type").is_some_and(|content_type| {
            content_type
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    }

    /// Builds the record from a request head and its collected body.
    pub(crate) fn from_parts(parts: &http::request::Parts, body: Vec<u8>) -> RecordedRequest {
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            received_at: Instant::now(),
        }
    }
}

fn decode_pairs(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

/// The shared, append-only list of recorded requests.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: Mutex<Vec<RecordedRequest>>,
}

impl RequestLog {
    pub(crate) fn push(&self, request: RecordedRequest) {
        lock(&self.entries).push(request);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).clone()
    }

    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: Option<&str>, content_type: Option<&str>, body: &str) -> RecordedRequest {
        let mut headers = Vec::new();
        if let Some(content_type) = content_type {
            headers.push(("content-type".to_owned(), content_type.to_owned()));
        }
        RecordedRequest {
            method: "POST".to_owned(),
            path: "/msp/user.php".to_owned(),
            query: query.map(str::to_owned),
            headers,
            body: body.as_bytes().to_vec(),
            received_at: Instant::now(),
        }
    }

    #[test]
    fn form_joins_query_and_urlencoded_body() {
        let recorded = request(
            Some("action=activate"),
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            "login=acme_x%26y",
        );
        assert_eq!(
            recorded.form(),
            vec![
                ("action".to_owned(), "activate".to_owned()),
                ("login".to_owned(), "acme_x&y".to_owned())
            ]
        );
    }

    #[test]
    fn form_ignores_body_without_form_content_type() {
        let recorded = request(None, None, "action=activate");
        assert!(recorded.form().is_empty());
        assert_eq!(recorded.form_value("action"), None);
    }

    #[test]
    fn header_lookup_is_case_insensitive() {
        let recorded = request(None, Some("text/xml"), "");
        assert_eq!(recorded.header("Content-Type"), Some("text/xml"));
    }
}
