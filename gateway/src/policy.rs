//! Which Qualys servers a request may name: no open proxy.
//!
//! By default only the API servers of the Qualys platforms (`qualys_platforms::PLATFORMS`,
//! over https). The operator adds origins, never a request: the `wasi:config` key
//! [`CONFIG_KEY`] holds origins `scheme://host[:port]` separated by commas or white space
//! (`http` is accepted for loopback hosts only, as the connector accepts it). A request whose
//! server resolves to any other origin is refused before the connector runs.

use qualys_platforms::{ApiServer, PLATFORMS};

use crate::error::GatewayError;

/// The `wasi:config` key of the operator's extra origins.
pub const CONFIG_KEY: &str = "allowed_origins";

/// The origins requests may reach, as base URLs (`https://host[:port]`, default port left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    base_urls: Vec<String>,
}

impl AllowList {
    /// The Qualys platforms' API servers.
    pub fn qualys_platforms() -> Self {
        let base_urls = PLATFORMS
            .iter()
            .filter_map(|(code, _)| ApiServer::from_platform_code(code).ok())
            .map(|server| server.base_url())
            .collect();
        Self { base_urls }
    }

    /// These origins and those of `entries` (the operator's configuration value).
    pub fn with_entries(mut self, entries: &str) -> Result<Self, GatewayError> {
        for entry in entries.split(|c: char| c == ',' || c.is_whitespace()) {
            if entry.is_empty() {
                continue;
            }
            self.base_urls.push(origin_of(entry)?);
        }
        Ok(self)
    }

    /// Whether requests may reach `server`; the refusal names its origin.
    pub fn check(&self, server: &ApiServer) -> Result<(), GatewayError> {
        let base_url = server.base_url();
        if self.base_urls.contains(&base_url) {
            return Ok(());
        }
        Err(GatewayError::ServerNotAllowed(base_url))
    }
}

/// The base URL of an operator's entry `scheme://host[:port]`; the scheme is required and no
/// path may follow.
fn origin_of(entry: &str) -> Result<String, GatewayError> {
    let malformed = |why: &str| {
        GatewayError::Config(format!(
            "{CONFIG_KEY} entry {entry:?}: {why}; write scheme://host[:port], e.g. \
             https://qualysapi.example.com or http://127.0.0.1:8080"
        ))
    };
    let (_, rest) = entry
        .split_once("://")
        .ok_or_else(|| malformed("the scheme is missing"))?;
    if rest
        .split_once('/')
        .is_some_and(|(_, path)| !path.is_empty())
    {
        return Err(malformed("an origin has no path"));
    }
    let server = ApiServer::from_url(entry).map_err(|error| malformed(&error.message))?;
    Ok(server.base_url())
}

/// The allow-list of this service: the platforms and the operator's `wasi:config` origins.
/// Why the configuration is unusable goes to the engine's log (`wasi:cli/stderr`), for the
/// operator; the caller gets [`GatewayError::Config`], whose answer does not repeat it.
#[cfg(all(target_arch = "wasm32", feature = "operator-config"))]
pub fn configured() -> Result<AllowList, GatewayError> {
    use crate::bindings::wasi::cli::stderr;
    use crate::bindings::wasi::config::store;
    let read = store::get(CONFIG_KEY).map_err(|error| {
        let why = match error {
            store::Error::Upstream(why) | store::Error::Io(why) => why,
        };
        GatewayError::Config(format!("wasi:config could not be read: {why}"))
    });
    let platforms = AllowList::qualys_platforms();
    let allowed = match read {
        Ok(Some(entries)) => platforms.with_entries(&entries),
        Ok(None) => Ok(platforms),
        Err(error) => Err(error),
    };
    if let Err(error) = &allowed {
        let line = format!("qualys-connector-served: {error}\n");
        // Nothing more can be done when the log itself cannot be written.
        let _ = stderr::get_stderr().blocking_write_and_flush(line.as_bytes());
    }
    allowed
}

/// The allow-list of this service: the Qualys platforms (built without the operator's
/// configuration).
#[cfg(all(target_arch = "wasm32", not(feature = "operator-config")))]
pub fn configured() -> Result<AllowList, GatewayError> {
    Ok(AllowList::qualys_platforms())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> ApiServer {
        ApiServer::resolve(Some(text), "acme").unwrap()
    }

    #[test]
    fn every_qualys_platform_is_allowed_by_default() {
        let allowed = AllowList::qualys_platforms();
        for (code, host) in PLATFORMS {
            allowed.check(&server(code)).unwrap();
            allowed.check(&server(&format!("https://{host}"))).unwrap();
        }
    }

    #[test]
    fn other_servers_are_refused_by_default() {
        let allowed = AllowList::qualys_platforms();
        for text in [
            "https://example.com",
            "http://127.0.0.1:8080",
            "https://qualysapi.qualys.com:8443",
            "https://qualysapi.qualys.com.evil.example",
        ] {
            assert!(
                matches!(
                    allowed.check(&server(text)),
                    Err(GatewayError::ServerNotAllowed(_))
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn the_operator_adds_origins_with_their_ports() {
        let allowed = AllowList::qualys_platforms()
            .with_entries(" http://127.0.0.1:8080,https://qualysapi.example.internal \n")
            .unwrap();
        allowed.check(&server("http://127.0.0.1:8080")).unwrap();
        allowed
            .check(&server("https://qualysapi.example.internal/api/2.0"))
            .unwrap();
        allowed
            .check(&server("https://qualysapi.example.internal:443"))
            .unwrap();
        assert!(allowed.check(&server("http://127.0.0.1:8081")).is_err());
        assert!(
            allowed
                .check(&server("https://qualysapi.example.internal:8443"))
                .is_err()
        );
    }

    #[test]
    fn spellings_of_an_allowed_origin_match_it_and_look_alikes_do_not() {
        let allowed = AllowList::qualys_platforms()
            .with_entries("http://127.0.0.1:8080")
            .unwrap();
        let cases = [
            ("HTTPS://QUALYSAPI.QUALYS.COM", true),
            ("https://qualysapi.qualys.com:443", true),
            ("https://qualysapi.qualys.com/api/2.0/fo/", true),
            ("http://127.0.0.1:8080/", true),
            ("https://qualysapi.qualys.com.", false),
            ("https://qualysapi.qualys.com:8443", false),
            ("http://localhost:8080", false),
            ("http://[::1]:8080", false),
            ("http://[::ffff:127.0.0.1]:8080", false),
            ("https://qualysapi.qualys.com@attacker.example", false),
        ];
        for (text, expected) in cases {
            let verdict = ApiServer::resolve(Some(text), "acme")
                .is_ok_and(|server| allowed.check(&server).is_ok());
            assert_eq!(verdict, expected, "{text}");
        }
    }

    #[test]
    fn a_malformed_operator_entry_is_a_configuration_error_naming_it() {
        for entry in [
            "127.0.0.1:8080",
            "https://host/path",
            "http://example.com",
            "https://",
        ] {
            let error = AllowList::qualys_platforms()
                .with_entries(entry)
                .unwrap_err();
            assert!(
                matches!(&error, GatewayError::Config(message) if message.contains(entry)),
                "{entry}: {error}"
            );
        }
    }
}
