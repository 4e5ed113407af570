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
//! | [`Fault::RateLimited`] | 409, `SIMPLE_RETURN` with the code, `X-RateLimit-ToWait-Sec` when given | no |
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

use std::sync::Mutex;
use std::time::Duration;

use http::StatusCode;
use http::header::HeaderName;

use super::lock;
use super::ratelimit::{CONCURRENCY_LIMIT_CODE, RATE_LIMIT_CODE, limit_refusal};
use super::reply::{Delivery, QPS_XML, Reply};
use super::xml::{HOSTASSET_SCHEMA, service_error};

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
    /// `X-RateLimit-ToWait-Sec` when `wait_secs` is given.
    RateLimited {
        /// The `SIMPLE_RETURN` code.
        code: u32,
        /// Seconds to wait, sent as `X-RateLimit-ToWait-Sec` (and in the 1965 text).
        wait_secs: Option<u32>,
    },
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

/// Turns a fault into what the server must do.
pub(crate) fn effect_of(fault: Fault) -> FaultEffect {
    match fault {
        Fault::Status(code) => FaultEffect::Replace(status_page(code)),
        Fault::Html => FaultEffect::Replace(maintenance_page()),
        Fault::MalformedXml => FaultEffect::Replace(malformed_xml()),
        Fault::RateLimited { code, wait_secs } => {
            FaultEffect::Replace(rate_limited(code, wait_secs))
        }
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

fn rate_limited(code: u32, wait_secs: Option<u32>) -> Reply {
    let text = match (code, wait_secs) {
        (RATE_LIMIT_CODE, Some(wait)) => {
            format!("This API cannot be run again for another {wait} seconds.")
        }
        (RATE_LIMIT_CODE, None) => "This API cannot be run again for a while.".to_owned(),
        (CONCURRENCY_LIMIT_CODE, _) => {
            "This API cannot be run again until 2 currently running instances have finished."
                .to_owned()
        }
        _ => "This API cannot be run right now.".to_owned(),
    };
    let reply = limit_refusal(code, &text, wait_secs);
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
    use crate::simulator::accounts::MANAGER;
    use crate::simulator::testing::{
        SEARCH, TestRequest, TestResponse, is_well_formed, service_request, small_simulator,
    };
    use crate::simulator::{CLOUD_AGENT_TAG, Simulator};

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
