//! A runtime whose instances come from wasmtime's pooling allocator (`Runtime::with_pooling`).
//!
//! Each test builds its own pooled runtime and loads the built component into it: the pooled
//! calls answer as the default runtime's do, instances go back to the pool when a call ends, a
//! call beyond the pool's concurrent calls is refused before anything runs, the pool's memory
//! size is the call's memory limit, and a component that does not fit the pool's limits does
//! not load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use host_harness::{CallLimits, Connector, ConnectorError, OutboundPolicy, PoolingLimits, Runtime};
use qualys_simulator::{Fault, FaultRule, accounts};

use crate::support::{Harness, agent_query, built_by_xtask, component_path, conn, routes_to};

/// How long the simulator holds the first answer of each held call.
const HOLD: Duration = Duration::from_secs(6);

/// The built component in a new runtime pooled with `limits`, routed to `harness`'s simulator.
fn pooled(harness: &Harness, limits: PoolingLimits) -> Connector {
    let runtime = Runtime::with_pooling(limits).expect("the pool is set up");
    Connector::load_in(&runtime, component_path())
        .expect("the component fits the pool")
        .with_policy(routes_to(&harness.sim, OutboundPolicy::new()))
}

#[tokio::test]
async fn a_pooled_runtime_answers_as_the_default_one_and_reuses_its_instance() {
    let harness = Harness::start().await;
    // One instance in the pool: every call after the first reuses the slot the last one freed.
    let connector = pooled(&harness, PoolingLimits::new(1));
    let manager = conn(&accounts::MANAGER);
    let query = agent_query(None);
    let expected = harness
        .connector
        .search_agents(&manager, &query)
        .await
        .expect("the default runtime searches");
    for _ in 0..3 {
        let page = connector
            .search_agents(&manager, &query)
            .await
            .expect("the pooled runtime searches");
        assert_eq!(page, expected);
        let report = connector
            .test_connection(&manager)
            .await
            .expect("the pooled runtime tests the connection");
        assert!(
            report.capabilities.iter().all(|c| c.ok),
            "{:?}",
            report.capabilities
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_beyond_the_pools_concurrent_calls_is_refused_before_it_runs() {
    let harness = Harness::start().await;
    let connector = Arc::new(pooled(&harness, PoolingLimits::new(2)));
    // Each call's first request is held, so both calls hold their instance at once.
    harness
        .sim
        .inject(FaultRule::times(2, Fault::DelayBeforeHeaders(HOLD)));
    let held: Vec<_> = (0..2)
        .map(|_| {
            let connector = connector.clone();
            tokio::spawn(async move { connector.test_connection(&conn(&accounts::MANAGER)).await })
        })
        .collect();
    let started = Instant::now();
    while harness.sim.requests().len() < 2 {
        assert!(
            started.elapsed() < HOLD,
            "the two held calls never reached the simulator"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let asked = Instant::now();
    match connector.test_connection(&conn(&accounts::MANAGER)).await {
        Err(ConnectorError::PoolFull(message)) => assert!(
            message.contains("maximum concurrent limit of 2"),
            "{message}"
        ),
        other => panic!("expected the pool to refuse the third call, got {other:?}"),
    }
    assert_eq!(
        harness.sim.requests().len(),
        2,
        "the refused call sent nothing"
    );
    assert!(
        asked.elapsed() < HOLD / 2,
        "the refusal waited for a held call"
    );

    for call in held {
        call.await
            .expect("the task ran")
            .expect("a held call within the pool succeeds");
    }
    connector
        .test_connection(&conn(&accounts::MANAGER))
        .await
        .expect("a call after the held ones gets an instance");
}

#[tokio::test]
async fn a_pooled_call_is_held_to_the_pools_memory_size() {
    let pool_memory = 16 * 1024 * 1024;
    let runtime = Runtime::with_pooling(PoolingLimits {
        memory_bytes: pool_memory,
        ..PoolingLimits::new(1)
    })
    .expect("the pool is set up");
    // The hostile component's search grows its memory without bound.
    let hostile = Connector::load_in(
        &runtime,
        built_by_xtask("HOSTILE_GUEST_WASM", "hostile-guest.wasm"),
    )
    .expect("the hostile component fits the pool")
    .with_limits(CallLimits {
        memory_bytes: 8 * pool_memory,
        ..CallLimits::default()
    });
    match hostile
        .search_agents(&conn(&accounts::MANAGER), &agent_query(None))
        .await
    {
        Err(ConnectorError::MemoryLimit { limit_bytes }) => assert_eq!(limit_bytes, pool_memory),
        other => panic!("expected the pool's memory limit, got {other:?}"),
    }
}

#[tokio::test]
async fn a_component_that_does_not_fit_the_pool_does_not_load_and_the_error_names_the_limit() {
    let runtime = Runtime::with_pooling(PoolingLimits {
        core_instances_per_call: 2,
        ..PoolingLimits::new(1)
    })
    .expect("the pool is set up");
    match Connector::load_in(&runtime, component_path()) {
        Err(ConnectorError::Load(message)) => assert!(
            message.contains("3 core module instances")
                && message.contains("configured maximum of 2"),
            "{message}"
        ),
        Err(other) => panic!("expected a load error, got {other:?}"),
        Ok(_) => panic!("a component of 3 core instances loaded into a pool of 2"),
    }
}
