//! Tests of the `qualys-harness` binary as a person or a script runs it: exit codes per error
//! kind, JSON shapes, the password prompt in a pseudo-terminal, and the pipe from
//! `search-agents` to `launch-scan`.
//!
//! They need the built component: `$QUALYS_CONNECTOR_WASM`, else `target/qualys-connector.wasm`
//! (`cargo xtask build`). Most run with `--simulate` (a fresh simulator inside each process);
//! the ones that need a fault, a rate limit or a prompt start a simulator here and point the
//! binary at it with the hidden `--route-to`. Every run checks that no password appears in its
//! stdout or stderr.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use qualys_simulator::{
    Fault, FaultRule, MODULE_VM, RateLimitConfig, Simulator, SimulatorConfig, accounts, scenario,
};
use serde_json::Value;

/// The binary under test.
const BINARY: &str = env!("CARGO_BIN_EXE_qualys-harness");

/// A password no account has.
const WRONG_PASSWORD: &str = "Wrong-Password-4711";

/// The component the binary runs: `$QUALYS_CONNECTOR_WASM`, else `target/qualys-connector.wasm`.
fn component_path() -> PathBuf {
    let path = std::env::var_os("QUALYS_CONNECTOR_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/qualys-connector.wasm")
        });
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build` first (or `cargo xtask test`)",
        path.display()
    );
    path
}

/// What one run of the binary produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// stdout as one JSON value.
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|error| {
            panic!("stdout is not one JSON value ({error}):\n{}", self.stdout)
        })
    }

    /// stdout as JSON lines.
    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect()
    }

    /// Asserts that stdout holds every one of `texts`, showing it when one is missing.
    fn assert_stdout_shows(&self, texts: &[&str]) -> &Self {
        for text in texts {
            assert!(
                self.stdout.contains(text),
                "{text:?} missing:\n{}",
                self.stdout
            );
        }
        self
    }

    /// Asserts the exit code, showing both outputs when it differs.
    fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A command running the binary on the built component, without the password variable.
fn harness(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .arg("--component")
        .arg(component_path())
        .args(args)
        .env_remove("QUALYS_PASSWORD")
        .env_remove("QUALYS_CONNECTOR_WASM")
        .stdin(Stdio::null());
    command
}

/// Runs `command`, writing `stdin` to it, and checks that no password was printed.
fn run_command(mut command: Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(text.as_bytes()).expect("stdin is written");
    }
    let output = child.wait_with_output().expect("the binary ends");
    let run = into_run(output);
    assert_no_password(&run.stdout);
    assert_no_password(&run.stderr);
    run
}

/// Runs the binary with `args` and, when given, `QUALYS_PASSWORD`.
fn run(args: &[&str], password: Option<&str>) -> Run {
    let mut command = harness(args);
    if let Some(password) = password {
        command.env("QUALYS_PASSWORD", password);
    }
    run_command(command, None)
}

/// `test-connection --json` as the Manager, routed to `origin`, with a timeout in seconds.
fn test_connection_routed_to(origin: &str, timeout_secs: &str) -> Run {
    run(
        &[
            "test-connection",
            "--username",
            accounts::MANAGER.login,
            "--route-to",
            origin,
            "--timeout",
            timeout_secs,
            "--json",
        ],
        Some(accounts::MANAGER.password),
    )
}

fn into_run(output: Output) -> Run {
    Run {
        code: output.status.code().expect("the binary exited, no signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Fails when `text` holds any password a test uses.
fn assert_no_password(text: &str) {
    let passwords = accounts::ALL
        .iter()
        .map(|account| account.password)
        .chain([WRONG_PASSWORD]);
    for password in passwords {
        assert!(!text.contains(password), "a password was printed:\n{text}");
    }
}

/// Asserts the JSON error shape on stdout and returns its body.
fn assert_json_error(run: &Run, kind: &str) -> Value {
    let value = run.json();
    let error = &value["error"];
    assert_eq!(error["kind"], kind, "{value}");
    for key in [
        "message",
        "http_status",
        "qualys_code",
        "retry_after_secs",
        "hint",
    ] {
        assert!(error.get(key).is_some(), "no {key} in {value}");
    }
    assert!(
        run.stderr.contains(&format!("error: {kind}")),
        "the human line is on stderr too:\n{}",
        run.stderr
    );
    error.clone()
}

/// A simulator owned by the test, for runs with `--route-to` (faults, rate limits, prompt).
fn simulator() -> Simulator {
    Simulator::start_blocking(SimulatorConfig::default()).expect("the simulator starts")
}

/// An origin nothing listens on.
fn closed_origin() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// --- exit codes per error kind --------------------------------------------------------------

#[test]
fn simulated_test_connection_succeeds_and_says_it_is_simulated() {
    let run = run(&["test-connection", "--simulate"], None);
    run.assert_code(0);
    assert!(run.stdout.contains("API server"), "{}", run.stdout);
    assert!(run.stdout.contains("ok  search-agents"), "{}", run.stdout);
    assert!(run.stderr.contains("simulated"), "{}", run.stderr);
    assert!(run.stderr.contains("acme_mg1"), "{}", run.stderr);
}

#[test]
fn an_unknown_platform_code_exits_2_as_invalid_input() {
    let run = run(
        &["test-connection", "--simulate", "--server", "US9", "--json"],
        None,
    );
    run.assert_code(2);
    let error = assert_json_error(&run, "invalid-input");
    assert!(
        error["message"].as_str().unwrap().contains("US9"),
        "{error}"
    );
}

#[test]
fn a_wrong_password_exits_3_as_auth_failed() {
    let run = run(
        &["test-connection", "--simulate", "--json"],
        Some(WRONG_PASSWORD),
    );
    run.assert_code(3);
    let error = assert_json_error(&run, "auth-failed");
    assert_eq!(error["http_status"], 401, "{error}");
}

#[test]
fn a_reader_activating_a_user_exits_3_as_permission_denied() {
    let run = run(
        &[
            "activate-user",
            scenario::INACTIVE_EUROPE_SCANNER,
            "--simulate",
            "--username",
            accounts::READER.login,
            "--json",
        ],
        Some(accounts::READER.password),
    );
    run.assert_code(3);
    assert_json_error(&run, "permission-denied");
}

#[test]
fn a_rate_limit_still_in_force_exits_4_with_the_wait() {
    let sim = simulator();
    let limit = RateLimitConfig {
        calls_per_window: 0,
        ..RateLimitConfig::default()
    };
    sim.set_rate_limit(accounts::MANAGER.login, limit);
    let origin = sim.origin();
    let run = test_connection_routed_to(&origin, "5");
    run.assert_code(4);
    let error = assert_json_error(&run, "rate-limited");
    assert!(error["retry_after_secs"].as_u64().unwrap() > 0, "{error}");
    assert!(run.stderr.contains("retry after:"), "{}", run.stderr);
}

#[test]
fn an_answer_slower_than_the_timeout_exits_5() {
    let sim = simulator();
    sim.inject(FaultRule::times(
        10,
        Fault::DelayBeforeHeaders(Duration::from_secs(20)),
    ));
    let origin = sim.origin();
    let run = test_connection_routed_to(&origin, "1");
    run.assert_code(5);
    assert_json_error(&run, "timeout");
}

#[test]
fn an_unreachable_server_exits_5_as_transport() {
    let origin = closed_origin();
    let run = test_connection_routed_to(&origin, "5");
    run.assert_code(5);
    assert_json_error(&run, "transport");
}

#[test]
fn activating_a_user_pending_activation_exits_1_as_conflict() {
    let run = run(
        &[
            "activate-user",
            scenario::PENDING_EUROPE_SCANNER,
            "--simulate",
            "--json",
        ],
        None,
    );
    run.assert_code(1);
    assert_json_error(&run, "conflict");
}

#[test]
fn activating_an_unknown_user_exits_1_as_not_found() {
    let run = run(&["activate-user", "acme_nobody", "--simulate"], None);
    run.assert_code(1);
    assert!(run.stderr.contains("error: not-found"), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "no JSON without --json: {}",
        run.stdout
    );
}

#[test]
fn a_missing_component_exits_1_and_says_how_to_build_it() {
    let mut command = Command::new(BINARY);
    command
        .args([
            "--component",
            "/nonexistent/qualys-connector.wasm",
            "describe",
        ])
        .env_remove("QUALYS_CONNECTOR_WASM");
    let run = run_command(command, None);
    run.assert_code(1);
    assert!(run.stderr.contains("cargo xtask build"), "{}", run.stderr);
}

#[test]
fn an_unknown_simulated_account_without_a_password_exits_2() {
    let run = run(
        &["test-connection", "--simulate", "--username", "someone"],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("acme_mg1"), "{}", run.stderr);
}

// --- JSON shapes and tables ---------------------------------------------------------------

#[test]
fn test_connection_json_has_the_report_fields() {
    let run = run(&["test-connection", "--simulate", "--json"], None);
    run.assert_code(0);
    let report = run.json();
    for key in [
        "api_server",
        "platform",
        "api_version",
        "web_version",
        "rate_limit",
        "capabilities",
    ] {
        assert!(report.get(key).is_some(), "no {key} in {report}");
    }
    let capabilities = report["capabilities"].as_array().unwrap();
    assert_eq!(capabilities.len(), 4, "{report}");
    for key in ["action", "ok", "detail"] {
        assert!(capabilities[0].get(key).is_some(), "no {key} in {report}");
    }
}

#[test]
fn activate_user_prints_previous_status_changed_and_message() {
    let run = run(
        &[
            "activate-user",
            scenario::INACTIVE_EUROPE_SCANNER,
            "--simulate",
        ],
        None,
    );
    run.assert_code(0);
    run.assert_stdout_shows(&[
        "Previous status  Inactive",
        "Changed          yes",
        "Message",
    ]);
}

#[test]
fn activate_user_json_has_the_activation_fields() {
    let run = run(
        &[
            "activate-user",
            scenario::INACTIVE_EUROPE_SCANNER,
            "--simulate",
            "--json",
        ],
        None,
    );
    run.assert_code(0);
    let activation = run.json();
    assert_eq!(activation["login"], scenario::INACTIVE_EUROPE_SCANNER);
    assert_eq!(activation["previous_status"], "Inactive");
    assert_eq!(activation["changed"], true);
    assert!(activation["message"].is_string(), "{activation}");
}

#[test]
fn search_agents_json_writes_one_agent_object_per_line() {
    let run = run(
        &["search-agents", "--simulate", "--limit", "7", "--json"],
        None,
    );
    run.assert_code(0);
    let agents = run.json_lines();
    assert_eq!(agents.len(), 7, "{}", run.stdout);
    for key in [
        "asset_id",
        "agent_id",
        "name",
        "dns_host_name",
        "address",
        "os",
        "platform",
        "agent_version",
        "status",
        "last_checked_in",
        "activated_modules",
        "tags",
    ] {
        assert!(agents[0].get(key).is_some(), "no {key} in {}", agents[0]);
    }
    assert!(agents[0]["asset_id"].is_u64());
    assert!(run.stderr.contains("next cursor: "), "{}", run.stderr);
}

#[test]
fn the_shared_flags_work_before_the_subcommand_too() {
    let before = run(
        &["--simulate", "--json", "search-agents", "--limit", "7"],
        None,
    );
    before.assert_code(0);
    let after = run(
        &["search-agents", "--simulate", "--limit", "7", "--json"],
        None,
    );
    after.assert_code(0);
    assert_eq!(before.json_lines(), after.json_lines());
    assert_eq!(before.json_lines().len(), 7, "{}", before.stdout);
    let describe = run(&["--json", "describe"], None);
    describe.assert_code(0);
    assert!(describe.json()["actions"].is_array(), "{}", describe.stdout);
}

#[test]
fn without_a_username_or_simulate_the_command_exits_2_before_asking_for_a_password() {
    let run = run(&["test-connection", "--server", "US2"], None);
    run.assert_code(2);
    assert!(run.stderr.contains("--username"), "{}", run.stderr);
}

#[test]
fn search_agents_table_lists_the_agents_and_the_next_cursor() {
    let run = run(&["search-agents", "--simulate", "--limit", "5"], None);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ASSET ID"), "{}", run.stdout);
    assert!(run.stdout.contains("5 agents"), "{}", run.stdout);
    let cursor_line = lines
        .iter()
        .find(|line| line.starts_with("Next cursor: "))
        .unwrap_or_else(|| panic!("no next cursor:\n{}", run.stdout));
    let cursor = cursor_line.trim_start_matches("Next cursor: ");

    let next = self::run(
        &[
            "search-agents",
            "--simulate",
            "--limit",
            "5",
            "--cursor",
            cursor,
        ],
        None,
    );
    next.assert_code(0);
    let first_id = |text: &str| -> u64 {
        let row = text.lines().nth(1).expect("a first row");
        row.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert!(
        first_id(&next.stdout) > first_id(&run.stdout),
        "the cursor continues after the first page:\n{}",
        next.stdout
    );
}

#[test]
fn search_agents_all_follows_the_cursors_to_the_last_page() {
    let run = run(
        &[
            "search-agents",
            "--simulate",
            "--all",
            "--limit",
            "100",
            "--json",
        ],
        None,
    );
    run.assert_code(0);
    let ids: Vec<u64> = run
        .json_lines()
        .iter()
        .map(|agent| agent["asset_id"].as_u64().unwrap())
        .collect();
    let default_agents = SimulatorConfig::default().agents;
    assert_eq!(ids.len(), default_agents);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending, no repeats"
    );
    assert!(
        run.stderr.contains(&format!(
            "search-agents: {default_agents} agents in 3 pages"
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("next cursor"), "{}", run.stderr);
}

#[test]
fn search_agents_all_shows_a_live_progress_line_on_a_terminal() {
    let component = component_path();
    let args = [
        "--component",
        component.to_str().unwrap(),
        "search-agents",
        "--simulate",
        "--all",
        "--limit",
        "100",
    ];
    let mut session = spawn_in_terminal(BINARY, &args);
    let transcript = session.exp_eof().expect("the command ends");
    // Only the beginning matters (the progress comes before the table); rexpect reads bytes
    // as Latin-1, which is why this test looks only at ASCII text.
    let beginning: String = transcript.chars().take(600).collect();
    for pages in ["100 agents in 1 page...", "200 agents in 2 pages..."] {
        assert!(
            beginning.contains(&format!("\r\x1b[Ksearch-agents: {pages}")),
            "{beginning:?}"
        );
    }
    assert!(
        beginning.contains("\r\x1b[Ksearch-agents: 300 agents in 3 pages, done\r\n"),
        "{beginning:?}"
    );
    assert!(transcript.contains("300 agents\r\nNo more agents match."));
    assert_no_password(&transcript);
}

#[test]
fn describe_json_is_the_manifest_and_the_summary_names_every_action() {
    let json = run(&["describe", "--json"], None);
    json.assert_code(0);
    let manifest = json.json();
    let names: Vec<&str> = manifest["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "test-connection",
            "activate-user",
            "deactivate-user",
            "activate-users",
            "deactivate-users",
            "search-agents",
            "launch-scan"
        ]
    );
    let summary = run(&["describe"], None);
    summary.assert_code(0);
    for name in names {
        assert!(summary.stdout.contains(name), "{}", summary.stdout);
    }
}

// --- user status: deactivation and batches ------------------------------------------------

/// The logins of a mixed batch: Inactive, Active, Pending Activation, unknown.
const MIXED_LOGINS: [&str; 4] = [
    scenario::INACTIVE_READER,
    scenario::ACTIVE_SCANNER,
    scenario::PENDING_READER,
    "acme_nobody",
];

#[test]
fn deactivating_an_active_user_prints_changed_yes() {
    let run = run(
        &[
            "deactivate-user",
            scenario::ACTIVE_EUROPE_SCANNER,
            "--simulate",
        ],
        None,
    );
    run.assert_code(0);
    run.assert_stdout_shows(&["Previous status  Active", "Changed          yes"]);
}

#[test]
fn deactivating_an_inactive_user_says_already_inactive() {
    let run = run(
        &["deactivate-user", scenario::INACTIVE_READER, "--simulate"],
        None,
    );
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("Changed          no (already Inactive: nothing was sent)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_mixed_batch_of_login_arguments_prints_a_line_per_login_and_exits_6() {
    let mut args = vec!["activate-user", "--simulate"];
    args.extend(MIXED_LOGINS);
    let run = run(&args, None);
    run.assert_code(6);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + MIXED_LOGINS.len(), "{}", run.stdout);
    assert!(lines[0].starts_with("LOGIN"), "{}", run.stdout);
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (line, login) in lines[1..].iter().zip(MIXED_LOGINS) {
        assert_eq!(words(line)[0], login, "{}", run.stdout);
    }
    assert_eq!(words(lines[1])[1..3], ["Inactive", "yes"], "{}", run.stdout);
    assert_eq!(words(lines[2])[1..3], ["Active", "no"], "{}", run.stdout);
    assert!(lines[3].contains("error: conflict"), "{}", run.stdout);
    assert!(lines[4].contains("error: not-found"), "{}", run.stdout);
    assert!(
        run.stderr.contains("2 of 4 logins failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn logins_on_stdin_with_json_give_one_object_per_login_with_ok_or_error() {
    let stdin = format!(
        "{}, {}\n{} {}\n",
        MIXED_LOGINS[0], MIXED_LOGINS[1], MIXED_LOGINS[2], MIXED_LOGINS[3]
    );
    let run = run_command(
        harness(&["activate-user", "--simulate", "--json"]),
        Some(&stdin),
    );
    run.assert_code(6);
    let lines = run.json_lines();
    assert_eq!(lines.len(), MIXED_LOGINS.len(), "{}", run.stdout);
    for (line, login) in lines.iter().zip(MIXED_LOGINS) {
        assert_eq!(line["login"], login, "{line}");
    }
    assert_eq!(
        lines[0]["ok"]["previous_status"], "Inactive",
        "{}",
        lines[0]
    );
    assert_eq!(lines[0]["ok"]["changed"], true, "{}", lines[0]);
    assert_eq!(lines[1]["ok"]["changed"], false, "{}", lines[1]);
    assert!(lines[0].get("error").is_none(), "{}", lines[0]);
    assert_eq!(lines[2]["error"]["kind"], "conflict", "{}", lines[2]);
    assert_eq!(lines[3]["error"]["kind"], "not-found", "{}", lines[3]);
    for key in [
        "message",
        "http_status",
        "qualys_code",
        "retry_after_secs",
        "hint",
    ] {
        assert!(
            lines[3]["error"].get(key).is_some(),
            "no {key} in {}",
            lines[3]
        );
    }
    assert!(lines[3].get("ok").is_none(), "{}", lines[3]);
}

#[test]
fn a_batch_where_no_login_succeeds_exits_7() {
    let run = run(
        &[
            "deactivate-user",
            scenario::PENDING_READER,
            "acme_nobody",
            "--simulate",
            "--json",
        ],
        None,
    );
    run.assert_code(7);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines.iter().all(|line| line.get("error").is_some()),
        "{}",
        run.stdout
    );
}

#[test]
fn deactivate_user_without_logins_on_stdin_exits_2_with_a_hint() {
    let run = run(&["deactivate-user", "--simulate"], None);
    run.assert_code(2);
    assert!(run.stderr.contains("no logins on stdin"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

// --- search-agents by tag -----------------------------------------------------------------

/// The tag names of a `search-agents --json` line.
fn tags_of(agent: &Value) -> Vec<&str> {
    agent["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags array in {agent}"))
        .iter()
        .map(|tag| tag.as_str().expect("each tag is a string"))
        .collect()
}

#[test]
fn search_agents_with_a_tag_returns_only_agents_carrying_it() {
    let agents = searched_agents(&["--tag", "Production"]);
    assert!(
        !agents.is_empty(),
        "some simulated agents are in Production"
    );
    for agent in &agents {
        assert!(tags_of(agent).contains(&"Production"), "{agent}");
    }
    let all = searched_agents(&[]);
    assert!(agents.len() < all.len(), "the tag filters some agents out");
}

#[test]
fn search_agents_with_two_tags_returns_agents_carrying_both() {
    let agents = searched_agents(&["--tag", "Windows", "--tag", "Production"]);
    assert!(!agents.is_empty(), "some simulated agents carry both tags");
    for agent in &agents {
        let tags = tags_of(agent);
        assert!(
            tags.contains(&"Windows") && tags.contains(&"Production"),
            "{agent}"
        );
    }
}

// --- the pipe from search to scan ---------------------------------------------------------

/// The agents of a simulated `search-agents --json` with `filters`.
fn searched_agents(filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["search-agents", "--simulate", "--json", "--all"];
    args.extend_from_slice(filters);
    let run = run(&args, None);
    run.assert_code(0);
    run.json_lines()
}

/// `launch-scan` with `stdin` and extra arguments, simulated, JSON.
fn launch_with_stdin(extra: &[&str], stdin: &str) -> Run {
    let mut args = vec!["launch-scan", "--simulate", "--json"];
    args.extend_from_slice(extra);
    run_command(harness(&args), Some(stdin))
}

#[test]
fn asset_ids_piped_from_search_agents_are_all_scanned() {
    let agents = searched_agents(&["--os", "Windows"]);
    assert!(!agents.is_empty());
    // What `jq .asset_id` would write: one JSON number per line.
    let ids: Vec<u64> = agents
        .iter()
        .map(|agent| agent["asset_id"].as_u64().unwrap())
        .collect();
    let stdin: String = ids.iter().map(|id| format!("{id}\n")).collect();

    let run = launch_with_stdin(&["--type", "vulnerability"], &stdin);
    run.assert_code(0);
    let launch = run.json();
    assert_eq!(launch["scan_type"], "Vulnerability_Scan");
    let launched = id_set(&launch["launched"]);
    let not_launched = id_set(&launch["not_launched"]);
    let with_vm: BTreeSet<u64> = agents
        .iter()
        .filter(|agent| has_module(agent, MODULE_VM))
        .map(|agent| agent["asset_id"].as_u64().unwrap())
        .collect();
    assert!(!with_vm.is_empty());
    assert_eq!(
        launched, with_vm,
        "the agents with the VM module are scanned"
    );
    assert_eq!(launched.len() + not_launched.len(), ids.len());
    assert!(launch["failed_batch"].is_null(), "{launch}");
    assert_eq!(launch["not_sent"], Value::Array(vec![]));
}

#[test]
fn search_agents_json_lines_can_be_piped_into_launch_scan_as_they_are() {
    let search = run(
        &["search-agents", "--simulate", "--json", "--limit", "20"],
        None,
    );
    search.assert_code(0);
    let run = launch_with_stdin(&[], &search.stdout);
    run.assert_code(0);
    let launch = run.json();
    assert_eq!(launch["scan_type"], "Inventory_Scan");
    assert_eq!(id_set(&launch["launched"]).len(), 20, "{launch}");
}

#[test]
fn quoted_and_comma_separated_ids_on_stdin_are_read() {
    let agents = searched_agents(&["--limit", "3"]);
    let ids: Vec<String> = agents
        .iter()
        .take(3)
        .map(|agent| agent["asset_id"].to_string())
        .collect();
    let stdin = format!("\"{}\", {}\n[{}]\n", ids[0], ids[1], ids[2]);
    let run = launch_with_stdin(&[], &stdin);
    run.assert_code(0);
    assert_eq!(id_set(&run.json()["launched"]).len(), 3, "{}", run.stdout);
}

#[test]
fn an_agent_uuid_on_stdin_exits_2_and_explains_the_asset_id() {
    let agents = searched_agents(&["--limit", "1"]);
    let uuid = agents[0]["agent_id"]
        .as_str()
        .expect("the agent has a UUID");
    let run = launch_with_stdin(&["--type", "vulnerability"], &format!("{uuid}\n"));
    run.assert_code(2);
    let error = assert_json_error(&run, "invalid-input");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(uuid), "{message}");
    assert!(message.contains("agent UUID"), "{message}");
    assert!(message.contains("asset_id"), "{message}");
    assert!(
        !run.stderr.contains("simulated"),
        "nothing was started: {}",
        run.stderr
    );
}

#[test]
fn an_agent_uuid_as_argument_exits_2_too() {
    let run = run(
        &[
            "launch-scan",
            "--simulate",
            "6f1c2a40-0b8e-4c1e-9d7a-3e5f00000001",
        ],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("agent UUID"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

#[test]
fn launch_scan_with_no_ids_on_stdin_exits_2() {
    let run = launch_with_stdin(&[], "\n");
    run.assert_code(2);
    assert_json_error(&run, "invalid-input");
}

#[test]
fn launch_scan_table_shows_launched_not_launched_failed_batch_and_not_sent() {
    let agents = searched_agents(&["--limit", "2"]);
    let first = agents[0]["asset_id"].to_string();
    let second = agents[1]["asset_id"].to_string();
    // Asset id 1 is no Cloud Agent host asset of the simulated subscription.
    let run = run(&["launch-scan", "--simulate", &first, &second, "1"], None);
    run.assert_code(0);
    let text = &run.stdout;
    assert!(text.contains("Scan type        Inventory_Scan"), "{text}");
    assert!(
        text.contains(&format!("Launched         2: {first} {second}")),
        "{text}"
    );
    assert!(text.contains("Not launched     1: 1"), "{text}");
    assert!(text.contains("Failed batch     0"), "{text}");
    assert!(text.contains("Not sent         0"), "{text}");
}

#[test]
fn a_failed_batch_prints_the_result_then_exits_with_the_batch_error_code() {
    let sim = simulator();
    // The first scan request is answered normally, the second is refused for an hour.
    sim.inject(FaultRule::once(Fault::DelayBeforeHeaders(Duration::ZERO)).on_path("/ods/"));
    sim.inject(
        FaultRule::once(Fault::RateLimited {
            code: 1965,
            wait_secs: Some(3600),
        })
        .on_path("/ods/"),
    );
    let origin = sim.origin();
    let ids: String = (1..=1100).map(|id| format!("{id}\n")).collect();
    let mut command = harness(&[
        "launch-scan",
        "--username",
        accounts::MANAGER.login,
        "--route-to",
        &origin,
        "--timeout",
        "10",
        "--json",
    ]);
    command.env("QUALYS_PASSWORD", accounts::MANAGER.password);
    let run = run_command(command, Some(&ids));
    run.assert_code(4);
    let launch = run.json();
    assert_eq!(launch["not_launched"].as_array().unwrap().len(), 1000);
    assert_eq!(
        launch["failed_batch"]["asset_ids"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(launch["failed_batch"]["error"]["kind"], "rate-limited");
    assert_eq!(launch["failed_batch"]["error"]["qualys_code"], "1965");
    assert!(
        run.stderr
            .contains("error: launch-scan: a batch of 100 asset ids failed: rate-limited"),
        "{}",
        run.stderr
    );
}

fn id_set(value: &Value) -> BTreeSet<u64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is a list"))
        .iter()
        .map(|id| id.as_u64().unwrap())
        .collect()
}

fn has_module(agent: &Value, module: &str) -> bool {
    agent["activated_modules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|activated| activated.as_str().is_some_and(|name| name.contains(module)))
}

// --- the password prompt ------------------------------------------------------------------

/// How long the pseudo-terminal tests wait for each expected text.
const PTY_TIMEOUT_MS: u64 = 60_000;

/// Spawns `args` in a pseudo-terminal whose echo is ON when the binary starts (rexpect turns
/// it off; a terminal a person uses has it on), so only the binary can hide the password.
fn spawn_in_terminal(program: &str, args: &[&str]) -> rexpect::session::PtySession {
    let mut command = Command::new("sh");
    command
        .args(["-c", "stty echo && exec \"$0\" \"$@\"", program])
        .args(args)
        .env_remove("QUALYS_PASSWORD")
        .env_remove("QUALYS_CONNECTOR_WASM");
    rexpect::session::spawn_command(command, Some(PTY_TIMEOUT_MS)).expect("a pseudo-terminal")
}

#[test]
fn the_test_terminal_echoes_what_is_typed_unless_the_program_hides_it() {
    // The control for the prompt test: in this terminal, a plain `read` shows the text.
    // Typing only after `ready`: text typed before `stty echo` ran would not be echoed.
    let mut session = spawn_in_terminal("sh", &["-c", "echo ready && read line && echo got-it"]);
    session.exp_string("ready").unwrap();
    session.send_line("visible-typing").unwrap();
    let transcript = session.exp_string("got-it").unwrap();
    assert!(transcript.contains("visible-typing"), "{transcript:?}");
}

#[test]
fn without_the_variable_the_password_is_asked_for_without_echo() {
    let sim = simulator();
    let component = component_path();
    let origin = sim.origin();
    let args = [
        "--component",
        component.to_str().unwrap(),
        "test-connection",
        "--username",
        accounts::MANAGER.login,
        "--route-to",
        &origin,
    ];
    let mut session = spawn_in_terminal(BINARY, &args);
    let before = session
        .exp_string("Qualys password for acme_mg1: ")
        .expect("the prompt");
    session.send_line(accounts::MANAGER.password).unwrap();
    let after = session.exp_eof().expect("the command ends");
    let transcript = format!("{before}{after}");
    assert!(
        !transcript.contains(accounts::MANAGER.password),
        "the password was echoed:\n{transcript}"
    );
    assert!(
        transcript.contains("logged in to https://qualysapi.qualys.com as acme_mg1"),
        "{transcript}"
    );
    let status = session.process().wait().expect("an exit status");
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}\n{transcript}"
    );
}

#[test]
fn without_the_variable_or_a_terminal_the_command_exits_2() {
    // setsid: no controlling terminal, as under CI or cron, even when the tests run in one.
    let mut command = Command::new("setsid");
    command
        .arg("--wait")
        .arg(BINARY)
        .arg("--component")
        .arg(component_path())
        .args(["test-connection", "--username", "acme_mg1", "--json"])
        .args(["--route-to", &closed_origin()])
        .env_remove("QUALYS_PASSWORD")
        .stdin(Stdio::null());
    let run = run_command(command, None);
    run.assert_code(2);
    let error = assert_json_error(&run, "invalid-input");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("QUALYS_PASSWORD"),
        "{error}"
    );
}
