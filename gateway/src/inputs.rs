//! What a request carries for an action: the Qualys login from `Authorization: Basic`, the
//! connection's other fields and the action's arguments from the JSON body.
//!
//! The body is a JSON object with the action's WIT parameters except `conn`, by name, in
//! snake_case (`{"query": {"host_name": "web"}}`), plus the optional connection fields
//! `server` and `timeout_ms`. An empty body is `{}`. An unknown field, a missing one or a wrong
//! type is refused (400) before anything is sent.

use base64::Engine as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::GatewayError;
use crate::routes::Action;
use crate::wit::{AgentQuery, ScanRequest, ScanType};

/// The Qualys login of one request. `Debug` never shows the password.
pub struct Credentials {
    /// The Qualys user name.
    pub username: String,
    /// The Qualys password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The Qualys login of `Authorization: Basic base64(username:password)`; the password may hold
/// colons, the user name cannot.
pub fn credentials(authorization: Option<&str>) -> Result<Credentials, GatewayError> {
    let header = authorization.ok_or(GatewayError::Credentials(
        "send the Qualys login as Authorization: Basic base64(username:password)",
    ))?;
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(GatewayError::Credentials(
            "the Authorization header must use the Basic scheme",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(GatewayError::Credentials(
            "the Basic credentials are not base64 of UTF-8 text",
        ))?;
    let (username, password) = decoded.split_once(':').ok_or(GatewayError::Credentials(
        "the Basic credentials must be username:password",
    ))?;
    if username.is_empty() || password.is_empty() {
        return Err(GatewayError::Credentials(
            "the Basic credentials need both a user name and a password",
        ));
    }
    Ok(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

/// The connection's fields that the body may carry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionFields {
    /// A platform code or a base URL; none: derived from the user name.
    #[serde(default)]
    pub server: Option<String>,
    /// The action's time budget in milliseconds; none: the connector's default.
    #[serde(default)]
    pub timeout_ms: Option<u32>,
}

/// The connection fields' names, which every action's body may hold.
const CONNECTION_FIELDS: [&str; 2] = ["server", "timeout_ms"];

/// An action's arguments besides the connection.
#[derive(Debug)]
pub enum ActionInput {
    /// `test-connection` takes none.
    TestConnection,
    /// `activate-user` and `deactivate-user`: one login.
    Login(String),
    /// `activate-users` and `deactivate-users`: the logins.
    Logins(Vec<String>),
    /// `search-agents`: the query.
    Search(AgentQuery),
    /// `launch-scan`: the request.
    Launch(ScanRequest),
}

/// The connection fields and the arguments of `action` in `body`.
pub fn parse_body(
    action: Action,
    body: &[u8],
) -> Result<(ConnectionFields, ActionInput), GatewayError> {
    let mut object = body_object(body)?;
    let mut connection = Map::new();
    for name in CONNECTION_FIELDS {
        if let Some(value) = object.remove(name) {
            connection.insert(name.to_owned(), value);
        }
    }
    let fields: ConnectionFields = from_object(connection)?;
    let input = match action {
        Action::TestConnection => {
            from_object::<NoArguments>(object)?;
            ActionInput::TestConnection
        }
        Action::ActivateUser | Action::DeactivateUser => {
            ActionInput::Login(from_object::<LoginArgument>(object)?.login)
        }
        Action::ActivateUsers | Action::DeactivateUsers => {
            ActionInput::Logins(from_object::<LoginsArgument>(object)?.logins)
        }
        Action::SearchAgents => {
            ActionInput::Search(from_object::<QueryArgument>(object)?.query.into_wit())
        }
        Action::LaunchScan => {
            ActionInput::Launch(from_object::<ScanArgument>(object)?.request.into_wit())
        }
    };
    Ok((fields, input))
}

/// The body as a JSON object; an empty body is an empty object.
fn body_object(body: &[u8]) -> Result<Map<String, Value>, GatewayError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(GatewayError::Body(
            "the body must be a JSON object".to_owned(),
        )),
        Err(error) => Err(GatewayError::Body(format!("malformed JSON: {error}"))),
    }
}

/// `object` read as `T`, which refuses unknown fields.
fn from_object<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, GatewayError> {
    serde_json::from_value(Value::Object(object))
        .map_err(|error| GatewayError::Body(error.to_string()))
}

/// The body of `test-connection`: nothing but the connection fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArguments {}

/// The body of `activate-user` and `deactivate-user`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginArgument {
    login: String,
}

/// The body of `activate-users` and `deactivate-users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginsArgument {
    logins: Vec<String>,
}

/// The body of `search-agents`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryArgument {
    query: QueryJson,
}

/// The WIT `agent-query` in JSON; every field may be left out or null.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryJson {
    #[serde(default)]
    last_checked_in_from: Option<String>,
    #[serde(default)]
    last_checked_in_to: Option<String>,
    #[serde(default)]
    host_name: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    cursor: Option<String>,
}

impl QueryJson {
    fn into_wit(self) -> AgentQuery {
        AgentQuery {
            last_checked_in_from: self.last_checked_in_from,
            last_checked_in_to: self.last_checked_in_to,
            host_name: self.host_name,
            os: self.os,
            tags: self.tags,
            limit: self.limit,
            cursor: self.cursor,
        }
    }
}

/// The body of `launch-scan`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanArgument {
    request: ScanRequestJson,
}

/// The WIT `scan-request` in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRequestJson {
    asset_ids: Vec<u64>,
    #[serde(default)]
    scan_type: Option<ScanTypeJson>,
    override_cpu_throttle: bool,
}

impl ScanRequestJson {
    fn into_wit(self) -> ScanRequest {
        ScanRequest {
            asset_ids: self.asset_ids,
            scan_type: self.scan_type.map(ScanTypeJson::into_wit),
            override_cpu_throttle: self.override_cpu_throttle,
        }
    }
}

/// The WIT `scan-type`, by its WIT name.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ScanTypeJson {
    Inventory,
    Vulnerability,
    PolicyCompliance,
    Udc,
    Sca,
    Swca,
}

impl ScanTypeJson {
    fn into_wit(self) -> ScanType {
        match self {
            ScanTypeJson::Inventory => ScanType::Inventory,
            ScanTypeJson::Vulnerability => ScanType::Vulnerability,
            ScanTypeJson::PolicyCompliance => ScanType::PolicyCompliance,
            ScanTypeJson::Udc => ScanType::Udc,
            ScanTypeJson::Sca => ScanType::Sca,
            ScanTypeJson::Swca => ScanType::Swca,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(text: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(text)
        )
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        let credentials = credentials(Some(&basic("acme_es1:pa:ss word"))).unwrap();
        assert_eq!(credentials.username, "acme_es1");
        assert_eq!(credentials.password, "pa:ss word");
    }

    #[test]
    fn missing_or_malformed_credentials_are_refused() {
        for header in [
            None,
            Some("Bearer abc".to_owned()),
            Some("Basic !!!".to_owned()),
            Some(basic("no-colon")),
            Some(basic(":password")),
            Some(basic("user:")),
        ] {
            let result = credentials(header.as_deref());
            assert!(
                matches!(result, Err(GatewayError::Credentials(_))),
                "{header:?}"
            );
        }
    }

    #[test]
    fn the_debug_form_of_credentials_hides_the_password() {
        let credentials = credentials(Some(&basic("acme_es1:s3cret-pw"))).unwrap();
        assert!(!format!("{credentials:?}").contains("s3cret-pw"));
    }

    #[test]
    fn an_empty_body_is_an_empty_object() {
        let (fields, input) = parse_body(Action::TestConnection, b" \n").unwrap();
        assert!(fields.server.is_none() && fields.timeout_ms.is_none());
        assert!(matches!(input, ActionInput::TestConnection));
    }

    #[test]
    fn connection_fields_sit_beside_the_arguments() {
        let body = br#"{"server":"US2","timeout_ms":5000,"login":"acme_es1"}"#;
        let (fields, input) = parse_body(Action::ActivateUser, body).unwrap();
        assert_eq!(fields.server.as_deref(), Some("US2"));
        assert_eq!(fields.timeout_ms, Some(5000));
        assert!(matches!(input, ActionInput::Login(login) if login == "acme_es1"));
    }

    #[test]
    fn a_query_uses_snake_case_names_and_may_leave_fields_out() {
        let body = br#"{"query":{"host_name":"web","tags":["PCI"],"limit":10,"os":null}}"#;
        let (_, input) = parse_body(Action::SearchAgents, body).unwrap();
        let ActionInput::Search(query) = input else {
            panic!("not a search")
        };
        assert_eq!(query.host_name.as_deref(), Some("web"));
        assert_eq!(query.tags, Some(vec!["PCI".to_owned()]));
        assert_eq!(query.limit, Some(10));
        assert!(query.os.is_none() && query.cursor.is_none());
    }

    #[test]
    fn a_scan_request_takes_the_wit_scan_type_names() {
        let body = br#"{"request":{"asset_ids":[3,1],"scan_type":"policy-compliance","override_cpu_throttle":true}}"#;
        let (_, input) = parse_body(Action::LaunchScan, body).unwrap();
        let ActionInput::Launch(request) = input else {
            panic!("not a launch")
        };
        assert_eq!(request.asset_ids, vec![3, 1]);
        assert!(matches!(
            request.scan_type,
            Some(ScanType::PolicyCompliance)
        ));
        assert!(request.override_cpu_throttle);
    }

    #[test]
    fn unknown_missing_or_mistyped_fields_are_refused() {
        let cases: [(Action, &[u8]); 8] = [
            (Action::TestConnection, br#"{"servr":"US2"}"#),
            (Action::ActivateUser, br#"{}"#),
            (Action::ActivateUser, br#"{"login":"a","conn":{}}"#),
            (Action::ActivateUsers, br#"{"logins":"a"}"#),
            (Action::SearchAgents, br#"{"query":{"hostName":"web"}}"#),
            (Action::LaunchScan, br#"{"request":{"asset_ids":[1],"scan_type":"full","override_cpu_throttle":false}}"#),
            (Action::TestConnection, br#"{"timeout_ms":-1}"#),
            (Action::TestConnection, br#"{"password":"x"}"#),
        ];
        for (action, body) in cases {
            let result = parse_body(action, body);
            assert!(
                matches!(result, Err(GatewayError::Body(_))),
                "{}: {}",
                action.name(),
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn malformed_json_and_non_objects_are_refused() {
        for body in [
            &b"{"[..],
            b"[1]",
            b"\"text\"",
            b"{\"login\":\"a\"} trailing",
        ] {
            let result = parse_body(Action::ActivateUser, body);
            assert!(matches!(result, Err(GatewayError::Body(_))), "{body:?}");
        }
    }
}
