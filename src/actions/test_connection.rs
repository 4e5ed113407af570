//! `test-connection`: proves the credentials and platform, then what each action may do.
//!
//! 1. `about.php` proves credentials and platform and gives versions and rate limits; its
//!    failure is the action's failure (an authentication failure is never retried).
//! 2. The Cloud Agent count proves the asset read that `search-agents` needs.
//! 3. `launch-scan` cannot be proven without launching a scan. The line says what is known: the
//!    account reads Cloud Agent assets (step 2), and the portal version's `CA-VERSION`, which
//!    is platform-wide (a recording of an evaluation account lists every module), so it is
//!    reported as the platform's, never as proof that the subscription has Cloud Agent.
//! 4. `user_list.php` proves the user administration role that `activate-user` needs.
//!
//! A check that fails for a reason other than the login becomes a capability with `ok = false`
//! and the reason, so one report shows everything that is and is not possible.

use crate::contract::{Capability, Connection, ConnectionReport, RateLimit};
use crate::qualys::client::QualysClient;
use crate::qualys::hostasset;
use crate::qualys::rate_limit::RateLimitHeaders;
use crate::qualys::service_request::Criterion;
use crate::qualys::{about, portal_version, users};
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Runs `test-connection` for `conn`.
pub fn test_connection<T: Transport>(transport: T, conn: &Connection) -> Result<ConnectionReport> {
    let mut client = super::open_client(transport, conn)?;
    let response = client.send(&about::request())?;
    let about = about::parse(&response.body)?;
    let limits = RateLimitHeaders::from_response(&response);
    let (api_server, platform) = (client.server().base_url(), client.server().platform);
    let login = Capability {
        action: "test-connection".to_owned(),
        ok: true,
        detail: format!("logged in to {api_server} as {}", conn.username.trim()),
    };
    let search = capability("search-agents", check_search(&mut client))?;
    let scan = capability("launch-scan", check_scan(&mut client, search.ok))?;
    let activate = capability("activate-user", check_user_admin(&mut client))?;
    Ok(ConnectionReport {
        api_server,
        platform: platform.map(str::to_owned),
        api_version: about.api_version,
        web_version: about.web_version,
        rate_limit: rate_limit(limits),
        capabilities: vec![login, search, scan, activate],
    })
}

/// The agent search permission: count the Cloud Agent assets.
fn check_search<T: Transport>(client: &mut QualysClient<T>) -> Result<String> {
    let request = hostasset::count_request(&[Criterion::cloud_agent_tag()])?;
    let response = client.send(&request)?;
    let count = hostasset::parse_count(&response.body)?;
    Ok(format!("{count} Cloud Agent assets visible"))
}

/// What is known of the scan permission without launching a scan; ok when nothing found
/// rules it out.
fn check_scan<T: Transport>(client: &mut QualysClient<T>, search_ok: bool) -> Result<String> {
    let response = client.send(&portal_version::request())?;
    let version = portal_version::parse_cloud_agent_version(&response.body)?;
    if !search_ok {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "the account cannot read Cloud Agent assets, which scans need",
        ));
    }
    let platform = match version {
        Some(version) => format!("the platform runs Cloud Agent {version}"),
        None => "the portal lists no Cloud Agent version".to_owned(),
    };
    Ok(format!(
        "not proven: Cloud Agent assets are readable and {platform} (platform-wide, not proof \
         that this subscription has Cloud Agent); the scan permission is only checked when a \
         scan is launched"
    ))
}

/// The user administration role: read the first page of users.
fn check_user_admin<T: Transport>(client: &mut QualysClient<T>) -> Result<String> {
    let response = client.send(&users::user_list_request(None))?;
    let page = users::parse_user_list(&response.body)?;
    let more = if page.next_id_min.is_some() {
        " or more"
    } else {
        ""
    };
    Ok(format!("{}{more} users visible", page.users.len()))
}

/// A capability line from a check; only an authentication failure fails the whole report.
fn capability(action: &str, checked: Result<String>) -> Result<Capability> {
    let (ok, detail) = match checked {
        Ok(detail) => (true, detail),
        Err(error) if error.kind == ErrorKind::AuthFailed => return Err(error),
        Err(error) => (false, describe_failure(&error)),
    };
    Ok(Capability {
        action: action.to_owned(),
        ok,
        detail,
    })
}

fn describe_failure(error: &Error) -> String {
    let code = error
        .qualys_code
        .as_deref()
        .map(|code| format!(" [{code}]"))
        .unwrap_or_default();
    match &error.hint {
        Some(hint) => format!("{}{code}: {}; {hint}", error.kind, error.message),
        None => format!("{}{code}: {}", error.kind, error.message),
    }
}

fn rate_limit(headers: RateLimitHeaders) -> Option<RateLimit> {
    (!headers.is_empty()).then_some(RateLimit {
        limit: headers.limit,
        window_secs: headers.window_secs,
        remaining: headers.remaining,
        concurrency_limit: headers.concurrency_limit,
    })
}
