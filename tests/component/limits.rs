//! The harness's limits against a deliberately hostile component.
//!
//! `tests/hostile-guest` exports the connector world, but each export misbehaves in one way:
//! it spins on the CPU, grows its memory without bound, reaches for a host outside the
//! allow-list, blocks forever in a host call, or panics. Each test proves the harness ends that
//! guest cleanly with the right [`ConnectorError`] (or refuses its request), and that the same
//! connector, and the real component's connector in the same runtime, serve a normal call
//! right after: a stopped or trapped instance never poisons the next call.
//!
//! The hostile component is `$HOSTILE_GUEST_WASM`, else `target/hostile-guest.wasm`
//! (`cargo xtask test` builds it and sets the variable; `cargo xtask build-hostile` builds it
//! alone). Timing is never pass/fail here beyond "finished well before a generous bound", which
//! is what separates a stopped guest from a hang.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use host_harness::{
    CallLimits, Connection, Connector, ConnectorError, ErrorKind, OutboundPolicy, Verdict,
};
use qualys_simulator::accounts;

use crate::support::{
    Harness, action_error, agent_query, built_by_xtask, conn, measured, routes_to, scan_request,
};

/// The time budget of every hostile call.
const TIMEOUT_MS: u32 = 1_000;

/// The hostile connector's limits: a small memory, a short grace.
const LIMITS: CallLimits = CallLimits {
    memory_bytes: 32 * 1024 * 1024,
    grace: Duration::from_millis(500),
};

/// A call still running this long after its deadline has hung.
const HANG_MARGIN: Duration = Duration::from_secs(5);

/// The username that makes the hostile `test-connection` answer at once (the fixture's
/// `CALM_USERNAME`).
const CALM_USERNAME: &str = "calm";

/// The host the hostile `activate-user` tries to reach.
const EVIL_HOST: &str = "evil.example.com";

/// The hostile component: `$HOSTILE_GUEST_WASM`, else `target/hostile-guest.wasm`.
fn hostile_guest_path() -> PathBuf {
    built_by_xtask("HOSTILE_GUEST_WASM", "hostile-guest.wasm")
}

/// The deadline the harness gives a hostile call: its budget plus the grace.
fn deadline() -> Duration {
    Duration::from_millis(TIMEOUT_MS.into()) + LIMITS.grace
}

/// A simulator, the real component routed to it, and the hostile component beside it.
struct Arena {
    harness: Harness,
    hostile: Connector,
}

impl Arena {
    async fn start() -> Self {
        let harness = Harness::start().await;
        let hostile = Connector::load(hostile_guest_path())
            .expect("the hostile component loads")
            .with_policy(routes_to(&harness.sim, OutboundPolicy::new()))
            .with_limits(LIMITS);
        Self { harness, hostile }
    }

    /// A connection of the manager account with the short hostile budget.
    fn conn(&self) -> Connection {
        Connection {
            timeout_ms: Some(TIMEOUT_MS),
            ..conn(&accounts::MANAGER)
        }
    }

    /// The hostile connector answers a calm call, and the real connector a full
    /// `test-connection` against the simulator.
    async fn assert_both_still_serve(&self) {
        let calm = Connection {
            username: CALM_USERNAME.to_owned(),
            ..self.conn()
        };
        let report = self
            .hostile
            .test_connection(&calm)
            .await
            .expect("the hostile connector serves a calm call after a hostile one");
        assert_eq!(report.api_server, "https://calm.invalid");
        let report = self
            .harness
            .connector
            .test_connection(&conn(&accounts::MANAGER))
            .await
            .expect("the real connector serves a call after a hostile one");
        assert!(
            report.capabilities.iter().all(|c| c.ok),
            "{:?}",
            report.capabilities
        );
    }
}

/// Runs `call`, failing the test (instead of hanging) if it is still running [`HANG_MARGIN`]
/// past `deadline`.
async fn before_hang<T>(deadline: Duration, call: impl Future<Output = T>) -> T {
    let bound = deadline + HANG_MARGIN;
    tokio::time::timeout(bound, call)
        .await
        .unwrap_or_else(|_| panic!("still running {bound:?} after the call began: the guest hung"))
}

/// Checks that the harness stopped the call at the hostile deadline.
fn assert_deadline_exceeded<T: std::fmt::Debug>(result: Result<T, ConnectorError>) {
    match result {
        Err(ConnectorError::DeadlineExceeded { seconds }) => {
            assert!(
                (seconds - deadline().as_secs_f64()).abs() < 1e-9,
                "reported deadline {seconds} s"
            );
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
}

#[tokio::test]
async fn a_guest_spinning_on_the_cpu_is_stopped_at_its_deadline() {
    let arena = Arena::start().await;
    let result = before_hang(deadline(), arena.hostile.test_connection(&arena.conn())).await;
    assert_deadline_exceeded(result);
    assert!(arena.hostile.outbound_log().records().is_empty());
    arena.assert_both_still_serve().await;
}

#[tokio::test]
async fn a_guest_growing_its_memory_without_bound_is_stopped_at_the_memory_limit() {
    let arena = Arena::start().await;
    let (hostile, measured) = measured(&arena.hostile);
    let result = before_hang(
        deadline(),
        hostile.search_agents(&arena.conn(), &agent_query(None)),
    )
    .await;
    let stats = measured.last();
    match result {
        Err(ConnectorError::MemoryLimit { limit_bytes }) => {
            assert_eq!(limit_bytes, LIMITS.memory_bytes);
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
    assert!(
        stats.peak_memory_bytes <= LIMITS.memory_bytes,
        "the guest was let past the limit: {} bytes",
        stats.peak_memory_bytes
    );
    assert!(
        stats.peak_memory_bytes > LIMITS.memory_bytes / 2,
        "the guest never came near the limit: {} bytes",
        stats.peak_memory_bytes
    );
    arena.assert_both_still_serve().await;
}

#[tokio::test]
async fn a_request_to_a_host_outside_the_allow_list_is_refused_and_never_sent() {
    let arena = Arena::start().await;
    let error = action_error(
        before_hang(
            deadline(),
            arena.hostile.activate_user(&arena.conn(), "anyone"),
        )
        .await,
    );
    assert_eq!(error.kind, ErrorKind::Transport);
    assert!(
        error.message.contains("not reached") && error.message.contains("HttpRequestDenied"),
        "the guest should have seen wasi:http's HTTP-request-denied: {}",
        error.message
    );
    let records = arena.hostile.outbound_log().records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].verdict, Verdict::Refused);
    assert!(records[0].url.contains(EVIL_HOST), "{}", records[0].url);
    assert!(
        arena.harness.sim.requests().is_empty(),
        "nothing reaches the simulator"
    );
    arena.assert_both_still_serve().await;
}

#[tokio::test]
async fn a_guest_blocked_forever_in_a_host_call_is_stopped_at_its_deadline() {
    let arena = Arena::start().await;
    let request = scan_request(vec![1], None);
    let result = before_hang(
        deadline(),
        arena.hostile.launch_scan(&arena.conn(), &request),
    )
    .await;
    assert_deadline_exceeded(result);
    arena.assert_both_still_serve().await;
}

#[tokio::test]
async fn a_panicking_guest_is_reported_as_a_trap() {
    let arena = Arena::start().await;
    // describe takes no connection: its deadline is the default budget plus the grace.
    let bound = host_harness::connector::DEFAULT_TIMEOUT + LIMITS.grace;
    match before_hang(bound, arena.hostile.describe()).await {
        Err(ConnectorError::Trap(message)) => assert!(message.contains("unreachable"), "{message}"),
        other => panic!("expected a trap, got {other:?}"),
    }
    arena.assert_both_still_serve().await;
}

#[tokio::test]
async fn every_misbehaviour_in_turn_leaves_the_connector_serving() {
    let arena = Arena::start().await;
    let conn = arena.conn();
    let request = scan_request(vec![1], None);
    for round in 0..2 {
        assert_deadline_exceeded(arena.hostile.test_connection(&conn).await);
        assert!(matches!(
            arena.hostile.search_agents(&conn, &agent_query(None)).await,
            Err(ConnectorError::MemoryLimit { .. })
        ));
        let error = action_error(arena.hostile.activate_user(&conn, "anyone").await);
        assert_eq!(error.kind, ErrorKind::Transport, "round {round}");
        assert_deadline_exceeded(arena.hostile.launch_scan(&conn, &request).await);
        assert!(matches!(
            arena.hostile.describe().await,
            Err(ConnectorError::Trap(_))
        ));
        arena.assert_both_still_serve().await;
    }
    let refused = arena
        .hostile
        .outbound_log()
        .records()
        .into_iter()
        .filter(|record| record.verdict == Verdict::Refused)
        .count();
    assert_eq!(refused, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_calls_do_not_disturb_real_calls_running_beside_them() {
    let arena = std::sync::Arc::new(Arena::start().await);
    let spinning = tokio::spawn({
        let arena = arena.clone();
        async move { arena.hostile.test_connection(&arena.conn()).await }
    });
    let blocked = tokio::spawn({
        let arena = arena.clone();
        let request = scan_request(vec![1], None);
        async move { arena.hostile.launch_scan(&arena.conn(), &request).await }
    });
    for _ in 0..3 {
        let report = arena
            .harness
            .connector
            .test_connection(&conn(&accounts::MANAGER))
            .await
            .expect("a real call beside hostile ones succeeds");
        assert!(report.capabilities.iter().all(|c| c.ok));
    }
    let bound = deadline() + HANG_MARGIN;
    let spinning = tokio::time::timeout(bound, spinning)
        .await
        .expect("the spinning guest was stopped")
        .expect("the task ran");
    let blocked = tokio::time::timeout(bound, blocked)
        .await
        .expect("the blocked guest was stopped")
        .expect("the task ran");
    assert_deadline_exceeded(spinning);
    assert_deadline_exceeded(blocked);
}

#[tokio::test]
async fn a_spinning_guest_does_not_starve_other_calls_on_the_same_thread() {
    // A current-thread runtime: the spinning guest, the real call and the simulator all share
    // one thread, so the real call finishes first only if the spinning guest yields it.
    let arena = Arena::start().await;
    let spinner = Connection {
        timeout_ms: Some(3 * TIMEOUT_MS),
        ..arena.conn()
    };
    let spinning = async {
        let result = arena.hostile.test_connection(&spinner).await;
        (result, Instant::now())
    };
    let real = async {
        let result = arena
            .harness
            .connector
            .test_connection(&conn(&accounts::MANAGER))
            .await;
        (result, Instant::now())
    };
    let ((spun, spin_ended), (served, real_ended)) = tokio::join!(spinning, real);
    assert!(
        matches!(spun, Err(ConnectorError::DeadlineExceeded { .. })),
        "{spun:?}"
    );
    served.expect("the real call beside a spinning guest succeeds");
    assert!(
        real_ended < spin_ended,
        "the real call had to wait until the spinning guest was stopped"
    );
}
