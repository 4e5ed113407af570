//! The OpenAPI document describes the answers the served component really gives.
//!
//! `wasmtime serve` runs the served component against the simulator; the test records a broad
//! set of exchanges (every action's 200, both documents, and every error status the service
//! answers with) and `tests/openapi/check_answers.py` validates each body against the schema the
//! document gives for its path, method and status (JSON Schema Draft 2020-12, with `jsonschema`
//! from the openapi-spec-validator's virtual environment, `QUALYS_OPENAPI_VALIDATOR`). A missing
//! validator fails the test; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use qualys_simulator::{Fault, FaultRule, Simulator, accounts, scenario};
use serde_json::{Value, json};

use crate::openapi::validator;
use crate::served::{Answer, Engine, Service, manager, on, post_request, served};
use crate::support::{run_captured, workspace_root};

/// Every status the test must have recorded at least once.
const STATUSES: [u16; 12] = [200, 400, 401, 403, 404, 405, 409, 413, 415, 429, 502, 504];

/// The recorded exchanges, one JSON object each, as the checker reads them.
#[derive(Default)]
struct Recorder {
    exchanges: Vec<Value>,
}

impl Recorder {
    /// Sends `request`, checks its status is `expected`, and records the exchange.
    async fn send(
        &mut self,
        service: &Service,
        request: Request<Full<Bytes>>,
        expected: u16,
    ) -> Answer {
        let method = request.method().as_str().to_lowercase();
        let path = request.uri().path().to_owned();
        let answer = service.send(request).await;
        let body = serde_json::from_slice(&answer.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer.body).into_owned()));
        assert_eq!(
            answer.status,
            expected,
            "{} {path}: {body}",
            method.to_uppercase()
        );
        self.exchanges.push(json!({
            "method": method,
            "path": path,
            "status": answer.status,
            "content_type": answer.header("content-type"),
            "body": body,
        }));
        answer
    }

    /// `POST /v1/<action>` with `body` (JSON), logged in as `login`.
    async fn post(
        &mut self,
        service: &Service,
        action: &str,
        login: Option<(&str, &str)>,
        body: &Value,
        expected: u16,
    ) -> Answer {
        let request = post_request(action, login, "application/json", body.to_string().into());
        self.send(service, request, expected).await
    }

    /// `GET path`.
    async fn get(&mut self, service: &Service, path: &str, expected: u16) -> Answer {
        let request = Request::get(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        self.send(service, request, expected).await
    }
}

/// The venv's Python, beside the validator's command.
fn python() -> PathBuf {
    let validator = validator();
    let python = validator.with_file_name("python");
    assert!(
        python.is_file(),
        "{} has no python beside it: run `cargo xtask tools`",
        validator.display()
    );
    python
}

/// Runs the checker on `exchanges` (JSON Lines) against the served OpenAPI document: its exit
/// code (0: every exchange matches, 1: one does not), and what it printed.
fn check(exchanges: &[Value], name: &str) -> (Option<i32>, String) {
    let directory = std::env::temp_dir();
    let stem = format!("qualys-served-schema-{}-{name}", std::process::id());
    let document = directory.join(format!("{stem}.openapi.json"));
    let recorded = directory.join(format!("{stem}.jsonl"));
    std::fs::write(&document, qualys_gateway::OPENAPI_JSON).expect("the temporary directory");
    let lines: String = exchanges
        .iter()
        .map(|exchange| format!("{exchange}\n"))
        .collect();
    std::fs::write(&recorded, lines).expect("the temporary directory is writable");
    let result = run_checker(&document, &recorded);
    let _ = std::fs::remove_file(&document);
    let _ = std::fs::remove_file(&recorded);
    result
}

fn run_checker(document: &Path, exchanges: &Path) -> (Option<i32>, String) {
    let checker = workspace_root().join("tests/openapi/check_answers.py");
    let mut command = Command::new(python());
    command.arg(&checker).arg(document).arg(exchanges);
    let (status, said) = run_captured(command);
    (status.code(), said)
}

/// Every action's 200 and both documents.
async fn successes(sim: &Simulator, service: &Service, recorder: &mut Recorder) {
    let post = |action, fields| (action, on(sim, fields));
    for (action, body) in [
        post("test-connection", json!({})),
        post(
            "activate-user",
            json!({ "login": scenario::INACTIVE_EUROPE_SCANNER }),
        ),
        // Already active: nothing changed.
        post(
            "activate-user",
            json!({ "login": scenario::INACTIVE_EUROPE_SCANNER }),
        ),
        post(
            "deactivate-user",
            json!({ "login": scenario::ACTIVE_SCANNER }),
        ),
        // A batch of an ok, an unknown login and a pending one.
        post(
            "activate-users",
            json!({ "logins": [scenario::INACTIVE_ASIA_SCANNER, "acme_nobody", scenario::PENDING_EUROPE_SCANNER] }),
        ),
        post(
            "deactivate-users",
            json!({ "logins": [scenario::ACTIVE_EUROPE_SCANNER, "acme_nobody"] }),
        ),
        post(
            "search-agents",
            json!({ "query": { "tags": ["No such tag"] } }),
        ),
    ] {
        recorder.post(service, action, manager(), &body, 200).await;
    }

    let page = recorder
        .post(
            service,
            "search-agents",
            manager(),
            &on(sim, json!({ "query": { "limit": 5 } })),
            200,
        )
        .await
        .json();
    assert_eq!(page["agents"].as_array().map(Vec::len), Some(5), "{page}");
    let cursor = page["next_cursor"].as_str().expect("a next cursor");
    let next = json!({ "query": { "limit": 5, "cursor": cursor } });
    recorder
        .post(service, "search-agents", manager(), &on(sim, next), 200)
        .await;

    let mut agent_ids: Vec<u64> = sim.dataset().agents().map(|asset| asset.id).collect();
    agent_ids.sort_unstable();
    for scan_type in ["inventory", "vulnerability"] {
        let request = json!({ "request": {
            "asset_ids": &agent_ids[..2], "scan_type": scan_type, "override_cpu_throttle": false } });
        recorder
            .post(service, "launch-scan", manager(), &on(sim, request), 200)
            .await;
    }

    recorder.get(service, "/v1/describe", 200).await;
    recorder.get(service, "/openapi.json", 200).await;
}

/// Every error status the service answers with.
async fn failures(sim: &Simulator, service: &Service, recorder: &mut Recorder) {
    let reader = Some((accounts::READER.login, accounts::READER.password));
    let wrong_password = Some((accounts::MANAGER.login, "Wrong-1"));
    for (action, login, fields, status) in [
        (
            "activate-user",
            manager(),
            json!({ "login": "a", "extra": 1 }),
            400,
        ),
        (
            "activate-user",
            manager(),
            json!({ "login": "no spaces" }),
            400,
        ),
        (
            "search-agents",
            manager(),
            json!({ "query": { "limit": 0 } }),
            400,
        ),
        ("test-connection", None, json!({}), 401),
        ("test-connection", wrong_password, json!({}), 401),
        (
            "activate-user",
            reader,
            json!({ "login": scenario::INACTIVE_READER }),
            403,
        ),
        (
            "activate-user",
            manager(),
            json!({ "login": scenario::INACTIVE_READER, "server": "https://attacker.example" }),
            403,
        ),
        (
            "activate-user",
            manager(),
            json!({ "login": "acme_nobody" }),
            404,
        ),
        (
            "activate-user",
            manager(),
            json!({ "login": scenario::PENDING_READER }),
            409,
        ),
    ] {
        recorder
            .post(service, action, login, &on(sim, fields), status)
            .await;
    }

    let malformed = post_request(
        "test-connection",
        manager(),
        "application/json",
        Bytes::from_static(b"{\"server\":"),
    );
    recorder.send(service, malformed, 400).await;
    recorder.get(service, "/v1/test-connection", 405).await;
    for path in ["/v1/describe", "/openapi.json"] {
        let post = Request::post(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .expect("a valid request");
        recorder.send(service, post, 405).await;
    }
    let over = post_request(
        "activate-users",
        manager(),
        "application/json",
        vec![b' '; qualys_gateway::request::BODY_CAP + 1].into(),
    );
    recorder.send(service, over, 413).await;
    let text = post_request(
        "test-connection",
        manager(),
        "text/plain",
        Bytes::from_static(b"{}"),
    );
    recorder.send(service, text, 415).await;

    sim.inject(FaultRule::once(Fault::RateLimited {
        code: 1965,
        wait_secs: Some(120),
    }));
    let budget = |timeout_ms: u32| on(sim, json!({ "timeout_ms": timeout_ms }));
    recorder
        .post(service, "test-connection", manager(), &budget(5_000), 429)
        .await;
    sim.clear_faults();

    sim.inject(FaultRule::times(10, Fault::MalformedXml));
    recorder
        .post(service, "test-connection", manager(), &budget(20_000), 502)
        .await;
    sim.clear_faults();

    sim.inject(FaultRule::once(Fault::DelayBeforeHeaders(
        Duration::from_secs(10),
    )));
    recorder
        .post(service, "test-connection", manager(), &budget(1_000), 504)
        .await;
    sim.clear_faults();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_matches_the_openapi_document() {
    // Before the engine starts: a missing validator fails at once.
    python();
    let (sim, service) = served(Engine::WasmtimeServe).await;
    let mut recorder = Recorder::default();
    successes(&sim, &service, &mut recorder).await;
    failures(&sim, &service, &mut recorder).await;

    for status in STATUSES {
        assert!(
            recorder
                .exchanges
                .iter()
                .any(|exchange| exchange["status"] == status),
            "no exchange answered {status}"
        );
    }
    let (code, said) = check(&recorder.exchanges, "served");
    assert!(
        code == Some(0),
        "answers the OpenAPI document does not describe:\n{said}"
    );
    assert!(
        said.contains(&format!("checked {} exchanges", recorder.exchanges.len())),
        "{said}"
    );
}

#[test]
fn the_checker_refuses_an_answer_the_document_does_not_describe() {
    let wrong_body = json!({
        "method": "post", "path": "/v1/search-agents", "status": 200,
        "content_type": "application/json", "body": { "agents": "x" },
    });
    // No path of the document: the service's 404 for an unknown path.
    let undocumented_path = json!({
        "method": "post", "path": "/v1/drop-tables", "status": 404,
        "content_type": "application/json",
        "body": { "error": { "kind": "not-found", "message": "no such path" } },
    });
    for (name, exchange) in [
        ("wrong-body", wrong_body),
        ("undocumented-path", undocumented_path),
    ] {
        let (code, said) = check(&[exchange], name);
        assert_eq!(code, Some(1), "the checker on {name}:\n{said}");
        assert!(said.contains("FAIL"), "{name}: {said}");
    }
}
