//! Load: many concurrent instances of the component against one simulator, with faults.
//!
//! [`WORKERS`] tokio tasks run [`ACTIONS_PER_WORKER`] actions each, every call on its own
//! instance (the harness instantiates per call), mixing all four actions. Every input is
//! distinct, so every result can be traced to the input that produced it:
//!
//! * `search-agents` filters on the full name of one agent of the dataset (a different name per
//!   call) and must return exactly the agents whose name contains it;
//! * `activate-user` activates its own Inactive user, added for this test;
//! * `launch-scan` launches on its own ids, disjoint from every other call's;
//! * `test-connection` must report the manager's full capabilities.
//!
//! Faults are injected on every kind of request: the first requests are held before their
//! headers (which keeps all workers' instances alive at once), reads answer 503 or lose their
//! connection, writes answer 409 with code 1960. The test then accounts for every call (a
//! success, or an error a fault explains; never a trap, a harness deadline or the memory
//! limit), checks each result against its own input, and checks the simulator's state: the
//! users activated are Active and the others still Inactive, each launched asset was scanned
//! exactly once. It prints one summary line; the wall time in it is information, not a verdict.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use host_harness::{
    AgentPage, AgentQuery, ConnectionReport, Connector, ConnectorError, ErrorKind, ScanLaunch,
    UserStatusChange,
};
use qualys_simulator::{
    self as simulator, Dataset, Fault, FaultRule, Role, SimUser, UserStatus, accounts,
};

use crate::support::{Harness, agent_query, conn, scan_request};

/// Concurrent tasks.
const WORKERS: usize = 20;

/// Actions each task runs, one after the other.
const ACTIONS_PER_WORKER: usize = 12;

/// Asset ids per launch.
const IDS_PER_LAUNCH: usize = 4;

/// How long the first requests are held before their headers.
const HOLD: Duration = Duration::from_millis(500);

/// `search-agents` reads answered 503.
const SEARCH_503S: usize = 6;
/// `user_list.php` reads answered 503.
const USER_LIST_503S: usize = 4;
/// `user_list.php` reads whose connection is dropped.
const USER_LIST_DROPS: usize = 3;
/// Host asset counts (of `test-connection`) whose connection is dropped.
const COUNT_DROPS: usize = 3;
/// `user.php` writes answered 409 with code 1960.
const USER_WRITE_1960S: usize = 4;
/// Scan launches answered 409 with code 1960.
const SCAN_WRITE_1960S: usize = 4;

/// Fault uses that can make a call fail (the held requests cannot): an upper bound on the
/// calls that may end in an expected error.
const FAILING_FAULTS: usize = SEARCH_503S
    + USER_LIST_503S
    + USER_LIST_DROPS
    + COUNT_DROPS
    + USER_WRITE_1960S
    + SCAN_WRITE_1960S;

/// One action and its own input.
#[derive(Debug, Clone)]
enum Input {
    TestConnection,
    SearchAgents { host_name: String },
    ActivateUser { login: String },
    LaunchScan { asset_ids: Vec<u64> },
}

/// What an action returned.
#[derive(Debug)]
enum Output {
    Report(ConnectionReport),
    Page(AgentPage),
    Activation(UserStatusChange),
    Launch(ScanLaunch),
}

/// One call: its input and result.
#[derive(Debug)]
struct Call {
    input: Input,
    result: Result<Output, ConnectorError>,
}

/// The inputs of every worker: action `k` overall is of kind `k % 4`, each with its own data.
fn plan(dataset: &Dataset) -> Vec<Vec<Input>> {
    let total = WORKERS * ACTIONS_PER_WORKER;
    let mut names: Vec<&str> = Vec::new();
    for agent in dataset.agents() {
        if !names.contains(&agent.name.as_str()) {
            names.push(&agent.name);
        }
    }
    let mut names = names.into_iter();
    let mut id_sets = dataset
        .assets
        .chunks(IDS_PER_LAUNCH)
        .map(|chunk| chunk.iter().map(|asset| asset.id).collect::<Vec<_>>());
    let inputs: Vec<Input> = (0..total)
        .map(|k| match k % 4 {
            0 => Input::TestConnection,
            1 => Input::SearchAgents {
                host_name: names.next().expect("enough agent names").to_owned(),
            },
            2 => Input::ActivateUser {
                login: format!("load_user_{k:03}"),
            },
            _ => Input::LaunchScan {
                asset_ids: id_sets.next().expect("enough asset ids"),
            },
        })
        .collect();
    inputs
        .chunks(ACTIONS_PER_WORKER)
        .map(<[Input]>::to_vec)
        .collect()
}

/// Runs one action on the real component.
async fn run(connector: &Connector, input: &Input) -> Result<Output, ConnectorError> {
    let conn = conn(&accounts::MANAGER);
    match input {
        Input::TestConnection => connector.test_connection(&conn).await.map(Output::Report),
        Input::SearchAgents { host_name } => {
            let query = AgentQuery {
                host_name: Some(host_name.clone()),
                ..agent_query(None)
            };
            connector
                .search_agents(&conn, &query)
                .await
                .map(Output::Page)
        }
        Input::ActivateUser { login } => connector
            .activate_user(&conn, login)
            .await
            .map(Output::Activation),
        Input::LaunchScan { asset_ids } => {
            let request = scan_request(asset_ids.clone(), None);
            connector
                .launch_scan(&conn, &request)
                .await
                .map(Output::Launch)
        }
    }
}

/// The faults of the run, in the order the simulator tries them.
fn inject_faults(sim: &simulator::Simulator) {
    // The first requests, one per call since a call waits for each answer, are held: every
    // worker's first instance is alive at the same time.
    sim.inject(FaultRule::times(WORKERS, Fault::DelayBeforeHeaders(HOLD)));
    sim.inject(FaultRule::times(SEARCH_503S, Fault::Status(503)).on_path("/search/am/hostasset"));
    sim.inject(FaultRule::times(USER_LIST_503S, Fault::Status(503)).on_path("/msp/user_list.php"));
    sim.inject(
        FaultRule::times(USER_LIST_DROPS, Fault::DropConnection).on_path("/msp/user_list.php"),
    );
    sim.inject(FaultRule::times(COUNT_DROPS, Fault::DropConnection).on_path("/count/am/hostasset"));
    let concurrency = Fault::RateLimited {
        code: 1960,
        wait_secs: Some(0),
    };
    sim.inject(FaultRule::times(USER_WRITE_1960S, concurrency.clone()).on_path("/msp/user.php"));
    sim.inject(FaultRule::times(SCAN_WRITE_1960S, concurrency).on_path("/ods/ca/agentasset"));
}

/// Whether `error` is one a fault of [`inject_faults`] explains: a server error, a lost
/// connection or a concurrency limit that outlasted the retries.
fn is_expected(error: &ConnectorError) -> bool {
    error.action().is_some_and(|error| {
        matches!(
            error.kind,
            ErrorKind::Upstream | ErrorKind::Transport | ErrorKind::RateLimited
        )
    })
}

/// Checks that `output` answers `input` (and no other call's input).
fn check_belongs(dataset: &Dataset, input: &Input, output: &Output) {
    match (input, output) {
        (Input::TestConnection, Output::Report(report)) => {
            assert_eq!(report.api_server, "https://qualysapi.qualys.com");
            assert!(
                report.capabilities.iter().all(|c| c.ok),
                "{:?}",
                report.capabilities
            );
        }
        (Input::SearchAgents { host_name }, Output::Page(page)) => {
            assert!(!page.agents.is_empty(), "{host_name:?} names an agent");
            for agent in &page.agents {
                assert!(
                    agent.name.contains(host_name.as_str()),
                    "{:?} answered the search for {host_name:?}",
                    agent.name
                );
            }
            let found: Vec<u64> = page.agents.iter().map(|a| a.asset_id).collect();
            let expected: Vec<u64> = dataset
                .agents()
                .filter(|asset| asset.name.contains(host_name.as_str()))
                .map(|asset| asset.id)
                .collect();
            assert_eq!(found, expected, "search for {host_name:?}");
            assert_eq!(page.next_cursor, None);
        }
        (Input::ActivateUser { login }, Output::Activation(activation)) => {
            assert_eq!(&activation.login, login);
            assert!(activation.changed, "{login}");
            assert_eq!(activation.previous_status.as_deref(), Some("Inactive"));
            assert!(
                activation.message.contains(login.as_str()),
                "{activation:?}"
            );
        }
        (Input::LaunchScan { asset_ids }, Output::Launch(launch)) => {
            let accepted = |id: &u64| {
                dataset
                    .asset(*id)
                    .is_some_and(|asset| simulator::ScanType::Inventory.accepts(asset))
            };
            let (expected_launched, expected_not): (Vec<u64>, Vec<u64>) =
                asset_ids.iter().copied().partition(|id| accepted(id));
            assert_eq!(
                launch.launched, expected_launched,
                "launch of {asset_ids:?}"
            );
            assert_eq!(launch.not_launched, expected_not, "launch of {asset_ids:?}");
            assert!(launch.failed_batch.is_none() && launch.not_sent.is_empty());
            assert_eq!(
                launch.scan_type,
                simulator::ScanType::Inventory.qualys_name()
            );
        }
        (input, output) => panic!("{input:?} was answered by {output:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_call_of_a_concurrent_load_with_faults_is_accounted_for_and_answers_its_own_input() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    let plans = plan(sim.dataset());
    for input in plans.iter().flatten() {
        if let Input::ActivateUser { login } = input {
            sim.add_user(SimUser::new(
                login,
                Role::Scanner,
                UserStatus::Inactive,
                accounts::UNASSIGNED,
            ));
        }
    }
    inject_faults(sim);

    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(tokio::sync::Barrier::new(WORKERS));
    let started = Instant::now();
    let workers: Vec<_> = plans
        .into_iter()
        .map(|inputs| {
            let connector = harness.connector.clone();
            let (in_flight, peak, start) = (in_flight.clone(), peak.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let mut calls = Vec::with_capacity(inputs.len());
                for input in inputs {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let result = run(&connector, &input).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    calls.push(Call { input, result });
                }
                calls
            })
        })
        .collect();
    let mut calls = Vec::new();
    for worker in workers {
        calls.extend(worker.await.expect("a worker finished without panicking"));
    }
    let wall = started.elapsed();

    // Every call accounted for.
    let total = calls.len();
    assert_eq!(total, WORKERS * ACTIONS_PER_WORKER);
    assert!(total >= 200);
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak >= 16, "only {peak} instances ran at once");
    let mut ok = 0;
    let mut expected: HashMap<String, usize> = HashMap::new();
    let mut per_kind: HashMap<&str, usize> = HashMap::new();
    for call in &calls {
        let kind = match call.input {
            Input::TestConnection => "test-connection",
            Input::SearchAgents { .. } => "search-agents",
            Input::ActivateUser { .. } => "activate-user",
            Input::LaunchScan { .. } => "launch-scan",
        };
        *per_kind.entry(kind).or_default() += 1;
        match &call.result {
            Ok(output) => {
                ok += 1;
                check_belongs(sim.dataset(), &call.input, output);
            }
            Err(error) if is_expected(error) => {
                *expected.entry(error.to_string()).or_default() += 1;
            }
            Err(error) => panic!("{:?} ended unexpectedly: {error}", call.input),
        }
    }
    let failed: usize = expected.values().sum();
    assert_eq!(
        ok + failed,
        total,
        "every call is a success or an expected error"
    );
    assert!(
        failed <= FAILING_FAULTS,
        "{failed} calls failed but only {FAILING_FAULTS} failing faults were injected: {expected:?}"
    );

    // The simulator's state matches the results.
    let scans = sim.launched_scans();
    let mut scanned: HashMap<u64, usize> = HashMap::new();
    for scan in &scans {
        *scanned.entry(scan.asset_id).or_default() += 1;
        assert_eq!(scan.by, accounts::MANAGER.login);
        assert_eq!(scan.scan_type, simulator::ScanType::Inventory.qualys_name());
    }
    let mut launched_total = 0;
    let mut activated = 0;
    for call in &calls {
        match (&call.input, &call.result) {
            (Input::ActivateUser { login }, result) => {
                let status = sim.user(login).expect("the load user exists").status;
                let wanted = if result.is_ok() {
                    activated += 1;
                    UserStatus::Active
                } else {
                    UserStatus::Inactive
                };
                assert_eq!(status, wanted, "{login} after {result:?}");
            }
            (Input::LaunchScan { asset_ids }, Ok(Output::Launch(launch))) => {
                launched_total += launch.launched.len();
                for id in asset_ids {
                    let times = scanned.get(id).copied().unwrap_or(0);
                    let wanted = usize::from(launch.launched.contains(id));
                    assert_eq!(times, wanted, "asset {id} scanned {times} times");
                }
            }
            (Input::LaunchScan { asset_ids }, Err(_)) => {
                for id in asset_ids {
                    assert!(
                        !scanned.contains_key(id),
                        "asset {id} scanned by a failed call"
                    );
                }
            }
            _ => {}
        }
    }
    assert_eq!(scans.len(), launched_total, "no scan beyond those reported");
    let distinct: BTreeSet<u64> = scans.iter().map(|scan| scan.asset_id).collect();
    assert_eq!(distinct.len(), scans.len(), "each asset scanned once");

    // Each write is sent once per call that reached it, plus once per 1960 it met: the write
    // faults were all used, and no write was repeated for any other reason.
    let requests = sim.requests();
    let sent_to = |path: &str| requests.iter().filter(|r| r.path == path).count();
    let ok_launches = calls
        .iter()
        .filter(|call| matches!(call.result, Ok(Output::Launch(_))))
        .count();
    assert_eq!(sent_to("/msp/user.php"), activated + USER_WRITE_1960S);
    assert_eq!(
        sent_to("/qps/rest/1.0/ods/ca/agentasset"),
        ok_launches + SCAN_WRITE_1960S
    );

    let mut kinds: Vec<_> = per_kind.into_iter().collect();
    kinds.sort();
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let faults = format!(
        "{WORKERS} held, {} x 503, {} dropped, {} x 409/1960",
        SEARCH_503S + USER_LIST_503S,
        USER_LIST_DROPS + COUNT_DROPS,
        USER_WRITE_1960S + SCAN_WRITE_1960S,
    );
    println!(
        "load: {total} actions ({}) over {WORKERS} tasks, peak {peak} instances at once, \
         {} requests, faults: {faults}; {ok} ok, {failed} expected errors {expected:?}, \
         0 traps/deadlines/memory limits; {activated} users activated, {launched_total} scans; \
         wall {:.2} s",
        kinds.join(", "),
        requests.len(),
        wall.as_secs_f64()
    );
}
