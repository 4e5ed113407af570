//! `deactivate-user` and the batch user actions end to end, each checked against the
//! simulator's user directory afterwards.

use host_harness::{ErrorKind, UserResult};
use qualys_simulator::{RateLimitConfig, Simulator, UserStatus, accounts, scenario};

use crate::support::{Harness, action_error, conn, conn_with_budget, requests_to};

const USER_ACTION_PATH: &str = "/msp/user.php";
const USER_LIST_PATH: &str = "/msp/user_list.php";

fn status_of(sim: &Simulator, login: &str) -> UserStatus {
    sim.user(login).expect("the user exists").status
}

/// The logins `user.php` was asked to change, in order.
fn written_logins(sim: &Simulator) -> Vec<String> {
    requests_to(sim, USER_ACTION_PATH)
        .iter()
        .map(|request| {
            let body = request.body_text();
            body.split("login=").nth(1).unwrap_or_default().to_owned()
        })
        .collect()
}

fn logins(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_user_is_deactivated_with_one_write() {
    let harness = Harness::start().await;
    let login = scenario::ACTIVE_EUROPE_SCANNER;
    let change = harness
        .connector
        .deactivate_user(&conn(&accounts::MANAGER), login)
        .await
        .unwrap();
    assert_eq!(change.previous_status.as_deref(), Some("Active"));
    assert!(change.changed);
    assert!(!change.message.is_empty());
    let writes = requests_to(&harness.sim, USER_ACTION_PATH);
    assert_eq!(writes.len(), 1);
    assert_eq!(
        writes[0].body_text(),
        format!("action=deactivate&login={login}")
    );
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inactive_user_is_a_deactivation_that_sends_nothing() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_EUROPE_SCANNER;
    let change = harness
        .connector
        .deactivate_user(&conn(&accounts::MANAGER), login)
        .await
        .unwrap();
    assert_eq!(change.previous_status.as_deref(), Some("Inactive"));
    assert!(!change.changed);
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_user_cannot_be_deactivated() {
    let harness = Harness::start().await;
    let login = scenario::PENDING_EUROPE_SCANNER;
    let error = action_error(
        harness
            .connector
            .deactivate_user(&conn(&accounts::MANAGER), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(
        status_of(&harness.sim, login),
        UserStatus::PendingActivation
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_may_not_deactivate_a_manager() {
    let harness = Harness::start().await;
    let login = accounts::MANAGER.login;
    let error = action_error(
        harness
            .connector
            .deactivate_user(&conn(&accounts::ADMINISTRATOR), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied, "{error:?}");
    assert_eq!(error.http_status, Some(200));
    assert!(error.hint.is_some_and(|hint| hint.contains("Manager")));
    assert_eq!(requests_to(&harness.sim, USER_ACTION_PATH).len(), 1);
    assert_eq!(status_of(&harness.sim, login), UserStatus::Active);
}

/// Fifty logins: every user of the directory but the caller, unknown logins and repeats.
fn fifty_logins(sim: &Simulator) -> Vec<String> {
    let mut logins: Vec<String> = sim
        .users()
        .into_iter()
        .map(|user| user.login)
        .filter(|login| login != accounts::MANAGER.login)
        .take(40)
        .collect();
    logins.extend(["acme_nobody1", "acme_nobody2", "bad login"].map(str::to_owned));
    let repeats: Vec<String> = logins.iter().take(50 - logins.len()).cloned().collect();
    logins.extend(repeats);
    assert_eq!(logins.len(), 50);
    logins
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_fifty_reads_the_list_once_and_writes_once_per_user_that_needs_it() {
    let harness = Harness::start().await;
    let logins = fifty_logins(&harness.sim);
    let before: Vec<(String, Option<UserStatus>)> = logins
        .iter()
        .map(|login| {
            (
                login.clone(),
                harness.sim.user(login).map(|user| user.status),
            )
        })
        .collect();
    let results = harness
        .connector
        .activate_users(&conn(&accounts::MANAGER), &logins)
        .await
        .unwrap();
    let mut distinct: Vec<&(String, Option<UserStatus>)> = Vec::new();
    for entry in &before {
        if !distinct.iter().any(|seen| seen.0 == entry.0) {
            distinct.push(entry);
        }
    }
    let returned: Vec<&str> = results.iter().map(|result| result.login.as_str()).collect();
    let expected: Vec<&str> = distinct.iter().map(|(login, _)| login.as_str()).collect();
    assert_eq!(
        returned, expected,
        "one result per distinct login, in order"
    );
    let mut expected_writes = Vec::new();
    for (UserResult { login, outcome }, (_, status)) in results.iter().zip(&distinct) {
        match status {
            Some(UserStatus::Inactive) => {
                let change = outcome
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{login}: {e:?}"));
                assert!(change.changed, "{login}");
                expected_writes.push(login.clone());
                assert_eq!(
                    status_of(&harness.sim, login),
                    UserStatus::Active,
                    "{login}"
                );
            }
            Some(UserStatus::Active) => {
                assert!(!outcome.as_ref().unwrap().changed, "{login}");
            }
            Some(UserStatus::PendingActivation) => {
                let error = outcome.as_ref().unwrap_err();
                assert_eq!(error.kind, ErrorKind::Conflict, "{login}");
            }
            None if login == "bad login" => {
                assert_eq!(outcome.as_ref().unwrap_err().kind, ErrorKind::InvalidInput);
            }
            None => assert_eq!(outcome.as_ref().unwrap_err().kind, ErrorKind::NotFound),
        }
    }
    assert!(expected_writes.len() >= 5, "the batch mixes states");
    assert_eq!(requests_to(&harness.sim, USER_LIST_PATH).len(), 1);
    assert_eq!(written_logins(&harness.sim), expected_writes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_single_calls_read_the_list_once_per_distinct_login() {
    let harness = Harness::start().await;
    let logins = fifty_logins(&harness.sim);
    let mut distinct: Vec<&String> = Vec::new();
    for login in &logins {
        if !distinct.contains(&login) {
            distinct.push(login);
        }
    }
    let valid = distinct
        .iter()
        .filter(|login| login.as_str() != "bad login")
        .count();
    let inactive = distinct
        .iter()
        .filter(|login| {
            harness
                .sim
                .user(login)
                .is_some_and(|user| user.status == UserStatus::Inactive)
        })
        .count();
    for login in &distinct {
        let _ = harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), login)
            .await;
    }
    assert_eq!(requests_to(&harness.sim, USER_LIST_PATH).len(), valid);
    assert_eq!(requests_to(&harness.sim, USER_ACTION_PATH).len(), inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_stopped_by_a_rate_limit_accounts_for_every_login_and_a_rerun_finishes_it() {
    let harness = Harness::start().await;
    let batch = logins(&[
        scenario::INACTIVE_MANAGER,
        scenario::INACTIVE_ADMINISTRATOR,
        scenario::INACTIVE_EUROPE_SCANNER,
        scenario::INACTIVE_EUROPE_READER,
        scenario::INACTIVE_READER,
    ]);
    // The list read and two writes fit; the third write meets a limit for the rest of the hour.
    harness.sim.set_rate_limit(
        accounts::MANAGER.login,
        RateLimitConfig {
            calls_per_window: 3,
            window_secs: 3600,
            concurrency_limit: 2,
        },
    );
    let results = harness
        .connector
        .activate_users(&conn_with_budget(10_000), &batch)
        .await
        .unwrap();
    assert_eq!(results.len(), batch.len());
    assert!(results[0].outcome.as_ref().unwrap().changed);
    assert!(results[1].outcome.as_ref().unwrap().changed);
    let limited = results[2].outcome.as_ref().unwrap_err();
    assert_eq!(limited.kind, ErrorKind::RateLimited);
    assert!(limited.retry_after_secs.is_some());
    for result in &results[3..] {
        let error = result.outcome.as_ref().unwrap_err();
        assert_eq!(error.kind, ErrorKind::RateLimited, "{}", result.login);
        assert!(
            error.message.starts_with("not handled: "),
            "{}",
            error.message
        );
        assert_eq!(status_of(&harness.sim, &result.login), UserStatus::Inactive);
    }
    harness
        .sim
        .set_rate_limit(accounts::MANAGER.login, RateLimitConfig::default());
    let rerun = harness
        .connector
        .activate_users(&conn_with_budget(10_000), &batch)
        .await
        .unwrap();
    let changed: Vec<bool> = rerun
        .iter()
        .map(|result| result.outcome.as_ref().unwrap().changed)
        .collect();
    assert_eq!(changed, [false, false, true, true, true]);
    for login in &batch {
        assert_eq!(
            status_of(&harness.sim, login),
            UserStatus::Active,
            "{login}"
        );
    }
    let mut written = written_logins(&harness.sim);
    written.retain(|login| !login.is_empty());
    let mut once = written.clone();
    once.sort();
    once.dedup();
    // The limited write was refused without running (409), so it appears twice at most;
    // every user changed exactly once in the directory.
    assert!(written.len() <= batch.len() + 1, "{written:?}");
    assert_eq!(once.len(), batch.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_list_cannot_be_read_is_the_calls_error() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .deactivate_users(
                &conn(&accounts::READER),
                &logins(&[scenario::ACTIVE_EUROPE_SCANNER]),
            )
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
}
