//! Which route a method and path name.

use crate::error::GatewayError;
use crate::request::Method;

/// The actions served under `POST /v1/<name>`, named as the WIT functions.
pub const ACTIONS: [Action; 7] = [
    Action::TestConnection,
    Action::ActivateUser,
    Action::DeactivateUser,
    Action::ActivateUsers,
    Action::DeactivateUsers,
    Action::SearchAgents,
    Action::LaunchScan,
];

/// One WIT action that takes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `test-connection`.
    TestConnection,
    /// `activate-user`.
    ActivateUser,
    /// `deactivate-user`.
    DeactivateUser,
    /// `activate-users`.
    ActivateUsers,
    /// `deactivate-users`.
    DeactivateUsers,
    /// `search-agents`.
    SearchAgents,
    /// `launch-scan`.
    LaunchScan,
}

impl Action {
    /// The WIT name, which is the last segment of the path.
    pub fn name(self) -> &'static str {
        match self {
            Action::TestConnection => "test-connection",
            Action::ActivateUser => "activate-user",
            Action::DeactivateUser => "deactivate-user",
            Action::ActivateUsers => "activate-users",
            Action::DeactivateUsers => "deactivate-users",
            Action::SearchAgents => "search-agents",
            Action::LaunchScan => "launch-scan",
        }
    }
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/<action>`.
    Action(Action),
    /// `GET /v1/describe`: the manifest.
    Describe,
    /// `GET /openapi.json`: the OpenAPI document.
    OpenApi,
}

/// The route of `method` and `path`: 404 for an unknown path, 405 for a known path with the
/// other method.
pub fn route(method: &Method, path: &str) -> Result<Route, GatewayError> {
    let (route, allow) = match path {
        "/v1/describe" => (Route::Describe, Method::Get),
        "/openapi.json" => (Route::OpenApi, Method::Get),
        _ => {
            let action = path
                .strip_prefix("/v1/")
                .and_then(|name| ACTIONS.into_iter().find(|action| action.name() == name))
                .ok_or_else(|| GatewayError::NotFound(path.to_owned()))?;
            (Route::Action(action), Method::Post)
        }
    };
    if *method != allow {
        return Err(GatewayError::MethodNotAllowed {
            allow: if allow == Method::Get { "GET" } else { "POST" },
        });
    }
    Ok(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_posted_under_its_wit_name() {
        for action in ACTIONS {
            let path = format!("/v1/{}", action.name());
            assert_eq!(route(&Method::Post, &path).unwrap(), Route::Action(action));
        }
    }

    #[test]
    fn the_manifest_and_the_openapi_document_are_read_with_get() {
        assert_eq!(
            route(&Method::Get, "/v1/describe").unwrap(),
            Route::Describe
        );
        assert_eq!(
            route(&Method::Get, "/openapi.json").unwrap(),
            Route::OpenApi
        );
    }

    #[test]
    fn an_unknown_path_is_not_found() {
        for path in [
            "/",
            "/v1/",
            "/v1/drop-tables",
            "/v2/test-connection",
            "/v1/test-connection/",
        ] {
            assert!(
                matches!(route(&Method::Post, path), Err(GatewayError::NotFound(_))),
                "{path}"
            );
        }
    }

    #[test]
    fn a_known_path_with_the_other_method_names_the_method_it_takes() {
        let error = route(&Method::Get, "/v1/search-agents").unwrap_err();
        assert!(matches!(
            error,
            GatewayError::MethodNotAllowed { allow: "POST", .. }
        ));
        let error = route(&Method::Other, "/openapi.json").unwrap_err();
        assert!(matches!(
            error,
            GatewayError::MethodNotAllowed { allow: "GET", .. }
        ));
    }
}
