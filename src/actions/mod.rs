//! The actions, one module each: what to ask Qualys, in which order, and what to return.
//!
//! Every action takes a [`Transport`](crate::transport::Transport) and the WIT records of its
//! inputs, validates the inputs before anything is sent, and returns a WIT record or an
//! [`Error`](crate::Error). `launch-scan` returns a [`ScanOutcome`] instead, because its result
//! holds the error of a failed batch: the export boundary converts it with the other errors.

mod activate_user;
mod describe;
mod launch_scan;
mod search_agents;
mod test_connection;

pub use activate_user::activate_user;
pub use describe::describe;
pub use launch_scan::{BatchFailure, ScanOutcome, launch_scan};
pub use search_agents::search_agents;
pub use test_connection::test_connection;

use crate::Result;
use crate::contract::Connection;
use crate::qualys::client::{Credentials, QualysClient};
use crate::qualys::server::ApiServer;
use crate::transport::Transport;

/// A client for `conn`, once its credentials, timeout and server are valid.
fn open_client<T: Transport>(transport: T, conn: &Connection) -> Result<QualysClient<T>> {
    let credentials = Credentials::new(&conn.username, &conn.password, conn.timeout_ms)?;
    let server = ApiServer::resolve(conn.server.as_deref(), &credentials.username)?;
    Ok(QualysClient::new(transport, server, &credentials))
}
