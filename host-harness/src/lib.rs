//! # host-harness
//!
//! A small wasmtime host for the `qualys-connector` component: the library a plugin host can
//! copy, the `qualys-harness` CLI, and the Qualys simulator the demo and tests run against.
//!
//! ```no_run
//! # async fn run() -> Result<(), host_harness::ConnectorError> {
//! use host_harness::{Connection, Connector};
//!
//! let connector = Connector::load("target/qualys-connector.wasm")?;
//! let conn = Connection {
//!     server: Some("US2".into()),
//!     username: "acme2ab1".into(),
//!     password: std::env::var("QUALYS_PASSWORD").unwrap_or_default(),
//!     timeout_ms: None,
//! };
//! let report = connector.test_connection(&conn).await?;
//! println!("{} {:?}", report.api_server, report.capabilities);
//! # Ok(())
//! # }
//! ```
//!
//! Modules: [`runtime`] (engine, linker, compile cache), [`connector`] (the typed API and the
//! per-call limits), [`policy`] (which hosts the guest may reach, and routes to the simulator),
//! [`simulator`] (a stateful Qualys on loopback).

mod bindings;
pub mod connector;
mod error;
pub mod policy;
pub mod runtime;
pub mod simulator;
mod state;

pub use bindings::exports::qualys::connector::actions::{
    Agent, AgentPage, AgentQuery, Capability, ConnectionReport, FailedBatch, RateLimit, ScanLaunch,
    ScanRequest, ScanType, UserActivation,
};
pub use bindings::qualys::connector::types::{Connection, Error as ActionError, ErrorKind};
pub use connector::{CallLimits, CallStats, Connector};
pub use error::{ConnectorError, kind_name};
pub use policy::{OutboundLog, OutboundPolicy, OutboundRecord, Verdict};
pub use runtime::{DiskCacheUse, Runtime};
