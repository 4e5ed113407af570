//! What the gateway answers: the action's result as JSON with snake_case field names (the
//! CLI's `--json` names), or `{"error": {...}}` with a status that fits the error.
//!
//! | error kind | status |
//! |---|---|
//! | invalid-input | 400 |
//! | auth-failed | 401 (with `WWW-Authenticate`) |
//! | permission-denied | 403 |
//! | not-found | 404 |
//! | conflict | 409 |
//! | rate-limited | 429 (with `Retry-After` when Qualys said how long) |
//! | timeout | 504 |
//! | transport, upstream, bad-response | 502 |
//!
//! The gateway's own refusals use the same body: 400 for a body that is not the action's
//! JSON, 401 without Basic credentials, 403 for a server this service does not reach, 404 and
//! 405 for a wrong path or method, 413 over the body cap, 415 for a body that is not JSON, 500
//! when the operator's configuration is unusable.

use serde::Serialize;

use crate::error::GatewayError;
use crate::wit::{
    Agent, AgentPage, Capability, ConnectionReport, Error, ErrorKind, FailedBatch, RateLimit,
    ScanLaunch, UserResult, UserStatusChange,
};

/// The `WWW-Authenticate` challenge of every 401.
const CHALLENGE: &str = "Basic realm=\"Qualys\", charset=\"UTF-8\"";

/// A response to write: status, headers besides `Content-Length`, body.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response that no cache keeps (it may hold a subscription's data).
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("cache-control", "no-store".to_owned()),
            ],
            body,
        }
    }

    /// `value` as JSON with `status` (500 when it cannot be written).
    pub fn serialized(status: u16, value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::json(status, body),
            Err(_) => Self::json(500, UNWRITABLE.to_vec()),
        }
    }

    /// `value` as a 200 JSON response.
    pub fn ok(value: &impl Serialize) -> Self {
        Self::serialized(200, value)
    }

    /// Adds a header.
    fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The value of header `name`, if set.
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The answer to a result that cannot be written as JSON. The views below hold only strings,
/// numbers, booleans, lists and options, which serialise without failing; should one fail all
/// the same, the caller gets this error, never a success.
const UNWRITABLE: &[u8] = br#"{"error":{"kind":"bad-response","message":"the result could not be written as JSON","http_status":null,"qualys_code":null,"retry_after_secs":null,"hint":null}}"#;

/// What the caller reads when the operator's configuration is unusable; why goes to the
/// operator's log only.
const CONFIG_MESSAGE: &str =
    "this service's configuration is unusable; the engine's log says why (for its operator)";

/// The response to a connector result: `ok` rendered by `render`, or the error.
pub fn action_result<T>(result: Result<T, Error>, render: impl FnOnce(&T) -> Response) -> Response {
    match result {
        Ok(value) => render(&value),
        Err(error) => action_error(&error),
    }
}

/// The response to one of the connector's errors.
pub fn action_error(error: &Error) -> Response {
    let status = status_of(error.kind);
    let response = Response::serialized(
        status,
        &ErrorResponse {
            error: ErrorJson::of(error),
        },
    );
    match (error.kind, error.retry_after_secs) {
        (ErrorKind::RateLimited, Some(seconds)) => {
            response.with_header("retry-after", seconds.to_string())
        }
        (ErrorKind::AuthFailed, _) => {
            response.with_header("www-authenticate", CHALLENGE.to_owned())
        }
        _ => response,
    }
}

/// The status that fits an error of `kind`.
pub fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::InvalidInput => 400,
        ErrorKind::AuthFailed => 401,
        ErrorKind::PermissionDenied => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::Conflict => 409,
        ErrorKind::RateLimited => 429,
        ErrorKind::Timeout => 504,
        ErrorKind::Transport | ErrorKind::Upstream | ErrorKind::BadResponse => 502,
    }
}

/// The WIT name of `kind`.
pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::AuthFailed => "auth-failed",
        ErrorKind::PermissionDenied => "permission-denied",
        ErrorKind::NotFound => "not-found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::RateLimited => "rate-limited",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Transport => "transport",
        ErrorKind::Upstream => "upstream",
        ErrorKind::BadResponse => "bad-response",
    }
}

/// The response to one of the gateway's own refusals.
pub fn gateway_error(error: &GatewayError) -> Response {
    let (status, kind, hint) = match error {
        GatewayError::NotFound(_) => (404, ErrorKind::NotFound, None),
        GatewayError::MethodNotAllowed { .. } => (405, ErrorKind::InvalidInput, None),
        GatewayError::BodyTooLarge { .. } => (413, ErrorKind::InvalidInput, None),
        GatewayError::UnsupportedMediaType => (415, ErrorKind::InvalidInput, None),
        GatewayError::Credentials(_) => (401, ErrorKind::AuthFailed, None),
        GatewayError::Body(_) | GatewayError::Read => (400, ErrorKind::InvalidInput, None),
        GatewayError::Server { hint, .. } => (400, ErrorKind::InvalidInput, hint.as_deref()),
        GatewayError::ServerNotAllowed(_) => (
            403,
            ErrorKind::PermissionDenied,
            Some(
                "this service reaches the Qualys platforms and the origins its operator allows \
                 (wasi:config key allowed_origins); a request cannot widen that",
            ),
        ),
        GatewayError::Config(_) => (500, ErrorKind::Transport, None),
    };
    let message = match error {
        GatewayError::Config(_) => CONFIG_MESSAGE.to_owned(),
        _ => error.to_string(),
    };
    let body = ErrorResponse {
        error: ErrorJson {
            kind: kind_name(kind),
            message,
            http_status: None,
            qualys_code: None,
            retry_after_secs: None,
            hint,
        },
    };
    let response = Response::serialized(status, &body);
    match error {
        GatewayError::MethodNotAllowed { allow, .. } => {
            response.with_header("allow", (*allow).to_owned())
        }
        GatewayError::Credentials(_) => {
            response.with_header("www-authenticate", CHALLENGE.to_owned())
        }
        _ => response,
    }
}

/// `{"error": {...}}`.
#[derive(Serialize)]
struct ErrorResponse<'a> {
    error: ErrorJson<'a>,
}

/// An error's fields, in the WIT record's order, its kind written with the WIT name.
#[derive(Serialize)]
pub struct ErrorJson<'a> {
    kind: &'static str,
    message: String,
    http_status: Option<u16>,
    qualys_code: Option<&'a str>,
    retry_after_secs: Option<u32>,
    hint: Option<&'a str>,
}

impl<'a> ErrorJson<'a> {
    /// The JSON view of a connector error.
    pub fn of(error: &'a Error) -> Self {
        Self {
            kind: kind_name(error.kind),
            message: error.message.clone(),
            http_status: error.http_status,
            qualys_code: error.qualys_code.as_deref(),
            retry_after_secs: error.retry_after_secs,
            hint: error.hint.as_deref(),
        }
    }
}

/// The JSON view of a `connection-report`.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    api_server: &'a str,
    platform: Option<&'a str>,
    api_version: Option<&'a str>,
    web_version: Option<&'a str>,
    rate_limit: Option<RateLimitJson>,
    capabilities: Vec<CapabilityJson<'a>>,
}

impl<'a> ReportJson<'a> {
    /// The view of `report`.
    pub fn of(report: &'a ConnectionReport) -> Self {
        Self {
            api_server: &report.api_server,
            platform: report.platform.as_deref(),
            api_version: report.api_version.as_deref(),
            web_version: report.web_version.as_deref(),
            rate_limit: report.rate_limit.as_ref().map(RateLimitJson::of),
            capabilities: report.capabilities.iter().map(CapabilityJson::of).collect(),
        }
    }
}

/// The JSON view of a `rate-limit`.
#[derive(Serialize)]
struct RateLimitJson {
    limit: Option<u32>,
    window_secs: Option<u32>,
    remaining: Option<u32>,
    concurrency_limit: Option<u32>,
}

impl RateLimitJson {
    fn of(limits: &RateLimit) -> Self {
        Self {
            limit: limits.limit,
            window_secs: limits.window_secs,
            remaining: limits.remaining,
            concurrency_limit: limits.concurrency_limit,
        }
    }
}

/// The JSON view of a `capability`.
#[derive(Serialize)]
struct CapabilityJson<'a> {
    action: &'a str,
    ok: bool,
    detail: &'a str,
}

impl<'a> CapabilityJson<'a> {
    fn of(capability: &'a Capability) -> Self {
        Self {
            action: &capability.action,
            ok: capability.ok,
            detail: &capability.detail,
        }
    }
}

/// The JSON view of a `user-status-change`.
#[derive(Serialize)]
pub struct StatusChangeJson<'a> {
    login: &'a str,
    previous_status: Option<&'a str>,
    changed: bool,
    message: &'a str,
}

impl<'a> StatusChangeJson<'a> {
    /// The view of `change`.
    pub fn of(change: &'a UserStatusChange) -> Self {
        Self {
            login: &change.login,
            previous_status: change.previous_status.as_deref(),
            changed: change.changed,
            message: &change.message,
        }
    }
}

/// One login of a batch: `{"login", "ok": {...}}` or `{"login", "error": {...}}`, as the CLI
/// prints it.
#[derive(Serialize)]
pub struct UserResultJson<'a> {
    login: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<StatusChangeJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson<'a>>,
}

impl<'a> UserResultJson<'a> {
    /// The view of `result`.
    pub fn of(result: &'a UserResult) -> Self {
        let (ok, error) = match &result.outcome {
            Ok(change) => (Some(StatusChangeJson::of(change)), None),
            Err(error) => (None, Some(ErrorJson::of(error))),
        };
        Self {
            login: &result.login,
            ok,
            error,
        }
    }

    /// The views of a batch's results, in order.
    pub fn all(results: &'a [UserResult]) -> Vec<Self> {
        results.iter().map(Self::of).collect()
    }
}

/// The JSON view of an `agent-page`.
#[derive(Serialize)]
pub struct AgentPageJson<'a> {
    agents: Vec<AgentJson<'a>>,
    next_cursor: Option<&'a str>,
}

impl<'a> AgentPageJson<'a> {
    /// The view of `page`.
    pub fn of(page: &'a AgentPage) -> Self {
        Self {
            agents: page.agents.iter().map(AgentJson::of).collect(),
            next_cursor: page.next_cursor.as_deref(),
        }
    }
}

/// The JSON view of an `agent`.
#[derive(Serialize)]
struct AgentJson<'a> {
    asset_id: u64,
    agent_id: Option<&'a str>,
    name: &'a str,
    dns_host_name: Option<&'a str>,
    address: Option<&'a str>,
    os: Option<&'a str>,
    platform: Option<&'a str>,
    agent_version: Option<&'a str>,
    status: Option<&'a str>,
    last_checked_in: Option<&'a str>,
    activated_modules: &'a [String],
    tags: &'a [String],
}

impl<'a> AgentJson<'a> {
    fn of(agent: &'a Agent) -> Self {
        Self {
            asset_id: agent.asset_id,
            agent_id: agent.agent_id.as_deref(),
            name: &agent.name,
            dns_host_name: agent.dns_host_name.as_deref(),
            address: agent.address.as_deref(),
            os: agent.os.as_deref(),
            platform: agent.platform.as_deref(),
            agent_version: agent.agent_version.as_deref(),
            status: agent.status.as_deref(),
            last_checked_in: agent.last_checked_in.as_deref(),
            activated_modules: &agent.activated_modules,
            tags: &agent.tags,
        }
    }
}

/// The JSON view of a `scan-launch`.
#[derive(Serialize)]
pub struct ScanLaunchJson<'a> {
    scan_type: &'a str,
    launched: &'a [u64],
    accepted_unconfirmed: &'a [u64],
    not_launched: &'a [u64],
    failed_batch: Option<FailedBatchJson<'a>>,
    not_sent: &'a [u64],
}

impl<'a> ScanLaunchJson<'a> {
    /// The view of `launch`.
    pub fn of(launch: &'a ScanLaunch) -> Self {
        Self {
            scan_type: &launch.scan_type,
            launched: &launch.launched,
            accepted_unconfirmed: &launch.accepted_unconfirmed,
            not_launched: &launch.not_launched,
            failed_batch: launch.failed_batch.as_ref().map(FailedBatchJson::of),
            not_sent: &launch.not_sent,
        }
    }
}

/// The JSON view of a `failed-batch`.
#[derive(Serialize)]
struct FailedBatchJson<'a> {
    asset_ids: &'a [u64],
    error: ErrorJson<'a>,
}

impl<'a> FailedBatchJson<'a> {
    fn of(batch: &'a FailedBatch) -> Self {
        Self {
            asset_ids: &batch.asset_ids,
            error: ErrorJson::of(&batch.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind, retry_after_secs: Option<u32>) -> Error {
        Error {
            kind,
            message: "m".to_owned(),
            http_status: Some(409),
            qualys_code: Some("1965".to_owned()),
            retry_after_secs,
            hint: None,
        }
    }

    #[test]
    fn each_error_kind_has_the_status_that_fits_it() {
        let expected = [
            (ErrorKind::InvalidInput, 400),
            (ErrorKind::AuthFailed, 401),
            (ErrorKind::PermissionDenied, 403),
            (ErrorKind::NotFound, 404),
            (ErrorKind::Conflict, 409),
            (ErrorKind::RateLimited, 429),
            (ErrorKind::Timeout, 504),
            (ErrorKind::Transport, 502),
            (ErrorKind::Upstream, 502),
            (ErrorKind::BadResponse, 502),
        ];
        for (kind, status) in expected {
            assert_eq!(
                action_error(&error(kind, None)).status,
                status,
                "{}",
                kind_name(kind)
            );
        }
    }

    #[test]
    fn a_rate_limit_says_when_to_retry_when_qualys_said_it() {
        let response = action_error(&error(ErrorKind::RateLimited, Some(42)));
        assert_eq!(response.header("retry-after"), Some("42"));
        assert_eq!(
            action_error(&error(ErrorKind::RateLimited, None)).header("retry-after"),
            None
        );
    }

    #[test]
    fn an_error_body_has_every_field_of_the_wit_record_in_snake_case() {
        let response = action_error(&error(ErrorKind::RateLimited, Some(42)));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"kind": "rate-limited", "message": "m", "http_status": 409,
                "qualys_code": "1965", "retry_after_secs": 42, "hint": null}})
        );
    }

    #[test]
    fn refusals_of_the_gateway_have_their_statuses_and_headers() {
        let method = gateway_error(&GatewayError::MethodNotAllowed { allow: "POST" });
        assert_eq!((method.status, method.header("allow")), (405, Some("POST")));
        let credentials = gateway_error(&GatewayError::Credentials("no"));
        assert_eq!(credentials.status, 401);
        assert!(
            credentials
                .header("www-authenticate")
                .is_some_and(|value| value.starts_with("Basic"))
        );
        assert_eq!(
            gateway_error(&GatewayError::BodyTooLarge { cap: 1 }).status,
            413
        );
        assert_eq!(
            gateway_error(&GatewayError::UnsupportedMediaType).status,
            415
        );
        assert_eq!(
            gateway_error(&GatewayError::ServerNotAllowed("x".to_owned())).status,
            403
        );
        assert_eq!(
            gateway_error(&GatewayError::NotFound("/x".to_owned())).status,
            404
        );
        assert_eq!(
            gateway_error(&GatewayError::Config("x".to_owned())).status,
            500
        );
    }

    #[test]
    fn a_batch_result_is_ok_or_error_beside_the_login() {
        let results = vec![
            UserResult {
                login: "a".to_owned(),
                outcome: Ok(UserStatusChange {
                    login: "a".to_owned(),
                    previous_status: Some("Inactive".to_owned()),
                    changed: true,
                    message: String::new(),
                }),
            },
            UserResult {
                login: "b".to_owned(),
                outcome: Err(error(ErrorKind::NotFound, None)),
            },
        ];
        let json = serde_json::to_value(UserResultJson::all(&results)).unwrap();
        assert_eq!(json[0]["ok"]["previous_status"], "Inactive");
        assert!(json[0].get("error").is_none());
        assert_eq!(json[1]["error"]["kind"], "not-found");
        assert!(json[1].get("ok").is_none());
    }
}
