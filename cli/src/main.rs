//! `qualys-harness`: run the connector component from a terminal, against a real Qualys or
//! the embedded simulator (`--simulate`).
//!
//! One subcommand per action (`test-connection`, `activate-user`, `search-agents`,
//! `launch-scan`), plus `describe` and `demo`. The password comes from `QUALYS_PASSWORD`, else
//! from a prompt on the terminal without echo; never from a flag. Results are tables by
//! default and JSON with `--json` (errors too: `{"error": {"kind": …}}` on stdout, the human
//! lines on stderr).
//!
//! Exit codes: 0 success; 2 invalid input; 3 authentication or permission; 4 rate limited;
//! 5 timeout or transport; 1 anything else (Qualys errors, bad answers, harness failures).
//!
//! Modules: [`args`] (the command line), [`session`] (credentials, simulator, routes),
//! [`commands`] and [`search`] (what each subcommand does), [`ids`] (asset ids from arguments
//! or stdin), [`output`] (tables, JSON, errors), [`error`] (failures and exit codes),
//! [`demo`] (the narrated demo).

#![deny(missing_docs)]

mod args;
mod commands;
mod demo;
mod error;
mod ids;
mod output;
mod search;
mod session;

use std::process::ExitCode;

use clap::Parser;
use host_harness::Connector;

use crate::args::{Cli, Command};
use crate::error::CliError;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.wants_json();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::report_error(&error, json);
            ExitCode::from(error.exit_code())
        }
    }
}

/// Loads the component and runs the subcommand.
async fn run(cli: Cli) -> Result<(), CliError> {
    let connector = Connector::load(&cli.component)?;
    let connection = &cli.connection;
    match &cli.command {
        Command::TestConnection => commands::test_connection(&connector, connection).await,
        Command::ActivateUser(args) => commands::activate_user(&connector, connection, args).await,
        Command::SearchAgents(args) => search::run(&connector, connection, args).await,
        Command::LaunchScan(args) => commands::launch_scan(&connector, connection, args).await,
        Command::Describe => commands::describe(&connector, connection.json).await,
        Command::Demo => Ok(demo::run(&connector).await?),
    }
}
