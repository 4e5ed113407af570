//! HTTP transport: the one layer that talks to the host.
//!
//! The protocol layer describes a request as plain data ([`HttpRequest`]) and hands it to a
//! [`Transport`] together with a deadline on the monotonic clock. The transport either returns
//! the whole answer ([`HttpResponse`], body capped at [`MAX_BODY_BYTES`]) or fails with an
//! [`Error`](crate::Error) of kind `timeout`, `transport` or `bad-response`; it never blocks
//! past the deadline.
//!
//! In the component the transport is [`WasiTransport`], built on `wasi:http` and
//! `wasi:clocks/monotonic-clock`. Native unit tests drive the layers above with scripted
//! transports, which is why the clock is part of the trait.

#[cfg(test)]
pub mod scripted;
#[cfg(target_arch = "wasm32")]
mod wasi;

#[cfg(target_arch = "wasm32")]
pub use wasi::{InFlight, WasiTransport};

use crate::{Error, ErrorKind, Result};

/// Largest response body read before giving up with `bad-response` (64 MiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// A point on the monotonic clock, in nanoseconds.
pub type Instant = u64;

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MILLI: u64 = 1_000_000;

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// HTTP methods the connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// URL schemes the connector uses (shared with the server resolution).
pub use qualys_platforms::Scheme;

/// One request, fully built: the transport adds nothing but `Content-Length`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The scheme.
    pub scheme: Scheme,
    /// `host` or `host:port`.
    pub authority: String,
    /// Path and percent-encoded query string.
    pub path_and_query: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body; empty for GET.
    pub body: Vec<u8>,
}

/// One answer, with its whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names (lower case) and values, in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, at most [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An answer with `status` and the header `entries` as the host gives them, and no body
    /// yet. Header names are case-insensitive, so they are stored lower case, the form
    /// [`HttpResponse::header`] looks them up in.
    pub fn from_host(status: u16, entries: Vec<(String, Vec<u8>)>) -> Self {
        let mut headers = entries;
        for (name, _) in &mut headers {
            name.make_ascii_lowercase();
        }
        Self {
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// The first value of header `name` (lower case) as text, when present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
            .map(str::trim)
    }

    /// The first value of header `name` parsed as an unsigned number.
    pub fn header_u32(&self, name: &str) -> Option<u32> {
        self.header(name)?.parse().ok()
    }
}

/// The error of a request the host refused to send to `host` (`wasi:http`'s
/// `HTTP-request-denied`): marked so that it is never retried
/// ([`Error::is_host_refusal`]).
pub fn host_refused(host: &str) -> Error {
    Error::new(
        ErrorKind::Transport,
        format!("the host refused to send a request to {host}"),
    )
    .with_hint(
        "the host running this component only lets it reach allowed hosts: allow this Qualys \
         server there",
    )
    .refused_by_host()
}

/// Sends HTTP requests and tells the time.
///
/// A request can be sent in two steps, [`Transport::start`] then [`Transport::finish`], so
/// that the caller works while the server prepares the answer (a search parses one page
/// while Qualys prepares the next). A transport that cannot overlap may send in `finish`.
pub trait Transport {
    /// A request started by [`Transport::start`] whose answer has not been read.
    type Pending;

    /// Sends `request` without waiting for the answer. Fails only when the request cannot be
    /// sent at all; everything after that is reported by [`Transport::finish`].
    fn start(&mut self, request: &HttpRequest, deadline: Instant) -> Result<Self::Pending>;

    /// Reads the whole answer of a started request, failing with `timeout` at its deadline.
    fn finish(&mut self, pending: Self::Pending) -> Result<HttpResponse>;

    /// Sends `request` and reads the whole answer, failing with `timeout` at `deadline`.
    fn send(&mut self, request: &HttpRequest, deadline: Instant) -> Result<HttpResponse> {
        let pending = self.start(request, deadline)?;
        self.finish(pending)
    }

    /// Now, on the monotonic clock.
    fn now(&self) -> Instant;

    /// Blocks until `instant` on the monotonic clock.
    fn sleep_until(&mut self, instant: Instant);
}
