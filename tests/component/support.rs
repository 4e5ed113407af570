//! Shared set-up: the component, a simulator, and a connector routed to it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use host_harness::{
    ActionError, AgentQuery, CallStats, Connection, Connector, ConnectorError, OutboundPolicy,
    ScanRequest, ScanType,
};
use qualys_simulator::{Account, RecordedRequest, Simulator, SimulatorConfig, accounts};

/// The component under test: `$QUALYS_CONNECTOR_WASM`, else `target/qualys-connector.wasm`.
pub fn component_path() -> PathBuf {
    built_by_xtask("QUALYS_CONNECTOR_WASM", "qualys-connector.wasm")
}

/// A component `cargo xtask test` builds: `$env_var`, else `target/file_name`; the test fails
/// with a clear message when it is missing.
pub fn built_by_xtask(env_var: &str, file_name: &str) -> PathBuf {
    let path = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target")
                .join(file_name)
        });
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask test` (or `cargo xtask build` and `cargo xtask \
         build-hostile` first)",
        path.display()
    );
    path
}

/// What the harness measured of the last call of a [`measured`] connector.
#[derive(Clone, Default)]
pub struct Measured(Arc<Mutex<Option<CallStats>>>);

impl Measured {
    /// The stats of the last call that ended; panics when no call has ended yet.
    pub fn last(&self) -> CallStats {
        self.0
            .lock()
            .unwrap()
            .expect("the harness measured the call")
    }
}

/// A clone of `connector` whose calls report what the harness measured to the [`Measured`].
pub fn measured(connector: &Connector) -> (Connector, Measured) {
    let measured = Measured::default();
    let sink = measured.0.clone();
    let connector = connector
        .clone()
        .with_call_observer(move |stats| *sink.lock().unwrap() = Some(*stats));
    (connector, measured)
}

/// A query with no filters and a limit.
pub fn agent_query(limit: Option<u32>) -> AgentQuery {
    AgentQuery {
        last_checked_in_from: None,
        last_checked_in_to: None,
        host_name: None,
        os: None,
        tags: None,
        limit,
        cursor: None,
    }
}

/// A running simulator and a connector whose platform hosts all lead to it.
pub struct Harness {
    /// The simulator.
    pub sim: Simulator,
    /// The connector, routed to the simulator.
    pub connector: Connector,
}

impl Harness {
    /// A simulator with the default dataset.
    pub async fn start() -> Self {
        Self::with_config(SimulatorConfig::default()).await
    }

    /// A simulator with `config`.
    pub async fn with_config(config: SimulatorConfig) -> Self {
        let sim = Simulator::start(config).await.expect("simulator starts");
        let connector = Connector::load(component_path())
            .expect("component loads")
            .with_policy(routes_to(&sim, OutboundPolicy::new()));
        Self { sim, connector }
    }

    /// The same simulator behind a connector with `policy` (routes added).
    pub fn connector_with(&self, policy: OutboundPolicy) -> Connector {
        self.connector
            .clone()
            .with_policy(routes_to(&self.sim, policy))
    }
}

/// `policy` plus a route from every platform host to the simulator.
pub fn routes_to(sim: &Simulator, policy: OutboundPolicy) -> OutboundPolicy {
    policy
        .route_platforms(&sim.origin())
        .expect("the simulator's origin is a valid route")
}

/// A connection for `account`, with the server left to the username.
pub fn conn(account: &Account) -> Connection {
    Connection {
        server: None,
        username: account.login.to_owned(),
        password: account.password.to_owned(),
        timeout_ms: Some(20_000),
    }
}

/// The Manager's connection with a budget of `timeout_ms`.
pub fn conn_with_budget(timeout_ms: u32) -> Connection {
    Connection {
        timeout_ms: Some(timeout_ms),
        ..conn(&accounts::MANAGER)
    }
}

/// A launch of `scan_type` (Qualys's default when `None`) on `asset_ids`, without the CPU
/// throttle override.
pub fn scan_request(asset_ids: Vec<u64>, scan_type: Option<ScanType>) -> ScanRequest {
    ScanRequest {
        asset_ids,
        scan_type,
        override_cpu_throttle: false,
    }
}

/// The requests the simulator received on exactly `path`.
pub fn requests_to(sim: &Simulator, path: &str) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|request| request.path == path)
        .collect()
}

/// The action error of a failed call; fails the test on a harness error.
pub fn action_error<T: std::fmt::Debug>(result: Result<T, ConnectorError>) -> ActionError {
    match result {
        Err(ConnectorError::Action(error)) => error,
        other => panic!("expected an action error, got {other:?}"),
    }
}

/// A tool whose path `cargo xtask` passes in `variable`; fails the test with `install` when it
/// is not there.
pub fn tool(variable: &str, what: &str, install: &str) -> PathBuf {
    let Some(path) = std::env::var_os(variable).map(PathBuf::from) else {
        panic!("{variable} is not set: {what} is needed; {install}");
    };
    assert!(
        path.is_file(),
        "{variable}={} does not exist: {what} is needed; {install}",
        path.display()
    );
    path
}

/// How to get the host tools the tests drive.
pub const RUN_XTASK_TOOLS: &str = "run `cargo xtask test`, or `cargo xtask tools` and export the \
                               variables it prints";

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// Runs `command` to its end; its exit status and everything it printed (stdout, then
/// stderr). Fails the test when it cannot start.
pub fn run_captured(mut command: std::process::Command) -> (std::process::ExitStatus, String) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{command:?} does not start: {error}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, said)
}
