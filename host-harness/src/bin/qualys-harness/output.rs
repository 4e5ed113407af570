//! What the CLI prints: tables for people, JSON for machines, errors on stderr.

use host_harness::{ConnectionReport, ConnectorError, kind_name};

/// Prints a connection report as a table, or as one JSON object.
pub fn print_report(report: &ConnectionReport, json: bool) {
    if json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    println!("API server     {}", report.api_server);
    println!(
        "Platform       {}",
        report.platform.as_deref().unwrap_or("-")
    );
    println!(
        "API version    {}",
        report.api_version.as_deref().unwrap_or("-")
    );
    println!(
        "Web version    {}",
        report.web_version.as_deref().unwrap_or("-")
    );
    if let Some(limits) = &report.rate_limit {
        println!(
            "Rate limit     {} calls / {} s, {} left, {} concurrent",
            show(limits.limit),
            show(limits.window_secs),
            show(limits.remaining),
            show(limits.concurrency_limit)
        );
    }
    println!();
    for capability in &report.capabilities {
        let mark = if capability.ok { "ok " } else { "NO " };
        println!("{mark} {:<16} {}", capability.action, capability.detail);
    }
}

/// Prints a failure on stderr: kind, Qualys code, message, hint.
pub fn print_error(error: &ConnectorError) {
    let Some(action) = error.action() else {
        eprintln!("error: {error}");
        return;
    };
    let code = action
        .qualys_code
        .as_deref()
        .map(|code| format!(" [Qualys {code}]"))
        .unwrap_or_default();
    let status = action
        .http_status
        .map(|status| format!(" (HTTP {status})"))
        .unwrap_or_default();
    eprintln!(
        "error: {}{code}{status}: {}",
        kind_name(action),
        action.message
    );
    if let Some(secs) = action.retry_after_secs {
        eprintln!("retry after: {secs} s");
    }
    if let Some(hint) = &action.hint {
        eprintln!("hint: {hint}");
    }
}

fn show(value: Option<u32>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}
