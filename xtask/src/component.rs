//! Turning the core module into a component, and checking what it imports.
//!
//! The import checks read the component's own type information (decoded into a WIT world by
//! `wit-component`), never its text: every import must be an interface of `wasi:http`,
//! `wasi:io`, `wasi:clocks/monotonic-clock`, or this package's `types` interface
//! ([`check_imports`]), and the connector's imports must be exactly those of the world it
//! declares in `wit/` ([`declared_imports`], [`check_against_world`]), so the WIT stays the
//! whole contract.

use std::collections::BTreeSet;
use std::path::Path;

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
    let (resolve, world) = decode(component)?;
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

/// The component's imports and exports, named as [`check_imports`] names imports, from one
/// decoding of its type information.
pub fn imports_and_exports(component: &[u8]) -> Result<(Vec<String>, Vec<String>), XtaskError> {
    let (resolve, world) = decode(component)?;
    let names = |keys: &mut dyn Iterator<Item = &WorldKey>| -> Vec<String> {
        keys.map(|key| import_name(&resolve, key)).collect()
    };
    let world = &resolve.worlds[world];
    Ok((
        names(&mut world.imports.keys()),
        names(&mut world.exports.keys()),
    ))
}

/// The world a component's type information describes.
fn decode(component: &[u8]) -> Result<(Resolve, wit_parser::WorldId), XtaskError> {
    let decoded = wit_component::decode(component)
        .map_err(|error| XtaskError::Component(format!("cannot decode: {error:#}")))?;
    match decoded {
        DecodedWasm::Component(resolve, world) => Ok((resolve, world)),
        DecodedWasm::WitPackage(..) => Err(XtaskError::Component("not a component".to_owned())),
    }
}

/// The imports of `world` in the WIT package at `wit_dir` (its `deps/` included), elaborated
/// (an imported interface brings the interfaces it uses) and named as [`check_imports`] names
/// them.
pub fn declared_imports(wit_dir: &Path, world: &str) -> Result<Vec<String>, XtaskError> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_dir(wit_dir)
        .map_err(|error| XtaskError::Component(format!("{}: {error:#}", wit_dir.display())))?;
    let world = resolve
        .select_world(&[package], Some(world))
        .map_err(|error| XtaskError::Component(format!("{error:#}")))?;
    Ok(resolve.worlds[world]
        .imports
        .keys()
        .map(|key| import_name(&resolve, key))
        .collect())
}

/// Fails when the component's imports (`built`) differ from the world's (`declared`), naming
/// every import on either side only.
pub fn check_against_world(built: &[String], declared: &[String]) -> Result<(), XtaskError> {
    let built: BTreeSet<&str> = built.iter().map(String::as_str).collect();
    let declared: BTreeSet<&str> = declared.iter().map(String::as_str).collect();
    let undeclared: Vec<&str> = built.difference(&declared).copied().collect();
    let unused: Vec<&str> = declared.difference(&built).copied().collect();
    if undeclared.is_empty() && unused.is_empty() {
        return Ok(());
    }
    Err(XtaskError::Component(format!(
        "the component's imports differ from its declared world: imported but not declared \
         [{}]; declared but not imported [{}]",
        undeclared.join(", "),
        unused.join(", ")
    )))
}

/// Fails when the component imports anything its world (`declared`) does not, naming it; a
/// world's import the component leaves unused is fine.
pub fn check_within_world(built: &[String], declared: &[String]) -> Result<(), XtaskError> {
    let outside: Vec<&str> = built
        .iter()
        .filter(|name| !declared.contains(name))
        .map(String::as_str)
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(XtaskError::Component(format!(
        "the component imports what its world does not: [{}]",
        outside.join(", ")
    )))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wit_component::StringEncoding;
    use wit_parser::{LiftLowerAbi, ManglingAndAbi};

    /// A component whose world is `world` in `wit`, with a dummy core module.
    pub(crate) fn component_of(wit: &str) -> Vec<u8> {
        let mut resolve = Resolve::default();
        let package = resolve.push_str("test.wit", wit).unwrap();
        let world = resolve.select_world(&[package], Some("w")).unwrap();
        let mut module = wit_component::dummy_module(
            &resolve,
            world,
            ManglingAndAbi::Legacy(LiftLowerAbi::Sync),
        );
        wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
            .unwrap();
        encode(&module).unwrap()
    }

    const PACKAGES: &str = "
        package qualys:connector;
        world w { IMPORTS }
        package wasi:clocks@0.2.2 {
            interface monotonic-clock { now: func() -> u64; }
            interface wall-clock { now: func() -> u64; }
        }
        package wasi:filesystem@0.2.2 {
            interface types { sync: func(); }
        }
        package wasi:http@0.2.2 {
            interface outgoing-handler { handle: func(); }
        }
    ";

    fn world_importing(imports: &str) -> Vec<u8> {
        component_of(&PACKAGES.replace("IMPORTS", imports))
    }

    #[test]
    fn http_and_the_monotonic_clock_are_allowed() {
        let component = world_importing(
            "import wasi:http/outgoing-handler@0.2.2; import wasi:clocks/monotonic-clock@0.2.2;",
        );
        let imports = check_imports(&component).unwrap();
        assert!(imports.contains(&"wasi:http/outgoing-handler@0.2.2".to_owned()));
        assert!(imports.contains(&"wasi:clocks/monotonic-clock@0.2.2".to_owned()));
    }

    #[test]
    fn the_wall_clock_is_refused() {
        let component = world_importing("import wasi:clocks/wall-clock@0.2.2;");
        let error = check_imports(&component).unwrap_err().to_string();
        assert!(error.contains("wasi:clocks/wall-clock@0.2.2"), "{error}");
    }

    #[test]
    fn the_filesystem_is_refused() {
        let component = world_importing("import wasi:filesystem/types@0.2.2;");
        let error = check_imports(&component).unwrap_err().to_string();
        assert!(error.contains("wasi:filesystem/types"), "{error}");
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn the_declared_world_imports_http_the_monotonic_clock_and_what_they_use() {
        let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let declared: BTreeSet<String> = declared_imports(&wit, "connector")
            .unwrap()
            .into_iter()
            .collect();
        let expected: BTreeSet<String> = names(&[
            "wasi:clocks/monotonic-clock@0.2.2",
            "wasi:http/outgoing-handler@0.2.2",
            "wasi:http/types@0.2.2",
            "wasi:io/error@0.2.2",
            "wasi:io/poll@0.2.2",
            "wasi:io/streams@0.2.2",
        ])
        .into_iter()
        .collect();
        assert_eq!(declared, expected);
    }

    #[test]
    fn imports_equal_to_the_world_pass_in_any_order() {
        let declared = names(&["a:b/c@1.0.0", "wasi:io/poll@0.2.2"]);
        let built = names(&["wasi:io/poll@0.2.2", "a:b/c@1.0.0"]);
        assert!(check_against_world(&built, &declared).is_ok());
    }

    #[test]
    fn an_undeclared_import_fails_the_build_naming_it() {
        let declared = names(&["wasi:io/poll@0.2.2"]);
        let built = names(&["wasi:io/poll@0.2.2", "wasi:random/random@0.2.2"]);
        let error = check_against_world(&built, &declared)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("imported but not declared [wasi:random/random@0.2.2]"),
            "{error}"
        );
    }

    #[test]
    fn a_declared_import_the_component_lacks_fails_the_build_naming_it() {
        let declared = names(&["wasi:io/poll@0.2.2", "wasi:http/outgoing-handler@0.2.2"]);
        let built = names(&["wasi:io/poll@0.2.2"]);
        let error = check_against_world(&built, &declared)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("declared but not imported [wasi:http/outgoing-handler@0.2.2]"),
            "{error}"
        );
    }

    #[test]
    fn an_import_outside_the_world_fails_the_build_and_an_unused_one_does_not() {
        let declared = names(&["wasi:io/poll@0.2.2", "wasi:cli/stdout@0.2.2"]);
        assert!(check_within_world(&names(&["wasi:io/poll@0.2.2"]), &declared).is_ok());
        let built = names(&["wasi:io/poll@0.2.2", "wasi:sockets/tcp@0.2.2"]);
        let error = check_within_world(&built, &declared)
            .unwrap_err()
            .to_string();
        assert!(error.contains("[wasi:sockets/tcp@0.2.2]"), "{error}");
    }

    #[test]
    fn the_served_worlds_are_the_proxy_world_with_and_without_wasi_config() {
        let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let strict: BTreeSet<String> = declared_imports(&wit, "served-strict")
            .unwrap()
            .into_iter()
            .collect();
        let proxy: BTreeSet<String> = names(&[
            "wasi:cli/stderr@0.2.2",
            "wasi:cli/stdin@0.2.2",
            "wasi:cli/stdout@0.2.2",
            "wasi:clocks/monotonic-clock@0.2.2",
            "wasi:clocks/wall-clock@0.2.2",
            "wasi:http/outgoing-handler@0.2.2",
            "wasi:http/types@0.2.2",
            "wasi:io/error@0.2.2",
            "wasi:io/poll@0.2.2",
            "wasi:io/streams@0.2.2",
            "wasi:random/random@0.2.2",
        ])
        .into_iter()
        .collect();
        assert_eq!(strict, proxy);
        let served: BTreeSet<String> = declared_imports(&wit, "served")
            .unwrap()
            .into_iter()
            .collect();
        let mut expected = proxy;
        expected.insert("wasi:config/store@0.2.0-rc.1".to_owned());
        assert_eq!(served, expected);
    }

    #[test]
    fn every_released_contract_is_kept_and_still_parses() {
        let released = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/released");
        let mut versions = Vec::new();
        for entry in std::fs::read_dir(&released).unwrap() {
            let dir = entry.unwrap().path();
            let Some(version) = dir.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            if !dir.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(dir.join("connector.wit")).unwrap();
            let package = format!("package qualys:connector@{};", &version[1..]);
            assert!(text.starts_with(&package), "{version}: {package}");
            let mut resolve = Resolve::default();
            resolve.push_dir(&dir).unwrap();
            versions.push(version.to_owned());
        }
        assert!(versions.contains(&"v0.1.0".to_owned()), "{versions:?}");
    }

    #[test]
    fn a_bare_function_import_is_refused() {
        let component = world_importing("import spy: func();");
        let error = check_imports(&component).unwrap_err().to_string();
        assert!(error.contains("spy"), "{error}");
    }
}
