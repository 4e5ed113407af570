//! `cargo xtask`: build, test and demo tasks for qualys-connector.
//!
//! * `cargo xtask build`: builds the guest for `wasm32-unknown-unknown` (profile `guest`),
//!   turns the core module into a component with `wit-component`, validates it, checks its
//!   imports, and writes `target/qualys-connector.wasm`; then builds the HTTP gateway
//!   (`gateway/`) and composes it with that component into `target/qualys-connector-served.wasm`
//!   and `target/qualys-connector-served-strict.wasm`, checking that each targets its world
//!   and holds the connector byte for byte (see [`served`]).
//! * `cargo xtask build-hostile`: the same for the hostile test fixture (`tests/hostile-guest`),
//!   written to `target/hostile-guest.wasm`, for running the limit tests by hand.
//! * `cargo xtask test`: formatting check, the build above, the same build of the hostile test
//!   fixture (`tests/hostile-guest`, to `target/hostile-guest.wasm`), every test of the
//!   workspace against both components, and clippy (native and wasm) with warnings denied.
//! * `cargo xtask demo`: the build above, then the narrated demo against the embedded simulator.
//! * `cargo xtask bench`: the build above, then the benchmark table (`host-harness/examples/
//!   bench.rs`): the component against its floor, size, compile, load, instantiation, memory,
//!   the pooling allocator, and the served component under `wasmtime serve` against the same
//!   calls in process.
//! * `cargo xtask tools`: installs, when missing, what the host tests drive: the stock wasmtime
//!   CLI 48.x into `target/tools/bin`, jco into `hosts/node/node_modules` and the OpenAPI
//!   validator into `target/tools/openapi-validator` (see [`tools`]); prints the variables to
//!   export for running those tests by hand. `cargo xtask test` runs it before the tests and
//!   passes the paths (`QUALYS_WASMTIME_CLI`, `QUALYS_NODE`, `QUALYS_JCO`,
//!   `QUALYS_OPENAPI_VALIDATOR`, `QUALYS_SIMULATOR`).
//! * `cargo xtask dist`: the build above, then `dist/`: the component, the two served
//!   components, the WIT package (text and binary), the `describe()` JSON and their
//!   `SHA256SUMS` (see [`dist`]).

mod component;
mod dist;
mod served;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The wasm target the guest is built for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Why a task failed.
#[derive(Debug, thiserror::Error)]
pub enum XtaskError {
    /// A command could not be started.
    #[error("could not run {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// A command ran and failed.
    #[error("{command} failed ({status})")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The component is wrong: it does not encode, validate, or imports too much.
    #[error("component: {0}")]
    Component(String),
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// A host tool (the wasmtime CLI, Node.js, jco) is missing or could not be installed.
    #[error("tools: {0}")]
    Tool(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build()
            .and_then(|connector| served::build(&connector))
            .map(|_| ()),
        Some("build-hostile") => build_hostile_guest().map(|_| ()),
        Some("test") => test(),
        Some("demo") => demo(&args[1..]),
        Some("bench") => bench(),
        Some("tools") => tools::install_and_print(),
        Some("dist") => dist::dist(),
        _ => Err(XtaskError::Usage(
            "usage: cargo xtask <build|build-hostile|test|demo|bench|tools|dist>".to_owned(),
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A guest crate and the component `cargo xtask` makes of it.
struct Guest {
    /// The cargo package.
    package: &'static str,
    /// The core module cargo writes (`target/wasm32-unknown-unknown/guest/<this>`).
    core_module: &'static str,
    /// The component written under the target directory.
    component: &'static str,
    /// Whether its imports must be exactly those of the world in `wit/`; the hostile fixture
    /// imports less than the connector, so for it only the allowed set is checked.
    matches_world: bool,
}

/// The connector itself.
const CONNECTOR: Guest = Guest {
    package: "qualys-connector",
    core_module: "qualys_connector.wasm",
    component: "qualys-connector.wasm",
    matches_world: true,
};

/// The deliberately misbehaving test fixture of the harness's limit tests.
const HOSTILE_GUEST: Guest = Guest {
    package: "hostile-guest",
    core_module: "hostile_guest.wasm",
    component: "hostile-guest.wasm",
    matches_world: false,
};

/// Builds and checks the component; returns its path.
fn build() -> Result<PathBuf, XtaskError> {
    build_guest(&CONNECTOR)
}

/// Builds and checks the hostile test component; returns its path.
fn build_hostile_guest() -> Result<PathBuf, XtaskError> {
    build_guest(&HOSTILE_GUEST)
}

/// Builds `guest` for the wasm target (profile `guest`), encodes, validates and checks the
/// component's imports, and writes it under the target directory; returns its path.
fn build_guest(guest: &Guest) -> Result<PathBuf, XtaskError> {
    ensure_wasm_target()?;
    cargo(&[
        "build",
        "--package",
        guest.package,
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "guest",
    ])?;
    let core = target_dir()
        .join(WASM_TARGET)
        .join("guest")
        .join(guest.core_module);
    let module = read(&core)?;
    let component = component::encode(&module)?;
    let imports = component::check_imports(&component)?;
    if guest.matches_world {
        let declared = component::declared_imports(&workspace_root().join("wit"), "connector")?;
        component::check_against_world(&imports, &declared)?;
    }
    let out = artifacts_dir()?.join(guest.component);
    write(&out, &component)?;
    println!(
        "built {} ({} bytes); imports: {}",
        out.display(),
        component.len(),
        imports.join(", ")
    );
    Ok(out)
}

/// Formatting, the component, the host tools, every test, clippy.
fn test() -> Result<(), XtaskError> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    let component = build()?;
    let served = served::build(&component)?;
    let hostile = build_hostile_guest()?;
    let tools = tools::install()?;
    // The host tests run the simulator in a process of its own; `cargo test` builds a
    // package's binaries only for that package's own integration tests, so build it here.
    cargo(&[
        "build",
        "--package",
        "qualys-simulator",
        "--bin",
        "qualys-simulator",
    ])?;
    let mut tests = cargo_command(&["test", "--workspace", "--all-targets"]);
    tests
        .env("QUALYS_CONNECTOR_WASM", &component)
        .env("QUALYS_SERVED_WASM", &served.configurable)
        .env("QUALYS_SERVED_STRICT_WASM", &served.strict)
        .env("HOSTILE_GUEST_WASM", &hostile)
        .env("QUALYS_SIMULATOR", simulator_binary())
        .envs(tools.env());
    run(tests)?;
    cargo(&["test", "--workspace", "--doc"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "--package",
        CONNECTOR.package,
        "--package",
        HOSTILE_GUEST.package,
        "--package",
        "qualys-gateway",
        "--lib",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ])
}

/// Builds the component and runs the narrated demo.
fn demo(extra: &[String]) -> Result<(), XtaskError> {
    let component = build()?;
    let component = component.to_string_lossy().into_owned();
    let mut args = vec![
        "run",
        "--quiet",
        "--package",
        "qualys-harness-cli",
        "--bin",
        "qualys-harness",
        "--",
        "--component",
        component.as_str(),
        "demo",
    ];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)
}

/// Builds the components and prints the benchmark table (the served rows run the stock
/// wasmtime CLI, installed as for the tests).
fn bench() -> Result<(), XtaskError> {
    let component = build()?;
    let served = served::build(&component)?;
    let tools = tools::install()?;
    let mut bench = cargo_command(&[
        "run",
        "--quiet",
        "--package",
        "host-harness",
        "--example",
        "bench",
    ]);
    bench
        .env("QUALYS_CONNECTOR_WASM", &component)
        .env("QUALYS_SERVED_WASM", &served.configurable)
        .envs(tools.env());
    run(bench)
}

/// Where `cargo build --package qualys-simulator` writes the `qualys-simulator` binary.
fn simulator_binary() -> PathBuf {
    target_dir()
        .join("debug")
        .join(format!("qualys-simulator{}", std::env::consts::EXE_SUFFIX))
}

/// Adds the wasm target with rustup when the toolchain lacks it.
fn ensure_wasm_target() -> Result<(), XtaskError> {
    let listed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(workspace_root())
        .output();
    let installed = listed
        .map(|output| String::from_utf8_lossy(&output.stdout).contains(WASM_TARGET))
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", WASM_TARGET])
        .current_dir(workspace_root());
    run(add)
}

fn cargo(args: &[&str]) -> Result<(), XtaskError> {
    run(cargo_command(args))
}

fn cargo_command(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.args(args).current_dir(workspace_root());
    command
}

fn run(mut command: Command) -> Result<(), XtaskError> {
    let line = format!("{command:?}");
    let status = command.status().map_err(|source| XtaskError::Spawn {
        command: line.clone(),
        source,
    })?;
    if status.success() {
        return Ok(());
    }
    Err(XtaskError::Failed {
        command: line,
        status,
    })
}

/// Runs `command` and returns its stdout (its stderr goes to ours).
fn output(mut command: Command) -> Result<Vec<u8>, XtaskError> {
    let line = format!("{command:?}");
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| XtaskError::Spawn {
            command: line.clone(),
            source,
        })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    Err(XtaskError::Failed {
        command: line,
        status: output.status,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, XtaskError> {
    std::fs::read(path).map_err(|source| XtaskError::File {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), XtaskError> {
    std::fs::write(path, bytes).map_err(|source| XtaskError::File {
        path: path.to_owned(),
        source,
    })
}

/// Removes `dir` and everything in it; a directory that is not there is fine.
fn remove_dir(dir: &Path) -> Result<(), XtaskError> {
    match std::fs::remove_dir_all(dir) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => Err(XtaskError::File {
            path: dir.to_owned(),
            source,
        }),
        _ => Ok(()),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// Where the built components go: always `target/` under the workspace, the path the README,
/// the snippets and the tests name, whatever `CARGO_TARGET_DIR` says about cargo's own output.
fn artifacts_dir() -> Result<PathBuf, XtaskError> {
    let dir = workspace_root().join("target");
    std::fs::create_dir_all(&dir).map_err(|source| XtaskError::File {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}
