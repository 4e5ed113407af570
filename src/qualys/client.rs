//! The Qualys client: authentication, the time budget, and when to try again.
//!
//! [`QualysClient`] turns an [`ApiRequest`] (an endpoint's method, path, query and body) into an
//! HTTP request with Basic authentication and `X-Requested-With`, sends it through the
//! transport, and runs every answer through [`errors::check`]. It owns the action's deadline:
//! no request is sent and no wait begins that would end past it.
//!
//! Retry rules, the same for every action:
//!
//! | failure | read | write |
//! |---|---|---|
//! | a limit code (1920, 1960, 1965) in any body family, a 409 with `X-RateLimit-ToWait-Sec`, or a 429 (Qualys did not run the call) | wait, retry | wait, retry |
//! | 5xx, connection failure | backoff, retry (up to [`MAX_ATTEMPTS`]) | never |
//! | 400, 401, 403, 404, anything else | never | never |
//!
//! A rate-limit wait is `X-RateLimit-ToWait-Sec` (or `Retry-After`), or a short backoff for
//! 1920 and 1960. When the wait does not fit in the time left the call fails with `rate-limited` and
//! `retry-after-secs`, at once: the connector never sleeps past the budget.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::errors::{self, BLOCKED_CODE, CONCURRENCY_LIMIT_CODE};
use super::server::ApiServer;
use crate::transport::{
    HttpRequest, HttpResponse, Instant, Method, NANOS_PER_MILLI, NANOS_PER_SEC, Transport,
};
use crate::{Error, ErrorKind, Result};

/// The client name sent as `X-Requested-With` and `User-Agent`.
pub const CLIENT_NAME: &str = concat!("qualys-connector/", env!("CARGO_PKG_VERSION"));

/// Time budget of an action when the connection sets none.
pub const DEFAULT_TIMEOUT_MS: u32 = 60_000;

/// Most attempts of one read that fails with a server or connection error.
pub const MAX_ATTEMPTS: u32 = 4;

/// First backoff after a server or connection error; doubled on each attempt.
const BACKOFF_BASE_NANOS: u64 = 500 * NANOS_PER_MILLI;

/// Backoff after 1960 (too many concurrent calls) or 1920 (blocked by other calls) when
/// Qualys gives no wait.
const CONCURRENCY_BACKOFF_NANOS: u64 = 2 * NANOS_PER_SEC;

/// Credentials and limits of one action, validated by the actions
/// ([`input::credentials`](crate::actions::input::credentials)) before anything is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The Qualys username.
    pub username: String,
    /// The password; only ever used to build the `Authorization` header.
    pub password: String,
    /// Time budget of the action in milliseconds.
    pub timeout_ms: u32,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// Whether repeating a request could change something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Changes nothing: retried on server and connection errors.
    Read,
    /// Changes something: retried only when Qualys said it did not run it (1920, 1960, 1965,
    /// a 409 with a wait, 429).
    Write,
}

/// One call of a Qualys endpoint, as the protocol modules describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path, e.g. `/msp/about.php`.
    pub path: &'static str,
    /// Query parameters, percent-encoded by the client.
    pub query: Vec<(&'static str, String)>,
    /// Query parameters written as given: Qualys wants the commas of `fields` literal.
    pub raw_query: Vec<(&'static str, String)>,
    /// `Content-Type` and body, for POST.
    pub body: Option<(&'static str, Vec<u8>)>,
    /// Read or write.
    pub effect: Effect,
}

impl ApiRequest {
    /// A GET of `path` that changes nothing.
    pub fn get(path: &'static str) -> Self {
        Self {
            method: Method::Get,
            path,
            query: Vec::new(),
            raw_query: Vec::new(),
            body: None,
            effect: Effect::Read,
        }
    }

    /// A POST of `path` with a body.
    pub fn post(
        path: &'static str,
        content_type: &'static str,
        body: Vec<u8>,
        effect: Effect,
    ) -> Self {
        Self {
            method: Method::Post,
            path,
            query: Vec::new(),
            raw_query: Vec::new(),
            body: Some((content_type, body)),
            effect,
        }
    }

    /// Adds a query parameter.
    pub fn with_query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// The path with its query string.
    pub fn path_and_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.query {
            query.append_pair(name, value);
        }
        let mut query = query.finish();
        for (name, value) in &self.raw_query {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(name);
            query.push('=');
            query.push_str(value);
        }
        if query.is_empty() {
            self.path.to_owned()
        } else {
            [self.path, "?", &query].concat()
        }
    }
}

/// A Qualys API client for the duration of one action.
pub struct QualysClient<T> {
    transport: T,
    server: ApiServer,
    authorization: String,
    deadline: Instant,
}

impl<T: Transport> QualysClient<T> {
    /// A client for `server` that must be done by `credentials.timeout_ms` from now.
    pub fn new(transport: T, server: ApiServer, credentials: &Credentials) -> Self {
        let budget = u64::from(credentials.timeout_ms) * NANOS_PER_MILLI;
        let deadline = transport.now().saturating_add(budget);
        let pair = [credentials.username.as_str(), ":", &credentials.password].concat();
        Self {
            transport,
            server,
            authorization: ["Basic ", &BASE64.encode(pair)].concat(),
            deadline,
        }
    }

    /// The server this client talks to.
    pub fn server(&self) -> &ApiServer {
        &self.server
    }

    /// Sends `request`, retrying as the module docs say; the answer passed [`errors::check`].
    pub fn send(&mut self, request: &ApiRequest) -> Result<HttpResponse> {
        let started = self.start(request);
        self.finish(started)
    }

    /// Sends the first attempt of `request` without waiting for the answer: the caller can
    /// work while Qualys prepares it. Dropping the result abandons the request.
    pub fn start(&mut self, request: &ApiRequest) -> Started<T::Pending> {
        let http = self.http_request(request);
        let first = self.transport.start(&http, self.deadline);
        Started {
            http,
            effect: request.effect,
            first,
        }
    }

    /// The answer of a started request, retrying as the module docs say, exactly as
    /// [`QualysClient::send`] does; the answer passed [`errors::check`].
    pub fn finish(&mut self, started: Started<T::Pending>) -> Result<HttpResponse> {
        let Started {
            http,
            effect,
            first,
        } = started;
        let mut outcome = first
            .and_then(|pending| self.transport.finish(pending))
            .and_then(checked);
        let mut attempt = 1;
        loop {
            let error = match outcome {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let Some(wait) = retry_wait(&error, effect, attempt) else {
                return Err(error);
            };
            let wake = self.transport.now().saturating_add(self.jittered(wait));
            if wake >= self.deadline {
                return Err(out_of_budget(error));
            }
            self.transport.sleep_until(wake);
            attempt += 1;
            outcome = self.transport.send(&http, self.deadline).and_then(checked);
        }
    }

    fn http_request(&self, request: &ApiRequest) -> HttpRequest {
        let mut headers = vec![
            ("authorization".to_owned(), self.authorization.clone()),
            ("x-requested-with".to_owned(), CLIENT_NAME.to_owned()),
            ("user-agent".to_owned(), CLIENT_NAME.to_owned()),
        ];
        let mut body = Vec::new();
        if let Some((content_type, bytes)) = &request.body {
            headers.push(("content-type".to_owned(), (*content_type).to_owned()));
            body.clone_from(bytes);
        }
        HttpRequest {
            method: request.method,
            scheme: self.server.scheme,
            authority: self.server.authority(),
            path_and_query: request.path_and_query(),
            headers,
            body,
        }
    }

    /// `wait` plus up to a quarter more, from the low bits of the clock.
    fn jittered(&self, wait: u64) -> u64 {
        let spread = wait / 4;
        if spread == 0 {
            return wait;
        }
        wait + self.transport.now() % spread
    }
}

/// A request sent by [`QualysClient::start`], whose answer [`QualysClient::finish`] reads.
pub struct Started<P> {
    http: HttpRequest,
    effect: Effect,
    first: Result<P>,
}

/// `response`, once it passed [`errors::check`].
fn checked(response: HttpResponse) -> Result<HttpResponse> {
    errors::check(&response)?;
    Ok(response)
}

/// How long to wait before trying `error` again, or `None` when it must not be retried.
fn retry_wait(error: &Error, effect: Effect, attempt: u32) -> Option<u64> {
    match error.kind {
        ErrorKind::RateLimited => Some(match error.retry_after_secs {
            Some(secs) => u64::from(secs) * NANOS_PER_SEC,
            None if matches!(
                error.qualys_code.as_deref(),
                Some(CONCURRENCY_LIMIT_CODE | BLOCKED_CODE)
            ) =>
            {
                CONCURRENCY_BACKOFF_NANOS
            }
            None => BACKOFF_BASE_NANOS << attempt.min(6),
        }),
        ErrorKind::Transport | ErrorKind::Upstream
            if effect == Effect::Read && attempt < MAX_ATTEMPTS && is_transient(error) =>
        {
            Some(BACKOFF_BASE_NANOS << (attempt - 1))
        }
        _ => None,
    }
}

/// Server errors and connection failures; not a host's refusal, not a Qualys error code.
fn is_transient(error: &Error) -> bool {
    match error.kind {
        ErrorKind::Transport => !error.is_host_refusal(),
        ErrorKind::Upstream => error.http_status.is_some_and(|status| status >= 500),
        _ => false,
    }
}

/// The error to return when the next wait would end past the deadline.
fn out_of_budget(error: Error) -> Error {
    if error.kind != ErrorKind::RateLimited {
        return error;
    }
    let message = format!(
        "{} and the wait does not fit in the time budget",
        error.message
    );
    Error { message, ..error }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::scripted::{Scripted, ok};

    fn status(code: u16, body: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
        Ok(HttpResponse {
            status: code,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
                .collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    fn rate_limit_body(code: &str) -> String {
        format!(
            "<SIMPLE_RETURN><RESPONSE><CODE>{code}</CODE><TEXT>wait</TEXT></RESPONSE></SIMPLE_RETURN>"
        )
    }

    fn client(script: &mut Scripted, timeout_ms: u32) -> QualysClient<&mut Scripted> {
        let credentials = Credentials {
            username: "acme_ab1".to_owned(),
            password: "p:ss@w&rd<ü>".to_owned(),
            timeout_ms,
        };
        let server = ApiServer::from_platform_code("US2").unwrap();
        QualysClient::new(script, server, &credentials)
    }

    #[test]
    fn every_request_carries_basic_auth_of_the_raw_password_and_the_client_name() {
        let mut script = Scripted::new(vec![ok("<ABOUT/>")]);
        client(&mut script, 1_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap();
        let sent = &script.sent[0];
        let header = |name: &str| {
            sent.headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let expected = BASE64.encode("acme_ab1:p:ss@w&rd<ü>");
        assert_eq!(header("authorization"), Some(format!("Basic {expected}")));
        assert_eq!(header("x-requested-with").as_deref(), Some(CLIENT_NAME));
        assert_eq!(sent.authority, "qualysapi.qg2.apps.qualys.com");
        assert_eq!(sent.path_and_query, "/msp/about.php");
    }

    #[test]
    fn the_query_is_percent_encoded_except_raw_parameters() {
        let mut request = ApiRequest::get("/msp/user.php").with_query("login", "a b&c");
        request.raw_query.push(("fields", "id,name".to_owned()));
        assert_eq!(
            request.path_and_query(),
            "/msp/user.php?login=a+b%26c&fields=id,name"
        );
    }

    #[test]
    fn a_rate_limit_that_fits_the_budget_is_waited_out_and_retried() {
        let mut script = Scripted::new(vec![
            status(
                409,
                &rate_limit_body("1965"),
                &[("x-ratelimit-towait-sec", "2")],
            ),
            ok("<ABOUT/>"),
        ]);
        client(&mut script, 10_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap();
        assert_eq!(script.sent.len(), 2);
        assert!(script.slept[0] >= 2 * NANOS_PER_SEC);
        assert!(script.slept[0] <= 2 * NANOS_PER_SEC + NANOS_PER_SEC / 2);
    }

    #[test]
    fn a_rate_limit_that_does_not_fit_fails_at_once_with_the_wait() {
        let mut script = Scripted::new(vec![status(
            409,
            &rate_limit_body("1965"),
            &[("x-ratelimit-towait-sec", "30")],
        )]);
        let error = client(&mut script, 5_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited);
        assert_eq!(error.retry_after_secs, Some(30));
        assert!(error.message.contains("time budget"));
        assert!(script.slept.is_empty());
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn writes_are_retried_after_a_concurrency_limit() {
        let mut script =
            Scripted::new(vec![status(409, &rate_limit_body("1960"), &[]), ok("<X/>")]);
        let request = ApiRequest::post("/msp/user.php", "text/plain", Vec::new(), Effect::Write);
        client(&mut script, 10_000).send(&request).unwrap();
        assert_eq!(script.sent.len(), 2);
        assert!(script.slept[0] >= CONCURRENCY_BACKOFF_NANOS);
    }

    #[test]
    fn writes_are_not_retried_after_a_server_error() {
        let mut script = Scripted::new(vec![status(503, "down", &[]), ok("<X/>")]);
        let request = ApiRequest::post("/msp/user.php", "text/plain", Vec::new(), Effect::Write);
        let error = client(&mut script, 10_000).send(&request).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn reads_are_retried_after_server_errors_up_to_the_attempt_limit() {
        let answers = (0..10).map(|_| status(502, "bad gateway", &[])).collect();
        let mut script = Scripted::new(answers);
        let error = client(&mut script, 60_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(script.sent.len(), MAX_ATTEMPTS as usize);
    }

    #[test]
    fn reads_are_retried_after_a_connection_failure() {
        let mut script = Scripted::new(vec![
            Err(Error::new(ErrorKind::Transport, "connection reset")),
            ok("<ABOUT/>"),
        ]);
        client(&mut script, 10_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap();
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn authentication_failures_are_never_retried() {
        let mut script = Scripted::new(vec![status(401, "Bad Login/Password", &[]), ok("<A/>")]);
        let error = client(&mut script, 10_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::AuthFailed);
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn client_errors_are_never_retried() {
        for code in [400, 403, 404] {
            let mut script = Scripted::new(vec![status(code, "no", &[]), ok("<A/>")]);
            let _ = client(&mut script, 10_000).send(&ApiRequest::get("/msp/about.php"));
            assert_eq!(script.sent.len(), 1, "HTTP {code}");
        }
    }

    #[test]
    fn a_host_refusal_is_not_retried() {
        let refused = crate::transport::host_refused("qualysapi.qg2.apps.qualys.com");
        let mut script = Scripted::new(vec![Err(refused), ok("<A/>")]);
        let error = client(&mut script, 10_000)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap_err();
        assert!(error.is_host_refusal());
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn backoff_never_sleeps_past_the_deadline() {
        let mut script = Scripted::new(vec![status(500, "x", &[]), ok("<A/>")]);
        let error = client(&mut script, 100)
            .send(&ApiRequest::get("/msp/about.php"))
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert!(script.slept.is_empty());
    }
}
