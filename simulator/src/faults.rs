//! Fault injection: make the next requests fail the way networks, proxies and Qualys do.
//!
//! A test queues [`FaultRule`]s with `Simulator::inject`; each request (after being recorded)
//! consumes the first rule that still has uses left and whose `path_contains` matches its path.
//! What the fault does to the answer:
//!
//! | fault | answer | endpoint runs? |
//! |---|---|---|
//! | [`Fault::Status`] | that status, small HTML page | no |
//! | [`Fault::Html`] | 200, HTML maintenance / login page | no |
//! | [`Fault::MalformedXml`] | 200, XML-looking body that does not parse | no |
//! | [`Fault::Verbatim`] | exactly the [`CannedAnswer`]'s status, headers and bytes (replay of a recorded answer) | no |
//! | [`Fault::RateLimited`] | 409, `SIMPLE_RETURN` with the code, `X-RateLimit-ToWait-Sec` when given | no |
//! | [`Fault::Limit409`] | 409, the code in the [`LimitBody`] chosen, `X-RateLimit-ToWait-Sec` when given | no |
//! | [`Fault::TooManyRequests`] | 429, small HTML page | no |
//! | [`Fault::DropConnection`] | connection closed without an answer | no |
//! | [`Fault::ServiceError`] | that status, `ServiceResponse` with the code and message | no |
//! | [`Fault::OversizedBody`] | 200, an XML answer of that many bytes | no |
//! | [`Fault::DelayBeforeHeaders`] | the real answer, after a sleep | yes |
//! | [`Fault::TruncatedBody`] | the real status and headers, first half of the body | yes |
//! | [`Fault::StallMidBody`] | the real answer, paused after some bytes | yes |
//! | [`Fault::UserFailedWithoutMessage`] | the next FAILED `user.php` answer has no `MESSAGE` | yes |
//!
//! "Endpoint runs" matters for writes: a truncated or stalled answer to `user.php` or a scan
//! launch still changed the state, as a real lost answer would have.
//!
//! # Replaying recorded answers
//!
//! [`Fault::Verbatim`] answers with a [`CannedAnswer`] byte for byte: a test pastes a recorded
//! Qualys answer (leading whitespace, CRLF line ends, non-UTF-8 bytes and all) and proves the
//! connector reads it. `Simulator::replay("about.php", answer, 1)` is the short form of
//! `inject(FaultRule::times(1, Fault::Verbatim(answer)).on_path("about.php"))`.
//!
//! # The 409 family
//!
//! Qualys refuses a call over a limit with HTTP 409; the code says which limit (1920: another
//! instance of the API is running; 1960: too many concurrent calls; 1965: too many calls in
//! the window) and the document carrying it depends on the API. [`Fault::Limit409`] picks all
//! three: the code, the [`LimitBody`] and the wait. The texts, by code: 1965 `This API cannot be
//! run again for another N seconds.` (N the wait, when given), 1960 `This API cannot be run
//! again until 2 currently running instances have finished.`, 1920 `This API cannot be run
//! again until the currently running instance has finished.` (1920's wording is unverified).

use std::sync::Mutex;
use std::time::Duration;

use http::StatusCode;
use http::header::HeaderName;

use super::lock;
use super::log::RecordedRequest;
use super::ratelimit::{
    CONCURRENCY_LIMIT_CODE, CONCURRENT_INSTANCE_CODE, RATE_LIMIT_CODE, limit_refusal,
};
use super::reply::{Delivery, PLAIN_TEXT, QPS_XML, Reply};
use super::server::api_file_name;
use super::users::failed_user_output;
use super::xml::{HOSTASSET_SCHEMA, generic_return, service_error};

/// One way for a request to go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this HTTP status with a short HTML body (an invalid code answers 500).
    Status(u16),
    /// Answer 200 with an HTML page (a proxy login or maintenance page).
    Html,
    /// Answer the real status and headers with only the first half of the body; the
    /// `Content-Length` matches the half, so the HTTP exchange is clean but the XML ends
    /// mid-element.
    TruncatedBody,
    /// Answer 200 with an XML declaration and a body that is not well-formed.
    MalformedXml,
    /// Wait this long, then answer normally.
    DelayBeforeHeaders(Duration),
    /// Send the real headers and `after_bytes` of the body, wait `stall`, then send the rest.
    StallMidBody {
        /// Bytes of the body sent before the pause.
        after_bytes: usize,
        /// Length of the pause.
        stall: Duration,
    },
    /// Answer 409 with a `SIMPLE_RETURN` carrying `code` (1960 or 1965), and
    /// `X-RateLimit-ToWait-Sec` when `wait_secs` is given. The same as [`Fault::Limit409`]
    /// with [`LimitBody::SimpleReturn`].
    RateLimited {
        /// The `SIMPLE_RETURN` code.
        code: u32,
        /// Seconds to wait, sent as `X-RateLimit-ToWait-Sec` (and in the 1965 text).
        wait_secs: Option<u32>,
    },
    /// Answer 409 for a limit reached, in the document `family` chooses (see [`LimitBody`]),
    /// e.g. `Fault::Limit409 { code: 1965, family: LimitBody::GenericReturn, wait_secs: None }`.
    Limit409 {
        /// The Qualys code: 1920, 1960 or 1965 (any number is written as given).
        code: u32,
        /// What the body is.
        family: LimitBody,
        /// Seconds to wait: sent as `X-RateLimit-ToWait-Sec`, in the 1965 text and (in
        /// `SIMPLE_RETURN`) as `ITEM_LIST/ITEM` `SECONDS_TO_WAIT`. `None`: no header at all.
        wait_secs: Option<u32>,
    },
    /// Answer exactly this recorded answer (see [`CannedAnswer`]); the endpoint does not run.
    Verbatim(CannedAnswer),
    /// Answer 429 Too Many Requests (what Qualys gateway APIs do), small HTML body.
    TooManyRequests,
    /// The next `user.php` answer that is FAILED omits `MESSAGE`. Consumed only by such an
    /// answer, never by other requests.
    UserFailedWithoutMessage,
    /// Close the connection without answering.
    DropConnection,
    /// Answer `status` with a QPS `ServiceResponse` whose `responseCode` is `code` (any text,
    /// including codes Qualys has not documented).
    ServiceError {
        /// The HTTP status.
        status: u16,
        /// The `responseCode`.
        code: String,
        /// The `errorMessage`.
        message: String,
    },
    /// Answer 200 with a well-formed XML body of `bytes` bytes (a comment pads it), to test
    /// body caps.
    OversizedBody {
        /// Size of the body.
        bytes: usize,
    },
}

/// The body of a [`Fault::Limit409`] answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitBody {
    /// `SIMPLE_RETURN/RESPONSE/{DATETIME,CODE,TEXT[,ITEM_LIST]}` (the v2 APIs), text/xml.
    SimpleReturn,
    /// `GENERIC_RETURN` with `API name="<file name of the path>" username="<login>"` and
    /// `RETURN status="FAILED" number="<code>"` holding the padded text (the v1 `/msp/` APIs),
    /// text/xml.
    GenericReturn,
    /// `USER_OUTPUT` with `API name="<file name of the path>"` and
    /// `RETURN status="FAILED" number="<code>"><MESSAGE>text</MESSAGE>` (how `user.php`
    /// reports failures), text/xml.
    UserOutput,
    /// No body and no `Content-Type` (`Content-Length: 0`).
    Empty,
    /// A small HTML page (a gateway's), `text/html`.
    Html,
    /// The text alone, `text/plain`.
    PlainText,
}

/// A recorded answer, replayed by [`Fault::Verbatim`] or `Simulator::replay`.
///
/// The status is sent as given (use a real status, 200..=599; one `http` rejects answers 500),
/// the body byte for byte, and the headers in order, names lower-cased by the HTTP server.
/// Headers that frame the message (`Content-Length`, `Transfer-Encoding`, `Connection`,
/// `Keep-Alive`) are left out: the server writes its own `Content-Length` for the body, and a
/// `Date`. No `Content-Type` is added: the answer has one only when `headers` has one. A header
/// whose name or value HTTP cannot carry is left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CannedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, `(name, value)`, in order.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

impl CannedAnswer {
    /// An answer with this status and body and no headers yet.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> CannedAnswer {
        CannedAnswer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header (after the ones already there).
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> CannedAnswer {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The reply the server sends for it.
    fn to_reply(&self) -> Reply {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = self
            .headers
            .iter()
            .filter_map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
                (!FRAMING_HEADERS.contains(&name.as_str())).then(|| (name, value.clone()))
            })
            .collect();
        Reply::bare(status, headers, self.body.clone())
    }
}

/// Headers of a canned answer the server writes itself (lower case, as `HeaderName` keeps them).
const FRAMING_HEADERS: [&str; 4] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
];

/// A fault and which requests it hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Only requests whose path contains this text; `None`: any request.
    pub path_contains: Option<String>,
    /// How many more matching requests the fault hits.
    pub remaining: usize,
    /// What happens to them.
    pub fault: Fault,
}

impl FaultRule {
    /// The next request, whatever its path.
    pub fn once(fault: Fault) -> FaultRule {
        FaultRule::times(1, fault)
    }

    /// The next `count` requests, whatever their path.
    pub fn times(count: usize, fault: Fault) -> FaultRule {
        FaultRule {
            path_contains: None,
            remaining: count,
            fault,
        }
    }

    /// Restricts the rule to paths containing `fragment` (e.g. `"user.php"`, `"search/am"`).
    pub fn on_path(mut self, fragment: impl Into<String>) -> FaultRule {
        self.path_contains = Some(fragment.into());
        self
    }

    fn applies_to(&self, path: &str) -> bool {
        self.remaining > 0
            && self
                .path_contains
                .as_deref()
                .is_none_or(|fragment| path.contains(fragment))
    }
}

impl From<Fault> for FaultRule {
    /// A bare fault hits the next request.
    fn from(fault: Fault) -> FaultRule {
        FaultRule::once(fault)
    }
}

/// The injected rules, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    rules: Mutex<Vec<FaultRule>>,
}

impl FaultQueue {
    pub(crate) fn push(&self, rule: FaultRule) {
        if rule.remaining > 0 {
            lock(&self.rules).push(rule);
        }
    }

    pub(crate) fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// Consumes the fault for a request to `path`, if any (never a
    /// [`Fault::UserFailedWithoutMessage`], which waits for a FAILED `user.php` answer).
    pub(crate) fn take_for_request(&self, path: &str) -> Option<Fault> {
        self.take_first(|rule| {
            rule.fault != Fault::UserFailedWithoutMessage && rule.applies_to(path)
        })
    }

    /// Consumes a pending [`Fault::UserFailedWithoutMessage`] for `path`; true when there was one.
    pub(crate) fn take_user_failed_without_message(&self, path: &str) -> bool {
        self.take_first(|rule| {
            rule.fault == Fault::UserFailedWithoutMessage && rule.applies_to(path)
        })
        .is_some()
    }

    fn take_first(&self, wanted: impl Fn(&FaultRule) -> bool) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let index = rules.iter().position(wanted)?;
        let rule = &mut rules[index];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            rules.remove(index);
        }
        Some(fault)
    }
}

/// What the server does about a consumed fault.
#[derive(Debug)]
pub(crate) enum FaultEffect {
    /// Send this instead of the real answer.
    Replace(Reply),
    /// Close the connection.
    Drop,
    /// Sleep, then answer normally.
    Delay(Duration),
    /// Answer normally, delivering the body this way.
    Deliver(Delivery),
}

/// Turns a fault hitting `request` into what the server must do.
pub(crate) fn effect_of(fault: Fault, request: &RecordedRequest) -> FaultEffect {
    match fault {
        Fault::Status(code) => FaultEffect::Replace(status_page(code)),
        Fault::Html => FaultEffect::Replace(maintenance_page()),
        Fault::MalformedXml => FaultEffect::Replace(malformed_xml()),
        Fault::RateLimited { code, wait_secs } => {
            FaultEffect::Replace(limit_409(code, LimitBody::SimpleReturn, wait_secs, request))
        }
        Fault::Limit409 {
            code,
            family,
            wait_secs,
        } => FaultEffect::Replace(limit_409(code, family, wait_secs, request)),
        Fault::Verbatim(answer) => FaultEffect::Replace(answer.to_reply()),
        Fault::TooManyRequests => FaultEffect::Replace(Reply::html_page(
            StatusCode::TOO_MANY_REQUESTS,
            "429 Too Many Requests",
            "You have exceeded the request rate. Try again later.",
        )),
        Fault::DropConnection => FaultEffect::Drop,
        Fault::DelayBeforeHeaders(delay) => FaultEffect::Delay(delay),
        Fault::TruncatedBody => FaultEffect::Deliver(Delivery::Truncated),
        Fault::StallMidBody { after_bytes, stall } => {
            FaultEffect::Deliver(Delivery::Stalled { after_bytes, stall })
        }
        Fault::UserFailedWithoutMessage => FaultEffect::Deliver(Delivery::Whole),
        Fault::ServiceError {
            status,
            code,
            message,
        } => FaultEffect::Replace(qps_error(status, &code, &message)),
        Fault::OversizedBody { bytes } => FaultEffect::Replace(oversized(bytes)),
    }
}

fn qps_error(code: u16, response_code: &str, message: &str) -> Reply {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = service_error(
        HOSTASSET_SCHEMA,
        response_code,
        message,
        "Contact Qualys support.",
    );
    Reply::qps_xml(status, body)
}

/// `<ServiceResponse>` padded by a comment to exactly `bytes` bytes (or its minimal size).
fn oversized(bytes: usize) -> Reply {
    let head = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ServiceResponse><!--";
    let tail = b"--><responseCode>SUCCESS</responseCode></ServiceResponse>";
    let padding = bytes.saturating_sub(head.len() + tail.len());
    let mut body = Vec::with_capacity(head.len() + padding + tail.len());
    body.extend_from_slice(head);
    body.resize(head.len() + padding, b'x');
    body.extend_from_slice(tail);
    Reply::new(StatusCode::OK, QPS_XML, body)
}

fn status_page(code: u16) -> Reply {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    Reply::html_page(
        status,
        &title,
        "The server encountered a problem and could not complete your request.",
    )
}

fn maintenance_page() -> Reply {
    Reply::html_page(
        StatusCode::OK,
        "Qualys - Scheduled Maintenance",
        "Qualys is down for scheduled maintenance. Please log in again later.",
    )
}

/// Looks like the start of a Qualys answer, then breaks: mismatched end tag, an undefined
/// entity, an unclosed root.
const MALFORMED_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</cuont>\
<data><HostAsset><id>1</id><name>broken &nbsp; <</name></data>\n";

fn malformed_xml() -> Reply {
    Reply::new(StatusCode::OK, QPS_XML, MALFORMED_XML.as_bytes().to_vec())
}

/// The text of a limit refusal with this code.
fn limit_text(code: u32, wait_secs: Option<u32>) -> String {
    match (code, wait_secs) {
        (RATE_LIMIT_CODE, Some(wait)) => {
            format!("This API cannot be run again for another {wait} seconds.")
        }
        (RATE_LIMIT_CODE, None) => "This API cannot be run again for a while.".to_owned(),
        (CONCURRENCY_LIMIT_CODE, _) => {
            "This API cannot be run again until 2 currently running instances have finished."
                .to_owned()
        }
        (CONCURRENT_INSTANCE_CODE, _) => {
            "This API cannot be run again until the currently running instance has finished."
                .to_owned()
        }
        _ => "This API cannot be run right now.".to_owned(),
    }
}

/// The 409 of [`Fault::Limit409`] (and of [`Fault::RateLimited`], in `SIMPLE_RETURN`).
fn limit_409(
    code: u32,
    family: LimitBody,
    wait_secs: Option<u32>,
    request: &RecordedRequest,
) -> Reply {
    let text = limit_text(code, wait_secs);
    let login = request.basic_login().unwrap_or_default();
    let api_name = api_file_name(&request.path);
    let reply = match family {
        LimitBody::SimpleReturn => limit_refusal(code, &text, wait_secs),
        LimitBody::GenericReturn => {
            Reply::msp_xml(generic_return(api_name, &login, Some(code), &text))
        }
        LimitBody::UserOutput => Reply::msp_xml(failed_user_output(api_name, &login, code, &text)),
        LimitBody::Empty => Reply::bare(StatusCode::OK, Vec::new(), Vec::new()),
        LimitBody::Html => Reply::html_page(StatusCode::OK, "409 Conflict", &text),
        LimitBody::PlainText => Reply::new(StatusCode::OK, PLAIN_TEXT, text.into_bytes()),
    }
    .with_status(StatusCode::CONFLICT);
    match wait_secs {
        Some(wait) => reply.with_header(
            HeaderName::from_static("x-ratelimit-towait-sec"),
            wait.to_string(),
        ),
        None => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::MANAGER;
    use crate::testing::{
        SEARCH, TestRequest, TestResponse, is_well_formed, service_request, small_simulator,
    };
    use crate::{CLOUD_AGENT_TAG, Simulator};

    async fn about(sim: &Simulator) -> std::io::Result<TestResponse> {
        TestRequest::get("/msp/about.php")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
    }

    async fn search(sim: &Simulator) -> TestResponse {
        TestRequest::post(SEARCH)
            .auth(&MANAGER)
            .xml(&service_request(
                &[("tagName", "EQUALS", CLOUD_AGENT_TAG)],
                Some("20"),
            ))
            .send(sim.addr())
            .await
            .expect("answer")
    }

    #[tokio::test]
    async fn status_fault_answers_the_status_with_html_then_stops() {
        let sim = small_simulator().await;
        sim.inject(Fault::Status(503));
        let faulted = about(&sim).await.expect("answer");
        assert_eq!(faulted.status, 503);
        assert!(
            faulted
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        assert!(faulted.text().contains("Service Unavailable"));
        assert_eq!(about(&sim).await.expect("answer").status, 200);
        assert_eq!(sim.requests().len(), 2, "faulted requests are recorded");
    }

    #[tokio::test]
    async fn html_fault_answers_200_with_a_page() {
        let sim = small_simulator().await;
        sim.inject(Fault::Html);
        let page = about(&sim).await.expect("answer");
        assert_eq!(page.status, 200);
        assert!(page.text().starts_with("<!DOCTYPE html>"));
    }

    #[tokio::test]
    async fn truncated_body_keeps_headers_and_cuts_the_xml() {
        let sim = small_simulator().await;
        let whole = search(&sim).await;
        sim.inject(Fault::TruncatedBody);
        let cut = search(&sim).await;
        assert_eq!(cut.status, 200);
        assert_eq!(cut.body.len(), whole.body.len() / 2);
        assert_eq!(
            cut.header("content-length"),
            Some(cut.body.len().to_string().as_str())
        );
        assert!(whole.body.starts_with(&cut.body));
        assert!(is_well_formed(&whole.text()));
        assert!(!is_well_formed(&cut.text()));
    }

    #[tokio::test]
    async fn malformed_xml_fault_does_not_parse() {
        let sim = small_simulator().await;
        sim.inject(Fault::MalformedXml);
        let response = search(&sim).await;
        assert_eq!(response.status, 200);
        assert!(response.text().starts_with("<?xml"));
        assert!(!is_well_formed(&response.text()));
    }

    #[tokio::test]
    async fn delay_before_headers_then_normal_answer() {
        let sim = small_simulator().await;
        sim.inject(Fault::DelayBeforeHeaders(Duration::from_millis(300)));
        let response = about(&sim).await.expect("answer");
        assert_eq!(response.status, 200);
        assert!(response.head_after >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn stall_mid_body_sends_part_waits_then_the_rest() {
        let sim = small_simulator().await;
        let whole = search(&sim).await;
        sim.inject(Fault::StallMidBody {
            after_bytes: 100,
            stall: Duration::from_millis(400),
        });
        let stalled = search(&sim).await;
        assert_eq!(stalled.body, whole.body);
        assert!(stalled.head_after < Duration::from_millis(300));
        assert!(stalled.body_after >= Duration::from_millis(400));
    }

    #[tokio::test]
    async fn rate_limited_fault_answers_409_with_code_and_wait() {
        let sim = small_simulator().await;
        sim.inject(Fault::RateLimited {
            code: 1965,
            wait_secs: Some(7),
        });
        sim.inject(Fault::RateLimited {
            code: 1960,
            wait_secs: None,
        });
        let first = about(&sim).await.expect("answer");
        assert_eq!(first.status, 409);
        assert_eq!(first.first("CODE").as_deref(), Some("1965"));
        assert!(first.first("TEXT").is_some_and(|t| t.contains("7 seconds")));
        assert_eq!(first.header("x-ratelimit-towait-sec"), Some("7"));
        let second = about(&sim).await.expect("answer");
        assert_eq!(second.status, 409);
        assert_eq!(second.first("CODE").as_deref(), Some("1960"));
        assert_eq!(second.header("x-ratelimit-towait-sec"), None);
    }

    fn limit(code: u32, family: LimitBody, wait_secs: Option<u32>) -> Fault {
        Fault::Limit409 {
            code,
            family,
            wait_secs,
        }
    }

    #[tokio::test]
    async fn limit_409_generic_return_carries_the_code_as_return_number() {
        let sim = small_simulator().await;
        sim.inject(limit(1920, LimitBody::GenericReturn, None));
        let response = about(&sim).await.expect("answer");
        assert_eq!(response.status, 409);
        let text = response.text();
        assert!(text.contains("<!DOCTYPE GENERIC_RETURN"), "{text}");
        assert!(
            text.contains(r#"<API name="about.php" username="acme_mg1""#),
            "{text}"
        );
        assert!(
            text.contains(r#"<RETURN status="FAILED" number="1920">"#),
            "{text}"
        );
        let message = response.first("RETURN").expect("text");
        assert!(message.starts_with('\n'), "padded: {message:?}");
        assert!(message.trim().starts_with("This API cannot be run again"));
        assert_eq!(response.header("x-ratelimit-towait-sec"), None);
    }

    #[tokio::test]
    async fn limit_409_user_output_answers_user_php_with_a_failed_return() {
        let sim = small_simulator().await;
        sim.inject(
            FaultRule::once(limit(1920, LimitBody::UserOutput, Some(30))).on_path("user.php"),
        );
        let response = TestRequest::post("/msp/user.php?action=activate&login=acme_im1")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(response.status, 409);
        let text = response.text();
        assert!(text.contains("<!DOCTYPE USER_OUTPUT"), "{text}");
        assert!(text.contains(r#"<API name="user.php" username="acme_mg1""#));
        assert!(text.contains(r#"<RETURN status="FAILED" number="1920">"#));
        assert!(response.first("MESSAGE").is_some());
        assert_eq!(response.header("x-ratelimit-towait-sec"), Some("30"));
    }

    #[tokio::test]
    async fn limit_409_without_xml_body_is_empty_html_or_text() {
        let sim = small_simulator().await;
        sim.inject(limit(1965, LimitBody::Empty, Some(12)));
        sim.inject(limit(1965, LimitBody::Html, None));
        sim.inject(limit(1960, LimitBody::PlainText, None));
        let empty = search(&sim).await;
        assert_eq!(empty.status, 409);
        assert!(empty.body.is_empty());
        assert_eq!(empty.header("content-type"), None);
        assert_eq!(empty.header("content-length"), Some("0"));
        assert_eq!(empty.header("x-ratelimit-towait-sec"), Some("12"));
        let html = search(&sim).await;
        assert_eq!(html.status, 409);
        assert!(
            html.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        assert!(html.text().starts_with("<!DOCTYPE html>"));
        let plain = search(&sim).await;
        assert_eq!(plain.status, 409);
        assert!(
            plain
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/plain"))
        );
        assert!(plain.text().contains("2 currently running instances"));
        assert_eq!(plain.header("x-ratelimit-towait-sec"), None);
    }

    #[tokio::test]
    async fn limit_409_simple_return_matches_rate_limited() {
        let sim = small_simulator().await;
        sim.inject(Fault::RateLimited {
            code: 1965,
            wait_secs: Some(9),
        });
        sim.inject(limit(1965, LimitBody::SimpleReturn, Some(9)));
        let old = about(&sim).await.expect("answer");
        let new = about(&sim).await.expect("answer");
        assert_eq!(old.status, 409);
        assert_eq!(old.body, new.body);
        assert_eq!(new.first("VALUE").as_deref(), Some("9"));
        assert_eq!(new.header("x-ratelimit-towait-sec"), Some("9"));
    }

    /// Leading whitespace, CRLF line ends and bytes that are not UTF-8 (Latin-1 `é`, a lone
    /// continuation byte).
    const RECORDED: &[u8] = b"\r\n  <?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\r\n\
<ABOUT>\r\n  <WEB-VERSION>caf\xe9 \x80</WEB-VERSION>\r\n</ABOUT>\r\n";

    #[tokio::test]
    async fn verbatim_replays_status_headers_and_bytes_unchanged() {
        let sim = small_simulator().await;
        sim.replay(
            "about.php",
            CannedAnswer::new(203, RECORDED)
                .with_header("Content-Type", "text/xml;charset=ISO-8859-1")
                .with_header("X-Powered-By", "Recorded  value")
                .with_header("Set-Cookie", "a=1")
                .with_header("Set-Cookie", "b=2")
                .with_header("Content-Length", "99999")
                .with_header("Transfer-Encoding", "chunked"),
            1,
        );
        let replayed = about(&sim).await.expect("answer");
        assert_eq!(replayed.status, 203);
        assert_eq!(replayed.body, RECORDED);
        assert_eq!(
            replayed.header("content-type"),
            Some("text/xml;charset=ISO-8859-1"),
            "the canned Content-Type wins"
        );
        let content_types = replayed
            .headers
            .iter()
            .filter(|(name, _)| name == "content-type")
            .count();
        assert_eq!(content_types, 1);
        assert_eq!(replayed.header("x-powered-by"), Some("Recorded  value"));
        let cookies: Vec<&str> = replayed
            .headers
            .iter()
            .filter(|(name, _)| name == "set-cookie")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(
            replayed.header("content-length"),
            Some(RECORDED.len().to_string().as_str()),
            "the server frames the body itself"
        );
        assert_eq!(replayed.header("transfer-encoding"), None);
        assert!(
            replayed.header("x-ratelimit-limit").is_none(),
            "no endpoint ran"
        );
        let normal = about(&sim).await.expect("answer");
        assert_eq!(normal.status, 200, "used up after one request");
    }

    #[tokio::test]
    async fn verbatim_without_content_type_sends_none() {
        let sim = small_simulator().await;
        sim.inject(
            FaultRule::times(
                2,
                Fault::Verbatim(CannedAnswer::new(200, "  Bad Login\r\n")),
            )
            .on_path("search/am"),
        );
        for _ in 0..2 {
            let replayed = search(&sim).await;
            assert_eq!(replayed.status, 200);
            assert_eq!(replayed.body, b"  Bad Login\r\n");
            assert_eq!(replayed.header("content-type"), None);
        }
        assert_eq!(
            search(&sim).await.first("responseCode").as_deref(),
            Some("SUCCESS")
        );
    }

    #[tokio::test]
    async fn verbatim_replaces_a_write_without_running_it() {
        let sim = small_simulator().await;
        let agent = sim.dataset().agents().next().map(|a| a.id).expect("agent");
        sim.replay("ods/ca/agentasset", CannedAnswer::new(500, Vec::new()), 1);
        let response = TestRequest::post(&format!(
            "/qps/rest/1.0/ods/ca/agentasset/{agent}?scan=Inventory_Scan"
        ))
        .auth(&MANAGER)
        .send(sim.addr())
        .await
        .expect("answer");
        assert_eq!(response.status, 500);
        assert!(response.body.is_empty());
        assert!(sim.launched_scans().is_empty());
    }

    #[tokio::test]
    async fn too_many_requests_fault_answers_429() {
        let sim = small_simulator().await;
        sim.inject(Fault::TooManyRequests);
        assert_eq!(search(&sim).await.status, 429);
    }

    #[tokio::test]
    async fn drop_connection_fault_closes_without_answer() {
        let sim = small_simulator().await;
        sim.inject(Fault::DropConnection);
        assert!(about(&sim).await.is_err());
        assert_eq!(sim.requests().len(), 1);
    }

    #[tokio::test]
    async fn rules_match_their_path_and_run_out() {
        let sim = small_simulator().await;
        sim.inject(FaultRule::times(2, Fault::Status(502)).on_path("search/am"));
        assert_eq!(about(&sim).await.expect("answer").status, 200);
        assert_eq!(search(&sim).await.status, 502);
        assert_eq!(search(&sim).await.status, 502);
        assert_eq!(search(&sim).await.status, 200);
        sim.inject(FaultRule::times(5, Fault::Status(500)));
        sim.clear_faults();
        assert_eq!(about(&sim).await.expect("answer").status, 200);
    }
}
