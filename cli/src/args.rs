//! The command line: subcommands, their flags, and how flags become the component's inputs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use host_harness::{AgentQuery, ScanType};

/// Run the qualys-connector WebAssembly component from the command line.
///
/// The password comes from QUALYS_PASSWORD, else from a prompt on the terminal (never a flag).
/// Exit codes: 0 success, 2 invalid input, 3 authentication or permission, 4 rate limited,
/// 5 timeout or transport, 6 some logins of a batch failed (the others succeeded), 7 every
/// login of a batch failed, 1 anything else.
#[derive(Debug, Parser)]
#[command(name = "qualys-harness", version)]
pub struct Cli {
    /// The component to run.
    #[arg(
        long,
        global = true,
        env = "QUALYS_CONNECTOR_WASM",
        default_value = "target/qualys-connector.wasm"
    )]
    pub component: PathBuf,
    /// How to reach Qualys and how to print: global, so before or after the subcommand.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The action to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether JSON output was asked for (errors then go on stdout as JSON too).
    pub fn wants_json(&self) -> bool {
        self.connection.json
    }
}

/// One subcommand per action, plus `describe` and `demo`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check credentials and platform, and what each action may do.
    TestConnection,
    /// Make Inactive Qualys users Active (nothing is sent for one already Active).
    ActivateUser(UserStatusArgs),
    /// Make Active Qualys users Inactive (nothing is sent for one already Inactive).
    DeactivateUser(UserStatusArgs),
    /// Find Cloud Agents by last check-in, host name, OS and tags.
    SearchAgents(SearchAgentsArgs),
    /// Launch an on-demand Cloud Agent scan on host assets (ids as arguments or on stdin).
    LaunchScan(LaunchScanArgs),
    /// Show the actions the component offers (`--json`: its full manifest with schemas).
    Describe,
    /// Start the simulator and run every action as a new user would.
    Demo,
}

/// How to reach Qualys, and how to print the result: the flags of every action, global so
/// that they work before the subcommand (`qualys-harness --simulate search-agents`) as well as
/// after it. `--username` is required unless `--simulate` (checked when the session opens:
/// clap refuses required global flags).
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Platform code (US1, US2, US3, US4, EU1, EU2, EU3, IN1, CA1, AE1, UK1, AU1, KSA1) or API
    /// server URL; default: the platform character in the username.
    #[arg(long, global = true)]
    pub server: Option<String>,
    /// Qualys username (the password comes from QUALYS_PASSWORD or a prompt).
    #[arg(long, global = true)]
    pub username: Option<String>,
    /// Time budget of the action, retries and rate-limit waits included, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u32,
    /// Print JSON instead of a table (errors too, as {"error": {...}}); for describe, the
    /// component's whole JSON manifest (schemas of every input and output).
    #[arg(long, global = true)]
    pub json: bool,
    /// Run against an embedded Qualys simulator instead of a real Qualys (account acme_mg1
    /// unless --username names another simulated account; its password is known).
    #[arg(long, global = true)]
    pub simulate: bool,
    /// Send the requests for every Qualys platform host to this loopback origin
    /// (http://127.0.0.1:PORT), keeping the Host header: for tests against a simulator that
    /// another process runs. The password is still asked for as usual.
    #[arg(
        long,
        global = true,
        value_name = "ORIGIN",
        hide = true,
        conflicts_with = "simulate"
    )]
    pub route_to: Option<String>,
}

/// `activate-user LOGIN...` and `deactivate-user LOGIN...`.
#[derive(Debug, Args)]
pub struct UserStatusArgs {
    /// The users' logins. One login is the single action, printed as a table of its fields;
    /// several, or logins read from stdin when none are given (separated by spaces, commas or
    /// newlines), are one batch call printing one line per login (exit code 6 when some
    /// failed, 7 when all did).
    #[arg(value_name = "LOGIN")]
    pub logins: Vec<String>,
}

/// `search-agents`: filters, paging and how many pages.
#[derive(Debug, Args)]
pub struct SearchAgentsArgs {
    /// Only agents that checked in strictly after this UTC instant: YYYY-MM-DD,
    /// YYYY-MM-DDTHH:MM:SSZ or with an offset (+02:00).
    #[arg(long, value_name = "INSTANT")]
    pub from: Option<String>,
    /// Only agents that checked in strictly before this instant (same formats).
    #[arg(long, value_name = "INSTANT")]
    pub to: Option<String>,
    /// Only agents whose host name contains this text (case-sensitive).
    #[arg(long, value_name = "TEXT")]
    pub host_name: Option<String>,
    /// Only agents whose operating system contains this text (case-sensitive).
    #[arg(long, value_name = "TEXT")]
    pub os: Option<String>,
    /// Only agents carrying this tag (exact name, case-sensitive); repeat it for agents carrying
    /// every tag named.
    #[arg(long = "tag", value_name = "NAME")]
    pub tags: Vec<String>,
    /// Most agents per call (the component's default is 1000, its maximum 10000); with --all,
    /// the size of each page.
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Continue after the last agent of an earlier call (its "next cursor"; same filters).
    #[arg(long)]
    pub cursor: Option<String>,
    /// Follow the cursors: fetch page after page until every matching agent is read.
    #[arg(long)]
    pub all: bool,
}

impl SearchAgentsArgs {
    /// The component's query for the first call.
    pub fn query(&self) -> AgentQuery {
        AgentQuery {
            last_checked_in_from: self.from.clone(),
            last_checked_in_to: self.to.clone(),
            host_name: self.host_name.clone(),
            os: self.os.clone(),
            tags: (!self.tags.is_empty()).then(|| self.tags.clone()),
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// `launch-scan`: the scan and the host asset ids.
#[derive(Debug, Args)]
pub struct LaunchScanArgs {
    /// Host asset ids (`asset_id` of search-agents, not the agent UUID); when none are given
    /// they are read from stdin, separated by spaces, commas or newlines (JSON numbers, quoted
    /// numbers and search-agents' JSON lines are accepted).
    #[arg(value_name = "ASSET_ID")]
    pub asset_ids: Vec<String>,
    /// The scan to launch.
    #[arg(long = "type", value_enum, default_value_t = ScanTypeArg::Inventory)]
    pub scan_type: ScanTypeArg,
    /// Ignore the CPU throttle of the agents' configuration profile.
    #[arg(long)]
    pub override_cpu_throttle: bool,
}

/// The scan types, as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanTypeArg {
    /// Inventory_Scan.
    Inventory,
    /// Vulnerability_Scan (agents need the VM module).
    Vulnerability,
    /// PolicyCompliance_Scan (agents need the PC module).
    PolicyCompliance,
    /// UDC_Scan.
    Udc,
    /// SCA_Scan.
    Sca,
    /// SWCA_scan.
    Swca,
}

impl From<ScanTypeArg> for ScanType {
    fn from(scan_type: ScanTypeArg) -> Self {
        match scan_type {
            ScanTypeArg::Inventory => Self::Inventory,
            ScanTypeArg::Vulnerability => Self::Vulnerability,
            ScanTypeArg::PolicyCompliance => Self::PolicyCompliance,
            ScanTypeArg::Udc => Self::Udc,
            ScanTypeArg::Sca => Self::Sca,
            ScanTypeArg::Swca => Self::Swca,
        }
    }
}
