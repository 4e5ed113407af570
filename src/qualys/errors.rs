//! Error mapping: turning any Qualys answer that is not the endpoint's own into an [`Error`].
//!
//! Qualys does not say "failed" with the status code alone, and it has several families of
//! error body, any of which may come with HTTP 200 (see `docs/fidelity.md` for the evidence of
//! each). [`check`] looks at every answer before an endpoint parser sees it:
//!
//! 1. HTTP 401 ("Bad Login/Password") is `auth-failed`, with the hint that a wrong platform
//!    looks exactly like a wrong password.
//! 2. A Qualys code is read from whichever family carries one: `SIMPLE_RETURN/RESPONSE/CODE`
//!    (FO, MSP), `GENERIC_RETURN/RETURN@number` (MSP v1 failures: an expired account, a login
//!    refused, a blocked call), `USER_OUTPUT/RETURN@number` and `USER_LIST_OUTPUT/ERROR@number`.
//!    The codes that mean the same on every endpoint are mapped here, whatever the family and
//!    status (`account_or_limit_error`): 1920, 1960 and 1965 are limits (`rate-limited`,
//!    the call did not run); 2000 (bad login), 2001 (expired), 2003 (registration not
//!    complete) and 2007 (login refused for this IP address) are `auth-failed`.
//! 3. Any other `SIMPLE_RETURN` code, or a `GENERIC_RETURN` whose status is `FAILED`, is
//!    `upstream` with Qualys's number and trimmed text.
//! 4. A `ServiceResponse` (QPS) whose `responseCode` is not `SUCCESS`: `INVALID_CREDENTIALS`
//!    and `AUTH_CREDENTIALS_NEEDED` are `auth-failed`, `UNAUTHORIZED` `permission-denied`,
//!    `OBJECT_NOT_FOUND` `not-found`, anything else `upstream`.
//! 5. A 409 with `X-RateLimit-ToWait-Sec`, or a 429, is `rate-limited` whatever its body; any
//!    other 409 is `upstream` (no known limit code, so it is not retried).
//! 6. An HTML page (a proxy, single sign-on or maintenance page) is `upstream` for 5xx, else
//!    `bad-response`; any other 4xx or 5xx is mapped from its status.
//!
//! `USER_OUTPUT` and `USER_LIST_OUTPUT` answers in 2xx without a shared code pass on to their
//! endpoint's parser, which knows what their other numbers mean. Everything carries the status,
//! Qualys's code and text where there are any.

use super::rate_limit::RateLimitHeaders;
use super::xml::{self, Flow, Node};
use crate::transport::HttpResponse;
use crate::{Error, ErrorKind, Result};

/// The hint for every authentication failure.
pub const WRONG_PLATFORM_HINT: &str = "check the username and password; a wrong platform \
     (server) answers exactly like a wrong password. Not retried: Qualys may lock the account \
     after failed logins";

/// Qualys's older code for a call blocked by other API requests (not run).
pub const BLOCKED_CODE: &str = "1920";

/// Qualys's code for too many concurrent calls (not run).
pub const CONCURRENCY_LIMIT_CODE: &str = "1960";

/// Qualys's code for a rate limit reached (not run).
pub const RATE_LIMIT_CODE: &str = "1965";

/// Longest error text copied from an answer into a message.
const MAX_QUOTED: usize = 300;

/// Fails when `response` is an error answer; `Ok` means the body is the endpoint's own.
pub fn check(response: &HttpResponse) -> Result<()> {
    let status = response.status;
    let root = xml::root_name(&response.body);
    let said = match root.as_deref() {
        Some("SIMPLE_RETURN" | "GENERIC_RETURN" | "USER_OUTPUT" | "USER_LIST_OUTPUT") => {
            read_code(&response.body)
        }
        _ => Ok(CodeAnswer::default()),
    };
    if status == 401 {
        return Err(auth_failed(response, said.unwrap_or_default()));
    }
    let said = said.map_err(|error| error.or_status(status))?;
    if let Some(code) = said.code.as_deref()
        && let Some(error) = account_or_limit_error(code, said.text.as_deref(), response)
    {
        return Err(error);
    }
    match root.as_deref() {
        Some("SIMPLE_RETURN") => check_simple_return(said, status),
        Some("GENERIC_RETURN") if said.failed => Err(generic_failure(said, status)),
        Some("ServiceResponse") => check_service_response(response),
        Some("html" | "HTML") | None if is_html(response) => Err(html_page(response)),
        _ => check_status(response),
    }
}

/// Qualys's rate-limit answer as an error, or `None`: a limit code (1920, 1960, 1965) in any
/// body family and with any status, a 409 carrying `X-RateLimit-ToWait-Sec`, or a 429.
pub fn rate_limited(status: u16, code: Option<&str>, response: &HttpResponse) -> Option<Error> {
    let header_wait = RateLimitHeaders::from_response(response).to_wait_secs;
    let limit_code = matches!(
        code,
        Some(BLOCKED_CODE | CONCURRENCY_LIMIT_CODE | RATE_LIMIT_CODE)
    );
    let limit_status = status == 429 || (status == 409 && header_wait.is_some());
    if !(limit_code || limit_status) {
        return None;
    }
    let wait = header_wait.or_else(|| response.header_u32("retry-after"));
    let what = match code {
        Some(CONCURRENCY_LIMIT_CODE) => {
            "Qualys's limit of concurrent API calls for this account was reached"
        }
        Some(BLOCKED_CODE) => "Qualys blocked the call because of other API calls running",
        _ => "Qualys's API rate limit for this account was reached",
    };
    let message = match wait {
        Some(secs) => format!("{what}; Qualys asks to wait {secs} s"),
        None => what.to_owned(),
    };
    let error = Error::new(ErrorKind::RateLimited, message)
        .with_status(status)
        .with_retry_after(wait)
        .with_hint("wait and try again, or raise timeout-ms so the connector can wait for you");
    Some(match code.filter(|_| limit_code) {
        Some(code) => error.with_code(code),
        None => error,
    })
}

/// The error for a code that means the same on every endpoint, or `None`: limits (see
/// [`rate_limited`]) and the login or the account's state (2000 bad login, 2001 expired, 2003
/// registration not complete, 2007 IP address refused: `auth-failed`).
fn account_or_limit_error(
    code: &str,
    text: Option<&str>,
    response: &HttpResponse,
) -> Option<Error> {
    let status = response.status;
    if let Some(error) = rate_limited(status, Some(code), response) {
        return Some(error);
    }
    let said = text.map(shorten).unwrap_or_default();
    let (message, hint) = match code {
        "2000" => (
            format!("Qualys rejected the login: {said}"),
            WRONG_PLATFORM_HINT,
        ),
        "2001" => (
            format!("Qualys says the account has expired: {said}"),
            "ask a Qualys Manager of the subscription to extend or re-enable the account",
        ),
        "2003" => (
            format!("Qualys says the account's registration is not complete: {said}"),
            "log in to the Qualys web UI once with this account to finish registration",
        ),
        "2007" => (
            format!("Qualys refused the login from this host's IP address: {said}"),
            "ask a Qualys Manager to allow this host's public IP address for the account \
             (Users > Security > allowed IPs)",
        ),
        _ => return None,
    };
    Some(
        Error::new(ErrorKind::AuthFailed, message)
            .with_status(status)
            .with_code(code)
            .with_hint(hint),
    )
}

/// HTTP 401: a plain `Bad Login/Password`, or a `SIMPLE_RETURN` 2000 with the same text.
fn auth_failed(response: &HttpResponse, said: CodeAnswer) -> Error {
    let text = said
        .text
        .as_deref()
        .map(shorten)
        .or_else(|| quoted_text(&response.body));
    let message = match text {
        Some(text) => format!("Qualys rejected the login (HTTP 401: {text})"),
        None => "Qualys rejected the login (HTTP 401)".to_owned(),
    };
    let error = Error::new(ErrorKind::AuthFailed, message)
        .with_status(401)
        .with_hint(WRONG_PLATFORM_HINT);
    match said.code {
        Some(code) => error.with_code(code),
        None => error,
    }
}

/// The code, text and status that one of the FO/MSP body families carries.
#[derive(Debug, Default)]
struct CodeAnswer {
    code: Option<String>,
    text: Option<String>,
    /// `RETURN@status` is `FAILED`.
    failed: bool,
}

/// Reads the code and text of an FO/MSP answer, whichever family it is:
///
/// * `SIMPLE_RETURN/RESPONSE/{CODE,TEXT}`;
/// * `GENERIC_RETURN/RETURN@{status,number}` and its text;
/// * `USER_OUTPUT/RETURN@{status,number}` and `RETURN/MESSAGE`;
/// * `USER_LIST_OUTPUT/ERROR@number` and its text.
fn read_code(body: &[u8]) -> Result<CodeAnswer> {
    let mut said = CodeAnswer::default();
    xml::walk(body, |node| {
        match node {
            Node::Open { path, attributes } if is_return_or_error(path) => {
                for (name, value) in attributes {
                    match name.as_str() {
                        "number" => said.code = Some(value),
                        "status" => said.failed = value == "FAILED",
                        _ => {}
                    }
                }
            }
            Node::Text { path, text } => match path.get(1..).unwrap_or_default() {
                [response, field] if response == "RESPONSE" && field == "CODE" => {
                    said.code = Some(text);
                }
                [response, field] if response == "RESPONSE" && field == "TEXT" => {
                    said.text = Some(text);
                }
                [element, field] if element == "RETURN" && field == "MESSAGE" => {
                    said.text = Some(text);
                }
                [_] if is_return_or_error(path) => said.text = Some(text),
                _ => {}
            },
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    Ok(said)
}

/// True when `path` is the root's `RETURN` or `ERROR` child.
fn is_return_or_error(path: &[String]) -> bool {
    matches!(path, [_, name] if name == "RETURN" || name == "ERROR")
}

/// A `SIMPLE_RETURN` whose code is none of the shared ones.
fn check_simple_return(said: CodeAnswer, status: u16) -> Result<()> {
    let text = said.text.as_deref().map(shorten).unwrap_or_default();
    let error = match said.code {
        Some(code) => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered with error {code}: {text}"),
        )
        .with_code(code),
        None if (200..300).contains(&status) => return Ok(()),
        None => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered HTTP {status}: {text}"),
        ),
    };
    Err(error.with_status(status))
}

/// A `GENERIC_RETURN` with `status="FAILED"` whose number is none of the shared ones.
fn generic_failure(said: CodeAnswer, status: u16) -> Error {
    let text = said.text.as_deref().map(shorten).unwrap_or_default();
    let error = match said.code {
        Some(code) => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered FAILED with error {code}: {text}"),
        )
        .with_code(code),
        None => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered FAILED: {text}"),
        ),
    };
    error.with_status(status)
}

/// `<ServiceResponse><responseCode>…</responseCode><responseErrorDetails>…`.
fn check_service_response(response: &HttpResponse) -> Result<()> {
    let mut code: Option<String> = None;
    let mut message = None;
    let mut resolution = None;
    xml::walk(&response.body, |node| {
        let Node::Text { path, text } = node else {
            return Ok(Flow::Continue);
        };
        match path.get(1..).unwrap_or_default() {
            [name] if name == "responseCode" => {
                let success = text == "SUCCESS";
                code = Some(text);
                if success {
                    return Ok(Flow::Stop);
                }
            }
            [details, field] if details == "responseErrorDetails" => match field.as_str() {
                "errorMessage" => message = Some(text),
                "errorResolution" => resolution = Some(text),
                _ => {}
            },
            [name, ..] if name == "data" => return Ok(Flow::Stop),
            _ => {}
        }
        Ok(Flow::Continue)
    })
    .map_err(|error| error.or_status(response.status))?;
    let status = response.status;
    match code.as_deref() {
        Some("SUCCESS") if (200..300).contains(&status) => return Ok(()),
        None if (200..300).contains(&status) => return Ok(()),
        _ => {}
    }
    if let Some(error) = rate_limited(status, None, response) {
        return Err(error);
    }
    let said = message.as_deref().map(shorten);
    let error = service_error(code.as_deref(), said.as_deref(), status).with_status(status);
    let error = match resolution {
        Some(resolution) if error.hint.is_none() => error.with_hint(shorten(&resolution)),
        _ => error,
    };
    Err(match code {
        Some(code) => error.with_code(code),
        None => error,
    })
}

fn service_error(code: Option<&str>, said: Option<&str>, status: u16) -> Error {
    let detail = said.map(|text| [": ", text].concat()).unwrap_or_default();
    match code {
        Some("INVALID_CREDENTIALS" | "AUTH_CREDENTIALS_NEEDED") => Error::new(
            ErrorKind::AuthFailed,
            format!("Qualys rejected the login{detail}"),
        )
        .with_hint(WRONG_PLATFORM_HINT),
        Some("UNAUTHORIZED") => Error::new(
            ErrorKind::PermissionDenied,
            format!("the account has no API access to this module{detail}"),
        )
        .with_hint(
            "ask a Qualys Manager to grant the account API access and the Cloud Agent / \
             Asset Management permissions",
        ),
        Some("OBJECT_NOT_FOUND") => Error::new(
            ErrorKind::NotFound,
            format!("Qualys found no such object{detail}"),
        ),
        Some(code) => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered {code}{detail}"),
        ),
        None => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered HTTP {status}{detail}"),
        ),
    }
}

/// An answer with no Qualys error body: only the status can tell.
fn check_status(response: &HttpResponse) -> Result<()> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    if let Some(error) = rate_limited(status, None, response) {
        return Err(error);
    }
    let said = quoted_text(&response.body)
        .map(|text| [": ", &text].concat())
        .unwrap_or_default();
    let kind = match status {
        403 => ErrorKind::PermissionDenied,
        _ => ErrorKind::Upstream,
    };
    Err(Error::new(kind, format!("Qualys answered HTTP {status}{said}")).with_status(status))
}

fn html_page(response: &HttpResponse) -> Error {
    let status = response.status;
    if status >= 500 {
        return Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered HTTP {status} with an HTML error page"),
        )
        .with_status(status);
    }
    if let Some(error) = rate_limited(status, None, response) {
        return error;
    }
    Error::bad_response(format!(
        "expected XML but got an HTML page (HTTP {status}): a proxy, single sign-on or \
         maintenance page?"
    ))
    .with_status(status)
    .with_hint("check the server URL, and any proxy between this host and Qualys")
}

fn is_html(response: &HttpResponse) -> bool {
    let declared = response
        .header("content-type")
        .is_some_and(|value| value.to_ascii_lowercase().contains("html"));
    let head: Vec<u8> = response
        .body
        .iter()
        .take(512)
        .map(u8::to_ascii_lowercase)
        .collect();
    let looks = head.windows(5).any(|window| window == b"<html");
    declared || looks
}

/// A short plain-text rendering of a non-XML body, for messages.
fn quoted_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty() && !text.starts_with('<')).then(|| shorten(text))
}

/// `text` on one line, cut at [`MAX_QUOTED`] characters.
pub fn shorten(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => [&one_line[..cut], "…"].concat(),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn simple_return(code: &str, text: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE SIMPLE_RETURN SYSTEM \
             \"https://qualysapi.qualys.com/api/2.0/simple_return.dtd\">\n<SIMPLE_RETURN>\
             <RESPONSE><DATETIME>2026-11-01T00:00:00Z</DATETIME><CODE>{code}</CODE>\
             <TEXT>{text}</TEXT></RESPONSE></SIMPLE_RETURN>\n<!-- CONFIDENTIAL -->"
        )
    }

    fn service_response(code: &str, message: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ServiceResponse><responseCode>{code}\
             </responseCode><responseErrorDetails><errorMessage>{message}</errorMessage>\
             <errorResolution>Fix it</errorResolution></responseErrorDetails></ServiceResponse>"
        )
    }

    #[test]
    fn http_401_is_auth_failed_with_the_wrong_platform_hint() {
        let error = check(&answer(401, "Bad Login/Password")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(error.http_status, Some(401));
        assert!(error.message.contains("Bad Login/Password"));
        assert!(error.hint.unwrap().contains("wrong platform"));
    }

    #[test]
    fn an_expired_account_in_http_200_is_auth_failed() {
        let error = check(&answer(200, &simple_return("2001", "Account expired"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(error.qualys_code.as_deref(), Some("2001"));
        assert_eq!(error.http_status, Some(200));
        assert!(error.message.contains("Account expired"));
        assert!(error.hint.is_some());
    }

    #[test]
    fn an_unfinished_registration_in_http_200_is_auth_failed() {
        let error = check(&answer(200, &simple_return("2003", "Registration"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(error.qualys_code.as_deref(), Some("2003"));
        assert!(error.hint.unwrap().contains("web UI"));
    }

    #[test]
    fn a_409_with_1965_is_rate_limited_with_the_wait_from_the_header() {
        let mut response = answer(
            409,
            &simple_return(
                "1965",
                "This API cannot be run again for another 42 seconds.",
            ),
        );
        response
            .headers
            .push(("x-ratelimit-towait-sec".into(), b"42".to_vec()));
        let error = check(&response).unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited);
        assert_eq!(error.qualys_code.as_deref(), Some("1965"));
        assert_eq!(error.retry_after_secs, Some(42));
        assert_eq!(error.http_status, Some(409));
    }

    #[test]
    fn a_409_with_1960_is_rate_limited_without_a_wait() {
        let error = check(&answer(409, &simple_return("1960", "Concurrency"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited);
        assert_eq!(error.qualys_code.as_deref(), Some("1960"));
        assert_eq!(error.retry_after_secs, None);
        assert!(error.message.contains("concurrent"));
    }

    #[test]
    fn a_429_is_rate_limited_with_retry_after() {
        let mut response = answer(429, "");
        response.headers.push(("retry-after".into(), b"7".to_vec()));
        let error = check(&response).unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited);
        assert_eq!(error.retry_after_secs, Some(7));
    }

    #[test]
    fn an_unknown_simple_return_code_is_upstream_with_code_and_text() {
        let error = check(&answer(200, &simple_return("999", "Something odd"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.qualys_code.as_deref(), Some("999"));
        assert!(error.message.contains("Something odd"));
    }

    #[test]
    fn invalid_credentials_in_http_200_is_auth_failed() {
        let body = service_response("INVALID_CREDENTIALS", "Bad creds");
        let error = check(&answer(200, &body)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(error.qualys_code.as_deref(), Some("INVALID_CREDENTIALS"));
        assert!(error.hint.unwrap().contains("wrong platform"));
    }

    #[test]
    fn unauthorized_in_http_200_is_permission_denied() {
        let body = service_response("UNAUTHORIZED", "No access");
        let error = check(&answer(200, &body)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert!(error.message.contains("No access"));
    }

    #[test]
    fn an_unknown_qps_code_is_upstream_with_its_resolution_as_hint() {
        let body = service_response("SOMETHING_NEW", "Odd");
        let error = check(&answer(400, &body)).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.qualys_code.as_deref(), Some("SOMETHING_NEW"));
        assert_eq!(error.http_status, Some(400));
        assert_eq!(error.hint.as_deref(), Some("Fix it"));
    }

    #[test]
    fn object_not_found_is_not_found() {
        let body = service_response("OBJECT_NOT_FOUND", "Gone");
        assert_eq!(
            check(&answer(200, &body)).unwrap_err().kind,
            ErrorKind::NotFound
        );
    }

    #[test]
    fn success_passes_and_stops_reading_at_the_code() {
        let body = "<ServiceResponse><responseCode>SUCCESS</responseCode><data><HostAsset>";
        assert_eq!(check(&answer(200, body)), Ok(()));
    }

    #[test]
    fn an_html_page_with_200_is_a_bad_response() {
        let error = check(&answer(
            200,
            "<!DOCTYPE html><html><body>Login</body></html>",
        ))
        .unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadResponse);
        assert!(error.message.contains("HTML"));
    }

    #[test]
    fn an_html_page_with_503_is_upstream() {
        let error = check(&answer(503, "<html><body>Maintenance</body></html>")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.http_status, Some(503));
    }

    #[test]
    fn a_plain_500_is_upstream_and_quotes_the_body() {
        let error = check(&answer(500, "Internal failure")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert!(error.message.contains("Internal failure"));
    }

    #[test]
    fn a_403_without_body_is_permission_denied() {
        let error = check(&answer(403, "")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
    }

    #[test]
    fn an_endpoint_body_passes() {
        assert_eq!(
            check(&answer(200, "<ABOUT><WEB-VERSION>1</WEB-VERSION></ABOUT>")),
            Ok(())
        );
    }

    fn generic_return(number: &str, text: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE GENERIC_RETURN SYSTEM \
             \"https://qualysapi.qualys.com/generic_return.dtd\">\n<GENERIC_RETURN>\n  <API \
             name=\"about.php\" username=\"acme_ab1\" at=\"2026-11-01T00:00:00Z\" />\n  <RETURN \
             status=\"FAILED\" number=\"{number}\">\n      {text}\n  </RETURN>\n</GENERIC_RETURN>"
        )
    }

    fn with_header(mut response: HttpResponse, name: &str, value: &str) -> HttpResponse {
        response
            .headers
            .push((name.into(), value.as_bytes().to_vec()));
        response
    }

    #[test]
    fn an_expired_account_as_generic_return_in_http_200_is_auth_failed_with_trimmed_text() {
        let error = check(&answer(200, &generic_return("2001", "Account Expired"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(error.qualys_code.as_deref(), Some("2001"));
        assert_eq!(error.http_status, Some(200));
        assert!(
            error.message.ends_with(": Account Expired"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_login_refused_for_the_ip_address_is_auth_failed_in_either_family() {
        let bodies = [
            generic_return("2007", "Login failed from this IP"),
            simple_return("2007", "Login failed from this IP"),
        ];
        for body in bodies {
            let error = check(&answer(200, &body)).unwrap_err();
            assert_eq!(error.kind, ErrorKind::AuthFailed, "{body}");
            assert_eq!(error.qualys_code.as_deref(), Some("2007"));
            assert!(error.hint.unwrap().contains("IP address"));
        }
    }

    #[test]
    fn an_unknown_generic_return_number_is_upstream_with_number_and_trimmed_text() {
        let error = check(&answer(200, &generic_return("1234", "Something new"))).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.qualys_code.as_deref(), Some("1234"));
        assert!(
            error.message.ends_with(": Something new"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_generic_return_that_did_not_fail_passes() {
        let body = "<GENERIC_RETURN><RETURN status=\"SUCCESS\">done</RETURN></GENERIC_RETURN>";
        assert_eq!(check(&answer(200, body)), Ok(()));
    }

    #[test]
    fn every_limit_code_in_every_body_family_is_rate_limited() {
        let user_output = |code: &str| {
            format!(
                "<USER_OUTPUT><API name=\"user.php\"/><RETURN status=\"FAILED\" \
                 number=\"{code}\"><MESSAGE>blocked</MESSAGE></RETURN></USER_OUTPUT>"
            )
        };
        for code in ["1920", "1960", "1965"] {
            for body in [
                simple_return(code, "limit"),
                generic_return(code, "limit"),
                user_output(code),
            ] {
                for status in [200, 409] {
                    let error = check(&answer(status, &body)).unwrap_err();
                    assert_eq!(error.kind, ErrorKind::RateLimited, "{status} {body}");
                    assert_eq!(error.qualys_code.as_deref(), Some(code));
                    assert_eq!(error.http_status, Some(status));
                }
            }
        }
    }

    #[test]
    fn a_409_with_a_wait_header_is_rate_limited_whatever_its_body() {
        for body in ["", "Too busy", "<html><body>Busy</body></html>", "<OTHER/>"] {
            let response = with_header(answer(409, body), "x-ratelimit-towait-sec", "17");
            let error = check(&response).unwrap_err();
            assert_eq!(error.kind, ErrorKind::RateLimited, "{body:?}");
            assert_eq!(error.retry_after_secs, Some(17));
            assert_eq!(error.qualys_code, None);
        }
    }

    #[test]
    fn a_409_without_a_limit_code_or_wait_is_upstream_not_a_state_conflict() {
        let error = check(&answer(409, "Conflict")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(error.http_status, Some(409));
        assert!(error.message.contains("Conflict"));
    }

    #[test]
    fn a_user_output_failure_with_its_own_number_is_left_to_its_parser() {
        let body = "<USER_OUTPUT><RETURN status=\"FAILED\" number=\"2002\"><MESSAGE>No \
                    permission</MESSAGE></RETURN></USER_OUTPUT>";
        assert_eq!(check(&answer(200, body)), Ok(()));
    }

    #[test]
    fn long_texts_are_shortened_to_one_line() {
        let text = format!("a\n{}", "b".repeat(1000));
        let short = shorten(&text);
        assert!(short.chars().count() <= MAX_QUOTED + 1);
        assert!(!short.contains('\n'));
    }
}
