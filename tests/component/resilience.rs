//! Faults, limits and hostile answers: every one ends in the right error kind, in time, with no
//! retry where a retry is unsafe, and never with the password in sight.

use std::time::{Duration, Instant};

use host_harness::{
    ActionError, AgentPage, AgentQuery, ConnectionReport, ConnectorError, ErrorKind, OutboundPolicy,
};
use qualys_simulator::{
    FailureFamily, Fault, FaultRule, LimitBody, SimUser, UserStatus, accounts, scenario,
};

use crate::support::{Harness, action_error, agent_query, conn, conn_with_budget};

/// Requests the simulator received whose path contains `fragment`.
fn hits(harness: &Harness, fragment: &str) -> Vec<qualys_simulator::RecordedRequest> {
    harness
        .sim
        .requests()
        .into_iter()
        .filter(|request| request.path.contains(fragment))
        .collect()
}

/// Fails the test when the error shows the manager's password anywhere.
fn assert_no_password(error: &ActionError) {
    let shown = format!("{error:?}");
    assert!(!shown.contains(accounts::MANAGER.password), "{shown}");
}

fn an_agent_query() -> AgentQuery {
    agent_query(Some(50))
}

/// A 50-agent search with a budget of `timeout_ms`, after `fault` hit the search request(s).
async fn search_after(
    harness: &Harness,
    fault: FaultRule,
    timeout_ms: u32,
) -> Result<AgentPage, ConnectorError> {
    harness.sim.inject(fault.on_path("search/am"));
    harness
        .connector
        .search_agents(&conn_with_budget(timeout_ms), &an_agent_query())
        .await
}

/// The error of [`search_after`].
async fn search_error_after(harness: &Harness, fault: FaultRule, timeout_ms: u32) -> ActionError {
    action_error(search_after(harness, fault, timeout_ms).await)
}

/// A test-connection with a budget of `timeout_ms`, after `fault` hit its request(s).
async fn connection_after(
    harness: &Harness,
    fault: FaultRule,
    timeout_ms: u32,
) -> Result<ConnectionReport, ConnectorError> {
    harness.sim.inject(fault);
    harness
        .connector
        .test_connection(&conn_with_budget(timeout_ms))
        .await
}

/// The error of [`connection_after`].
async fn connection_error_after(
    harness: &Harness,
    fault: FaultRule,
    timeout_ms: u32,
) -> ActionError {
    action_error(connection_after(harness, fault, timeout_ms).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_that_fits_the_budget_is_waited_out_then_retried() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::RateLimited {
        code: 1965,
        wait_secs: Some(1),
    })
    .on_path("about.php");
    let report = connection_after(&harness, fault, 20_000).await;
    assert!(report.is_ok(), "{report:?}");
    let about = hits(&harness, "about.php");
    assert_eq!(about.len(), 2);
    let waited = about[1].received_at.duration_since(about[0].received_at);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_longer_than_the_budget_fails_at_once_with_the_wait() {
    let harness = Harness::start().await;
    let started = Instant::now();
    let fault = FaultRule::once(Fault::RateLimited {
        code: 1965,
        wait_secs: Some(120),
    });
    let error = connection_error_after(&harness, fault, 5_000).await;
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.qualys_code.as_deref(), Some("1965"));
    assert_eq!(error.retry_after_secs, Some(120));
    assert_eq!(error.http_status, Some(409));
    assert_eq!(harness.sim.requests().len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not sleep"
    );
    assert_no_password(&error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_limit_without_a_wait_is_retried_after_a_short_backoff() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::RateLimited {
        code: 1960,
        wait_secs: None,
    })
    .on_path("about.php");
    let report = connection_after(&harness, fault, 20_000).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(hits(&harness, "about.php").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_within_the_budget() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::TooManyRequests).on_path("count/am");
    let report = connection_after(&harness, fault, 20_000).await.unwrap();
    assert!(report.capabilities[1].ok, "{:?}", report.capabilities[1]);
    assert_eq!(hits(&harness, "count/am").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_after_a_server_error() {
    let harness = Harness::start().await;
    let page = search_after(&harness, FaultRule::times(2, Fault::Status(503)), 20_000)
        .await
        .unwrap();
    assert_eq!(page.agents.len(), 50);
    assert_eq!(hits(&harness, "search/am").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_after_a_dropped_connection() {
    let harness = Harness::start().await;
    let page = search_after(&harness, FaultRule::once(Fault::DropConnection), 20_000)
        .await
        .unwrap();
    assert_eq!(page.agents.len(), 50);
    assert_eq!(hits(&harness, "search/am").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_give_up_after_the_attempt_limit() {
    let harness = Harness::start().await;
    let error =
        search_error_after(&harness, FaultRule::times(10, Fault::Status(502)), 30_000).await;
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(502));
    assert_eq!(hits(&harness, "search/am").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_not_retried_after_a_server_error() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_EUROPE_SCANNER;
    harness
        .sim
        .inject(FaultRule::once(Fault::Status(503)).on_path("user.php"));
    let error = action_error(
        harness
            .connector
            .activate_user(&conn_with_budget(20_000), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(503));
    assert_eq!(hits(&harness, "user.php").len(), 1);
    let user = harness.sim.user(login).unwrap();
    assert_eq!(
        user.status,
        UserStatus::Inactive,
        "the fault answered before the endpoint ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_retried_when_qualys_says_it_did_not_run_it() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_EUROPE_SCANNER;
    harness.sim.inject(
        FaultRule::once(Fault::RateLimited {
            code: 1965,
            wait_secs: Some(0),
        })
        .on_path("user.php"),
    );
    let activation = harness
        .connector
        .activate_user(&conn_with_budget(20_000), login)
        .await
        .unwrap();
    assert!(activation.changed);
    assert_eq!(hits(&harness, "user.php").len(), 2);
    assert_eq!(harness.sim.user(login).unwrap().status, UserStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1920_on_user_php_is_a_limit_so_the_write_is_retried_once_it_may_run() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_EUROPE_SCANNER;
    harness.sim.inject(
        FaultRule::once(Fault::Limit409 {
            code: 1920,
            family: LimitBody::UserOutput,
            wait_secs: None,
        })
        .on_path("user.php"),
    );
    let activation = harness
        .connector
        .activate_user(&conn_with_budget(20_000), login)
        .await
        .unwrap();
    assert!(activation.changed);
    assert_eq!(hits(&harness, "user.php").len(), 2);
    assert_eq!(harness.sim.user(login).unwrap().status, UserStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_in_any_body_family_is_waited_out_and_retried() {
    let families = [
        (LimitBody::GenericReturn, 1965, Some(1)),
        (LimitBody::SimpleReturn, 1920, None),
        (LimitBody::Empty, 1965, Some(1)),
        (LimitBody::Html, 1960, Some(1)),
        (LimitBody::PlainText, 1965, Some(1)),
    ];
    for (family, code, wait_secs) in families {
        let harness = Harness::start().await;
        let fault = FaultRule::once(Fault::Limit409 {
            code,
            family,
            wait_secs,
        })
        .on_path("about.php");
        let report = connection_after(&harness, fault, 20_000).await;
        assert!(report.is_ok(), "{family:?} {code}: {report:?}");
        assert_eq!(hits(&harness, "about.php").len(), 2, "{family:?} {code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_without_a_known_body_or_wait_is_not_retried() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::Limit409 {
        code: 1965,
        family: LimitBody::Empty,
        wait_secs: None,
    })
    .on_path("about.php");
    let error = connection_error_after(&harness, fault, 20_000).await;
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(409));
    assert_eq!(hits(&harness, "about.php").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_account_is_auth_failed_2001_in_either_msp_family() {
    for family in [FailureFamily::GenericReturn, FailureFamily::SimpleReturn] {
        let harness = Harness::start().await;
        harness.sim.set_msp_failure_family(family);
        let error = action_error(
            harness
                .connector
                .test_connection(&conn(&accounts::EXPIRED))
                .await,
        );
        assert_eq!(error.kind, ErrorKind::AuthFailed, "{family:?}");
        assert_eq!(error.qualys_code.as_deref(), Some("2001"), "{family:?}");
        assert_eq!(error.http_status, Some(200), "{family:?}");
        assert_eq!(harness.sim.requests().len(), 1, "{family:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_user_with_an_expired_account_is_auth_failed_and_writes_nothing() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::EXPIRED), scenario::INACTIVE_MANAGER)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.qualys_code.as_deref(), Some("2001"));
    assert!(hits(&harness, "user.php").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_refused_for_the_ip_address_is_auth_failed_2007_with_the_ip_hint() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .test_connection(&conn(&accounts::IP_NOT_ALLOWED))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.qualys_code.as_deref(), Some("2007"));
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("IP address"))
    );
    assert_eq!(harness.sim.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stalls_before_the_headers_times_out_within_the_budget() {
    let harness = Harness::start().await;
    let started = Instant::now();
    let fault = FaultRule::once(Fault::DelayBeforeHeaders(Duration::from_secs(30)));
    let error = connection_error_after(&harness, fault, 1_500).await;
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(error.hint.is_some());
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stalls_in_the_middle_of_the_body_times_out_within_the_budget() {
    let harness = Harness::start().await;
    let started = Instant::now();
    let fault = FaultRule::once(Fault::StallMidBody {
        after_bytes: 200,
        stall: Duration::from_secs(30),
    });
    let error = search_error_after(&harness, fault, 1_500).await;
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_in_http_200_is_a_bad_response() {
    let harness = Harness::start().await;
    let error = connection_error_after(&harness, FaultRule::once(Fault::Html), 10_000).await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(error.http_status, Some(200));
    assert!(error.message.contains("HTML"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_error_page_with_a_server_error_is_upstream() {
    let harness = Harness::start().await;
    let fault = FaultRule::times(4, Fault::Status(500)).on_path("about.php");
    let error = connection_error_after(&harness, fault, 20_000).await;
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_body_is_a_bad_response() {
    let harness = Harness::start().await;
    let error = search_error_after(&harness, FaultRule::once(Fault::TruncatedBody), 10_000).await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert!(error.message.contains("truncated"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_xml_is_a_bad_response() {
    let harness = Harness::start().await;
    let error = search_error_after(&harness, FaultRule::once(Fault::MalformedXml), 10_000).await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert!(error.message.contains("malformed XML"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_qps_code_is_upstream_with_code_status_and_text() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::ServiceError {
        status: 200,
        code: "NEW_FANCY_ERROR".into(),
        message: "Something new went wrong".into(),
    });
    let error = search_error_after(&harness, fault, 10_000).await;
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.qualys_code.as_deref(), Some("NEW_FANCY_ERROR"));
    assert_eq!(error.http_status, Some(200));
    assert!(error.message.contains("Something new went wrong"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_64_mib_is_a_bad_response() {
    let harness = Harness::start().await;
    let fault = FaultRule::once(Fault::OversizedBody {
        bytes: 65 * 1024 * 1024,
    });
    let error = search_error_after(&harness, fault, 30_000).await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert!(error.message.contains("64 MiB"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_hosts_cap_is_cut_off_as_a_bad_response() {
    let harness = Harness::start().await;
    let connector = harness.connector_with(OutboundPolicy::new().body_cap(1024 * 1024));
    harness.sim.inject(
        FaultRule::times(
            4,
            Fault::OversizedBody {
                bytes: 2 * 1024 * 1024,
            },
        )
        .on_path("search/am"),
    );
    let error = action_error(
        connector
            .search_agents(&conn_with_budget(30_000), &an_agent_query())
            .await,
    );
    assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_never_appears_in_any_error() {
    let harness = Harness::start().await;
    let faults = [
        Fault::Status(503),
        Fault::Html,
        Fault::TruncatedBody,
        Fault::MalformedXml,
        Fault::TooManyRequests,
        Fault::RateLimited {
            code: 1965,
            wait_secs: Some(600),
        },
    ];
    for fault in faults {
        let error = connection_error_after(&harness, FaultRule::times(4, fault), 3_000).await;
        assert_no_password(&error);
        harness.sim.clear_faults();
    }
    let mut wrong = conn(&accounts::MANAGER);
    wrong.password = format!("{}-typo", accounts::MANAGER.password);
    let error = action_error(harness.connector.test_connection(&wrong).await);
    assert!(!format!("{error:?}").contains(&wrong.password));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inactive_user_added_by_a_test_can_be_activated_after_faults() {
    let harness = Harness::start().await;
    let user = SimUser::new(
        "acme_fx1",
        qualys_simulator::Role::Scanner,
        UserStatus::Inactive,
        "Unassigned",
    );
    harness.sim.add_user(user);
    harness
        .sim
        .inject(FaultRule::once(Fault::Status(502)).on_path("user_list.php"));
    let activation = harness
        .connector
        .activate_user(&conn_with_budget(20_000), "acme_fx1")
        .await
        .unwrap();
    assert_eq!(activation.previous_status.as_deref(), Some("Inactive"));
    assert_eq!(
        hits(&harness, "user_list.php").len(),
        2,
        "the read was retried"
    );
}
