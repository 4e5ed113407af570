//! Error mapping: turning any Qualys answer that is not the endpoint's own into an [`Error`].
//!
//! Qualys does not say "failed" with the status code alone. [`check`] looks at every answer
//! before an endpoint parser sees it and recognises:
//!
//! * HTTP 401 ("Bad Login/Password"): `auth-failed`, with the hint that a wrong platform looks
//!   exactly like a wrong password;
//! * `SIMPLE_RETURN` (FO and MSP), with any status: 1960/1965 are `rate-limited`, 2001 (expired
//!   account) and 2003 (registration not complete) are `auth-failed`, other codes `upstream`;
//! * `ServiceResponse` (QPS) whose `responseCode` is not `SUCCESS`, with any status:
//!   `INVALID_CREDENTIALS` is `auth-failed`, `UNAUTHORIZED` `permission-denied`,
//!   `OBJECT_NOT_FOUND` `not-found`, anything else `upstream`;
//! * HTTP 409 or 429 without a body we know: `rate-limited`;
//! * an HTML page (a proxy, single sign-on or maintenance page): `upstream` for 5xx, else
//!   `bad-response`;
//! * any other 4xx or 5xx.
//!
//! Everything carries the status, Qualys's code and text where there are any.

use super::rate_limit::RateLimitHeaders;
use super::xml::{self, Flow, Node};
use crate::transport::HttpResponse;
use crate::{Error, ErrorKind, Result};

/// The hint for every authentication failure.
pub const WRONG_PLATFORM_HINT: &str = "check the username and password; a wrong platform \
     (server) answers exactly like a wrong password. Not retried: Qualys may lock the account \
     after failed logins";

/// Qualys's code for too many concurrent calls.
pub const CONCURRENCY_LIMIT_CODE: &str = "1960";

/// Qualys's code for a rate limit reached.
pub const RATE_LIMIT_CODE: &str = "1965";

/// Longest error text copied from an answer into a message.
const MAX_QUOTED: usize = 300;

/// Fails when `response` is an error answer; `Ok` means the body is the endpoint's own.
pub fn check(response: &HttpResponse) -> Result<()> {
    let status = response.status;
    if status == 401 {
        return Err(auth_failed(response));
    }
    match xml::root_name(&response.body).as_deref() {
        Some("SIMPLE_RETURN") => check_simple_return(response),
        Some("ServiceResponse") => check_service_response(response),
        Some("html" | "HTML") | None if is_html(response) => Err(html_page(response)),
        _ => check_status(response),
    }
}

/// Qualys's rate-limit answer (409 with 1960/1965, or 429) as an error, or `None`.
pub fn rate_limited(status: u16, code: Option<&str>, response: &HttpResponse) -> Option<Error> {
    let limit_code = matches!(code, Some(CONCURRENCY_LIMIT_CODE | RATE_LIMIT_CODE));
    if !(limit_code || status == 429) {
        return None;
    }
    let wait = RateLimitHeaders::from_response(response)
        .to_wait_secs
        .or_else(|| response.header_u32("retry-after"));
    let what = if code == Some(CONCURRENCY_LIMIT_CODE) {
        "Qualys's limit of concurrent API calls for this account was reached"
    } else {
        "Qualys's API rate limit for this account was reached"
    };
    let message = match wait {
        Some(secs) => format!("{what}; Qualys asks to wait {secs} s"),
        None => what.to_owned(),
    };
    let error = Error::new(ErrorKind::RateLimited, message)
        .with_status(status)
        .with_retry_after(wait)
        .with_hint("wait and try again, or raise timeout-ms so the connector can wait for you");
    Some(match code {
        Some(code) => error.with_code(code),
        None => error,
    })
}

fn auth_failed(response: &HttpResponse) -> Error {
    let said = quoted_text(&response.body);
    let message = match said {
        Some(text) => format!("Qualys rejected the login (HTTP 401: {text})"),
        None => "Qualys rejected the login (HTTP 401)".to_owned(),
    };
    Error::new(ErrorKind::AuthFailed, message)
        .with_status(401)
        .with_hint(WRONG_PLATFORM_HINT)
}

/// `<SIMPLE_RETURN><RESPONSE><CODE>n</CODE><TEXT>…</TEXT></RESPONSE></SIMPLE_RETURN>`.
fn check_simple_return(response: &HttpResponse) -> Result<()> {
    let mut code = None;
    let mut text = None;
    xml::walk(&response.body, |node| {
        if let Node::Text { path, text: value } = node {
            if xml::is_path(path, &["SIMPLE_RETURN", "RESPONSE", "CODE"]) {
                code = Some(value);
            } else if xml::is_path(path, &["SIMPLE_RETURN", "RESPONSE", "TEXT"]) {
                text = Some(value);
            }
        }
        Ok(Flow::Continue)
    })
    .map_err(|error| error.or_status(response.status))?;
    let status = response.status;
    if let Some(error) = rate_limited(status, code.as_deref(), response) {
        return Err(error);
    }
    let said = text.as_deref().map(shorten).unwrap_or_default();
    let error = match code.as_deref() {
        Some("2001") => Error::new(
            ErrorKind::AuthFailed,
            format!("Qualys says the account has expired: {said}"),
        )
        .with_hint("ask a Qualys Manager of the subscription to extend or re-enable the account"),
        Some("2003") => Error::new(
            ErrorKind::AuthFailed,
            format!("Qualys says the account's registration is not complete: {said}"),
        )
        .with_hint("log in to the Qualys web UI once with this account to finish registration"),
        Some(other) => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered with error {other}: {said}"),
        ),
        None if (200..300).contains(&status) => return Ok(()),
        None => Error::new(
            ErrorKind::Upstream,
            format!("Qualys answered HTTP {status}: {said}"),
        ),
    };
    let error = error.with_status(status);
    Err(match code {
        Some(code) => error.with_code(code),
        None => error,
    })
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
        Some("INVALID_CREDENTIALS") => Error::new(
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
        409 => ErrorKind::Conflict,
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

    #[test]
    fn long_texts_are_shortened_to_one_line() {
        let text = format!("a\n{}", "b".repeat(1000));
        let short = shorten(&text);
        assert!(short.chars().count() <= MAX_QUOTED + 1);
        assert!(!short.contains('\n'));
    }
}
