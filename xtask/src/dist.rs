//! `cargo xtask dist`: what a plugin host or a marketplace receives, in `dist/`:
//!
//! | file | what |
//! |---|---|
//! | `qualys-connector.wasm` | the component, as `cargo xtask build` writes it |
//! | `qualys-connector-served.wasm` | the component composed behind the HTTP gateway: `wasi:http/proxy` plus `wasi:config/store` (docs/deploy.md) |
//! | `qualys-connector-served-strict.wasm` | the same within `wasi:http/proxy` alone, reaching only the Qualys platforms |
//! | `connector.wit` | the WIT package `qualys:connector@0.2.0`, as text |
//! | `served.wit` | the same package's worlds of the served component, as text |
//! | `qualys-connector.wit.wasm` | the same package in the binary WIT format (`wasm-tools component wit` reads it) |
//! | `describe.json` | the component's `describe()` manifest, got by calling the component |
//! | `SHA256SUMS` | a SHA-256 of each file above, in `sha256sum -c` form |
//!
//! `dist/` is emptied first, so it holds exactly these files.

use std::path::Path;

use wit_parser::Resolve;

use crate::tools::sha256_hex;
use crate::{XtaskError, cargo_command, read, remove_dir, workspace_root, write};

/// The WIT package, relative to the workspace root.
const WIT: &str = "wit/connector.wit";

/// The served component's worlds, in the same package.
const SERVED_WIT: &str = "wit/served.wit";

/// The WIT package's folder, with the WASI packages it imports under `deps/`.
const WIT_DIR: &str = "wit";

/// Builds the component and writes `dist/`.
pub fn dist() -> Result<(), XtaskError> {
    let component_path = crate::build()?;
    let served = crate::served::build(&component_path)?;
    let component = read(&component_path)?;
    let served_component = read(&served.configurable)?;
    let strict_component = read(&served.strict)?;
    let wit_text = read(&workspace_root().join(WIT))?;
    let served_wit_text = read(&workspace_root().join(SERVED_WIT))?;
    let wit_binary = encode_wit_package(&workspace_root().join(WIT_DIR))?;
    let describe = describe_json(&component_path)?;
    let files: [(&str, &[u8]); 7] = [
        ("qualys-connector.wasm", &component),
        ("qualys-connector-served.wasm", &served_component),
        ("qualys-connector-served-strict.wasm", &strict_component),
        ("connector.wit", &wit_text),
        ("served.wit", &served_wit_text),
        ("qualys-connector.wit.wasm", &wit_binary),
        ("describe.json", &describe),
    ];
    let dir = workspace_root().join("dist");
    recreate(&dir)?;
    for (name, bytes) in files {
        write(&dir.join(name), bytes)?;
    }
    let sums = sha256sums(&files);
    write(&dir.join("SHA256SUMS"), sums.as_bytes())?;
    print!("{sums}");
    println!("wrote {}", dir.display());
    Ok(())
}

/// The WIT package in the folder `dir` (its `deps/` included) in the binary WIT format (a
/// component holding only types, self-contained: the WASI types it uses are in it).
pub fn encode_wit_package(dir: &Path) -> Result<Vec<u8>, XtaskError> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_dir(dir)
        .map_err(|error| XtaskError::Component(format!("{}: {error:#}", dir.display())))?;
    wit_component::encode(&resolve, package)
        .map_err(|error| XtaskError::Component(format!("cannot encode the WIT: {error:#}")))
}

/// Calls the component's `describe()` through the harness (`host-harness/examples/
/// describe.rs`) and checks that the answer is JSON.
fn describe_json(component: &Path) -> Result<Vec<u8>, XtaskError> {
    let mut command = cargo_command(&[
        "run",
        "--quiet",
        "--package",
        "host-harness",
        "--example",
        "describe",
        "--",
    ]);
    command.arg(component);
    let json = crate::output(command)?;
    serde_json::from_slice::<serde_json::Value>(&json)
        .map_err(|error| XtaskError::Component(format!("describe() is not JSON: {error}")))?;
    Ok(json)
}

/// `SHA256SUMS` in `sha256sum` form: `<hex>  <name>`, one line per file, in the given order.
pub fn sha256sums(files: &[(&str, &[u8])]) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect()
}

fn recreate(dir: &Path) -> Result<(), XtaskError> {
    remove_dir(dir)?;
    std::fs::create_dir_all(dir).map_err(|source| XtaskError::File {
        path: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wit_component::DecodedWasm;

    #[test]
    fn sums_are_in_sha256sum_form_in_order() {
        let sums = sha256sums(&[("a.txt", b"abc"), ("b", b"")]);
        assert_eq!(
            sums,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b\n"
        );
    }

    #[test]
    fn the_binary_wit_package_decodes_to_the_same_package() {
        let binary = encode_wit_package(&workspace_root().join(WIT_DIR)).unwrap();
        let DecodedWasm::WitPackage(resolve, package) = wit_component::decode(&binary).unwrap()
        else {
            panic!("not a WIT package");
        };
        let package = &resolve.packages[package];
        assert_eq!(package.name.to_string(), "qualys:connector@0.2.0");
        assert!(package.interfaces.contains_key("actions"));
        assert!(package.worlds.contains_key("connector"));
    }
}
