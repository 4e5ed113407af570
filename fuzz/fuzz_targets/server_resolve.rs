//! `qualys_platforms::ApiServer::resolve` (which the connector's `qualys::server` wraps) on
//! arbitrary server and username strings.
//!
//! The input is `server`, a newline, then `username` (split at the last newline; without
//! one, there is no server and the whole input is the username); invalid UTF-8 is replaced.
//!
//! Besides "no panic, no hang": a failure is `invalid-input` (the connector's
//! `qualys::server::resolve` maps every platform error to it); a resolved host is non-empty,
//! lower case and holds no `@`, `/`, `?`, `#` or whitespace; plain HTTP only ever for a
//! loopback host; a platform's host is that platform's; and the base URL parses back as a
//! URI with the same host and port.
#![no_main]

use http::Uri;
use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::server::resolve;
use qualys_platforms::{ApiServer, PLATFORMS, Scheme};

fuzz_target!(|data: &[u8]| {
    let (server, username) = match data.iter().rposition(|byte| *byte == b'\n') {
        Some(at) => (Some(&data[..at]), &data[at + 1..]),
        None => (None, data),
    };
    let server = server.map(String::from_utf8_lossy);
    let username = String::from_utf8_lossy(username);
    let resolved: ApiServer = match resolve(server.as_deref(), &username) {
        Ok(resolved) => resolved,
        Err(error) => {
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{error:?}");
            return;
        }
    };
    let host = resolved.host.as_str();
    assert!(!host.is_empty(), "{resolved:?}");
    assert!(
        !host.contains(['@', '/', '?', '#']) && !host.contains(char::is_whitespace),
        "{resolved:?}"
    );
    assert_eq!(host, host.to_ascii_lowercase(), "{resolved:?}");
    if resolved.scheme == Scheme::Http {
        let loopback = host == "localhost"
            || host == "[::1]"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        assert!(loopback, "plain HTTP to {host}");
    }
    if let Some(code) = resolved.platform {
        assert!(PLATFORMS.contains(&(code, host)), "{resolved:?}");
    }
    let base_url = resolved.base_url();
    let uri: Uri = base_url.parse().unwrap_or_else(|_| panic!("{base_url:?}"));
    assert_eq!(uri.host(), Some(host), "{base_url}");
    assert_eq!(uri.path(), "/", "{base_url}");
    if let Some(port) = resolved.port {
        assert_eq!(uri.port_u16(), Some(port), "{base_url}");
    }
});
