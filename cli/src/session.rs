//! A connector and a connection ready for one command: credentials, routes, the simulator.
//!
//! Three ways to reach Qualys:
//!
//! * the real one (default): the password from `QUALYS_PASSWORD`, else a prompt on the terminal
//!   without echo; the component may reach only the server the connection resolves to;
//! * `--simulate`: a fresh embedded simulator, every platform host routed to it, the account
//!   `acme_mg1` unless `--username` names another simulated account, and that account's known
//!   password unless `QUALYS_PASSWORD` is set;
//! * `--route-to ORIGIN` (hidden, for tests): every platform host routed to a simulator that
//!   another process runs on loopback, with the real path's credentials.

use host_harness::{Connection, Connector, ConnectorError, OutboundPolicy};
use qualys_simulator::{Simulator, SimulatorConfig, accounts};

use crate::args::ConnectionArgs;
use crate::error::CliError;

/// The variable the password is read from.
pub const PASSWORD_VARIABLE: &str = "QUALYS_PASSWORD";

/// A connector and connection ready for one command; keeps the simulator alive when used.
pub struct Session {
    /// The connector, routed to the simulator when one is used.
    pub connector: Connector,
    /// The connection every call of the command uses.
    pub conn: Connection,
    _simulator: Option<Simulator>,
}

impl Session {
    /// Opens the session `args` asks for: real Qualys, the embedded simulator, or a route.
    pub async fn open(connector: &Connector, args: &ConnectionArgs) -> Result<Self, CliError> {
        if args.simulate {
            return Self::simulated(connector, args).await;
        }
        let username = args.username.clone().ok_or_else(|| {
            CliError::invalid(
                "the following required argument was not provided: --username <USERNAME>",
                "pass --username (the password comes from QUALYS_PASSWORD or a prompt), or \
                 --simulate to run against the embedded simulator",
            )
        })?;
        let connector = match &args.route_to {
            Some(origin) => routed_to_origin(connector, loopback_origin(origin)?)?,
            None => connector.clone(),
        };
        Ok(Self {
            connector,
            conn: Connection {
                server: args.server.clone(),
                password: password_for(&username)?,
                username,
                timeout_ms: Some(timeout_ms(args.timeout)),
            },
            _simulator: None,
        })
    }

    /// A session on a fresh embedded simulator, announced on stderr.
    async fn simulated(connector: &Connector, args: &ConnectionArgs) -> Result<Self, CliError> {
        let username = args
            .username
            .clone()
            .unwrap_or_else(|| accounts::MANAGER.login.to_owned());
        let password = simulated_password(&username)?;
        let config = SimulatorConfig::default();
        let agents = config.agents;
        let simulator = Simulator::start(config)
            .await
            .map_err(|error| ConnectorError::Config(format!("simulator: {error}")))?;
        eprintln!(
            "simulated: a Qualys simulator on {} ({agents} Cloud Agents), signed in as {username}; \
             nothing is sent to Qualys",
            simulator.origin()
        );
        Ok(Self {
            connector: routed_to(connector, &simulator)?,
            conn: Connection {
                server: args.server.clone(),
                username,
                password,
                timeout_ms: Some(timeout_ms(args.timeout)),
            },
            _simulator: Some(simulator),
        })
    }
}

/// `connector` with every Qualys platform host routed to `simulator`.
pub fn routed_to(
    connector: &Connector,
    simulator: &Simulator,
) -> Result<Connector, ConnectorError> {
    routed_to_origin(connector, &simulator.origin())
}

/// `connector` with every Qualys platform host (port 443) routed to `origin`.
fn routed_to_origin(connector: &Connector, origin: &str) -> Result<Connector, ConnectorError> {
    let policy = OutboundPolicy::new().route_platforms(origin)?;
    Ok(connector.clone().with_policy(policy))
}

/// `origin` when it is an `http://` origin on this machine: credentials sent through a route
/// travel in clear, so they never leave the machine.
fn loopback_origin(origin: &str) -> Result<&str, CliError> {
    let host = origin
        .strip_prefix("http://")
        .map(|rest| rest.rsplit_once(':').map_or(rest, |(host, _)| host));
    match host {
        Some("127.0.0.1" | "localhost" | "[::1]") => Ok(origin),
        _ => Err(CliError::invalid(
            format!(
                "--route-to {origin}: only http://127.0.0.1:PORT, http://localhost:PORT or http://[::1]:PORT"
            ),
            "routes are for a simulator on this machine",
        )),
    }
}

/// The action's time budget in milliseconds.
fn timeout_ms(seconds: u32) -> u32 {
    seconds.saturating_mul(1000)
}

/// The password set in the environment; an empty value counts as none.
fn password_from_environment() -> Option<String> {
    std::env::var(PASSWORD_VARIABLE)
        .ok()
        .filter(|password| !password.is_empty())
}

/// The password for a simulated account: the environment's, else the account's known one.
fn simulated_password(username: &str) -> Result<String, CliError> {
    if let Some(password) = password_from_environment() {
        return Ok(password);
    }
    match accounts::find(username) {
        Some(account) => Ok(account.password.to_owned()),
        None => Err(CliError::invalid(
            format!("{username} is not an account of the simulator"),
            format!(
                "use one of {} (or set {PASSWORD_VARIABLE})",
                simulated_logins()
            ),
        )),
    }
}

/// The simulator's fixed accounts, comma-separated.
fn simulated_logins() -> String {
    accounts::ALL
        .iter()
        .map(|account| account.login)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The password from `QUALYS_PASSWORD`, else asked for on the terminal (`/dev/tty`, so that
/// stdin stays free for piped ids) without echo.
fn password_for(username: &str) -> Result<String, CliError> {
    if let Some(password) = password_from_environment() {
        return Ok(password);
    }
    rpassword::prompt_password(format!("Qualys password for {username}: ")).map_err(|error| {
        CliError::invalid(
            format!("{PASSWORD_VARIABLE} is not set and no terminal could be asked: {error}"),
            format!("set {PASSWORD_VARIABLE}, or run the command in a terminal"),
        )
    })
}
