//! `qualys-harness demo`: the actions against the embedded simulator, narrated.

use std::time::Instant;

use host_harness::{
    AgentQuery, Connection, Connector, ConnectorError, ScanRequest, ScanType, UserStatusChange,
};
use qualys_simulator::{
    REFERENCE_INSTANT, Simulator, SimulatorConfig, accounts, format_instant, scenario,
};

use crate::output::{self, seconds};
use crate::session::routed_to;
use crate::users::UserAction;

/// Agents in the demo's simulated subscription.
const DEMO_AGENTS: usize = 3_000;
/// The tag the search asks for (the simulator puts it on some of its agents).
const DEMO_TAG: &str = "Production";

/// Runs the demo.
pub async fn run(connector: &Connector) -> Result<(), ConnectorError> {
    let started = Instant::now();
    let config = SimulatorConfig {
        agents: DEMO_AGENTS,
        ..SimulatorConfig::default()
    };
    let simulator = Simulator::start(config)
        .await
        .map_err(|error| ConnectorError::Config(format!("simulator: {error}")))?;
    let connector = routed_to(connector, &simulator)?;
    let conn = Connection {
        server: None,
        username: accounts::MANAGER.login.to_owned(),
        password: accounts::MANAGER.password.to_owned(),
        timeout_ms: Some(30_000),
    };
    println!(
        "Qualys simulator on {} with {DEMO_AGENTS} Cloud Agents; every platform host is routed \
         there.\n",
        simulator.origin()
    );

    println!(
        "1. test-connection as {} (no server given: US1 from the username)",
        conn.username
    );
    let step = Instant::now();
    let report = connector.test_connection(&conn).await?;
    println!(
        "   {} ({}), API {}",
        report.api_server,
        report.platform.as_deref().unwrap_or("-"),
        report.api_version.as_deref().unwrap_or("-")
    );
    for capability in &report.capabilities {
        let mark = if capability.ok { "ok" } else { "NO" };
        println!("   {mark} {:<16} {}", capability.action, capability.detail);
    }
    println!("   done in {}\n", seconds(step.elapsed()));

    let from = format_instant(REFERENCE_INSTANT - time::Duration::days(7));
    println!("2. search-agents: Windows agents tagged {DEMO_TAG:?} that checked in after {from}");
    let step = Instant::now();
    let query = AgentQuery {
        last_checked_in_from: Some(from),
        last_checked_in_to: None,
        host_name: None,
        os: Some("Windows".to_owned()),
        tags: Some(vec![DEMO_TAG.to_owned()]),
        limit: Some(10_000),
        cursor: None,
    };
    let page = connector.search_agents(&conn, &query).await?;
    println!(
        "   {} agents found in {}",
        page.agents.len(),
        seconds(step.elapsed())
    );
    for agent in page.agents.iter().take(3) {
        println!(
            "   #{} {:<28} {:<40} last check-in {}, tags {}",
            agent.asset_id,
            agent.name,
            agent.os.as_deref().unwrap_or("-"),
            agent.last_checked_in.as_deref().unwrap_or("-"),
            agent.tags.join(", ")
        );
    }
    println!();

    let ids: Vec<u64> = page.agents.iter().map(|agent| agent.asset_id).collect();
    println!(
        "3. launch-scan: a vulnerability scan on those {} agents",
        ids.len()
    );
    let step = Instant::now();
    let request = ScanRequest {
        asset_ids: ids,
        scan_type: Some(ScanType::Vulnerability),
        override_cpu_throttle: false,
    };
    let launch = connector.launch_scan(&conn, &request).await?;
    println!(
        "   {}: {} launched, {} not launched (no VM module) in {}",
        launch.scan_type,
        launch.launched.len(),
        launch.not_launched.len(),
        seconds(step.elapsed())
    );
    println!(
        "   the simulator recorded {} scans\n",
        simulator.launched_scans().len()
    );

    let login = scenario::INACTIVE_EUROPE_SCANNER;
    println!("4. activate-user {login} (Inactive)");
    let step = Instant::now();
    let change = connector.activate_user(&conn, login).await?;
    print_change(&simulator, &change, step);

    let login = scenario::ACTIVE_EUROPE_SCANNER;
    println!("5. deactivate-user {login} (Active: offboarding)");
    let step = Instant::now();
    let change = connector.deactivate_user(&conn, login).await?;
    print_change(&simulator, &change, step);

    let logins = [
        scenario::INACTIVE_READER,
        scenario::ACTIVE_SCANNER,
        scenario::PENDING_READER,
    ]
    .map(str::to_owned);
    println!(
        "6. activate-users {} (Inactive, Active, Pending Activation): one call, a line per login",
        logins.join(" ")
    );
    let step = Instant::now();
    let results = connector.activate_users(&conn, &logins).await?;
    let mut table = Vec::new();
    output::write_user_results(&mut table, &results, UserAction::Activate)
        .map_err(|error| ConnectorError::Config(format!("demo output: {error}")))?;
    for line in String::from_utf8_lossy(&table).lines() {
        println!("   {line}");
    }
    let failed = results
        .iter()
        .filter(|result| result.outcome.is_err())
        .count();
    println!(
        "   {} of {} logins succeeded in {} (the CLI exits 6 when some fail, 7 when all do)\n",
        results.len() - failed,
        results.len(),
        seconds(step.elapsed())
    );

    println!(
        "Done: {} HTTP requests answered by the simulator, {} in all.",
        simulator.requests().len(),
        seconds(started.elapsed())
    );
    Ok(())
}

/// One line on a user's status change, with the status the simulator now holds.
fn print_change(simulator: &Simulator, change: &UserStatusChange, step: Instant) {
    let now = simulator
        .user(&change.login)
        .map_or_else(|| "unknown".to_owned(), |user| format!("{:?}", user.status));
    println!(
        "   was {}, changed: {}, Qualys said {:?}; the user is now {now} ({})\n",
        change.previous_status.as_deref().unwrap_or("-"),
        change.changed,
        change.message,
        seconds(step.elapsed())
    );
}
