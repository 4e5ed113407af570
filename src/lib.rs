//! # qualys-connector
//!
//! Qualys actions as a WebAssembly component: `test-connection`, `activate-user`,
//! `search-agents` and `launch-scan`, typed by the WIT package `qualys:connector@0.2.0` in
//! `wit/`, reaching Qualys only through the host's `wasi:http`.
//!
//! The crate is layered, each layer calling only the one below it:
//!
//! 1. the export boundary (`component`, wasm only) converts WIT values and errors;
//! 2. [`actions`], one module per action, decide what to ask and in which order;
//! 3. [`qualys`], the protocol: request builders, response parsers, error mapping, retries;
//! 4. [`transport`], the one place that touches `wasi:http`.
//!
//! Everything but the boundary and the `wasi:http` transport builds natively too, so the
//! protocol and the actions are unit-tested with `cargo test` against scripted transports.
//!
//! Inputs are validated in one layer, the actions ([`actions::input`]); the protocol and the
//! transport only check what Qualys and the host answer.
//!
//! `missing_docs` is denied: every public item (the crate's API, and the modules public only
//! for the fuzz targets, which are `#[doc(hidden)]`) says what it is. The WIT records that
//! [`contract`] re-exports are generated from `wit/`, which is where they are documented; the
//! lint is allowed on the generated bindings.

#![deny(missing_docs)]

// The generated WIT types take their docs from `wit/connector.wit`, which leaves some records,
// fields and enum cases undocumented: documented there, they are documented here.
#[allow(missing_docs)]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;
mod error;

pub mod actions;
pub mod contract;
pub mod qualys;
pub mod transport;

pub use error::{Error, ErrorKind, Result};
