//! The export boundary: the WIT `actions` interface implemented over [`WasiTransport`].
//!
//! Each export runs its action with a fresh transport and converts the connector's error to the
//! WIT `error` record; nothing else happens here.

use crate::bindings::exports::qualys::connector::actions::Guest;
use crate::contract::{
    AgentPage, AgentQuery, Connection, ConnectionReport, ScanLaunch, ScanRequest, UserResult,
    UserStatusChange, WitError, to_wit_error, to_wit_scan_launch, to_wit_user_results,
};
use crate::qualys::users::UserAction;
use crate::transport::WasiTransport;
use crate::{actions, bindings};

/// The component's implementation of the exported interface.
struct Component;

impl Guest for Component {
    fn test_connection(conn: Connection) -> Result<ConnectionReport, WitError> {
        actions::test_connection(WasiTransport, &conn).map_err(to_wit_error)
    }

    fn activate_user(conn: Connection, login: String) -> Result<UserStatusChange, WitError> {
        actions::change_user(WasiTransport, &conn, &login, UserAction::Activate)
            .map_err(to_wit_error)
    }

    fn deactivate_user(conn: Connection, login: String) -> Result<UserStatusChange, WitError> {
        actions::change_user(WasiTransport, &conn, &login, UserAction::Deactivate)
            .map_err(to_wit_error)
    }

    fn activate_users(conn: Connection, logins: Vec<String>) -> Result<Vec<UserResult>, WitError> {
        actions::change_users(WasiTransport, &conn, &logins, UserAction::Activate)
            .map(to_wit_user_results)
            .map_err(to_wit_error)
    }

    fn deactivate_users(
        conn: Connection,
        logins: Vec<String>,
    ) -> Result<Vec<UserResult>, WitError> {
        actions::change_users(WasiTransport, &conn, &logins, UserAction::Deactivate)
            .map(to_wit_user_results)
            .map_err(to_wit_error)
    }

    fn search_agents(conn: Connection, query: AgentQuery) -> Result<AgentPage, WitError> {
        actions::search_agents(WasiTransport, &conn, &query).map_err(to_wit_error)
    }

    fn launch_scan(conn: Connection, request: ScanRequest) -> Result<ScanLaunch, WitError> {
        actions::launch_scan(WasiTransport, &conn, &request)
            .map(to_wit_scan_launch)
            .map_err(to_wit_error)
    }

    fn describe() -> String {
        actions::describe()
    }
}

bindings::export!(Component with_types_in bindings);
