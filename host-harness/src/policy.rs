//! Outbound policy: which hosts the component may reach, and where its requests really go.
//!
//! Every request the guest makes arrives in [`WasiHttpHooks::send_request`]. There the
//! [`OutboundPolicy`] decides:
//!
//! * **allow-list**: origins written `scheme://host[:port]` (the port defaults to the
//!   scheme's: 443 for `https`, 80 for `http`); a request whose scheme, host and port match no
//!   entry is refused before any connection is made, and the guest sees `wasi:http`'s
//!   `HTTP-request-denied` (a `transport` error). With no entry, a call may reach exactly the
//!   origin its connection resolves to;
//! * **routes**: like curl's `--resolve`, a route sends requests for `host:port` to another
//!   origin (the simulator on loopback) while the `Host` header keeps the original name, so
//!   tests and the demo run the real platform resolution of the component;
//! * **body cap**: an answer whose `Content-Length` exceeds the cap is refused with
//!   `HTTP-response-body-size`; a body without a length is cut off at the cap (the guest then
//!   sees a failed read: wasmtime 48 attaches no error code to errors in the middle of a body).
//!
//! Every decision is appended to an [`OutboundLog`] that tests and the CLI can read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::uri::{Authority, Scheme, Uri};
use http_body_util::{BodyExt, Limited};
use qualys_platforms::PLATFORMS;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Default cap on a response body reaching the guest (the guest's own cap is 64 MiB).
pub const DEFAULT_BODY_CAP: usize = 80 * 1024 * 1024;

/// A scheme, a lower-case host and a port: what an allow-list entry names and a request is
/// compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]`; errors say what the form is.
    fn parse(text: &str) -> Result<Origin, crate::ConnectorError> {
        let teach = |why: &str| {
            crate::ConnectorError::Config(format!(
                "allow-list entry {text:?}: {why}; write scheme://host[:port], e.g. \
                 https://qualysapi.qualys.com or http://127.0.0.1:8080"
            ))
        };
        let uri: Uri = text.parse().map_err(|_| teach("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(_) => return Err(teach("the scheme must be https or http")),
            None => return Err(teach("the scheme is missing")),
        };
        let host = uri.host().ok_or_else(|| teach("the host is missing"))?;
        if uri
            .path_and_query()
            .is_some_and(|path| path.as_str() != "/")
        {
            return Err(teach("an origin has no path or query"));
        }
        if uri
            .authority()
            .is_some_and(|authority| authority.as_str().contains('@'))
        {
            return Err(teach("an origin has no user name or password"));
        }
        Ok(Origin {
            https,
            host: host.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port(https)),
        })
    }

    /// The origin a request goes to; `None` without a host.
    fn of_request(uri: &Uri) -> Option<Origin> {
        let https = uri.scheme() != Some(&Scheme::HTTP);
        Some(Origin {
            https,
            host: uri.host()?.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port(https)),
        })
    }

    /// The origin of a resolved Qualys server.
    pub(crate) fn of_server(server: &qualys_platforms::ApiServer) -> Origin {
        let https = server.scheme == qualys_platforms::Scheme::Https;
        Origin {
            https,
            host: server.host.to_ascii_lowercase(),
            port: server.port.unwrap_or(default_port(https)),
        }
    }
}

fn default_port(https: bool) -> u16 {
    if https { 443 } else { 80 }
}

/// Where requests may go and where they are sent.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<Origin>,
    routes: BTreeMap<String, Uri>,
    body_cap: Option<usize>,
}

impl OutboundPolicy {
    /// A policy that allows nothing of its own (a call then reaches only its connection's
    /// server) and routes nothing; [`allow`](Self::allow) opens it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows requests to `origin`, written `scheme://host[:port]` (the host compared without
    /// case; the port defaults to the scheme's). Anything else is a configuration error that
    /// shows the form.
    pub fn allow(mut self, origin: &str) -> Result<Self, crate::ConnectorError> {
        self.allowed.push(Origin::parse(origin)?);
        Ok(self)
    }

    /// Sends requests for `authority` (`host` or `host:port`; the port defaults to the request's
    /// scheme) to `origin` (e.g. `http://127.0.0.1:8080`), keeping the `Host` header.
    pub fn route(mut self, authority: &str, origin: &str) -> Result<Self, crate::ConnectorError> {
        let origin: Uri = origin
            .parse()
            .map_err(|_| crate::ConnectorError::Config(format!("{origin:?} is not an origin")))?;
        if origin.scheme().is_none() || origin.authority().is_none() {
            return Err(crate::ConnectorError::Config(format!(
                "the route target {origin} needs a scheme and a host"
            )));
        }
        self.routes.insert(authority.to_ascii_lowercase(), origin);
        Ok(self)
    }

    /// Routes every Qualys platform's API host (port 443) to `origin`: the simulator, or a
    /// proxy on this machine.
    pub fn route_platforms(self, origin: &str) -> Result<Self, crate::ConnectorError> {
        PLATFORMS.iter().try_fold(self, |policy, (_, host)| {
            policy.route(&format!("{host}:443"), origin)
        })
    }

    /// Cuts off response bodies larger than `bytes`.
    pub fn body_cap(mut self, bytes: usize) -> Self {
        self.body_cap = Some(bytes);
        self
    }

    /// True when a request to `url` (scheme, host and port) is on the allow-list.
    pub fn allows(&self, url: &Uri) -> bool {
        Origin::of_request(url).is_some_and(|origin| self.allowed.contains(&origin))
    }

    /// True when the allow-list is empty (the connector then allows the connection's server).
    pub fn has_no_allowed_origins(&self) -> bool {
        self.allowed.is_empty()
    }

    fn target_for(&self, uri: &Uri) -> Option<&Uri> {
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme() == Some(&Scheme::HTTP) {
                80
            } else {
                443
            });
        self.routes
            .get(&format!("{host}:{port}"))
            .or_else(|| self.routes.get(&host))
    }
}

/// What happened to one outbound request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRecord {
    /// The method.
    pub method: String,
    /// The URL the guest asked for.
    pub url: String,
    /// Whether it was sent (possibly routed) or refused by the allow-list.
    pub verdict: Verdict,
}

/// The policy's decision on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Sent to this URL (the routed one when a route applied).
    Sent(String),
    /// Refused: the host is not allowed.
    Refused,
}

/// Outbound requests of every call that shares this log, in order.
#[derive(Debug, Clone, Default)]
pub struct OutboundLog(Arc<Mutex<Vec<OutboundRecord>>>);

impl OutboundLog {
    /// Everything recorded so far.
    pub fn records(&self) -> Vec<OutboundRecord> {
        self.0
            .lock()
            .map(|records| records.clone())
            .unwrap_or_default()
    }

    /// Forgets everything recorded so far.
    pub fn clear(&self) {
        if let Ok(mut records) = self.0.lock() {
            records.clear();
        }
    }

    fn push(&self, record: OutboundRecord) {
        if let Ok(mut records) = self.0.lock() {
            records.push(record);
        }
    }
}

/// The `wasi:http` hooks of one call: its policy and log.
pub(crate) struct OutboundHooks {
    pub(crate) policy: Arc<OutboundPolicy>,
    /// The origin of the call's own server, allowed beside the policy's allow-list (set only
    /// when that list is empty).
    pub(crate) connection_origin: Option<Origin>,
    pub(crate) log: OutboundLog,
}

impl OutboundHooks {
    /// True when the policy or the call's own server allows a request to `url`.
    fn allows(&self, url: &Uri) -> bool {
        self.policy.allows(url)
            || self
                .connection_origin
                .as_ref()
                .is_some_and(|own| Origin::of_request(url).as_ref() == Some(own))
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> ResponseFuture {
        let url = request.uri().to_string();
        let method = request.method().to_string();
        let allowed = self.allows(request.uri());
        if !allowed {
            self.log.push(OutboundRecord {
                method,
                url,
                verdict: Verdict::Refused,
            });
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        if let Some(target) = self.policy.target_for(request.uri()) {
            match routed(request.uri(), target) {
                Some(uri) => *request.uri_mut() = uri,
                None => return Box::new(async { Err(HttpError::HttpRequestUriInvalid) }),
            }
        }
        self.log.push(OutboundRecord {
            method,
            url,
            verdict: Verdict::Sent(request.uri().to_string()),
        });
        let cap = self.policy.body_cap.unwrap_or(DEFAULT_BODY_CAP);
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            if let Some(length) = declared_length(&response).filter(|length| *length > cap) {
                return Err(HttpError::HttpResponseBodySize(Some(length as u64)));
            }
            let response = response.map(|body| capped(body, cap));
            Ok((response, Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// The `Content-Length` of `response`, when it has a valid one.
fn declared_length<B>(response: &http::Response<B>) -> Option<usize> {
    response
        .headers()
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// `uri` with scheme and authority replaced by those of `target`.
fn routed(uri: &Uri, target: &Uri) -> Option<Uri> {
    let scheme = target.scheme()?.clone();
    let authority: Authority = target.authority()?.clone();
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query(path)
        .build()
        .ok()
}

/// `body`, failing with `HTTP-response-body-size` past `cap` bytes.
fn capped(
    body: impl http_body::Body<Data = Bytes, Error = HttpError> + Send + 'static,
    cap: usize,
) -> WasiBody {
    Limited::new(body, cap)
        .map_err(move |error| match error.downcast::<HttpError>() {
            Ok(inner) => *inner,
            Err(_) => HttpError::HttpResponseBodySize(Some(cap as u64)),
        })
        .boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn hosts_are_allowed_without_case() {
        let policy = OutboundPolicy::new()
            .allow("https://QualysAPI.qualys.com")
            .unwrap();
        assert!(policy.allows(&url("https://qualysapi.QUALYS.com/msp/about.php")));
        assert!(!policy.allows(&url("https://evil.example.com/")));
    }

    #[test]
    fn an_entry_allows_only_its_scheme_and_port_with_the_default_port_implied() {
        let policy = OutboundPolicy::new()
            .allow("https://qualysapi.qualys.com")
            .unwrap()
            .allow("http://127.0.0.1:8080")
            .unwrap();
        assert!(policy.allows(&url("https://qualysapi.qualys.com:443/x")));
        assert!(!policy.allows(&url("http://qualysapi.qualys.com/x")));
        assert!(!policy.allows(&url("https://qualysapi.qualys.com:8443/x")));
        assert!(policy.allows(&url("http://127.0.0.1:8080/")));
        assert!(!policy.allows(&url("http://127.0.0.1/")));
    }

    #[test]
    fn malformed_entries_are_refused_with_the_form_to_write() {
        for entry in [
            "qualysapi.qualys.com",
            "ftp://qualysapi.qualys.com",
            "https://qualysapi.qualys.com/msp",
            "https://user:pw@qualysapi.qualys.com",
            "",
        ] {
            let error = OutboundPolicy::new().allow(entry).unwrap_err().to_string();
            assert!(error.contains("scheme://host[:port]"), "{entry}: {error}");
        }
    }

    #[test]
    fn routes_match_host_and_default_port() {
        let policy = OutboundPolicy::new()
            .route("qualysapi.qualys.com:443", "http://127.0.0.1:9")
            .unwrap();
        let uri: Uri = "https://qualysapi.qualys.com/msp/about.php?x=1"
            .parse()
            .unwrap();
        let target = policy.target_for(&uri).unwrap();
        assert_eq!(
            routed(&uri, target).unwrap().to_string(),
            "http://127.0.0.1:9/msp/about.php?x=1"
        );
        let other: Uri = "https://qualysapi.qualys.com:8443/".parse().unwrap();
        assert!(policy.target_for(&other).is_none());
    }

    #[test]
    fn every_platform_host_is_routed_and_nothing_else() {
        let policy = OutboundPolicy::new()
            .route_platforms("http://127.0.0.1:9")
            .unwrap();
        for (_, host) in PLATFORMS {
            let uri: Uri = format!("https://{host}/msp/about.php").parse().unwrap();
            assert!(policy.target_for(&uri).is_some(), "{host}");
        }
        let other: Uri = "https://qualys.example.com/".parse().unwrap();
        assert!(policy.target_for(&other).is_none());
    }

    #[test]
    fn a_route_target_must_be_an_origin() {
        assert!(OutboundPolicy::new().route("a:443", "127.0.0.1").is_err());
    }
}
