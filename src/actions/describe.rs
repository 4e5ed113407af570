//! `describe`: the manifest a marketplace builds its UI from.
//!
//! The manifest is `describe.json` beside this file, embedded minified at build time (by
//! `build.rs`, keys in the order written): for each action a JSON Schema of its input and
//! output (types, enums, defaults, formats, examples), the Qualys permission it needs, and
//! whether it changes anything. Field names are the WIT names. A unit test compares every
//! record and enum of `wit/connector.wit` with the schemas, so the manifest cannot drift from
//! the contract.

/// The manifest, as minified JSON.
const MANIFEST: &str = include_str!(concat!(env!("OUT_DIR"), "/describe.min.json"));

/// The JSON manifest of every action.
pub fn describe() -> String {
    MANIFEST.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use wit_parser::{Resolve, TypeDef, TypeDefKind, TypeOwner};

    fn manifest() -> Value {
        serde_json::from_str(&describe()).expect("the manifest is JSON")
    }

    fn contract() -> Resolve {
        let mut resolve = Resolve::default();
        let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");
        resolve.push_path(wit).expect("the WIT parses");
        resolve
    }

    /// The named types of this package (`qualys:connector`), not of the WASI packages it
    /// imports.
    fn own_types(resolve: &Resolve) -> impl Iterator<Item = &TypeDef> {
        resolve.types.iter().map(|(_, ty)| ty).filter(|ty| {
            let TypeOwner::Interface(interface) = ty.owner else {
                return false;
            };
            resolve.interfaces[interface]
                .package
                .is_some_and(|package| resolve.packages[package].name.namespace == "qualys")
        })
    }

    /// `json` without the whitespace between its tokens.
    fn without_blanks(json: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in json.chars() {
            if in_string || !c.is_whitespace() {
                out.push(c);
            }
            if in_string && !escaped && c == '"' {
                in_string = false;
            } else if !in_string && c == '"' {
                in_string = true;
            }
            escaped = in_string && !escaped && c == '\\';
        }
        out
    }

    #[test]
    fn the_embedded_manifest_is_describe_json_minified_in_the_same_order() {
        let written = include_str!("describe.json");
        assert_eq!(describe(), without_blanks(written));
        assert!(describe().len() < written.len());
    }

    #[test]
    fn every_wit_record_has_a_schema_with_exactly_its_fields() {
        let manifest = manifest();
        let resolve = contract();
        let mut records = 0;
        for ty in own_types(&resolve) {
            let (Some(name), TypeDefKind::Record(record)) = (&ty.name, &ty.kind) else {
                continue;
            };
            records += 1;
            let schema = &manifest["$defs"][name.as_str()];
            let properties = schema["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("no schema for record {name}"));
            let mut in_wit: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
            let mut in_json: Vec<&str> = properties.keys().map(String::as_str).collect();
            in_wit.sort_unstable();
            in_json.sort_unstable();
            assert_eq!(in_json, in_wit, "fields of {name}");
        }
        assert!(records >= 12, "only {records} records found");
    }

    #[test]
    fn every_wit_enum_has_a_schema_with_exactly_its_cases() {
        let manifest = manifest();
        let resolve = contract();
        for ty in own_types(&resolve) {
            let (Some(name), TypeDefKind::Enum(cases)) = (&ty.name, &ty.kind) else {
                continue;
            };
            let in_wit: Vec<&str> = cases.cases.iter().map(|c| c.name.as_str()).collect();
            let in_json: Vec<&str> = manifest["$defs"][name.as_str()]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("no schema for enum {name}"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(in_json, in_wit, "cases of {name}");
        }
    }

    #[test]
    fn every_exported_function_but_describe_is_an_action_and_nothing_is_invented() {
        let manifest = manifest();
        let resolve = contract();
        let actions = resolve
            .interfaces
            .iter()
            .find(|(_, interface)| interface.name.as_deref() == Some("actions"))
            .map(|(_, interface)| interface)
            .expect("the actions interface");
        let mut in_wit: Vec<&str> = actions
            .functions
            .keys()
            .map(String::as_str)
            .filter(|name| *name != "describe")
            .collect();
        let mut in_json: Vec<&str> = manifest["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|action| action["name"].as_str())
            .collect();
        in_wit.sort_unstable();
        in_json.sort_unstable();
        assert_eq!(in_json, in_wit);
        for action in manifest["actions"].as_array().expect("actions") {
            let name = action["name"].as_str().unwrap_or_default();
            let function = &actions.functions[name];
            let mut params: Vec<&str> = function.params.iter().map(|(p, _)| p.as_str()).collect();
            let mut inputs: Vec<&str> = action["input"]["properties"]
                .as_object()
                .expect("input properties")
                .keys()
                .map(String::as_str)
                .collect();
            params.sort_unstable();
            inputs.sort_unstable();
            assert_eq!(inputs, params, "parameters of {name}");
            assert!(action["changes-state"].is_boolean(), "{name}");
            assert!(action["qualys-permission"].is_string(), "{name}");
        }
    }

    #[test]
    fn every_reference_points_at_a_definition() {
        let manifest = manifest();
        let text = describe();
        for reference in text.split("\"$ref\": \"#/$defs/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(
                manifest["$defs"][name].is_object(),
                "dangling reference {name}"
            );
        }
    }
}
