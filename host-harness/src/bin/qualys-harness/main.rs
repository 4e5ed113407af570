//! `qualys-harness`: run the connector component from a terminal, against a real Qualys or
//! the embedded simulator (`--simulate`).
//!
//! Exit codes: 0 success; 2 invalid input; 3 authentication or permission; 4 rate limited;
//! 5 timeout or transport; 1 anything else (Qualys errors, bad answers, harness failures).

mod demo;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use host_harness::simulator::{Simulator, SimulatorConfig, accounts};
use host_harness::{Connection, Connector, ConnectorError, ErrorKind, OutboundPolicy};
use qualys_connector::qualys::server::PLATFORMS;

/// Run the qualys-connector WebAssembly component from the command line.
#[derive(Debug, Parser)]
#[command(name = "qualys-harness", version)]
struct Cli {
    /// The component to run.
    #[arg(
        long,
        global = true,
        env = "QUALYS_CONNECTOR_WASM",
        default_value = "target/qualys-connector.wasm"
    )]
    component: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check credentials and platform, and what each action may do.
    TestConnection(ConnectionArgs),
    /// Print the component's JSON manifest of its actions.
    Describe,
    /// Start the simulator and run all four actions as a new user would.
    Demo,
}

/// How to reach Qualys.
#[derive(Debug, Args)]
struct ConnectionArgs {
    /// Platform code (US1…KSA1) or API server URL; default: from the username.
    #[arg(long)]
    server: Option<String>,
    /// Qualys username (the password comes from QUALYS_PASSWORD or a prompt).
    #[arg(long, required_unless_present = "simulate")]
    username: Option<String>,
    /// Time budget of the action, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Run against an embedded Qualys simulator instead of a real Qualys.
    #[arg(long)]
    simulate: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::print_error(&error);
            ExitCode::from(exit_code(&error))
        }
    }
}

async fn run(cli: Cli) -> Result<(), ConnectorError> {
    let connector = Connector::load(&cli.component)?;
    match cli.command {
        Command::TestConnection(args) => {
            let session = Session::open(&connector, &args).await?;
            let report = session.connector.test_connection(&session.conn).await?;
            output::print_report(&report, args.json);
            Ok(())
        }
        Command::Describe => {
            println!("{}", connector.describe().await?);
            Ok(())
        }
        Command::Demo => demo::run(&connector).await,
    }
}

/// A connector and connection ready for one command; keeps the simulator alive when used.
struct Session {
    connector: Connector,
    conn: Connection,
    _simulator: Option<Simulator>,
}

impl Session {
    async fn open(connector: &Connector, args: &ConnectionArgs) -> Result<Self, ConnectorError> {
        let timeout_ms = Some(args.timeout.saturating_mul(1000));
        if !args.simulate {
            let username = args.username.clone().unwrap_or_default();
            let conn = Connection {
                server: args.server.clone(),
                password: password_for(&username)?,
                username,
                timeout_ms,
            };
            return Ok(Self {
                connector: connector.clone(),
                conn,
                _simulator: None,
            });
        }
        let simulator = Simulator::start(SimulatorConfig::default())
            .await
            .map_err(|error| ConnectorError::Config(format!("simulator: {error}")))?;
        let conn = Connection {
            server: args.server.clone(),
            username: args
                .username
                .clone()
                .unwrap_or_else(|| accounts::MANAGER.login.to_owned()),
            password: std::env::var("QUALYS_PASSWORD")
                .unwrap_or_else(|_| accounts::MANAGER.password.to_owned()),
            timeout_ms,
        };
        Ok(Self {
            connector: routed_to(connector, &simulator)?,
            conn,
            _simulator: Some(simulator),
        })
    }
}

/// `connector` with every Qualys platform host routed to `simulator`.
pub fn routed_to(
    connector: &Connector,
    simulator: &Simulator,
) -> Result<Connector, ConnectorError> {
    let mut policy = OutboundPolicy::new();
    for (_, host) in PLATFORMS {
        policy = policy.route(&format!("{host}:443"), &simulator.origin())?;
    }
    Ok(connector.clone().with_policy(policy))
}

/// The password from `QUALYS_PASSWORD`, else asked for on the terminal without echo.
fn password_for(username: &str) -> Result<String, ConnectorError> {
    if let Ok(password) = std::env::var("QUALYS_PASSWORD") {
        return Ok(password);
    }
    rpassword::prompt_password(format!("Qualys password for {username}: "))
        .map_err(|error| ConnectorError::Config(format!("could not read the password: {error}")))
}

/// The documented exit code of a failure.
fn exit_code(error: &ConnectorError) -> u8 {
    let Some(action) = error.action() else {
        return match error {
            ConnectorError::DeadlineExceeded { .. } => 5,
            _ => 1,
        };
    };
    match action.kind {
        ErrorKind::InvalidInput => 2,
        ErrorKind::AuthFailed | ErrorKind::PermissionDenied => 3,
        ErrorKind::RateLimited => 4,
        ErrorKind::Timeout | ErrorKind::Transport => 5,
        _ => 1,
    }
}

/// A duration as seconds with milliseconds, for narration.
pub fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}
