//! The commands that make one call: test-connection, launch-scan, describe (activate-user and
//! deactivate-user are in [`crate::users`]).

use std::io::{self, IsTerminal, Read, Write};

use host_harness::{Connector, ScanRequest};

use crate::args::{ConnectionArgs, LaunchScanArgs};
use crate::error::CliError;
use crate::ids;
use crate::output;
use crate::session::Session;

/// `test-connection`: the report as a table, or as one JSON object.
pub async fn test_connection(connector: &Connector, args: &ConnectionArgs) -> Result<(), CliError> {
    let session = Session::open(connector, args).await?;
    let report = session.connector.test_connection(&session.conn).await?;
    let mut out = io::stdout().lock();
    if args.json {
        output::write_json_line(&mut out, &report)?;
    } else {
        output::write_report(&mut out, &report)?;
    }
    Ok(())
}

/// `launch-scan`: reads the ids first (nothing is sent when they are wrong), launches, prints
/// launched / not launched / failed batch / not sent. A failed batch makes the command fail
/// with its error's exit code after the result is printed.
pub async fn launch_scan(
    connector: &Connector,
    connection: &ConnectionArgs,
    args: &LaunchScanArgs,
) -> Result<(), CliError> {
    let asset_ids = asset_ids(args)?;
    let session = Session::open(connector, connection).await?;
    let request = ScanRequest {
        asset_ids,
        scan_type: Some(args.scan_type.into()),
        override_cpu_throttle: args.override_cpu_throttle,
    };
    let launch = session
        .connector
        .launch_scan(&session.conn, &request)
        .await?;
    let mut out = io::stdout().lock();
    if connection.json {
        output::write_json_line(&mut out, &output::LaunchJson::of(&launch))?;
    } else {
        output::write_launch(&mut out, &launch)?;
    }
    out.flush()?;
    match launch.failed_batch {
        Some(batch) => Err(CliError::BatchFailed {
            ids: batch.asset_ids.len(),
            error: batch.error,
        }),
        None => Ok(()),
    }
}

/// The ids of the arguments, else of stdin (unless stdin is a terminal: nobody would type them
/// there without knowing it waits).
fn asset_ids(args: &LaunchScanArgs) -> Result<Vec<u64>, CliError> {
    let ids = if !args.asset_ids.is_empty() {
        ids::from_arguments(&args.asset_ids)?
    } else if io::stdin().is_terminal() {
        return Err(no_ids("no asset ids given"));
    } else {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        ids::from_text(&text)?
    };
    if ids.is_empty() {
        return Err(no_ids("no asset ids on stdin"));
    }
    Ok(ids)
}

/// The error for a launch-scan without ids.
fn no_ids(message: &str) -> CliError {
    CliError::invalid(
        message,
        "give host asset ids as arguments, or pipe them: \
         `qualys-harness search-agents --json | jq .asset_id | qualys-harness launch-scan`",
    )
}

/// `describe`: a summary of the actions, or the manifest itself with `--json`.
pub async fn describe(connector: &Connector, json: bool) -> Result<(), CliError> {
    let manifest = connector.describe().await?;
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", manifest.trim_end())?;
    } else {
        output::write_manifest_summary(&mut out, &manifest)?;
    }
    Ok(())
}
