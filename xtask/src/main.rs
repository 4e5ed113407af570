//! `cargo xtask`: build, test and demo tasks for qualys-connector.
//!
//! * `cargo xtask build`: builds the guest for `wasm32-unknown-unknown` (profile `guest`),
//!   turns the core module into a component with `wit-component`, validates it, checks its
//!   imports, and writes `target/qualys-connector.wasm`.
//! * `cargo xtask test`: formatting check, the build above, every test of the workspace against
//!   the built component, and clippy (native and wasm) with warnings denied.
//! * `cargo xtask demo`: the build above, then the narrated demo against the embedded simulator.

mod component;

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
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build().map(|_| ()),
        Some("test") => test(),
        Some("demo") => demo(&args[1..]),
        _ => Err(XtaskError::Usage(
            "usage: cargo xtask <build|test|demo>".to_owned(),
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

/// Builds and checks the component; returns its path.
fn build() -> Result<PathBuf, XtaskError> {
    ensure_wasm_target()?;
    cargo(&[
        "build",
        "--package",
        "qualys-connector",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "guest",
    ])?;
    let core = target_dir()
        .join(WASM_TARGET)
        .join("guest")
        .join("qualys_connector.wasm");
    let module = read(&core)?;
    let component = component::encode(&module)?;
    let imports = component::check_imports(&component)?;
    let out = component_path();
    std::fs::write(&out, &component).map_err(|source| XtaskError::File {
        path: out.clone(),
        source,
    })?;
    println!(
        "built {} ({} bytes); imports: {}",
        out.display(),
        component.len(),
        imports.join(", ")
    );
    Ok(out)
}

/// Formatting, the component, every test, clippy.
fn test() -> Result<(), XtaskError> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    let component = build()?;
    let mut tests = cargo_command(&["test", "--workspace", "--all-targets"]);
    tests.env("QUALYS_CONNECTOR_WASM", &component);
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
        "qualys-connector",
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
        "host-harness",
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

fn read(path: &Path) -> Result<Vec<u8>, XtaskError> {
    std::fs::read(path).map_err(|source| XtaskError::File {
        path: path.to_owned(),
        source,
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Where `cargo xtask build` writes the component.
fn component_path() -> PathBuf {
    target_dir().join("qualys-connector.wasm")
}
