//! The HTTP front of the served connector.
//!
//! `cargo xtask build` composes this component with the unchanged connector component into
//! `qualys-connector-served.wasm`, a `wasi:http/proxy` component that any engine of that world
//! serves (`wasmtime serve`, `jco serve`, Spin, wasmCloud). It answers:
//!
//! * `POST /v1/<action>`: one WIT action. The Qualys login comes in `Authorization: Basic`,
//!   the other arguments in a JSON body with the CLI's snake_case field names ([`inputs`]);
//!   the answer is the action's result as JSON, or `{"error": {...}}` with a status that fits
//!   the error's kind ([`outputs`]);
//! * `GET /v1/describe`: the connector's manifest; `GET /openapi.json`: [`OPENAPI_JSON`].
//!
//! A request may only name a server the operator allows ([`policy`]): the Qualys platforms,
//! and the origins of the `wasi:config` key `allowed_origins`. Anything else is refused before
//! the connector runs, so before any outbound connection.
//!
//! Layers: `component` (the export, wasm only) reads the request and writes the response
//! through `wasi_http`; [`handler`] routes ([`routes`]), checks and calls the [`connector`].
#![deny(missing_docs)]

#[allow(missing_docs)] // generated from the WIT, whose comments are its documentation
mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;
pub mod connector;
pub mod error;
pub mod handler;
pub mod inputs;
pub mod outputs;
pub mod policy;
pub mod request;
pub mod routes;
#[cfg(target_arch = "wasm32")]
mod wasi_http;

/// The OpenAPI 3.1 document served at `GET /openapi.json`, generated at build time from the
/// connector's manifest (`src/actions/describe.json`) by `build.rs`.
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// The WIT types the gateway exchanges with the connector.
pub mod wit {
    pub use crate::bindings::qualys::connector::actions::{
        Agent, AgentPage, AgentQuery, Capability, ConnectionReport, FailedBatch, RateLimit,
        ScanLaunch, ScanRequest, ScanType, UserResult, UserStatusChange,
    };
    pub use crate::bindings::qualys::connector::types::{Connection, Error, ErrorKind};
}
