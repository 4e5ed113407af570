//! The actions, one module each: what to ask Qualys, in which order, and what to return.
//!
//! Every action takes a [`Transport`](crate::transport::Transport) and the WIT records of its
//! inputs, validates the inputs with [`input`] before anything is sent (this is the one layer
//! that validates what callers pass), calls the protocol in [`qualys`](crate::qualys) with the
//! protocol's own types, converts its answers to WIT records, and returns a WIT record or an
//! [`Error`](crate::Error). `launch-scan` returns a [`ScanOutcome`] and the user batches a list
//! of [`UserOutcome`]s instead, because their results hold errors of their own: the export
//! boundary converts those with the other errors.

mod describe;
#[doc(hidden)]
pub mod input;
mod launch_scan;
mod search_agents;
mod test_connection;
mod user_status;

pub use describe::describe;
pub use launch_scan::{BatchFailure, ScanOutcome, launch_scan};
pub use search_agents::search_agents;
pub use test_connection::test_connection;
pub use user_status::{MAX_LOGINS_PER_CALL, UserOutcome, change_user, change_users};

use crate::Result;
use crate::contract::Connection;
use crate::qualys::client::QualysClient;
use crate::qualys::server::ApiServer;
use crate::transport::Transport;

/// A client for `conn`, once its credentials, timeout and server are valid.
fn open_client<T: Transport>(transport: T, conn: &Connection) -> Result<QualysClient<T>> {
    let credentials = input::credentials(conn)?;
    let server = ApiServer::resolve(conn.server.as_deref(), &credentials.username)?;
    Ok(QualysClient::new(transport, server, &credentials))
}
