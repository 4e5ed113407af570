//! Turning the core module into a component, and checking what it imports.
//!
//! The import check reads the component's own type information (decoded into a WIT world by
//! `wit-component`), never its text: every import must be an interface of `wasi:http`,
//! `wasi:io`, `wasi:clocks/monotonic-clock`, or this package's `types` interface.

use wasmparser::{Validator, WasmFeatures};
use wit_component::{ComponentEncoder, DecodedWasm};
use wit_parser::{Resolve, WorldItem, WorldKey};

use crate::XtaskError;

/// The package whose `types` interface the component may import.
const OWN_PACKAGE: (&str, &str) = ("qualys", "connector");

/// Encodes `module` (with its embedded component-type sections) as a validated component.
pub fn encode(module: &[u8]) -> Result<Vec<u8>, XtaskError> {
    let component = ComponentEncoder::default()
        .module(module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|error| XtaskError::Component(format!("{error:#}")))?;
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(&component)
        .map_err(|error| XtaskError::Component(format!("invalid component: {error}")))?;
    Ok(component)
}

/// The component's imports as `namespace:package/interface@version`; fails on any import
/// outside the allowed set.
pub fn check_imports(component: &[u8]) -> Result<Vec<String>, XtaskError> {
    let decoded = wit_component::decode(component)
        .map_err(|error| XtaskError::Component(format!("cannot decode: {error:#}")))?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        return Err(XtaskError::Component("not a component".to_owned()));
    };
    let mut names = Vec::new();
    let mut refused = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        let name = import_name(&resolve, key);
        if !matches!(item, WorldItem::Interface { .. }) || !is_allowed(&resolve, key) {
            refused.push(name.clone());
        }
        names.push(name);
    }
    if !refused.is_empty() {
        return Err(XtaskError::Component(format!(
            "imports outside wasi:http, wasi:io, wasi:clocks/monotonic-clock and \
             qualys:connector/types: {}",
            refused.join(", ")
        )));
    }
    Ok(names)
}

fn is_allowed(resolve: &Resolve, key: &WorldKey) -> bool {
    let WorldKey::Interface(id) = key else {
        return false;
    };
    let interface = &resolve.interfaces[*id];
    let Some(package) = interface.package.map(|id| &resolve.packages[id].name) else {
        return false;
    };
    let name = interface.name.as_deref().unwrap_or_default();
    match (package.namespace.as_str(), package.name.as_str()) {
        ("wasi", "http") | ("wasi", "io") => true,
        ("wasi", "clocks") => name == "monotonic-clock",
        (namespace, package) if (namespace, package) == OWN_PACKAGE => name == "types",
        _ => false,
    }
}

fn import_name(resolve: &Resolve, key: &WorldKey) -> String {
    match key {
        WorldKey::Name(name) => name.clone(),
        WorldKey::Interface(id) => resolve.id_of(*id).unwrap_or_else(|| format!("{id:?}")),
    }
}
