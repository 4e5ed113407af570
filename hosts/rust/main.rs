//! The actions from a Rust host, through the host-harness library (wasmtime 48).
//! QUALYS_SERVER, QUALYS_USERNAME and QUALYS_PASSWORD name the subscription (here: the simulator).

use host_harness::{AgentQuery, Connection, Connector, ScanRequest, ScanType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One engine per process, the component compiled once, a fresh store and instance per call,
    // limits on every call. The default policy lets a call reach exactly the server its
    // connection resolves to; `.with_policy(OutboundPolicy::new().allow("https://…")?)` changes that.
    let connector = Connector::load("target/qualys-connector.wasm")?;
    let conn = Connection {
        server: std::env::var("QUALYS_SERVER").ok(),
        username: std::env::var("QUALYS_USERNAME")?,
        password: std::env::var("QUALYS_PASSWORD")?,
        timeout_ms: Some(30_000),
    };
    // An action's WIT error comes back as `ConnectorError::Action` (see `.action()`).
    let report = connector.test_connection(&conn).await?;
    println!("{}", serde_json::to_string(&report)?);
    let activation = connector.activate_user(&conn, "acme_es1").await?;
    println!("{}", serde_json::to_string(&activation)?);
    let query = AgentQuery {
        last_checked_in_from: None,
        last_checked_in_to: None,
        host_name: None,
        os: Some("Windows".into()),
        tags: Some(vec!["Windows".into()]),
        limit: Some(2),
        cursor: None,
    };
    let page = connector.search_agents(&conn, &query).await?;
    println!("{}", serde_json::to_string(&page)?);
    let request = ScanRequest {
        asset_ids: page.agents.iter().map(|agent| agent.asset_id).collect(),
        scan_type: Some(ScanType::Inventory),
        override_cpu_throttle: false,
    };
    let launch = connector.launch_scan(&conn, &request).await?;
    println!("{}", serde_json::to_string(&launch)?);
    let deactivation = connector.deactivate_user(&conn, "acme_ea1").await?;
    println!("{}", serde_json::to_string(&deactivation)?);
    // A batch: the call's own error stops everything; each login's outcome is its own `Result`
    // (serialised as {"Ok": …} or {"Err": …}).
    let logins = ["acme_im1", "acme_ea1", "acme_nobody1"].map(String::from);
    let results = connector.activate_users(&conn, &logins).await?;
    println!("{}", serde_json::to_string(&results)?);
    Ok(())
}
