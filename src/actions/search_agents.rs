//! `search-agents`: Cloud Agents by check-in window, host name and OS.

use crate::contract::{AgentPage, AgentQuery, Connection};
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Runs `search-agents` for `query`.
pub fn search_agents<T: Transport>(
    transport: T,
    conn: &Connection,
    query: &AgentQuery,
) -> Result<AgentPage> {
    let _ = (transport, conn, query);
    Err(Error::new(
        ErrorKind::Upstream,
        "search-agents is not implemented yet",
    ))
}
