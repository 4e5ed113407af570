//! # qualys-platforms
//!
//! The Qualys platforms (codes and API hosts) and how a connection finds its API server, shared
//! by the guest (`qualys-connector`) and the host (`host-harness`). No dependencies.
//!
//! A connection names its server as a platform code (`US2`), as a URL (a pasted UI URL or one
//! with a path is fine: only scheme and host are kept, and `qualysguard.` becomes
//! `qualysapi.`), or not at all: then the platform is read from the platform character in the
//! username (`<company><id-char><initials><n>`, e.g. `acme_ab1` is on US1).
//!
//! Everything here is pure: it runs before any request. A failure is an [`Error`] (a message
//! and maybe a hint for a person); the guest reports it as `invalid-input`.
//!
//! ```
//! use qualys_platforms::{ApiServer, Scheme};
//!
//! let server = ApiServer::resolve(None, "acme2ab1").unwrap();
//! assert_eq!(server.platform, Some("US2"));
//! assert_eq!(server.scheme, Scheme::Https);
//! assert_eq!(server.base_url(), "https://qualysapi.qg2.apps.qualys.com");
//! ```

#![deny(missing_docs)]

use std::fmt;

/// URL schemes the connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// HTTPS: every real Qualys platform.
    Https,
    /// Plain HTTP: only ever for loopback hosts (tests, a local proxy).
    Http,
}

/// Why a server could not be resolved: always a mistake in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// One line for a person; never contains a password.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The result of a resolution.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Qualys platforms: code and API host.
pub const PLATFORMS: &[(&str, &str)] = &[
    ("US1", "qualysapi.qualys.com"),
    ("US2", "qualysapi.qg2.apps.qualys.com"),
    ("US3", "qualysapi.qg3.apps.qualys.com"),
    ("US4", "qualysapi.qg4.apps.qualys.com"),
    ("EU1", "qualysapi.qualys.eu"),
    ("EU2", "qualysapi.qg2.apps.qualys.eu"),
    ("EU3", "qualysapi.qg3.apps.qualys.it"),
    ("IN1", "qualysapi.qg1.apps.qualys.in"),
    ("CA1", "qualysapi.qg1.apps.qualys.ca"),
    ("AE1", "qualysapi.qg1.apps.qualys.ae"),
    ("UK1", "qualysapi.qg1.apps.qualys.co.uk"),
    ("AU1", "qualysapi.qg1.apps.qualys.com.au"),
    ("KSA1", "qualysapi.qg1.apps.qualysksa.com"),
];

/// Platform characters in usernames, as Qualys documents them.
pub const USERNAME_PLATFORM_CHARS: &[(char, &str)] = &[
    ('_', "US1"),
    ('2', "US2"),
    ('3', "US3"),
    ('6', "US4"),
    ('-', "EU1"),
    ('5', "EU2"),
    ('!', "EU2"),
];

/// The API server a connection resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiServer {
    /// HTTPS, or HTTP for a loopback host.
    pub scheme: Scheme,
    /// Lower-case host name or IP literal (IPv6 in brackets).
    pub host: String,
    /// The port, when not the scheme's default.
    pub port: Option<u16>,
    /// The platform code, when the host is a known platform.
    pub platform: Option<&'static str>,
}

impl ApiServer {
    /// Resolves the `server` of a connection, falling back to the platform in `username`.
    pub fn resolve(server: Option<&str>, username: &str) -> Result<Self> {
        match server.map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) if is_url_like(text) => Self::from_url(text),
            Some(code) => Self::from_platform_code(code),
            None => Self::from_username(username),
        }
    }

    /// The API server of a platform code such as `US2` (any case).
    pub fn from_platform_code(code: &str) -> Result<Self> {
        let (code, host) = PLATFORMS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(code))
            .ok_or_else(|| {
                Error::new(format!("unknown Qualys platform code {code:?}")).with_hint(format!(
                    "use one of {}, or the API server URL",
                    platform_codes()
                ))
            })?;
        Ok(Self {
            scheme: Scheme::Https,
            host: (*host).to_owned(),
            port: None,
            platform: Some(code),
        })
    }

    /// The API server of a URL: scheme and host are kept, everything after them is dropped.
    ///
    /// Only what a server URL needs is read, strictly: an optional `http`/`https` scheme, no
    /// user info, a host that is a name of letters, digits, `-`, `.`, `_` and `~` or an IPv6
    /// address in brackets, and an optional port. (The `http` crate's URI parser did this for
    /// some 10 KB of the component; the unit tests, the property test in `robustness` and the
    /// `server_resolve` fuzz target check that every host accepted here parses back as the
    /// same host with it.)
    pub fn from_url(text: &str) -> Result<Self> {
        let invalid = || Error::new(format!("{text:?} is not a valid server URL"));
        let (scheme, rest) = text.split_once("://").unwrap_or(("https", text));
        if !is_scheme(scheme) {
            return Err(invalid());
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(
                Error::new("the server URL must not contain a user name or password")
                    .with_hint("pass the credentials as username and password instead"),
            );
        }
        let (host, written_port) = split_host_port(authority).ok_or_else(invalid)?;
        let host = normalise_host(host);
        if host.is_empty() {
            return Err(Error::new(format!("the server URL {text:?} has no host")));
        }
        let port = match written_port {
            None => None,
            Some(port) if port.bytes().all(|byte| byte.is_ascii_digit()) => port.parse().ok(),
            Some(_) => None,
        };
        if let Some(written) = written_port
            && port.is_none()
        {
            return Err(Error::new(format!(
                "the server URL {text:?} has the port {written:?}; a port is a number up to 65535"
            )));
        }
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" if is_loopback(&host) => Scheme::Http,
            "http" => {
                return Err(Error::new(format!(
                    "the server URL {text:?} uses http://; Qualys is only reached over https://"
                )));
            }
            _ => {
                return Err(Error::new(format!(
                    "the server URL {text:?} must start with https://"
                )));
            }
        };
        let default_port = match scheme {
            Scheme::Https => 443,
            Scheme::Http => 80,
        };
        let port = port.filter(|port| *port != default_port);
        let platform = platform_of_host(&host);
        Ok(Self {
            scheme,
            host,
            port,
            platform,
        })
    }

    /// The API server of the platform named by the platform character in `username`.
    pub fn from_username(username: &str) -> Result<Self> {
        let id_char = platform_char(username).ok_or_else(|| {
            Error::new(format!(
                "no server given, and the username {username:?} has no platform character"
            ))
            .with_hint(format!("set server to one of {}", platform_codes()))
        })?;
        let code = USERNAME_PLATFORM_CHARS
            .iter()
            .find(|(known, _)| *known == id_char)
            .map(|(_, code)| *code)
            .ok_or_else(|| {
                Error::new(format!(
                    "no server given, and the platform character {id_char:?} in the username \
                     is not one Qualys documents"
                ))
                .with_hint(format!("set server to one of {}", platform_codes()))
            })?;
        Self::from_platform_code(code)
    }

    /// `host` or `host:port`.
    pub fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// The base URL, e.g. `https://qualysapi.qg2.apps.qualys.com`.
    pub fn base_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Https => "https",
            Scheme::Http => "http",
        };
        format!("{scheme}://{}", self.authority())
    }
}

/// True when `text` names a URL or host rather than a platform code.
fn is_url_like(text: &str) -> bool {
    text.contains("://") || text.contains('.') || text.contains('/') || text.contains(':')
}

/// A URI scheme: a letter, then letters, digits, `+`, `-` and `.`.
fn is_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
}

/// The host and the port written after it (`host:` has none) of `authority`; `None` when the
/// host is neither a name nor a bracketed IPv6 address. The host may be empty.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(inner) => {
            let (address, after) = inner.split_once(']')?;
            address.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (&authority[..address.len() + 2], port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            let is_name_byte = |byte: u8| {
                byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
            };
            if !host.bytes().all(is_name_byte) {
                return None;
            }
            (host, port)
        }
    };
    Some((host, port.filter(|port| !port.is_empty())))
}

/// Lower case, and the UI host prefix replaced by the API one.
fn normalise_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.strip_prefix("qualysguard.") {
        Some(rest) => ["qualysapi.", rest].concat(),
        None => host,
    }
}

fn platform_of_host(host: &str) -> Option<&'static str> {
    PLATFORMS
        .iter()
        .find(|(_, known)| *known == host)
        .map(|(code, _)| *code)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The character after the leading company letters, when initials follow it.
fn platform_char(username: &str) -> Option<char> {
    let mut chars = username.chars().skip_while(char::is_ascii_alphabetic);
    let id_char = chars.next()?;
    let followed_by_initials = chars.next().is_some_and(|next| next.is_ascii_alphabetic());
    (username.starts_with(|c: char| c.is_ascii_alphabetic()) && followed_by_initials)
        .then_some(id_char)
}

fn platform_codes() -> String {
    PLATFORMS
        .iter()
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(server: Option<&str>, username: &str) -> Result<ApiServer> {
        ApiServer::resolve(server, username)
    }

    #[test]
    fn a_platform_code_resolves_to_its_api_host_in_any_case() {
        let server = resolve(Some("us2"), "anyone").unwrap();
        assert_eq!(server.base_url(), "https://qualysapi.qg2.apps.qualys.com");
        assert_eq!(server.platform, Some("US2"));
    }

    #[test]
    fn every_platform_code_resolves() {
        for (code, host) in PLATFORMS {
            let server = resolve(Some(code), "x").unwrap();
            assert_eq!(server.host, *host);
            assert_eq!(server.platform, Some(*code));
        }
    }

    #[test]
    fn an_unknown_platform_code_is_invalid_input() {
        let error = resolve(Some("US9"), "acme_ab1").unwrap_err();
        assert!(error.message.contains("US9"));
        assert!(error.hint.unwrap().contains("KSA1"));
    }

    #[test]
    fn a_pasted_ui_url_with_a_path_becomes_the_api_base_url() {
        let server = resolve(
            Some("https://QualysGuard.qg3.apps.qualys.com/fo/login.php?x=1#top"),
            "x",
        )
        .unwrap();
        assert_eq!(server.base_url(), "https://qualysapi.qg3.apps.qualys.com");
        assert_eq!(server.platform, Some("US3"));
    }

    #[test]
    fn a_bare_host_means_https() {
        let server = resolve(Some("qualysapi.example-private.net"), "x").unwrap();
        assert_eq!(server.base_url(), "https://qualysapi.example-private.net");
        assert_eq!(server.platform, None);
    }

    #[test]
    fn a_non_default_port_is_kept_and_the_default_is_dropped() {
        let kept = resolve(Some("https://qualys.example.com:8443/api"), "x").unwrap();
        assert_eq!(kept.authority(), "qualys.example.com:8443");
        let dropped = resolve(Some("https://qualysapi.qualys.eu:443"), "x").unwrap();
        assert_eq!(dropped.base_url(), "https://qualysapi.qualys.eu");
        assert_eq!(dropped.platform, Some("EU1"));
    }

    #[test]
    fn http_is_refused_for_a_remote_host() {
        let error = resolve(Some("http://qualysapi.qualys.com"), "x").unwrap_err();
        assert!(error.message.contains("https://"));
    }

    #[test]
    fn http_is_accepted_for_loopback_hosts() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:9",
            "http://[::1]:80",
        ] {
            let server = resolve(Some(url), "x").unwrap();
            assert_eq!(server.scheme, Scheme::Http, "{url}");
        }
    }

    #[test]
    fn a_url_with_user_info_is_invalid_input() {
        let error = resolve(Some("https://admin:secret@qualysapi.qualys.com"), "x").unwrap_err();
        assert!(!error.message.contains("secret"));
    }

    #[test]
    fn a_url_without_a_host_is_invalid_input() {
        // Found by the server_resolve fuzz target: ":" resolved to an empty host.
        for server in [":", "https://:443", ":ftp/", "https://:8443/path"] {
            let error = resolve(Some(server), "acme_ab1").unwrap_err();
            assert!(error.message.contains("no host"), "{server}");
        }
    }

    #[test]
    fn a_port_that_is_not_a_number_up_to_65535_is_invalid_input() {
        for server in [
            "https://qualysapi.qualys.com:ftp",
            "qualysapi.qualys.com:99999",
            "https://qualysapi.qualys.com:-1",
            "https://qualysapi.qualys.com:+8443",
            "http://[::1]:x",
        ] {
            let error = resolve(Some(server), "acme_ab1").unwrap_err();
            assert!(error.message.contains("port"), "{server}");
        }
        let empty_port = resolve(Some("https://qualysapi.qualys.com:/x"), "x").unwrap();
        assert_eq!(empty_port.base_url(), "https://qualysapi.qualys.com");
    }

    #[test]
    fn only_host_names_and_bracketed_ipv6_addresses_are_hosts() {
        for server in [
            "https://qualys api.example.com",
            "https://exa!mple.com",
            "https://[::1",
            "https://[not-v6]:443",
            "https://[::1]x",
            "1https://qualysapi.qualys.com",
            "://qualysapi.qualys.com",
        ] {
            let error = resolve(Some(server), "acme_ab1").unwrap_err();
            assert!(error.message.contains("not a valid"), "{server}");
        }
        let v6 = resolve(Some("https://[2001:DB8::1]:8443/x"), "x").unwrap();
        assert_eq!(v6.base_url(), "https://[2001:db8::1]:8443");
        let name = resolve(Some("HTTPS://Qualys_API.example.com?x#y"), "x").unwrap();
        assert_eq!(name.base_url(), "https://qualys_api.example.com");
    }

    #[test]
    fn other_schemes_are_invalid_input() {
        resolve(Some("ftp://qualysapi.qualys.com"), "x").unwrap_err();
    }

    #[test]
    fn the_username_platform_character_picks_the_platform() {
        let cases = [
            ("acme_ab1", "US1"),
            ("acme2ab1", "US2"),
            ("acme3ab", "US3"),
            ("acme6xy12", "US4"),
            ("acme-ab1", "EU1"),
            ("acme5ab1", "EU2"),
            ("acme!ab1", "EU2"),
        ];
        for (username, code) in cases {
            let server = resolve(None, username).unwrap();
            assert_eq!(server.platform, Some(code), "{username}");
        }
    }

    #[test]
    fn a_blank_server_falls_back_to_the_username() {
        let server = resolve(Some("  "), "acme2ab1").unwrap();
        assert_eq!(server.platform, Some("US2"));
    }

    #[test]
    fn a_username_without_a_known_platform_character_is_invalid_input() {
        for username in ["acme9ab1", "acmeab", "1acme_ab", "acme_", ""] {
            let error = resolve(None, username).unwrap_err();
            assert!(error.hint.is_some(), "{username}");
        }
    }
}
