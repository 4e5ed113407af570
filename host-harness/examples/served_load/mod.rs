//! The served component under load: `wasmtime serve` running `qualys-connector-served.wasm`
//! against the same simulator as the rest of the benchmark, next to the same calls through
//! the host library in this process.
//!
//! Each client is a task with one keep-alive HTTP/1.1 connection (in process: a task calling
//! the `Connector`); the clients share a count of requests and each sends its next one as soon
//! as its previous answer is read. Latency is per request, from sending to the last byte.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use host_harness::{AgentQuery, Connection, Connector};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use qualys_simulator::Simulator;
use serde_json::json;
use tokio::net::TcpStream;

use crate::search_setup::{SetupResult as BenchResult, all_agents, manager};
use crate::{Row, millis, row};

/// The served rows of the table: each action at each client count over `wasmtime serve` and
/// in process, the run that must lose nothing, and the engine's peak memory.
pub async fn rows(connector: &Connector, simulator: &Simulator) -> BenchResult<Vec<Row>> {
    let served = tokio::task::block_in_place(|| Served::start(simulator))?;
    let login = manager();
    let server = simulator.origin();
    let mut rows = Vec::new();
    for action in [Action::TestConnection, Action::Search] {
        // One call each way first: compilation caches and connections warm.
        served.load(action, 1, 1, &login, &server).await?;
        in_process(connector, action, 1, 1, &login).await?;
        for clients in CLIENTS {
            let requests = action.requests(clients);
            let over_http = served
                .load(action, clients, requests, &login, &server)
                .await?;
            let direct = in_process(connector, action, clients, requests, &login).await?;
            let name = action.name();
            rows.push(row(
                format!(
                    "{name}, {clients} concurrent, {requests} requests: served (wasmtime serve)"
                ),
                over_http.figure(),
                "",
                true,
            ));
            rows.push(row(
                format!("{name}, {clients} concurrent, {requests} requests: in process"),
                direct.figure(),
                "",
                true,
            ));
        }
    }
    let soak = soak(&served, &login, &server).await?;
    rows.push(row(
        format!("served: {SOAK_REQUESTS} test-connections at {SOAK_CLIENTS} clients"),
        format!(
            "{} answered 200 of {} sent ({})",
            soak.ok,
            soak.sent,
            soak.figure()
        ),
        "none failed or lost",
        soak.ok == soak.sent,
    ));
    let peak = served.peak_memory()? as f64 / (1024.0 * 1024.0);
    rows.push(row(
        "wasmtime serve: peak resident memory over these runs",
        format!("{peak:.1} MiB"),
        "",
        true,
    ));
    Ok(rows)
}

/// Concurrent clients of each run.
pub const CLIENTS: [usize; 3] = [1, 16, 64];
/// Agents one search returns.
const SEARCH_LIMIT: u32 = 1_000;
/// The key each agent of a served page has once.
const ASSET_ID_KEY: &[u8] = br#""asset_id":"#;
/// Requests of the run that must lose nothing.
const SOAK_REQUESTS: usize = 1_000;
/// Clients of that run.
const SOAK_CLIENTS: usize = 64;

/// One action under load.
#[derive(Clone, Copy)]
pub enum Action {
    /// `test-connection`.
    TestConnection,
    /// `search-agents` with a limit of 1,000.
    Search,
}

impl Action {
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Action::TestConnection => "test-connection",
            Action::Search => "search 1 000 agents",
        }
    }

    /// Requests per run at `clients` clients.
    pub fn requests(self, clients: usize) -> usize {
        let per_client = match self {
            Action::TestConnection => 20,
            Action::Search => 4,
        };
        (clients * per_client).max(100)
    }

    /// Whether a 200 body is the whole result: a report, or a page of all 1,000 agents (what
    /// the in-process run checks too). Counted, not parsed, so the check costs the client well
    /// under a millisecond of the time between two requests.
    fn answered_in_full(self, body: &[u8]) -> bool {
        match self {
            Action::TestConnection => body.starts_with(br#"{"api_server":"#),
            Action::Search => {
                let agents = body
                    .windows(ASSET_ID_KEY.len())
                    .filter(|window| *window == ASSET_ID_KEY)
                    .count();
                agents == SEARCH_LIMIT as usize
            }
        }
    }

    fn path(self) -> &'static str {
        match self {
            Action::TestConnection => "/v1/test-connection",
            Action::Search => "/v1/search-agents",
        }
    }

    fn body(self, server: &str) -> String {
        match self {
            Action::TestConnection => json!({ "server": server }),
            Action::Search => json!({ "server": server, "query": { "limit": SEARCH_LIMIT } }),
        }
        .to_string()
    }
}

/// Figures of one run.
pub struct Load {
    /// Requests answered per second, over the whole run.
    pub per_second: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Requests sent.
    pub sent: usize,
    /// Requests answered 200 with the whole body.
    pub ok: usize,
}

impl Load {
    /// `N req/s, p50 … / p99 …`, and how many failed when any did.
    fn figure(&self) -> String {
        let failed = match self.sent - self.ok {
            0 => String::new(),
            failed => format!(", {failed} FAILED"),
        };
        format!(
            "{:.0} req/s, p50 {} / p99 {}{failed}",
            self.per_second,
            millis(self.p50),
            millis(self.p99)
        )
    }

    fn of(mut latencies: Vec<Duration>, sent: usize, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        let at = |fraction: f64| {
            let index = ((latencies.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
            latencies.get(index).copied().unwrap_or_default()
        };
        Load {
            per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
            p50: at(0.50),
            p99: at(0.99),
            sent,
            ok: latencies.len(),
        }
    }
}

/// `wasmtime serve` running the served component, allowed to reach the simulator; killed when
/// dropped.
pub struct Served {
    child: Child,
    port: u16,
}

impl Served {
    /// Starts the engine and waits until it listens.
    pub fn start(simulator: &Simulator) -> BenchResult<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(wasmtime_cli())
            .args(["serve", "-S", "config", "-S"])
            .arg(format!("config-var=allowed_origins={}", simulator.origin()))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg(served_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let served = Served { child, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                return Err("wasmtime serve did not listen within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(served)
    }

    /// The engine's peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_memory(&self) -> BenchResult<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .ok_or("no VmHWM in /proc/<pid>/status")?;
        Ok(kib * 1024)
    }

    /// `requests` of `action` sent by `clients` clients; the server named is `server`.
    pub async fn load(
        &self,
        action: Action,
        clients: usize,
        requests: usize,
        login: &Connection,
        server: &str,
    ) -> BenchResult<Load> {
        let next = Arc::new(AtomicUsize::new(0));
        let authorization = basic(login);
        let body = Bytes::from(action.body(server));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let next = next.clone();
            let authorization = authorization.clone();
            let body = body.clone();
            let port = self.port;
            tasks.push(tokio::spawn(async move {
                client(port, action, next, requests, authorization, body).await
            }));
        }
        let mut latencies = Vec::with_capacity(requests);
        for task in tasks {
            let answered = task.await?.map_err(|error| error.to_string())?;
            latencies.extend(answered);
        }
        Ok(Load::of(latencies, requests, started.elapsed()))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client: one connection, requests until `requests` have been taken; the latencies of
/// those answered 200 with their whole body.
async fn client(
    port: u16,
    action: Action,
    next: Arc<AtomicUsize>,
    requests: usize,
    authorization: String,
    body: Bytes,
) -> Result<Vec<Duration>, Box<dyn std::error::Error + Send + Sync>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut latencies = Vec::new();
    while next.fetch_add(1, Ordering::Relaxed) < requests {
        let request = hyper::Request::post(action.path())
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("authorization", &authorization)
            .body(Full::new(body.clone()))?;
        let sent = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let latency = sent.elapsed();
        if status == 200 && action.answered_in_full(&bytes) {
            latencies.push(latency);
        }
    }
    Ok(latencies)
}

/// The same calls through the host library, `clients` at a time.
pub async fn in_process(
    connector: &Connector,
    action: Action,
    clients: usize,
    requests: usize,
    login: &Connection,
) -> BenchResult<Load> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (connector, next, login) = (connector.clone(), next.clone(), login.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let sent = Instant::now();
                let ok = match action {
                    Action::TestConnection => connector.test_connection(&login).await.is_ok(),
                    Action::Search => connector
                        .search_agents(&login, &query())
                        .await
                        .is_ok_and(|page| page.agents.len() == SEARCH_LIMIT as usize),
                };
                if ok {
                    latencies.push(sent.elapsed());
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for task in tasks {
        latencies.extend(task.await?);
    }
    Ok(Load::of(latencies, requests, started.elapsed()))
}

/// [`SOAK_REQUESTS`] test-connections at [`SOAK_CLIENTS`] clients: none may fail or be lost.
pub async fn soak(served: &Served, login: &Connection, server: &str) -> BenchResult<Load> {
    served
        .load(
            Action::TestConnection,
            SOAK_CLIENTS,
            SOAK_REQUESTS,
            login,
            server,
        )
        .await
}

fn query() -> AgentQuery {
    AgentQuery {
        limit: Some(SEARCH_LIMIT),
        ..all_agents()
    }
}

fn basic(login: &Connection) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", login.username, login.password));
    format!("Basic {token}")
}

fn wasmtime_cli() -> PathBuf {
    std::env::var_os("QUALYS_WASMTIME_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/tools/bin/wasmtime"))
}

fn served_path() -> PathBuf {
    std::env::var_os("QUALYS_SERVED_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("target").join("qualys-connector-served.wasm"))
}
