//! Writes `$OUT_DIR/openapi.json`: the OpenAPI 3.1 document the gateway serves at
//! `GET /openapi.json`, generated from the connector's manifest (`src/actions/describe.json`).
//!
//! The manifest's JSON Schemas speak the WIT's names; the document speaks the HTTP API's:
//!
//! * every `$defs` entry becomes a `components.schemas` entry, with property names (the keys of
//!   `properties`, the entries of `required`, the keys of object examples and defaults) in
//!   snake_case (`timeout-ms` → `timeout_ms`) and `$ref`s pointing into `components`; enum
//!   values keep their WIT names (`policy-compliance`, `auth-failed`);
//! * `user-result` is the served shape of a batch result, `{"login", "ok": {...}}` or
//!   `{"login", "error": {...}}`, not the manifest's `outcome`; `error-response` is the
//!   `{"error": {...}}` every failure answers with;
//! * one `POST /v1/<action>` per action, its body the action's input without `conn` plus the
//!   connection's `server` and `timeout_ms` (the login is `Authorization: Basic`), its 200 the
//!   action's output and every error status the gateway answers with; plus
//!   `GET /v1/describe` and `GET /openapi.json`.

use std::path::Path;

use serde_json::{Map, Value, json};

/// The manifest, relative to this crate.
const MANIFEST: &str = "../src/actions/describe.json";

/// Where the manifest's schemas point (`#/$defs/x`) and where the document's do.
const MANIFEST_REFS: &str = "#/$defs/";
const DOCUMENT_REFS: &str = "#/components/schemas/";

/// The security scheme of every action: the Qualys login in `Authorization: Basic`.
const SECURITY_SCHEME: &str = "qualysBasic";

/// The largest request body the gateway reads (design: 1 MiB).
const BODY_CAP: u64 = 1_048_576;

/// The error statuses an action may answer with: (status, response name, description).
const ERROR_RESPONSES: [(&str, &str, &str); 10] = [
    (
        "400",
        "invalid-input",
        "invalid-input: the body is not JSON, names an unknown field or has a wrong type, or \
         the connector refused an argument.",
    ),
    (
        "401",
        "auth-failed",
        "auth-failed: the Authorization header is missing or not Basic, or Qualys refused the \
         login.",
    ),
    (
        "403",
        "permission-denied",
        "permission-denied: the server named is not allowed by the operator (refused before any \
         outbound connection), or the Qualys user lacks the permission.",
    ),
    (
        "404",
        "not-found",
        "not-found: Qualys does not know the object named.",
    ),
    (
        "409",
        "conflict",
        "conflict: the object is in a state that refuses the change.",
    ),
    (
        "413",
        "payload-too-large",
        "invalid-input: the body is larger than 1 MiB (1,048,576 bytes).",
    ),
    (
        "415",
        "unsupported-media-type",
        "invalid-input: the Content-Type is not application/json.",
    ),
    (
        "429",
        "rate-limited",
        "rate-limited: Qualys's rate or concurrency limit; Retry-After says when to retry \
         when Qualys said it.",
    ),
    (
        "502",
        "bad-gateway",
        "transport, upstream or bad-response: Qualys could not be reached, failed, or answered \
         something unreadable. http_status is Qualys's status, not this one.",
    ),
    (
        "504",
        "timeout",
        "timeout: the action's time budget (timeout_ms) ran out.",
    ),
];

fn main() {
    println!("cargo::rerun-if-changed={MANIFEST}");
    let text = std::fs::read_to_string(MANIFEST)
        .unwrap_or_else(|error| panic!("{MANIFEST} is not readable: {error}"));
    let manifest: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{MANIFEST} is not JSON: {error}"));
    let document = openapi(&manifest);
    let out =
        Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.json");
    let json = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    std::fs::write(out, json).expect("OUT_DIR is writable");
}

/// The OpenAPI document of `manifest`.
fn openapi(manifest: &Value) -> Value {
    let package = manifest["package"]
        .as_str()
        .expect("the manifest's package is a string");
    let version = package
        .rsplit_once('@')
        .map_or(package, |(_, version)| version);
    let actions = manifest["actions"]
        .as_array()
        .expect("the manifest's actions are a list");
    let defs = manifest["$defs"]
        .as_object()
        .cloned()
        .expect("the manifest's $defs are an object");

    let mut paths = Map::new();
    for action in actions {
        let name = action["name"]
            .as_str()
            .expect("every action of the manifest has a name");
        paths.insert(
            format!("/v1/{name}"),
            json!({ "post": operation(action, &defs) }),
        );
    }
    paths.insert("/v1/describe".to_owned(), describe_path());
    paths.insert("/openapi.json".to_owned(), openapi_path());

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Qualys connector (served)",
            "version": version,
            "description": description(manifest),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "tags": [
            { "name": "actions", "description": "The Qualys actions of the connector." },
            { "name": "service", "description": "What this service is: its manifest and this document." },
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The Qualys login: Authorization: Basic base64(username:password). \
                        Sent on to Qualys only; never stored, logged or echoed.",
                },
            },
            "schemas": schemas(&defs),
            "responses": error_responses(),
        },
    })
}

/// `info.description`: the manifest's, then what the HTTP API adds.
fn description(manifest: &Value) -> String {
    let manifest = manifest["description"].as_str().unwrap_or_default();
    format!(
        "{manifest}\n\nServed over HTTP: `POST /v1/<action>` with the Qualys login in \
         `Authorization: Basic` and the action's other arguments in a JSON body with snake_case \
         field names (as the CLI's `--json`), plus the optional connection fields `server` and \
         `timeout_ms`. Enum values keep their WIT names. The answer is the action's result as \
         JSON, or `{{\"error\": {{...}}}}` with a status that fits the error's kind. A body over \
         {BODY_CAP} bytes is refused with 413. Only the Qualys platforms and the origins the \
         operator allows may be named as `server`; any other is refused with 403 before any \
         outbound connection."
    )
}

/// `components.schemas`: the manifest's `$defs` in the HTTP API's names, plus the served shapes.
fn schemas(defs: &Map<String, Value>) -> Map<String, Value> {
    let mut schemas = Map::new();
    for (name, schema) in defs {
        let served = if name == "user-result" {
            served_user_result(schema)
        } else {
            schema.clone()
        };
        schemas.insert(name.clone(), to_http_schema(&served));
    }
    schemas.insert(
        "error-response".to_owned(),
        json!({
            "type": "object",
            "description": "Every failure: the WIT error, wrapped. kind is the WIT error-kind \
                name; http_status is the status Qualys answered with, not this response's.",
            "properties": { "error": { "$ref": format!("{DOCUMENT_REFS}error") } },
            "required": ["error"],
            "additionalProperties": false,
        }),
    );
    schemas
}

/// The served shape of a batch result: the manifest's `{"login", "outcome": {"ok"} | {"err"}}`
/// flattened to `{"login", "ok"}` or `{"login", "error"}` (still in the manifest's names).
fn served_user_result(manifest: &Value) -> Value {
    let login = manifest
        .pointer("/properties/login")
        .cloned()
        .unwrap_or_else(|| json!({ "type": "string" }));
    let variants = manifest
        .pointer("/properties/outcome/oneOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let one_of: Vec<Value> = variants
        .iter()
        .filter_map(|variant| variant["properties"].as_object())
        .flat_map(|properties| properties.iter())
        .map(|(case, schema)| {
            let case = if case == "err" {
                "error"
            } else {
                case.as_str()
            };
            json!({
                "type": "object",
                "properties": { "login": login.clone(), case: schema.clone() },
                "required": ["login", case],
                "additionalProperties": false,
            })
        })
        .collect();
    json!({
        "description": "The result for one login of a batch: {\"login\", \"ok\": {...}} when it \
            succeeded, {\"login\", \"error\": {...}} when it failed.",
        "oneOf": one_of,
    })
}

/// `POST /v1/<action>`.
fn operation(action: &Value, defs: &Map<String, Value>) -> Value {
    let name = action["name"]
        .as_str()
        .expect("every action of the manifest has a name");
    let input = &action["input"];
    // The body: the action's arguments but `conn`, then the connection's own fields.
    let connection = defs
        .get("connection")
        .and_then(|connection| connection.get("properties"));
    let mut properties = Map::new();
    for field in ["server", "timeout-ms"] {
        if let Some(schema) = connection.and_then(|connection| connection.get(field)) {
            let mut schema = schema.clone();
            if field == "server" {
                served_server(&mut schema);
            }
            properties.insert(field.to_owned(), schema);
        }
    }
    if let Some(arguments) = input["properties"].as_object() {
        for (argument, schema) in arguments.iter().filter(|(argument, _)| *argument != "conn") {
            properties.insert(argument.clone(), schema.clone());
        }
    }
    let required: Vec<&Value> = input["required"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|argument| argument.as_str() != Some("conn"))
        .collect();
    let mut body = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        body["required"] = json!(required);
    }
    body["additionalProperties"] = json!(false);
    // Without a required argument, an empty body is `{}`.
    let body_required = !required.is_empty();
    let body_description = if body_required {
        "The action's arguments (snake_case) and, optionally, the server and the time budget."
    } else {
        "Optionally the server and the time budget; an empty body is `{}`."
    };

    let mut responses = Map::new();
    responses.insert(
        "200".to_owned(),
        json!({
            "description": "The action's result.",
            "content": { "application/json": { "schema": to_http_schema(&action["output"]) } },
        }),
    );
    for (status, response, _) in ERROR_RESPONSES {
        responses.insert(
            status.to_owned(),
            json!({ "$ref": format!("#/components/responses/{response}") }),
        );
    }
    responses.insert("default".to_owned(), default_response());

    json!({
        "tags": ["actions"],
        "operationId": camel_case(name),
        "summary": action["title"],
        "description": action["description"],
        "x-changes-state": action["changes-state"],
        "x-qualys-permission": action["qualys-permission"],
        "security": [{ SECURITY_SCHEME: [] }],
        "requestBody": {
            "description": body_description,
            "required": body_required,
            "content": { "application/json": { "schema": to_http_schema(&body) } },
        },
        "responses": responses,
    })
}

/// The connection's `server`, plus what the gateway adds: the operator's allow-list.
fn served_server(schema: &mut Value) {
    let allowed = "Only the Qualys platforms and the origins the operator allows may be named: \
        any other is refused with 403 before any outbound connection.";
    let Value::Object(keywords) = schema else {
        return;
    };
    let description = match keywords.get("description").and_then(Value::as_str) {
        Some(manifest) => format!("{manifest} {allowed}"),
        None => allowed.to_owned(),
    };
    keywords.insert("description".to_owned(), Value::String(description));
}

/// `components.responses`: one per error status of [`ERROR_RESPONSES`].
fn error_responses() -> Map<String, Value> {
    let mut responses = Map::new();
    for (status, name, description) in ERROR_RESPONSES {
        let mut response = json!({
            "description": description,
            "content": { "application/json": { "schema": error_response_ref() } },
        });
        match status {
            "401" => {
                response["headers"] = json!({
                    "WWW-Authenticate": {
                        "description": "Basic realm=\"Qualys\" on every 401: credentials \
                            missing or malformed, or refused by Qualys.",
                        "schema": { "type": "string", "examples": ["Basic realm=\"Qualys\""] },
                    },
                });
            }
            "429" => {
                response["headers"] = json!({
                    "Retry-After": {
                        "description": "Seconds to wait before retrying (the error's \
                            retry_after_secs), when Qualys said it.",
                        "schema": { "type": "integer", "minimum": 0 },
                    },
                });
            }
            _ => {}
        }
        responses.insert(name.to_owned(), response);
    }
    responses
}

fn error_response_ref() -> Value {
    json!({ "$ref": format!("{DOCUMENT_REFS}error-response") })
}

/// `GET /v1/describe`.
fn describe_path() -> Value {
    json!({
        "get": {
            "tags": ["service"],
            "operationId": "describe",
            "summary": "The connector's manifest",
            "description": "What describe() returns, verbatim: for each action a JSON Schema of \
                its input and output in the WIT's names, the Qualys permission it needs and \
                whether it changes anything. Needs no credentials.",
            "security": [],
            "responses": {
                "200": {
                    "description": "The manifest.",
                    "content": { "application/json": { "schema": { "type": "object" } } },
                },
                "default": default_response(),
            },
        },
    })
}

/// The response of every failure an operation does not list: the error body (a wrong method
/// is 405 with `Allow`).
fn default_response() -> Value {
    json!({
        "description": "Any other failure (such as 405 for a wrong method, with Allow).",
        "content": { "application/json": { "schema": error_response_ref() } },
    })
}

/// `GET /openapi.json`.
fn openapi_path() -> Value {
    json!({
        "get": {
            "tags": ["service"],
            "operationId": "openapi",
            "summary": "This OpenAPI document",
            "description": "Generated at build time from the manifest. Needs no credentials.",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": { "application/json": { "schema": { "type": "object" } } },
                },
                "default": default_response(),
            },
        },
    })
}

/// `test-connection` → `testConnection`.
fn camel_case(name: &str) -> String {
    let mut words = name.split('-');
    let mut camel = words.next().unwrap_or_default().to_owned();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            camel.extend(first.to_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// A property name of the HTTP API: `timeout-ms` → `timeout_ms`.
fn snake_case(name: &str) -> String {
    name.replace('-', "_")
}

/// A manifest schema in the HTTP API's names: property names in snake_case, `$ref`s into
/// `components.schemas`. Walks the JSON Schema keywords, so that only names are renamed:
/// enum values, descriptions and patterns stay as they are.
fn to_http_schema(schema: &Value) -> Value {
    let Value::Object(keywords) = schema else {
        // `true` / `false` schemas.
        return schema.clone();
    };
    let mut out = Map::new();
    for (keyword, value) in keywords {
        let value = match keyword.as_str() {
            "$ref" => match value.as_str().and_then(|r| r.strip_prefix(MANIFEST_REFS)) {
                Some(name) => Value::String(format!("{DOCUMENT_REFS}{name}")),
                None => value.clone(),
            },
            "properties" => map_schemas(value, snake_case),
            "patternProperties" | "dependentSchemas" | "$defs" => map_schemas(value, str::to_owned),
            "required" => snake_case_names(value),
            "dependentRequired" => match value {
                Value::Object(map) => map
                    .iter()
                    .map(|(name, names)| (snake_case(name), snake_case_names(names)))
                    .collect(),
                other => other.clone(),
            },
            "items"
            | "additionalProperties"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "contains"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else" => to_http_schema(value),
            "oneOf" | "anyOf" | "allOf" | "prefixItems" => match value {
                Value::Array(schemas) => schemas.iter().map(to_http_schema).collect(),
                other => other.clone(),
            },
            // Instances: an object's keys are field names; strings (enum values) stay.
            "default" | "const" | "example" => to_http_instance(value),
            "examples" | "enum" => match value {
                Value::Array(instances) => instances.iter().map(to_http_instance).collect(),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(keyword.clone(), value);
    }
    Value::Object(out)
}

/// A map of name → schema, its names renamed by `rename`.
fn map_schemas(value: &Value, rename: fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, schema)| (rename(name), to_http_schema(schema)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A JSON instance (an example, a default) in the HTTP API's names: object keys in snake_case.
fn to_http_instance(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, value)| (snake_case(name), to_http_instance(value)))
                .collect(),
        ),
        Value::Array(items) => items.iter().map(to_http_instance).collect(),
        other => other.clone(),
    }
}

/// A list of property names (`required`, a `dependentRequired` entry) in snake_case.
fn snake_case_names(value: &Value) -> Value {
    match value {
        Value::Array(names) => names
            .iter()
            .map(|name| match name {
                Value::String(name) => Value::String(snake_case(name)),
                other => other.clone(),
            })
            .collect(),
        other => other.clone(),
    }
}
