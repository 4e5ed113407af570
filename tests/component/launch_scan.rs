//! `launch-scan` end to end: every outcome, and the scans the simulator recorded afterwards.

use std::time::Duration;

use host_harness::{ErrorKind, ScanRequest, ScanType};
use qualys_simulator::{
    self as simulator, Fault, FaultRule, LaunchedScan, MODULE_VM, RecordedRequest, ScanIdsShape,
    Simulator, SimulatorConfig, accounts,
};

use crate::support::{Harness, action_error, conn, requests_to, scan_request};

const SCAN_PATH: &str = "/qps/rest/1.0/ods/ca/agentasset";

/// An id no asset has.
const UNKNOWN_ID: u64 = 1;

/// The ids of the `id IN` criterion of a launch request.
fn ids_sent(request: &RecordedRequest) -> Vec<u64> {
    let body = request.body_text();
    let list = body
        .split("operator=\"IN\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("an id IN criterion");
    list.split(',')
        .map(|id| id.parse().expect("an id"))
        .collect()
}

/// The asset ids of the recorded scans, in the order recorded.
fn scanned_ids(scans: &[LaunchedScan]) -> Vec<u64> {
    scans.iter().map(|scan| scan.asset_id).collect()
}

/// The asset ids of the dataset's Cloud Agents, in order.
fn agent_ids(sim: &Simulator) -> Vec<u64> {
    sim.dataset().agents().map(|asset| asset.id).collect()
}

/// Every asset id of the dataset, then an unknown id.
fn every_id_and_an_unknown_one(sim: &Simulator) -> Vec<u64> {
    let mut ids: Vec<u64> = sim.dataset().assets.iter().map(|asset| asset.id).collect();
    ids.push(UNKNOWN_ID);
    ids
}

/// Launches `scan_type` on every asset and checks that exactly the assets the simulator
/// accepts were launched and recorded, once each, under Qualys's exact scan name.
async fn launches_exactly_what_qualys_accepts(scan_type: ScanType, sim_type: simulator::ScanType) {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    let ids = every_id_and_an_unknown_one(sim);
    let accepted: Vec<u64> = sim
        .dataset()
        .assets
        .iter()
        .filter(|asset| sim_type.accepts(asset))
        .map(|asset| asset.id)
        .collect();
    assert!(!accepted.is_empty() && accepted.len() < ids.len());
    let rejected: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| !accepted.contains(id))
        .collect();

    let launch = harness
        .connector
        .launch_scan(
            &conn(&accounts::MANAGER),
            &scan_request(ids, Some(scan_type)),
        )
        .await
        .unwrap();

    assert_eq!(launch.scan_type, sim_type.qualys_name());
    assert_eq!(launch.launched, accepted);
    assert_eq!(launch.not_launched, rejected);
    assert!(launch.failed_batch.is_none() && launch.not_sent.is_empty());
    let scans = sim.launched_scans();
    assert_eq!(
        scanned_ids(&scans),
        accepted,
        "each accepted asset scanned once"
    );
    for scan in &scans {
        assert_eq!(scan.scan_type, sim_type.qualys_name());
        assert!(!scan.override_cpu);
        assert_eq!(scan.by, accounts::MANAGER.login);
    }
    let sent = requests_to(sim, SCAN_PATH);
    assert_eq!(sent.len(), 1);
    let query = sent[0].query_pairs();
    assert!(query.contains(&("scan".to_owned(), sim_type.qualys_name().to_owned())));
    assert!(query.contains(&("overrideConfigCpu".to_owned(), "false".to_owned())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_scan_launches_on_every_cloud_agent() {
    launches_exactly_what_qualys_accepts(ScanType::Inventory, simulator::ScanType::Inventory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vulnerability_scan_launches_on_agents_with_the_vm_module() {
    launches_exactly_what_qualys_accepts(
        ScanType::Vulnerability,
        simulator::ScanType::Vulnerability,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_compliance_scan_launches_on_agents_with_the_pc_module() {
    launches_exactly_what_qualys_accepts(
        ScanType::PolicyCompliance,
        simulator::ScanType::PolicyCompliance,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_udc_scan_launches_on_the_agents_qualys_accepts() {
    launches_exactly_what_qualys_accepts(ScanType::Udc, simulator::ScanType::Udc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sca_scan_launches_on_the_agents_qualys_accepts() {
    launches_exactly_what_qualys_accepts(ScanType::Sca, simulator::ScanType::Sca).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_swca_scan_is_sent_with_its_lower_case_name() {
    launches_exactly_what_qualys_accepts(ScanType::Swca, simulator::ScanType::Swca).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_scan_type_is_inventory() {
    let harness = Harness::start().await;
    let id = harness.sim.dataset().agents().next().unwrap().id;
    let launch = harness
        .connector
        .launch_scan(&conn(&accounts::MANAGER), &scan_request(vec![id], None))
        .await
        .unwrap();
    assert_eq!(launch.scan_type, "Inventory_Scan");
    assert_eq!(launch.launched, [id]);
    assert_eq!(harness.sim.launched_scans()[0].scan_type, "Inventory_Scan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cpu_override_flag_reaches_qualys() {
    let harness = Harness::start().await;
    let ids = agent_ids(&harness.sim)[..5].to_vec();
    let request = ScanRequest {
        override_cpu_throttle: true,
        ..scan_request(ids.clone(), Some(ScanType::Inventory))
    };
    let launch = harness
        .connector
        .launch_scan(&conn(&accounts::MANAGER), &request)
        .await
        .unwrap();
    assert_eq!(launch.launched, ids);
    let scans = harness.sim.launched_scans();
    assert_eq!(scanned_ids(&scans), ids);
    assert!(scans.iter().all(|scan| scan.override_cpu));
    let query = requests_to(&harness.sim, SCAN_PATH)[0].query_pairs();
    assert!(query.contains(&("overrideConfigCpu".to_owned(), "true".to_owned())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_valid_and_invalid_ids_are_split_into_launched_and_not_launched() {
    let harness = Harness::start().await;
    let dataset = harness.sim.dataset();
    let mut with_vm = dataset.agents().filter(|asset| asset.has_module(MODULE_VM));
    let (first_vm, second_vm) = (with_vm.next().unwrap().id, with_vm.next().unwrap().id);
    let without_vm = dataset
        .agents()
        .find(|asset| asset.agent_info.is_some() && !asset.has_module(MODULE_VM))
        .unwrap()
        .id;
    let untagged = dataset
        .assets
        .iter()
        .find(|asset| !asset.has_cloud_agent_tag())
        .unwrap()
        .id;
    let asked = vec![
        untagged, first_vm, UNKNOWN_ID, without_vm, first_vm, second_vm, untagged,
    ];

    let launch = harness
        .connector
        .launch_scan(
            &conn(&accounts::MANAGER),
            &scan_request(asked, Some(ScanType::Vulnerability)),
        )
        .await
        .unwrap();

    assert_eq!(launch.launched, [first_vm, second_vm]);
    assert_eq!(launch.not_launched, [untagged, UNKNOWN_ID, without_vm]);
    assert_eq!(
        ids_sent(&requests_to(&harness.sim, SCAN_PATH)[0]),
        [untagged, first_vm, UNKNOWN_ID, without_vm, second_vm],
        "duplicates dropped, order kept"
    );
    let scans = harness.sim.launched_scans();
    let mut scanned = scanned_ids(&scans);
    scanned.sort_unstable();
    let mut expected = vec![first_vm, second_vm];
    expected.sort_unstable();
    assert_eq!(scanned, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_written_as_child_elements_are_read_too() {
    let harness = Harness::start().await;
    harness.sim.set_scan_ids_shape(ScanIdsShape::Elements);
    let ids = every_id_and_an_unknown_one(&harness.sim);
    let agents = agent_ids(&harness.sim);
    let launch = harness
        .connector
        .launch_scan(&conn(&accounts::MANAGER), &scan_request(ids, None))
        .await
        .unwrap();
    assert_eq!(launch.launched, agents);
    assert!(launch.not_launched.contains(&UNKNOWN_ID));
    assert_eq!(scanned_ids(&harness.sim.launched_scans()), agents);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_that_lists_no_ids_is_accepted_unconfirmed_and_launched_once() {
    for shape in [ScanIdsShape::CountOnly, ScanIdsShape::NoData] {
        let harness = Harness::start().await;
        harness.sim.set_scan_ids_shape(shape);
        let agents = agent_ids(&harness.sim);
        let launch = harness
            .connector
            .launch_scan(
                &conn(&accounts::MANAGER),
                &scan_request(agents.clone(), None),
            )
            .await
            .unwrap_or_else(|error| panic!("{shape:?}: {error:?}"));
        assert_eq!(launch.accepted_unconfirmed, agents, "{shape:?}");
        assert!(launch.launched.is_empty() && launch.not_launched.is_empty());
        assert!(launch.failed_batch.is_none());
        assert_eq!(requests_to(&harness.sim, SCAN_PATH).len(), 1, "{shape:?}");
        assert_eq!(
            scanned_ids(&harness.sim.launched_scans()),
            agents,
            "{shape:?}"
        );
    }
}

/// A simulator with `agents` Cloud Agents and nothing else, light enough for big launches.
async fn agents_only(agents: usize) -> Harness {
    Harness::with_config(SimulatorConfig {
        agents,
        untagged_assets: 0,
        heavy_fields: false,
        ..SimulatorConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_five_hundred_ids_go_out_in_three_batches() {
    let harness = agents_only(2_500).await;
    let ids = agent_ids(&harness.sim);
    assert_eq!(ids.len(), 2_500);
    let launch = harness
        .connector
        .launch_scan(&conn(&accounts::MANAGER), &scan_request(ids.clone(), None))
        .await
        .unwrap();
    assert_eq!(launch.launched, ids);
    assert!(launch.not_launched.is_empty() && launch.failed_batch.is_none());
    let batches: Vec<Vec<u64>> = requests_to(&harness.sim, SCAN_PATH)
        .iter()
        .map(ids_sent)
        .collect();
    assert_eq!(batches, [&ids[..1000], &ids[1000..2000], &ids[2000..]]);
    assert_eq!(scanned_ids(&harness.sim.launched_scans()), ids, "each once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_in_the_second_batch_keeps_the_first_and_names_the_rest() {
    let harness = agents_only(2_500).await;
    let ids = agent_ids(&harness.sim);
    // The first launch passes untouched (a zero delay), the second gets a 503.
    harness
        .sim
        .inject(FaultRule::once(Fault::DelayBeforeHeaders(Duration::ZERO)).on_path(SCAN_PATH));
    harness
        .sim
        .inject(FaultRule::times(1, Fault::Status(503)).on_path(SCAN_PATH));

    let launch = harness
        .connector
        .launch_scan(&conn(&accounts::MANAGER), &scan_request(ids.clone(), None))
        .await
        .unwrap();

    assert_eq!(launch.launched, &ids[..1000]);
    assert!(launch.not_launched.is_empty());
    let failed = launch.failed_batch.expect("the second batch failed");
    assert_eq!(failed.asset_ids, &ids[1000..2000]);
    assert_eq!(failed.error.kind, ErrorKind::Upstream);
    assert_eq!(failed.error.http_status, Some(503));
    assert_eq!(launch.not_sent, &ids[2000..]);
    assert_eq!(
        requests_to(&harness.sim, SCAN_PATH).len(),
        2,
        "not retried, third batch not sent"
    );
    assert_eq!(scanned_ids(&harness.sim.launched_scans()), &ids[..1000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_in_the_first_batch_is_the_error() {
    let harness = agents_only(1_500).await;
    let ids = agent_ids(&harness.sim);
    harness
        .sim
        .inject(FaultRule::once(Fault::Status(503)).on_path(SCAN_PATH));
    let error = action_error(
        harness
            .connector
            .launch_scan(&conn(&accounts::MANAGER), &scan_request(ids, None))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::Upstream);
    assert_eq!(requests_to(&harness.sim, SCAN_PATH).len(), 1);
    assert!(harness.sim.launched_scans().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_ids_are_rejected_before_any_request() {
    let harness = Harness::start().await;
    let too_many: Vec<u64> = (1..=10_001).collect();
    for ids in [vec![], vec![48_213_001, 0], too_many] {
        let error = action_error(
            harness
                .connector
                .launch_scan(&conn(&accounts::MANAGER), &scan_request(ids, None))
                .await,
        );
        assert_eq!(error.kind, ErrorKind::InvalidInput);
    }
    assert!(harness.sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_may_not_launch_scans() {
    let harness = Harness::start().await;
    let id = harness.sim.dataset().agents().next().unwrap().id;
    let error = action_error(
        harness
            .connector
            .launch_scan(&conn(&accounts::READER), &scan_request(vec![id], None))
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert_eq!(error.qualys_code.as_deref(), Some("UNAUTHORIZED"));
    assert!(harness.sim.launched_scans().is_empty());
}
