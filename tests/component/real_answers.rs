//! Real Qualys answers replayed through the component.
//!
//! Every file of `tests/fixtures/real/` is a public recording or documentation sample of a
//! Qualys answer; `corpus.json` beside them is the table of where each comes from, its status
//! and headers, and what the connector must make of it. Each test serves a fixture byte for
//! byte on the path the action calls (the simulator's replay) and asserts the exact outcome;
//! the other calls of the action are answered by the simulator.

use std::collections::BTreeSet;
use std::path::PathBuf;

use host_harness::{ActionError, ErrorKind};
use qualys_simulator::{CannedAnswer, accounts, scenario};

use crate::support::{Harness, action_error, agent_query, conn, requests_to};

const ABOUT: &str = "/msp/about.php";
const SEARCH: &str = "/qps/rest/2.0/search/am/hostasset";
const USER_LIST: &str = "/msp/user_list.php";
const USER_ACTION: &str = "/msp/user.php";

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real")
}

fn corpus() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(corpus_dir().join("corpus.json")).expect("corpus.json");
    serde_json::from_str(&text).expect("corpus.json is a JSON array")
}

/// The fixture `file` as recorded: its bytes, its status (200 when the source does not show
/// one) and its headers, all from `corpus.json`.
fn recorded(file: &str) -> CannedAnswer {
    let entries = corpus();
    let entry = entries
        .iter()
        .find(|entry| entry["file"] == file)
        .unwrap_or_else(|| panic!("{file} is not in corpus.json"));
    let body = std::fs::read(corpus_dir().join(file)).expect("the fixture exists");
    let status = entry["status"].as_u64().map_or(200, |status| status as u16);
    let headers = entry["headers"].as_object().expect("headers is an object");
    headers
        .iter()
        .fold(CannedAnswer::new(status, body), |answer, (name, value)| {
            answer.with_header(
                name.as_str(),
                value.as_str().expect("header values are text"),
            )
        })
}

/// Serves `file` on every request whose path contains `path`, up to `times` requests.
fn replay(harness: &Harness, path: &str, file: &str, times: usize) {
    harness.sim.replay(path, recorded(file), times);
}

/// The error of activating `login` as the Manager.
async fn activation_error(harness: &Harness, login: &str) -> ActionError {
    action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), login)
            .await,
    )
}

/// The error of a search whose every page is `file`; the harness shows what was sent.
async fn search_error_on(harness: &Harness, file: &str) -> ActionError {
    replay(harness, SEARCH, file, 10);
    action_error(
        harness
            .connector
            .search_agents(&conn(&accounts::MANAGER), &agent_query(None))
            .await,
    )
}

#[test]
fn every_fixture_is_in_the_source_table_once_and_every_entry_has_its_file() {
    let listed: Vec<String> = corpus()
        .iter()
        .map(|entry| entry["file"].as_str().expect("file").to_owned())
        .collect();
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a file is listed twice");
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .filter(|name| name != "corpus.json" && name != "README.md")
        .collect();
    assert_eq!(on_disk, unique.into_iter().cloned().collect());
    for entry in corpus() {
        for field in ["endpoint", "source", "fidelity", "expect", "test"] {
            assert!(
                entry[field].as_str().is_some_and(|text| !text.is_empty()),
                "{} lacks {field}",
                entry["file"]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn about_from_a_real_answer_reads_the_api_version_attributes() {
    let harness = Harness::start().await;
    replay(
        &harness,
        ABOUT,
        "about-api-version-attributes-paragbaxi.xml",
        1,
    );
    let report = harness
        .connector
        .test_connection(&conn(&accounts::MANAGER))
        .await
        .unwrap();
    assert_eq!(report.api_version.as_deref(), Some("1.4"));
    assert_eq!(report.web_version.as_deref(), Some("7.10.61-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_headers_of_a_real_fo_answer_fill_the_report() {
    let harness = Harness::start().await;
    let mut about = recorded("about-api-version-attributes-paragbaxi.xml");
    about.headers = recorded("fo-activity-log-success-ratelimit-jupiterone.csv").headers;
    harness.sim.replay(ABOUT, about, 1);
    let report = harness
        .connector
        .test_connection(&conn(&accounts::MANAGER))
        .await
        .unwrap();
    let limits = report.rate_limit.expect("the headers were sent");
    assert_eq!(
        (
            limits.limit,
            limits.window_secs,
            limits.remaining,
            limits.concurrency_limit
        ),
        (Some(300), Some(3600), Some(292), Some(2))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_account_is_auth_failed_2001_in_either_body_family() {
    let cases = [
        (
            "fo-simple-return-2001-expired-jupiterone.xml",
            "This account has expired.",
        ),
        ("msp-generic-return-2001-keydra.xml", "Account Expired"),
    ];
    for (file, text) in cases {
        let harness = Harness::start().await;
        replay(&harness, "/msp/", file, 10);
        let error = action_error(
            harness
                .connector
                .test_connection(&conn(&accounts::MANAGER))
                .await,
        );
        assert_eq!(error.kind, ErrorKind::AuthFailed, "{file}: {error:?}");
        assert_eq!(error.qualys_code.as_deref(), Some("2001"), "{file}");
        assert_eq!(error.http_status, Some(200), "{file}");
        assert!(
            error.message.ends_with(&format!(": {text}")),
            "{file}: {}",
            error.message
        );
        assert_eq!(harness.sim.requests().len(), 1, "{file}: never retried");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_user_against_an_expired_account_is_auth_failed_not_not_found() {
    let harness = Harness::start().await;
    replay(&harness, "/msp/", "msp-generic-return-2001-keydra.xml", 10);
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), scenario::INACTIVE_MANAGER)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed, "{error:?}");
    assert_eq!(error.qualys_code.as_deref(), Some("2001"));
    assert!(
        requests_to(&harness.sim, USER_ACTION).is_empty(),
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_login_in_a_401_simple_return_is_auth_failed_once() {
    let harness = Harness::start().await;
    replay(
        &harness,
        ABOUT,
        "fo-simple-return-2000-bad-login-401-jupiterone.xml",
        10,
    );
    let error = action_error(
        harness
            .connector
            .test_connection(&conn(&accounts::MANAGER))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(error.http_status, Some(401));
    assert_eq!(error.qualys_code.as_deref(), Some("2000"));
    assert!(
        error.message.contains("Bad Login/Password"),
        "{}",
        error.message
    );
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("wrong platform"))
    );
    assert_eq!(harness.sim.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmapped_simple_return_code_is_upstream_with_code_and_text() {
    let harness = Harness::start().await;
    replay(
        &harness,
        ABOUT,
        "fo-kb-vuln-simple-return-1905-400-jupiterone.xml",
        10,
    );
    let error = action_error(
        harness
            .connector
            .test_connection(&conn(&accounts::MANAGER))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(400));
    assert_eq!(error.qualys_code.as_deref(), Some("1905"));
    assert!(
        error.message.ends_with(
            ": parameter ids has invalid value: abc123 (neither a positive integer nor a range: \
             abc123)"
        ),
        "{}",
        error.message
    );
    assert_eq!(harness.sim.requests().len(), 1, "a 400 is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_version_is_reported_as_the_platforms_not_as_proof_of_cloud_agent() {
    let harness = Harness::start().await;
    replay(
        &harness,
        "portal/version",
        "qps-portal-version-jupiterone.xml",
        1,
    );
    let report = harness
        .connector
        .test_connection(&conn(&accounts::MANAGER))
        .await
        .unwrap();
    let scan = report
        .capabilities
        .iter()
        .find(|capability| capability.action == "launch-scan")
        .expect("a launch-scan line");
    assert!(scan.detail.starts_with("not proven: "), "{}", scan.detail);
    assert!(
        scan.detail
            .contains("the platform runs Cloud Agent 2.23.0.0 (platform-wide"),
        "{}",
        scan.detail
    );
    assert!(scan.detail.contains("only checked when a scan is launched"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_search_pages_give_their_agents() {
    let cases: [(&str, &[u64]); 6] = [
        ("hostasset-search-no-lastid-jupiterone.xml", &[84047683]),
        ("hostasset-search-count0-jupiterone.xml", &[]),
        (
            "hostasset-search-list-lastid-count-mismatch-jupiterone.xml",
            &[3043442],
        ),
        (
            "hostasset-search-azure-lastid-jupiterone.xml",
            &[2584223, 15127499],
        ),
        (
            "hostasset-search-gcp-no-paging-jupiterone.xml",
            &[13569200, 13569293],
        ),
        (
            "hostasset-search-ec2-count-mismatch-jupiterone.xml",
            &[709837, 709838],
        ),
    ];
    let harness = Harness::start().await;
    for (file, expected) in cases {
        harness.sim.clear_requests();
        replay(&harness, SEARCH, file, 1);
        let page = harness
            .connector
            .search_agents(&conn(&accounts::MANAGER), &agent_query(None))
            .await
            .unwrap_or_else(|error| panic!("{file}: {error:?}"));
        let ids: Vec<u64> = page.agents.iter().map(|agent| agent.asset_id).collect();
        assert_eq!(ids, expected, "{file}");
        assert_eq!(page.next_cursor, None, "{file}");
        assert_eq!(requests_to(&harness.sim, SEARCH).len(), 1, "{file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qps_error_in_http_200_is_an_error_with_code_message_and_resolution() {
    let harness = Harness::start().await;
    let error = search_error_on(&harness, "hostasset-search-invalid-request-jupiterone.xml").await;
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(error.http_status, Some(200));
    assert_eq!(error.qualys_code.as_deref(), Some("INVALID_REQUEST"));
    assert!(
        error
            .message
            .ends_with(": Criteria: Invalid value format for criteria 'qwebHostId' (abc123)."),
        "{}",
        error.message
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("Specify criteria value(s) as Long.")
    );
    assert_eq!(requests_to(&harness.sim, SEARCH).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_on_qps_are_auth_failed() {
    let harness = Harness::start().await;
    let error = search_error_on(
        &harness,
        "hostasset-auth-credentials-needed-qualys-community-issue7.xml",
    )
    .await;
    assert_eq!(error.kind, ErrorKind::AuthFailed);
    assert_eq!(
        error.qualys_code.as_deref(),
        Some("AUTH_CREDENTIALS_NEEDED")
    );
    assert!(error.message.contains("Login and password are required"));
    assert_eq!(requests_to(&harness.sim, SEARCH).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_real_answer_is_a_bad_response() {
    let harness = Harness::start().await;
    let error = search_error_on(
        &harness,
        "hostasset-v1-other-error-truncated-paragbaxi-pr12.xml",
    )
    .await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(error.http_status, Some(200));
    assert!(error.message.contains("truncated"), "{}", error.message);
    assert_eq!(requests_to(&harness.sim, SEARCH).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_user_list_gives_each_users_state() {
    let harness = Harness::start().await;
    let file = "msp-user-list-doc-sample-sjackson0109.xml";
    replay(&harness, USER_LIST, file, 1);
    let active = harness
        .connector
        .activate_user(&conn(&accounts::MANAGER), "acme_ab1")
        .await
        .unwrap();
    assert_eq!(active.previous_status.as_deref(), Some("Active"));
    assert!(!active.changed);
    replay(&harness, USER_LIST, file, 1);
    let error = activation_error(&harness, "test_user").await;
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert!(
        error.message.contains("Pending Activation"),
        "{}",
        error.message
    );
    assert!(requests_to(&harness.sim, USER_ACTION).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_list_without_a_status_writes_nothing() {
    let harness = Harness::start().await;
    replay(&harness, USER_LIST, "msp-user-list-keydra.xml", 1);
    let error = activation_error(&harness, "test").await;
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert!(
        error.message.contains("no USER_STATUS for test"),
        "{}",
        error.message
    );
    assert!(requests_to(&harness.sim, USER_ACTION).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_documented_user_output_success_is_read_as_success() {
    let cases = [
        (
            "user-add-success-qualysdocs.xml",
            "quays_cw4 user has been successfully created.",
        ),
        (
            "user-edit-success-qualysdocs.xml",
            "quays_ch user has been successfully updated.",
        ),
    ];
    for (file, message) in cases {
        let harness = Harness::start().await;
        replay(&harness, USER_ACTION, file, 1);
        let activation = harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), scenario::INACTIVE_MANAGER)
            .await
            .unwrap_or_else(|error| panic!("{file}: {error:?}"));
        assert!(activation.changed, "{file}");
        assert_eq!(activation.message, message, "{file}");
        assert_eq!(requests_to(&harness.sim, USER_ACTION).len(), 1, "{file}");
    }
}
