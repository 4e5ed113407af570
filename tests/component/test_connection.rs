//! `test-connection` end to end.

use host_harness::{ErrorKind, OutboundPolicy, Verdict};
use qualys_simulator::accounts;

use crate::support::{Harness, action_error, conn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_gets_a_full_report_with_every_capability() {
    let harness = Harness::start().await;
    let report = harness
        .connector
        .test_connection(&conn(&accounts::MANAGER))
        .await
        .unwrap();
    assert_eq!(report.api_server, "https://qualysapi.qualys.com");
    assert_eq!(report.platform.as_deref(), Some("US1"));
    assert_eq!(report.api_version.as_deref(), Some("2.0"));
    assert!(report.web_version.is_some());
    let limits = report
        .rate_limit
        .expect("about.php carries rate-limit headers");
    assert_eq!(limits.limit, Some(300));
    assert_eq!(limits.window_secs, Some(3600));
    assert_eq!(limits.concurrency_limit, Some(2));
    let actions: Vec<&str> = report
        .capabilities
        .iter()
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "test-connection",
            "search-agents",
            "launch-scan",
            "activate-user"
        ]
    );
    assert!(
        report.capabilities.iter().all(|c| c.ok),
        "{:?}",
        report.capabilities
    );
    let agents = harness.sim.dataset().agents().count();
    assert_eq!(
        report.capabilities[1].detail,
        format!("{agents} Cloud Agent assets visible")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_sees_which_capabilities_it_lacks() {
    let harness = Harness::start().await;
    let report = harness
        .connector
        .test_connection(&conn(&accounts::READER))
        .await
        .unwrap();
    let by_action = |action: &str| {
        report
            .capabilities
            .iter()
            .find(|c| c.action == action)
            .unwrap()
            .clone()
    };
    assert!(by_action("test-connection").ok);
    assert!(by_action("search-agents").ok);
    let activate = by_action("activate-user");
    assert!(!activate.ok);
    assert!(
        activate.detail.starts_with("permission-denied"),
        "{}",
        activate.detail
    );
    assert!(
        activate.detail.contains("Unit Manager"),
        "{}",
        activate.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_cloud_agent_api_access_cannot_search() {
    let harness = Harness::start().await;
    let report = harness
        .connector
        .test_connection(&conn(&accounts::NO_API_ACCESS))
        .await
        .unwrap();
    let search = &report.capabilities[1];
    assert_eq!(search.action, "search-agents");
    assert!(!search.ok);
    assert!(search.detail.contains("UNAUTHORIZED"), "{}", search.detail);
    assert!(report.capabilities[3].ok, "user administration still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_password_is_auth_failed_after_exactly_one_request() {
    let harness = Harness::start().await;
    let mut connection = conn(&accounts::MANAGER);
    connection.password = "not-the-password".into();
    let error = action_error(harness.connector.test_connection(&connection).await);
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.http_status, Some(401));
    assert!(error.hint.unwrap().contains("wrong platform"));
    assert!(!error.message.contains("not-the-password"));
    assert_eq!(harness.sim.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_with_special_characters_logs_in() {
    let harness = Harness::start().await;
    let report = harness
        .connector
        .test_connection(&conn(&accounts::SPECIAL_PASSWORD_MANAGER))
        .await
        .unwrap();
    assert!(report.capabilities[0].ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_account_is_auth_failed_with_qualys_code_2001() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .test_connection(&conn(&accounts::EXPIRED))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.qualys_code.as_deref(), Some("2001"));
    assert_eq!(error.http_status, Some(200));
    assert!(error.hint.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_registration_is_auth_failed_with_qualys_code_2003() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .test_connection(&conn(&accounts::REGISTRATION_INCOMPLETE))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.qualys_code.as_deref(), Some("2003"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_ui_url_is_normalised_to_the_api_server() {
    let harness = Harness::start().await;
    let mut connection = conn(&accounts::MANAGER);
    connection.server = Some("https://qualysguard.qg2.apps.qualys.com/portal-front/".into());
    let report = harness
        .connector
        .test_connection(&connection)
        .await
        .unwrap();
    assert_eq!(report.api_server, "https://qualysapi.qg2.apps.qualys.com");
    assert_eq!(report.platform.as_deref(), Some("US2"));
    let request = &harness.sim.requests()[0];
    assert_eq!(
        request.header("host"),
        Some("qualysapi.qg2.apps.qualys.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_code_selects_the_platform() {
    let harness = Harness::start().await;
    let mut connection = conn(&accounts::MANAGER);
    connection.server = Some("eu2".into());
    let report = harness
        .connector
        .test_connection(&connection)
        .await
        .unwrap();
    assert_eq!(report.api_server, "https://qualysapi.qg2.apps.qualys.eu");
    assert_eq!(report.platform.as_deref(), Some("EU2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_connections_are_rejected_before_any_request() {
    let harness = Harness::start().await;
    let base = conn(&accounts::MANAGER);
    let cases = [
        ("unknown platform code", Some("US9"), base.username.clone()),
        (
            "http to a remote host",
            Some("http://qualysapi.qualys.com"),
            base.username.clone(),
        ),
        (
            "user info in the URL",
            Some("https://u:p@qualysapi.qualys.com"),
            base.username.clone(),
        ),
        ("empty username", None, String::new()),
    ];
    for (case, server, username) in cases {
        let mut connection = base.clone();
        connection.server = server.map(str::to_owned);
        connection.username = username;
        let error = action_error(harness.connector.test_connection(&connection).await);
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{case}");
        assert!(!error.message.is_empty(), "{case}");
    }
    assert!(harness.sim.requests().is_empty());
    assert!(harness.connector.outbound_log().records().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_carries_basic_auth_and_x_requested_with() {
    let harness = Harness::start().await;
    let account = &accounts::SPECIAL_PASSWORD_MANAGER;
    harness
        .connector
        .test_connection(&conn(account))
        .await
        .unwrap();
    let requests = harness.sim.requests();
    assert_eq!(requests.len(), 4);
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", account.login, account.password))
    );
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(expected.as_str()),
            "{}",
            request.path
        );
        let client = request.header("x-requested-with").unwrap_or_default();
        assert!(client.starts_with("qualys-connector/"), "{}", request.path);
    }
    let count = requests
        .iter()
        .find(|r| r.path.contains("/count/"))
        .unwrap();
    assert_eq!(
        count.header("content-length"),
        Some(count.body.len().to_string().as_str())
    );
    assert_eq!(count.header("transfer-encoding"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_outside_the_allow_list_is_refused_by_the_harness() {
    let harness = Harness::start().await;
    let connector = harness.connector_with(
        OutboundPolicy::new()
            .allow("https://qualysapi.qualys.com")
            .unwrap(),
    );
    let mut connection = conn(&accounts::MANAGER);
    connection.server = Some("US2".into());
    let error = action_error(connector.test_connection(&connection).await);
    assert_eq!(error.kind, ErrorKind::Transport);
    assert!(
        error.message.contains("qualysapi.qg2.apps.qualys.com"),
        "{}",
        error.message
    );
    assert!(error.hint.is_some());
    let records = connector.outbound_log().records();
    assert_eq!(records.len(), 1, "a refusal is not retried");
    assert_eq!(records[0].verdict, Verdict::Refused);
    assert!(harness.sim.requests().is_empty());
}
