//! The Qualys protocol: how to ask, and how to read the answers.
//!
//! One module per endpoint family holds that endpoint's request builder and response parser,
//! so the request and the parser of any endpoint sit side by side. [`client`] sends requests
//! (authentication, time budget, retries), [`errors`] maps every Qualys failure shape to an
//! [`Error`](crate::Error), [`server`] finds the API server, and [`xml`] is the streaming reader
//! all parsers share. [`dates`] turns the dates callers write into the instants Qualys takes,
//! and [`cursor`] carries where a host asset search stopped back to the caller.
//! [`service_request`] writes the `ServiceRequest` body every QPS endpoint takes.
//!
//! The protocol has its own types (such as [`hostasset::HostAsset`] and [`scans::ScanKind`])
//! and never sees the WIT records: the actions convert. Nor does it check what callers pass:
//! the actions validate inputs ([`actions::input`](crate::actions::input)).
//!
//! The modules are public only so that the fuzz targets in `fuzz/` can call their parsers, and
//! are hidden from the documentation: the crate's API is the actions.

#[doc(hidden)]
pub mod about;
#[doc(hidden)]
pub mod client;
#[doc(hidden)]
pub mod cursor;
#[doc(hidden)]
pub mod dates;
#[doc(hidden)]
pub mod errors;
#[doc(hidden)]
pub mod hostasset;
#[doc(hidden)]
pub mod portal_version;
#[doc(hidden)]
pub mod rate_limit;
#[cfg(test)]
mod robustness;
#[doc(hidden)]
pub mod scans;
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod service_request;
#[doc(hidden)]
pub mod users;
#[doc(hidden)]
pub mod xml;
