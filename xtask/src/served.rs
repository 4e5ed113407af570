//! The served component: the gateway (`gateway/`) composed with the unchanged connector
//! component into a `wasi:http/proxy` component.
//!
//! Two compositions are written, each from the connector component byte for byte (checked:
//! one nested component of the result is exactly its bytes):
//!
//! * `qualys-connector-served.wasm`: the gateway reads the operator's allow-list from
//!   `wasi:config/store`; its imports must be within the world `served` (`wasi:http/proxy` and
//!   `wasi:config/store`);
//! * `qualys-connector-served-strict.wasm`: the gateway built without that feature; its imports
//!   must be within `served-strict` (`wasi:http/proxy` alone), and it reaches only the Qualys
//!   platforms.
//!
//! Both must export exactly `wasi:http/incoming-handler@0.2.2`.

use std::path::{Path, PathBuf};

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};
use wasmparser::{Parser, Payload};

use crate::{
    WASM_TARGET, XtaskError, artifacts_dir, cargo, component, read, workspace_root, write,
};

/// The export every served component has, and its only one.
const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2.2";

/// One composition of the gateway with the connector.
struct Variant {
    /// Cargo features of the gateway (`--no-default-features` when empty).
    features: &'static [&'static str],
    /// The gateway's world in `wit/served.wit`.
    gateway_world: &'static str,
    /// The world the composition's imports must lie within.
    served_world: &'static str,
    /// The file written under the target directory.
    file: &'static str,
}

/// The served component that reads the operator's allow-list.
const CONFIGURABLE: Variant = Variant {
    features: &["operator-config"],
    gateway_world: "gateway",
    served_world: "served",
    file: "qualys-connector-served.wasm",
};

/// The served component within `wasi:http/proxy` alone.
const STRICT: Variant = Variant {
    features: &[],
    gateway_world: "gateway-strict",
    served_world: "served-strict",
    file: "qualys-connector-served-strict.wasm",
};

/// The paths of the two served components.
pub struct Served {
    /// `qualys-connector-served.wasm`.
    pub configurable: PathBuf,
    /// `qualys-connector-served-strict.wasm`.
    pub strict: PathBuf,
}

/// Builds both compositions of the gateway with the connector component at `connector`.
pub fn build(connector: &Path) -> Result<Served, XtaskError> {
    let connector = read(connector)?;
    Ok(Served {
        configurable: build_variant(&CONFIGURABLE, &connector)?,
        strict: build_variant(&STRICT, &connector)?,
    })
}

fn build_variant(variant: &Variant, connector: &[u8]) -> Result<PathBuf, XtaskError> {
    let gateway = build_gateway(variant)?;
    let served = compose(&gateway, connector)?;
    check_served(variant, &served, connector)?;
    let out = artifacts_dir()?.join(variant.file);
    write(&out, &served)?;
    println!(
        "built {} ({} bytes): gateway {} bytes + connector {} bytes, targets {}",
        out.display(),
        served.len(),
        gateway.len(),
        connector.len(),
        variant.served_world
    );
    Ok(out)
}

/// The gateway component of `variant`, its imports checked against its world.
fn build_gateway(variant: &Variant) -> Result<Vec<u8>, XtaskError> {
    let features = variant.features.join(",");
    let mut args = vec![
        "build",
        "--package",
        "qualys-gateway",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "guest",
        "--no-default-features",
    ];
    if !features.is_empty() {
        args.extend(["--features", features.as_str()]);
    }
    cargo(&args)?;
    let core = crate::target_dir()
        .join(WASM_TARGET)
        .join("guest")
        .join("qualys_gateway.wasm");
    let gateway = component::encode(&read(&core)?)?;
    let (imports, _) = component::imports_and_exports(&gateway)?;
    let declared = component::declared_imports(&wit_dir(), variant.gateway_world)?;
    component::check_within_world(&imports, &declared)?;
    Ok(gateway)
}

/// The gateway with its `qualys:connector` imports satisfied by the connector's exports.
fn compose(gateway: &[u8], connector: &[u8]) -> Result<Vec<u8>, XtaskError> {
    let failed = |what: &str, error: &dyn std::fmt::Display| {
        XtaskError::Component(format!("composition: {what}: {error:#}"))
    };
    let mut graph = CompositionGraph::new();
    let gateway = Package::from_bytes("qualys:gateway", None, gateway, graph.types_mut())
        .map_err(|error| failed("the gateway", &error))?;
    let gateway = graph
        .register_package(gateway)
        .map_err(|error| failed("the gateway", &error))?;
    let connector = Package::from_bytes("qualys:connector", None, connector, graph.types_mut())
        .map_err(|error| failed("the connector", &error))?;
    let connector = graph
        .register_package(connector)
        .map_err(|error| failed("the connector", &error))?;
    wac_graph::plug(&mut graph, vec![connector], gateway)
        .map_err(|error| failed("plugging the connector into the gateway", &error))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|error| failed("encoding", &error))
}

/// Fails unless `served` imports within its world, exports only the incoming handler, and
/// nests the connector component unchanged.
fn check_served(variant: &Variant, served: &[u8], connector: &[u8]) -> Result<(), XtaskError> {
    let (imports, exports) = component::imports_and_exports(served)?;
    let declared = component::declared_imports(&wit_dir(), variant.served_world)?;
    component::check_within_world(&imports, &declared)?;
    if exports != [INCOMING_HANDLER] {
        return Err(XtaskError::Component(format!(
            "{} must export {INCOMING_HANDLER} alone; it exports [{}]",
            variant.file,
            exports.join(", ")
        )));
    }
    if !nests_unchanged(served, connector) {
        return Err(XtaskError::Component(format!(
            "{} does not hold the connector component byte for byte",
            variant.file
        )));
    }
    Ok(())
}

/// Whether one component nested in `outer`, at any depth, is exactly `inner`.
fn nests_unchanged(outer: &[u8], inner: &[u8]) -> bool {
    Parser::new(0).parse_all(outer).any(|payload| {
        matches!(payload, Ok(Payload::ComponentSection { unchecked_range, .. })
            if outer.get(unchecked_range.clone()) == Some(inner))
    })
}

fn wit_dir() -> PathBuf {
    workspace_root().join("wit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_nested_verbatim_is_found_and_a_changed_one_is_not() {
        let inner = wit_component_dummy();
        let mut graph = CompositionGraph::new();
        let package =
            Package::from_bytes("t:inner", None, inner.clone(), graph.types_mut()).unwrap();
        let id = graph.register_package(package).unwrap();
        graph.instantiate(id);
        let outer = graph.encode(EncodeOptions::default()).unwrap();
        assert!(nests_unchanged(&outer, &inner));
        let mut changed = inner.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(!nests_unchanged(&outer, &changed));
    }

    /// A small valid component.
    fn wit_component_dummy() -> Vec<u8> {
        crate::component::tests::component_of(
            "package t:t; interface i { f: func(); } world w { export i; }",
        )
    }
}
