//! The Qualys protocol: how to ask, and how to read the answers.
//!
//! One module per endpoint family holds that endpoint's request builder and response parser,
//! so the request and the parser of any endpoint sit side by side. [`client`] sends requests
//! (authentication, time budget, retries), [`errors`] maps every Qualys failure shape to an
//! [`Error`](crate::Error), [`server`] finds the API server, and [`xml`] is the streaming reader
//! all parsers share. [`dates`] turns the dates callers write into the instants Qualys takes,
//! and [`cursor`] carries where a host asset search stopped back to the caller.

pub mod about;
pub mod client;
pub mod cursor;
pub mod dates;
pub mod errors;
pub mod hostasset;
pub mod portal_version;
pub mod rate_limit;
#[cfg(test)]
mod robustness;
pub mod scans;
pub mod server;
pub mod users;
pub mod xml;
