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

use host_harness::{Connector, Runtime};

mod search_setup;
use search_setup::{SetupResult as ProfileResult, all_agents, manager, routed};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ProfileResult<()> {
    let mut args = std::env::args().skip(1);
    let wasm = args
        .next()
        .unwrap_or_else(|| "target/qualys-connector.wasm".to_owned());
    let runs: usize = args.next().map_or(Ok(30), |runs| runs.parse())?;
    let simulator = search_setup::simulator().await?;
    let connector = routed(Connector::load_in(&Runtime::new()?, &wasm)?, &simulator)?;
    let conn = manager();
    let query = all_agents();
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
