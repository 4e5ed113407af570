//! The served component (`qualys-connector-served.wasm`, the connector composed behind the HTTP
//! gateway) run by engines we did not write, `wasmtime serve` and `jco serve`, against the
//! simulator: every action, every error status, the body cap, the open-proxy refusal, and a
//! password that never comes back. Every test runs once per engine (the `engine_tests!`
//! modules at the end); each starts its own engine process and simulator.
//!
//! The engines come from `cargo xtask tools` (`QUALYS_WASMTIME_CLI`, `QUALYS_NODE`,
//! `QUALYS_JCO`); a missing one fails the test, it is never skipped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::{Body, Frame};
use hyper_util::rt::TokioIo;
use qualys_simulator::{
    Fault, FaultRule, Simulator, SimulatorConfig, UserStatus, accounts, scenario,
};
use serde_json::{Value, json};

use crate::support::{RUN_XTASK_TOOLS, built_by_xtask, tool, workspace_root};

/// The engine's ports: from here, `PORTS` of them, all below the ephemeral range.
const FIRST_PORT: u16 = 20_000;
const PORTS: u32 = 12_000;
/// Engines started before one keeps its port.
const START_ATTEMPTS: usize = 3;

/// How long an engine may take to listen (jco transpiles the component first).
const START_DEADLINE: Duration = Duration::from_secs(180);

/// The gateway's body cap, in bytes (`qualys_gateway::request::BODY_CAP`).
const BODY_CAP: usize = qualys_gateway::request::BODY_CAP;

/// An engine of the `wasi:http/proxy` world.
#[derive(Debug, Clone, Copy)]
pub enum Engine {
    /// `wasmtime serve` (the wasmtime CLI 48.x).
    WasmtimeServe,
    /// `jco serve` (Node.js).
    JcoServe,
}

/// Which served component an engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// `qualys-connector-served.wasm`: the operator's allow-list from `wasi:config`.
    Configurable,
    /// `qualys-connector-served-strict.wasm`: `wasi:http/proxy` alone, Qualys platforms only.
    Strict,
}

impl Build {
    fn path(self) -> PathBuf {
        match self {
            Build::Configurable => {
                built_by_xtask("QUALYS_SERVED_WASM", "qualys-connector-served.wasm")
            }
            Build::Strict => built_by_xtask(
                "QUALYS_SERVED_STRICT_WASM",
                "qualys-connector-served-strict.wasm",
            ),
        }
    }
}

/// A served component running in an engine's process, killed (with its process group) when
/// dropped. The engine's output goes to a log file the tests read.
pub struct Service {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Service {
    /// `build` served by `engine` on a free loopback port, the operator allowing
    /// `allowed_origins` (comma-separated origins; empty: the Qualys platforms only).
    pub fn start(engine: Engine, build: Build, allowed_origins: &str) -> Service {
        for _ in 0..START_ATTEMPTS {
            if let Some(service) = Self::start_on(engine, build, allowed_origins, free_port()) {
                return service;
            }
        }
        panic!("the engine lost its port to another process {START_ATTEMPTS} times");
    }

    /// The engine on `port`; `None` when it exited because the port was taken first.
    fn start_on(engine: Engine, build: Build, allowed_origins: &str, port: u16) -> Option<Service> {
        let log = std::env::temp_dir().join(format!(
            "qualys-served-{engine:?}-{}-{port}.log",
            std::process::id()
        ));
        let output = File::create(&log).expect("the log file is writable");
        let mut command = engine_command(engine, build, allowed_origins, port);
        command
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("the log file is shareable"))
            .stderr(output)
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("{command:?} does not start: {error}"));
        let mut service = Service {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        service.wait_until_listening().then_some(service)
    }

    /// Waits until the engine says it listens on its port and the port accepts: a port that
    /// accepts before the engine says so belongs to someone else. False when the engine
    /// exited because the port was in use.
    fn wait_until_listening(&mut self) -> bool {
        let announced = format!("127.0.0.1:{}", self.addr.port());
        let started = Instant::now();
        while started.elapsed() < START_DEADLINE {
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = self.output();
                if output.contains("in use") || output.contains("EADDRINUSE") {
                    return false;
                }
                panic!("the engine exited ({status}) before listening:\n{output}");
            }
            if self.output().contains(&announced)
                && TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the engine did not listen on {} within {START_DEADLINE:?}:\n{}",
            self.addr,
            self.output()
        );
    }

    /// What the engine printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `request` on a new connection and reads the whole answer.
    pub async fn send<B>(&self, request: Request<B>) -> Answer
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("the engine accepts connections");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1.1 handshake");
        tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .unwrap_or_else(|error| panic!("the engine answers: {error}\n{}", self.output()));
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .expect("the whole body arrives")
            .to_bytes()
            .to_vec();
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// `POST /v1/<action>` with `body`, logged in as `login` (none: no `Authorization`).
    pub async fn post(&self, action: &str, login: Option<(&str, &str)>, body: &Value) -> Answer {
        let request = post_request(action, login, "application/json", body.to_string().into());
        self.send(request).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        let request = Request::get(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        self.send(request).await
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // The engine may have started processes of its own: end the whole group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The command line that serves `build` with `engine` on `port`.
fn engine_command(engine: Engine, build: Build, allowed_origins: &str, port: u16) -> Command {
    match engine {
        Engine::WasmtimeServe => {
            let mut command = Command::new(tool(
                "QUALYS_WASMTIME_CLI",
                "the wasmtime CLI 48.x",
                RUN_XTASK_TOOLS,
            ));
            command.arg("serve");
            if build == Build::Configurable {
                command.args(["-S", "config"]);
                if !allowed_origins.is_empty() {
                    command.args([
                        "-S",
                        &format!("config-var=allowed_origins={allowed_origins}"),
                    ]);
                }
            }
            command
                .args(["--addr", &format!("127.0.0.1:{port}")])
                .arg(build.path());
            command
        }
        Engine::JcoServe => {
            let mut command =
                Command::new(tool("QUALYS_NODE", "Node.js 20 or later", RUN_XTASK_TOOLS));
            command
                .arg(tool(
                    "QUALYS_JCO",
                    "jco (hosts/node/node_modules)",
                    RUN_XTASK_TOOLS,
                ))
                .arg("serve")
                .arg(build.path())
                .args(["--host", "127.0.0.1", "--port", &port.to_string()]);
            if build == Build::Configurable {
                let config = workspace_root().join("hosts/node/wasi-config.mjs");
                command
                    .arg("--jco-map")
                    .arg(format!("wasi:config/store@0.2.0-rc.1={}", config.display()))
                    .env("QUALYS_ALLOWED_ORIGINS", allowed_origins);
            }
            command
        }
    }
}

/// A loopback port nothing listens on now, below the kernel's ephemeral ports (32768 and up
/// on Linux), so that no socket bound to port 0 (the simulators of the tests running beside)
/// is given it while the engine starts.
fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id().wrapping_mul(7_919);
    for _ in 0..PORTS {
        let offset = seed.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % PORTS;
        let port = FIRST_PORT + u16::try_from(offset).expect("PORTS fits a port number");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port from {FIRST_PORT}");
}

/// `POST /v1/<action>` with a body of `content_type`.
pub(crate) fn post_request(
    action: &str,
    login: Option<(&str, &str)>,
    content_type: &str,
    body: Bytes,
) -> Request<Full<Bytes>> {
    let mut builder = Request::post(format!("/v1/{action}"))
        .header("host", "localhost")
        .header("content-type", content_type);
    if let Some((username, password)) = login {
        builder = builder.header("authorization", basic(username, password));
    }
    builder.body(Full::new(body)).expect("a valid request")
}

/// A body of `left` spaces sent in 64 KiB chunks without a length: HTTP/1.1 sends it
/// chunked, so only the bytes themselves can show it is over the cap.
struct UnsizedSpaces {
    left: usize,
}

impl Body for UnsizedSpaces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let chunk = self.left.min(64 * 1024);
        if chunk == 0 {
            return std::task::Poll::Ready(None);
        }
        self.left -= chunk;
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; chunk])))))
    }
}

/// `Basic base64(username:password)`.
fn basic(username: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {token}")
}

/// A whole answer.
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: hyper::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; fails the test when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The error kind of an error answer.
    fn kind(&self) -> String {
        self.json()["error"]["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("no error kind: {}", String::from_utf8_lossy(&self.body)))
            .to_owned()
    }

    /// Every header and the body, as text: what a secret must never be in.
    fn everything(&self) -> String {
        let headers: String = self
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())))
            .collect();
        format!("{headers}\n{}", String::from_utf8_lossy(&self.body))
    }
}

/// The Manager's login.
pub(crate) fn manager() -> Option<(&'static str, &'static str)> {
    Some((accounts::MANAGER.login, accounts::MANAGER.password))
}

/// A body naming the simulator as the server, with `fields` besides.
pub(crate) fn on(sim: &Simulator, fields: Value) -> Value {
    let mut body = json!({ "server": sim.origin(), "timeout_ms": 20_000 });
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    body
}

/// A simulator and a served component allowed to reach it.
pub(crate) async fn served(engine: Engine) -> (Simulator, Service) {
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .expect("simulator starts");
    let service =
        tokio::task::block_in_place(|| Service::start(engine, Build::Configurable, &sim.origin()));
    (sim, service)
}

fn status_of(sim: &Simulator, login: &str) -> UserStatus {
    sim.user(login).expect("the user exists").status
}

async fn every_action_answers_with_the_connectors_result(engine: Engine) {
    let (sim, service) = served(engine).await;

    let report = service
        .post("test-connection", manager(), &on(&sim, json!({})))
        .await;
    assert_eq!(report.status, 200, "{}", report.json());
    assert_eq!(report.header("content-type"), Some("application/json"));
    let report = report.json();
    assert_eq!(report["api_server"], sim.origin());
    assert_eq!(report["capabilities"].as_array().map(Vec::len), Some(4));

    let login = scenario::ACTIVE_SCANNER;
    let body = on(&sim, json!({ "login": login }));
    let deactivated = service.post("deactivate-user", manager(), &body).await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.json());
    assert_eq!(deactivated.json()["changed"], true);
    assert_eq!(deactivated.json()["previous_status"], "Active");
    assert_eq!(status_of(&sim, login), UserStatus::Inactive);

    let activated = service.post("activate-user", manager(), &body).await;
    assert_eq!(
        (activated.status, activated.json()["changed"].clone()),
        (200, json!(true))
    );
    assert_eq!(status_of(&sim, login), UserStatus::Active);

    let batch = on(&sim, json!({ "logins": [login, "acme_nobody"] }));
    let results = service.post("deactivate-users", manager(), &batch).await;
    assert_eq!(results.status, 200, "{}", results.json());
    let results = results.json();
    assert_eq!(results[0]["login"], login);
    assert_eq!(results[0]["ok"]["changed"], true);
    assert_eq!(results[1]["login"], "acme_nobody");
    assert_eq!(results[1]["error"]["kind"], "not-found");
    assert_eq!(status_of(&sim, login), UserStatus::Inactive);
    let results = service
        .post("activate-users", manager(), &batch)
        .await
        .json();
    assert_eq!(results[0]["ok"]["changed"], true);
    assert_eq!(status_of(&sim, login), UserStatus::Active);

    let mut agent_ids: Vec<u64> = sim.dataset().agents().map(|asset| asset.id).collect();
    agent_ids.sort_unstable();
    let query = on(&sim, json!({ "query": { "limit": 5 } }));
    let page = service.post("search-agents", manager(), &query).await;
    assert_eq!(page.status, 200, "{}", page.json());
    let page = page.json();
    let found: Vec<u64> = page["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|agent| agent["asset_id"].as_u64())
        .collect();
    assert_eq!(found, agent_ids[..5]);
    assert!(page["next_cursor"].is_string());

    let request = on(
        &sim,
        json!({ "request": {
        "asset_ids": &agent_ids[..2], "scan_type": "inventory", "override_cpu_throttle": false } }),
    );
    let launch = service.post("launch-scan", manager(), &request).await;
    assert_eq!(launch.status, 200, "{}", launch.json());
    assert_eq!(launch.json()["launched"], json!(agent_ids[..2]));
    assert_eq!(sim.launched_scans().len(), 2);

    let manifest = service.get("/v1/describe").await;
    assert_eq!(manifest.status, 200);
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("src/actions/describe.json"))
            .expect("the manifest is readable"),
    )
    .expect("the manifest is JSON");
    assert_eq!(manifest.json(), written);
    let openapi = service.get("/openapi.json").await;
    assert_eq!(openapi.status, 200);
    assert_eq!(openapi.body, qualys_gateway::OPENAPI_JSON.as_bytes());
}

/// `(action, login, body)` of a request, the status and the error kind it must get.
struct ErrorCase {
    action: &'static str,
    login: Option<(&'static str, &'static str)>,
    fields: Value,
    status: u16,
    kind: &'static str,
}

async fn every_error_kind_has_its_status(engine: Engine) {
    let (sim, service) = served(engine).await;
    let reader = Some((accounts::READER.login, accounts::READER.password));
    let cases = [
        ErrorCase {
            action: "activate-user",
            login: manager(),
            fields: json!({ "login": "no spaces" }),
            status: 400,
            kind: "invalid-input",
        },
        ErrorCase {
            action: "activate-user",
            login: manager(),
            fields: json!({ "login": "a", "extra": 1 }),
            status: 400,
            kind: "invalid-input",
        },
        ErrorCase {
            action: "test-connection",
            login: None,
            fields: json!({}),
            status: 401,
            kind: "auth-failed",
        },
        ErrorCase {
            action: "test-connection",
            login: Some((accounts::MANAGER.login, "Wrong-1")),
            fields: json!({}),
            status: 401,
            kind: "auth-failed",
        },
        ErrorCase {
            action: "activate-user",
            login: reader,
            fields: json!({ "login": scenario::INACTIVE_READER }),
            status: 403,
            kind: "permission-denied",
        },
        ErrorCase {
            action: "activate-user",
            login: manager(),
            fields: json!({ "login": "acme_nobody" }),
            status: 404,
            kind: "not-found",
        },
        ErrorCase {
            action: "activate-user",
            login: manager(),
            fields: json!({ "login": scenario::PENDING_READER }),
            status: 409,
            kind: "conflict",
        },
    ];
    for case in cases {
        let answer = service
            .post(case.action, case.login, &on(&sim, case.fields.clone()))
            .await;
        assert_eq!(
            (answer.status, answer.kind()),
            (case.status, case.kind.to_owned()),
            "{}: {}",
            case.action,
            case.fields
        );
    }
    assert_eq!(
        status_of(&sim, scenario::PENDING_READER),
        UserStatus::PendingActivation
    );

    let unauthenticated = service
        .post("test-connection", None, &on(&sim, json!({})))
        .await;
    assert!(
        unauthenticated
            .header("www-authenticate")
            .is_some_and(|value| value.starts_with("Basic"))
    );

    sim.inject(FaultRule::once(Fault::RateLimited {
        code: 1965,
        wait_secs: Some(120),
    }));
    let limited = service
        .post(
            "test-connection",
            manager(),
            &on(&sim, json!({ "timeout_ms": 5_000 })),
        )
        .await;
    assert_eq!(
        (limited.status, limited.kind().as_str()),
        (429, "rate-limited"),
        "{}",
        limited.json()
    );
    assert_eq!(limited.header("retry-after"), Some("120"));
    assert_eq!(limited.json()["error"]["qualys_code"], "1965");

    sim.inject(FaultRule::times(10, Fault::MalformedXml));
    let unreadable = service
        .post("test-connection", manager(), &on(&sim, json!({})))
        .await;
    assert_eq!(
        (unreadable.status, unreadable.kind().as_str()),
        (502, "bad-response"),
        "{}",
        unreadable.json()
    );
    sim.clear_faults();

    sim.inject(FaultRule::once(Fault::DelayBeforeHeaders(
        Duration::from_secs(10),
    )));
    let slow = service
        .post(
            "test-connection",
            manager(),
            &on(&sim, json!({ "timeout_ms": 1_000 })),
        )
        .await;
    assert_eq!(
        (slow.status, slow.kind().as_str()),
        (504, "timeout"),
        "{}",
        slow.json()
    );
    sim.clear_faults();

    let unknown_path = service
        .post("drop-tables", manager(), &on(&sim, json!({})))
        .await;
    assert_eq!(
        (unknown_path.status, unknown_path.kind().as_str()),
        (404, "not-found")
    );
    let wrong_method = service.get("/v1/test-connection").await;
    assert_eq!(
        (wrong_method.status, wrong_method.header("allow")),
        (405, Some("POST"))
    );
    let text = post_request(
        "test-connection",
        manager(),
        "text/plain",
        Bytes::from_static(b"{}"),
    );
    assert_eq!(service.send(text).await.status, 415);
    let malformed = post_request(
        "test-connection",
        manager(),
        "application/json",
        Bytes::from_static(b"{\"server\":"),
    );
    let malformed = service.send(malformed).await;
    assert_eq!(
        (malformed.status, malformed.kind().as_str()),
        (400, "invalid-input")
    );
}

async fn a_body_over_the_cap_is_refused_and_one_at_the_cap_is_read(engine: Engine) {
    let (sim, service) = served(engine).await;
    let requests_before = sim.requests().len();
    let over = post_request(
        "activate-users",
        manager(),
        "application/json",
        vec![b' '; BODY_CAP + 1].into(),
    );
    let over = service.send(over).await;
    assert_eq!((over.status, over.kind().as_str()), (413, "invalid-input"));

    let unsized_over = Request::post("/v1/activate-users")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header(
            "authorization",
            basic(accounts::MANAGER.login, accounts::MANAGER.password),
        )
        .body(UnsizedSpaces { left: BODY_CAP + 1 })
        .expect("a valid request");
    let unsized_over = service.send(unsized_over).await;
    assert_eq!(
        (unsized_over.status, unsized_over.kind().as_str()),
        (413, "invalid-input")
    );
    assert_eq!(
        sim.requests().len(),
        requests_before,
        "a refused body reached Qualys"
    );

    // Exactly the cap: a valid body padded with spaces to BODY_CAP bytes is read and parsed.
    let body = on(
        &sim,
        json!({ "logins": [scenario::INACTIVE_EUROPE_SCANNER] }),
    )
    .to_string();
    let mut padded = body.into_bytes();
    padded.resize(BODY_CAP, b' ');
    let at_cap = service
        .send(post_request(
            "activate-users",
            manager(),
            "application/json",
            padded.into(),
        ))
        .await;
    assert_eq!(at_cap.status, 200, "{}", at_cap.json());
    assert_eq!(at_cap.json()[0]["ok"]["changed"], true);
    assert!(sim.requests().len() > requests_before);
}

async fn a_server_outside_the_allow_list_is_refused_before_any_request(engine: Engine) {
    let (sim, service) = served(engine).await;
    let elsewhere = Simulator::start(SimulatorConfig::default())
        .await
        .expect("a second simulator starts");
    for server in [elsewhere.origin(), "https://attacker.example".to_owned()] {
        let body = json!({ "server": server, "login": scenario::INACTIVE_EUROPE_SCANNER });
        let answer = service.post("activate-user", manager(), &body).await;
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (403, "permission-denied"),
            "{server}"
        );
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|text| text.contains("does not reach"))
        );
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the refused server was reached"
    );
    assert!(
        sim.requests().is_empty(),
        "a refused request reached the allowed server"
    );
    assert_eq!(
        status_of(&sim, scenario::INACTIVE_EUROPE_SCANNER),
        UserStatus::Inactive
    );
}

async fn the_password_never_comes_back(engine: Engine) {
    let (sim, service) = served(engine).await;
    let secret = accounts::MANAGER.password;
    let wrong = "Wr0ng-Pa55word-Unique-7731";
    let mut answers = Vec::new();
    for (login, fields) in [
        (manager(), json!({})),
        (Some((accounts::MANAGER.login, wrong)), json!({})),
        (manager(), json!({ "login": "not valid!" })),
        (manager(), json!({ "query": { "limit": 0 } })),
        (manager(), json!({ "server": "https://attacker.example" })),
        (manager(), json!({ "password": secret })),
    ] {
        answers.push(
            service
                .post("test-connection", login, &on(&sim, fields.clone()))
                .await,
        );
        answers.push(
            service
                .post("activate-user", login, &on(&sim, fields))
                .await,
        );
    }
    answers.push(
        service
            .post(
                "search-agents",
                manager(),
                &on(&sim, json!({ "query": { "limit": 2 } })),
            )
            .await,
    );
    assert!(answers.iter().any(|answer| answer.status == 200));
    let basic_tokens = [
        basic(accounts::MANAGER.login, secret),
        basic(accounts::MANAGER.login, wrong),
    ];
    for answer in &answers {
        let text = answer.everything();
        for needle in [secret, wrong]
            .iter()
            .copied()
            .chain(basic_tokens.iter().map(String::as_str))
        {
            assert!(
                !text.contains(needle),
                "an answer carries {needle:?}:\n{text}"
            );
        }
    }
    let output = service.output();
    for needle in [secret, wrong] {
        assert!(
            !output.contains(needle),
            "the engine's log carries {needle:?}:\n{output}"
        );
    }
}

async fn a_malformed_configuration_is_told_to_the_operator_not_to_the_caller(engine: Engine) {
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .expect("simulator starts");
    let entry = "qualysapi.internal-no-scheme.example";
    let service =
        tokio::task::block_in_place(|| Service::start(engine, Build::Configurable, entry));
    let answer = service
        .post("test-connection", manager(), &on(&sim, json!({})))
        .await;
    assert_eq!(answer.status, 500, "{}", answer.json());
    assert!(
        !answer.everything().contains(entry),
        "{}",
        answer.everything()
    );
    assert!(sim.requests().is_empty());
    let started = Instant::now();
    while !service.output().contains(entry) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the engine's log does not name the entry:\n{}",
            service.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every test above, for one engine.
macro_rules! engine_tests {
    ($module:ident, $engine:expr) => {
        mod $module {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn every_action_answers_with_the_connectors_result() {
                super::every_action_answers_with_the_connectors_result($engine).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn every_error_kind_has_its_status() {
                super::every_error_kind_has_its_status($engine).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_body_over_the_cap_is_refused_and_one_at_the_cap_is_read() {
                super::a_body_over_the_cap_is_refused_and_one_at_the_cap_is_read($engine).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_server_outside_the_allow_list_is_refused_before_any_request() {
                super::a_server_outside_the_allow_list_is_refused_before_any_request($engine).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_malformed_configuration_is_told_to_the_operator_not_to_the_caller() {
                super::a_malformed_configuration_is_told_to_the_operator_not_to_the_caller($engine)
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_password_never_comes_back() {
                super::the_password_never_comes_back($engine).await;
            }
        }
    };
}

engine_tests!(wasmtime_serve, Engine::WasmtimeServe);
engine_tests!(jco_serve, Engine::JcoServe);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strict_component_reaches_only_the_qualys_platforms() {
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .expect("simulator starts");
    let service =
        tokio::task::block_in_place(|| Service::start(Engine::WasmtimeServe, Build::Strict, ""));
    let answer = service
        .post("test-connection", manager(), &on(&sim, json!({})))
        .await;
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (403, "permission-denied")
    );
    assert!(sim.requests().is_empty());
    assert_eq!(service.get("/v1/describe").await.status, 200);
}

/// `deploy/spin.toml` runs the strict component and lets Spin reach exactly the Qualys
/// platforms' API origins.
#[test]
fn the_spin_manifest_allows_exactly_the_qualys_platforms() {
    let manifest = std::fs::read_to_string(workspace_root().join("deploy/spin.toml"))
        .expect("deploy/spin.toml is readable");
    let quoted_after = |key: &str| -> Vec<String> {
        let start = manifest
            .find(&format!("{key} = "))
            .unwrap_or_else(|| panic!("{key} is in deploy/spin.toml"));
        let value = &manifest[start..];
        let end = if value[key.len() + 3..].starts_with('[') {
            value.find(']').expect("the array ends")
        } else {
            value.find('\n').unwrap_or(value.len())
        };
        value[..end]
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let expected: Vec<String> = qualys_platforms::PLATFORMS
        .iter()
        .map(|(_, host)| format!("https://{host}"))
        .collect();
    assert_eq!(quoted_after("allowed_outbound_hosts"), expected);
    assert_eq!(
        quoted_after("source"),
        ["../target/qualys-connector-served-strict.wasm"]
    );
}
