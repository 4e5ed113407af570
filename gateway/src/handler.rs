//! One request to one response: route, check, call the connector, render.
//!
//! The checks run in this order, and each refusal happens before anything after it: the body's
//! size while it is read (413, in `wasi_http`), then the path and method (404, 405), the
//! content type (415), the credentials (401), the body (400), the server (400 when it cannot
//! be resolved, 403 when this service does not reach it). Only then is the connector called,
//! with the origin that was checked, so a refused request makes no outbound connection.

use qualys_platforms::ApiServer;

use crate::OPENAPI_JSON;
use crate::connector::Connector;
use crate::error::GatewayError;
use crate::inputs::{self, ActionInput};
use crate::outputs::{
    self, AgentPageJson, ReportJson, Response, ScanLaunchJson, StatusChangeJson, UserResultJson,
};
use crate::policy::AllowList;
use crate::request::Request;
use crate::routes::{self, Action, Route};
use crate::wit::Connection;

/// The response to `request`. `allow_list` is read only for an action request that passed
/// every check before the server's.
pub fn respond(
    request: &Request,
    connector: &impl Connector,
    allow_list: impl FnOnce() -> Result<AllowList, GatewayError>,
) -> Response {
    try_respond(request, connector, allow_list)
        .unwrap_or_else(|error| outputs::gateway_error(&error))
}

fn try_respond(
    request: &Request,
    connector: &impl Connector,
    allow_list: impl FnOnce() -> Result<AllowList, GatewayError>,
) -> Result<Response, GatewayError> {
    match routes::route(&request.method, &request.path)? {
        Route::Describe => Ok(Response::json(200, connector.describe().into_bytes())),
        Route::OpenApi => Ok(Response::json(200, OPENAPI_JSON.as_bytes().to_vec())),
        Route::Action(action) => run_action(action, request, connector, allow_list),
    }
}

/// Checks the request of `action` and runs it.
fn run_action(
    action: Action,
    request: &Request,
    connector: &impl Connector,
    allow_list: impl FnOnce() -> Result<AllowList, GatewayError>,
) -> Result<Response, GatewayError> {
    if !request.declares_json_or_nothing() {
        return Err(GatewayError::UnsupportedMediaType);
    }
    let credentials = inputs::credentials(request.authorization.as_deref())?;
    let (fields, input) = inputs::parse_body(action, &request.body)?;
    let named = fields
        .server
        .as_deref()
        .is_some_and(|server| !server.trim().is_empty());
    let server =
        ApiServer::resolve(fields.server.as_deref(), &credentials.username).map_err(|error| {
            GatewayError::Server {
                // Without a server the error is about the user name: say so without it.
                message: if named {
                    error.message
                } else {
                    "no server given, and the user name names no Qualys platform".to_owned()
                },
                hint: error.hint,
            }
        })?;
    allow_list()?.check(&server)?;
    // The connector is given the origin just checked, so it cannot resolve another one.
    let conn = Connection {
        server: Some(server.base_url()),
        username: credentials.username,
        password: credentials.password,
        timeout_ms: fields.timeout_ms,
    };
    Ok(call(action, &conn, input, connector))
}

/// Calls the connector and renders its result.
fn call(
    action: Action,
    conn: &Connection,
    input: ActionInput,
    connector: &impl Connector,
) -> Response {
    match input {
        ActionInput::TestConnection => {
            outputs::action_result(connector.test_connection(conn), |value| {
                Response::ok(&ReportJson::of(value))
            })
        }
        ActionInput::Login(login) => {
            let result = if action == Action::DeactivateUser {
                connector.deactivate_user(conn, &login)
            } else {
                connector.activate_user(conn, &login)
            };
            outputs::action_result(result, |value| Response::ok(&StatusChangeJson::of(value)))
        }
        ActionInput::Logins(logins) => {
            let result = if action == Action::DeactivateUsers {
                connector.deactivate_users(conn, &logins)
            } else {
                connector.activate_users(conn, &logins)
            };
            outputs::action_result(result, |results| {
                Response::ok(&UserResultJson::all(results))
            })
        }
        ActionInput::Search(query) => {
            outputs::action_result(connector.search_agents(conn, &query), |value| {
                Response::ok(&AgentPageJson::of(value))
            })
        }
        ActionInput::Launch(request) => {
            outputs::action_result(connector.launch_scan(conn, &request), |value| {
                Response::ok(&ScanLaunchJson::of(value))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use base64::Engine as _;

    use super::*;
    use crate::request::Method;
    use crate::wit::{
        AgentPage, AgentQuery, ConnectionReport, Error, ErrorKind, ScanLaunch, ScanRequest,
        UserResult, UserStatusChange,
    };

    /// A stand-in connector that records the calls it gets and fails each with `not-found`.
    #[derive(Default)]
    struct Recorder {
        calls: RefCell<Vec<(&'static str, Option<String>, String)>>,
    }

    impl Recorder {
        fn record<T>(&self, action: &'static str, conn: &Connection) -> Result<T, Error> {
            self.calls
                .borrow_mut()
                .push((action, conn.server.clone(), conn.password.clone()));
            Err(Error {
                kind: ErrorKind::NotFound,
                message: "stand-in".to_owned(),
                http_status: None,
                qualys_code: None,
                retry_after_secs: None,
                hint: None,
            })
        }
    }

    impl Connector for Recorder {
        fn test_connection(&self, conn: &Connection) -> Result<ConnectionReport, Error> {
            self.record("test-connection", conn)
        }
        fn activate_user(&self, conn: &Connection, _: &str) -> Result<UserStatusChange, Error> {
            self.record("activate-user", conn)
        }
        fn deactivate_user(&self, conn: &Connection, _: &str) -> Result<UserStatusChange, Error> {
            self.record("deactivate-user", conn)
        }
        fn activate_users(
            &self,
            conn: &Connection,
            _: &[String],
        ) -> Result<Vec<UserResult>, Error> {
            self.record("activate-users", conn)
        }
        fn deactivate_users(
            &self,
            conn: &Connection,
            _: &[String],
        ) -> Result<Vec<UserResult>, Error> {
            self.record("deactivate-users", conn)
        }
        fn search_agents(&self, conn: &Connection, _: &AgentQuery) -> Result<AgentPage, Error> {
            self.record("search-agents", conn)
        }
        fn launch_scan(&self, conn: &Connection, _: &ScanRequest) -> Result<ScanLaunch, Error> {
            self.record("launch-scan", conn)
        }
        fn describe(&self) -> String {
            "{\"package\":\"stand-in\"}".to_owned()
        }
    }

    fn post(path: &str, body: &str) -> Request {
        let token = base64::engine::general_purpose::STANDARD.encode("acme_es1:pw-secret");
        Request {
            method: Method::Post,
            path: path.to_owned(),
            authorization: Some(format!("Basic {token}")),
            content_type: Some("application/json".to_owned()),
            body: body.as_bytes().to_vec(),
        }
    }

    fn platforms() -> Result<AllowList, GatewayError> {
        Ok(AllowList::qualys_platforms())
    }

    #[test]
    fn an_allowed_request_reaches_the_connector_with_the_basic_login() {
        let connector = Recorder::default();
        let response = respond(
            &post("/v1/deactivate-user", r#"{"server":"US2","login":"x"}"#),
            &connector,
            platforms,
        );
        assert_eq!(response.status, 404);
        assert_eq!(
            *connector.calls.borrow(),
            vec![(
                "deactivate-user",
                Some("https://qualysapi.qg2.apps.qualys.com".to_owned()),
                "pw-secret".to_owned()
            )]
        );
    }

    #[test]
    fn without_a_server_the_connector_gets_the_platform_of_the_user_name() {
        let connector = Recorder::default();
        // `acme_es1`: `_` after the letters is US1.
        respond(&post("/v1/test-connection", "{}"), &connector, platforms);
        let server = connector.calls.borrow()[0].1.clone();
        assert_eq!(server.as_deref(), Some("https://qualysapi.qualys.com"));
    }

    #[test]
    fn a_user_name_without_a_platform_is_refused_without_repeating_it() {
        let connector = Recorder::default();
        let mut request = post("/v1/test-connection", r#"{"server":"  "}"#);
        let token = base64::engine::general_purpose::STANDARD.encode("nameless77:pw-secret");
        request.authorization = Some(format!("Basic {token}"));
        let response = respond(&request, &connector, platforms);
        assert_eq!(response.status, 400);
        assert!(!String::from_utf8_lossy(&response.body).contains("nameless77"));
        assert!(connector.calls.borrow().is_empty());
    }

    #[test]
    fn a_server_outside_the_allow_list_is_refused_without_calling_the_connector() {
        let connector = Recorder::default();
        let response = respond(
            &post(
                "/v1/test-connection",
                r#"{"server":"https://attacker.example"}"#,
            ),
            &connector,
            platforms,
        );
        assert_eq!(response.status, 403);
        assert!(connector.calls.borrow().is_empty());
    }

    #[test]
    fn refusals_come_before_the_connector_and_never_echo_the_password() {
        let connector = Recorder::default();
        let mut no_credentials = post("/v1/test-connection", "{}");
        no_credentials.authorization = None;
        let mut form = post("/v1/test-connection", "{}");
        form.content_type = Some("application/x-www-form-urlencoded".to_owned());
        let mut get = post("/v1/test-connection", "{}");
        get.method = Method::Get;
        let cases = [
            (no_credentials, 401),
            (form, 415),
            (get, 405),
            (post("/v1/nothing", "{}"), 404),
            (post("/v1/activate-user", r#"{"login":1}"#), 400),
            (post("/v1/test-connection", r#"{"server":"XX9"}"#), 400),
        ];
        for (request, status) in cases {
            let response = respond(&request, &connector, platforms);
            assert_eq!(
                response.status, status,
                "{:?} {}",
                request.method, request.path
            );
            assert!(!String::from_utf8_lossy(&response.body).contains("pw-secret"));
        }
        assert!(connector.calls.borrow().is_empty());
    }

    #[test]
    fn an_unusable_configuration_is_a_server_error_and_calls_nothing() {
        let connector = Recorder::default();
        let broken = || AllowList::qualys_platforms().with_entries("no-scheme");
        let request = post("/v1/test-connection", r#"{"server":"US1"}"#);
        let response = respond(&request, &connector, broken);
        assert_eq!(response.status, 500);
        assert!(connector.calls.borrow().is_empty());
    }

    #[test]
    fn the_manifest_and_the_openapi_document_need_no_credentials() {
        let connector = Recorder::default();
        let mut describe = post("/v1/describe", "");
        describe.method = Method::Get;
        describe.authorization = None;
        assert_eq!(
            respond(&describe, &connector, platforms).body,
            b"{\"package\":\"stand-in\"}"
        );
        let mut openapi = describe.clone();
        openapi.path = "/openapi.json".to_owned();
        assert_eq!(
            respond(&openapi, &connector, platforms).body,
            OPENAPI_JSON.as_bytes()
        );
    }
}
