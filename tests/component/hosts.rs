//! The component in hosts we did not write, driven by exactly the snippets README.md shows.
//!
//! Each snippet is a file under `hosts/` that README.md shows verbatim (checked here): the stock
//! wasmtime CLI (`hosts/wasmtime-cli/actions.sh`), Node through jco
//! (`hosts/node/transpile-and-run.sh` and `hosts/node/actions.mjs`), and a Rust host on the
//! harness library (`hosts/rust/main.rs`, built as this package's `rust-host` binary). Every
//! test starts the simulator as a child process (`qualys-simulator`): jco's `wasi:http` blocks
//! Node's thread, and the CLI is another process anyway. The snippets run with the workspace as
//! their working directory and `QUALYS_SERVER`, `QUALYS_USERNAME`, `QUALYS_PASSWORD` set.
//!
//! `cargo xtask test` installs the tools (`cargo xtask tools`) and passes their paths:
//! `QUALYS_WASMTIME_CLI`, `QUALYS_NODE`, `QUALYS_JCO`, and `QUALYS_SIMULATOR`. A missing tool
//! fails the test with what to run; nothing is skipped.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qualys_simulator::{Dataset, SimulatorConfig, accounts, scenario};

use crate::support::{RUN_XTASK_TOOLS, tool, workspace_root};
use serde_json::Value;

/// The snippets README.md shows, relative to the workspace root.
const SNIPPETS: [&str; 4] = [
    "hosts/rust/main.rs",
    "hosts/wasmtime-cli/actions.sh",
    "hosts/node/transpile-and-run.sh",
    "hosts/node/actions.mjs",
];

/// The simulator's data: a seed and size of its own, so the flags are exercised too.
const SEED: u64 = 2026;
const AGENTS: usize = 120;

/// How long one snippet may run (jco's transpile and the CLI's compile included).
const SNIPPET_DEADLINE: Duration = Duration::from_secs(180);

/// The `qualys-simulator` binary: `$QUALYS_SIMULATOR`, else the one cargo built beside this
/// test (`cargo test --workspace` builds it).
fn simulator_binary() -> PathBuf {
    if std::env::var_os("QUALYS_SIMULATOR").is_some() {
        return tool(
            "QUALYS_SIMULATOR",
            "the qualys-simulator binary",
            "cargo build -p qualys-simulator --bin qualys-simulator",
        );
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("qualys-simulator")))
        .filter(|path| path.is_file());
    beside.unwrap_or_else(|| {
        panic!(
            "the qualys-simulator binary is missing: set QUALYS_SIMULATOR or run \
             `cargo build -p qualys-simulator --bin qualys-simulator`"
        )
    })
}

/// The simulator in a child process; killed when dropped.
struct SimulatorProcess {
    child: Child,
    origin: String,
}

impl SimulatorProcess {
    fn start() -> Self {
        let mut child = Command::new(simulator_binary())
            .args(["--seed", &SEED.to_string(), "--agents", &AGENTS.to_string()])
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("qualys-simulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut origin = String::new();
        BufReader::new(stdout)
            .read_line(&mut origin)
            .expect("qualys-simulator prints its origin");
        let origin = origin.trim().to_owned();
        assert!(
            origin.starts_with("http://127.0.0.1:"),
            "qualys-simulator printed {origin:?}, not its origin"
        );
        Self { child, origin }
    }

    /// Runs `command` against this simulator as the manager account, from the workspace root,
    /// with `tools` first on the PATH; returns its stdout, failing on a non-zero exit.
    fn run(&self, mut command: Command, tools: &[&Path]) -> String {
        command
            .current_dir(workspace_root())
            .env("PATH", path_with(tools))
            .env("QUALYS_SERVER", &self.origin)
            .env("QUALYS_USERNAME", accounts::MANAGER.login)
            .env("QUALYS_PASSWORD", accounts::MANAGER_PASSWORD);
        run_with_deadline(command, SNIPPET_DEADLINE)
    }
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _killed = self.child.kill();
        let _reaped = self.child.wait();
    }
}

/// `PATH` with the directories of `tools` in front.
fn path_with(tools: &[&Path]) -> std::ffi::OsString {
    let dirs = tools
        .iter()
        .filter_map(|tool| tool.parent())
        .map(Path::to_owned);
    let existing = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(dirs.chain(std::env::split_paths(&existing))).expect("a valid PATH")
}

/// Runs `command`, killing it past `deadline`; its stdout, or a panic with everything it said.
fn run_with_deadline(mut command: Command, deadline: Duration) -> String {
    let line = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{line} does not start: {error}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the snippet") {
            break Some(status);
        }
        if started.elapsed() > deadline {
            let _killed = child.kill();
            let _reaped = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    match status {
        Some(status) if status.success() => stdout,
        Some(status) => panic!("{line} failed ({status})\nstdout:\n{stdout}\nstderr:\n{stderr}"),
        None => panic!("{line} ran past {deadline:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _read = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// `sh <snippet>`: the shell snippets are POSIX sh.
fn sh(snippet: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg(snippet);
    command
}

/// The login the snippets' batch adds to two known ones: no such user exists.
const UNKNOWN_LOGIN: &str = "acme_nobody1";

/// What every snippet must find: the simulator's own ground truth for its seed.
struct Expected {
    /// The two Windows agents tagged "Windows" the snippets search for, ascending asset ids.
    windows_agents: Vec<u64>,
}

impl Expected {
    fn from_the_dataset() -> Self {
        let config = SimulatorConfig {
            seed: SEED,
            agents: AGENTS,
            ..SimulatorConfig::default()
        };
        let dataset = Dataset::generate(
            config.seed,
            config.agents,
            config.untagged_assets,
            config.heavy_fields,
        );
        let windows_agents: Vec<u64> = dataset
            .agents()
            .filter(|asset| asset.os.as_deref().is_some_and(|os| os.contains("Windows")))
            .filter(|asset| asset.tag_names().any(|tag| tag == "Windows"))
            .map(|asset| asset.id)
            .take(2)
            .collect();
        assert_eq!(
            windows_agents.len(),
            2,
            "the dataset has two Windows agents tagged Windows"
        );
        Self { windows_agents }
    }
}

/// A user-status-change: login, previous status, changed.
type StatusChange = (String, Option<String>, bool);

/// The results a snippet printed, read into one shape whatever the host's naming.
#[derive(Debug, PartialEq)]
struct Observed {
    api_server: String,
    capabilities: Vec<(String, bool)>,
    activated: StatusChange,
    agents: Vec<u64>,
    launched: Vec<u64>,
    not_launched: Vec<u64>,
    deactivated: StatusChange,
    /// The batch, per login: its outcome's `changed`, or its error's kind (WIT name).
    batch: Vec<(String, Result<bool, String>)>,
}

impl Observed {
    fn expected(sim: &SimulatorProcess, expected: &Expected) -> Self {
        let actions = [
            "test-connection",
            "search-agents",
            "launch-scan",
            "activate-user",
        ];
        Self {
            api_server: sim.origin.clone(),
            capabilities: actions.iter().map(|a| ((*a).to_owned(), true)).collect(),
            activated: (
                scenario::INACTIVE_EUROPE_SCANNER.to_owned(),
                Some("Inactive".to_owned()),
                true,
            ),
            agents: expected.windows_agents.clone(),
            launched: expected.windows_agents.clone(),
            not_launched: Vec::new(),
            deactivated: (
                scenario::ACTIVE_EUROPE_SCANNER.to_owned(),
                Some("Active".to_owned()),
                true,
            ),
            // The Inactive Manager is activated, the user just deactivated is again, and the
            // unknown login fails alone.
            batch: vec![
                (scenario::INACTIVE_MANAGER.to_owned(), Ok(true)),
                (scenario::ACTIVE_EUROPE_SCANNER.to_owned(), Ok(true)),
                (UNKNOWN_LOGIN.to_owned(), Err("not-found".to_owned())),
            ],
        }
    }

    /// Six JSON lines (the Rust and Node snippets), each the ok value of one action, field
    /// names written by `name` (snake_case in Rust, camelCase in jco).
    fn from_json_lines(lines: &[Value], name: fn(&str) -> String) -> Self {
        assert_eq!(lines.len(), 6, "one line per action: {lines:#?}");
        let field = |value: &Value, wit: &str| value[name(wit)].clone();
        let string = |value: Value| value.as_str().map(str::to_owned);
        let ids = |value: Value| -> Vec<u64> {
            let ids = value.as_array().cloned().unwrap_or_default();
            ids.iter().filter_map(Value::as_u64).collect()
        };
        let status_change = |change: &Value| -> StatusChange {
            (
                string(field(change, "login")).unwrap_or_default(),
                string(field(change, "previous-status")),
                field(change, "changed").as_bool().unwrap_or(false),
            )
        };
        let (report, activation, page, launch) = (&lines[0], &lines[1], &lines[2], &lines[3]);
        let (deactivation, results) = (&lines[4], &lines[5]);
        let results = results.as_array().cloned().unwrap_or_default();
        let capabilities = field(report, "capabilities");
        let capabilities = capabilities.as_array().cloned().unwrap_or_default();
        let agents = field(page, "agents")
            .as_array()
            .cloned()
            .unwrap_or_default();
        Self {
            api_server: string(field(report, "api-server")).unwrap_or_default(),
            capabilities: capabilities
                .iter()
                .map(|c| {
                    let action = string(field(c, "action")).unwrap_or_default();
                    (action, field(c, "ok").as_bool().unwrap_or(false))
                })
                .collect(),
            activated: status_change(activation),
            agents: agents
                .iter()
                .filter_map(|agent| field(agent, "asset-id").as_u64())
                .collect(),
            launched: ids(field(launch, "launched")),
            not_launched: ids(field(launch, "not-launched")),
            deactivated: status_change(deactivation),
            batch: results
                .iter()
                .map(|result| {
                    let login = string(field(result, "login")).unwrap_or_default();
                    let outcome = match json_outcome(&field(result, "outcome")) {
                        Ok(change) => Ok(status_change(&change).2),
                        Err(error) => Err(kebab_case(
                            field(&error, "kind").as_str().unwrap_or_default(),
                        )),
                    };
                    (login, outcome)
                })
                .collect(),
        }
    }

    /// The wasmtime CLI's six lines of WAVE, each `ok(…)`.
    fn from_wave_lines(stdout: &str) -> Self {
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 6, "one line per action:\n{stdout}");
        for line in &lines {
            assert!(line.starts_with("ok("), "an ok result: {line}");
        }
        let status_change = |line: &str| -> StatusChange {
            (
                wave_strings(line, "login: ")
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
                wave_strings(line, "previous-status: some(")
                    .into_iter()
                    .next(),
                wave_words(line, "changed: ").first().map(String::as_str) == Some("true"),
            )
        };
        Self {
            api_server: wave_strings(lines[0], "api-server: ")
                .into_iter()
                .next()
                .unwrap_or_default(),
            capabilities: wave_strings(lines[0], "{action: ")
                .into_iter()
                .zip(wave_words(lines[0], ", ok: "))
                .map(|(action, ok)| (action, ok == "true"))
                .collect(),
            activated: status_change(lines[1]),
            agents: wave_words(lines[2], "asset-id: ")
                .iter()
                .filter_map(|id| id.parse().ok())
                .collect(),
            launched: wave_list(lines[3], "launched: ["),
            not_launched: wave_list(lines[3], "not-launched: ["),
            deactivated: status_change(lines[4]),
            batch: wave_batch(lines[5]),
        }
    }
}

/// A `result` inside a JSON record as (ok value, error value): serde's `{"Ok": …}` /
/// `{"Err": …}` (the Rust host) or jco's `{"tag": "ok" | "err", "val": …}`.
fn json_outcome(outcome: &Value) -> Result<Value, Value> {
    match (
        outcome.get("tag").and_then(Value::as_str),
        outcome.get("val"),
    ) {
        (Some("ok"), Some(val)) => Ok(val.clone()),
        (Some(_), Some(val)) => Err(val.clone()),
        _ => match (outcome.get("Ok"), outcome.get("Err")) {
            (Some(val), _) => Ok(val.clone()),
            (_, error) => Err(error.cloned().unwrap_or_default()),
        },
    }
}

/// An error kind as its WIT name: serde writes the Rust variant (`NotFound`), jco the WIT name.
fn kebab_case(kind: &str) -> String {
    let mut name = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            name.push('-');
        }
        name.extend(c.to_lowercase());
    }
    name
}

/// A batch's WAVE: `ok([{login: "a", outcome: ok({…, changed: true, …})}, {login: "b",
/// outcome: err({kind: not-found, …})}])`. The text before each `outcome: ` ends with that
/// item's login; the text after starts with its outcome.
fn wave_batch(line: &str) -> Vec<(String, Result<bool, String>)> {
    let parts: Vec<&str> = line.split("outcome: ").collect();
    parts
        .windows(2)
        .map(|pair| {
            let login = wave_strings(pair[0], "login: ").pop().unwrap_or_default();
            let outcome = if pair[1].starts_with("ok(") {
                Ok(wave_words(pair[1], "changed: ").first().map(String::as_str) == Some("true"))
            } else {
                Err(wave_words(pair[1], "kind: ")
                    .into_iter()
                    .next()
                    .unwrap_or_default())
            };
            (login, outcome)
        })
        .collect()
}

/// The string literals (no escapes in them) right after each `prefix`.
fn wave_strings(line: &str, prefix: &str) -> Vec<String> {
    let after = format!("{prefix}\"");
    line.split(after.as_str())
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The bare words (numbers, booleans) right after each `prefix`.
fn wave_words(line: &str, prefix: &str) -> Vec<String> {
    line.split(prefix)
        .skip(1)
        .filter_map(|rest| rest.split([',', '}', ')', ']']).next())
        .map(str::to_owned)
        .collect()
}

/// The numbers of the list that starts right after the first `prefix`.
fn wave_list(line: &str, prefix: &str) -> Vec<u64> {
    let Some((_, rest)) = line.split_once(prefix) else {
        return Vec::new();
    };
    let items = rest.split(']').next().unwrap_or_default();
    items
        .split(", ")
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn snake_case(wit: &str) -> String {
    wit.replace('-', "_")
}

fn camel_case(wit: &str) -> String {
    let mut words = wit.split('-');
    let first = words.next().unwrap_or_default().to_owned();
    words.fold(first, |mut name, word| {
        let mut chars = word.chars();
        if let Some(initial) = chars.next() {
            name.extend(initial.to_uppercase());
            name.push_str(chars.as_str());
        }
        name
    })
}

/// The component the snippets load: `target/qualys-connector.wasm` under the workspace.
fn assert_the_component_is_built() {
    let component = workspace_root().join("target/qualys-connector.wasm");
    assert!(
        component.is_file(),
        "{} is missing: run `cargo xtask build` (the snippets load it from there)",
        component.display()
    );
}

#[test]
fn the_wasmtime_cli_snippet_runs_its_actions_against_the_simulator() {
    assert_the_component_is_built();
    let wasmtime = tool(
        "QUALYS_WASMTIME_CLI",
        "the wasmtime CLI 48.x",
        RUN_XTASK_TOOLS,
    );
    let mut version = Command::new(&wasmtime);
    version.arg("--version");
    let version = run_with_deadline(version, Duration::from_secs(30));
    assert!(
        version.starts_with("wasmtime 48."),
        "{} is {version:?}, not the wasmtime CLI 48.x; {RUN_XTASK_TOOLS}",
        wasmtime.display()
    );
    let expected = Expected::from_the_dataset();
    let sim = SimulatorProcess::start();
    let stdout = sim.run(sh("hosts/wasmtime-cli/actions.sh"), &[&wasmtime]);
    let observed = Observed::from_wave_lines(&stdout);
    assert_eq!(
        observed,
        Observed::expected(&sim, &expected),
        "wasmtime printed:\n{stdout}"
    );
}

#[test]
fn the_jco_snippet_runs_its_actions_in_node_against_the_simulator() {
    assert_the_component_is_built();
    let node = tool("QUALYS_NODE", "Node.js 20 or later", RUN_XTASK_TOOLS);
    let jco = tool(
        "QUALYS_JCO",
        "jco (hosts/node/node_modules)",
        RUN_XTASK_TOOLS,
    );
    let snippet_jco = workspace_root().join("hosts/node/node_modules/.bin/jco");
    assert_eq!(
        jco.canonicalize().ok(),
        snippet_jco.canonicalize().ok(),
        "QUALYS_JCO must be the jco the snippet runs ({}); {RUN_XTASK_TOOLS}",
        snippet_jco.display()
    );
    let expected = Expected::from_the_dataset();
    let sim = SimulatorProcess::start();
    let stdout = sim.run(sh("hosts/node/transpile-and-run.sh"), &[&node]);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), SNIPPET_ACTIONS.len(), "{stdout}");
    for (line, action) in lines.iter().zip(SNIPPET_ACTIONS) {
        assert_eq!(line["action"], action, "{stdout}");
    }
    let oks: Vec<Value> = lines.iter().map(|line| line["ok"].clone()).collect();
    let observed = Observed::from_json_lines(&oks, camel_case);
    assert_eq!(
        observed,
        Observed::expected(&sim, &expected),
        "node printed:\n{stdout}"
    );
}

/// The actions each snippet calls, in order.
const SNIPPET_ACTIONS: [&str; 6] = [
    "test-connection",
    "activate-user",
    "search-agents",
    "launch-scan",
    "deactivate-user",
    "activate-users",
];

#[test]
fn the_rust_snippet_runs_its_actions_against_the_simulator() {
    assert_the_component_is_built();
    let expected = Expected::from_the_dataset();
    let sim = SimulatorProcess::start();
    let stdout = sim.run(Command::new(env!("CARGO_BIN_EXE_rust-host")), &[]);
    let observed = Observed::from_json_lines(&json_lines(&stdout), snake_case);
    assert_eq!(
        observed,
        Observed::expected(&sim, &expected),
        "rust-host printed:\n{stdout}"
    );
}

/// The bodies of README.md's fenced code blocks.
fn fenced_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<String> = None;
    for line in markdown.split_inclusive('\n') {
        let fence = line.trim_start().starts_with("```");
        match (open.take(), fence) {
            (None, true) => open = Some(String::new()),
            (None, false) => {}
            (Some(body), true) => blocks.push(body),
            (Some(mut body), false) => {
                body.push_str(line);
                open = Some(body);
            }
        }
    }
    blocks
}

#[test]
fn the_readme_shows_every_host_snippet_verbatim() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = fenced_blocks(&readme);
    for snippet in SNIPPETS {
        let text = std::fs::read_to_string(root.join(snippet)).expect("the snippet file");
        assert!(
            blocks.contains(&text),
            "README.md must show {snippet} verbatim in a fenced code block (the tests run the \
             file): copy it there again"
        );
    }
}

#[test]
fn fenced_blocks_are_read_whole_and_in_order() {
    let markdown = "text\n```sh\na\nb\n```\nmore\n```\nc\n```\n";
    assert_eq!(fenced_blocks(markdown), ["a\nb\n", "c\n"]);
}

#[test]
fn wave_results_are_read_into_the_shared_shape() {
    let stdout = "ok({api-server: \"http://x\", capabilities: [{action: \"a\", ok: true, \
                  detail: \"d\"}, {action: \"b\", ok: false, detail: \"e\"}]})\n\
                  ok({login: \"u\", previous-status: some(\"Inactive\"), changed: true, \
                  message: \"m\"})\n\
                  ok({agents: [{asset-id: 5, name: \"n\"}, {asset-id: 9, name: \"o\"}]})\n\
                  ok({scan-type: \"Inventory_Scan\", launched: [5], not-launched: [9], \
                  not-sent: []})\n\
                  ok({login: \"v\", previous-status: some(\"Active\"), changed: true, \
                  message: \"n\"})\n\
                  ok([{login: \"a\", outcome: ok({login: \"a\", previous-status: \
                  some(\"Inactive\"), changed: true, message: \"m\"})}, {login: \"b\", \
                  outcome: ok({login: \"b\", previous-status: some(\"Active\"), changed: false, \
                  message: \"\"})}, {login: \"c\", outcome: err({kind: not-found, message: \
                  \"no user c\", http-status: none, qualys-code: none, retry-after-secs: none, \
                  hint: some(\"check the login\")})}])\n";
    let observed = Observed::from_wave_lines(stdout);
    assert_eq!(
        observed,
        Observed {
            api_server: "http://x".into(),
            capabilities: vec![("a".into(), true), ("b".into(), false)],
            activated: ("u".into(), Some("Inactive".into()), true),
            agents: vec![5, 9],
            launched: vec![5],
            not_launched: vec![9],
            deactivated: ("v".into(), Some("Active".into()), true),
            batch: vec![
                ("a".into(), Ok(true)),
                ("b".into(), Ok(false)),
                ("c".into(), Err("not-found".into())),
            ],
        }
    );
}

#[test]
fn batch_outcomes_are_read_from_serde_and_jco_json() {
    let serde = serde_json::json!({"Err": {"kind": "NotFound"}});
    let jco = serde_json::json!({"tag": "ok", "val": {"changed": true}});
    assert_eq!(
        json_outcome(&serde),
        Err(serde_json::json!({"kind": "NotFound"}))
    );
    assert_eq!(json_outcome(&jco), Ok(serde_json::json!({"changed": true})));
    assert_eq!(kebab_case("NotFound"), "not-found");
    assert_eq!(kebab_case("not-found"), "not-found");
}

#[test]
fn wit_names_become_jco_and_rust_field_names() {
    assert_eq!(camel_case("previous-status"), "previousStatus");
    assert_eq!(camel_case("api-server"), "apiServer");
    assert_eq!(snake_case("asset-id"), "asset_id");
}
