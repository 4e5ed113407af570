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

mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;
mod error;

pub mod actions;
pub mod contract;
pub mod qualys;
pub mod transport;

pub use error::{Error, ErrorKind, Result};
