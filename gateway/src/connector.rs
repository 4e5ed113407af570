//! The connector behind the gateway: the WIT actions it imports, behind a trait so that the
//! handler can be tested natively with a stand-in.

use crate::wit::{
    AgentPage, AgentQuery, Connection, ConnectionReport, Error, ScanLaunch, ScanRequest,
    UserResult, UserStatusChange,
};

/// The connector's actions, as the WIT declares them.
pub trait Connector {
    /// `test-connection`.
    fn test_connection(&self, conn: &Connection) -> Result<ConnectionReport, Error>;
    /// `activate-user`.
    fn activate_user(&self, conn: &Connection, login: &str) -> Result<UserStatusChange, Error>;
    /// `deactivate-user`.
    fn deactivate_user(&self, conn: &Connection, login: &str) -> Result<UserStatusChange, Error>;
    /// `activate-users`.
    fn activate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, Error>;
    /// `deactivate-users`.
    fn deactivate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, Error>;
    /// `search-agents`.
    fn search_agents(&self, conn: &Connection, query: &AgentQuery) -> Result<AgentPage, Error>;
    /// `launch-scan`.
    fn launch_scan(&self, conn: &Connection, request: &ScanRequest) -> Result<ScanLaunch, Error>;
    /// `describe`.
    fn describe(&self) -> String;
}

/// The connector component the gateway is composed with, through its WIT imports.
#[cfg(target_arch = "wasm32")]
pub struct ImportedConnector;

#[cfg(target_arch = "wasm32")]
impl Connector for ImportedConnector {
    fn test_connection(&self, conn: &Connection) -> Result<ConnectionReport, Error> {
        actions::test_connection(conn)
    }

    fn activate_user(&self, conn: &Connection, login: &str) -> Result<UserStatusChange, Error> {
        actions::activate_user(conn, login)
    }

    fn deactivate_user(&self, conn: &Connection, login: &str) -> Result<UserStatusChange, Error> {
        actions::deactivate_user(conn, login)
    }

    fn activate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, Error> {
        actions::activate_users(conn, logins)
    }

    fn deactivate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, Error> {
        actions::deactivate_users(conn, logins)
    }

    fn search_agents(&self, conn: &Connection, query: &AgentQuery) -> Result<AgentPage, Error> {
        actions::search_agents(conn, query)
    }

    fn launch_scan(&self, conn: &Connection, request: &ScanRequest) -> Result<ScanLaunch, Error> {
        actions::launch_scan(conn, request)
    }

    fn describe(&self) -> String {
        actions::describe()
    }
}

#[cfg(target_arch = "wasm32")]
use crate::bindings::qualys::connector::actions;
