//! `activate-user` end to end: every outcome, and the simulator's user directory afterwards.

use host_harness::{ErrorKind, UserStatusChange};
use qualys_simulator::{
    Fault, Role, SimUser, Simulator, UserActionFailure, UserStatus, accounts, scenario,
};

use crate::support::{Harness, action_error, conn, requests_to};

const USER_ACTION_PATH: &str = "/msp/user.php";
const USER_LIST_PATH: &str = "/msp/user_list.php";

/// The requests the simulator received on `path`.
fn status_of(sim: &Simulator, login: &str) -> UserStatus {
    sim.user(login).expect("the user exists").status
}

/// Checks a successful activation of `login`: the result, one form POST, and the user Active.
fn assert_activated(sim: &Simulator, activation: &UserStatusChange, login: &str) {
    assert_eq!(activation.login, login);
    assert_eq!(activation.previous_status.as_deref(), Some("Inactive"));
    assert!(activation.changed);
    assert_eq!(
        activation.message,
        format!("User {login} has been activated.")
    );
    let writes = requests_to(sim, USER_ACTION_PATH);
    assert_eq!(writes.len(), 1, "exactly one write");
    assert_eq!(writes[0].method, "POST");
    assert_eq!(
        writes[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        writes[0].body_text(),
        format!("action=activate&login={login}")
    );
    assert_eq!(status_of(sim, login), UserStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_activates_an_inactive_manager() {
    let harness = Harness::start().await;
    let activation = harness
        .connector
        .activate_user(&conn(&accounts::MANAGER), scenario::INACTIVE_MANAGER)
        .await
        .unwrap();
    assert_activated(&harness.sim, &activation, scenario::INACTIVE_MANAGER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_activates_an_inactive_scanner() {
    let harness = Harness::start().await;
    let activation = harness
        .connector
        .activate_user(
            &conn(&accounts::ADMINISTRATOR),
            scenario::INACTIVE_EUROPE_SCANNER,
        )
        .await
        .unwrap();
    assert_activated(&harness.sim, &activation, scenario::INACTIVE_EUROPE_SCANNER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_refused_on_an_administrator_gets_qualys_failed_message_verbatim() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_ADMINISTRATOR;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::ADMINISTRATOR), login)
            .await,
    );
    let said = UserActionFailure::ProtectedRole {
        verb: "activate",
        login: login.to_owned(),
        role: "Administrator",
    };
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert_eq!(
        error.message,
        format!("Qualys answered FAILED: {}", said.message())
    );
    assert_eq!(error.http_status, Some(200));
    assert_eq!(error.qualys_code, Some(said.number().to_string()));
    let hint = error.hint.unwrap();
    assert!(
        hint.contains("Manager") && hint.contains("Unit Manager"),
        "{hint}"
    );
    assert_eq!(requests_to(&harness.sim, USER_ACTION_PATH).len(), 1);
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_answer_without_a_message_is_still_a_failure() {
    let harness = Harness::start().await;
    harness.sim.inject(Fault::UserFailedWithoutMessage);
    let login = scenario::INACTIVE_MANAGER;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::ADMINISTRATOR), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert_eq!(error.message, "Qualys answered FAILED without a message");
    assert_eq!(error.http_status, Some(200));
    assert!(error.hint.is_some());
    let writes = requests_to(&harness.sim, USER_ACTION_PATH);
    assert_eq!(writes.len(), 1);
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_manager_activates_a_user_of_its_own_business_unit() {
    let harness = Harness::start().await;
    let activation = harness
        .connector
        .activate_user(
            &conn(&accounts::UNIT_MANAGER),
            scenario::INACTIVE_EUROPE_SCANNER,
        )
        .await
        .unwrap();
    assert_activated(&harness.sim, &activation, scenario::INACTIVE_EUROPE_SCANNER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_manager_does_not_see_users_of_another_business_unit() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_ASIA_SCANNER;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::UNIT_MANAGER), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(error.message.contains(login), "{}", error.message);
    assert!(error.hint.unwrap().contains("business unit"));
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_is_refused_and_nothing_is_written() {
    let harness = Harness::start().await;
    let login = scenario::INACTIVE_READER;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::READER), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert_eq!(error.qualys_code.as_deref(), Some("2002"));
    assert!(error.hint.unwrap().contains("Unit Manager"));
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(status_of(&harness.sim, login), UserStatus::Inactive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_user_is_unchanged_and_nothing_is_written() {
    let harness = Harness::start().await;
    let login = scenario::ACTIVE_SCANNER;
    let activation = harness
        .connector
        .activate_user(&conn(&accounts::MANAGER), login)
        .await
        .unwrap();
    assert_eq!(activation.login, login);
    assert_eq!(activation.previous_status.as_deref(), Some("Active"));
    assert!(!activation.changed);
    assert_eq!(activation.message, "");
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(status_of(&harness.sim, login), UserStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_user_is_a_conflict_and_stays_pending() {
    let harness = Harness::start().await;
    let login = scenario::PENDING_EUROPE_SCANNER;
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), login)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert!(
        error.message.contains("Pending Activation"),
        "{}",
        error.message
    );
    assert!(error.hint.unwrap().contains("first login"));
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
    assert_eq!(
        status_of(&harness.sim, login),
        UserStatus::PendingActivation
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_login_is_not_found_after_reading_every_page() {
    let harness = Harness::start().await;
    harness.sim.add_users(filler_users(1_500));
    let error = action_error(
        harness
            .connector
            .activate_user(&conn(&accounts::MANAGER), "acme_nobody1")
            .await,
    );
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(requests_to(&harness.sim, USER_LIST_PATH).len(), 2);
    assert!(requests_to(&harness.sim, USER_ACTION_PATH).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_beyond_the_first_page_is_found_by_following_id_min() {
    let harness = Harness::start().await;
    harness.sim.add_users(filler_users(2_100));
    let login = "acme_lt1";
    harness.sim.add_user(SimUser::new(
        login,
        Role::Scanner,
        UserStatus::Inactive,
        "Unassigned",
    ));
    let activation = harness
        .connector
        .activate_user(&conn(&accounts::MANAGER), login)
        .await
        .unwrap();
    assert_activated(&harness.sim, &activation, login);
    let lists = requests_to(&harness.sim, USER_LIST_PATH);
    assert_eq!(lists.len(), 3);
    assert_eq!(lists[0].query, None);
    for page in &lists[1..] {
        assert!(page.query_pairs().iter().any(|(name, _)| name == "id_min"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_login_is_rejected_before_any_request() {
    let harness = Harness::start().await;
    for login in [
        "",
        "acme mg1",
        "acme_mg1&action=deactivate",
        &"a".repeat(65),
    ] {
        let error = action_error(
            harness
                .connector
                .activate_user(&conn(&accounts::MANAGER), login)
                .await,
        );
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{login:?}");
    }
    assert!(harness.sim.requests().is_empty());
}

/// `count` Active users, to make the user list longer than one page.
fn filler_users(count: usize) -> Vec<SimUser> {
    (0..count)
        .map(|n| {
            SimUser::new(
                &format!("acme_fl{n}"),
                Role::Reader,
                UserStatus::Active,
                "Unassigned",
            )
        })
        .collect()
}
