//! `cargo xtask bench`: the connector measured against its floor, all in one run.
//!
//! Prints one table. The floor of a search is a native client that replays the exact requests
//! the component sent (captured by the simulator) and only reads the answers' bytes; the floor
//! of test-connection does the same for its four requests. Both open a new connection per
//! request, as the harness's `wasi:http` does. Times are medians (and p99 where stated) over
//! repeated runs, because these machines are noisy; the ratios are what to compare.
//!
//! The last rows run the search again in a runtime with the pooling allocator
//! (`Runtime::with_pooling`), alternating with the default runtime and the floor in each round
//! so that the machine's drift falls on all three alike.
//!
//! Then the served component (`qualys-connector-served.wasm`) under `wasmtime serve`, at 1, 16
//! and 64 concurrent clients, beside the same calls through this library (`served_load`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use host_harness::{AgentQuery, Connection, Connector, PoolingLimits, Runtime};
use http_body_util::{BodyExt, Full};
use qualys_simulator::{RecordedRequest, Simulator};
use tokio::net::TcpStream;
use wasmtime::component::Component;

mod search_setup;
mod served_load;
use search_setup::{AGENTS, SetupResult as BenchResult, all_agents, manager, routed};

/// Repetitions of the search and its floor.
const SEARCH_RUNS: usize = 7;
/// Warm instantiations measured.
const INSTANTIATIONS: usize = 2_000;
/// test-connection calls measured (and as many floor runs).
const CONNECTION_RUNS: usize = 200;
/// Concurrent calls the pooled runtime is sized for (the benchmark runs one at a time).
const POOLED_CALLS: u32 = 64;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let wasm = component_path();
    let mut rows = Vec::new();
    let size = std::fs::metadata(&wasm)?.len();
    rows.push(row(
        "component size",
        format!("{:.1} KB", size as f64 / 1000.0),
        "≤ 250 KB",
        size <= 250_000,
    ));

    let runtime = Runtime::new()?;
    let (compile, load, deserialize) = compile_and_load(&wasm)?;
    rows.push(row("cold compile", millis(compile), "", true));
    rows.push(row(
        "load precompiled artifact: from the disk cache",
        millis(load),
        "",
        true,
    ));
    rows.push(row(
        "load precompiled artifact: from memory",
        millis(deserialize),
        "",
        true,
    ));

    let simulator = search_setup::simulator().await?;
    let connector = routed(Connector::load_in(&runtime, &wasm)?, &simulator)?;

    let (p50, p99) = instantiation(&connector).await?;
    rows.push(row(
        "warm instantiation p50 / p99",
        format!("{} / {}", micros(p50), micros(p99)),
        "p50 ≤ 100 µs",
        p50 <= Duration::from_micros(100),
    ));

    let search = search_vs_floor(&connector, &simulator).await?;
    rows.push(row(
        "search 10 000 agents: component",
        millis(search.component),
        "",
        true,
    ));
    rows.push(row(
        "search 10 000 agents: floor",
        millis(search.floor),
        "",
        true,
    ));
    let ratio = search.component.as_secs_f64() / search.floor.as_secs_f64();
    rows.push(row(
        "search: component / floor",
        format!("{ratio:.2}×"),
        "≤ 1.25×",
        ratio <= 1.25,
    ));
    let peak = search.peak_memory as f64 / (1024.0 * 1024.0);
    rows.push(row(
        "guest peak linear memory (search)",
        format!("{peak:.1} MiB"),
        "≤ 16 MiB",
        search.peak_memory <= 16 * 1024 * 1024,
    ));

    let (call, floor) = test_connection_vs_floor(&connector, &simulator).await?;
    rows.push(row(
        "test-connection p50: component",
        millis(call),
        "",
        true,
    ));
    rows.push(row("test-connection p50: floor", millis(floor), "", true));
    let ratio = call.as_secs_f64() / floor.as_secs_f64();
    rows.push(row(
        "test-connection: component / floor",
        format!("{ratio:.2}×"),
        "",
        true,
    ));

    let pooled_runtime = Runtime::with_pooling(PoolingLimits::new(POOLED_CALLS))?;
    let pooled = routed(Connector::load_in(&pooled_runtime, &wasm)?, &simulator)?;
    let (p50, p99) = instantiation(&pooled).await?;
    rows.push(row(
        "warm instantiation p50 / p99: pooling allocator",
        format!("{} / {}", micros(p50), micros(p99)),
        "",
        true,
    ));
    let pooling = search_with_and_without_pooling(&connector, &pooled, &simulator).await?;
    rows.push(row(
        "search 10 000 agents, alternating: default / pooling allocator",
        format!("{} / {}", millis(pooling.default), millis(pooling.pooled)),
        "",
        true,
    ));
    rows.push(row(
        "search 10 000 agents, alternating: floor",
        millis(pooling.floor),
        "",
        true,
    ));
    let floor = pooling.floor.as_secs_f64();
    rows.push(row(
        "search: component / floor, default / pooling allocator",
        format!(
            "{:.2}× / {:.2}×",
            pooling.default.as_secs_f64() / floor,
            pooling.pooled.as_secs_f64() / floor
        ),
        "",
        true,
    ));

    rows.extend(served_load::rows(&connector, &simulator).await?);

    print_table(&rows);
    Ok(())
}

/// One line of the table.
struct Row {
    what: String,
    figure: String,
    target: &'static str,
    holds: bool,
}

fn row(what: impl Into<String>, figure: String, target: &'static str, holds: bool) -> Row {
    Row {
        what: what.into(),
        figure,
        target,
        holds,
    }
}

fn print_table(rows: &[Row]) {
    println!("| measure | figure | target | holds |");
    println!("|---|---|---|---|");
    for row in rows {
        let holds = match (row.target.is_empty(), row.holds) {
            (true, _) => "",
            (false, true) => "yes",
            (false, false) => "NO",
        };
        println!(
            "| {} | {} | {} | {holds} |",
            row.what, row.figure, row.target
        );
    }
}

fn component_path() -> PathBuf {
    std::env::var_os("QUALYS_CONNECTOR_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/qualys-connector.wasm"))
}

/// Median times of a cold compile on a fresh engine, of loading the component from the disk
/// cache on a fresh runtime (what a new process pays), and of deserializing an artifact held
/// in memory (wasmtime's own share of that load).
fn compile_and_load(wasm: &PathBuf) -> BenchResult<(Duration, Duration, Duration)> {
    let bytes = std::fs::read(wasm)?;
    let mut compiles = Vec::new();
    let mut artifact = Vec::new();
    for _ in 0..3 {
        let fresh = Runtime::with_cache_dir(None)?;
        let started = Instant::now();
        let component = Component::new(fresh.engine(), &bytes)?;
        compiles.push(started.elapsed());
        artifact = component.serialize()?;
    }
    // One directory for every bench, emptied first: a leftover artifact would make the first
    // load a hit. (Not removed at the end: wasmtime's cache worker may still be writing there.)
    let cache = std::env::temp_dir().join("qualys-bench-cache");
    if cache.exists() {
        std::fs::remove_dir_all(&cache)?;
    }
    Component::new(
        Runtime::with_cache_dir(Some(cache.clone()))?.engine(),
        &bytes,
    )?;
    let mut loads = Vec::new();
    for _ in 0..20 {
        let fresh = Runtime::with_cache_dir(Some(cache.clone()))?;
        let started = Instant::now();
        let component = Component::new(fresh.engine(), &bytes)?;
        loads.push(started.elapsed());
        drop(component);
        if fresh.disk_cache_use().map(|used| used.loaded) != Some(1) {
            return Err(format!("{} did not serve the component", cache.display()).into());
        }
    }
    let runtime = Runtime::with_cache_dir(None)?;
    let mut deserializes = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        // SAFETY: the artifact was serialized above by an engine of the same configuration.
        let component = unsafe { Component::deserialize(runtime.engine(), &artifact)? };
        deserializes.push(started.elapsed());
        drop(component);
    }
    Ok((
        median(&mut compiles),
        median(&mut loads),
        median(&mut deserializes),
    ))
}

/// p50 and p99 of warm instantiations.
async fn instantiation(connector: &Connector) -> BenchResult<(Duration, Duration)> {
    for _ in 0..100 {
        connector.instantiate().await?;
    }
    let mut times = Vec::with_capacity(INSTANTIATIONS);
    for _ in 0..INSTANTIATIONS {
        let started = Instant::now();
        connector.instantiate().await?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    Ok((percentile(&times, 50), percentile(&times, 99)))
}

struct SearchFigures {
    component: Duration,
    floor: Duration,
    peak_memory: usize,
}

/// The component's search of every agent against replaying its own requests natively.
async fn search_vs_floor(
    connector: &Connector,
    simulator: &Simulator,
) -> BenchResult<SearchFigures> {
    let conn = manager();
    let query = all_agents();
    // The harness reports every call's peak memory to an observer; keep the largest.
    let peak_memory = Arc::new(AtomicUsize::new(0));
    let connector = connector.clone().with_call_observer({
        let peak_memory = peak_memory.clone();
        move |stats| {
            peak_memory.fetch_max(stats.peak_memory_bytes, Ordering::Relaxed);
        }
    });
    let mut component = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..SEARCH_RUNS {
        simulator.clear_requests();
        component.push(timed_search(&connector, &conn, &query).await?);
        requests = simulator.requests();
    }
    let peak_memory = peak_memory.load(Ordering::Relaxed);
    let mut floor = Vec::new();
    for _ in 0..SEARCH_RUNS {
        let started = Instant::now();
        replay(simulator, &requests).await?;
        floor.push(started.elapsed());
    }
    Ok(SearchFigures {
        component: median(&mut component),
        floor: median(&mut floor),
        peak_memory,
    })
}

struct PoolingFigures {
    default: Duration,
    pooled: Duration,
    floor: Duration,
}

/// The search in the default runtime, in the pooled one, and the floor replaying the pooled
/// search's requests, one after the other in each round.
async fn search_with_and_without_pooling(
    connector: &Connector,
    pooled: &Connector,
    simulator: &Simulator,
) -> BenchResult<PoolingFigures> {
    let conn = manager();
    let query = all_agents();
    let (mut default, mut with_pool, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..SEARCH_RUNS {
        default.push(timed_search(connector, &conn, &query).await?);
        simulator.clear_requests();
        with_pool.push(timed_search(pooled, &conn, &query).await?);
        let requests = simulator.requests();
        let started = Instant::now();
        replay(simulator, &requests).await?;
        floor.push(started.elapsed());
    }
    Ok(PoolingFigures {
        default: median(&mut default),
        pooled: median(&mut with_pool),
        floor: median(&mut floor),
    })
}

/// The time of one search, which must return every agent.
async fn timed_search(
    connector: &Connector,
    conn: &Connection,
    query: &AgentQuery,
) -> BenchResult<Duration> {
    let started = Instant::now();
    let page = connector.search_agents(conn, query).await;
    let elapsed = started.elapsed();
    let page = page?;
    if page.agents.len() != AGENTS {
        return Err(format!("the search returned {} agents", page.agents.len()).into());
    }
    Ok(elapsed)
}

/// p50 of test-connection through the component and of replaying its requests natively.
async fn test_connection_vs_floor(
    connector: &Connector,
    simulator: &Simulator,
) -> BenchResult<(Duration, Duration)> {
    let conn = manager();
    let mut calls = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..CONNECTION_RUNS {
        simulator.clear_requests();
        let started = Instant::now();
        connector.test_connection(&conn).await?;
        calls.push(started.elapsed());
        requests = simulator.requests();
    }
    let mut floor = Vec::new();
    for _ in 0..CONNECTION_RUNS {
        let started = Instant::now();
        replay(simulator, &requests).await?;
        floor.push(started.elapsed());
    }
    Ok((median(&mut calls), median(&mut floor)))
}

/// Sends `requests` again, one connection each, reading every answer's bytes.
async fn replay(simulator: &Simulator, requests: &[RecordedRequest]) -> BenchResult<usize> {
    let mut read = 0;
    for recorded in requests {
        let stream = TcpStream::connect(simulator.addr()).await?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
        let driver = tokio::spawn(connection);
        let target = match &recorded.query {
            Some(query) => format!("{}?{query}", recorded.path),
            None => recorded.path.clone(),
        };
        let mut request = http::Request::builder()
            .method(recorded.method.as_str())
            .uri(target);
        for (name, value) in &recorded.headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(Bytes::from(recorded.body.clone())))?;
        let response = sender.send_request(request).await?;
        read += response.into_body().collect().await?.to_bytes().len();
        drop(sender);
        driver.await??;
    }
    Ok(read)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    percentile(times, 50)
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let index = (sorted.len() * percent / 100).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or_default()
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1_000_000.0)
}
