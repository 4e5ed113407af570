//! The search of `cargo xtask bench` alone, repeated, for a profiler.
//!
//! ```text
//! CARGO_PROFILE_GUEST_STRIP=debuginfo cargo xtask build    # keep the guest's function names
//! cargo build -p host-harness --example profile_search
//! QUALYS_HARNESS_PERFMAP=1 perf record -e cpu-clock -F 2000 -o search.data \
//!     target/debug/examples/profile_search target/qualys-connector.wasm 30
//! perf report -i search.data --sort comm,dso,sym
//! ```
//!
//! `QUALYS_HARNESS_PERFMAP` makes wasmtime write `/tmp/perf-<pid>.map`, so the guest's code
//! shows up under its Rust names (dso `[JIT]`). Prints each search's time and the median.

use std::time::{Duration, Instant};

use host_harness::simulator::{Simulator, SimulatorConfig, accounts};
use host_harness::{AgentQuery, Connection, Connector, OutboundPolicy, Runtime};
use qualys_connector::qualys::server::PLATFORMS;

/// Agents searched, as in the benchmark.
const AGENTS: usize = 10_000;

type ProfileResult<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ProfileResult<()> {
    let mut args = std::env::args().skip(1);
    let wasm = args
        .next()
        .unwrap_or_else(|| "target/qualys-connector.wasm".to_owned());
    let runs: usize = args.next().map_or(Ok(30), |runs| runs.parse())?;
    let simulator = Simulator::start(SimulatorConfig {
        agents: AGENTS,
        heavy_fields: true,
        ..SimulatorConfig::default()
    })
    .await?;
    let mut policy = OutboundPolicy::new();
    for (_, host) in PLATFORMS {
        policy = policy.route(&format!("{host}:443"), &simulator.origin())?;
    }
    let connector = Connector::load_in(&Runtime::new()?, &wasm)?.with_policy(policy);
    let conn = Connection {
        server: None,
        username: accounts::MANAGER.login.to_owned(),
        password: accounts::MANAGER.password.to_owned(),
        timeout_ms: Some(120_000),
    };
    let query = AgentQuery {
        last_checked_in_from: None,
        last_checked_in_to: None,
        host_name: None,
        os: None,
        limit: Some(AGENTS as u32),
        cursor: None,
    };
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let page = connector.search_agents(&conn, &query).await?;
        let elapsed = started.elapsed();
        println!("{:.2} ms, {} agents", ms(elapsed), page.agents.len());
        times.push(elapsed);
    }
    times.sort_unstable();
    if let Some(median) = times.get(times.len() / 2) {
        println!("median {:.2} ms", ms(*median));
    }
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
