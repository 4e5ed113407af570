//! `qualys-harness`: run the connector component from a terminal, against a real Qualys or
//! the embedded simulator (`--simulate`).
//!
//! One subcommand per action (`test-connection`, `activate-user`, `deactivate-user`,
//! `search-agents`, `launch-scan`), plus `describe` and `demo`. `activate-user` and
//! `deactivate-user` run the single action for one login given as an argument, and one call
//! of the batch action (`activate-users`, `deactivate-users`) for several logins or logins on
//! stdin. The password comes from `QUALYS_PASSWORD`, else from a prompt on the terminal
//! without echo; never from a flag. Results are tables by default and JSON with `--json`
//! (errors too: `{"error": {"kind": …}}` on stdout, the human lines on stderr).
//!
//! Exit codes: 0 success; 2 invalid input; 3 authentication or permission; 4 rate limited;
//! 5 timeout or transport; 6 a batch of logins where some succeeded and some did not; 7 a batch
//! of logins where none succeeded; 1 anything else (Qualys errors, bad answers, harness
//! failures). A batch call's own error (no login handled) keeps the mapping of its kind.
//!
//! Modules: [`args`] (the command line), [`session`] (credentials, simulator, routes),
//! [`commands`] and [`search`] (what each subcommand does), [`ids`] (asset ids from arguments
//! or stdin), [`users`] (activate-user and deactivate-user, one login or a batch), [`output`]
//! (tables, JSON, errors), [`error`] (failures and exit codes),
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
mod users;

use std::process::ExitCode;

use clap::Parser;
use host_harness::Connector;

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::users::UserAction;

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
        Command::ActivateUser(args) => {
            users::run(&connector, connection, args, UserAction::Activate).await
        }
        Command::DeactivateUser(args) => {
            users::run(&connector, connection, args, UserAction::Deactivate).await
        }
        Command::SearchAgents(args) => search::run(&connector, connection, args).await,
        Command::LaunchScan(args) => commands::launch_scan(&connector, connection, args).await,
        Command::Describe => commands::describe(&connector, connection.json).await,
        Command::Demo => Ok(demo::run(&connector).await?),
    }
}
