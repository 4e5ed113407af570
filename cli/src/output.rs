//! What the CLI prints: tables for people, JSON for machines, errors on stderr.
//!
//! Every printer writes to the `Write` it is given and returns its I/O error, so that a
//! closed pipe (`| head`) ends the command quietly instead of panicking. JSON uses the
//! harness records' own `Serialize` (snake_case field names); error kinds are written with
//! their WIT names (`auth-failed`).

use std::io::{self, Write};
use std::time::Duration;

use host_harness::{
    ActionError, Agent, ConnectionReport, ScanLaunch, UserResult, UserStatusChange, kind_name,
};
use serde::Serialize;
use serde_json::Value;

use crate::error::CliError;
use crate::users::UserAction;

/// Width of the label column of the key-value tables.
const LABEL_WIDTH: usize = 17;
/// Ids per line in id lists.
const IDS_PER_LINE: usize = 10;

/// Writes `value` as one line of JSON.
pub fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

/// Writes a connection report as a table.
pub fn write_report(out: &mut impl Write, report: &ConnectionReport) -> io::Result<()> {
    write_field(out, "API server", &report.api_server)?;
    write_field(out, "Platform", or_dash(&report.platform))?;
    write_field(out, "API version", or_dash(&report.api_version))?;
    write_field(out, "Web version", or_dash(&report.web_version))?;
    if let Some(limits) = &report.rate_limit {
        let line = format!(
            "{} calls / {} s, {} left, {} concurrent",
            show(limits.limit),
            show(limits.window_secs),
            show(limits.remaining),
            show(limits.concurrency_limit)
        );
        write_field(out, "Rate limit", &line)?;
    }
    writeln!(out)?;
    for capability in &report.capabilities {
        let mark = if capability.ok { "ok " } else { "NO " };
        writeln!(
            out,
            "{mark} {:<16} {}",
            capability.action, capability.detail
        )?;
    }
    Ok(())
}

/// Writes the outcome of `activate-user` or `deactivate-user` for one login as a table.
pub fn write_status_change(
    out: &mut impl Write,
    change: &UserStatusChange,
    action: UserAction,
) -> io::Result<()> {
    write_field(out, "Login", &change.login)?;
    write_field(out, "Previous status", or_dash(&change.previous_status))?;
    let changed = if change.changed {
        "yes".to_owned()
    } else {
        format!("no (already {}: nothing was sent)", action.target_status())
    };
    write_field(out, "Changed", &changed)?;
    let message = if change.message.is_empty() {
        "-"
    } else {
        &change.message
    };
    write_field(out, "Message", message)
}

/// Writes the outcome of a batch of logins as a table: one line per login, in the order
/// returned, with its previous status, whether it changed, and Qualys's message or the error.
pub fn write_user_results(
    out: &mut impl Write,
    results: &[UserResult],
    action: UserAction,
) -> io::Result<()> {
    let headers = ["LOGIN", "PREVIOUS STATUS", "CHANGED", "MESSAGE"];
    let rows: Vec<[String; 4]> = results
        .iter()
        .map(|result| user_result_row(result, action))
        .collect();
    write_columns(out, &headers, &rows)
}

/// One login's table row.
fn user_result_row(result: &UserResult, action: UserAction) -> [String; 4] {
    match &result.outcome {
        Ok(change) => {
            let message = match (change.message.is_empty(), change.changed) {
                (false, _) => change.message.clone(),
                (true, true) => "-".to_owned(),
                (true, false) => format!("already {}: nothing was sent", action.target_status()),
            };
            [
                result.login.clone(),
                or_dash(&change.previous_status).to_owned(),
                if change.changed { "yes" } else { "no" }.to_owned(),
                message,
            ]
        }
        Err(error) => [
            result.login.clone(),
            "-".to_owned(),
            "-".to_owned(),
            format!("error: {}", describe_action_error(error)),
        ],
    }
}

/// Writes the outcome of a batch of logins as JSON, one object per login:
/// `{"login", "ok": {…}}` or `{"login", "error": {…}}`.
pub fn write_user_result_lines(out: &mut impl Write, results: &[UserResult]) -> io::Result<()> {
    results
        .iter()
        .try_for_each(|result| write_json_line(out, &UserResultJson::of(result)))
}

/// One login of a batch as JSON: its status change, or its error with the shape of the CLI's
/// JSON errors.
#[derive(Debug, Serialize)]
pub struct UserResultJson<'a> {
    login: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<&'a UserStatusChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
}

impl<'a> UserResultJson<'a> {
    /// The JSON view of `result`.
    pub fn of(result: &'a UserResult) -> Self {
        let (ok, error) = match &result.outcome {
            Ok(change) => (Some(change), None),
            Err(error) => (None, Some(ErrorBody::of_action(error))),
        };
        Self {
            login: &result.login,
            ok,
            error,
        }
    }
}

/// Writes agents as a table, then their count and the cursor of the next page (if any).
pub fn write_agent_table(
    out: &mut impl Write,
    agents: &[Agent],
    next_cursor: Option<&str>,
) -> io::Result<()> {
    let headers = [
        "ASSET ID",
        "NAME",
        "ADDRESS",
        "OS",
        "STATUS",
        "LAST CHECK-IN",
        "MODULES",
    ];
    let rows: Vec<[String; 7]> = agents.iter().map(agent_row).collect();
    write_columns(out, &headers, &rows)?;
    writeln!(out)?;
    writeln!(out, "{} agents", agents.len())?;
    match next_cursor {
        Some(cursor) => writeln!(
            out,
            "Next cursor: {cursor}\n(more agents match: add --cursor {cursor}, or use --all)"
        ),
        None => writeln!(out, "No more agents match."),
    }
}

/// One agent's table row.
fn agent_row(agent: &Agent) -> [String; 7] {
    [
        agent.asset_id.to_string(),
        agent.name.clone(),
        or_dash(&agent.address).to_owned(),
        or_dash(&agent.os).to_owned(),
        or_dash(&agent.status).to_owned(),
        or_dash(&agent.last_checked_in).to_owned(),
        agent.activated_modules.join(","),
    ]
}

/// Writes agents as JSON, one object per line.
pub fn write_agent_lines(out: &mut impl Write, agents: &[Agent]) -> io::Result<()> {
    agents
        .iter()
        .try_for_each(|agent| write_json_line(out, agent))
}

/// Writes the outcome of `launch-scan` as a table.
pub fn write_launch(out: &mut impl Write, launch: &ScanLaunch) -> io::Result<()> {
    write_field(out, "Scan type", &launch.scan_type)?;
    write_ids(out, "Launched", &launch.launched)?;
    write_ids(out, "Not launched", &launch.not_launched)?;
    if !launch.not_launched.is_empty() {
        write_continuation(
            out,
            "(not a Cloud Agent host asset id, or the agent lacks the module this scan needs)",
        )?;
    }
    if !launch.accepted_unconfirmed.is_empty() {
        write_ids(out, "Accepted", &launch.accepted_unconfirmed)?;
        write_continuation(
            out,
            "(Qualys accepted these batches without listing the ids it scanned: do not send \
             them again)",
        )?;
    }
    match &launch.failed_batch {
        Some(batch) => {
            write_ids(out, "Failed batch", &batch.asset_ids)?;
            write_continuation(out, &describe_action_error(&batch.error))?;
        }
        None => write_ids(out, "Failed batch", &[])?,
    }
    write_ids(out, "Not sent", &launch.not_sent)
}

/// The outcome of `launch-scan` as JSON: the record's fields in its order, the failed batch's
/// error kind written with its WIT name.
#[derive(Debug, Serialize)]
pub struct LaunchJson<'a> {
    scan_type: &'a str,
    launched: &'a [u64],
    not_launched: &'a [u64],
    accepted_unconfirmed: &'a [u64],
    failed_batch: Option<FailedBatchJson<'a>>,
    not_sent: &'a [u64],
}

/// The failed batch of [`LaunchJson`].
#[derive(Debug, Serialize)]
struct FailedBatchJson<'a> {
    asset_ids: &'a [u64],
    error: ErrorBody<'a>,
}

impl<'a> LaunchJson<'a> {
    /// The JSON view of `launch`.
    pub fn of(launch: &'a ScanLaunch) -> Self {
        Self {
            scan_type: &launch.scan_type,
            launched: &launch.launched,
            not_launched: &launch.not_launched,
            accepted_unconfirmed: &launch.accepted_unconfirmed,
            failed_batch: launch.failed_batch.as_ref().map(|batch| FailedBatchJson {
                asset_ids: &batch.asset_ids,
                error: ErrorBody::of_action(&batch.error),
            }),
            not_sent: &launch.not_sent,
        }
    }
}

/// Writes a readable summary of the component's manifest, or the manifest itself when it
/// does not have the expected shape.
pub fn write_manifest_summary(out: &mut impl Write, manifest: &str) -> io::Result<()> {
    let parsed: Option<Value> = serde_json::from_str(manifest).ok();
    let Some(actions) = parsed
        .as_ref()
        .and_then(|manifest| manifest.get("actions"))
        .and_then(Value::as_array)
    else {
        return writeln!(out, "{manifest}");
    };
    if let Some(package) = parsed.as_ref().and_then(|m| m.get("package")) {
        writeln!(out, "{}\n", package.as_str().unwrap_or_default())?;
    }
    for action in actions {
        write_manifest_action(out, action)?;
    }
    writeln!(
        out,
        "The JSON Schema of every input and output: qualys-harness describe --json"
    )
}

/// One action of the manifest: name, title, whether it changes anything, permission.
fn write_manifest_action(out: &mut impl Write, action: &Value) -> io::Result<()> {
    let text = |key: &str| action.get(key).and_then(Value::as_str).unwrap_or("-");
    let changes = match action.get("changes-state").and_then(Value::as_bool) {
        Some(true) => "changes state",
        Some(false) => "read-only",
        None => "-",
    };
    writeln!(out, "{}  ({}, {changes})", text("name"), text("title"))?;
    writeln!(out, "  {}", text("description"))?;
    writeln!(out, "  Qualys permission: {}\n", text("qualys-permission"))
}

/// Prints a failure: the human lines on stderr and, with `--json`, `{"error": {...}}` on
/// stdout. A closed pipe prints nothing.
pub fn report_error(error: &CliError, json: bool) {
    if error.is_broken_pipe() {
        return;
    }
    // A failed batch, or the logins that failed, are already inside the JSON result on stdout.
    let printed = matches!(
        error,
        CliError::BatchFailed { .. } | CliError::LoginsFailed { .. }
    );
    if json && !printed {
        let _ = write_json_line(&mut io::stdout().lock(), &ErrorJson::of(error));
    }
    let mut stderr = io::stderr().lock();
    let _ = write_error_lines(&mut stderr, error);
}

/// The human form of a failure: kind, Qualys code, HTTP status, message; retry delay; hint.
/// Failures of the harness or the command line have no code or status, but a kind too.
pub fn write_error_lines(out: &mut impl Write, error: &CliError) -> io::Result<()> {
    match error {
        CliError::BatchFailed { ids, error: action } => writeln!(
            out,
            "error: launch-scan: a batch of {ids} asset ids failed: {}",
            describe_action_error(action)
        )?,
        CliError::LoginsFailed { .. } => writeln!(out, "error: {error} (each line says why)")?,
        _ => match error.action() {
            Some(action) => writeln!(out, "error: {}", describe_action_error(action))?,
            None => writeln!(out, "error: {}: {error}", error.kind_name())?,
        },
    }
    if let Some(seconds) = error.action().and_then(|action| action.retry_after_secs) {
        writeln!(out, "retry after: {seconds} s")?;
    }
    if let Some(hint) = error.hint() {
        writeln!(out, "hint: {hint}")?;
    }
    Ok(())
}

/// `kind [Qualys code] (HTTP status): message`.
fn describe_action_error(error: &ActionError) -> String {
    let code = error
        .qualys_code
        .as_deref()
        .map(|code| format!(" [Qualys {code}]"))
        .unwrap_or_default();
    let status = error
        .http_status
        .map(|status| format!(" (HTTP {status})"))
        .unwrap_or_default();
    format!("{}{code}{status}: {}", kind_name(error), error.message)
}

/// The JSON form of a failure: `{"error": {"kind", "message", "http_status", "qualys_code",
/// "retry_after_secs", "hint"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

impl<'a> ErrorJson<'a> {
    /// The JSON view of `error`.
    pub fn of(error: &'a CliError) -> Self {
        let body = match error.action() {
            Some(action) => ErrorBody::of_action(action),
            None => ErrorBody {
                kind: error.kind_name(),
                message: error.to_string(),
                http_status: None,
                qualys_code: None,
                retry_after_secs: None,
                hint: error.hint(),
            },
        };
        Self { error: body }
    }
}

/// An error's fields, in the WIT record's order, its kind written with the WIT name.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    kind: &'static str,
    message: String,
    http_status: Option<u16>,
    qualys_code: Option<&'a str>,
    retry_after_secs: Option<u32>,
    hint: Option<&'a str>,
}

impl<'a> ErrorBody<'a> {
    /// The body of the component's error record.
    fn of_action(error: &'a ActionError) -> Self {
        Self {
            kind: kind_name(error),
            message: error.message.clone(),
            http_status: error.http_status,
            qualys_code: error.qualys_code.as_deref(),
            retry_after_secs: error.retry_after_secs,
            hint: error.hint.as_deref(),
        }
    }
}

/// A duration as seconds with milliseconds, for narration.
pub fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

/// `label   value`, the label padded to the label column.
fn write_field(out: &mut impl Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "{label:<LABEL_WIDTH$}{value}")
}

/// A line of the value column under the previous field.
fn write_continuation(out: &mut impl Write, text: &str) -> io::Result<()> {
    writeln!(out, "{:LABEL_WIDTH$}{text}", "")
}

/// `label   N: id id id …`, wrapped every [`IDS_PER_LINE`] ids.
fn write_ids(out: &mut impl Write, label: &str, ids: &[u64]) -> io::Result<()> {
    let mut lines = ids.chunks(IDS_PER_LINE).map(|chunk| {
        chunk
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    });
    let first = lines.next().unwrap_or_default();
    let count = ids.len();
    if count == 0 {
        return write_field(out, label, "0");
    }
    write_field(out, label, &format!("{count}: {first}"))?;
    let indent = count.to_string().len() + 2;
    lines.try_for_each(|line| write_continuation(out, &format!("{:indent$}{line}", "")))
}

/// Writes rows under headers, every column but the last padded to its widest cell.
fn write_columns<const N: usize>(
    out: &mut impl Write,
    headers: &[&str; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let mut widths = headers.map(|header| header.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header_cells = headers.map(str::to_owned);
    for row in std::iter::once(&header_cells).chain(rows) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The value, or `-` when absent.
fn or_dash(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

/// A number, or `-` when absent.
fn show(value: Option<u32>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use host_harness::{ErrorKind, FailedBatch};

    fn rate_limited() -> ActionError {
        ActionError {
            kind: ErrorKind::RateLimited,
            message: "too many calls".to_owned(),
            http_status: Some(409),
            qualys_code: Some("1965".to_owned()),
            retry_after_secs: Some(30),
            hint: Some("wait".to_owned()),
        }
    }

    #[test]
    fn error_json_has_the_wit_kind_and_every_field() {
        let error = CliError::from(host_harness::ConnectorError::Action(rate_limited()));
        let text = serde_json::to_string(&ErrorJson::of(&error)).unwrap();
        assert!(
            text.starts_with(r#"{"error":{"kind":"rate-limited","message":"#),
            "{text}"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["error"]["kind"], "rate-limited");
        assert_eq!(value["error"]["qualys_code"], "1965");
        assert_eq!(value["error"]["http_status"], 409);
        assert_eq!(value["error"]["retry_after_secs"], 30);
        assert_eq!(value["error"]["hint"], "wait");
    }

    #[test]
    fn error_lines_show_kind_code_status_message_and_hint() {
        let error = CliError::from(host_harness::ConnectorError::Action(rate_limited()));
        let mut text = Vec::new();
        write_error_lines(&mut text, &error).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("error: rate-limited [Qualys 1965] (HTTP 409): too many calls"));
        assert!(text.contains("retry after: 30 s"));
        assert!(text.contains("hint: wait"));
    }

    #[test]
    fn launch_json_writes_the_failed_batch_kind_with_its_wit_name() {
        let launch = ScanLaunch {
            scan_type: "Inventory_Scan".to_owned(),
            launched: vec![1],
            not_launched: vec![],
            accepted_unconfirmed: vec![4],
            failed_batch: Some(FailedBatch {
                asset_ids: vec![2],
                error: rate_limited(),
            }),
            not_sent: vec![3],
        };
        let value = serde_json::to_value(LaunchJson::of(&launch)).unwrap();
        assert_eq!(value["failed_batch"]["error"]["kind"], "rate-limited");
        assert_eq!(value["failed_batch"]["asset_ids"], serde_json::json!([2]));
        assert_eq!(value["not_sent"], serde_json::json!([3]));
        assert_eq!(value["accepted_unconfirmed"], serde_json::json!([4]));
    }

    fn user_results() -> Vec<UserResult> {
        vec![
            UserResult {
                login: "acme_a1".to_owned(),
                outcome: Ok(UserStatusChange {
                    login: "acme_a1".to_owned(),
                    previous_status: Some("Active".to_owned()),
                    changed: true,
                    message: "User deactivated".to_owned(),
                }),
            },
            UserResult {
                login: "acme_b2".to_owned(),
                outcome: Ok(UserStatusChange {
                    login: "acme_b2".to_owned(),
                    previous_status: Some("Inactive".to_owned()),
                    changed: false,
                    message: String::new(),
                }),
            },
            UserResult {
                login: "acme_c3".to_owned(),
                outcome: Err(rate_limited()),
            },
        ]
    }

    #[test]
    fn user_result_lines_hold_ok_or_an_error_with_the_cli_error_shape() {
        let mut text = Vec::new();
        write_user_result_lines(&mut text, &user_results()).unwrap();
        let lines: Vec<Value> = String::from_utf8(text)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["login"], "acme_a1");
        assert_eq!(lines[0]["ok"]["previous_status"], "Active");
        assert!(lines[0].get("error").is_none());
        let error = &lines[2]["error"];
        assert_eq!(error["kind"], "rate-limited");
        assert_eq!(error["qualys_code"], "1965");
        assert_eq!(error["retry_after_secs"], 30);
        assert!(lines[2].get("ok").is_none());
    }

    #[test]
    fn user_result_table_has_a_line_per_login_saying_what_happened() {
        let mut text = Vec::new();
        write_user_results(&mut text, &user_results(), UserAction::Deactivate).unwrap();
        let text = String::from_utf8(text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].ends_with("User deactivated"), "{text}");
        let words: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(words[..3], ["acme_b2", "Inactive", "no"], "{text}");
        assert!(
            lines[2].ends_with("  already Inactive: nothing was sent"),
            "{text}"
        );
        assert!(
            lines[3].ends_with("error: rate-limited [Qualys 1965] (HTTP 409): too many calls"),
            "{text}"
        );
    }

    #[test]
    fn id_lists_wrap_and_keep_every_id() {
        let ids: Vec<u64> = (1..=25).collect();
        let mut text = Vec::new();
        write_ids(&mut text, "Launched", &ids).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.starts_with("Launched         25: 1 2 3"));
        assert!(text.contains(" 25\n"));
    }

    #[test]
    fn a_manifest_of_another_shape_is_printed_as_it_is() {
        let mut text = Vec::new();
        write_manifest_summary(&mut text, "{\"other\": 1}").unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "{\"other\": 1}\n");
    }
}
