//! The 10 000-agent search that `bench.rs` measures and `profile_search.rs` repeats: the same
//! simulator, the same connection and the same query, so a profile shows the benchmark's search.

use host_harness::{AgentQuery, Connection, Connector, OutboundPolicy};
use qualys_simulator::{Simulator, SimulatorConfig, accounts};

/// Agents searched.
pub const AGENTS: usize = 10_000;

/// What the examples' setup can fail with.
pub type SetupResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A simulator with [`AGENTS`] agents whose assets carry realistic (heavy) fields.
pub async fn simulator() -> SetupResult<Simulator> {
    Ok(Simulator::start(SimulatorConfig {
        agents: AGENTS,
        heavy_fields: true,
        ..SimulatorConfig::default()
    })
    .await?)
}

/// `connector` with every platform host routed to `simulator`.
pub fn routed(connector: Connector, simulator: &Simulator) -> SetupResult<Connector> {
    let policy = OutboundPolicy::new().route_platforms(&simulator.origin())?;
    Ok(connector.with_policy(policy))
}

/// The simulated Manager, with a budget no search here comes near.
pub fn manager() -> Connection {
    Connection {
        server: None,
        username: accounts::MANAGER.login.to_owned(),
        password: accounts::MANAGER.password.to_owned(),
        timeout_ms: Some(120_000),
    }
}

/// Every agent, in one call.
pub fn all_agents() -> AgentQuery {
    AgentQuery {
        last_checked_in_from: None,
        last_checked_in_to: None,
        host_name: None,
        os: None,
        tags: None,
        limit: Some(AGENTS as u32),
        cursor: None,
    }
}
